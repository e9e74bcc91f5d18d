"""One language for every message: `--lang`, else the project's `lang`, else the locale (issue 15, item 2).

Messages travel as catalogue keys with values (`scheduler.text.Msg`) and become words where they are shown:
here the Chinese lines of a part of the error corpus, the referee, an edited ledger and a progress sheet with
Chinese headers and status words, the summary and the diff, and how the language is chosen. The English
lines stay pinned by tests/test_errors.py, tests/test_check.py and the others (the suite runs with
DIGONCE_LANG=en, see conftest.py).
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.problems import InputError
from scheduler.cli import main
from scheduler.planning.progress import COLUMNS, STATUSES, read_progress
from scheduler.text import LANGS, Msg, catalogue

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken"
TINY = ROOT / "inputs" / "tiny"


def run(*args, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


# ------------------------------------------------------------------------------------------ the Chinese corpus

ZH_CASES: dict[str, list[str]] = {
    "bad-date": [
        "project.yaml:5:10：project.start：“2027-13-01”不是日期——日期请写成 YYYY-MM-DD，例如 2027-03-01",
        "project.yaml:7:14：calendar.days_off[0]：“2027-04-31”不是日期——日期请写成 YYYY-MM-DD，例如 2027-03-01",
        "project.yaml:7:26：calendar.days_off[1]：“soon”不是日期——日期请写成 YYYY-MM-DD，例如 2027-03-01",
    ],
    "unknown-trade": [
        "project.yaml:31:12：works[0].trade：未知的工种“wter”——是否应为“water”？",
        "project.yaml:44:12：works[2].trade：未知的工种“pavement”——请使用以下工种编号之一：civil、elevator、greening、"
        "paving、water",
    ],
    "duplicate-key": [
        "project.yaml:9:3：trades.water：键“water”重复（首次出现在第8行）——每个键只写一次；后写的会悄悄覆盖先写的",
        "project.yaml:16:25：site.gates[0].zone：键“zone”重复（首次出现在第16行第15列）——每个键只写一次；后写的会悄悄覆盖"
        "先写的",
    ],
    "missing-required-field": [
        "project.yaml:3:3：project.start：project 部分缺少必填字段“start”——请添加 start: 2027-03-01",
        "project.yaml:21:7：site.buildings[0].households：楼栋缺少必填字段“households”——请添加 households: 48",
    ],
    "multiple-cross-problems": [
        "project.yaml:15:21：site.gates[0].zone：未知的区段“R0”——是否应为“R2”或“R1”？",
        "project.yaml:25:20：site.buildings[0].fire_zones[0]：消防区段“A1”是楼前场地区段，不是道路——消防车只能在道路区段上"
        "行驶：请列出楼栋旁的道路区段（R1、R2）",
        "project.yaml:31:12：works[0].trade：未知的工种“plumbing”——请使用以下工种编号之一：civil、elevator、greening、"
        "paving、water",
        "project.yaml:35:39：works[0].cutover.serves[0]：未知的楼栋“B9”——是否应为“B1”？",
    ],
    "non-positive": [
        "project.yaml:8:18：trades.water.crews：“crews”必须大于 0（现为 0）——请用正数",
        "project.yaml:17:38：site.zones[0].length_m：“length_m”必须大于 0（现为 0）——请用正数",
        "project.yaml:23:19：site.buildings[0].households：“households”不能为负数（现为 -1）——请用 0 或正数",
        "project.yaml:33:11：works[0].rate：“rate”必须大于 0（现为 -5）——请用正数",
        "project.yaml:41:19：works[1].days.shaft：“shaft”必须大于 0（现为 0）——请用正数",
        "project.yaml:46:17：works[2].zones.R1：“R1”必须大于 0（现为 0）——请用正数",
    ],
    "empty-file": [
        "project.yaml:1:1：项目文件是空的——请写出项目的各部分：version、project、calendar、trades、equipment、site、works"
        "（见 docs/input-format.md）",
    ],
    "after-cycle": [
        "project.yaml:29:79：works[0].after：先后顺序构成了循环：facade:building → roof:building → facade:building——"
        "请删去其中一条 after",
    ],
}


@pytest.mark.parametrize("name", sorted(ZH_CASES))
def test_broken_project_in_chinese(name: str) -> None:
    folder = BROKEN / name
    result = run("--lang", "zh-CN", "validate", folder)
    lines = result.output.replace(str(folder) + os.sep, "").splitlines()
    assert result.exit_code == 2, result.output
    assert lines[:-1] == ZH_CASES[name]
    assert lines[-1] == f"{folder} 中有 {len(ZH_CASES[name])} 个问题；未写出任何文件。"


def test_table_problems_name_row_and_column_in_chinese() -> None:
    folder = BROKEN / "table-bad-cell"
    result = run("--lang", "zh-CN", "validate", folder)
    assert result.exit_code == 2
    assert any(":第" in line and "行“" in line and "列：" in line for line in result.output.splitlines()), result.output


def test_english_problem_text_is_the_str_of_the_problem() -> None:
    """The same problem, two languages: str() stays the English line scripts and logs have always seen."""
    with pytest.raises(InputError) as exc:
        from models import load_project
        load_project(BROKEN / "unknown-trade")
    first = exc.value.problems[0]
    assert str(first) == first.text("en") == ("project.yaml:31:12: works[0].trade: unknown trade 'wter' — "
                                              "did you mean 'water'?").replace("project.yaml", str(first.place.file))
    assert first.text("zh-CN").endswith("works[0].trade：未知的工种“wter”——是否应为“water”？")


# ------------------------------------------------------------------------------------------ choosing the language

def test_lang_beats_the_project_and_the_project_beats_the_locale() -> None:
    env = {"DIGONCE_LANG": "", "LC_ALL": "en_US.UTF-8"}
    assert "（tiny）——有效" in run("validate", TINY, env=env).output  # inputs/tiny says lang: zh-CN
    assert "(tiny) — valid" in run("--lang", "en", "validate", TINY, env=env).output
    assert "(tiny) — valid" in run("validate", TINY, env={"DIGONCE_LANG": "en"}).output  # --lang for a session


def test_locale_decides_without_a_project(tmp_path: Path, tiny) -> None:
    _, sched = tiny
    path = tmp_path / "a.json"
    path.write_text(sched.to_json(), encoding="utf-8")
    for env, words in (({"LC_ALL": "en_US.UTF-8"}, "no changes"), ({"LC_ALL": "zh_CN.UTF-8"}, "没有变动"),
                       ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_GB"}, "no changes")):
        result = run("diff", path, path, env={"DIGONCE_LANG": "", **env})
        assert result.exit_code == 0 and result.output.startswith(words), (env, result.output)


def test_a_project_that_does_not_load_still_speaks_its_language(tmp_path: Path) -> None:
    text = (BROKEN / "bad-date" / "project.yaml").read_text(encoding="utf-8")
    (tmp_path / "project.yaml").write_text(text.replace("  start:", "  lang: en\n  start:", 1), encoding="utf-8")
    result = run("validate", tmp_path, env={"DIGONCE_LANG": "", "LC_ALL": "zh_CN.UTF-8"})
    assert result.exit_code == 2 and "'2027-13-01' is not a date" in result.output, result.output


def test_unknown_lang_is_refused() -> None:
    result = run("--lang", "fr", "validate", TINY)
    assert result.exit_code == 2 and "fr" in result.output


# ------------------------------------------------------------------------------------------ check, ledger, progress

def edited_ledger(tiny, path: Path) -> Path:
    """tiny's ledger as a site office keeps it: retitled Chinese headers, GBK, dates as 2027/3/1; R2's backfill moved
    to a Sunday before its pressure test and inspection, A1's excavation onto R2's day (one civil crew)."""
    _, sched = tiny
    lines = ["任务,任务名称,开始日期,完成日期"]
    for t in sched.tasks:
        start, finish = t.start.isoformat(), t.finish.isoformat()
        if t.id == "R2:backfill":
            start = finish = "2027-03-07"
        if t.id == "A1:excavate":
            start = finish = "2027/3/1"
        lines.append(f"{t.id},{t.name},{start},{finish}")
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return path


def test_check_speaks_chinese_on_an_edited_chinese_ledger(tiny, tmp_path: Path) -> None:
    _, sched = tiny
    assert {t.start for t in sched.tasks if t.id in ("R2:excavate", "A1:excavate")} != {date(2027, 3, 1)}
    result = run("--lang", "zh-CN", "check", TINY, edited_ledger(tiny, tmp_path / "台账.csv"))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "R2 civil 2027-03-01：工种 civil 有 2 道工序在同一天施工，但只有 1 个班组：A1:excavate、R2:excavate" in lines
    assert "R3 R2:backfill 2027-03-07：2027-03-07 开始，但这天是星期日，不在项目的工作周内" in lines
    assert lines[-1].startswith("共 ") and "处违规：R2 ×" in lines[-1] and "、R3 ×" in lines[-1]


def test_referee_messages_in_both_languages(tiny, tmp_path: Path) -> None:
    from scheduler import api

    project, _ = tiny
    tasks = api.expand(project)
    sched = api.read_schedule(edited_ledger(tiny, tmp_path / "ledger.csv"), project, tasks)
    violations = api.check(project, tasks, sched)
    sunday = next(v for v in violations if "Sunday" in v.message)
    assert str(sunday) == "R3 R2:backfill 2027-03-07: starts on 2027-03-07, a Sunday, not in the project workweek"
    assert sunday.text("zh-CN") == "R3 R2:backfill 2027-03-07：2027-03-07 开始，但这天是星期日，不在项目的工作周内"
    crew = next(v for v in violations if (v.rule, v.task) == ("R2", "civil"))
    assert crew.text("zh-CN").endswith("只有 1 个班组：A1:excavate、R2:excavate")


def progress_rows(path: Path, rows: list[list[str]], encoding: str = "gbk") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_progress_with_chinese_headers_and_status_words(tiny, tmp_path: Path) -> None:
    project, _ = tiny
    from scheduler.planning.expand import expand

    ids = [t.id for t in expand(project)]
    path = progress_rows(tmp_path / "进度.csv", [
        ["任务", "状态", "实际开始", "实际完成", "剩余工日"],
        ["R2:excavate", "已完成", "2027-03-01", "2027年3月1日", ""],
        ["A1:excavate", "完成", "2027/3/2", "2027-03-02", ""],
        ["water@R2:lay", "进行中", "2027-03-03", "", "2"],
        ["R2:inspect", "未开始", "", "", ""],
        ["water@A1:lay", "开始", "2027-03-03", "", "1"],
    ])
    got = read_progress(path, ids, date(2027, 3, 4), project.project.start)
    assert {tid: p.status for tid, p in got.items()} == {
        "R2:excavate": "done", "A1:excavate": "done", "water@R2:lay": "started", "R2:inspect": "not_started",
        "water@A1:lay": "started"}
    assert got["R2:excavate"].actual_finish == date(2027, 3, 1) and got["water@R2:lay"].remaining_days == 2


def test_progress_problems_in_chinese_name_the_sheets_own_columns(tiny, tmp_path: Path) -> None:
    _, sched = tiny
    base = tmp_path / "schedule.json"
    base.write_text(sched.to_json(), encoding="utf-8")
    path = progress_rows(tmp_path / "进度.csv", [
        ["任务", "状态", "实际开始", "实际完成", "剩余工日"],
        ["R2:excavate", "已完成", "2027-03-01", "", ""],
        ["A1:excavate", "快完了", "2027-03-02", "", ""],
        ["water@R2:lay", "进行中", "2027-03-03", "", "0"],
    ])
    result = run("--lang", "zh-CN", "replan", TINY, "--baseline", base, "--progress", path, "--as-of", "2027-03-04",
                 "-o", tmp_path / "out", "--quiet")
    assert result.exit_code == 2, result.output
    lines = [line.replace(str(path), "进度.csv") for line in result.output.splitlines()]
    assert lines == [
        "进度.csv:第2行“实际完成”列：R2:excavate 已完成，但没有实际完成日期——请填写完工的日期",
        "进度.csv:第3行“状态”列：A1:excavate 的状态“快完了”不在 done | started | not_started 之中——请写 已完成、进行中 或 "
        "未开始（或 done、started、not_started）",
        "进度.csv:第4行“剩余工日”列：water@R2:lay 进行中，但剩余工日为 0——请填写还需要的工作日数（至少 1），或把状态改为已完成",
        "进度.csv 中有 3 个问题；未写出任何文件。",
    ]


# ------------------------------------------------------------------------------------------ summary, diff

def test_validate_summary_in_chinese() -> None:
    lines = run("--lang", "zh-CN", "validate", TINY).output.splitlines()
    assert lines[0] == "小院示例（tiny）——有效"
    assert lines[1] == "  楼栋  2 栋，共 36 户，3 个单元入口，0 栋敏感楼"
    assert any(line.startswith("  警告  1 条") for line in lines)
    assert any("警告：calendar.holidays：2027 年的国务院法定节假日及调休安排尚未公布" in line for line in lines)


def test_diff_in_chinese(tiny, tmp_path: Path) -> None:
    _, sched = tiny
    moved = sched.model_copy(update={"tasks": [
        t.model_copy(update={"start": date(2027, 3, 11), "finish": date(2027, 3, 11), "days": [date(2027, 3, 11)]})
        if t.id == "water:cutover" else t for t in sched.tasks]})
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(sched.to_json(), encoding="utf-8")
    b.write_text(moved.to_json(), encoding="utf-8")
    out = run("--lang", "zh-CN", "diff", a, b).output
    assert out.startswith("1 道工序有变动") and "需通知的施工单位（按工种）：" in out and "需通知的居民（按楼栋）：" in out
    assert "    停水 water:cutover：" in out
    assert "outage water water:cutover: " in run("--lang", "en", "diff", a, b).output


# ------------------------------------------------------------------------------------------ the catalogue

def test_every_message_family_the_code_builds_exists() -> None:
    """Keys the code builds from a name (input.type.<pydantic type>, check.weekday.<day> …) are in both languages."""
    from models.load import _TYPES
    from models.project import Zone
    from scheduler.review.check.referee import BEFORE_BACKFILL, WEEKDAYS

    kinds = Zone.model_fields["kind"].annotation.__args__
    families = {
        "input.type": _TYPES, "input.type_fix": _TYPES, "validate.zone_kind": kinds, "summary.zone_kind": kinds,
        "summary.work_type": ("pipeline", "elevator", "surface", "building", "task"),
        "check.weekday": WEEKDAYS, "check.r5.before_backfill": (*BEFORE_BACKFILL, "other"),
        "check.until": ("working_day", "day"), "progress.name": COLUMNS, "progress.column": COLUMNS,
        "progress.status": STATUSES, "progress.status_name": STATUSES,
        "input.sanity.kind": ("control", "separator", "surrogate", "bidi", "non_character", "bom"),
    }
    for lang in LANGS:
        keys = catalogue(lang)
        for family, names in families.items():
            for name in names:
                assert f"{family}.{name}" in keys, (lang, family, name)


def test_msg_is_its_english_text_and_renders_nested_values() -> None:
    hint = Msg("input.hint.close", choice="R1")
    msg = Msg("validate.unknown", what=Msg("input.noun.zone"), value="R0")
    assert msg == "unknown zone 'R0'" and hint == "did you mean 'R1'?"
    assert msg.text("zh-CN") == "未知的区段“R0”"
    assert Msg("check.r2.crew", n=2, trade="civil", cap=1, tasks=["a", "b"], until="").text("zh-CN").endswith("a、b")
