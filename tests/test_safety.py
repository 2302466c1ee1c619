"""The safety invariants, over every band of answers the rules can tell apart and over cases
hypothesis generates: no red flag is missed, every plan is one a runner can follow safely."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import tiered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runrehab.documents.as_json import to_data
from runrehab.documents.kinds import CheckIn, Plan
from runrehab.documents.vocabulary import LEVELS, RED_FLAG_LEVELS
from runrehab.engine.announcements import onset_settled
from runrehab.engine.evaluate import checkin, triage
from runrehab.engine.interview import AnswerError, carried_over, complete, parse_answer, parse_answers
from runrehab.engine.progression import before_checkin, stepped
from runrehab.engine.validation import answer_space
from runrehab.rules.checks import check_value
from runrehab.rules.conditions import leaves
from runrehab.rules.loader import load
from runrehab.schemas import validated

KB = load()
DAY = dt.date(2026, 3, 1)
SYMPTOMS = list(KB.symptoms)
PROGRESS = KB.questions["progress"].choices
DECISIONS = ("continue", "progress", "escalate", "stop")
# (days of the plan, progress) that need a clinician: after a week the expert's rule for the hips
# ("doesn't significantly help") and for the first rib mobilization, no improvement; after two weeks
# the back of the leg no better ("no signs of improvement, within a couple of weeks of self help").
NOT_BETTER_ENOUGH = {"tight-itb": (7, ("better", "same")), "hand-tingling": (7, ("same",)),
                     "posterior-leg-pain": (14, ("same",)), "other": (0, ()),
                     "achilles": (42, ("same",)), "heel-pain": (14, ("same",)),
                     "front-knee": (42, ("same",)), "outside-knee": (14, ("same",)), "shin": (7, ("same",))}
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def red_flags_raised(answers: dict[str, Any]) -> list[str]:
    return [q for q, v in answers.items() if q.startswith("red_flag_") and v is True]


def assert_safe(doc: Any, answers: dict[str, Any]) -> None:
    """What every plan and check-in must satisfy, whatever the answers."""
    assert doc.triage_level in LEVELS
    if red_flags_raised(answers):
        assert doc.triage_level in RED_FLAG_LEVELS, red_flags_raised(answers)
        assert doc.routine == []
    for entry in doc.routine:
        assert entry.exercise in KB.exercises
    review = doc.review_date if hasattr(doc, "review_date") else doc.next_review
    if doc.triage_level == "self-care":
        assert doc.escalation, "a self-care document names when to get help"
        assert review is not None, "a self-care document has a review date"
    for rule in doc.rules:
        assert rule.source.document in KB.documents and rule.source.quote


def plan_for(answers: dict[str, Any]) -> Any:
    plan = triage(KB, complete(KB, answers), DAY)
    validated(Plan, to_data(plan))  # the contract's shape, field for field
    return plan


# ------------------------------------------------------------------ every band, exhaustively


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_every_band_of_triage_answers_is_safe(symptom):
    cases = list(answer_space(KB, symptom, "triage"))
    assert len(cases) > 1
    for answers in cases:
        assert_safe(plan_for(answers), answers)


@pytest.mark.parametrize("symptom", tiered(SYMPTOMS, lambda s: s in ("hand-tingling", "other")))
def test_every_band_of_check_in_answers_is_safe(symptom):
    """answer_space covers the check-in questions and the facts `day` and `days_since_onset` in
    the bands the rules test; the plan's answers are set so that those facts come out as asked."""
    cases = list(answer_space(KB, symptom, "checkin"))
    assert len(cases) > 1
    base = {q.id: False for q in KB.questions_for(symptom, "triage") if q.red_flag}
    for answers in cases:
        onset = max(answers["days_since_onset"] - answers["day"], 0)
        plan = plan_for({**base, "symptom": symptom, "days": onset, "pain_score": 3, "pain_at_rest": False})
        given = {k: v for k, v in answers.items() if k in KB.questions and k != "symptom"}
        doc = checkin(KB, plan, complete(KB, carried_over(KB, plan.answers, given), "checkin", symptom),
                      DAY + dt.timedelta(days=answers["day"]))
        validated(CheckIn, to_data(doc))
        assert_safe(doc, given)
        assert doc.decision in DECISIONS


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_every_band_of_check_in_days_with_a_red_flag_and_nothing_else_answered(symptom):
    """A red flag answered yes ends the check-in: no progress, no pain score, nothing carried
    over. Every day band the rules tell apart, every red flag, against every band of plan."""
    flags = [q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag]
    days = sorted({a["day"] for a in answer_space(KB, symptom, "checkin")} | {0, 60})
    plans = [plan_for(answers) for answers in answer_space(KB, symptom, "triage") if not red_flags_raised(answers)]
    plans.append(plan_for({"symptom": symptom, flags[0]: True}))  # a plan that was itself an emergency
    combinations = 0
    for plan in plans:
        for day in days:
            for flag in flags:
                answers = complete(KB, {flag: True}, "checkin", symptom)
                assert answers == {flag: True}
                doc = checkin(KB, plan, answers, DAY + dt.timedelta(days=day))
                validated(CheckIn, to_data(doc))
                assert_safe(doc, answers)
                assert doc.decision == "escalate" and doc.red_flags == [flag] and doc.next_review is None
                assert (doc.progress, doc.pain_score) == (None, None)
                combinations += 1
    assert combinations == len(plans) * len(days) * len(flags) > len(flags)


