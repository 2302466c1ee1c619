"""What a question of the rule base must be, whichever form it takes: a model as its YAML is
read (rules/models.py) or a cached Record (rules/cached.py)."""
from __future__ import annotations

from typing import Any

from ..documents.vocabulary import is_red_flag


def question_problem(question: Any) -> str | None:
    """What makes a question (a model as its YAML is read, or a cached Record) inconsistent with
    itself; None when nothing does."""
    q = question
    choices = set(q.choices or [])
    if q.type in ("choice", "multi") and not q.choices:
        return f"a {q.type} question needs `choices`"
    if q.type not in ("choice", "multi") and q.choices is not None:
        return f"a {q.type} question takes no `choices`"
    if set(q.labels) - choices:
        return f"`labels` name choices that do not exist: {', '.join(sorted(set(q.labels) - choices))}"
    if q.type != "integer" and (q.min is not None or q.max is not None):
        return f"a {q.type} question takes no `min`/`max`"
    if q.type == "integer" and (q.min is None or q.max is None or q.min > q.max):
        return "an integer question needs `min` <= `max`"
    if q.red_flag and (q.type != "yes_no" or q.default is not None):
        return "a red_flag_ question is a yes_no question without a default"
    if q.red_flag != (q.sign is not None) or q.red_flag != is_red_flag(q.id):
        return ("a red_flag_ question needs a `sign` (the warning sign in a few words, as a plan announces it); "
                "other questions take none")
    if q.asked_once and not {"triage", "checkin"} <= set(q.stages):
        return ("`asked_once` marks a triage question whose answer a check-in takes over: its `stages` need both "
                "triage and checkin")
    return None
