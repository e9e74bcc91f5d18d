"""digonce: schedule an old-compound renovation so that every trench is dug only once.

The public API (see scheduler/api.py and docs/architecture.md) is re-exported here:
`load_project`, `expand`, `plan`, `replan`, `read_progress`, `read_schedule`, `check`, `explain`,
`explain_task`, `diff`, `publish`, `export_mspdi`, and the types they take and return. Names are resolved
on first use, so `import scheduler.core` stays light and the layers below never import the ones above.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Diff", "Explanation", "InputError", "Plan", "Problem", "Progress", "Project", "Published", "RULES", "Release",
    "ReleaseError", "Replan", "Schedule", "Task", "TaskExplanation", "Violation", "check", "check_out", "complete",
    "diff", "expand", "explain", "explain_task", "export_mspdi", "load_project", "plan", "publish", "read_progress",
    "read_schedule", "release_in_force", "replan", "schedule_in_force",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from scheduler import api

        return getattr(api, name)
    raise AttributeError(f"module 'scheduler' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
