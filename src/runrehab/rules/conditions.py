"""The condition language of rules.yaml: `all`, `any`, `not` and leaves that test one answer.

One place for what a condition is (its kind and leaves), which operators fit which question
type, and what it means: compiled to a function of the answers, evaluated over partly known
answers (three-valued), and described in words. Conditions come as YAML data, pydantic models
or Records alike; only their attributes are used.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

Loc = tuple[Any, ...]

OPS_BY_TYPE = {
    "yes_no": {"eq", "ne"},
    "integer": {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"},
    "choice": {"eq", "ne", "in", "not_in"},
    "multi": {"contains"},
}
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
_UNANSWERED = object()  # equal to no answer
_SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in", "not_in": "not in",
           "contains": "includes"}


def condition_kind(value: Any) -> str:
    """"all", "any", "not" or "leaf", for a condition as YAML data, model or Record."""
    if isinstance(value, dict):
        return next((key for key in ("all", "any", "not") if key in value), "leaf")
    if hasattr(value, "question"):
        return "leaf"
    return "all" if hasattr(value, "all") else "any" if hasattr(value, "any") else "not"


def leaves(condition: Any, loc: Loc = ()) -> Iterator[tuple[Any, Loc]]:
    """Every leaf of a condition tree with its path in the YAML (for FILE:LINE of a problem)."""
    kind = condition_kind(condition)
    if kind in ("all", "any"):
        for i, c in enumerate(getattr(condition, kind)):
            yield from leaves(c, (*loc, kind, i))
    elif kind == "not":
        yield from leaves(condition.not_, (*loc, "not"))
    else:
        yield condition, loc


def compiled(condition: Any) -> Callable[[dict[str, Any]], bool]:
    """A condition tree as a function of the answers. A leaf on an unanswered question is false."""
    question = getattr(condition, "question", None)
    if question is not None:
        compare, value = _COMPARE[condition.op], condition.value
        if condition.op == "eq":  # most leaves (every warning sign's): == never raises, an unanswered one is false
            return lambda answers: answers.get(question, _UNANSWERED) == value

        def leaf(answers: dict[str, Any]) -> bool:
            try:
                return bool(compare(answers[question], value))
            except (KeyError, TypeError):  # unanswered, or an answer of another type
                return False
        return leaf
    kind = condition_kind(condition)
    if kind == "not":
        inner = compiled(condition.not_)
        return lambda answers: not inner(answers)
    parts = tuple(compiled(c) for c in getattr(condition, kind))
    if kind == "all":
        def all_of(answers: dict[str, Any]) -> bool:
            for part in parts:
                if not part(answers):
                    return False
            return True
        return all_of

    def any_of(answers: dict[str, Any]) -> bool:
        for part in parts:
            if part(answers):
                return True
        return False
    return any_of


def evaluate(condition: Any, answers: dict[str, Any]) -> bool:
    """Whether a condition tree holds (see compiled)."""
    return compiled(condition)(answers)


def possible(condition: Any, known: dict[str, Any]) -> bool | None:
    """A condition tree over partly known answers: True or False when the known answers settle
    it, None when it depends on answers not known yet."""
    kind = condition_kind(condition)
    if kind == "leaf":
        return evaluate(condition, known) if condition.question in known else None
    if kind == "not":
        inner = possible(condition.not_, known)
        return None if inner is None else not inner
    parts = [possible(c, known) for c in getattr(condition, kind)]
    if kind == "all":
        return False if False in parts else True if all(p is True for p in parts) else None
    return True if True in parts else False if all(p is False for p in parts) else None


def band_values(q: Any, tests: list[Any]) -> list[Any]:
    """One answer per band of a question, the bands being what the condition leaves `tests` on it
    can tell apart: every choice, both yes and no, every set of the choices a leaf names (a set of
    choices falls into the band of the named ones it holds), and for integers the
    lowest value of each band the thresholds cut the range into (in increasing order, the first
    the question's minimum). Every leaf holds for all the values of a band or for none."""
    if q.type == "yes_no":
        return [False, True]
    if q.type == "choice":
        return list(q.choices or [])
    if q.type == "multi":
        named = {leaf.value for leaf in tests}
        choices = [c for c in q.choices or [] if c in named]
        return [list(c) for n in range(len(choices) + 1) for c in itertools.combinations(choices, n)]
    cuts = {q.min}
    for leaf in tests:
        for v in leaf.value if isinstance(leaf.value, list) else [leaf.value]:
            cuts |= {v} if leaf.op in ("lt", "ge") else {v + 1} if leaf.op in ("le", "gt") else {v, v + 1}
    return sorted(c for c in cuts if q.min <= c <= q.max)


def show_value(value: Any) -> str:
    """An answer or a tested value in words: yes/no, lists comma-separated."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value) or "none"
    return str(value)


def describe(condition: Any) -> list[str]:
    kind = condition_kind(condition)
    if kind in ("all", "any"):
        joiner = " and " if kind == "all" else " or "
        return [joiner.join(x for c in getattr(condition, kind) for x in describe(c))]
    if kind == "not":
        return [f"not ({'; '.join(describe(condition.not_))})"]
    return [f"{condition.question} {_SYMBOL[condition.op]} {show_value(condition.value)}"]


def matched_leaves(condition: Any, answers: dict[str, Any]) -> list[str]:
    """The leaves of a condition that hold, in words: `days > 7 (answered 10)`."""
    kind = condition_kind(condition)
    if kind in ("all", "any"):
        return [text for c in getattr(condition, kind) for text in matched_leaves(c, answers)]
    if kind == "not":
        held = not evaluate(condition.not_, answers)
        return [f"not ({'; '.join(describe(condition.not_))})"] if held else []
    if evaluate(condition, answers):
        return [f"{condition.question} {_SYMBOL[condition.op]} {show_value(condition.value)} "
                f"(answered {show_value(answers[condition.question])})"]
    return []
