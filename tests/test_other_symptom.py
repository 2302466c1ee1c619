"""The symptom `other`, a problem the rule base does not cover: a screen of the warning signs that
fit any runner, then whom to see, with no routine. Through the command line only, as a user or a
script meets it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runrehab.commands.run import app

# The screen the symptom promises: cauda equina, cardiac, stroke, a fall or injury with no weight
# bearing, a serious fall or accident, pain with a temperature, a blood clot in the calf and bone
# stress, each with the level its guideline gives. A check-in also asks about a serious fall since
# the last one.
EMERGENCY = ["red_flag_saddle_numbness", "red_flag_bladder", "red_flag_bowel", "red_flag_both_legs_weak",
             "red_flag_chest_pain", "red_flag_stroke_signs", "red_flag_injury_weight_bearing",
             "red_flag_serious_injury", "red_flag_temperature_unwell", "red_flag_clot_breathless"]
URGENT = ["red_flag_calf_clot", "red_flag_bone_pain", "red_flag_chest_pain_eased", "red_flag_faint"]
CHECKIN_ONLY = ["red_flag_serious_injury_since"]  # an emergency too
ORDINARY = {"symptom": "other", "days": 10, "pain_score": 4, "pain_at_rest": "no"}


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Any:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def screen(runner: CliRunner) -> list[dict[str, Any]]:
    questions = run(runner, "questions", "--symptom", "other", "--json")
    return [q for q in questions if q["red_flag"]]


def all_no(runner: CliRunner, **changes: Any) -> dict[str, Any]:
    """What a runner with a sore knee answers: no to every warning sign."""
    return {**ORDINARY, **{q["id"]: "no" for q in screen(runner)}, **changes}


def triage(runner: CliRunner, answers: dict[str, Any], *extra: str) -> dict[str, Any]:
    return run(runner, "triage", "--answers", "-", "--json", "--date", "2026-03-01", *extra, stdin=json.dumps(answers))


def test_symptoms_lists_other_with_what_it_is_for(runner):
    symptoms = {s["id"]: s for s in run(runner, "symptoms", "--json")}
    assert "does not cover" in symptoms["other"]["description"]
    result = runner.invoke(app, ["symptoms"])
    assert result.exit_code == 0 and "Something else" in result.stdout


def test_the_symptom_question_offers_other_with_words_for_people(runner):
    [symptom] = [q for q in run(runner, "questions", "--json") if q["id"] == "symptom"]
    assert "other" in symptom["choices"]
    assert "does not cover" in symptom["labels"]["other"] and "ankle" in symptom["labels"]["other"]


def test_questions_for_other_list_the_screen_emergencies_first(runner):
    flags = screen(runner)
    ids = [q["id"] for q in flags]
    assert set(ids) == set(EMERGENCY + URGENT + CHECKIN_ONLY)
    # The first yes ends the interview: no urgent question may hide an emergency behind it.
    assert max(ids.index(q) for q in EMERGENCY + CHECKIN_ONLY) < min(ids.index(q) for q in URGENT)
    for q in flags:
        assert q["type"] == "yes_no" and q["default"] is None and q["sign"]
        assert "other" in q["symptoms"] and "checkin" in q["stages"]
        assert q["source"]["document"] and q["source"]["quote"]
    # Nothing about exercises: `other` has none to ask about.
    checkin_only = [q["id"] for q in run(runner, "questions", "--symptom", "other", "--json") if q["stages"] == ["checkin"]]
    assert "exercise_pain" not in checkin_only and "morning_after" not in checkin_only


@pytest.mark.parametrize("flag", EMERGENCY + URGENT)
def test_each_warning_sign_answered_yes_gives_help_now_and_no_routine(runner, flag):
    plan = triage(runner, {**ORDINARY, flag: "yes"}, "--no-save")
    assert plan["triage_level"] == ("emergency" if flag in EMERGENCY else "urgent")
    assert plan["red_flags"] == [flag]
    assert plan["routine"] == [] and plan["review_date"] is None
    assert all(r["source"]["quote"] for r in plan["rules"])


def test_a_sore_knee_answering_no_to_everything_is_told_whom_to_see_with_no_routine(runner):
    plan = triage(runner, all_no(runner), "--no-save")
    assert plan["symptom"] == "other" and plan["triage_level"] == "see-clinician"
    assert plan["red_flags"] == [] and plan["routine"] == []
    advice = " ".join(plan["advice"])
    assert "physical therapist" in advice and "sports medicine doctor" in advice
    assert "getting worse" in advice and "walking" in advice
    [rule] = plan["rules"]
    assert rule["id"] == "other-see-clinician"
    assert rule["source"]["document"] == "mpft-msk-soft-tissue" and rule["source"]["quote"]
    # The plan still says which warning signs mean help now, and that getting worse means sooner.
    levels = {e["level"] for e in plan["escalation"]}
    assert {"emergency", "urgent", "see-clinician"} <= levels
    assert "cannot put weight on it" in " ".join(e["if"] for e in plan["escalation"])


def test_the_interview_without_a_terminal_names_the_screen_as_missing(runner):
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--no-save"], input=json.dumps(ORDINARY))
    assert result.exit_code == 2 and result.stdout == ""
    assert "red_flag_injury_weight_bearing" in result.stderr and "red_flag_chest_pain" in result.stderr


def test_a_batch_of_other_cases_beside_a_symptom_with_a_plan(runner):
    answers = {k: v for k, v in all_no(runner).items() if k != "symptom"}
    plan = run(runner, "triage", "-a", "symptom=other", "--answers", "-", "--json", "--no-save",
               stdin=json.dumps(answers))
    assert plan["symptom"] == "other" and plan["triage_level"] == "see-clinician"

    hips = {q["id"]: "no" for q in run(runner, "questions", "--symptom", "tight-itb", "--json") if q["red_flag"]}
    cases = [all_no(runner), {**ORDINARY, "red_flag_injury_weight_bearing": "yes"},
             {**ORDINARY, "red_flag_faint": "yes"}, {**ORDINARY, **hips, "symptom": "tight-itb"}]
    result = runner.invoke(app, ["triage", "--answers", "-", "--json"],
                           input="".join(json.dumps(c) + "\n" for c in cases))
    assert result.exit_code == 0, result.stderr
    plans = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["symptom"] for p in plans] == ["other", "other", "other", "tight-itb"]
    assert [p["triage_level"] for p in plans] == ["see-clinician", "emergency", "urgent", "self-care"]
    assert [p["routine"] == [] for p in plans] == [True, True, True, False]


def test_check_ins_for_other_screen_again_and_keep_whom_to_see(runner, tmp_path: Path):
    db = str(tmp_path / "history.db")
    triage(runner, all_no(runner), "--db", db)
    checkin_answers = {q["id"]: "no" for q in screen(runner)}

    def checkin(date: str, **changes: Any) -> dict[str, Any]:
        answers = {**checkin_answers, "pain_score": 3, **changes}
        return run(runner, "checkin", "--answers", "-", "--json", "--db", db, "--date", date, stdin=json.dumps(answers))

    same = checkin("2026-03-08", progress="same")
    assert same["triage_level"] == "see-clinician" and same["decision"] == "continue" and same["routine"] == []
    assert "physical therapist" in same["message"]
    gone = checkin("2026-03-15", progress="symptom-free", pain_score=0)
    assert gone["triage_level"] == "see-clinician" and "comes back" in gone["message"]
    worse = checkin("2026-03-16", progress="worse", pain_score=6)
    assert worse["decision"] == "stop" and worse["routine"] == []
    fall = checkin("2026-03-17", red_flag_injury_weight_bearing="yes")
    assert fall["triage_level"] == "emergency" and fall["red_flags"] == ["red_flag_injury_weight_bearing"]


@pytest.mark.parametrize("hurt", ["red_flag_serious_injury", "red_flag_temperature_unwell"])
def test_hit_by_a_car_and_still_walking_or_a_hot_joint_with_a_temperature_goes_to_a_and_e(runner, hurt):
    """Bearing weight does not make a serious accident safe, and a temperature with the pain is
    an infection to rule out at once, not the spine's "within a day or two"."""
    plan = triage(runner, all_no(runner, **{hurt: "yes"}), "--no-save")
    assert plan["triage_level"] == "emergency" and plan["red_flags"] == [hurt] and plan["routine"] == []
    said = " ".join([plan["headline"], *plan["advice"]])
    assert "emergency department (A&E) now" in said and "day or two" not in said
    assert {"document": "mpft-msk-soft-tissue", "quote": "Go straight to A&E if:"}.items() <= \
        plan["rules"][0]["source"].items()
    question = run(runner, "questions", "--symptom", "other", "--json")
    assert "red_flag_fever" not in [q["id"] for q in question], "the spinal-infection question is not asked"


