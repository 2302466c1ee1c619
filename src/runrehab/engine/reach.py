"""The answers `validate` runs a symptom's rules on, bounded by the rule base's size.

A symptom's answers at a stage fall into bands: those of each question its rules (and the
`ask_if` of its questions) test, cut where those tests cut them (rules.conditions.band_values),
with the facts at check-ins; every other question keeps one value, since no rule can tell its
answers apart. Every combination of those bands with no warning sign is run through the rules.

Warning signs are not multiplied in. They are monotonic: any yes wins and the most urgent tier
wins. The rules that do not test sign `f` fire alike on answers `c` with `f` yes or no; those
that test it see only `f` and the questions they test themselves. With `f` yes the level is
urgent or emergency (engine.evaluate.decide_level), so only the rules at that level speak, and a
rule below it neither sets the level nor speaks. So which rules at or above urgent fire on `c`
with `f` yes, which of them lead and speak, is settled by two things: the rules not testing `f`
at urgent or emergency that fire on `c` with no sign, and `c`'s bands of the questions the rules
testing `f` test. One case per sign and per such pair met on the way (each a combination the
enumeration already holds, with `f` yes) shows every rule that fires, leads or speaks in the
product of every combination with every sign; the rules below urgent fire there as they fire
with no sign. For a rule base whose signs no rule combines with anything, and whose urgent
rules are its signs' own, that is one case per sign. (Two rules firing together in a case
with a sign: validate asks that of each pair by `satisfying`, which tries the signs too.)

Where the bands of a symptom's questions still combine to more than `MOST_COMBINATIONS`, the
product is not run (`too_many`): validate then checks rule by rule (each rule can fire, each
pair of equal-priority rules can fire together) by a search that stops at the same bound, and
says that the rest (coverage, rules always overridden) went unchecked.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

from ..documents.record import Record
from ..documents.vocabulary import RED_FLAG_LEVELS
from ..rules.conditions import band_values, evaluate, leaves, possible
from .evaluate import Evaluation, evaluate_stage

MOST_COMBINATIONS = 1 << 14  # band combinations of one symptom's questions run through its rules


def tests_of(kb: Any, symptom: str, stage: str) -> dict[str, list[Any]]:
    """The condition leaves of one symptom's rules at `stage` and of the `ask_if` of its
    questions, grouped by the question or fact they test."""
    conditions = [r.when for r in kb.rules_for(symptom, stage) if r.when is not None]
    conditions += [q.ask_if for q in kb.questions_for(symptom, stage) if q.ask_if is not None]
    grouped: dict[str, list[Any]] = {}
    for cond in conditions:
        for leaf, _ in leaves(cond):
            grouped.setdefault(leaf.question, []).append(leaf)
    return grouped


def banded(kb: Any, symptom: str, stage: str) -> tuple[list[str], list[list[Any]], list[str]]:
    """(the questions and facts other than warning signs, the values standing for their bands,
    the warning signs) of one symptom at `stage`: a question no test sees keeps its first value."""
    questions = [q for q in kb.questions_for(symptom, stage) if q.id != "symptom"]
    flags = [q.id for q in questions if q.red_flag]
    others: list[Any] = [q for q in questions if not q.red_flag]
    if stage == "checkin":
        others += kb.rules_file.facts
    tests = tests_of(kb, symptom, stage)
    values = [band_values(q, tests[q.id]) if q.id in tests else band_values(q, [])[:1] for q in others]
    return [q.id for q in others], values, flags


def combinations(kb: Any, symptom: str, stage: str) -> int:
    """How many combinations of bands, with no warning sign, the symptom's answers have at `stage`."""
    _, values, _ = banded(kb, symptom, stage)
    return math.prod(len(v) for v in values)


def too_many(kb: Any, symptom: str, stage: str) -> bool:
    return combinations(kb, symptom, stage) > MOST_COMBINATIONS


