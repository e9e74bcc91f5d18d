"""Releases: every publish into OUT is one release, switched in one step (SPEC §7 "A publish is one release").

OUT holds:

    releases/0001/                 release 1, complete: schedule.json, .csv, .xlsx, gantt.html, plotly.min.js,
    releases/0002/                   feeds/, notices/ and release.json (version, time, public URL, every
                                     file's SHA-256)
    current -> releases/0002       the release in force: a symlink, or where symlinks cannot be made, a
                                     small file whose text is `releases/0002`
    schedule.json -> current/schedule.json    stable paths for people (and every link to them): symlinks
    feeds -> current/feeds                      through `current`, made once and never changed; where there
    …                                           are no symlinks, copies of the release in force
    .serve/tokens.json             the secret links of `digonce serve`: they belong to OUT, not to a release
    .serve/site.json               OUT's public URL (--public-url), for the QR codes of later releases

A run renders the whole set in memory (an error there writes nothing), writes it into
`releases/.staging-<n>`, fsyncs it, renames it to `releases/<n>` (so a numbered folder is always complete),
then replaces `current` by rename — the one step that switches every stable path at once. A run that fails
or is killed before that rename leaves the release in force as it was; the next run removes what it left.
`serve` reads the pointer once per request and serves that release's file, so each response is a whole
file of the old or of the new release.

Without symlinks (FAT/exFAT sticks, some network shares) `current` is a file replaced by rename, so
`serve` and digonce itself still switch in one step; the top-level copies for people are refreshed right
after, each file by rename and feeds/ and notices/ as folders renamed into place, so someone browsing the
folder by hand during those milliseconds may see the new set's files beside the old one's or miss a
folder for a moment; a run killed in between leaves them so until the next release refreshes them.

Releases beyond the `keep` newest are pruned down to their schedule.json and release.json (for `diff`
and the Gantt's ghost bars); the release in force is always among the kept. Numbers never repeat.
One writer at a time: `releases/.lock` (flock).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from scheduler.text import Msg

RELEASES = "releases"
POINTER = "current"
MANIFEST = "release.json"
KEEP = 5
TOP = ("schedule.json", "schedule.csv", "schedule.xlsx", "gantt.html", "plotly.min.js", "feeds", "notices", MANIFEST)
KEPT_WHEN_PRUNED = ("schedule.json", MANIFEST)
MIN_FREE = 16 << 20  # bytes a run wants free in OUT beyond twice what it writes
_NAME = re.compile(r"\d{4,9}")


class ReleaseError(Exception):
    """A release could not be made; the one-line message (a Msg, text/*/release.yaml) says why, what stays in
    force, and what to do."""


@dataclass(frozen=True)
class Release:
    version: int
    folder: Path


class Published(list):
    """The stable paths a publish wrote (OUT/schedule.json, OUT/feeds/…), and the release they belong to."""

    def __init__(self, paths: list[Path], release: Release) -> None:
        super().__init__(paths)
        self.release = release


# ---- reading: which release is in force --------------------------------------------------------------

def _number(name: str) -> int | None:
    return int(name) if _NAME.fullmatch(name) else None


def folder_name(version: int) -> str:
    return f"{version:04d}"


def in_force(out: str | Path) -> Release | None:
    """The release `current` points at (symlink or pointer file), or None (no release yet, or a plain
    folder: a copy of OUT, or one written before releases)."""
    out = Path(out)
    pointer = out / POINTER
    try:
        if pointer.is_symlink():
            target = os.readlink(pointer)
        elif pointer.is_file() and pointer.stat().st_size < 256:
            target = pointer.read_text(encoding="utf-8").strip()
        else:
            return None
    except (OSError, UnicodeDecodeError):
        return None
    parts = Path(target).parts
    if len(parts) != 2 or parts[0] != RELEASES or _number(parts[1]) is None:
        return None
    folder = out / RELEASES / parts[1]
    return Release(int(parts[1]), folder) if folder.is_dir() and not folder.is_symlink() else None


def folder_in_force(out: str | Path) -> Path:
    """Where the files in force are: the release folder, else OUT itself (a plain folder)."""
    release = in_force(out)
    return release.folder if release else Path(out)


def releases(out: str | Path) -> list[Release]:
    """Every numbered release folder (pruned ones included), oldest first."""
    base = Path(out) / RELEASES
    if not base.is_dir():
        return []
    found = [(_number(p.name), p) for p in base.iterdir() if p.is_dir() and not p.is_symlink()]
    return sorted((Release(n, p) for n, p in found if n is not None), key=lambda r: r.version)


def schedule_in_force(out: str | Path) -> Path | None:
    """The real path of the schedule.json in force (never the stable link, which a new release re-points)."""
    path = folder_in_force(out) / "schedule.json"
    return path if path.is_file() else None


# ---- every change to OUT goes through these (the fault-injection test counts and breaks them) ---------

class _FS:
    @staticmethod
    def write(path: Path, data: bytes) -> None:
        with open(path, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    @staticmethod
    def mkdir(path: Path) -> None:
        path.mkdir()

    @staticmethod
    def rename(src: Path, dst: Path) -> None:
        os.replace(src, dst)

    @staticmethod
    def symlink(target: str, path: Path) -> None:
        os.symlink(target, path)

    @staticmethod
    def remove(path: Path) -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)

    @staticmethod
    def sync_dir(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError:  # some file systems cannot fsync a folder; the renames are still atomic
            pass
        finally:
            os.close(fd)


_fs = _FS()


# ---- writing a release ----------------------------------------------------------------------------------

Render = Callable[[int, Path | None], dict[str, bytes]]


def check_out(out: str | Path, need: int = MIN_FREE) -> Msg | None:
    """Why OUT cannot take a release (not a folder, not writable, too little space), or None. Asked before
    solving, so a read-only or full OUT is known at once, not after the whole search; creates nothing."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        return Msg("release.out_is_file", out=str(out))
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return Msg("release.cannot_make", out=str(out), existing=str(existing))
    if not _writable(existing):
        return Msg("release.read_only", out=str(out), existing=str(existing))
    free = shutil.disk_usage(existing).free
    if free < need:
        return Msg("release.no_room", out=str(out), free=free >> 20, need=max(1, need >> 20))
    return None


def _writable(folder: Path) -> bool:
    """access(2) answers EROFS for a read-only mount, for root too."""
    return os.access(folder, os.W_OK | os.X_OK)


def write_release(out: str | Path, render: Render, *, keep: int = KEEP, now: datetime | None = None,
                  links: bool | None = None, notes: dict | None = None) -> Published:
    """Make the next release of OUT from `render(version, folder in force or None)` → relative path → bytes,
    and put it in force. `links` None: symlinks where the file system has them. `notes`: facts about the
    release kept in its release.json (the public URL its QR codes lead to). Raises ReleaseError."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with _locked(out):
            return _release(out, render, max(1, keep), now or datetime.now().astimezone(), links, notes or {})
    except ReleaseError:
        raise
    except OSError as exc:
        raise ReleaseError(Msg("release.cannot_publish", out=str(out), why=(exc.strerror or type(exc).__name__)
                               + (f": {exc.filename}" if exc.filename else ""))) from exc


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    base = out / RELEASES
    base.mkdir(exist_ok=True)
    with open(base / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _release(out: Path, render: Render, keep: int, now: datetime, links: bool | None, notes: dict) -> Published:
    _tidy(out)
    _adopt(out)
    current = in_force(out)
    version = max([r.version for r in releases(out)] + [0]) + 1
    try:
        files = render(version, current.folder if current else (out if (out / "feeds").is_dir() else None))
    except Exception as exc:  # noqa: BLE001 — any failure while rendering leaves the release in force
        raise ReleaseError(Msg("release.not_rendered", out=str(out), version=version, staying=_staying(current),
                               error=f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")) from exc
    _check_names(out, files, version, current)
    size = sum(len(v) for v in files.values())
    free = shutil.disk_usage(out).free
    if free < 2 * size + MIN_FREE:
        raise ReleaseError(Msg("release.too_big", out=str(out), version=version, need=(2 * size + MIN_FREE) >> 20,
                               free=free >> 20, staying=_staying(current)))
    files = {**files, MANIFEST: _manifest(version, files, now, notes)}
    folder = out / RELEASES / folder_name(version)
    stage = out / RELEASES / f".staging-{folder_name(version)}"
    try:
        _stage(stage, files)
        _fs.rename(stage, folder)
        _fs.sync_dir(out / RELEASES)
    except OSError as exc:
        _quietly_remove(stage)
        raise ReleaseError(Msg("release.not_written", out=str(out), version=version,
                               why=exc.strerror or type(exc).__name__, staying=_staying(current))) from exc
    use_links = _symlinks_work(out) if links is None else links
    try:
        _point(out, version, use_links)
    except OSError as exc:
        raise ReleaseError(Msg("release.not_in_force", out=str(out), version=version,
                               why=exc.strerror or type(exc).__name__, staying=_staying(current))) from exc
    try:
        _top_level(out, sorted({rel.split("/", 1)[0] for rel in files} | set(TOP)), use_links)
        _prune(out, keep)
    except OSError as exc:
        raise ReleaseError(Msg("release.not_refreshed", out=str(out), version=version,
                               why=exc.strerror or type(exc).__name__)) from exc
    return Published([out / rel for rel in sorted(files) if rel != MANIFEST], Release(version, folder))


def _staying(current: Release | None) -> Msg:
    return Msg("release.staying", version=current.version) if current else Msg("release.none_before")


def _check_names(out: Path, files: dict[str, bytes], version: int, current: Release | None) -> None:
    """Distinct names, even ignoring case; none too long for a file system (255 bytes a name)."""
    seen: dict[str, str] = {}
    for rel in files:
        parts = rel.split("/")
        bad = next((p for p in parts if not p or p in (".", "..") or len(p.encode("utf-8")) > 200), None)
        if bad is not None or rel.lower() in seen:
            what = Msg("release.bad_name", rel=rel) if bad is not None else \
                Msg("release.case_twins", rel=rel, other=seen[rel.lower()])
            raise ReleaseError(Msg("release.bad_names", out=str(out), version=version, what=what,
                                   staying=_staying(current)))
        seen[rel.lower()] = rel


def _manifest(version: int, files: dict[str, bytes], now: datetime, notes: dict) -> bytes:
    data = {"format": "digonce-release/1", "version": version, "published": now.isoformat(timespec="seconds"),
            **notes, "files": {rel: hashlib.sha256(files[rel]).hexdigest() for rel in sorted(files)}}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def read_manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stage(stage: Path, files: dict[str, bytes]) -> None:
    _quietly_remove(stage)
    _fs.mkdir(stage)
    made = {stage}
    for rel in sorted(files):
        path = stage / rel
        for parent in reversed(path.parents):
            if parent not in made and stage in parent.parents:
                _fs.mkdir(parent)
                made.add(parent)
        _fs.write(path, files[rel])
    for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):
        _fs.sync_dir(folder)


def _quietly_remove(path: Path) -> None:
    try:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
    except OSError:
        pass


def _tidy(out: Path) -> None:
    """Remove what a failed or killed run left: staging folders, temp pointers and links, and release folders
    that were finished but never went into force (numbers above the one in force)."""
    pointer = out / POINTER
    if (pointer.exists() or pointer.is_symlink()) and in_force(out) is None:
        raise ReleaseError(Msg("release.bad_pointer", pointer=str(pointer)))
    current = in_force(out)
    for p in (out / RELEASES).iterdir():
        n = _number(p.name)
        if p.name.startswith(".staging-") or (n is not None and (current is None or n > current.version)):
            _fs.remove(p)
    for p in out.iterdir():
        if p.name.startswith((f".{POINTER}.", ".top.")):
            _fs.remove(p)


def _adopt(out: Path) -> None:
    """An OUT written before releases (its files right in OUT) becomes release 1 once, so that its feeds stay
    the reference for SEQUENCE and its schedule.json stays for `diff`. The move takes a moment; after it,
    every switch is one step."""
    if in_force(out) is not None or releases(out) or (out / POINTER).exists() or (out / POINTER).is_symlink():
        return
    legacy = [name for name in TOP if (out / name).exists() and not (out / name).is_symlink()]
    if "schedule.json" not in legacy:
        return
    stage = out / RELEASES / f".staging-{folder_name(1)}"
    _fs.mkdir(stage)
    for name in legacy:
        _fs.rename(out / name, stage / name)
    _fs.rename(stage, out / RELEASES / folder_name(1))
    use_links = _symlinks_work(out)
    _point(out, 1, use_links)
    _top_level(out, list(TOP), use_links)


def _symlinks_work(out: Path) -> bool:
    """Whether OUT's file system takes symlinks: an existing `current` says; else a probe."""
    pointer = out / POINTER
    if pointer.is_symlink():
        return True
    if pointer.is_file():
        return False
    probe = out / f".{POINTER}.probe-{os.getpid()}"
    try:
        os.symlink(f"{RELEASES}/probe", probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def _point(out: Path, version: int, links: bool) -> None:
    """The switch: `current` replaced by rename (a symlink, or a pointer file)."""
    target = f"{RELEASES}/{folder_name(version)}"
    tmp = out / f".{POINTER}.{os.getpid()}"
    _quietly_remove(tmp)
    if links:
        _fs.symlink(target, tmp)
    else:
        _fs.write(tmp, (target + "\n").encode("utf-8"))
    _fs.rename(tmp, out / POINTER)
    _fs.sync_dir(out)


def _top_level(out: Path, names: list[str], links: bool) -> None:
    """The stable paths: symlinks through `current` (made once), or copies of the release in force."""
    for name in names:
        path = out / name
        if links:
            if path.is_symlink() and os.readlink(path) == f"{POINTER}/{name}":
                continue
            tmp = out / f".top.{name}.{os.getpid()}"
            _fs.symlink(f"{POINTER}/{name}", tmp)
            if path.is_dir() and not path.is_symlink():  # a copy of the no-symlink kind: replace it
                _fs.rename(path, out / f".top.{name}.old")
                _fs.rename(tmp, path)
                _fs.remove(out / f".top.{name}.old")
            else:
                _fs.rename(tmp, path)
        else:
            _copy_in(out, name)


def _copy_in(out: Path, name: str) -> None:
    source = folder_in_force(out) / name
    path, tmp, old = out / name, out / f".top.{name}.new", out / f".top.{name}.old"
    _quietly_remove(tmp)
    if not source.exists():
        if path.exists() or path.is_symlink():
            _fs.remove(path)
        return
    if source.is_dir():
        _fs.mkdir(tmp)
        for file in sorted(source.rglob("*")):
            if file.is_dir():
                _fs.mkdir(tmp / file.relative_to(source))
            else:
                _fs.write(tmp / file.relative_to(source), file.read_bytes())
        if path.exists() or path.is_symlink():
            _fs.rename(path, old)
        _fs.rename(tmp, path)
        _fs.remove(old)
    else:
        _fs.write(tmp, source.read_bytes())
        _fs.rename(tmp, path)


def _prune(out: Path, keep: int) -> None:
    """Releases older than the `keep` newest keep only schedule.json and release.json; never the one in force."""
    current = in_force(out)
    whole = [r for r in releases(out) if any(p.name not in KEPT_WHEN_PRUNED for p in r.folder.iterdir())]
    for r in whole[:-keep] if len(whole) > keep else []:
        if current is not None and r.version == current.version:
            continue
        for p in r.folder.iterdir():
            if p.name not in KEPT_WHEN_PRUNED:
                _fs.remove(p)

