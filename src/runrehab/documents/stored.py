"""Documents read back from the history: checked strictly (what runrehab wrote is exactly of its
type, so anything else is damage) and made the documents (documents/kinds.py) the engine made them
from, without pydantic. The shapes are the JSON Schemas of documents.Plan and CheckIn, generated
into stored_shapes.json by schemas (tests check that file against the documents)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .record import Record
from .shapers import compiled
from .value_shapers import NotOfShape

SHAPES_FILE = Path(__file__).with_name("stored_shapes.json")
KINDS = {"plan": "Plan", "check-in": "CheckIn", "log": "LogEntry", "logged": "LoggedEntry"}


@lru_cache(maxsize=None)
def shapes() -> dict[str, Any]:
    return json.loads(SHAPES_FILE.read_text(encoding="utf-8"))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON data")


def checked_document(kind: str, text: Any) -> dict[str, Any]:
    """The stored JSON text of a "plan" or "check-in" as data; ValueError saying why it is not one."""
    return checked(kind, text)[0]


def checked(kind: str, text: Any) -> tuple[dict[str, Any], Any]:
    """The stored JSON text of a "plan" or "check-in" as data and as its document, checked in one
    pass; ValueError saying why it is not one."""
    if not isinstance(text, (str, bytes)):
        raise ValueError("has no document")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
        record = shaped(kind, document)
    except NotOfShape as exc:
        raise ValueError(f"holds a document that is not one ({exc})") from None
    except (ValueError, RecursionError):
        raise ValueError("holds a document that is not one") from None
    if kind == "plan":
        for qid, low, high in (("days", 0, 3650), ("pain_score", 0, 10)):
            value = document["answers"].get(qid, low)
            if type(value) is not int or not low <= value <= high:
                raise ValueError(f"has the answer {qid} = {str(value)[:40]!r} (allowed: {low}..{high})")
    return document, record


def read_plan(document: dict[str, Any]) -> Record:
    """A stored plan as a document; ValueError when it is not one."""
    return shaped("plan", document)


def read_checkin(document: dict[str, Any]) -> Record:
    """A stored check-in as a document; ValueError when it is not one."""
    return shaped("check-in", document)


def shaped(kind: str, document: Any) -> Any:
    """`document` as its documents (documents/kinds.py), defaults filled in and dates as dates;
    NotOfShape naming the first place that differs from the model."""
    every = shapes()
    return compiled(every[KINDS[kind]], every["$defs"])(document, ())
