"""HTML pages from Jinja2 templates: Python hands over plain data, the template decides words and markup.

Templates live in `<package>/templates/`; they get `t(key, **values)` in the page's language (or
`t(key, "en")` for a page that shows two languages), so a
street office can change the letterhead (a template) or a sentence (scheduler/text) without touching
Python. Autoescape is on and undefined names fail loudly; the same data gives the same bytes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from scheduler.publishing.words import capfirst
from scheduler.text import normal_lang, t


@cache
def environment(package: str) -> Environment:
    """The template environment of `package` (e.g. "scheduler.publishing"), built once."""
    env = Environment(loader=PackageLoader(package, "templates"), autoescape=True, keep_trailing_newline=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["capfirst"] = capfirst
    return env


def render_page(package: str, template: str, lang: str, **context: Any) -> str:
    """`template` of `package` rendered in `lang` (the catalogue's words through `t`) with `context`."""
    lang = normal_lang(lang)

    def words(key: str, in_lang: str | None = None, /, **values: Any) -> Any:
        return t(key, in_lang or lang, **values)

    return environment(package).get_template(template).render(lang=lang, t=words, **context)
