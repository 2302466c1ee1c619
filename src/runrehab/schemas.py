"""The output documents (documents/kinds.py) as pydantic sees them: their JSON Schemas for `runrehab
schema NAME` and stored_shapes.json, and validators for the tests. Only those import this module;
commands that apply rules or read the history never load pydantic.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .documents import kinds as documents
from .rules.models import ExercisesFile, RulesFile


@cache
def adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def validated(kind: type, data: Any) -> Any:
    """`data` (JSON-ready, or JSON text) read as a `kind` document; pydantic's ValidationError when it is not one."""
    if isinstance(data, (str, bytes)):
        return adapter(kind).validate_json(data)
    return adapter(kind).validate_python(data)


def _schema(kind: type, mode: str) -> dict[str, Any]:
    if issubclass(kind, BaseModel):
        return kind.model_json_schema(mode=mode)  # type: ignore[arg-type]
    return adapter(kind).json_schema(mode=mode)  # type: ignore[arg-type]


def json_schema(name: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of an output document or of a rule-base file."""
    kind, mode = SCHEMAS[name]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"runrehab:{name}", **_schema(kind, mode)}


SCHEMAS: dict[str, tuple[type, str]] = {
    "plan": (documents.PlanStatus, "serialization"),
    "exercise": (documents.ExerciseDoc, "serialization"),
    "checkin": (documents.CheckIn, "serialization"),
    "exercises": (ExercisesFile, "validation"),
    "rules": (RulesFile, "validation"),
    "history": (documents.HistoryDoc, "serialization"),
    "today": (documents.TodayDoc, "serialization"),
    "validate": (documents.ValidationReport, "serialization"),
    "session": (documents.Session, "serialization"),
    "log": (documents.LogEntry, "validation"),
    "export": (documents.ExportDoc, "serialization"),
}


def stored_shapes() -> dict[str, Any]:
    """The JSON Schemas of the documents the history keeps, sharing one `$defs`: what
    documents/stored.py checks rows against without loading pydantic (written to stored_shapes.json)."""
    out: dict[str, Any] = {"$defs": {}}
    for kind in (documents.Plan, documents.CheckIn):
        schema = _schema(kind, "validation")
        out["$defs"].update(schema.pop("$defs", {}))
        out[kind.__name__] = schema
    return out
