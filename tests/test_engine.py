"""The engine by plain function calls: answers in, plan out."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import full_answers, red_flag_cases

from runrehab.documents.kinds import Plan
from runrehab.documents.vocabulary import LEVELS
from runrehab.engine.evaluate import stepped, triage
from runrehab.engine.interview import complete, parse_answers
from runrehab.rules.loader import load
from runrehab.schemas import validated

KB = load()
DAY = dt.date(2026, 3, 1)


def plan_for(symptom: str, **changes) -> Plan:
    return triage(KB, complete(KB, parse_answers(KB, full_answers(KB, symptom, **changes))), DAY)


def item(plan: Plan, exercise: str):
    return next(i for i in plan.routine if i.exercise == exercise)


def span(r):
    return None if r is None else (r.min, r.max)


@pytest.mark.parametrize(("symptom", "flag"), red_flag_cases(KB))
def test_any_red_flag_gives_emergency_or_urgent_and_no_routine(symptom, flag):
    plan = plan_for(symptom, **{flag: "yes"})
    assert plan.triage_level in ("emergency", "urgent")
    assert plan.routine == []
    assert plan.red_flags == [flag]
    assert plan.review_date is None


@pytest.mark.parametrize("flag", ["red_flag_saddle_numbness", "red_flag_bladder", "red_flag_bowel",
                                  "red_flag_both_legs", "red_flag_both_legs_weak"])
def test_cauda_equina_signs_are_an_emergency(flag):
    assert plan_for("posterior-leg-pain", **{flag: "yes"}).triage_level == "emergency"


@pytest.mark.parametrize("symptom", ["posterior-leg-pain", "tight-itb"])
def test_sexual_dysfunction_alone_is_urgent_and_with_a_saddle_sign_the_emergency(symptom):
    # GIRFT: low back pain with sexual dysfunction as the only other feature is unlikely to be CES
    alone = plan_for(symptom, red_flag_sexual_dysfunction="yes")
    assert alone.triage_level == "urgent" and alone.routine == []
    assert alone.headline.startswith("Urgent:") and "day or two" in alone.headline
    assert "emergency" in " ".join(alone.advice)  # what turns it into the emergency is said
    both = plan_for(symptom, red_flag_sexual_dysfunction="yes", red_flag_saddle_numbness="yes")
    assert both.triage_level == "emergency"
    question = KB.questions["red_flag_sexual_dysfunction"]
    assert "genital sensation" not in question.text and "saddle area" in question.text
    assert "numbness" not in question.sign


def test_one_weak_leg_is_urgent_with_its_own_headline_and_both_legs_the_emergency():
    one = plan_for("posterior-leg-pain", red_flag_leg_weakness="yes")
    both = plan_for("posterior-leg-pain", red_flag_both_legs_weak="yes")
    assert (one.triage_level, both.triage_level) == ("urgent", "emergency")
    assert "cauda equina" not in one.headline and "cauda equina" in both.headline
    assert "leg" in one.headline and "doctor" in one.headline
    assert {r.id for r in one.rules} >= {"red-flag-leg-weakness"}


@pytest.mark.parametrize(("flag", "level"), [("red_flag_clot_breathless", "emergency"), ("red_flag_calf_clot", "urgent"),
                                             ("red_flag_steroids_osteoporosis", "urgent"), ("red_flag_groin_pain", "urgent")])
def test_back_of_the_leg_screens_clots_and_bone_stress(flag, level):
    plan = plan_for("posterior-leg-pain", **{flag: "yes"})
    assert plan.triage_level == level and plan.routine == []


@pytest.mark.parametrize(("flag", "level"), [("red_flag_chest_pain", "emergency"), ("red_flag_chest_pain_eased", "urgent"),
                                             ("red_flag_stroke_signs", "emergency"), ("red_flag_arm_circulation", "emergency"),
                                             ("red_flag_cord_compression", "urgent"), ("red_flag_constant_numbness", "urgent"),
                                             ("red_flag_faint", "urgent"), ("red_flag_neck_trauma", "urgent"),
                                             ("red_flag_neck_serious", "urgent")])
def test_hand_tingling_red_flags_have_their_levels(flag, level):
    assert plan_for("hand-tingling", **{flag: "yes"}).triage_level == level


def test_the_most_urgent_level_wins():
    plan = plan_for("hand-tingling", red_flag_chest_pain_eased="yes", red_flag_stroke_signs="yes")
    assert plan.triage_level == "emergency"
    assert plan.headline.startswith("Call your local emergency number now")
    assert {r.id for r in plan.rules} >= {"red-flag-angina", "red-flag-stroke"}


def test_tight_itb_plan_matches_the_expert_answer_dose_for_dose():
    plan = plan_for("tight-itb")
    assert plan.triage_level == "self-care"
    bridge, clam = item(plan, "glute-bridge"), item(plan, "clamshell")
    assert (span(bridge.dose.sets), span(bridge.dose.reps)) == ((4, 7), (5, 12))
    assert (span(clam.dose.sets), span(clam.dose.reps), clam.dose.per_side) == ((4, 7), (5, 12), True)
    assert item(plan, "snow-angel").dose.frequency == "twice a day"
    assert {"figure-four-stretch", "cross-body-leg-stretch"} <= {i.exercise for i in plan.routine}
    week = [e for e in plan.escalation if e.after_days == 7]
    assert week and week[0].level == "see-clinician" and "physical therapist" in week[0].action
    assert plan.review_date == DAY + dt.timedelta(days=7)


def test_posterior_leg_plan_matches_the_trainer_dose_for_dose():
    plan = plan_for("posterior-leg-pain")
    roll = item(plan, "foam-rolling")
    assert span(roll.dose.duration_seconds) == (30, 60) and roll.timing == "before runs"
    for ex in ("glute-bridge", "lateral-band-walk"):
        assert (span(item(plan, ex).dose.sets), span(item(plan, ex).dose.reps)) == ((3, 3), (10, 15))
    for ex in ("front-plank", "side-plank"):
        assert (span(item(plan, ex).dose.sets), span(item(plan, ex).dose.hold_seconds)) == ((3, 3), (20, 60))
    for ex in ("piriformis-stretch", "glute-external-rotator-stretch"):
        stretch = item(plan, ex)
        assert (span(stretch.dose.sets), span(stretch.dose.hold_seconds), stretch.dose.per_side) == ((2, 4), (30, 60), True)
        assert stretch.timing == "after runs"
    assert any("symptoms" in s for s in plan.stop_if)


def test_lumbar_origin_gives_bridges_three_by_fifteen():
    bridge = item(plan_for("posterior-leg-pain", low_back_pain="yes"), "glute-bridge")
    assert (span(bridge.dose.sets), span(bridge.dose.reps)) == ((3, 3), (15, 15))


def test_planks_only_if_pain_free():
    exercises = {i.exercise for i in plan_for("posterior-leg-pain", planks_painful="yes").routine}
    assert not exercises & {"front-plank", "side-plank"}


@pytest.mark.parametrize(("days", "level"), [(7, "self-care"), (8, "see-clinician"), (30, "see-clinician")])
def test_pain_at_rest_for_more_than_a_week_means_see_a_clinician(days, level):
    assert plan_for("posterior-leg-pain", pain_at_rest="yes", days=days).triage_level == level


def test_hand_tingling_gives_five_minutes_of_first_rib_mobilization_a_day():
    plan = plan_for("hand-tingling")
    rib = item(plan, "first-rib-mobilization")
    assert span(rib.dose.duration_seconds) == (300, 300) and rib.dose.frequency == "daily"
    assert any("waist" in a for a in plan.advice)


@pytest.mark.parametrize("symptom", sorted(KB.symptoms))
def test_every_plan_cites_sources_and_says_it_is_not_a_diagnosis(symptom):
    plan = plan_for(symptom)
    assert plan.rules and all(r.source.document in KB.documents and r.source.quote for r in plan.rules)
    assert "not a diagnosis" in plan.disclaimer
    assert plan.triage_level in LEVELS


def test_routine_has_no_duplicate_exercises():
    plan = plan_for("posterior-leg-pain", low_back_pain="yes")
    ids = [i.exercise for i in plan.routine]
    assert len(ids) == len(set(ids))


def test_a_red_flag_is_never_softened_even_if_no_rule_catches_it():
    answers = complete(KB, parse_answers(KB, full_answers(KB, "posterior-leg-pain")))
    answers["red_flag_made_up"] = True  # a red flag that no rule in the base knows about
    plan = triage(KB, answers, DAY)
    assert plan.triage_level == "urgent" and plan.routine == []


def test_explain_traces_fired_matched_and_overridden_rules():
    answers = complete(KB, parse_answers(KB, full_answers(KB, "posterior-leg-pain", red_flag_fever="yes")))
    plan = triage(KB, answers, DAY, explain=True)
    trace = {t.rule: t for t in plan.trace}
    assert trace["red-flag-serious-spinal"].fired and "red_flag_fever = yes (answered yes)" in trace["red-flag-serious-spinal"].matched
    assert trace["posterior-leg-routine"].overridden_by == "red-flag-serious-spinal"
    assert not trace["posterior-leg-lumbar"].fired


def test_the_engine_is_deterministic_for_the_same_answers_and_date():
    assert plan_for("tight-itb") == plan_for("tight-itb")


STEP = {"sets": 1, "reps": 2, "hold_seconds": 10, "duration_seconds": 10}


def test_a_step_moves_what_the_runner_does_by_one_step_up_to_the_top_and_back_down_to_the_source():
    """What the runner does is the bottom of each range: a step up raises it toward the top, a
    step down lowers it again, never below the dose the source gave; many small steps, never one
    big one, and a step down ends where the steps up began."""
    doses = [e.dose for e in KB.exercises.values()] + [i.dose for s in KB.symptoms for i in plan_for(s).routine]
    for source in doses:
        dose = source
        for end in ("upper", "lower"):
            while True:
                after = stepped(dose, end, source)
                changed = [k for k in STEP if getattr(dose, k) != getattr(after, k)]
                if not changed:
                    break
                [part] = changed
                before, now = getattr(dose, part), getattr(after, part)
                assert now.max == before.max == getattr(source, part).max
                assert getattr(source, part).min <= now.min <= now.max
                assert 0 < abs(now.min - before.min) <= STEP[part] and (now.min > before.min) == (end == "upper")
                dose = after
            ranged = [r for r in (getattr(dose, k) for k in STEP) if r is not None]
            if end == "upper":
                assert all(r.min == r.max for r in ranged)
        assert [(r.min, r.max) if r else None for r in (getattr(dose, k) for k in STEP)] == \
            [(r.min, r.max) if r else None for r in (getattr(source, k) for k in STEP)]


def test_onsets_that_announce_the_same_escalations_share_one_object(kb):
    """A batch meets thousands of onsets (days since the symptom started): what is kept for
    them grows with the distinct announcements, not with the onsets."""
    from runrehab.documents.as_json import to_json
    from runrehab.engine.announcements import announced

    for symptom in kb.symptoms:
        kept = {id(made): made for made in (announced(kb, symptom, onset) for onset in range(0, 3651))}
        distinct = {to_json(list(made)) for made in kept.values()}  # each object's words once
        assert len(kept) == len(distinct) < 100
