"""Falls and blows: how the problem started is asked once, at triage; a hard fall after the plan
began is asked at every check-in, about the time since the last one, at the tier the plan
announces; and a trip on the pavement can be answered no."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.documents.vocabulary import RED_FLAG_LEVELS
from runrehab.engine.evaluate import checkin, triage
from runrehab.engine.interview import complete, parse_answers, pending
from runrehab.rules.loader import load

KB = load()
DAY = dt.date(2026, 3, 1)
SYMPTOMS = list(KB.symptoms)


def raised_by(question: str) -> set[str]:
    """The red-flag rules a yes to `question` fires."""
    return {r.id for r in KB.rules if r.then.level in RED_FLAG_LEVELS and r.when is not None
            and question in [getattr(c, "question", None) for c in [r.when, *getattr(r.when, "any", [])]]}


def since_last_check_in(symptom: str) -> list[str]:
    return [q.id for q in KB.questions_for(symptom, "checkin")
            if q.red_flag and q.text.startswith("Since your last check-in") and "fall" in q.text]


def a_plan(symptom: str):
    return triage(KB, complete(KB, parse_answers(KB, full_answers(KB, symptom))), DAY)


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_every_check_in_asks_about_a_fall_since_the_last_one_and_the_triage_does_not(symptom):
    sinces = since_last_check_in(symptom)
    assert sinces
    for since in sinces:
        assert KB.questions[since].stages == ["checkin"] and not KB.questions[since].asked_once
        assert since in [q.id for q in pending(KB, {}, "checkin", symptom)]
        assert since not in KB.asked(symptom, "triage")


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_how_it_started_has_a_check_in_question_for_since_at_the_same_tier(symptom):
    """What a check-in takes from the triage (a fall before the problem began) cannot come on
    later; a fall since the last check-in can, and raises the rule the triage's question does."""
    once = [q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag and q.asked_once]
    assert once, "each symptom asks how it started"
    sinces = since_last_check_in(symptom)
    for question in once:  # each way it can start (a hard fall; a twisted knee) has its "since"
        assert any(raised_by(question) == raised_by(since) for since in sinces), (question, sinces)


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_a_hard_fall_on_day_5_of_a_plan_going_better_is_not_continue(runner, tmp_path, symptom):
    db = str(tmp_path / "h.db")
    made = runner.invoke(app, ["triage", "--answers", "-", "--json", "--db", db, "--date", DAY.isoformat()],
                         input=json.dumps(full_answers(KB, symptom)))
    assert made.exit_code == 0, made.stderr
    plan = json.loads(made.stdout)
    since = since_last_check_in(symptom)[0]
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag and not q.asked_once}
    well = {**flags, "progress": "better", "pain_score": 2}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--db", db, "--date", "2026-03-06"],
                           input=json.dumps({**well, since: "yes"}))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    [rule] = raised_by(since)
    level = next(r.then.level for r in KB.rules if r.id == rule)
    assert (doc["decision"], doc["triage_level"], doc["red_flags"], doc["routine"]) == ("escalate", level, [since], [])
    # the plan said so beforehand, in the same words and at the same level
    [entry] = [e for e in plan["escalation"] if rule in e["rules"]]
    assert entry["level"] == level and KB.questions[since].sign in entry["if"] and entry["after_days"] == 0


def test_the_check_in_at_a_terminal_asks_about_a_fall_since_the_last_one(runner, tmp_path):
    db = str(tmp_path / "h.db")
    made = runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", DAY.isoformat()],
                         input=json.dumps(full_answers(KB, "posterior-leg-pain")))
    assert made.exit_code == 0, made.stderr
    asked = [q for q in KB.questions_for("posterior-leg-pain", "checkin") if q.red_flag and not q.asked_once]
    [since] = since_last_check_in("posterior-leg-pain")
    typed = "".join("y\n" if q.id == since else "n\n" for q in asked)
    result = runner.invoke(app, ["checkin", "--interactive", "--db", db, "--date", "2026-03-06"], input=typed)
    assert result.exit_code == 0, result.stderr
    assert "Since your last check-in" in result.stderr and "Did this start after" not in result.stderr
    assert "Urgent" in result.stdout