# every day in every tier for three symptoms (referral after one, two and six weeks not better);
# every warning sign of every symptom on every band of days in the test above
@pytest.mark.parametrize("symptom", tiered(SYMPTOMS, lambda s: s in ("hand-tingling", "heel-pain", "achilles")))
def test_check_ins_from_day_0_to_60_for_every_progress_and_each_red_flag(symptom):
    flags = [q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag]
    plan = plan_for({**{f: False for f in flags}, "symptom": symptom, "days": 3, "pain_score": 4,
                     "pain_at_rest": False})
    for day in range(61):
        for progress in PROGRESS:
            for raised in [None, *flags]:
                given = {f: f == raised for f in flags} | {"progress": progress, "pain_score": 3}
                answers = complete(KB, carried_over(KB, plan.answers, given), "checkin", symptom)
                doc = checkin(KB, plan, answers, DAY + dt.timedelta(days=day))
                assert_safe(doc, answers)
                if raised:
                    assert doc.decision == "escalate"
                after, not_better = NOT_BETTER_ENOUGH[symptom]
                if day >= after and progress in not_better and not raised:
                    assert doc.decision == "escalate", "not better enough in time: see a clinician"
                if progress in ("much-better", "better") and not raised and symptom != "tight-itb":
                    assert doc.decision == "continue", "improving is not a referral"
                if progress == "worse" and not raised:
                    assert doc.decision in ("stop", "escalate") and doc.routine == []


# ------------------------------------------------------------------ plans announce what check-ins do


def _check_in_cases(symptom: str) -> list[dict[str, Any]]:
    """Every band of the check-in questions without a red flag, and each red flag a check-in asks
    alone (a red flag decides whatever else is answered, so once), without the facts: the date
    sets them. How the problem started (`asked_once`) is the plan's answer, never given."""
    cases: list[dict[str, Any]] = []
    for answers in answer_space(KB, symptom, "checkin"):
        if any(answers[f.id] != f.min for f in KB.rules_file.facts):  # the date and earlier check-ins set them
            continue
        given = {k: v for k, v in answers.items() if k in KB.questions and k != "symptom"
                 and not KB.questions[k].asked_once}
        if any(KB.questions[k].asked_once and v is True for k, v in answers.items() if k in KB.questions):
            continue
        if not red_flags_raised(given) or all(k.startswith("red_flag_") or given[k] == v for k, v in cases[0].items()):
            cases.append(given)
    return cases


def _plans(symptom: str) -> list[Any]:
    """A plan for every band of the triage answers that gives one to follow (not emergency or
    urgent), and, where a check-in rule tests the days since onset, for every onset up to its
    highest threshold (the plan day it falls on depends on the onset). Plans with the same onset
    and carried-over answers announce and decide alike, so one of each is kept."""
    bands = [a for a in answer_space(KB, symptom, "triage") if not red_flags_raised(a)]
    carried = [q.id for q in KB.questions_for(symptom, "checkin") if q.carry_over]
    thresholds = [leaf.value for r in KB.rules_for(symptom, "checkin") if r.when for leaf, _ in leaves(r.when)
                  if leaf.question == "days_since_onset"]
    plans = {}
    for answers in bands + [{**bands[0], "days": d} for d in range(max(thresholds, default=-2) + 2)]:
        plan = plan_for(answers)
        if plan.triage_level not in RED_FLAG_LEVELS:
            plans.setdefault((plan.answers["days"], *(plan.answers[q] for q in carried)), plan)
    return list(plans.values())


