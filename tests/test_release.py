"""A publish is one release (SPEC §7): versioned folders, one switch, nothing stale, nothing mixed.

Most tests drive `write_release` with small sets of files, so that every step of the switch can be broken
(an exception at step k for every k, and kill -9 of a real writer process) in a few seconds; the CLI tests
solve inputs/tiny (one worker, a deterministic budget).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import main
from scheduler.publishing import publish, release
from scheduler.publishing.feeds import render_feeds
from scheduler.publishing.files import file_part, id_of_part
from scheduler.publishing.notices import render_notices
from scheduler.publishing.release import (MANIFEST, POINTER, RELEASES, ReleaseError, folder_in_force, in_force,
                                          releases, write_release)
from scheduler.serve.server import FeedServer, Site

from conftest import TINY

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 2, 1, 8, 0, tzinfo=timezone.utc)


# ---- helpers ---------------------------------------------------------------------------------------------

def small_set(tag: str, buildings: list[str], trades: list[str]) -> dict[str, bytes]:
    """A release of small files; every file says which set it belongs to (so a mix would show)."""
    files = {"schedule.json": f'{{"set": "{tag}"}}'.encode(), "schedule.csv": f"id\n{tag}\n".encode(),
             "schedule.xlsx": f"xlsx {tag}".encode(), "gantt.html": f"<p>{tag}</p>".encode(),
             "feeds/all.ics": f"all {tag}".encode(), "notices/index.html": f"index {tag}".encode()}
    for b in buildings:
        files[f"feeds/building-{b}.ics"] = f"building {b} {tag}".encode()
        files[f"notices/{b}.html"] = f"notice {b} {tag}".encode()
    for t in trades:
        files[f"feeds/trade-{t}.ics"] = f"trade {t} {tag}".encode()
    return files


A = small_set("A", ["B1", "B2"], ["civil", "water"])
B = small_set("B", ["B2", "B9"], ["civil", "plumbing"])   # B1 renamed B9, water renamed plumbing
C = small_set("C", ["B2"], ["civil"])


def put(out: Path, files: dict[str, bytes], **kw) -> release.Published:
    return write_release(out, lambda version, previous: dict(files), now=NOW, **kw)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (symlinks followed), relative path → bytes."""
    out = {}
    for dirpath, _, names in os.walk(folder, followlinks=True):
        for n in names:
            p = Path(dirpath) / n
            out[p.relative_to(folder).as_posix()] = p.read_bytes()
    return out


def people_view(out: Path) -> dict[str, bytes]:
    """What a person opening OUT sees at the stable paths."""
    seen = {}
    for name in release.TOP:
        p = out / name
        if p.is_dir():
            seen.update({f"{name}/{rel}": data for rel, data in tree(p).items()})
        elif p.is_file():
            seen[name] = p.read_bytes()
    return seen


def whole(view: dict[str, bytes]) -> str | None:
    """Which set a view is, if it is exactly one whole set (manifest included), else None."""
    for tag, files in (("A", A), ("B", B), ("C", C)):
        if {k: v for k, v in view.items() if k != MANIFEST} == files:
            manifest = json.loads(view[MANIFEST]) if MANIFEST in view else None
            if manifest and manifest["files"] == {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}:
                return tag
    return None


def leftovers(out: Path) -> list[str]:
    names = [p.name for p in out.iterdir()] + [p.name for p in (out / RELEASES).iterdir()]
    return [n for n in names if n.startswith((".staging-", f".{POINTER}.", ".top."))]


# ---- the layout ------------------------------------------------------------------------------------------

def test_each_publish_is_a_numbered_release_behind_stable_paths(tmp_path):
    out = tmp_path / "out"
    first = put(out, A)
    assert first.release.version == 1 and whole(people_view(out)) == "A"
    assert os.readlink(out / POINTER) == "releases/0001" and os.readlink(out / "feeds") == "current/feeds"
    second = put(out, B)
    assert second.release.version == 2 and whole(people_view(out)) == "B"
    assert whole(tree(folder_in_force(out))) == "B"
    # a renamed building's and trade's files are gone from the paths people and serve use
    assert not (out / "feeds" / "building-B1.ics").exists() and not (out / "notices" / "B1.html").exists()
    assert not (out / "feeds" / "trade-water.ics").exists()
    assert (out / RELEASES / "0001" / "schedule.json").read_bytes() == A["schedule.json"]  # kept for diff
    assert [r.version for r in releases(out)] == [1, 2] and in_force(out).version == 2
    assert sorted(p.relative_to(out).as_posix() for p in second) == sorted(f"{k}" for k in B)