def test_a_fall_before_the_problem_began_still_decides_every_check_in():
    """A yes to how it started (at triage) is carried to every check-in, which never asks it."""
    plan = triage(KB, complete(KB, parse_answers(KB, full_answers(KB, "tight-itb", red_flag_trauma="yes"))), DAY)
    assert plan.triage_level == "urgent"
    doc = checkin(KB, plan, complete(KB, {"red_flag_trauma": True}, "checkin", "tight-itb"), DAY + dt.timedelta(days=2))
    assert doc.decision == "escalate" and doc.red_flags == ["red_flag_trauma"]


# ------------------------------------------------------------------ a trip is not major trauma


@pytest.mark.parametrize("flag", ["red_flag_trauma", "red_flag_hard_fall_since"])
def test_a_trip_on_the_pavement_can_be_answered_no_unless_the_bones_are_thin(flag):
    """The guideline: "major trauma or minor trauma in people with osteoporosis or in those taking
    corticosteroids". Any fall is not this."""
    question = KB.questions[flag]
    assert question.source.quote == ("sudden onset of back pain associated with major trauma or minor trauma in "
                                     "people with osteoporosis or in those taking corticosteroids")
    assert "a hard fall or a collision" in question.text and "fall from a height" in question.text
    assert "A trip or a slip on the pavement is not this, unless you have osteoporosis or take steroid tablets" \
        in question.text
    assert "a fall, a collision or a hard blow" not in question.text
    assert "hard fall or a collision" in question.sign


def test_a_plan_announces_a_hard_fall_not_any_fall():
    plan = a_plan("posterior-leg-pain")
    said = " ".join(e.if_ for e in plan.escalation)
    assert "a hard fall or a collision" in said and "after a fall, a collision or a hard blow" not in said


@pytest.mark.parametrize("symptom", ["tight-itb", "front-knee"])
def test_a_plan_made_before_a_how_it_started_question_existed_is_asked_it_at_its_check_in(runner, tmp_path, symptom):
    """A plan whose triage never asked how the problem started (made before the question entered
    the rule base) has no answer to carry over: the check-in asks it rather than counting it no."""
    once = [q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag and q.asked_once][-1]
    old, new = str(tmp_path / "old.db"), str(tmp_path / "new.db")
    made = runner.invoke(app, ["triage", "--answers", "-", "--db", old, "--date", DAY.isoformat()],
                         input=json.dumps(full_answers(KB, symptom)))
    assert made.exit_code == 0, made.stderr

    def without(value):
        if isinstance(value, dict):
            return {k: without(v) for k, v in value.items() if k != once}
        return [without(v) for v in value] if isinstance(value, list) else value

    exported = json.loads(runner.invoke(app, ["export", "--db", old]).stdout)
    (tmp_path / "old.json").write_text(json.dumps(without(exported)), encoding="utf-8")
    assert runner.invoke(app, ["import", str(tmp_path / "old.json"), "--db", new]).exit_code == 0
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag and not q.asked_once}
    well = {**flags, "progress": "better", "pain_score": 2}
    args = ["checkin", "--answers", "-", "--json", "--db", new, "--date", "2026-03-06"]
    refused = runner.invoke(app, args, input=json.dumps(well))
    assert refused.exit_code == 2 and once in refused.stderr, refused.stderr
    result = runner.invoke(app, args, input=json.dumps({**well, once: "yes"}))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["red_flags"] == [once] and doc["triage_level"] in RED_FLAG_LEVELS and doc["routine"] == []
    # the plan that had it carries its answer over, and is not asked again
    carried = runner.invoke(app, [*args[:-4], "--db", old, "--date", "2026-03-06"], input=json.dumps(well))
    assert carried.exit_code == 0, carried.stderr