@pytest.mark.parametrize("symptom", tiered(SYMPTOMS, lambda s: s in ("hand-tingling", "other")))
def test_every_escalation_a_check_in_makes_was_announced_by_its_plan(symptom, record_property):
    """For every plan and every check-in on it from day 0 to 60 (or to its last announcement) that
    escalates or stops, the plan
    announced the rule that decided it, from that day or earlier, at the same level; and every
    announced entry happens on its day for some check-in answers."""
    plans = _plans(symptom)
    cases = _check_in_cases(symptom)
    agreed = 0
    for plan in plans:
        happened: set[tuple[str, int]] = set()
        for day in range(_last_day(plan) + 1):
            for given in cases:
                doc = checkin(KB, plan, complete(KB, carried_over(KB, plan.answers, given), "checkin", symptom),
                              DAY + dt.timedelta(days=day))
                if doc.decision not in ("escalate", "stop"):
                    continue
                leader, _ = decided = _announced_leader(plan, doc, f"{symptom} day {day}")
                entries = [e for e in plan.escalation if leader in e.rules]
                for flag in red_flags_raised(given):  # named by its sign, at the tier and timing it decided
                    assert any(KB.questions[flag].sign in e.if_ and e.level == doc.triage_level and e.after_days <= day
                               and _says_how_soon(e.action, leader) for e in entries), (flag, day)
                happened.add(decided)
                agreed += 1
        for entry in plan.escalation:
            if _after_others(entry):  # a series of check-ins decides it (the test below)
                continue
            assert any((rule, entry.after_days) in happened for rule in entry.rules), \
                f"{symptom}: announced {entry.rules} from day {entry.after_days}, but no check-in then decides it"
    record_property("agreement_cases", agreed)
    print(f"{symptom}: {len(plans)} distinct plans, {len(cases)} check-in bands x 61 days, {agreed} agreement cases")
    assert agreed > 0


def _last_day(plan: Any) -> int:
    """The last day of a plan the check-ins are tried on: day 60, or the day its latest
    announcement starts (a programme of twelve weeks announces its end)."""
    return max(60, *(e.after_days for e in plan.escalation))


def _says_how_soon(action: str, rule_id: str) -> bool:
    """Whether a plan's action says as soon as the deciding red-flag rule does: now for an
    emergency, today or within a day or two for an urgent rule by its `see_within`."""
    rule = next(r for r in KB.rules if r.id == rule_id)
    if rule.then.level == "emergency":
        return action.startswith("Get help now")
    return ("today" in action) == (rule.then.see_within == "today") and ("day or two" in action) != ("today" in action)


# Earlier check-ins before the last one of a series, as (days before it, answers): none; one on
# the same day or the day before that steps a dose up, one down, a warning sign; two on the same
# day; a warning sign and a clinician's clearance. Together with every band of the last one's
# answers they reach each fact earlier check-ins set (worse_mornings, lowest_dose, a warning
# sign waiting for a clinician) and several check-ins on one day.
_UP = {"progress": "much-better", "pain_score": 2, "morning_after": "gone", "exercise_pain": 0}
_DOWN = {"progress": "better", "pain_score": 3, "morning_after": "worse", "exercise_pain": 6}
_PRIORS = [[], *([(gap, a)] for gap in (0, 1) for a in (_UP, _DOWN)), [(1, _UP), (0, _DOWN)], [(0, _UP), (0, _UP)],
           [(1, _UP), (0, _UP), (0, _UP)], [(1, "red flag")], [(2, "red flag"), (1, {**_UP, "cleared_by_clinician": True})]]


