"""Atomic output: write to a temp file beside the target, then rename, so no reader sees half a file."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def safe_part(part: str) -> str:
    """A file-name part from an id: kept as it is except path separators (feeds and notices name files alike)."""
    return re.sub(r"[/\\]", "_", part)


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