def test_old_releases_are_pruned_to_their_schedule_never_the_one_in_force(tmp_path):
    out = tmp_path / "out"
    for files in (A, B, C, A, B):
        put(out, files, keep=2)
    kept = {r.version: sorted(p.name for p in r.folder.iterdir()) for r in releases(out)}
    assert kept[1] == kept[2] == kept[3] == ["release.json", "schedule.json"]
    assert "feeds" in kept[4] and "feeds" in kept[5] and in_force(out).version == 5
    assert (out / RELEASES / "0002" / "schedule.json").read_bytes() == B["schedule.json"]
    put(out, C, keep=1)
    assert in_force(out).version == 6 and whole(people_view(out)) == "C"
    assert sorted(p.name for p in (out / RELEASES / "0005").iterdir()) == ["release.json", "schedule.json"]


def test_a_render_error_writes_nothing_and_says_which_release_stays(tmp_path):
    out = tmp_path / "out"
    put(out, A)

    def broken(version, previous):
        raise ValueError("no such time zone")

    with pytest.raises(ReleaseError) as exc:
        write_release(out, broken)
    message = str(exc.value)
    assert "\n" not in message and "release 2 could not be rendered" in message and "release 1 stays" in message
    assert whole(people_view(out)) == "A" and [r.version for r in releases(out)] == [1] and not leftovers(out)


def test_a_full_disk_leaves_the_release_in_force(tmp_path, monkeypatch):
    out = tmp_path / "out"
    put(out, A)
    real = release._FS.write
    calls = []

    def full(path, data):
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(release._fs, "write", full)
    with pytest.raises(ReleaseError) as exc:
        put(out, B)
    assert "No space left on device" in str(exc.value) and "release 1 stays in force" in str(exc.value)
    monkeypatch.undo()
    assert whole(people_view(out)) == "A" and not leftovers(out) and [r.version for r in releases(out)] == [1]
    assert put(out, B).release.version == 2 and whole(people_view(out)) == "B"


def test_too_little_space_is_said_before_writing(tmp_path, monkeypatch):
    out = tmp_path / "out"
    put(out, A)
    monkeypatch.setattr(release.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10 << 20, 10 << 20, 1 << 20))
    with pytest.raises(ReleaseError, match="1 MB are free"):
        put(out, B)
    assert whole(people_view(out)) == "A"
    assert "only 1 MB free" in release.check_out(out)


def test_names_that_collide_ignoring_case_are_refused_whole(tmp_path):
    out = tmp_path / "out"
    put(out, A)
    with pytest.raises(ReleaseError, match="differ only in case"):
        put(out, {**B, "notices/b9.html": b"x"})
    assert whole(people_view(out)) == "A"


def test_an_out_from_before_releases_becomes_release_1(tmp_path):
    out = tmp_path / "out"
    for rel, data in A.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    (out / "notes.txt").write_text("mine")                        # not ours: left alone
    assert put(out, B).release.version == 2
    assert whole(people_view(out)) == "B" and (out / "notes.txt").read_text() == "mine"
    assert (out / RELEASES / "0001" / "schedule.json").read_bytes() == A["schedule.json"]


def test_a_damaged_pointer_is_one_line_and_nothing_is_touched(tmp_path):
    out = tmp_path / "out"
    put(out, A)
    (out / POINTER).unlink()
    (out / POINTER).mkdir()
    with pytest.raises(ReleaseError, match="not a digonce release pointer"):
        put(out, B)
    assert [r.version for r in releases(out)] == [1]


# ---- no symlinks -----------------------------------------------------------------------------------------

def test_without_symlinks_a_pointer_file_and_copies(tmp_path, monkeypatch):
    monkeypatch.setattr(release, "_symlinks_work", lambda out: False)
    out = tmp_path / "out"
    put(out, A)
    assert (out / POINTER).is_file() and not (out / POINTER).is_symlink()
    assert (out / POINTER).read_text().strip() == "releases/0001"
    assert not any((out / n).is_symlink() for n in release.TOP) and whole(people_view(out)) == "A"
    put(out, B)
    assert whole(people_view(out)) == "B" and whole(tree(folder_in_force(out))) == "B"
    assert not (out / "feeds" / "building-B1.ics").exists() and not leftovers(out)
    site = Site(out)
    assert site.route("/feeds/building-B9.ics").path.read_bytes() == B["feeds/building-B9.ics"]
    assert site.route("/feeds/building-B1.ics").path.is_file() is False


