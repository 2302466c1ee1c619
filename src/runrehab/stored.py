"""Documents read back from the history: checked strictly (what runrehab wrote is exactly of its
type, so anything else is damage) and made the Records the engine made them from."""
from __future__ import annotations

import json
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


def checked_document(kind: str, text: Any) -> dict[str, Any]:
    """The stored JSON text of a "plan" or "check-in" as data; ValueError saying why it is not one."""
    from pydantic import ValidationError

    from .document_models import CheckIn, Plan

    if not isinstance(text, (str, bytes)):
        raise ValueError("has no document")
    try:
        (Plan if kind == "plan" else CheckIn).model_validate_json(text, strict=True)
        document = json.loads(text)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"holds a document that is not one ({where + ': ' if where else ''}{first['msg']})") from None
    except (ValueError, RecursionError):
        raise ValueError("holds a document that is not one") from None
    if kind == "plan":
        for qid, low, high in (("days", 0, 3650), ("pain_score", 0, 10)):
            value = document["answers"].get(qid, low)
            if type(value) is not int or not low <= value <= high:
                raise ValueError(f"has the answer {qid} = {str(value)[:40]!r} (allowed: {low}..{high})")
    return document
