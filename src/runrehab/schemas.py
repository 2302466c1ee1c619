"""The output documents (documents/kinds.py) as pydantic sees them: their JSON Schemas for `runrehab
schema NAME` and stored_shapes.json, and validators for the tests. Only those import this module;
commands that apply rules or read the history never load pydantic.
"""
from __future__ import annotations

from functools import cache
from typing import Any, get_origin

from pydantic import BaseModel, TypeAdapter

from .documents import export
from .documents import kinds as documents
from .documents.vocabulary import SCHEMA_VERSION
from .rules.models import ExercisesFile, Question, RulesFile, Symptom


@cache
def adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def validated(kind: type, data: Any) -> Any:
    """`data` (JSON-ready, or JSON text) read as a `kind` document; pydantic's ValidationError when it is not one."""
    if isinstance(data, (str, bytes)):
        return adapter(kind).validate_json(data)
    return adapter(kind).validate_python(data)


def _schema(kind: Any, mode: str) -> dict[str, Any]:
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return kind.model_json_schema(mode=mode)  # type: ignore[arg-type]
    return adapter(kind).json_schema(mode=mode)  # type: ignore[arg-type]


def json_schema(name: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of an output document or of a rule-base file. An output's
    schema requires `schema_version`, of the document or, for a list, of each of its items."""
    kind, mode = SCHEMAS[name]
    schema = _schema(kind, mode)
    if name not in INPUTS:
        _require_version(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"runrehab:{name}", **schema}


def _require_version(schema: dict[str, Any]) -> None:
    """`schema_version` added where it is missing and required: at the top, or in a list's items."""
    shape = schema.get("items", schema)
    if "$ref" in shape:
        shape = schema["$defs"][shape["$ref"].rpartition("/")[2]]
    shape["properties"] = {"schema_version": {"default": SCHEMA_VERSION, "title": "Schema Version", "type": "integer"},
                           **shape["properties"]}
    shape["required"] = ["schema_version", *(r for r in shape.get("required", ()) if r != "schema_version")]


class ListedSymptom(Symptom):
    """A symptom as `runrehab symptoms --json` lists it: with where it hurts (the first question's
    words for it, and the ids of its places; none for a symptom reached otherwise)."""

    region: str | None = None
    regions: list[str] = []


# One schema per output, named as the command that prints it; then the input `session --log`
# reads, and the rule-base files. Lists stay lists (`exercises`, `questions`, `symptoms`).
SCHEMAS: dict[str, tuple[Any, str]] = {
    "triage": (documents.Plan, "serialization"),
    "plan": (documents.PlanStatus, "serialization"),
    "checkin": (documents.CheckIn, "serialization"),
    "exercise": (documents.ExerciseDoc, "serialization"),
    "exercises": (list[documents.ExerciseDoc], "serialization"),
    "questions": (list[Question], "serialization"),
    "symptoms": (list[ListedSymptom], "serialization"),
    "today": (documents.TodayDoc, "serialization"),
    "session": (documents.Session, "serialization"),
    "history": (documents.HistoryDoc, "serialization"),
    "validate": (documents.ValidationReport, "serialization"),
    "session-log": (documents.LogSummary, "serialization"),
    "log": (documents.LogEntry, "validation"),
    "export": (export.ExportDoc, "serialization"),
    "rules": (RulesFile, "validation"),
    "exercises-file": (ExercisesFile, "validation"),
}
INPUTS = ("log", "rules", "exercises-file")  # what runrehab reads: no version asked of them


def described(name: str) -> str:
    """What the schema `name` describes, in words (completion shows them)."""
    if name in INPUTS:
        return {"log": "an entry `session --log` reads", "rules": "the rule-base file rules.yaml",
                "exercises-file": "the rule-base file exercises.yaml"}[name]
    if name == "session-log":
        return "what `session --log --json` prints"
    return f"what `{name} --json` prints" + (": a list" if get_origin(SCHEMAS[name][0]) is list else "")


def stored_shapes() -> dict[str, Any]:
    """The JSON Schemas of the documents the history keeps, sharing one `$defs`: what
    documents/stored.py checks rows against without loading pydantic (written to stored_shapes.json)."""
    out: dict[str, Any] = {"$defs": {}}
    for kind in (documents.Plan, documents.CheckIn, documents.LogEntry, documents.LoggedEntry):
        schema = _schema(kind, "validation")
        out["$defs"].update(schema.pop("$defs", {}))
        out[kind.__name__] = schema
    return out
