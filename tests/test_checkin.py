"""Check-in decisions by plain calls to the engine, pinned at the day boundaries."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import full_answers

from runrehab.engine.evaluate import checkin, triage
from runrehab.engine.interview import carried_over, complete, parse_answers
from runrehab.engine.progression import before_checkin
from runrehab.rules.loader import load

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


@pytest.mark.parametrize(("day", "decision"), [(6, "continue"), (7, "continue"), (8, "escalate")])
def test_pain_at_rest_for_more_than_a_week_escalates(day, decision):
    doc = check(make_plan("posterior-leg-pain", pain_at_rest="yes"), day, progress="much-better")
    assert doc.decision == decision
    assert ("checkin-rest-pain-over-a-week" in {r.id for r in doc.rules}) == (decision == "escalate")


def test_pain_at_rest_counts_from_onset_not_from_the_plan():
    plan = make_plan("posterior-leg-pain", pain_at_rest="yes", days=5)  # started 5 days before the plan
    assert check(plan, 2, progress="much-better").decision == "continue"
    assert check(plan, 3, progress="much-better").decision == "escalate"


@pytest.mark.parametrize("days", [6, 7, 8, 9])
def test_one_rest_pain_threshold_in_triage_plan_and_check_in(days):
    """More than seven days of pain at rest: the triage refers, the plan announces it from the day
    it will be true, and the check-in on that day refers."""
    plan = make_plan("posterior-leg-pain", pain_at_rest="yes", days=days)
    assert (plan.triage_level == "see-clinician") == (days > 7)
    [entry] = [e for e in plan.escalation if "checkin-rest-pain-over-a-week" in e.rules]
    assert entry.after_days == max(8 - days, 0) and entry.level == "see-clinician"
    assert check(plan, entry.after_days, progress="much-better", pain_at_rest="yes").decision == "escalate"
    if entry.after_days:
        assert check(plan, entry.after_days - 1, progress="much-better", pain_at_rest="yes").decision == "continue"


def test_the_expert_thread_follow_up_replayed_continues_the_stretching():
    """"I must say that I am feeling significantly better ... If the ITB wasn't so stiff in the
    morning I would say mission accomplished ... 4-6 weeks": the expert answers "Continue the stretching"."""
    plan = make_plan("tight-itb", days=14, pain_score=4)
    doc = check(plan, 42, progress="much-better", pain_score=2, pain_at_rest="yes")
    assert (doc.decision, doc.triage_level) == ("continue", "self-care")
    assert {"figure-four-stretch", "cross-body-leg-stretch"} <= {i.exercise for i in doc.routine}
    assert any("Continue the stretching" in a for a in doc.advice)
    assert "checkin-continue-the-stretching" in {r.id for r in doc.rules}


@pytest.mark.parametrize(("day", "progress", "decision"), [
    (7, "better", "continue"), (7, "much-better", "continue"), (30, "better", "continue"),
    (6, "same", "continue"), (7, "same", "escalate"), (3, "worse", "stop")])
def test_the_first_rib_mobilization_improving_is_not_a_referral(day, progress, decision):
    doc = check(make_plan("hand-tingling"), day, progress=progress, pain_score=0)
    assert doc.decision == decision


@pytest.mark.parametrize(("day", "progress"), [(21, "better"), (21, "much-better"), (13, "same")])
def test_the_back_of_the_leg_keeps_going_while_it_improves_without_rest_pain(day, progress):
    doc = check(make_plan("posterior-leg-pain"), day, progress=progress)
    assert (doc.decision, doc.triage_level) == ("continue", "self-care")


@pytest.mark.parametrize("day", [14, 35, 60])
def test_the_back_of_the_leg_no_better_after_two_weeks_is_referred_as_the_plan_announced(day):
    plan = make_plan("posterior-leg-pain")
    doc = check(plan, day, progress="same")
    assert (doc.decision, doc.triage_level) == ("escalate", "see-clinician")
    assert doc.routine == [] and "physical therapist" in doc.message
    [announced] = [e for e in plan.escalation if "checkin-leg-not-improving" in e.rules]
    assert (announced.after_days, announced.level) == (14, "see-clinician")


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


@pytest.mark.parametrize(("symptom", "upkeep"), [
    ("tight-itb", ["glute-bridge", "clamshell", "figure-four-stretch", "cross-body-leg-stretch"]),
    ("posterior-leg-pain", ["glute-bridge", "piriformis-stretch", "glute-external-rotator-stretch"]),
    ("hand-tingling", [])])
