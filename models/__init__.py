"""Input side of digonce: load and validate project.yaml into typed objects; the Schedule result."""

from .load import load_project
from .problems import InputError, Place, Problem
from .project import Project

__all__ = ["InputError", "Place", "Problem", "Project", "load_project"]