def evaluated_space(kb: Any, symptom: str, stage: str) -> Iterator[tuple[dict[str, Any], Evaluation]]:
    """Answers standing for every band combination with no warning sign, then for each sign
    answered yes the cases that evaluate differently (see the module's docstring), each with
    its evaluation. ValueError when the combinations are too many to run (too_many)."""
    ids, values, flags = banded(kb, symptom, stage)
    if math.prod(len(v) for v in values) > MOST_COMBINATIONS:
        raise ValueError(f"{symptom} at {stage}: more than {MOST_COMBINATIONS} band combinations")
    by_flag = {f: _rules_testing(kb, symptom, stage, f) for f in flags}
    testing = {f: frozenset(r.id for r in rules) for f, rules in by_flag.items()}
    seen_by = {f: [i for i, qid in enumerate(ids) if qid in _tested_by(rules)] for f, rules in by_flag.items()}
    cases: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {f: {} for f in flags}
    combined = [f for f in flags if seen_by[f]]  # signs whose rules test other questions too
    # the urgent rules a combination fires -> the first answers that fire them: a sign no rule
    # combines has the cases of these, told apart by the urgent rules that do not test it
    by_urgent: dict[tuple[str, ...], dict[str, Any]] = {}
    no_sign = {f: False for f in flags}
    for combo in itertools.product(*values):
        answers = {"symptom": symptom, **no_sign, **dict(zip(ids, combo))}
        ev = evaluate_stage(kb, answers, stage)
        yield answers, ev
        urgent = tuple(r.id for r in ev.fired if r.then.level in RED_FLAG_LEVELS)
        by_urgent.setdefault(urgent, answers)
        for f in combined:
            key = (tuple(rid for rid in urgent if rid not in testing[f]), tuple(_hashable(combo[i]) for i in seen_by[f]))
            cases[f].setdefault(key, answers)
    for f in flags:
        if not seen_by[f]:  # in the order first met, as the loop above would have kept them
            for urgent, answers in by_urgent.items():
                cases[f].setdefault((tuple(rid for rid in urgent if rid not in testing[f]), ()), answers)
        for answers in cases[f].values():
            raised = {**answers, f: True}
            yield raised, evaluate_stage(kb, raised, stage)


def _rules_testing(kb: Any, symptom: str, stage: str, flag: str) -> list[Record]:
    """The symptom's rules at `stage` whose condition tests warning sign `flag`."""
    return [r for r in kb.rules_for(symptom, stage) if r.when is not None
            and any(leaf.question == flag for leaf, _ in leaves(r.when))]


def _tested_by(rules: list[Record]) -> set[str]:
    """The questions and facts the conditions of `rules` test."""
    return {leaf.question for r in rules for leaf, _ in leaves(r.when)}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# ------------------------------------------------------------------ rule by rule


def satisfying(kb: Any, symptom: str, stage: str, conditions: list[Any]) -> dict[str, Any] | None | bool:
    """Answers (one warning sign yes at most) on which every condition of `conditions` holds,
    found by trying the bands of the questions they test one question at a time and dropping
    every branch the answers so far already settle false; None when there are none; False
    when the search gave up after MOST_COMBINATIONS steps."""
    ids, values, flags = banded(kb, symptom, stage)
    bands = dict(zip(ids, values)) | {f: [False, True] for f in flags}
    order = [qid for qid in dict.fromkeys(leaf.question for c in conditions for leaf, _ in leaves(c)) if qid in bands]
    whole = Record(all=conditions)
    steps = 0

    def search(at: int, known: dict[str, Any]) -> dict[str, Any] | None | bool:
        nonlocal steps
        steps += 1
        if steps > MOST_COMBINATIONS:
            return False
        held = possible(whole, known) if at < len(order) else evaluate(whole, known)
        if held is not None:  # at the end, evaluate: a question this interview does not ask stays unanswered
            return known if held else None
        qid = order[at]
        raised = any(known.get(f) is True for f in flags)
        for value in bands[qid]:
            if value is True and qid in flags and raised:
                continue
            found = search(at + 1, {**known, qid: value})
            if found is not None:
                return found
        return None

    return search(0, {"symptom": symptom, **{f: False for f in flags if f not in order}})


def rule_can_fire(kb: Any, symptom: str, stage: str, rules: list[Record]) -> bool | None:
    """Whether `rules` can fire together for `symptom` at `stage`; None when the search gave up."""
    found = satisfying(kb, symptom, stage, [r.when for r in rules if r.when is not None])
    return None if found is False else found is not None
