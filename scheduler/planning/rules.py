"""Rule groups: the rule instances a conflict can name (SPEC §5), as typed values.

The compiler tags every switchable rule instance of the core problem with a `RuleGroup`; the core only
hashes and compares them. `explain` and `hold` dispatch on `rule` and `kind`, and `str()` gives the
readable name that JSON and the command line show ("R4 quiet 高考", "R2 crews civil", "deadline").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    """The rules of a valid schedule (SPEC §5); deadlines and release dates are R3's two halves."""

    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"
    R6 = "R6"
    R7 = "R7"
    R8 = "R8"
    R9 = "R9"
    R10 = "R10"
    DEADLINE = "deadline"
    RELEASE = "release"


# Names that are not "<rule> <kind> <subject>"; the rest are.
_NAMES = {"order": "{rule}", "deadline": "deadline", "release": "release {subject}",
          "as-of": "replan as-of", "notice": "replan notice {subject}"}


@dataclass(frozen=True)
class RuleGroup:
    """One rule instance: `rule` of SPEC §5, `kind` the family inside it ("crews", "quiet", "fire"…),
    `subject` what it is about (a trade, a quiet period's name, a building; a tuple when several)."""

    rule: Rule
    kind: str
    subject: str | tuple[str, ...] = ""

    def __str__(self) -> str:
        subject = " ".join(self.subject) if isinstance(self.subject, tuple) else self.subject
        template = _NAMES.get(self.kind, "{rule} {kind} {subject}")
        return template.format(rule=self.rule.value, kind=self.kind, subject=subject).strip()


ORDER = RuleGroup(Rule.R1, "order")  # precedences outside any group: a cycle, or no room between them
DEADLINE = RuleGroup(Rule.DEADLINE, "deadline")
AS_OF = RuleGroup(Rule.RELEASE, "as-of")  # a re-plan: nothing starts before the as-of date
MAX_OPEN_DAYS = RuleGroup(Rule.R7, "max_open_days")
MAX_OPEN_ZONES = RuleGroup(Rule.R7, "max_open_zones")


def crews(trade: str) -> RuleGroup:
    """The R2 group of a trade's crews; also the core resource the trade's tasks use."""
    return RuleGroup(Rule.R2, "crews", trade)


def machine(name: str) -> RuleGroup:
    """The R2 group of a kind of equipment; also the core resource."""
    return RuleGroup(Rule.R2, "machine", name)