def test_a_trip_while_running_can_be_answered_no_and_a_car_cannot(runner):
    questions = {q["id"]: q for q in run(runner, "questions", "--symptom", "other", "--json")}
    for qid in ("red_flag_serious_injury", "red_flag_serious_injury_since"):
        text = questions[qid]["text"]
        assert "fall from a height" in text and "hit by a car" in text and "osteoporosis" in text
        assert "A trip or a twist while running is not this, unless you have osteoporosis" in text
    assert questions["red_flag_serious_injury"]["asked_once"] and not questions["red_flag_serious_injury_since"]["asked_once"]
    assert questions["red_flag_serious_injury_since"]["text"].startswith("Since your last check-in")


def test_a_serious_fall_after_the_plan_began_is_asked_at_the_check_in_and_announced_by_the_plan(runner, tmp_path):
    db = str(tmp_path / "history.db")
    plan = triage(runner, all_no(runner), "--db", db)
    sign = run(runner, "questions", "--symptom", "other", "--json")
    sign = next(q["sign"] for q in sign if q["id"] == "red_flag_serious_injury_since")
    emergency = [e for e in plan["escalation"] if e["level"] == "emergency"]
    assert len(emergency) == 1 and sign in emergency[0]["if"] and emergency[0]["after_days"] == 0
    missing = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--db", db, "--date", "2026-03-06"],
                            input=json.dumps({"progress": "better", "pain_score": 2}))
    assert missing.exit_code == 2 and "red_flag_serious_injury_since" in missing.stderr
    assert "red_flag_serious_injury," not in missing.stderr + ",", "how it started is the triage's answer"
    answers = {q["id"]: "no" for q in screen(runner) if not q["asked_once"]}
    fell = run(runner, "checkin", "--answers", "-", "--json", "--db", db, "--date", "2026-03-06",
               stdin=json.dumps({**answers, "progress": "better", "pain_score": 2, "red_flag_serious_injury_since": "yes"}))
    assert fell["triage_level"] == "emergency" and fell["decision"] == "escalate"
    assert fell["red_flags"] == ["red_flag_serious_injury_since"] and fell["routine"] == []


