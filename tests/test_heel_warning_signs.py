"""The heel's injury warning sign, as a runner meets it: a snap, pop or grinding noise in the
heel, the sole or the back of the ankle at the time of an injury sends the runner to an
emergency department, at triage and at a check-in; the ordinary plantar heel pain gets its plan."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import full_answers
from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()
FLAG = "red_flag_heel_injury_snap"


def triage(runner, db, **answers):
    result = runner.invoke(app, ["triage", "--json", "--answers", "-", "--db", str(db), "--date", "2026-03-01"],
                           input=json.dumps(full_answers(KB, "heel-pain", days=21, pain_score=4, **answers)))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_pop_under_the_heel_at_an_injury_is_an_emergency(tmp_path):
    plan = triage(CliRunner(), tmp_path / "h.db", **{FLAG: "yes"})
    assert plan["triage_level"] == "emergency" and plan["routine"] == [] and FLAG in plan["red_flags"]


def test_the_ordinary_heel_pain_runner_gets_the_plan(tmp_path):
    plan = triage(CliRunner(), tmp_path / "h.db")
    assert plan["triage_level"] == "self-care" and plan["routine"]


def test_a_snap_since_the_plan_began_ends_the_routine_at_a_check_in(tmp_path):
    runner, db = CliRunner(), tmp_path / "h.db"
    triage(runner, db)
    flags = [arg for q in KB.questions_for("heel-pain", "checkin") if q.red_flag and q.id != FLAG
             for arg in ("-a", f"{q.id}=no")]
    result = runner.invoke(app, ["checkin", "--json", "--db", str(db), "--date", "2026-03-05", *flags,
                                 "-a", f"{FLAG}=yes", "-a", "progress=same", "-a", "pain_score=4"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["triage_level"] == "emergency" and doc["routine"] == []


def test_the_question_is_asked_for_the_heel_at_triage_and_check_in_and_names_the_sole():
    for stage in ("triage", "checkin"):
        assert FLAG in [q.id for q in KB.questions_for("heel-pain", stage)], stage
    text = KB.questions[FLAG].text
    assert "the sole" in text and "severe pain straight after an injury" in text and text.endswith("is not this.)")
