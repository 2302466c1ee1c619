"""The history's rows as the rest of the package reads them (history.store makes them)."""
from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple


class StoredPlan(NamedTuple):
    id: int
    symptom: str
    date: dt.date
    current: bool
    document: dict[str, Any]
    kb_version: str
    kb_hash: str
    record: Any = None  # the document as the engine takes it, made by the same check


class LoggedExercise(NamedTuple):
    """An exercise done in a session (sessions.LogEntry's fields), with the plan it belongs to."""

    id: int
    plan_id: int
    symptom: str
    date: dt.date
    exercise: str
    entry: dict[str, Any]


class StoredCheckIn(NamedTuple):
    id: int
    plan_id: int
    date: dt.date
    document: dict[str, Any]
    record: Any = None  # the document as the engine takes it, made by the same check