# ---- fault injection: break the writer at every step ---------------------------------------------------

class Breaking:
    """release._fs with every change counted; the k-th raises. Before each step, `look` checks what readers
    would see at that moment."""

    def __init__(self, k: int, look) -> None:
        self.k, self.n, self.look = k, 0, look
        self.real = release._FS()

    def __getattr__(self, name):
        op = getattr(self.real, name)

        def step(*args):
            self.look()
            self.n += 1
            if self.n == self.k:
                raise OSError(5, f"injected failure at step {self.k} ({name})")
            return op(*args)
        return step


@pytest.mark.parametrize("links", [True, False], ids=["symlinks", "pointer-file"])
def test_a_writer_broken_at_any_step_never_shows_a_mix(tmp_path, monkeypatch, links):
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is not what this test is about: keep it fast
    if not links:
        monkeypatch.setattr(release, "_symlinks_work", lambda out: False)
    k, total = 1, None
    while total is None or k <= total + 1:
        out = tmp_path / f"k{k}"
        put(out, A)
        seen = []

        def look() -> None:
            served = whole(tree(folder_in_force(out)))        # what `serve` reads: one step, in both modes
            assert served in ("A", "B"), f"step {k}: serve would see a mix"
            if links:                                        # people's paths switch in the same step
                assert whole(people_view(out)) == served, f"step {k}: the stable paths show a mix"
            seen.append(served)

        breaking = Breaking(k, look)
        monkeypatch.setattr(release, "_fs", breaking)
        try:
            put(out, B)
            total = breaking.n  # no step failed: every step has been tried
        except ReleaseError as exc:
            assert "\n" not in str(exc) and f"step {k}" in str(exc.__cause__)
        finally:
            monkeypatch.setattr(release, "_fs", breaking.real)
        look()
        assert seen == sorted(seen), f"step {k}: went back to the old set after the new one"  # A… then B…
        # the next run repairs whatever the broken one left, and is whole again
        put(out, C)
        assert whole(tree(folder_in_force(out))) == "C" and whole(people_view(out)) == "C" and not leftovers(out)
        assert not any(n.startswith(".staging") for n in os.listdir(out / RELEASES))
        k += 1
    assert total is not None and total > 20


WRITER = textwrap.dedent("""
    import importlib.util, json, sys
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("release", sys.argv[2])  # release.py alone: starts fast
    release = sys.modules["release"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(release)
    sets = [{k: v.encode("latin-1") for k, v in s.items()} for s in json.loads(Path(sys.argv[3]).read_text())]
    out = Path(sys.argv[1])
    print("ready", flush=True)
    i = 0
    while True:
        release.write_release(out, lambda version, previous: dict(sets[i % 2]))
        i += 1
""")


def test_kill_9_at_any_moment_leaves_a_whole_release(tmp_path):
    out = tmp_path / "out"
    put(out, A)
    script, sets = tmp_path / "writer.py", tmp_path / "sets.json"
    script.write_text(WRITER)
    sets.write_text(json.dumps([{k: v.decode("latin-1") for k, v in s.items()} for s in (B, A)]))
    for i in range(10):
        proc = subprocess.Popen([sys.executable, str(script), str(out), release.__file__, str(sets)],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.01 + 0.013 * i)  # somewhere inside some release: the assertion holds for any moment
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        assert whole(tree(folder_in_force(out))) in ("A", "B")
        assert whole(people_view(out)) in ("A", "B")
    put(out, C)
    assert whole(people_view(out)) == "C" and not leftovers(out)


# ---- serve during a re-publish -------------------------------------------------------------------------

