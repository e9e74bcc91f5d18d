"""`digonce check`: read a schedule (`read`) and judge it against every rule of SPEC §5 (`referee`)."""

from models.tables import parse_date
from scheduler.review.check.read import read_schedule_file
from scheduler.review.check.referee import RULES, Violation, check_schedule

__all__ = ["RULES", "Violation", "check_schedule", "parse_date", "read_schedule_file"]
