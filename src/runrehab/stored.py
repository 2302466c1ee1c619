"""Documents read back from the history as the Records the engine made them from."""
from __future__ import annotations

from typing import Any

from .records import Record, record


def read_plan(document: dict[str, Any]) -> Record:
    """A stored plan as a document; ValueError when it is not one."""
    from .document_models import Plan

    return record(Plan.model_validate(document))


def read_checkin(document: dict[str, Any]) -> Record:
    """A stored check-in as a document; ValueError when it is not one."""
    from .document_models import CheckIn

    return record(CheckIn.model_validate(document))
