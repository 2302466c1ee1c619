"""Answer parsing and the order of the interview, by plain calls."""
from __future__ import annotations

import pytest
from conftest import full_answers

from runrehab.engine.interview import AnswerError, MissingAnswers, complete, next_question, parse_answer, parse_answers
from runrehab.rules.loader import load

KB = load()
Q = KB.questions


@pytest.mark.parametrize(("raw", "value"), [("yes", True), ("Y", True), ("TRUE", True), (True, True),
                                            ("no", False), ("n", False), ("False", False), (False, False)])
def test_yes_no_accepts_the_contract_spellings(raw, value):
    assert parse_answer(Q["pain_at_rest"], raw) is value


@pytest.mark.parametrize(("raw", "value"), [(0, 0), (10, 10), ("7", 7), (" 3 ", 3)])
def test_integers_accept_whole_numbers_and_numeric_strings(raw, value):
    assert parse_answer(Q["pain_score"], raw) == value


@pytest.mark.parametrize("raw", ["1.5", 1.5, 2.0, True, "seven", "", None, [3], 11, -1, "99999999999999999999"])
def test_integers_refuse_fractions_booleans_text_and_out_of_range(raw):
    with pytest.raises(AnswerError, match="pain_score"):
        parse_answer(Q["pain_score"], raw)


def test_an_error_names_the_id_the_value_and_what_is_allowed():
    with pytest.raises(AnswerError) as info:
        parse_answer(Q["pain_score"], 12)
    assert str(info.value) == ("pain_score: 12 is out of range (allowed: a whole number from 0 to 10); the question: "
                               "\u201cWorst pain or discomfort in the last 24 hours, from 0 (none…\u201d")


def test_a_choice_is_one_of_its_choices_in_any_case():
    assert parse_answer(Q["symptom"], "Tight-ITB") == "tight-itb"
    with pytest.raises(AnswerError, match="allowed: one of tight-itb, posterior-leg-pain, hand-tingling"):
        parse_answer(Q["symptom"], "knee")


def test_an_unknown_question_id_is_refused_by_name():
    with pytest.raises(AnswerError, match="no_such_question"):
        parse_answers(KB, {"symptom": "tight-itb", "no_such_question": 1})


def test_red_flags_come_right_after_where_it_hurts():
    """Without a symptom given, the interview opens with where it hurts; the place leads to the
    symptom, whose warning signs come next."""
    answers: dict = {}
    order = []
    while (q := next_question(KB, answers, "triage")) is not None:
        order.append(q.id)
        answers[q.id] = "buttock-back-of-leg" if q.id == "where_it_hurts" else (3 if q.type == "integer" else False)
    flags = [i for i, qid in enumerate(order) if qid.startswith("red_flag_")]
    assert order[0] == "where_it_hurts" and "symptom" not in order
    assert flags == list(range(1, len(flags) + 1)) and len(flags) == 16
    assert order.index("days") > flags[-1]
    assert complete(KB, answers)["symptom"] == "posterior-leg-pain"


def test_red_flags_come_right_after_the_symptom_when_it_is_given():
    answers: dict = {"symptom": "posterior-leg-pain"}
    order = []
    while (q := next_question(KB, answers, "triage")) is not None:
        order.append(q.id)
        answers[q.id] = 3 if q.type == "integer" else False
    flags = [i for i, qid in enumerate(order) if qid.startswith("red_flag_")]
    assert flags == list(range(len(flags))) and len(flags) == 16
    assert "where_it_hurts" not in order


def test_a_red_flag_answered_yes_ends_the_interview():
    answers = {"symptom": "posterior-leg-pain", "red_flag_bladder": True}
    assert next_question(KB, answers, "triage") is None
    assert complete(KB, answers)["red_flag_bladder"] is True  # nothing else required


def test_missing_answers_are_all_named_at_once():
    given = parse_answers(KB, full_answers(KB, "tight-itb"))
    del given["days"], given["red_flag_groin_pain"]
    with pytest.raises(MissingAnswers) as info:
        complete(KB, given)
    assert info.value.ids == ["red_flag_groin_pain", "days"]


def test_defaults_fill_optional_questions():
    answers = complete(KB, parse_answers(KB, full_answers(KB, "posterior-leg-pain")))
    assert answers["low_back_pain"] is False and answers["planks_painful"] is False


