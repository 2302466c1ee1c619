"""`runrehab export` and `runrehab import`: the whole history as one document, every plan with
its check-ins and logged exercises as the history keeps them, each under a stable id."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from ..records import SCHEMA_VERSION
from .base import Document, Limits
from .kinds import CheckIn, LogEntry, Plan

EXPORT_FORMAT = "runrehab-export"
Uid = Annotated[str, Limits(pattern=r"^[0-9a-f]{32}$")]


class ExportCheckIn(Document):
    id: Uid
    saved_at: str  # when it was saved (UTC, ISO 8601)
    answers: dict[str, Any]  # the answers given, as kept
    document: CheckIn


class ExportSession(Document):
    id: Uid
    saved_at: str
    entry: LogEntry


class ExportPlan(Document):
    id: Uid
    saved_at: str
    current: bool  # its symptom's current plan
    kb_version: str  # the rule base that made it
    kb_hash: str
    document: Plan
    checkins: list[ExportCheckIn]  # oldest first
    sessions: list[ExportSession]  # oldest first


class ExportDoc(Document):
    """`runrehab export`: every plan, oldest first, with its check-ins and session logs."""

    schema_version: int = SCHEMA_VERSION
    format: Literal["runrehab-export"] = EXPORT_FORMAT
    plans: list[ExportPlan]
