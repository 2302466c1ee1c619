"""Check-in decisions by plain calls to the engine, pinned at the day boundaries."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import full_answers
from runrehab.engine import checkin, triage
from runrehab.interview import carried_over, complete, parse_answers
from runrehab.kb import load

KB = load()
START = dt.date(2026, 3, 1)
PROGRESS = ["symptom-free", "much-better", "better", "same", "worse"]


def make_plan(symptom="tight-itb", **changes):
    changes.setdefault("days", 0)
    return triage(KB, complete(KB, parse_answers(KB, full_answers(KB, symptom, **changes))), START)


def check(plan, day, **answers):
    given = {"progress": "same", "pain_score": 3, **{q.id: "no" for q in KB.questions_for(plan.symptom, "checkin") if q.red_flag}}
    given.update(answers)
    final = complete(KB, carried_over(KB, plan.answers, parse_answers(KB, given)), "checkin", plan.symptom)
    return checkin(KB, plan, final, START + dt.timedelta(days=day))


@pytest.mark.parametrize(("day", "progress", "decision", "level"), [
    (6, "same", "continue", "self-care"), (7, "same", "escalate", "see-clinician"), (8, "same", "escalate", "see-clinician"),
    (6, "better", "continue", "self-care"), (7, "better", "escalate", "see-clinician"), (8, "better", "escalate", "see-clinician"),
    (6, "much-better", "continue", "self-care"), (7, "much-better", "continue", "self-care"),
    (8, "much-better", "continue", "self-care"),
    (6, "worse", "stop", "see-clinician"), (7, "worse", "stop", "see-clinician"), (8, "worse", "stop", "see-clinician"),
    (6, "symptom-free", "progress", "self-care"), (7, "symptom-free", "progress", "self-care"),
])
def test_the_one_week_escalation_by_the_calendar(day, progress, decision, level):
    doc = check(make_plan(), day, progress=progress)
    assert (doc.day, doc.decision, doc.triage_level) == (day, decision, level)


@pytest.mark.parametrize(("day", "decision"), [(13, "continue"), (14, "continue"), (15, "escalate")])
def test_pain_at_rest_for_more_than_two_weeks_escalates(day, decision):
    doc = check(make_plan("posterior-leg-pain", pain_at_rest="yes"), day, progress="much-better")
    assert doc.decision == decision
    assert ("checkin-rest-pain-two-weeks" in {r.id for r in doc.rules}) == (decision == "escalate")


def test_pain_at_rest_counts_from_onset_not_from_the_plan():
    plan = make_plan("posterior-leg-pain", pain_at_rest="yes", days=10)  # started 10 days before the plan
    assert check(plan, 4, progress="much-better").decision == "continue"
    assert check(plan, 5, progress="much-better").decision == "escalate"


@pytest.mark.parametrize("progress", PROGRESS)
def test_every_progress_value_gives_a_decision_and_a_sourced_rule(progress):
    for day in (0, 3, 7, 14, 60):
        doc = check(make_plan(), day, progress=progress)
        assert doc.decision in ("continue", "progress", "escalate", "stop")
        assert doc.rules and all(r.source.quote for r in doc.rules)


def test_worse_stops_with_an_empty_routine():
    doc = check(make_plan(), 3, progress="worse")
    assert doc.routine == [] and doc.next_review is None
    assert "see a physical therapist or doctor" in doc.message


@pytest.mark.parametrize(("symptom", "upkeep"), [("tight-itb", ["glute-bridge", "clamshell"]),
                                                 ("posterior-leg-pain", ["glute-bridge", "clamshell"]),
                                                 ("hand-tingling", [])])
def test_symptom_free_steps_down_to_upkeep(symptom, upkeep):
    doc = check(make_plan(symptom), 10, progress="symptom-free")
    assert doc.decision == "progress" and [i.exercise for i in doc.routine] == upkeep


def test_symptom_free_on_the_leg_says_back_to_strength_training():
    assert any("strength training" in a for a in check(make_plan("posterior-leg-pain"), 10, progress="symptom-free").advice)


def test_a_red_flag_at_a_check_in_escalates_with_no_routine():
    doc = check(make_plan("hand-tingling"), 3, progress="much-better", red_flag_stroke_signs="yes")
    assert (doc.triage_level, doc.decision, doc.routine) == ("emergency", "escalate", [])


def test_pain_monitoring_moves_doses_to_the_low_end_when_the_morning_is_worse():
    doc = check(make_plan(), 3, progress="better", morning_after="worse")
    bridge = next(i for i in doc.routine if i.exercise == "glute-bridge")
    assert (bridge.dose.sets.min, bridge.dose.sets.max, bridge.dose.reps.max) == (4, 4, 5)


def test_pain_monitoring_moves_doses_to_the_top_when_the_pain_is_gone():
    doc = check(make_plan(), 3, progress="much-better", morning_after="gone", exercise_pain=3)
    bridge = next(i for i in doc.routine if i.exercise == "glute-bridge")
    assert (bridge.dose.sets.min, bridge.dose.reps.min) == (7, 12)


def test_exercise_pain_above_five_means_less_even_if_the_morning_was_fine():
    doc = check(make_plan(), 3, progress="better", morning_after="gone", exercise_pain=6)
    bridge = next(i for i in doc.routine if i.exercise == "glute-bridge")
    assert bridge.dose.sets.max == 4


def test_continue_before_the_week_keeps_the_plans_review_date():
    plan = make_plan()
    assert check(plan, 3, progress="better").next_review == plan.review_date


def test_a_check_in_before_the_plan_date_is_refused():
    with pytest.raises(ValueError, match="before the plan"):
        check(make_plan(), -1)
