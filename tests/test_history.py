"""The history through the CLI: what is saved, what is refused, and files that are never touched."""
from __future__ import annotations

import json
import os
import sqlite3

import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.documents.kinds import CheckIn, PlanStatus
from runrehab.history import file as history_file
from runrehab.history.store import History
from runrehab.rules.loader import load
from runrehab.schemas import validated

KB = load()


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "history.db")


def triage(runner, db, symptom="posterior-leg-pain", date="2026-03-01", *extra, **changes):
    answers = full_answers(KB, symptom, **changes)
    return runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", date, "--db", db, *extra],
                         input=json.dumps(answers))


def checkin(runner, db, date, progress="same", pain=3, *extra, symptom="posterior-leg-pain"):
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    answers = {"progress": progress, "pain_score": pain, **flags}
    return runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", date, "--db", db, *extra],
                         input=json.dumps(answers))


def test_triage_saves_the_plan_with_the_rule_base_that_made_it(runner, db):
    assert triage(runner, db).exit_code == 0
    (stored,) = History.open(db).plans()
    assert stored.symptom == "posterior-leg-pain" and stored.kb_version == KB.version and stored.kb_hash == KB.content_hash
    assert stored.document["answers"]["pain_score"] == 3


def test_no_save_and_batches_keep_the_history_untouched(runner, db, tmp_path):
    assert triage(runner, db, "tight-itb", "2026-03-01", "--no-save").exit_code == 0
    lines = "".join(json.dumps(full_answers(KB, s)) + "\n" for s in ("tight-itb", "hand-tingling"))
    assert runner.invoke(app, ["triage", "--answers", "-", "--json", "--db", db], input=lines).exit_code == 0
    assert not os.path.exists(db)


def test_a_check_in_counts_days_from_the_plan(runner, db):
    triage(runner, db)
    result = checkin(runner, db, "2026-03-04")
    assert result.exit_code == 0, result.stderr
    doc = validated(CheckIn, result.stdout)
    assert (doc.plan_date.isoformat(), doc.day, doc.decision) == ("2026-03-01", 3, "continue")


def test_a_check_in_with_no_plan_exits_1_saying_to_triage_first(runner, db):
    result = checkin(runner, db, "2026-03-04")
    assert result.exit_code == 1 and "runrehab triage" in result.stderr and result.stdout == ""
    assert not os.path.exists(db)


def test_a_check_in_before_its_plan_exits_2_and_saves_nothing(runner, db):
    triage(runner, db)
    result = checkin(runner, db, "2026-02-28")
    assert result.exit_code == 2 and "before its plan" in result.stderr
    assert History.open(db).checkins(1) == []


def test_missing_check_in_answers_are_named(runner, db):
    triage(runner, db)
    result = runner.invoke(app, ["checkin", "--db", db, "-a", "progress=same"])
    assert result.exit_code == 2 and "red_flag_saddle_numbness" in result.stderr and "pain_score" in result.stderr


def test_one_plan_per_symptom_and_symptom_picks_it(runner, db):
    triage(runner, db, "tight-itb", "2026-03-01")
    triage(runner, db, "hand-tingling", "2026-03-05")
    triage(runner, db, "tight-itb", "2026-03-08", pain_score=5)  # replaces the first tight-itb plan
    plans = History.open(db).plans()
    assert [(p.symptom, p.current) for p in plans] == [("tight-itb", False), ("hand-tingling", True), ("tight-itb", True)]
    latest = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-09",
                                            "--symptom", "tight-itb"]).stdout)
    assert latest["symptom"] == "tight-itb" and latest["date"] == "2026-03-08"
    hand = runner.invoke(app, ["plan", "--json", "--db", db, "--symptom", "hand-tingling", "--date", "2026-03-09"])
    status = validated(PlanStatus, hand.stdout)
    assert (status.symptom, status.day, status.next_review.isoformat()) == ("hand-tingling", 4, "2026-03-12")
    result = checkin(runner, db, "2026-03-09", "better", 1, "--symptom", "hand-tingling", symptom="hand-tingling")
    assert result.exit_code == 0 and json.loads(result.stdout)["symptom"] == "hand-tingling"