def test_serve_answers_whole_old_or_whole_new_files_during_republishing(tiny, tmp_path):
    project, schedule = tiny
    sets = []
    for day in (1, 2):
        now = datetime(2027, 2, day, 8, 0, tzinfo=timezone.utc)
        files = dict(render_feeds(schedule, project, None, now, release=day))
        files.update({k: v.encode() for k, v in render_notices(schedule, project, now.date(), day).items()})
        sets.append(files)
    sets[1]["feeds/building-B7.ics"] = sets[1]["feeds/building-B2.ics"]          # only in the second set
    out = tmp_path / "out"
    write_release(out, lambda v, p: sets[0])
    site = Site(out)
    site.tokens.ensure(["civil", "water", "paving", "greening"])
    log: list[str] = []
    server = FeedServer(("127.0.0.1", 0), site, log.append)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    token = site.tokens.current().trades["civil"]
    paths = {"/feeds/building-B1.ics": "feeds/building-B1.ics", "/notices/B2.html": "notices/B2.html",
             f"/t/{token}/trade-civil.ics": "feeds/trade-civil.ics", "/feeds/building-B7.ics": "feeds/building-B7.ics"}
    stop, bad, count = threading.Event(), [], [0]

    def fetch() -> None:
        import http.client
        while not stop.is_set() and count[0] < 4000:
            for path, rel in paths.items():
                conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
                conn.request("GET", path)
                res = conn.getresponse()
                body = res.read()
                conn.close()
                count[0] += 1
                allowed = {s[rel] for s in sets if rel in s}
                if res.status == 200 and body not in allowed or res.status == 404 and len(allowed) == 2 \
                        or res.status not in (200, 404):
                    bad.append((path, res.status, len(body)))

    readers = [threading.Thread(target=fetch) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for i in range(24):
            write_release(out, lambda v, p, i=i: sets[(i + 1) % 2], keep=3)
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=30)
        server.shutdown()
        server.server_close()
    assert not bad, bad[:5]
    assert count[0] > 40 and not any(token in line for line in log)


# ---- the commands ----------------------------------------------------------------------------------------

def renamed(tmp_path: Path) -> Path:
    """inputs/tiny with building B1 renamed B9 and trade water renamed plumbing."""
    folder = tmp_path / "renamed"
    folder.mkdir()
    text = (TINY / "project.yaml").read_text(encoding="utf-8")
    text = text.replace("- id: B1\n", "- id: B9\n").replace("[B1, B2]", "[B9, B2]")
    text = text.replace("water:    {crews", "plumbing: {crews").replace("trade: water", "trade: plumbing")
    text = text.replace("building: B1\n", "building: B9\n")
    (folder / "project.yaml").write_text(text, encoding="utf-8")
    return folder


def solve(project: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["solve", str(project), "-o", str(out), "--workers", "1", "--quiet",
                                     "--time-limit", "60", *extra])


def test_renaming_removes_the_old_feeds_and_links_and_keeps_the_tokens(tmp_path, deterministic_cli):
    out = tmp_path / "out"
    r = solve(TINY, out)
    assert r.exit_code == 0 and "release 1 of" in r.output, r.output
    links = CliRunner().invoke(main, ["serve", str(out), "--show-links"]).output
    civil = next(line.split()[-1] for line in links.splitlines() if line.startswith("contractor civil"))
    water = next(line.split()[-1] for line in links.splitlines() if line.startswith("contractor water"))
    r = solve(renamed(tmp_path), out)
    assert r.exit_code == 0 and "release 2 of" in r.output, r.output
    assert not (out / "feeds" / "building-B1.ics").exists() and not (out / "notices" / "B1.html").exists()
    assert not (out / "feeds" / "trade-water.ics").exists() and (out / "feeds" / "trade-plumbing.ics").is_file()
    assert "B1.html" not in (out / "notices" / "index.html").read_text(encoding="utf-8")
    site = Site(out)
    assert site.route(water.split("8080", 1)[1]) is not None  # the token still exists …
    assert site.route(water.split("8080", 1)[1]).path.is_file() is False  # … but the old feed is gone: 404
    assert site.read(site.route(civil.split("8080", 1)[1]).path) is not None  # a kept trade keeps its link
    assert "B1" not in site.buildings() and "B9" in site.buildings()
    notice = (out / "notices" / "B9.html").read_text(encoding="utf-8")
    assert "第2版" in notice
    cal = Calendar.from_ical((out / "feeds" / "trade-civil.ics").read_bytes())
    assert "第2版" in str(cal["X-WR-CALDESC"])


