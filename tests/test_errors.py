"""The error corpus: every broken project under tests/broken/ gives exactly the expected problem lines.

SPEC §8: bad input never shows a traceback; one line per problem — file, place (line:column or
row/column), field path, what is wrong, how to fix it (did-you-mean for unknown ids) — and exit 2.

Each case is a folder `tests/broken/<case>/project.yaml` (plus its tables). `CASES` holds the exact
lines `digonce validate` prints for it, with the case folder stripped from the file names and the
closing "N problem(s) in …" line left out. Folders starting with `_` are valid projects. Two table
files are written by the tests themselves instead of being committed: `works.xlsx` (binary) and a
UTF-16 `zones.csv` (an editor would "fix" it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import main

BROKEN = Path(__file__).parent / "broken"

CASES: dict[str, list[str]] = {
    'after-cycle': [
        "project.yaml:29:79: works[0].after: the dependencies form a cycle: facade:building → roof:building → facade:building — remove one of these 'after' entries",
    ],
    'after-cycle-through-dig-once': [
        "project.yaml:36:12: works[0].after: the dependencies form a cycle: R1:backfill → pave@R1:paving → wm@R1:lay → R1:backfill — remove one of these 'after' entries",
    ],
    'after-unknown': [
        "project.yaml:46:13: works[2].after[0]: unknown work or task 'w-m' — did you mean 'wm'?",
        "project.yaml:46:20: works[2].after[1]: unknown work or task 'E1:shaftt' — did you mean 'E1:shaft'?",
    ],
    'bad-date': [
        "project.yaml:5:10: project.start: '2027-13-01' is not a date — write dates as YYYY-MM-DD, e.g. 2027-03-01",
        "project.yaml:7:14: calendar.days_off[0]: '2027-04-31' is not a date — write dates as YYYY-MM-DD, e.g. 2027-03-01",
        "project.yaml:7:26: calendar.days_off[1]: 'soon' is not a date — write dates as YYYY-MM-DD, e.g. 2027-03-01",
    ],
    'bad-hour-window': [
        "project.yaml:8:12: calendar.hours.work[0]: '8-12' is not an hour window — write it as HH:MM-HH:MM, e.g. 08:00-12:00",
        "project.yaml:8:20: calendar.hours.work[1]: hour window '18:00-08:00' ends before it starts — write the earlier time first, e.g. 08:00-12:00; a window cannot cross midnight",
        "project.yaml:9:13: calendar.hours.noisy[0]: '25:00-26:00' has an impossible time of day — hours go from 00:00 to 24:00, e.g. 08:00-12:00",
        "project.yaml:39:51: works[0].cutover.hours: hour window '15:00-09:00' ends before it starts — write the earlier time first, e.g. 08:00-12:00; a window cannot cross midnight",
    ],
    'deadline-before-start': [
        'project.yaml:6:13: project.deadline: deadline 2027-02-01 is before start 2027-03-01 — move the deadline after the start, or remove it',
    ],
    'dug-zone-without-length': [
        "project.yaml:20:7: site.zones[3].length_m: zone 'G1' is dug but has no length_m — give its length in metres: excavate and backfill days come from it",
    ],
    'duplicate-entrance-id': [
        "project.yaml:32:16: site.buildings[1].entrances[0].id: duplicate entrance id 'B1-1' (already used by building 'B1' at line 27) — entrance ids are unique across the compound, e.g. B1-1, B1-2",
    ],
    'duplicate-key': [
        "project.yaml:9:3: trades.water: duplicate key 'water' (first at line 8) — write each key once; the second one would silently replace the first",
        "project.yaml:16:25: site.gates[0].zone: duplicate key 'zone' (first at line 16, column 15) — write each key once; the second one would silently replace the first",
    ],
    'duplicate-zone-id': [
        "project.yaml:20:12: site.zones[3].id: duplicate zone id 'R2' (first at line 18) — give each zone its own id",
    ],
    'elevator-entrance-not-its-building': [
        "project.yaml:44:15: works[1].entrance: entrance 'B2-1' belongs to building 'B2', not to 'B1' — use an entrance of 'B1' (B1-1), or set building: B2",
    ],
    'elevator-trade-missing': [
        "project.yaml:35:5: works[1]: elevator work 'E1' is done by trade 'elevator' (the default), which is not in trades — add trades: {elevator: {crews: 1}}, or set trade: to the elevator installer's trade id",
    ],
    'empty-file': [
        "project.yaml:1:1: the project file is empty — write the project's sections: version, project, calendar, trades, equipment, site, works (see docs/input-format.md)",
    ],
    'entrance-on-green': [
        "project.yaml:27:28: site.buildings[0].entrances[0].zone: entrance 'B1-1' is on green zone 'G1' — put entrances on their apron, path or road zone",
    ],
    'entrance-unreachable': [
        "project.yaml:27:28: site.buildings[0].entrances[0].zone: entrance 'B1-1' cannot reach any gate even with no trench open: from its zone 'A1' people can only walk to A1 (green zones cannot be crossed) — link its zone to the road/path network (site.zones[].links) or add a gate",
    ],
    'fire-zone-not-road': [
        "project.yaml:25:20: site.buildings[0].fire_zones[0]: fire zone 'A1' is an apron zone, not a road — fire engines drive on road zones only: list road zones next to the building (R1, R2)",
    ],
    'fire-zone-unreachable': [
        "project.yaml:25:19: site.buildings[0].fire_zones: no fire zone of 'B1' can be reached from a gate over road zones, even with no trench open — list a road zone a fire engine reaches from a gate (R1), or link R2 to them by road zones",
    ],
    'missing-required-field': [
        "project.yaml:3:3: project.start: required field 'start' is missing in project — add start: 2027-03-01",
        "project.yaml:21:7: site.buildings[0].households: required field 'households' is missing in a building — add households: 48",
    ],
    'multiple-cross-problems': [
        "project.yaml:15:21: site.gates[0].zone: unknown zone 'R0' — did you mean 'R2' or 'R1'?",
        "project.yaml:25:20: site.buildings[0].fire_zones[0]: fire zone 'A1' is an apron zone, not a road — fire engines drive on road zones only: list road zones next to the building (R1, R2)",
        "project.yaml:31:12: works[0].trade: unknown trade 'plumbing' — use one of the trade ids: civil, elevator, greening, paving, water",
        "project.yaml:35:39: works[0].cutover.serves[0]: unknown building 'B9' — did you mean 'B1'?",
    ],
    'multiple-problems': [
        "project.yaml:5:10: project.start: '2027-02-30' is not a date — write dates as YYYY-MM-DD, e.g. 2027-03-01",
        "project.yaml:8:21: trades.water.contracter: unknown field 'contracter' in a trade — did you mean 'contractor' or 'contact'?",
        "project.yaml:18:22: site.zones[1].kind: 'raod' is not allowed for 'kind' — did you mean 'road'?",
        "project.yaml:33:11: works[0].rate: 'rate' should be a number, not 'fast' — write a plain number such as 40 (no units)",
    ],
    'non-positive': [
        "project.yaml:8:18: trades.water.crews: 'crews' must be greater than 0 (got 0) — use a positive number",
        "project.yaml:17:38: site.zones[0].length_m: 'length_m' must be greater than 0 (got 0) — use a positive number",
        "project.yaml:23:19: site.buildings[0].households: 'households' must not be negative (got -1) — use 0 or a positive number",
        "project.yaml:33:11: works[0].rate: 'rate' must be greater than 0 (got -5) — use a positive number",
        "project.yaml:41:19: works[1].days.shaft: 'shaft' must be greater than 0 (got 0) — use a positive number",
        "project.yaml:46:17: works[2].zones.R1: 'R1' must be greater than 0 (got 0) — use a positive number",
    ],
    'not-a-mapping': [
        "project.yaml:2:1: the project file holds a list, not a mapping of sections — write 'section: value' lines starting at the left margin: version, project, calendar, trades, equipment, site, works (see docs/input-format.md)",
    ],
    'not-allowed-values': [
        'project.yaml:1:10: version: version 2 is not supported — write version: 1',
        "project.yaml:6:9: project.lang: 'zh' is not allowed for 'lang' — did you mean 'zh-CN'?",
        "project.yaml:8:19: calendar.workweek[1]: 'tues' is not allowed for 'workweek' — did you mean 'tue'?",
        "project.yaml:9:13: calendar.holidays: 'china' is not allowed for 'holidays' — use one of CN, none",
        "project.yaml:22:22: site.zones[1].kind: 'raod' is not allowed for 'kind' — did you mean 'road'?",
    ],
    'project-id': [
        "project.yaml:3:7: project.id: 'Demo_1' is not a valid project id — use lower-case letters, digits and '-' only, e.g. hepingli",
    ],
    'quiet-reversed': [
        "project.yaml:8:40: calendar.quiet[0].to: '高考' ends (2027-06-06) before it starts (2027-06-10) — swap them: from: 2027-06-06, to: 2027-06-10",
        "project.yaml:10:40: calendar.seasons[0].to: '冬季' ends (2027-12-01) before it starts (2028-02-28) — swap them: from: 2027-12-01, to: 2028-02-28",
    ],
    'restore-trade-missing': [
        "project.yaml:19:7: site.zones[3]: zone 'G1' is dug and, with no surface work listed for it, is restored by trade 'greening', which is not in trades — add trades: {greening: {crews: 1}}, or a surface work for it (type: surface, zones: {G1: <days>})",
    ],
    'site-rules-v2-schema': [
        "project.yaml:8:85: calendar.seasons[0].min_depth_m: min_depth_m limits which open trenches '汛期' forbids, but its forbid has no 'open' — add open to forbid, or remove min_depth_m",
        "project.yaml:24:20: site.inspection_days: 'inspection_days' should be a whole number, not 'one' — write a whole number such as 2",
        "project.yaml:39:22: works[0].commission_days: 'commission_days' must not be negative (got -1) — use 0 or a positive number",
        "project.yaml:47:16: works[1].fire_plan: 'fire_plan' should be true or false, not 'maybe' — write true or false",
    ],
    'site-rules-v2-ids': [
        "project.yaml:12:9: trades.open: 'open' is reserved: in a season's forbid it means a trench left open — give the trade another id, e.g. open-space",
        "project.yaml:43:21: works[1].relocate_trade: unknown trade 'gass' — use one of the trade ids: civil, elevator, greening, open, paving, water",
    ],
    'season-forbids-unknown': [
        "project.yaml:8:64: calendar.seasons[0].forbid[0]: 'paveing' is not a trade, a task kind or open — did you mean 'paving'?",
        "project.yaml:8:73: calendar.seasons[0].forbid[1]: 'asphalt' is not a trade, a task kind or open — use one of the trade or task kind ids: acceptance, backfill, building, civil, commission, curing, cutover, elevator, excavate, foundation, greening, inspect, …",
    ],
    'table-bad-cell': [
        "zones.csv:row 3, column length_m: site.zones[1].length_m: 'length_m' should be a number, not 'forty' — write a plain number such as 40 (no units)",
        "zones.csv:row 4, column kind: site.zones[2].kind: 'aporn' is not allowed for 'kind' — did you mean 'apron'?",
        "zones.csv:row 5: site.zones[3].id: required field 'id' is missing in a zone — fill the 'id' cell of this row (add the column if the table has none)",
    ],
    'table-dict-sections': [
        "equipment.csv:row 1: equipment: the table has no 'capacity' column (its filled columns: cap, id) — name the column 'capacity' in the header row, next to 'id'",
        "trades.csv:row 7, column id: trades.water: duplicate id 'water' (first at row 3) — give each row its own id; the second row would replace the first",
        "days_off.csv:row 1: calendar.days_off: the table has no 'date' column (its filled columns: day) — name the column 'date' in the header row",
        "trades.csv:row 3, column crews: trades.water.crews: 'crews' must be greater than 0 (got '0') — use a positive number",
        "trades.csv:row 6, column workweek: trades.elevator.workweek[2]: 'xyz' is not allowed for 'workweek' — use one of mon, tue, wed, thu, fri, sat, sun",
    ],
    'table-missing': [
        "project.yaml:16:10: site.zones: table file 'zone.csv' not found next to project.yaml — did you mean 'zones.csv'?",
    ],
    'unknown-building': [
        "project.yaml:8:64: calendar.quiet[0].buildings[0]: unknown building 'B2' — did you mean 'B1'?",
        "project.yaml:39:39: works[0].cutover.serves[0]: unknown building 'b1' — did you mean 'B1'? (case matters)",
        "project.yaml:42:15: works[1].building: unknown building '1号楼': that is the name of building 'B1' — refer to a building by its id: write B1",
    ],
    'unknown-field': [
        "project.yaml:5:3: project.colour: unknown field 'colour' in project — project has the fields id, name, timezone, start, deadline, hotline, lang",
        "project.yaml:19:28: site.zones[1].lenght_m: unknown field 'lenght_m' in a zone — did you mean 'length_m'?",
        "project.yaml:42:12: works[1].days.shaf: unknown field 'shaf' in elevator days — did you mean 'shaft'?",
    ],
    'unknown-section': [
        "project.yaml:1:1: site: required field 'site' is missing in the project file — add site: with gates, zones and buildings",
        "project.yaml:13:1: stie: unknown section 'stie' — did you mean 'site'?",
    ],
    'unknown-trade': [
        "project.yaml:31:12: works[0].trade: unknown trade 'wter' — did you mean 'water'?",
        "project.yaml:44:12: works[2].trade: unknown trade 'pavement' — use one of the trade ids: civil, elevator, greening, paving, water",
    ],
    'unknown-work-type': [
        "project.yaml:30:11: works[0].type: 'pipe' is not a work type — did you mean 'pipeline'?",
        "project.yaml:42:5: works[2]: this work has no 'type' — add type: one of pipeline, elevator, surface, building, task",
    ],
    'unknown-zone-entrance': [
        "project.yaml:27:28: site.buildings[0].entrances[0].zone: unknown zone 'a1' — did you mean 'A1'? (case matters)",
    ],
    'unknown-zone-gate': [
        "project.yaml:15:21: site.gates[0].zone: unknown zone 'R0' — did you mean 'R2' or 'R1'?",
    ],
    'unknown-zone-links': [
        "project.yaml:18:50: site.zones[1].links[0]: unknown zone 'A2' — did you mean 'R2' or 'A1'?",
    ],
    'unknown-zone-near-fire': [
        "project.yaml:24:14: site.buildings[0].near[0]: unknown zone 'R3' — did you mean 'R2' or 'R1'?",
        "project.yaml:25:20: site.buildings[0].fire_zones[0]: unknown zone 'R22' — did you mean 'R2'?",
    ],
    'unknown-zone-works': [
        "project.yaml:32:24: works[0].runs.R3: unknown zone 'R3' — did you mean 'R2' or 'R1'?",
        "project.yaml:40:11: works[1].zone: unknown zone 'Gl' — did you mean 'G1'?",
        "project.yaml:41:19: works[1].crane_zones[0]: unknown zone 'G2' — did you mean 'R2' or 'G1'?",
        "project.yaml:45:17: works[2].zones.Rl: unknown zone 'Rl' — did you mean 'R2' or 'R1'?",
    ],
    'work-after-itself': [
        "project.yaml:30:57: works[0].after[0]: work 't3' lists itself in 'after' — remove it from its own 'after'",
        "project.yaml:31:59: works[1].earliest: earliest 2027-11-15 is after the project deadline 2027-10-31 — move 'earliest' before the deadline, or move project.deadline",
    ],
    'work-windows': [
        'project.yaml:29:62: works[0].underground: underground: true needs a zone (the trench the task is dug in) — add zone: <zone id>, or set underground: false',
        "project.yaml:30:81: works[1].deadline: deadline 2027-04-01 is before earliest 2027-05-01 — move the deadline after 'earliest', or remove one of them",
    ],
    'wrong-types': [
        "project.yaml:6:9: trades: 'trades' should be a mapping (key: value, …), not a list — write key: value pairs, e.g. trades: {civil: {crews: 2}, water: {crews: 1}}",
        "project.yaml:18:19: site.buildings[0].households: 'households' should be a whole number, not 'many' — write a whole number such as 2",
        "project.yaml:24:5: works[0]: this entry should be a mapping of fields, not 'dig the north road' — write the fields as key: value lines (see docs/input-format.md)",
        "project.yaml:37:12: works[2].noisy: 'noisy' should be true or false, not 'maybe' — write true or false",
    ],
    'yaml-1-1-words': [
        "project.yaml:7:24: calendar.workweek[2]: 'on' is not allowed for 'workweek' — did you mean 'mon'?",
    ],
    'yaml-syntax-error': [
        "project.yaml:17:52: YAML syntax error: expected ',' or ']', but got '}' — close the [ list ] on the same item, separating entries with ','",
    ],
    'yaml-tab-indent': [
        "project.yaml:4:1: YAML syntax error: found character '\\t' that cannot start any token — indent with spaces, not tabs",
    ],
}

# Cases whose table file is written at test time (see `_write_tables`).
GENERATED: dict[str, list[str]] = {
    "table-xlsx-bad-cell": [
        "works.xlsx:row 2, column runs: works[0].runs: 'R2' in 'R1:60;R2;40' is not of the form key:value"
        " — write the map as key:value pairs separated by ';', e.g. R1:60;R2:80",
        "works.xlsx:row 3, column days: works[1].days.shaft: 'shaft' must be greater than 0 (got '0')"
        " — use a positive number",
        "works.xlsx:row 4, column type: works[2].type: 'surfce' is not a work type — did you mean 'surface'?",
    ],
    "table-csv-utf16": [
        "zones.csv: site.zones: table 'zones.csv' is neither UTF-8 nor GBK text (byte 0 cannot be read)"
        " — in Excel use Save As → 'CSV UTF-8 (逗号分隔)', or save it as .xlsx",
    ],
}

HOLIDAY_WARNING = (
    "warning: calendar.holidays: the official CN holiday and 调休 list for 2027 is not published yet "
    "(statutory holidays are estimated, make-up working days are unknown) — check the State Council notice "
    "and add make-up days to calendar.work_days, extra days off to calendar.days_off")


def _write_tables(name: str, folder: Path) -> None:
    if name == "table-xlsx-bad-cell":
        import pandas as pd

        pd.DataFrame([
            {"id": "wm", "type": "pipeline", "trade": "water", "runs": "R1:60;R2;40", "rate": 40, "test_days": 2,
             "cutover.outage": "water", "cutover.serves": "B1"},
            {"id": "E1", "type": "elevator", "building": "B1", "entrance": "B1-1", "zone": "G1",
             "crane_zones": "R2", "days": "shaft:0;install:15"},
            {"id": "pave", "type": "surfce", "trade": "paving", "zones": "R1:2", "after": "wm+1"},
        ]).to_excel(folder / "works.xlsx", index=False)
    elif name == "table-csv-utf16":  # Excel's "Unicode Text"; a GBK table is read (tests/test_tables.py)
        text = "id,name,kind,length_m,links\nR1,北路,road,60,R2\nR2,中路,road,40,A1\nA1,门前,apron,10,R2\nG1,绿地,green,20,A1\n"
        (folder / "zones.csv").write_bytes(text.encode("utf-16"))


def _validate(folder: Path):
    result = CliRunner().invoke(main, ["--lang", "en", "validate", str(folder)])  # Chinese: tests/test_lang.py
    # CliRunner swallows exceptions: an uncaught one is a traceback for a real user.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result, result.output.replace(str(folder) + os.sep, "").splitlines()


def _check_broken(folder: Path, expected: list[str]) -> None:
    result, lines = _validate(folder)
    assert result.exit_code == 2, result.output
    errors = sum(not line.split(": ", 2)[1].startswith("warning") for line in expected if ": " in line)
    assert lines[-1] == f"{errors} problem(s) in {folder}; nothing was written.", lines[-1]
    assert lines[:-1] == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_project(name: str) -> None:
    _check_broken(BROKEN / name, CASES[name])


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_broken_generated_table(name: str, tmp_path: Path) -> None:
    folder = tmp_path / name
    shutil.copytree(BROKEN / name, folder)
    _write_tables(name, folder)
    _check_broken(folder, GENERATED[name])


def test_every_case_folder_has_expectations() -> None:
    folders = {p.name for p in BROKEN.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(CASES) | set(GENERATED)
    assert len(folders) >= 25


def test_every_problem_line_says_place_what_and_fix() -> None:
    for name, lines in {**CASES, **GENERATED}.items():
        for line in lines:
            assert line.startswith(("project.yaml:", "zones.csv:", "works.xlsx:", "trades.csv:",
                                    "equipment.csv:", "days_off.csv:")), (name, line)
            assert " — " in line, (name, line)  # every message carries a fix


@pytest.mark.parametrize("name", ["_valid-2027", "_valid-tables"])
def test_valid_2027_project_warns_about_unpublished_holidays(name: str) -> None:
    result, lines = _validate(BROKEN / name)
    assert result.exit_code == 0, result.output
    assert lines[0] == "测试小区 (demo) — valid"
    warnings = [line.strip() for line in lines if "warning:" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("project.yaml:") and warnings[0].endswith(HOLIDAY_WARNING)


def test_folder_without_project_yaml(tmp_path: Path) -> None:
    result, lines = _validate(tmp_path)
    assert result.exit_code == 2
    assert lines == [
        "project.yaml: project file not found — pass a folder that holds project.yaml, "
        "or the path of a project .yaml file",
        f"1 problem(s) in {tmp_path}; nothing was written.",
    ]


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    result, _ = _validate(tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_yaml_file_given_directly() -> None:
    result, _ = _validate(BROKEN / "unknown-trade" / "project.yaml")
    assert result.exit_code == 2
    assert "unknown trade 'wter' — did you mean 'water'?" in result.output


@pytest.mark.parametrize("name, choices, hint", [
    ("asphalt", ["shaft", "paving", "civil"], "use one of the trade or task kind ids: civil, paving, shaft"),
    ("raod", ["road", "path", "apron"], "did you mean 'road'?"),  # one transposition
    ("B9", ["B1", "B12"], "did you mean 'B1'?"),  # short ids differ by one character
    ("zh", ["zh-CN", "en"], "did you mean 'zh-CN'?"),  # the start of a longer value
    ("tues", ["mon", "tue", "thu"], "did you mean 'tue'?"),  # not thu: a different day
])
def test_did_you_mean_offers_only_likely_typos(name: str, choices: list[str], hint: str) -> None:
    from models.problems import did_you_mean

    assert did_you_mean(name, choices, "trade or task kind") == hint
