"""The `digonce` command line: options in, public API calls (scheduler/api.py), printed results out.

The only place that prints or exits; a command that cannot go on raises `Failure` with its exit code.
"""

from __future__ import annotations

import click

from scheduler.cli import bench, export, programme, project, serve
from scheduler.cli.common import lang_option, set_lang


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="digonce")
@lang_option
def main(lang: str | None) -> None:
    """digonce — schedule an old-compound renovation so that every trench is dug only once.

    \b
    A project is a folder with project.yaml (see docs/input-format.md).
    Typical flow:
      digonce validate inputs/hepingli          check the input, see a summary
      digonce solve inputs/hepingli -o out      schedule it and write every output
      digonce check inputs/hepingli out/schedule.json   referee a (hand-edited) schedule
    A district programme (programme.yaml, many compounds sharing contractors):
      digonce programme solve inputs/district -o out-district

    \b
    Messages follow --lang (digonce --lang en validate …), else the project's lang, else the
    locale. The published ledger, Gantt, feeds and notices always follow the project's lang.
    """
    set_lang(lang)


for command in (*project.COMMANDS, *export.COMMANDS, *programme.COMMANDS, serve.serve, bench.generate, bench.bench):
    main.add_command(command)

