"""What a part of the rule base must be beyond its fields' types, whichever form it takes: a
pydantic model as its YAML is read (rules/models.py raises each as a validation error) or a
Record made by rules/authored.py. Each returns what is wrong, or None."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..documents.vocabulary import is_red_flag
from .questions import question_problem


def range_problem(r: Any) -> str | None:
    return f"min ({r.min}) is greater than max ({r.max})" if r.min > r.max else None


def schedule_problem(s: Any) -> str | None:
    if s.days_per_week is not None and s.days_per_week.max > 7:
        return f"days_per_week goes up to 7, not {s.days_per_week.max}"
    return None


def load_problem(load: Any) -> str | None:
    return "a `load` gives `rm`, `added` or both" if load.rm is None and load.added is None else None


def document_problem(doc: Any) -> str | None:
    roles = [v.role for v in doc.voices]
    if len(set(roles)) != len(roles):
        return "each role may speak once in `voices`"
    if doc.kind == "seed" and not doc.voices:
        return "a seed document lists its `voices` (who speaks in it: expert, trainer, runner)"
    if doc.kind == "seed" and "guideline" in roles:
        return "a seed document has no `guideline` voice"
    if doc.kind == "guideline" and set(roles) - {"guideline"}:
        return "a guideline document speaks only as `guideline`"
    if len(doc.voices) > 1 and not all(v.starts for v in doc.voices):
        return "with several voices, each names the opening words of its parts in `starts`"
    if doc.text is not None and (doc.text.startswith(("/", "\\")) or ".." in doc.text.replace("\\", "/").split("/")):
        return "`text` is a path inside the rule-base folder"
    return None


def routine_item_problem(item: Any) -> str | None:
    starts = [w.from_week for w in item.weeks]
    return "`weeks` go in order of `from_week`, each week once" if starts != sorted(set(starts)) else None


def outcome_problem(out: Any) -> str | None:
    if out.level is not None and not out.headline:
        return "an outcome that sets a `level` needs a `headline`"
    if out.see_within is not None and out.level != "urgent":
        return "`see_within` says how soon an urgent outcome is to be seen; this outcome is not urgent"
    return None


def where_problem(where: Any) -> str | None:
    if where.routes[-1].when is not None:
        return "the last route has no `when`, so that every answer leads to a symptom"
    return None


# by model name: what each model checks once its fields are read
PROBLEMS: dict[str, Callable[[Any], str | None]] = {
    "Range": range_problem, "Schedule": schedule_problem, "Load": load_problem, "Document": document_problem,
    "Question": question_problem, "RoutineItem": routine_item_problem, "Outcome": outcome_problem,
    "Where": where_problem,
}


def red_flag(question: Any) -> bool:
    """Whether a question asks about a warning sign: its id says so (documents.vocabulary.is_red_flag)."""
    return is_red_flag(question.id)


# by name: the computed fields of the models, worked out from the others
COMPUTED: dict[str, Callable[[Any], Any]] = {"red_flag": red_flag}
