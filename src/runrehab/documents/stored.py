"""Documents read back from the history: checked strictly (what runrehab wrote is exactly of its
type, so anything else is damage) and made the documents (documents/kinds.py) the engine made them
from, without pydantic. The shapes are the JSON Schemas of documents.Plan and CheckIn, generated
into stored_shapes.json by schemas (tests check that file against the documents)."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import kinds as documents
from .record import Record
from .vocabulary import KEYWORD_FIELDS

SHAPES_FILE = Path(__file__).with_name("stored_shapes.json")
KINDS = {"plan": "Plan", "check-in": "CheckIn", "log": "LogEntry", "logged": "LoggedEntry"}
_PYTHON_NAMES = {key: name for name, key in KEYWORD_FIELDS.items()}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}


class NotOfShape(ValueError):
    def __init__(self, where: tuple[Any, ...], message: str):
        super().__init__(f"{'.'.join(map(str, where)) + ': ' if where else ''}{message}")


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
    return _shaped(every[KINDS[kind]], document, (), every["$defs"])


def _shaped(shape: dict[str, Any], value: Any, where: tuple[Any, ...], defs: dict[str, Any]) -> Any:
    if "$ref" in shape:
        return _shaped(defs[shape["$ref"].rpartition("/")[2]], value, where, defs)
    if "anyOf" in shape:
        for branch in shape["anyOf"]:
            try:
                return _shaped(branch, value, where, defs)
            except NotOfShape:
                continue
        raise NotOfShape(where, f"{_kind(value)} is none of the allowed kinds")
    if "type" in shape and type(value) is not _TYPES[shape["type"]]:
        raise NotOfShape(where, f"expected {shape['type']}, got {_kind(value)}")
    if "enum" in shape and value not in shape["enum"]:
        raise NotOfShape(where, f"{str(value)[:40]!r} is not one of {', '.join(map(str, shape['enum']))}")
    if isinstance(value, int) and not shape.get("minimum", value) <= value <= shape.get("maximum", value):
        raise NotOfShape(where, f"{value} is out of range (allowed: {shape.get('minimum', '')}-{shape.get('maximum', '')})")
    if "not" in shape:
        try:
            _shaped(shape["not"], value, where, defs)
        except NotOfShape:
            pass
        else:
            raise NotOfShape(where, f"cannot hold {' and '.join(shape['not'].get('required', ['this']))} together")
    if isinstance(value, list) and shape.get("uniqueItems") and len(set(map(json.dumps, value))) < len(value):
        raise NotOfShape(where, f"{json.dumps(value)[:40]} names an item twice")
    if isinstance(value, str):
        if len(value) < shape.get("minLength", 0):
            raise NotOfShape(where, "is empty")
        if "pattern" in shape and not re.search(shape["pattern"], value):
            raise NotOfShape(where, f"{value[:40]!r} is not of the form {shape['pattern']}")
        if shape.get("format") == "date":
            try:
                if not _DATE.fullmatch(value):
                    raise ValueError
                return dt.date.fromisoformat(value)
            except ValueError:
                raise NotOfShape(where, f"{value[:40]!r} is not a date") from None
    if isinstance(value, list) and "items" in shape:
        return [_shaped(shape["items"], item, (*where, i), defs) for i, item in enumerate(value)]
    if isinstance(value, dict) and "properties" in shape:
        return _record(shape, value, where, defs)
    return value


def _record(shape: dict[str, Any], value: dict[str, Any], where: tuple[Any, ...], defs: dict[str, Any]) -> Any:
    properties = shape["properties"]
    unknown = [key for key in value if key not in properties]
    if unknown and shape.get("additionalProperties") is False:
        raise NotOfShape((*where, unknown[0]), "is not a field of this document")
    missing = [key for key in shape.get("required", []) if key not in value]
    if missing:
        raise NotOfShape((*where, missing[0]), "is missing")
    fields = {}
    for key, field_shape in properties.items():
        if key in value:
            fields[_PYTHON_NAMES.get(key, key)] = _shaped(field_shape, value[key], (*where, key), defs)
        else:
            fields[_PYTHON_NAMES.get(key, key)] = _shaped(field_shape, copy.deepcopy(field_shape.get("default")),
                                                          (*where, key), defs)
    kind = getattr(documents, shape.get("title", ""), None)  # each shape is named for its document
    return kind(**fields) if isinstance(kind, type) else Record(**fields)


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), type(value).__name__)
