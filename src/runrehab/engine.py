"""Answers -> plan. A pure function of (rule base, answers, date): no I/O, no printing, no clock."""
from __future__ import annotations

import datetime as dt
from typing import Any

from .kb import KnowledgeBase
from .models import (
    LEVELS, RED_FLAG_LEVELS, AllOf, AnyOf, Citation, FiredRule, Leaf, NotOf, Plan, RoutineEntry, Rule,
    SourceRef, TraceEntry, level_rank,
)

_COMPARE = {
    "eq": lambda a, v: a == v,
    "ne": lambda a, v: a != v,
    "lt": lambda a, v: a < v,
    "le": lambda a, v: a <= v,
    "gt": lambda a, v: a > v,
    "ge": lambda a, v: a >= v,
    "in": lambda a, v: a in v,
    "not_in": lambda a, v: a not in v,
    "contains": lambda a, v: v in a,
}
_SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in", "not_in": "not in",
           "contains": "includes"}


def evaluate(condition: Any, answers: dict[str, Any]) -> bool:
    """Whether a condition tree holds. A leaf on an unanswered question is false."""
    if isinstance(condition, AllOf):
        return all(evaluate(c, answers) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, answers) for c in condition.any)
    if isinstance(condition, NotOf):
        return not evaluate(condition.not_, answers)
    if condition.question not in answers:
        return False
    try:
        return bool(_COMPARE[condition.op](answers[condition.question], condition.value))
    except TypeError:
        return False


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value) or "none"
    return str(value)


def matched_leaves(condition: Any, answers: dict[str, Any]) -> list[str]:
    """The leaves of a condition that hold, in words: `days > 7 (answered 10)`."""
    if isinstance(condition, (AllOf, AnyOf)):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        return [text for c in parts for text in matched_leaves(c, answers)]
    if isinstance(condition, NotOf):
        held = not evaluate(condition.not_, answers)
        return [f"not ({'; '.join(describe(condition.not_))})"] if held else []
    if isinstance(condition, Leaf) and evaluate(condition, answers):
        return [f"{condition.question} {_SYMBOL[condition.op]} {show_value(condition.value)} "
                f"(answered {show_value(answers[condition.question])})"]
    return []


def describe(condition: Any) -> list[str]:
    if isinstance(condition, AllOf):
        return [" and ".join(x for c in condition.all for x in describe(c))]
    if isinstance(condition, AnyOf):
        return [" or ".join(x for c in condition.any for x in describe(c))]
    if isinstance(condition, NotOf):
        return [f"not ({'; '.join(describe(condition.not_))})"]
    return [f"{condition.question} {_SYMBOL[condition.op]} {show_value(condition.value)}"]


def source_ref(kb: KnowledgeBase, citation: Citation) -> SourceRef:
    doc = kb.documents[citation.document]
    return SourceRef(document=doc.id, title=doc.title, quote=citation.quote, url=doc.url)


def _unique(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def fired_rules(kb: KnowledgeBase, answers: dict[str, Any], stage: str) -> tuple[list[Rule], list[Rule]]:
    """(rules that apply to the symptom and stage, those of them that fired)."""
    applicable = kb.rules_for(answers["symptom"], stage)
    return applicable, [r for r in applicable if r.when is None or evaluate(r.when, answers)]


def decide_level(fired: list[Rule], red_flags: list[str]) -> tuple[str, Rule | None]:
    """The most urgent level among the fired rules and the rule that set it (highest priority,
    then first in the file). A red flag never yields less than `urgent`, whatever the rules say."""
    setters = [r for r in fired if r.then.level is not None]
    leader = min(setters, key=lambda r: (level_rank(r.then.level), -r.priority), default=None)  # type: ignore[arg-type]
    level = leader.then.level if leader else "see-clinician"
    if red_flags and level not in RED_FLAG_LEVELS:
        level, leader = "urgent", None
    return level, leader


def triage(kb: KnowledgeBase, answers: dict[str, Any], date: dt.date, *, explain: bool = False) -> Plan:
    """The plan for complete, normalised answers (see interview.complete) on `date`."""
    applicable, fired = fired_rules(kb, answers, "triage")
    red_flags = [qid for qid, value in answers.items() if qid.startswith("red_flag_") and value is True]
    level, leader = decide_level(fired, red_flags)
    urgent = level in RED_FLAG_LEVELS
    # When the plan is emergency or urgent only rules at that level speak: exercise advice,
    # routines and review dates from calmer rules would blur the message.
    speaking = [r for r in fired if r.then.level == level] if urgent else fired
    # The rule that set the level speaks first, then the others from most to least urgent.
    speaking = sorted(speaking, key=lambda r: (r is not leader, level_rank(r.then.level) if r.then.level else len(LEVELS)))

    chosen: dict[str, tuple[int, RoutineEntry]] = {}
    removed = {ex for r in speaking for ex in r.then.remove}
    for rule in speaking:
        for item in rule.then.routine:
            exercise = kb.exercises[item.exercise]
            entry = RoutineEntry(exercise=exercise.id, name=exercise.name, dose=item.dose or exercise.dose,
                                 timing=item.timing)
            if item.exercise not in chosen or rule.priority > chosen[item.exercise][0]:
                chosen[item.exercise] = (rule.priority, entry)
    routine = [] if urgent else [entry for ex_id, (_, entry) in chosen.items() if ex_id not in removed]

    review_days = [r.then.review_after_days for r in speaking if r.then.review_after_days]
    escalation = sorted(_unique([e for r in speaking for e in r.then.escalation]), key=lambda e: e.after_days)
    headline = leader.then.headline if leader and leader.then.headline else (
        "Urgent: you answered yes to a warning sign. See a doctor within a day or two." if urgent else
        "See a physical therapist: this rule base has no self-care plan for these answers.")

    trace = None
    if explain:
        trace = []
        for rule in applicable:
            was_fired = rule in fired
            overridden = leader.id if leader and was_fired and rule not in speaking else None
            matched = (matched_leaves(rule.when, answers) if rule.when is not None else ["always"]) if was_fired else []
            trace.append(TraceEntry(rule=rule.id, fired=was_fired, matched=matched, level=rule.then.level,
                                    overridden_by=overridden))

    return Plan(
        date=date,
        symptom=answers["symptom"],
        answers=answers,
        triage_level=level,  # type: ignore[arg-type]
        headline=headline,
        red_flags=red_flags,
        routine=routine,
        advice=_unique([a for r in speaking for a in r.then.advice]),
        stop_if=_unique([s for r in speaking for s in r.then.stop_if]),
        escalation=escalation,
        review_date=None if urgent or not review_days else date + dt.timedelta(days=min(review_days)),
        rules=[FiredRule(id=r.id, source=source_ref(kb, r.source)) for r in fired],
        disclaimer=kb.rules_file.disclaimer,
        trace=trace,
    )