def test_symptom_free_steps_down_to_upkeep(symptom, upkeep):
    doc = check(make_plan(symptom), 10, progress="symptom-free")
    assert doc.decision == "progress" and [i.exercise for i in doc.routine] == upkeep


def test_upkeep_for_the_hips_keeps_the_stretching_and_the_experts_dose():
    doc = check(make_plan(), 14, progress="symptom-free")
    assert any("Continue the stretching" in a for a in doc.advice)
    for ex in ("glute-bridge", "clamshell"):
        dose = next(i for i in doc.routine if i.exercise == ex).dose
        assert (dose.sets.min, dose.sets.max, dose.reps.min, dose.reps.max) == (4, 7, 5, 12)
        assert dose.frequency is None  # the expert gave none for upkeep


def test_symptom_free_on_the_leg_says_back_to_strength_training():
    assert any("strength training" in a for a in check(make_plan("posterior-leg-pain"), 10, progress="symptom-free").advice)


def test_a_red_flag_at_a_check_in_escalates_with_no_routine():
    doc = check(make_plan("hand-tingling"), 3, progress="much-better", red_flag_stroke_signs="yes")
    assert (doc.triage_level, doc.decision, doc.routine) == ("emergency", "escalate", [])


def bridge(doc):
    dose = next(i for i in doc.routine if i.exercise == "glute-bridge").dose
    return (dose.sets.min, dose.sets.max), (dose.reps.min, dose.reps.max)


def series(plan, *steps, **options):
    """Check-ins one after another, each after what the earlier ones tell it, as tracking makes
    them: (day, answers) pairs; the documents, oldest first."""
    docs = []
    for day, answers in steps:
        given = {"progress": "better", "pain_score": 3,
                 **{q.id: "no" for q in KB.questions_for(plan.symptom, "checkin") if q.red_flag}, **answers}
        final = complete(KB, carried_over(KB, plan.answers, parse_answers(KB, given)), "checkin", plan.symptom)
        date = START + dt.timedelta(days=day)
        docs.append(checkin(KB, plan, final, date, before=before_checkin(plan, docs, date), **options))
    return docs


GOOD = {"progress": "much-better", "morning_after": "gone", "exercise_pain": 2}


def test_pain_gone_adds_two_repetitions_at_the_bottom_not_the_whole_range():
    assert bridge(check(make_plan(), 3, progress="much-better", morning_after="gone", exercise_pain=3)) == ((4, 7), (7, 12))


def test_each_check_in_steps_from_the_latest_prescription():
    docs = series(make_plan(), *[(day, GOOD) for day in range(1, 6)])
    assert [bridge(d) for d in docs] == [((4, 7), (7, 12)), ((4, 7), (9, 12)), ((4, 7), (11, 12)), ((4, 7), (12, 12)),
                                         ((5, 7), (12, 12))]


def test_a_step_down_lowers_what_the_runner_does_mirroring_the_step_up():
    docs = series(make_plan(), *[(day, GOOD) for day in range(1, 6)], (6, {"morning_after": "worse"}),
                  (7, {"progress": "much-better", "exercise_pain": 6}))
    assert [bridge(d) for d in docs[-3:]] == [((5, 7), (12, 12)), ((4, 7), (12, 12)), ((4, 7), (10, 12))]
    assert [d.decision for d in docs[-2:]] == ["continue", "continue"]


def test_at_the_top_pain_above_five_and_a_worse_morning_bring_the_dose_down():
    """At 7 x 12, after good check-ins, 8/10 during and worse the next morning: not 7 x 12 again."""
    docs = series(make_plan(), *[(day, GOOD) for day in range(1, 8)])
    assert bridge(docs[-1]) == ((7, 7), (12, 12))
    [after] = series(make_plan(), *[(day, GOOD) for day in range(1, 8)],
                     (8, {"progress": "much-better", "exercise_pain": 8, "morning_after": "worse"}))[-1:]
    assert after.decision == "continue" and bridge(after) == ((6, 7), (12, 12))


