"""The history in and out, as a user's tools meet it: `export` (one versioned document with stable
ids, valid against `runrehab schema export`), `import` (merging by id: the same file twice changes
nothing; a damaged or foreign file refused whole), `checkin --undo`, and `history --format csv`
read back as a spreadsheet would."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import conforms, examples, full_answers, tiered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runrehab.commands.run import app
from runrehab.rules.loader import load
from runrehab.schemas import json_schema

KB = load()
FLAGS = {s: [q.id for q in KB.questions_for(s, "checkin") if q.red_flag] for s in ("tight-itb", "hand-tingling")}


def cli(runner, *args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def triage(runner, db, symptom="tight-itb", date="2026-03-01"):
    result = cli(runner, "triage", "--answers", "-", "--json", "--date", date, "--db", str(db),
                 input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.output


def checkin(runner, db, date, progress="better", pain=2, symptom="tight-itb"):
    answers = {"progress": progress, "pain_score": pain, **{q: "no" for q in FLAGS[symptom]}}
    return cli(runner, "checkin", "--answers", "-", "--json", "--date", date, "--symptom", symptom, "--db", str(db),
               input=json.dumps(answers))


def log(runner, db, date, exercise="clamshell"):
    entry = [{"exercise": exercise, "date": date, "sets": 2, "reps": 10, "pain_during": 1}]
    result = cli(runner, "session", "--log", "-", "--symptom", "tight-itb", "--date", date, "--db", str(db),
                 input=json.dumps(entry))
    assert result.exit_code == 0, result.output


def export(runner, db) -> dict:
    result = cli(runner, "export", "--db", str(db))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(db) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("plans", "checkins", "exercise_logs")}
    finally:
        conn.close()


@pytest.fixture
def full(runner, tmp_path) -> Path:
    """Two symptoms, check-ins and a logged session; the first plan replaced by a second."""
    db = tmp_path / "full.db"
    triage(runner, db, date="2026-02-20")
    triage(runner, db)
    triage(runner, db, "hand-tingling", "2026-03-02")
    assert checkin(runner, db, "2026-03-03").exit_code == 0
    log(runner, db, "2026-03-04")
    assert checkin(runner, db, "2026-03-05", "same", 3).exit_code == 0
    assert checkin(runner, db, "2026-03-06", symptom="hand-tingling").exit_code == 0
    return db


def test_export_is_one_versioned_document_with_stable_ids_valid_against_its_schema(runner, full):
    document = export(runner, full)
    conforms(document, json_schema("export"))
    assert document["schema_version"] == 1 and document["format"] == "runrehab-export"
    assert [(p["document"]["symptom"], p["current"], len(p["checkins"]), len(p["sessions"])) for p in document["plans"]] \
        == [("tight-itb", False, 0, 0), ("tight-itb", True, 2, 1), ("hand-tingling", True, 1, 0)]
    assert export(runner, full) == document  # the ids are the rows', not made afresh


def test_export_then_import_into_an_empty_history_gives_the_same_export_and_twice_changes_nothing(runner, full,
                                                                                                   tmp_path):
    (tmp_path / "out.json").write_text(json.dumps(export(runner, full)))
    empty = tmp_path / "empty.db"
    first = cli(runner, "import", str(tmp_path / "out.json"), "--db", str(empty))
    assert first.exit_code == 0 and "imported 3 plan(s), 3 check-in(s) and 1 session log(s)" in first.stderr
    assert export(runner, empty) == export(runner, full)
    before = rows(empty)
    again = cli(runner, "import", "-", "--db", str(empty), input=(tmp_path / "out.json").read_text())
    assert again.exit_code == 0 and "nothing new" in again.stderr
    assert rows(empty) == before
    for args in (["plan", "--json", "--date", "2026-03-08"], ["today", "--json", "--date", "2026-03-08"]):
        assert cli(runner, *args, "--db", str(empty)).stdout == cli(runner, *args, "--db", str(full)).stdout


def test_import_merges_by_id_into_a_history_that_went_on(runner, full, tmp_path):
    (tmp_path / "out.json").write_text(json.dumps(export(runner, full)))
    other = tmp_path / "other.db"
    assert cli(runner, "import", str(tmp_path / "out.json"), "--db", str(other)).exit_code == 0
    assert checkin(runner, other, "2026-03-09", "much-better", 1).exit_code == 0
    assert cli(runner, "import", str(tmp_path / "out.json"), "--db", str(other)).exit_code == 0  # an older export
    plans = export(runner, other)["plans"]
    assert [len(p["checkins"]) for p in plans] == [0, 3, 1]
    assert json.loads(cli(runner, "plan", "--json", "--symptom", "tight-itb", "--date", "2026-03-10", "--db",
                          str(other)).stdout)["last_checkin"]["date"] == "2026-03-09"


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 20), st.sampled_from(["symptom-free", "better", "same", "worse"]),
                          st.integers(0, 8)), max_size=5),
       st.lists(st.integers(1, 20), max_size=3))
def test_round_trip_for_any_history(runner, tmp_path_factory, checkins, sessions):
    work = tmp_path_factory.mktemp("trip")
    db = work / "h.db"
    triage(runner, db)
    for day, progress, pain in checkins:
        checkin(runner, db, f"2026-03-{day + 1:02d}", progress, pain)
    for day in sessions:
        cli(runner, "session", "--log", "-", "--date", f"2026-03-{day + 1:02d}", "--db", str(db),
            input=json.dumps([{"exercise": "clamshell", "date": f"2026-03-{day + 1:02d}", "sets": 1, "reps": 8}]))
    document = export(runner, db)
    (work / "out.json").write_text(json.dumps(document))
    copy = work / "copy.db"
    assert cli(runner, "import", str(work / "out.json"), "--db", str(copy)).exit_code == 0
    assert export(runner, copy) == document
    before = rows(copy)
    assert cli(runner, "import", str(work / "out.json"), "--db", str(copy)).exit_code == 0
    assert rows(copy) == before


def damaged(document: dict) -> dict[str, object]:
    plan = document["plans"][1]
    bad_pain = json.loads(json.dumps(document))
    bad_pain["plans"][1]["checkins"][1]["document"]["pain_score"] = 11
    twice = json.loads(json.dumps(document))
    twice["plans"][2]["checkins"][0]["id"] = plan["checkins"][0]["id"]
    other_plan = json.loads(json.dumps(document))
    other_plan["plans"][2]["checkins"][0]["document"]["plan_date"] = "2026-01-01"
    newer = {**document, "schema_version": 99}
    extra = json.loads(json.dumps(document))
    extra["plans"][0]["colour"] = "red"
    bad_id = json.loads(json.dumps(document))
    bad_id["plans"][0]["id"] = "1"
    bad_session = json.loads(json.dumps(document))
    bad_session["plans"][1]["sessions"][0]["entry"]["sets"] = -1
    return {"pain out of range": bad_pain, "an id twice": twice, "a check-in on another plan": other_plan,
            "a newer schema": newer, "a field unknown": extra, "not an id": bad_id, "a session log": bad_session,
            "foreign JSON": {"tasks": []}, "a list": [], "history --json": None, "not JSON": "{",
            "truncated": json.dumps(document)[:-40]}


DAMAGE = ["pain out of range", "an id twice", "a check-in on another plan", "a newer schema", "a field unknown",
          "not an id", "a session log", "foreign JSON", "a list", "history --json", "not JSON", "truncated"]


# one of each kind every day: a value out of range, ids that disagree, a newer version, no history, cut short
@pytest.mark.parametrize("case", tiered(DAMAGE, lambda case: case in (
    "pain out of range", "an id twice", "a check-in on another plan", "a newer schema", "foreign JSON", "truncated")))
def test_a_damaged_or_foreign_file_is_refused_whole_in_one_line(runner, full, tmp_path, case):
    document = export(runner, full)
    target = tmp_path / "target.db"
    triage(runner, target, date="2026-03-01")
    before = rows(target)
    if case == "history --json":
        text = cli(runner, "history", "--json", "--db", str(full)).stdout
    else:
        value = damaged(document)[case]
        text = value if isinstance(value, str) else json.dumps(value)
    (tmp_path / "in.json").write_text(text)
    result = cli(runner, "import", str(tmp_path / "in.json"), "--db", str(target))
    assert result.exit_code == 2 and result.stdout == "", case
    assert len(result.stderr.splitlines()) == 1 and "nothing was imported" in result.stderr, result.stderr
    assert rows(target) == before
    assert not (tmp_path / "fresh.db").exists()
    assert cli(runner, "import", str(tmp_path / "in.json"), "--db", str(tmp_path / "fresh.db")).exit_code == 2
    assert not (tmp_path / "fresh.db").exists()  # nothing written, not even an empty history


def test_an_id_already_there_with_other_content_refuses_the_file_whole(runner, full, tmp_path):
    document = export(runner, full)
    document["plans"][1]["checkins"][0]["document"]["pain_score"] = 9
    document["plans"][1]["checkins"].append({**document["plans"][1]["checkins"][1], "id": "f" * 32})
    (tmp_path / "in.json").write_text(json.dumps(document))
    before = rows(full)
    result = cli(runner, "import", str(tmp_path / "in.json"), "--db", str(full))
    assert result.exit_code == 2 and "other content" in result.stderr and "nothing was imported" in result.stderr
    assert rows(full) == before


def test_checkin_undo_removes_the_last_check_in_after_confirmation(runner, full):
    shown = lambda: json.loads(cli(runner, "plan", "--json", "--symptom", "tight-itb", "--date", "2026-03-08",  # noqa: E731
                                   "--db", str(full)).stdout)
    assert shown()["last_checkin"]["date"] == "2026-03-05"
    refused = cli(runner, "checkin", "--undo", "--symptom", "tight-itb", "--db", str(full))
    assert refused.exit_code == 2 and "--yes" in refused.stderr  # no terminal to confirm at
    assert cli(runner, "checkin", "--yes", "--db", str(full)).exit_code == 2  # --yes alone means nothing
    mixed = cli(runner, "checkin", "--undo", "--yes", "-a", "progress=better", "--db", str(full))
    assert mixed.exit_code == 2 and "--undo: takes only" in mixed.stderr  # nothing removed: see below
    done = cli(runner, "checkin", "--undo", "--yes", "--symptom", "tight-itb", "--db", str(full))
    assert done.exit_code == 0 and "removed the check-in of 2026-03-05" in done.stderr
    assert shown()["last_checkin"]["date"] == "2026-03-03"
    assert cli(runner, "checkin", "--undo", "--yes", "--symptom", "tight-itb", "--db", str(full)).exit_code == 0
    assert shown()["last_checkin"] is None and shown()["status"] == "active"
    nothing = cli(runner, "checkin", "--undo", "--yes", "--symptom", "tight-itb", "--db", str(full))
    assert nothing.exit_code == 1 and "no check-in to undo" in nothing.stderr


def test_history_csv_reads_back_as_a_spreadsheet_would(runner, full):
    result = cli(runner, "history", "--format", "csv", "--db", str(full))
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert list(table[0]) == ["symptom", "plan_date", "plan_status", "kind", "date", "day", "pain_score", "progress",
                              "decision", "triage_level", "exercise", "sets", "reps", "seconds", "pain_during"]
    mine = [(r["plan_date"], r["kind"], r["date"], r["day"], r["pain_score"], r["progress"], r["exercise"], r["sets"])
            for r in table if r["symptom"] == "tight-itb"]
    assert mine == [("2026-02-20", "triage", "2026-02-20", "0", "3", "", "", ""),
                    ("2026-03-01", "triage", "2026-03-01", "0", "3", "", "", ""),
                    ("2026-03-01", "check-in", "2026-03-03", "2", "2", "better", "", ""),
                    ("2026-03-01", "check-in", "2026-03-05", "4", "3", "same", "", ""),
                    ("2026-03-01", "session", "2026-03-04", "3", "", "", "clamshell", "2")]
    assert cli(runner, "history", "--format", "csv", "--json", "--db", str(full)).exit_code == 2
    assert cli(runner, "history", "--format", "xls", "--db", str(full)).exit_code == 2
    assert cli(runner, "schema", "export").exit_code == 0


def test_checkin_undo_asks_at_a_terminal_and_no_keeps_the_check_in(runner, full):
    import os
    import sys

    import pexpect

    env = {**os.environ, "NO_COLOR": "1"}

    def undo(answer: str) -> None:
        child = pexpect.spawn(sys.executable, ["-m", "runrehab", "checkin", "--undo", "--symptom", "tight-itb", "--db",
                                               str(full)], env=env, encoding="utf-8", timeout=20)
        child.expect(r"Remove the check-in of 2026-03-05 on the tight-itb plan of 2026-03-01 from .*\[y/N\]")
        child.sendline(answer)
        child.expect("nothing was removed" if answer == "n" else "removed the check-in of 2026-03-05")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0

    undo("n")
    assert len(export(runner, full)["plans"][1]["checkins"]) == 2
    undo("y")
    assert len(export(runner, full)["plans"][1]["checkins"]) == 1
