"""A rule-base file's YAML data made into Records without pydantic, where that is sure.

Importing pydantic and building the models (rules/models.py) costs more than reading the YAML:
the first run after install paid it for a rule base that is almost always valid. Here the data is
checked against the models as rules/record_shapes.py writes them out (authored_shapes.json: each
field's key, what it may hold, its bounds and default) and against rules/invariants.py, the same
functions the models' validators call. Only data that needs no conversion is taken (a whole
number where one is wanted, text where text is); anything else (a wrong type, a missing or unknown
key, a bound crossed, a value pydantic would convert, a check that fails) gives None, and the
models read the file as before: every refusal is still pydantic's, word for word.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..documents.record import Record
from .conditions import condition_kind
from .invariants import COMPUTED, PROBLEMS

SHAPES_FILE = Path(__file__).with_name("authored_shapes.json")  # rules/record_shapes.py makes it from the models


class _Unsure(Exception):
    """The data is not surely what the models accept as it is: pydantic decides."""


@lru_cache(maxsize=None)
def _shapes() -> dict[str, Any]:
    return json.loads(SHAPES_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def records(file: str, data: Any) -> Any:
    """The Records the model of `file` ("rules_file" or "exercises_file") makes of `data`, as
    documents.record.record(model.model_validate(data)) would; None when that is not sure."""
    shapes = _shapes()
    try:
        return _record(shapes["models"], shapes["files"][file], data)
    except (_Unsure, RecursionError):
        return None


def _record(models: dict[str, Any], name: str, data: Any) -> Record:
    if type(data) is not dict:
        raise _Unsure
    spec = models[name]
    fields = spec["fields"]
    if len(data) > len(fields) or not all(type(key) is str for key in data):
        raise _Unsure
    values: dict[str, Any] = {}
    used = 0
    for field, key, kinds, required, default in fields:
        if key in data:
            values[field] = _value(models, kinds, data[key])
            used += 1
        elif required:
            raise _Unsure
        else:
            values[field] = _copied(default)
    if used != len(data):  # a key of no field
        raise _Unsure
    made = Record(**values)
    for computed, _ in spec["computed"]:
        setattr(made, computed, COMPUTED[computed](made))
    if spec["checked"] and PROBLEMS[name](made):
        raise _Unsure
    return made


def _value(models: dict[str, Any], kinds: list[dict[str, Any]], value: Any) -> Any:
    kind = type(value)
    for shape in kinds:
        t = shape["t"]
        if t == "any":
            return _copied(value)
        if t == "null":
            if value is None:
                return None
        elif t == "str":
            if kind is str:
                if len(value) < shape.get("min_length", 0) or len(value) > shape.get("max_length", len(value)) \
                        or ("pattern" in shape and not _pattern(shape["pattern"]).fullmatch(value)):
                    raise _Unsure
                return value
        elif t == "int":
            if kind is int:
                if ("ge" in shape and value < shape["ge"]) or ("le" in shape and value > shape["le"]) \
                        or ("gt" in shape and value <= shape["gt"]) or ("lt" in shape and value >= shape["lt"]):
                    raise _Unsure
                return value
        elif t == "bool":
            if kind is bool:
                return value
        elif t == "enum":
            if any(kind is type(choice) and value == choice for choice in shape["of"]):
                return value
        elif t == "list":
            if kind is list:
                if len(value) < shape.get("min_length", 0) or len(value) > shape.get("max_length", len(value)):
                    raise _Unsure
                return [_value(models, shape["of"], item) for item in value]
        elif t == "dict":
            if kind is dict:
                if not all(type(key) is str for key in value):
                    raise _Unsure
                return {key: _value(models, shape["of"], item) for key, item in value.items()}
        elif t == "record":
            if kind is dict:
                return _record(models, shape["model"], value)
        elif t == "tagged":
            if kind is dict:
                return _record(models, shape["of"][condition_kind(value)], value)
        else:
            raise _Unsure  # a kind this reader does not know
    raise _Unsure


def _copied(value: Any) -> Any:
    """Plain data copied as documents.record.record copies what pydantic hands back as it was given."""
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    return value