def test_pain_above_five_at_the_lowest_dose_stops_as_the_plan_said():
    plan = make_plan()
    doc = check(plan, 3, progress="better", morning_after="gone", exercise_pain=6)
    assert (doc.decision, doc.triage_level, doc.routine) == ("stop", "see-clinician", [])
    [announced] = [e for e in plan.escalation if "checkin-pain-monitoring-lowest-dose" in e.rules]
    assert announced.after_days == 0 and "above 5 out of 10" in announced.if_


def test_worse_the_next_morning_two_check_ins_running_stops_as_the_plan_said():
    plan = make_plan()
    once = series(plan, (3, {"morning_after": "worse"}))
    assert once[-1].decision == "continue"
    twice = series(plan, (3, {"morning_after": "worse"}), (3, {"morning_after": "worse"}))
    assert twice[-1].decision == "continue", "the same morning told twice is one morning"
    running = series(plan, (3, {"morning_after": "worse"}), (4, {"morning_after": "worse"}))
    assert (running[-1].decision, running[-1].routine) == ("stop", [])
    assert any("checkin-worse-two-mornings" in e.rules for e in plan.escalation)


def test_several_check_ins_on_one_day_climb_one_step_at_most_and_none_on_day_0():
    plan = make_plan()
    assert [bridge(d) for d in series(plan, *[(0, GOOD)] * 6)] == [((4, 7), (5, 12))] * 6
    assert [bridge(d) for d in series(plan, *[(2, GOOD)] * 6)] == [((4, 7), (7, 12))] * 6
    mixed = series(plan, (1, GOOD), (2, GOOD), (2, {"morning_after": "worse"}), (2, GOOD), (2, {}))
    assert [bridge(d) for d in mixed] == [((4, 7), (7, 12)), ((4, 7), (9, 12)), ((4, 7), (5, 12)),
                                          ((4, 7), (5, 12)), ((4, 7), (5, 12))]


@pytest.mark.parametrize("symptom", ["posterior-leg-pain", "hand-tingling"])
def test_nerve_symptoms_stop_what_brings_them_on_instead_of_pain_monitoring(symptom):
    plan = make_plan(symptom)
    assert "pain-monitoring" not in {r.id for r in plan.rules}
    assert not any("5 out of 10" in a for a in plan.advice + plan.stop_if)
    assert any("stop that exercise" in s for s in plan.stop_if)
    assert "silbernagel-2007" not in {r.source.document for r in plan.rules}
    doc = check(plan, 3, progress="same", exercise_pain=3)
    assert "checkin-symptoms-during-exercise" in {r.id for r in doc.rules}
    assert any("Stop any exercise that brings on" in a for a in doc.advice)


def test_pain_monitoring_is_for_the_hips():
    plan = make_plan("tight-itb")
    assert "pain-monitoring" in {r.id for r in plan.rules}
    doc = check(plan, 3, progress="same", exercise_pain=3)
    assert bridge(doc) == ((4, 7), (5, 12))  # 3/10 is acceptable in the pain-monitoring model


def test_continue_before_the_week_keeps_the_plans_review_date():
    plan = make_plan()
    assert check(plan, 3, progress="better").next_review == plan.review_date


def test_a_check_in_before_the_plan_date_is_refused():
    with pytest.raises(ValueError, match="before the plan"):
        check(make_plan(), -1)


def test_after_a_warning_sign_nothing_speaks_of_a_routine_until_a_clinician_clears_it():
    plan = make_plan()
    warned = series(plan, (1, GOOD), (2, GOOD), (3, {"red_flag_bladder": "yes"}))
    safe = docs_routine = warned[1].routine
    later = series(plan, (1, GOOD), (2, GOOD), (3, {"red_flag_bladder": "yes"}), (5, {"progress": "much-better"}))[-1]
    assert (later.decision, later.triage_level, later.routine) == ("escalate", warned[-1].triage_level, [])
    assert "until a clinician has seen you" in later.message and "continue the stretching" not in later.message
    assert later.red_flags == [] and later.advice == warned[-1].advice and later.escalation == []
    cleared = series(plan, (1, GOOD), (2, GOOD), (3, {"red_flag_bladder": "yes"}), (5, {"progress": "much-better"}),
                     (9, {"progress": "much-better", "cleared_by_clinician": "yes"}))
    back = cleared[-1]
    assert (back.decision, back.triage_level) == ("continue", "self-care")
    assert back.routine == safe, "back at the last dose done safely, not a step on"
    assert back.message.startswith(f"A clinician has cleared you to carry on after the warning sign of {warned[-1].date}")
    assert docs_routine == safe