def _series(plan: Any, priors: list[tuple[int, Any]], last: dict[str, Any], day: int) -> tuple[Any, Any]:
    """The check-ins of `priors` then `last` on `day` of `plan`, each after the earlier ones:
    (the last check-in, what the earlier ones told it)."""
    symptom = plan.symptom
    flag = next(q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag)
    no_flags = {q.id: False for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    asked = KB.asked(symptom, "checkin")
    docs: list[Any] = []
    for gap, given in [*priors, (0, last)]:
        date = DAY + dt.timedelta(days=day - gap)
        if given == "red flag":
            given = {flag: True}
        elif not red_flags_raised(given):
            given = {**no_flags, **{k: v for k, v in given.items() if k in asked}}
        answers = complete(KB, given if given.get(flag) else carried_over(KB, plan.answers, given), "checkin", symptom)
        before = before_checkin(plan, docs, date)
        docs.append(checkin(KB, plan, answers, date, before=before))
    return docs[-1], before


@pytest.mark.parametrize("symptom", tiered(SYMPTOMS, lambda s: s in ("hand-tingling", "other")))
def test_every_escalation_a_series_of_check_ins_makes_was_announced_and_a_day_moves_a_dose_one_step(symptom):
    """Check-ins several to a day and on the days before, over every band of the last one's
    answers, on each day an announcement can start and the days around it: what the last one
    decides was announced (every announced entry happens), a red flag answered yes always
    decides, and whatever the number of check-ins that day, a dose is at most one step from
    where the day began, and never higher on day 0."""
    cases = _check_in_cases(symptom)
    flags = [c for c in cases if red_flags_raised(c)]
    # one onset before every threshold and one past them all: the onsets between move the day an
    # announcement starts, which the single check-ins above cover day by day
    settled = onset_settled(KB, symptom)
    series = 0
    for plan in [p for p in _plans(symptom) if p.answers["days"] in (0, settled)]:
        happened: set[tuple[str, int]] = set()
        days = {d + k for e in plan.escalation for d in (e.after_days,) for k in (-1, 0, 1)} | {0, 1, 2, 60}
        for day in sorted(d for d in days if 0 <= d <= _last_day(plan)):
            for priors in _PRIORS:
                if any(gap > day for gap, _ in priors):
                    continue
                # after earlier check-ins one warning sign stands for all: each decides alike
                for given in cases if not priors else [c for c in cases if c not in flags[1:]]:
                    doc, before = _series(plan, priors, given, day)
                    series += 1
                    assert_safe(doc, given)
                    if red_flags_raised(given) or (priors and priors[-1][1] == "red flag"):
                        # a warning sign now, or one no clinician has cleared yet
                        assert doc.triage_level in RED_FLAG_LEVELS and doc.routine == [] and doc.decision == "escalate"
                    start = before.day_start
                    for item in doc.routine:
                        if item.exercise in start and doc.decision != "progress":
                            ways = [stepped(start[item.exercise], "lower", plan_dose(plan, item.exercise)), start[item.exercise]]
                            if day > 0:
                                ways.append(stepped(start[item.exercise], "upper"))
                            assert item.dose in ways, (day, priors, given, item.exercise)
                    if doc.decision in ("escalate", "stop"):
                        happened.add(_announced_leader(plan, doc, f"{symptom} day {day} after {priors}"))
        for entry in plan.escalation:
            # a count of check-ins on different days reaches n from day n - 1 of the plan
            late = max((leaf.value - 1 for r in entry.rules for leaf, _ in leaves(KB.rules_by_id[r].when or {})
                        if leaf.question == "worse_mornings"), default=0)
            assert any((rule, max(entry.after_days, late)) in happened for rule in entry.rules), (symptom, entry.rules)
    print(f"{symptom}: {series} series of check-ins")
    assert series > 0


def plan_dose(plan: Any, exercise: str) -> Any:
    from runrehab.engine.evaluate import source_doses

    return source_doses(KB, plan).get(exercise)


def _announced_leader(plan: Any, doc: Any, where: str) -> tuple[str, int]:
    """(the rule that decided an escalating or stopping check-in, its day), once the plan is seen
    to have announced that rule from that day or earlier, at the same level."""
    leader = next((r.id for r in doc.rules if _sets_level(r.id, doc.triage_level)), None)
    entries = [e for e in plan.escalation if leader in e.rules]
    assert entries, f"{where}: {leader} decided {doc.decision} but the plan never said so"
    assert any(e.after_days <= doc.day and e.level == doc.triage_level for e in entries), (leader, doc.day)
    return leader, doc.day


def _after_others(entry: Any) -> bool:
    """Whether an announced entry's rules need earlier check-ins (worse_mornings)."""
    return any(leaf.question == "worse_mornings" for r in entry.rules for leaf, _ in leaves(KB.rules_by_id[r].when or {}))


def _sets_level(rule_id: str, level: str) -> bool:
    rule = next(r for r in KB.rules if r.id == rule_id)
    return rule.then.level == level and (rule.then.decision in ("escalate", "stop") or level in RED_FLAG_LEVELS)


# ------------------------------------------------------------------ generated cases


def spelt(value: Any) -> st.SearchStrategy[Any]:
    """A valid answer as a script or a person might write it."""
    if isinstance(value, bool):
        words = ["yes", "y", "true", "Yes", " YES "] if value else ["no", "n", "false", "No", " no "]
        return st.sampled_from([value, *words])
    if isinstance(value, int):
        return st.sampled_from([value, str(value), f" {value} ", f"+{value}"])
    if isinstance(value, str):
        return st.sampled_from([value, value.upper(), f" {value} "])
    return st.sampled_from([value, ",".join(value), ", ".join(v.upper() for v in value)])


def typed(question: Any) -> st.SearchStrategy[Any]:
    if question.type == "yes_no":
        return st.booleans()
    if question.type == "integer":
        return st.integers(question.min, question.max)
    if question.type == "choice":
        return st.sampled_from(question.choices)
    return st.lists(st.sampled_from(question.choices), unique=True)


@st.composite
def triage_answers(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(raw answers as given, the typed values they stand for)."""
    symptom = draw(st.sampled_from(SYMPTOMS))
    values: dict[str, Any] = {"symptom": symptom}
    for q in KB.questions_for(symptom, "triage"):
        if q.id == "symptom":
            continue
        if q.red_flag:
            values[q.id] = draw(st.booleans().map(lambda b: b and draw(st.integers(0, 5)) == 0))
        elif q.required or draw(st.booleans()):
            values[q.id] = draw(typed(q))
    raw = {qid: draw(spelt(v)) for qid, v in values.items()}
    return raw, values


@pytest.mark.slow
@SETTINGS
@given(triage_answers())
def test_generated_triage_answers_never_raise_and_are_safe(case):
    raw, values = case
    parsed = parse_answers(KB, raw)
    assert parsed == values
    assert_safe(plan_for(parsed), parsed)


@pytest.mark.slow
@SETTINGS
@given(triage_answers(), st.data())
def test_any_red_flag_answered_yes_is_urgent_whatever_else_is_said(case, data):
    raw, values = case
    flags = [q.id for q in KB.questions_for(values["symptom"], "triage") if q.red_flag]
    raised = data.draw(st.lists(st.sampled_from(flags), min_size=1, unique=True))
    answers = {**parse_answers(KB, raw), **{f: True for f in raised}}
    plan = plan_for(answers)
    assert plan.triage_level in RED_FLAG_LEVELS and plan.routine == []
    assert set(raised) <= set(plan.red_flags)


HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True), st.text(max_size=40),
    st.binary(max_size=10), st.lists(st.integers(), max_size=3), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["../../etc/passwd", "/dev/null", "1e9", "0x10", "١٢", "3.0", "nan", "\0", "yes\0", "[b]x[/b]"]),
)


@pytest.mark.slow
@SETTINGS
@given(st.sampled_from(sorted(KB.questions)), HOSTILE)
def test_any_value_is_either_a_valid_answer_or_the_domain_error(qid, raw):
    question = KB.questions[qid]
    try:
        value = parse_answer(question, raw)
    except AnswerError as exc:
        assert qid in str(exc) and "allowed:" in str(exc)
    else:
        assert check_value(question, value) is None


@pytest.mark.slow
@SETTINGS
@given(st.text(min_size=1, max_size=30).filter(lambda t: t not in KB.questions), HOSTILE)
def test_an_unknown_id_is_the_domain_error(qid, raw):
    with pytest.raises(AnswerError, match="no question with id"):
        parse_answers(KB, {"symptom": "tight-itb", qid: raw})


@pytest.mark.slow
@SETTINGS
@given(triage_answers(), st.integers(0, 60), st.sampled_from(PROGRESS), st.data())
def test_generated_check_ins_are_safe(case, day, progress, data):
    _, values = case
    plan = plan_for(values)
    symptom = plan.symptom
    given_answers: dict[str, Any] = {"progress": progress, "pain_score": data.draw(st.integers(0, 10))}
    for q in KB.questions_for(symptom, "checkin"):
        if q.red_flag:
            given_answers[q.id] = data.draw(st.booleans().map(lambda b: b and data.draw(st.integers(0, 3)) == 0))
        elif q.id not in given_answers and data.draw(st.booleans()):
            given_answers[q.id] = data.draw(typed(q))
    answers = complete(KB, carried_over(KB, plan.answers, given_answers), "checkin", symptom)
    doc = checkin(KB, plan, answers, DAY + dt.timedelta(days=day))
    validated(CheckIn, to_data(doc))
    assert_safe(doc, answers)
    assert doc.decision in DECISIONS and doc.day == day