def test_no_answers_at_all_names_the_symptom_and_the_common_questions():
    with pytest.raises(MissingAnswers) as info:
        complete(KB, {})
    assert info.value.ids[:1] == ["symptom"] and {"days", "pain_score", "pain_at_rest"} <= set(info.value.ids)


def test_answers_checked_through_the_table_are_typed_as_parse_answer_types_them(kb):
    """The lookup table is a shortcut: every value, usual or not, comes out as parse_answer
    makes it or is refused the same way (True is a yes, 1 is not)."""
    import random

    from runrehab.engine.interview import parse_answer, parse_answers
    from runrehab.errors import AnswerError

    rng = random.Random(5)
    odd = [1, 0, 1.0, "1", " Yes ", "YES", "y ", "maybe", "", None, [], ["x"], {"a": 1}, -1, 10**13, "+3", " 7", "07",
           True, False, "no", "N"]
    for _ in range(3000):
        q = rng.choice(list(kb.questions.values()))
        raw = rng.choice([*odd, *(q.choices or []), *(str(c).upper() for c in q.choices or [])]
                         + ([q.min, q.max, q.max + 1, str(q.min)] if q.type == "integer" else []))
        try:
            expected = ("ok", parse_answer(q, raw))
        except AnswerError as exc:
            expected = ("refused", str(exc))
        try:
            got = ("ok", parse_answers(kb, {q.id: raw})[q.id])
        except AnswerError as exc:
            got = ("refused", str(exc))
        assert got == expected and type(got[1]) is type(expected[1]), (q.id, raw)


def test_where_it_hurts_given_without_a_terminal_names_the_symptom():
    """-a where_it_hurts=... in a script: the questions that tell neighbours apart take their
    defaults and the route names the symptom; `symptom` given wins and the places are not asked."""
    flags = {q.id: False for q in KB.questions.values() if q.red_flag}
    common = {"days": 20, "pain_score": 4, "pain_at_rest": False}
    heel = complete(KB, {**{f: v for f, v in flags.items() if f in KB.asked("heel-pain", "triage")},
                         **common, "where_it_hurts": "under-heel"})
    assert heel["symptom"] == "heel-pain" and heel["where_it_hurts"] == "under-heel"
    tendon = complete(KB, {**{f: v for f, v in flags.items() if f in KB.asked("achilles", "triage")},
                           **common, "where_it_hurts": "back-of-heel"})
    assert tendon["symptom"] == "achilles" and tendon["heel_spot"] == "not-sure"
    hips = complete(KB, {"where_it_hurts": "hips-back-thigh", "knee_pain_builds_on_run": True,
                         **{f: v for f, v in flags.items() if f in KB.asked("outside-knee", "triage")}, **common})
    assert hips["symptom"] == "outside-knee"  # outer-knee pain that builds on a run is not the tight hips
    tight = complete(KB, {"where_it_hurts": "hips-back-thigh",
                          **{f: v for f, v in flags.items() if f in KB.asked("tight-itb", "triage")}, **common})
    assert tight["symptom"] == "tight-itb" and tight["knee_pain_builds_on_run"] is False
    given = complete(KB, {"symptom": "achilles", "heel_spot": "above-heel", **common,
                          **{f: v for f, v in flags.items() if f in KB.asked("achilles", "triage")}})
    assert given["symptom"] == "achilles" and "where_it_hurts" not in given
    assert "where_it_hurts" not in [q.id for q in KB.questions_for("achilles", "triage")]


def test_a_place_without_the_questions_after_it_is_not_yet_a_symptom():
    from runrehab.engine.interview import routed

    assert routed(KB, {"where_it_hurts": "back-of-heel"}) is None  # where exactly is still to ask
    assert routed(KB, {"where_it_hurts": "back-of-heel", "heel_spot": "under-heel"}) == "heel-pain"
    assert routed(KB, {"where_it_hurts": "inner-shin"}) == "shin"
    assert routed(KB, {"where_it_hurts": "front-of-knee"}) == "front-knee"
    assert routed(KB, {"where_it_hurts": "outside-of-knee"}) is None  # whether it builds on a run is still to ask
    assert routed(KB, {"where_it_hurts": "outside-of-knee", "knee_pain_builds_on_run": False}) == "outside-knee"
    assert routed(KB, {"where_it_hurts": "somewhere-else"}) == "other"
    assert next_question(KB, {"where_it_hurts": "back-of-heel"}, "triage").id == "heel_spot"