def test_a_clearance_keeps_what_the_clinician_said_and_never_outranks_a_warning_sign_now():
    plan = make_plan("posterior-leg-pain")
    steps = [(3, {"red_flag_bladder": "yes"}), (6, {"cleared_by_clinician": "yes"})]
    kept = series(plan, *steps, keep=["glute-bridge", "piriformis-stretch"])[-1]
    assert [i.exercise for i in kept.routine] == ["glute-bridge", "piriformis-stretch"]
    assert "as much of it as the clinician said to keep" in kept.message
    again = series(plan, steps[0], (6, {"cleared_by_clinician": "yes", "red_flag_bladder": "yes"}))[-1]
    assert again.triage_level in ("emergency", "urgent") and again.routine == [] and again.red_flags
    still = series(plan, steps[0], (6, {"cleared_by_clinician": "yes", "red_flag_bladder": "yes"}), (8, {}))[-1]
    assert still.routine == [] and still.decision == "escalate", "the sign answered yes with the clearance waits again"


def test_an_exercise_that_brought_on_symptoms_is_left_out_of_the_routine():
    plan = make_plan("posterior-leg-pain")
    docs = series(plan, (3, {"exercise_pain": 3}), (5, {"exercise_pain": 0}), left_out=["piriformis-stretch"])
    assert "piriformis-stretch" not in [i.exercise for i in docs[0].routine]
    assert any("Left out of the routine" in a and "stretch" in a.lower() for a in docs[0].advice)
    assert len(docs[0].routine) == len(plan.routine) - 1
    assert "piriformis-stretch" not in [i.exercise for i in docs[1].routine], "it stays out at the next check-in"


def test_a_plan_that_began_with_a_warning_sign_waits_for_a_clinician_and_has_no_routine_to_bring_back():
    plan = make_plan("tight-itb", red_flag_bladder="yes")
    assert plan.routine == []
    waiting = series(plan, (3, {"progress": "much-better"}))[-1]
    assert (waiting.decision, waiting.triage_level, waiting.routine) == ("escalate", plan.triage_level, [])
    assert "until a clinician has seen you" in waiting.message and "stretching" not in waiting.message
    cleared = series(plan, (3, {"progress": "much-better", "cleared_by_clinician": "yes"}))[-1]
    assert cleared.routine == [] and "run `runrehab triage` again" in cleared.message
    assert "stretching" not in cleared.message


def test_a_milder_warning_sign_later_never_softens_a_graver_one_still_waiting():
    """An emergency no clinician has seen stands at a later check-in that finds only an urgent
    sign: the level, the advice and the date named stay the emergency's; the later sign is kept."""
    plan = make_plan()
    emergency, milder, after = series(plan, (1, {"red_flag_saddle_numbness": "yes"}), (2, {"red_flag_fever": "yes"}),
                                      (3, {"progress": "much-better"}))
    assert emergency.triage_level == "emergency"
    assert (milder.triage_level, milder.decision, milder.routine) == ("emergency", "escalate", [])
    assert milder.red_flags == ["red_flag_fever"] and milder.advice == emergency.advice
    assert f"warning sign of {emergency.date}" in milder.message
    assert (after.triage_level, after.routine) == ("emergency", [])
    assert f"warning sign of {emergency.date}" in after.message
    graver = series(plan, (1, {"red_flag_fever": "yes"}), (2, {"red_flag_saddle_numbness": "yes"}),
                    (3, {"progress": "much-better"}))
    assert [d.triage_level for d in graver] == ["urgent", "emergency", "emergency"]
    assert f"warning sign of {graver[1].date}" in graver[2].message


def test_pain_above_five_again_the_same_day_at_the_lowest_dose_stops_as_the_plan_said():
    """A dose brought down to the source's lowest by a check-in is the lowest for a second one the
    same day: pain above 5/10 again stops, as the plan announced, rather than going on."""
    plan = make_plan()
    up, down, again = series(plan, (1, GOOD), (2, {"exercise_pain": 7}), (2, {"exercise_pain": 7}))
    assert bridge(up)[1][0] > bridge(down)[1][0] == 5
    assert (again.decision, again.triage_level, again.routine) == ("stop", "see-clinician", [])
    assert "checkin-pain-monitoring-lowest-dose" in [r.id for r in again.rules]
