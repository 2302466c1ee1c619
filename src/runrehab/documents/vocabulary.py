"""The words documents and the rule base share, each list defined once as a `Literal` (what
the schemas show) with its tuple taken from it by `typing.get_args` (what the code tests); the
schema version and the limits on dates and reviews; and the small rules on those words.

Imported by every command: plain Python, no pydantic."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

SCHEMA_VERSION = 1
# A plan looks ahead up to 3650 days (escalations' after_days; reviews come sooner): a later day
# would have review and escalation dates past the calendar's end. No plan or check-in is later.
LATEST_DAY = dt.date.max - dt.timedelta(days=3650)
RedFlagLevel = Literal["emergency", "urgent"]  # the levels a warning sign sends a runner to
Level = Literal[RedFlagLevel, "see-clinician", "self-care"]  # most urgent first
LEVELS: tuple[str, ...] = get_args(Level)
RED_FLAG_LEVELS: tuple[str, ...] = get_args(RedFlagLevel)
Category = Literal["strength", "stretch", "mobility", "soft-tissue", "running"]  # what kind of exercise
Stage = Literal["triage", "checkin"]  # when a rule applies and a question is asked
Status = Literal["active", "upkeep", "escalated", "stopped"]  # where a plan stands
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MOST_REVIEW_DAYS = 365  # a rule's review_after_days is 1 to this
# Field names that are Python keywords carry a trailing underscore; in YAML and JSON they do not.
KEYWORD_FIELDS = {"if_": "if", "not_": "not"}


def unique(items: list[Any]) -> list[Any]:
    """The items in order, each once (items need not be hashable)."""
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def is_red_flag(question_id: str) -> bool:
    """Whether a question is a red-flag screen: by the contract, its id starts `red_flag_`."""
    return question_id.startswith("red_flag_")


def warning_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to the warning signs (red-flag screens) among `answers`, in the order given."""
    return {q: v for q, v in answers.items() if is_red_flag(q)}


When = Literal["before a run", "during the day", "after a run"]  # where an exercise falls around a run
ORDER: tuple[str, ...] = get_args(When)  # in the order to do them


def when(timing: str | None) -> str:
    """Where an exercise falls around a run, from its timing: before, after, or any time of day."""
    words = (timing or "").strip().lower()
    if words.startswith("before"):
        return "before a run"
    if words.startswith("after"):
        return "after a run"
    return "during the day"


def level_rank(level: str) -> int:
    """0 for the most urgent level; lower is more urgent."""
    return LEVELS.index(level)