def test_plan_shows_what_is_due_and_the_last_check_in(runner, db):
    triage(runner, db, "tight-itb")
    checkin(runner, db, "2026-03-09", "same", symptom="tight-itb")
    status = validated(PlanStatus, runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-10"]).stdout)
    assert status.day == 9 and status.last_checkin.decision == "escalate"
    assert status.status == "escalated" and status.current_routine == []
    assert status.due == [], "an escalated plan has been sent elsewhere: its checkpoints are no longer due"
    human = runner.invoke(app, ["plan", "--db", db, "--date", "2026-03-10"], env={"COLUMNS": "160"}).stdout
    assert "Day 9 of this plan" in human and "Decided at the check-in of 2026-03-09" in human
    assert "No routine to follow now" in human


def test_plan_with_no_plan_exits_1(runner, db):
    assert runner.invoke(app, ["plan", "--db", db]).exit_code == 1


def test_markdown_handout(runner, db):
    triage(runner, db)
    out = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", "2026-03-02"]).stdout
    assert out.startswith("# Exercise plan: Pain in the back of the leg")
    for text in ("| Exercise | Dose | When |", "| Piriformis stretch | hold 30–60 s, 2–4 × each side | after runs",
                 "### Piriformis stretch", "1. Lie on your back", "## Stop if", "## When to get help",
                 "From 2026-03-06, day 5 of the plan (see a clinician): if there is pain or discomfort at rest more than a week",
                 "## Sources", "not a diagnosis"):
        assert text in out


def test_history_shows_a_readable_trend(runner, db):
    triage(runner, db, pain_score=6)
    for date, pain in (("2026-03-03", 5), ("2026-03-05", 3), ("2026-03-07", 1)):
        checkin(runner, db, date, "better", pain)
    human = runner.invoke(app, ["history", "--db", db]).stdout
    assert "day 0" in human and "day 6" in human and "██████····" in human and "█·········" in human
    assert "improving" in human
    data = json.loads(runner.invoke(app, ["history", "--json", "--db", db]).stdout)
    assert [c["pain_score"] for c in data["plans"][0]["checkins"]] == [5, 3, 1]


def test_an_empty_history_is_a_done_listing(runner, db):
    result = runner.invoke(app, ["history", "--db", db])
    assert result.exit_code == 0 and "No plans yet" in result.stdout
    assert json.loads(runner.invoke(app, ["history", "--json", "--db", db]).stdout)["plans"] == []


@pytest.mark.parametrize("content", [b"this is not a database\n" * 10, b"SQLite format 3\0" + b"\xff" * 4000, b""])
def test_a_damaged_or_foreign_file_is_reported_and_left_byte_for_byte(runner, db, content):
    with open(db, "wb") as handle:
        handle.write(content)
    for args in (["plan"], ["history"]):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 2 and db in result.stderr and "Traceback" not in result.stderr
    assert triage(runner, db).exit_code == 2
    with open(db, "rb") as handle:
        assert handle.read() == content


def test_another_programs_sqlite_file_is_refused(runner, db):
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = open(db, "rb").read()
    result = triage(runner, db)
    assert result.exit_code == 2 and "not a runrehab history" in result.stderr
    assert open(db, "rb").read() == before


def test_a_folder_that_cannot_be_written_is_reported(runner):
    # /proc refuses new folders to everyone, root included
    result = triage(runner, "/proc/runrehab-history/h.db")
    assert result.exit_code == 2 and "/proc/runrehab-history" in result.stderr and "Traceback" not in result.stderr


def test_a_history_path_inside_a_file_is_reported(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = triage(runner, str(blocker / "h.db"))
    assert result.exit_code == 2 and "history" in result.stderr and "Traceback" not in result.stderr


def test_interrupted_interview_exits_130_and_saves_nothing(runner, db, monkeypatch):
    import runrehab.terminal.interview as terminal

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(terminal, "prompt_answer", interrupted)
    result = runner.invoke(app, ["triage", "--interactive", "--db", db])
    assert result.exit_code == 130 and not os.path.exists(db)


def test_each_check_in_steps_the_dose_from_the_last_one(runner, db):
    triage(runner, db, "tight-itb")
    reps = []
    for date in ("2026-03-02", "2026-03-03", "2026-03-04"):
        result = checkin(runner, db, date, "much-better", 2, "-a", "morning_after=gone", symptom="tight-itb")
        assert result.exit_code == 0, result.stderr
        bridge = next(i for i in json.loads(result.stdout)["routine"] if i["exercise"] == "glute-bridge")
        reps.append((bridge["dose"]["reps"]["min"], bridge["dose"]["reps"]["max"]))
    assert reps == [(7, 12), (9, 12), (11, 12)]


def test_the_plan_shows_each_escalation_with_its_level(runner, db):
    triage(runner, db, "hand-tingling")
    out = runner.invoke(app, ["plan", "--db", db, "--date", "2026-03-02"], env={"COLUMNS": "200"}).stdout
    assert "From 2026-03-08, day 7 of the plan (see a clinician): if the tingling has not improved" in out
    # the warning signs one a line, under what to do, the most urgent first
    assert "Any time, if any of these comes on: Get help now: call your local emergency number" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "Get help now" in line)
    assert lines[first + 1].strip().startswith("- ") and ";" not in lines[first + 1]


@pytest.mark.parametrize("version", range(1, history_file.SCHEMA_VERSION + 1))
def test_the_tables_each_schema_has_are_those_sqlite_makes_of_its_migrations(version):
    conn = sqlite3.connect(":memory:")
    for step in range(1, version + 1):
        conn.executescript(history_file.MIGRATIONS[step])
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    made = {name: tuple(row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (name,))) for name in names}
    assert history_file.tables(version) == made
