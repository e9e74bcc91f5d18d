"""The public URL of an OUT folder, and the QR codes printed on the notices that lead to it.

The public URL is where residents reach `digonce serve` (e.g. https://gaizao.example.org): given once with
`--public-url` to `solve`, `replan` or `publish`, it is remembered in OUT/.serve/site.json — beside the
secret links, outside every release, never served — so later releases print the same QR codes and `serve`
hands out the same links. Each building's notice carries a QR code of its short link `<url>/b/<part>`
(`serve` redirects it to the notice in force), the index one of the site root `<url>/`. Without a public URL
there are no QR codes.

QR codes are SVG made by segno (pure Python): inline in the page, drawn with crisp square modules, so they
work offline, scale on a phone and print sharp on A4. Same URL, same bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import segno

from scheduler.publishing.files import file_part, write_atomic

SITE_FILE = Path(".serve") / "site.json"
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?", re.IGNORECASE)


def normal_url(url: str | None) -> str | None:
    """A usable public URL without its trailing slash, or None when `url` is not one (no http(s)://, a query,
    a fragment, white space)."""
    if not url or not _URL.fullmatch(url.strip()):
        return None
    return url.strip().rstrip("/")


def remembered(out: str | Path) -> str | None:
    """The public URL remembered in OUT, or None (none given yet, or an unreadable file)."""
    try:
        data = json.loads((Path(out) / SITE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return normal_url(data.get("public_url")) if isinstance(data, dict) else None


def remember(out: str | Path, url: str) -> None:
    """Keep `url` as OUT's public URL (atomically; identical contents are left alone)."""
    path = Path(out) / SITE_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"public_url": url}, ensure_ascii=False, indent=1) + "\n")


def short_link(url: str, building: str) -> str:
    """The short, QR-friendly address of a building's notice: `<url>/b/<file part>` (`serve` redirects it)."""
    return f"{url}/b/{quote(file_part(building), safe='')}"


def site_link(url: str) -> str:
    """The site root: `serve`'s landing page with every building's calendar and notice."""
    return f"{url}/"


def qr_svg(data: str) -> str:
    """An inline SVG QR code of `data`, sized by CSS through its viewBox: error correction M, a quiet zone of
    2 modules (the page around it is white too)."""
    code = segno.make(data, error="m", micro=False, boost_error=False)
    return code.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff", svgclass="qr-code",
                           lineclass=None)
