"""File names and atomic files.

`file_part` is the one mapping from an id (a building's, a trade's) to the part of a file name that stands
for it: feeds/building-<part>.ics, feeds/trade-<part>.ics, notices/<part>.html and the links of `serve`.
It is injective, so two ids never share a file, and safe on every common file system:

* kept as written: ASCII letters and digits, `-`, and letters or digits of caseless scripts (汉字, kana…)
  whose canonical and compatibility forms are themselves (so macOS's NFD names cannot merge two of them);
* every other character — `_` itself, `.`, space, `/`, `\\`, `%`, `~`, control characters, cased letters
  outside ASCII (é, Ä, Ω), fullwidth forms — is written `_<hex code point>_`: `a/b` → `a_2f_b`,
  `a_b` → `a_5f_b`, `é` → `_e9_`;
* a part that would be a reserved name (`index`, which the notices' index page uses, and Windows'
  CON, PRN, AUX, NUL, COM0–9, LPT0–9 in any case) has its first character escaped: `index` → `_69_ndex`;
* a part longer than MAX_PART bytes of UTF-8 (a 100-character Chinese id) is cut at a character and ends in
  `~` and 16 hex digits of the id's SHA-256; `~` appears in no other part, so a cut part never equals a
  whole one (publish also refuses a release whose names would collide, however unlikely).

Every other part decodes back to its id (`id_of_part`), which is why the mapping is injective. Letter case
is kept (B1 stays B1); ids that differ only in case are refused by validation (models/validate.py), so
two parts of one project never differ only in case either: distinct on case-insensitive file systems.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

MAX_PART = 96  # bytes; with `building-` and `.ics`, and a temp-file prefix, far below 255
_CUT = 78
_RESERVED = {"index", "con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in "0123456789¹²³")}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _kept(c: str) -> bool:
    if c.isascii():
        return c.isalnum() or c == "-"
    return (c.isalnum() and c.upper() == c == c.lower() and c.casefold() == c
            and unicodedata.normalize("NFD", c) == c and unicodedata.normalize("NFKC", c) == c)


def _escape(c: str) -> str:
    return f"_{ord(c):x}_"


def file_part(ident: str) -> str:
    """The file-name part standing for `ident` (see the module's docstring for the rules)."""
    pieces = [c if _kept(c) else _escape(c) for c in ident]
    if pieces and "".join(pieces).lower() in _RESERVED:
        pieces[0] = _escape(ident[0])
    part = "".join(pieces)
    if part and len(part.encode("utf-8")) <= MAX_PART:
        return part
    cut, size = [], 0
    for p in pieces:
        size += len(p.encode("utf-8"))
        if size > _CUT:
            break
        cut.append(p)
    return "".join(cut) + "~" + hashlib.sha256(ident.encode("utf-8")).hexdigest()[:16]


def id_of_part(part: str) -> str | None:
    """The id a file-name part stands for, or None for a cut (hashed) part or one `file_part` never makes."""
    if "~" in part:
        return None
    out, i = [], 0
    while i < len(part):
        if part[i] != "_":
            out.append(part[i])
            i += 1
            continue
        m = re.match(r"_([0-9a-f]{1,6})_", part[i:])
        if not m or int(m.group(1), 16) > 0x10FFFF:
            return None
        out.append(chr(int(m.group(1), 16)))
        i += m.end()
    ident = "".join(out)
    return ident if file_part(ident) == part else None


UMASK = _umask()  # read once, at import: os.umask is process-wide and must not flicker under threads


def write_atomic(path: str | Path, data: str | bytes, mode: int | None = None) -> None:
    """Write `data` to `path` atomically, readable like any file the user creates (mkstemp alone gives 0600,
    which a web server or a colleague could not read); `mode` (e.g. 0o600 for secrets) overrides that.
    Identical bytes already there are left alone, file time included."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None and path.is_file() and path.read_bytes() == raw:
        return  # unchanged: keep its time, so If-Modified-Since pollers keep getting 304
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~UMASK if mode is None else mode)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
