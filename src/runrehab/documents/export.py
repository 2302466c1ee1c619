"""The whole history in and out (`runrehab export`, `runrehab import`): every plan with its
check-ins and session logs, each with the stable id that import merges by."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from .base import Document, Limits
from .kinds import CheckIn, LogEntry, Plan
from .vocabulary import SCHEMA_VERSION

EXPORT_FORMAT = "runrehab-export"
Uid = Annotated[str, Limits(pattern=r"^[0-9a-f]{32}$")]  # a row's stable id (export, import)


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
