"""`python -m scheduler.cli` runs the `digonce` command line."""

from scheduler.cli import main

main()
