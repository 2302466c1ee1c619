"""The running injuries' open clinical points, settled on quotes found word for word: compartment
pain on runs with numbness or weakness is urgent, the run pattern alone books a doctor; Achilles
pain that affects sleep sends to the GP, at triage and check-in, and the plan says so first; heel
pain with diabetes sees a GP; a past cancer or weight loss with knee or shin pain has advice about
the bone, not the back; the Achilles load rises as the programme says; the heel's session keeps its
cautious pain limit and the plan says why and what to do."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import full_answers
from test_knee_shin import checkin
from runrehab.commands.run import app
from runrehab.engine.sessions import pain_limit
from runrehab.rules.loader import load

KB = load()


@pytest.fixture
def runner():
    return CliRunner(env={"COLUMNS": "200"})


def triage(runner, db, symptom, **answers):
    result = runner.invoke(app, ["triage", "--json", "--answers", "-", "--db", str(db), "--date", "2026-03-01"],
                           input=json.dumps(full_answers(KB, symptom, days=30, pain_score=4, **answers)))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def fired(doc):
    return [r["id"] for r in doc["rules"]]


# ------------------------------------------------------------------ the shin: compartment pain


def test_numbness_or_weakness_with_pain_on_runs_is_urgent_today(runner, tmp_path):
    flag = "red_flag_shin_compartment_nerve"
    plan = triage(runner, tmp_path / "h.db", "shin", **{flag: "yes"})
    assert plan["triage_level"] == "urgent" and plan["routine"] == [] and flag in plan["red_flags"]
    assert plan["headline"].startswith("Urgent: stop running and talk to a doctor today")
    db = tmp_path / "h2.db"
    assert triage(runner, db, "shin")["triage_level"] == "self-care"
    doc = checkin(runner, db, "shin", "2026-03-04", progress="same", pain_score=4, **{flag: "yes"})
    assert doc["triage_level"] == "urgent" and doc["decision"] == "escalate" and doc["routine"] == []


def test_the_run_pattern_alone_books_a_doctor_without_a_warning_sign(runner, tmp_path):
    plan = triage(runner, tmp_path / "h.db", "shin", shin_compartment_on_runs="yes")
    assert plan["triage_level"] == "see-clinician" and plan["red_flags"] == []
    assert "numb" not in plan["headline"]  # the numbness belongs to the urgent sign


def test_both_compartment_questions_name_ordinary_shin_splints_as_not_this():
    pattern = KB.questions["shin_compartment_on_runs"].text
    assert "Shin splints" in pattern and pattern.endswith("is not this.)")
    assert "numb" not in pattern  # the pattern alone, so that a yes is not also the nerve sign
    nerve = KB.questions["red_flag_shin_compartment_nerve"].text
    assert "no numbness, tingling or weakness is not this" in nerve
    for stage in ("triage", "checkin"):
        assert "red_flag_shin_compartment_nerve" in [q.id for q in KB.questions_for("shin", stage)]


# ------------------------------------------------------------------ the Achilles: pain affecting sleep


def test_achilles_pain_that_affects_sleep_sends_to_the_gp_at_triage(runner, tmp_path):
    plan = triage(runner, tmp_path / "h.db", "achilles", heel_spot="above-heel", achilles_pain_affects_sleep="yes")
    assert plan["triage_level"] == "see-clinician" and plan["headline"].startswith("See your GP")
    assert "achilles-pain-affects-sleep" in fired(plan)


def test_achilles_pain_that_affects_sleep_sends_to_the_gp_at_a_check_in_as_the_plan_announced(runner, tmp_path):
    db = tmp_path / "h.db"
    plan = triage(runner, db, "achilles", heel_spot="above-heel")
    assert plan["triage_level"] == "self-care"
    assert "achilles_pain_affects_sleep" in [q.id for q in KB.questions_for("achilles", "checkin")]
    announced = [e for e in plan["escalation"] if "achilles-pain-affects-sleep" in e["rules"]]
    assert announced and announced[0]["level"] == "see-clinician", plan["escalation"]
    doc = checkin(runner, db, "achilles", "2026-03-05", progress="same", pain_score=6,
                  achilles_pain_affects_sleep="yes")
    assert doc["triage_level"] == "see-clinician" and doc["decision"] == "escalate"
    assert "achilles-pain-affects-sleep" in fired(doc)


def test_the_achilles_load_rises_by_the_programmes_5_kg_a_week(runner, tmp_path):
    db = tmp_path / "h.db"
    triage(runner, db, "achilles", heel_spot="above-heel")
    doc = checkin(runner, db, "achilles", "2026-03-15", progress="better", pain_score=1, exercise_pain=0,
                  morning_after="gone")
    assert any("5 kg more each week, up to 60 kg" in a for a in doc["advice"]), doc["advice"]


# ------------------------------------------------------------------ the heel: diabetes, the session's limit


def test_heel_pain_with_diabetes_sees_a_gp(runner, tmp_path):
    plan = triage(runner, tmp_path / "h.db", "heel-pain", heel_diabetes="yes")
    assert plan["triage_level"] == "see-clinician" and "heel-pain-diabetes" in fired(plan)
    plain = triage(runner, tmp_path / "h2.db", "heel-pain")
    assert plain["triage_level"] == "self-care"


def test_the_heel_session_stops_at_any_pain_and_the_plan_says_why_and_what_next(runner, tmp_path):
    assert pain_limit(KB, "heel-pain") == 0  # no heel source gives a score; none is borrowed
    db = tmp_path / "h.db"
    plan = triage(runner, db, "heel-pain")
    assert any("No source on the heel gives a pain score to stop at" in a for a in plan["advice"])
    session = json.loads(runner.invoke(app, ["session", "--json", "--db", str(db), "--date", "2026-03-01"]).stdout)
    assert session["pain_limit"] == 0
    assert any("If the heel is no worse the next day, do it in full next time" in s for s in session["stop_if"])


# ------------------------------------------------------------------ a past cancer: the bone, not the back


@pytest.mark.parametrize("symptom", ["front-knee", "outside-knee", "shin"])
def test_a_past_cancer_with_knee_or_shin_pain_gets_advice_about_the_bone(runner, tmp_path, symptom):
    plan = triage(runner, tmp_path / "h.db", symptom, red_flag_cancer_or_weight_loss="yes")
    assert plan["triage_level"] == "urgent" and plan["routine"] == []
    assert "red-flag-limb-serious" in fired(plan) and "red-flag-serious-spinal" not in fired(plan)
    assert "back" not in " ".join([plan["headline"], *plan["advice"]]).lower()


def test_a_past_cancer_with_back_of_the_leg_pain_keeps_the_back_advice(runner, tmp_path):
    plan = triage(runner, tmp_path / "h.db", "posterior-leg-pain", red_flag_cancer_or_weight_loss="yes")
    assert plan["triage_level"] == "urgent"
    assert "red-flag-serious-spinal" in fired(plan) and "red-flag-limb-serious" not in fired(plan)