def test_a_swollen_warm_red_calf_is_screened_at_triage_and_at_every_check_in(runner, tmp_path: Path):
    """A calf or Achilles problem comes under `other`: a clot is asked about as for the back of the
    leg, urgent alone and the emergency with breathlessness or chest pain, never "book a physical
    therapist"."""
    calf = triage(runner, all_no(runner, red_flag_calf_clot="yes"), "--no-save")
    assert (calf["triage_level"], calf["red_flags"], calf["routine"]) == ("urgent", ["red_flag_calf_clot"], [])
    assert "today" in calf["headline"] and "physical therapist" not in calf["headline"]
    lungs = triage(runner, all_no(runner, red_flag_clot_breathless="yes"), "--no-save")
    assert (lungs["triage_level"], lungs["red_flags"]) == ("emergency", ["red_flag_clot_breathless"])

    db = str(tmp_path / "history.db")
    plan = triage(runner, all_no(runner), "--db", db)
    announced = {level: " ".join(e["if"] for e in plan["escalation"] if e["level"] == level)
                 for level in ("emergency", "urgent")}
    assert "calf" in announced["urgent"] and "calf with breathlessness" in announced["emergency"]
    answers = {**{q["id"]: "no" for q in screen(runner)}, "progress": "same", "pain_score": 3,
               "red_flag_calf_clot": "yes"}
    later = run(runner, "checkin", "--answers", "-", "--json", "--db", db, "--date", "2026-03-05",
                stdin=json.dumps(answers))
    assert (later["triage_level"], later["decision"], later["red_flags"]) == ("urgent", "escalate", ["red_flag_calf_clot"])