def test_replan_defaults_to_the_release_in_force_and_names_real_releases(tmp_path, deterministic_cli):
    out = tmp_path / "out"
    assert solve(TINY, out).exit_code == 0
    sched = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    lay = next(t for t in sched["tasks"] if t["id"] == "water@R2:lay")
    progress = tmp_path / "p.csv"
    progress.write_text(f"task,status,actual_start,remaining_days\n{lay['id']},started,{lay['start']},3\n")
    r = CliRunner().invoke(main, ["replan", str(TINY), "--progress", str(progress), "--as-of", lay["finish"],
                                  "-o", str(out), "--workers", "1", "--quiet", "--time-limit", "60"])
    assert r.exit_code == 0, r.output
    hint = next(line for line in r.output.splitlines() if "digonce diff" in line)
    old, new = hint.split("`digonce diff ", 1)[1].split("`", 1)[0].split()
    assert old.endswith("releases/0001/schedule.json") and new.endswith("releases/0002/schedule.json")
    assert Path(old).resolve().is_file() and Path(old).resolve() != Path(new).resolve()
    assert "release 2 of" in r.output and f"baseline:{lay['id']}" in (out / "gantt.html").read_text(encoding="utf-8")
    d = CliRunner().invoke(main, ["diff", old, new])
    assert d.exit_code == 0 and lay["id"] in d.output


def test_replan_without_a_release_or_baseline_is_one_line(tmp_path):
    progress = tmp_path / "p.csv"
    progress.write_text("task,status\n")
    r = CliRunner().invoke(main, ["replan", str(TINY), "--progress", str(progress), "--as-of", "2027-03-10",
                                  "-o", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no release in force" in r.output and len(r.output.splitlines()) == 1


def test_a_failing_publish_from_the_cli_is_one_line_exit_2(tmp_path, monkeypatch, deterministic_cli):
    out = tmp_path / "out"
    assert solve(TINY, out).exit_code == 0
    before = {k: hashlib.sha256(v).hexdigest() for k, v in tree(folder_in_force(out)).items()}

    def full(path, data):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(release._fs, "write", full)
    r = solve(TINY, out)
    assert r.exit_code == 2 and "Traceback" not in r.output
    about = [line for line in r.output.splitlines() if line.startswith(str(out))]
    assert len(about) == 1 and "No space left on device" in about[0] and "release 1 stays in force" in about[0]
    monkeypatch.undo()
    assert {k: hashlib.sha256(v).hexdigest() for k, v in tree(folder_in_force(out)).items()} == before


def test_publish_with_the_real_outputs_makes_a_whole_release(tiny, tmp_path):
    project, schedule = tiny
    out = tmp_path / "out"
    first = publish(schedule, project, out, now=NOW)
    second = publish(schedule, project, out, now=NOW)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    files = tree(folder_in_force(out))
    assert manifest["version"] == 2 == second.release.version and first.release.version == 1
    assert manifest["files"] == {k: hashlib.sha256(v).hexdigest() for k, v in files.items() if k != MANIFEST}
    # the previous release's feeds are the reference: nothing moved, so no event's SEQUENCE grew
    for rel in (k for k in files if k.endswith(".ics")):
        assert b"SEQUENCE:1" not in files[rel]


# ---- file names --------------------------------------------------------------------------------------------

def test_file_names_are_injective_safe_and_decodable():
    ids = ["B1", "a/b", "a_b", "a\\b", "index", "INDEX", "con", "CON", "Nul", "lpt1", "3号楼", "é", "e\u0301",
           "a~b", "a b", ".hidden", "..", "Ａ", "가", "x" * 300, "楼" * 100, "楼" * 100 + "1", "a%2fb", "a\x00b"]
    parts = [file_part(i) for i in ids]
    assert len({p.lower() for p in parts}) == len(ids)  # distinct, even on case-insensitive file systems …
    assert file_part("B1") == "B1" and file_part("3号楼") == "3号楼"  # … except for ids differing only in case,
    for ident, part in zip(ids, parts):                               # which validation refuses
        assert part.lower() not in {"index", "con", "nul", "lpt1", "prn", "aux"}
        assert "/" not in part and "\\" not in part and not part.startswith(".") and len(part.encode()) <= 96
        assert all(c.isalnum() or c in "-_~" for c in part) and part == part.strip()
        assert id_of_part(part) in (ident, None)
    assert file_part("a/b") == "a_2f_b" and file_part("a_b") == "a_5f_b" and file_part("index") == "_69_ndex"
