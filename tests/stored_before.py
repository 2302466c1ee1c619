"""A reference copy, for tests only, of how documents.stored shaped a stored document before its
functions were made for each shape's own keywords: one closure a shape, whatever keywords it holds
(`_single`), branches tried by catching the refusal (`_any_of`). tests/test_stored_shapes.py checks
that documents.stored gives exactly what this gives, document or refusal, for any document. Only
how a refusal is worded (NotOfShape) and how a value's kind is named are the package's own."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any, Callable

from runrehab.documents import kinds as documents
from runrehab.documents.base import Document
from runrehab.documents.record import Record
from runrehab.documents.stored import KINDS, shapes
from runrehab.documents.value_shapers import NotOfShape
from runrehab.documents.value_shapers import kind_of as _kind
from runrehab.documents.vocabulary import KEYWORD_FIELDS

_PYTHON_NAMES = {key: name for name, key in KEYWORD_FIELDS.items()}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}


def shaped(kind: str, document: Any) -> Any:
    every = shapes()
    return _compiled(every[KINDS[kind]], every["$defs"])(document, ())


Shaper = Callable[[Any, tuple[Any, ...]], Any]  # a value and where it is -> the value shaped; NotOfShape


_MADE: dict[int, Shaper] = {}  # by id of the shape (the shapes of stored.shapes() live as long as the process)


def _compiled(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    if id(shape) not in _MADE:
        _MADE[id(shape)] = _compile(shape, defs)
    return _MADE[id(shape)]


def _compile(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    if "$ref" in shape:
        return _compiled(defs[shape["$ref"].rpartition("/")[2]], defs)
    if "anyOf" in shape:
        return _any_of([(_type_at_once(branch, defs), _compiled(branch, defs)) for branch in shape["anyOf"]])
    return _single(shape, defs)


def _type_at_once(shape: dict[str, Any], defs: dict[str, Any]) -> type | None:
    """The type a value must have for `shape` not to refuse it at once (None: no such type)."""
    while "$ref" in shape:
        shape = defs[shape["$ref"].rpartition("/")[2]]
    return _TYPES[shape["type"]] if "type" in shape and "anyOf" not in shape else None


def _any_of(branches: list[tuple[type | None, Shaper]]) -> Shaper:
    def any_of(value: Any, where: tuple[Any, ...]) -> Any:
        for kind, branch in branches:
            if kind is not None and type(value) is not kind:
                continue  # refused by its type: no exception made for it
            try:
                return branch(value, where)
            except NotOfShape:
                continue
        raise NotOfShape(where, f"{_kind(value)} is none of the allowed kinds")
    return any_of


def _single(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    expected = shape.get("type")
    kind = _TYPES[expected] if expected is not None else None
    enum = shape.get("enum")
    bounded = "minimum" in shape or "maximum" in shape
    low, high = shape.get("minimum"), shape.get("maximum")
    refused = _compiled(shape["not"], defs) if "not" in shape else None
    unique = bool(shape.get("uniqueItems"))
    min_length = shape.get("minLength", 0)
    pattern = re.compile(shape["pattern"]) if "pattern" in shape else None
    is_date = shape.get("format") == "date"
    items = _compiled(shape["items"], defs) if "items" in shape else None
    record = _record(shape, defs) if "properties" in shape else None

    def single(value: Any, where: tuple[Any, ...]) -> Any:
        if kind is not None and type(value) is not kind:
            raise NotOfShape(where, f"expected {expected}, got {_kind(value)}")
        if enum is not None and value not in enum:
            raise NotOfShape(where, f"{str(value)[:40]!r} is not one of {', '.join(map(str, enum))}")
        if bounded and isinstance(value, int) and not (value if low is None else low) <= value <= (
                value if high is None else high):
            raise NotOfShape(where, f"{value} is out of range (allowed: {'' if low is None else low}-"
                                    f"{'' if high is None else high})")
        if refused is not None:
            try:
                refused(value, where)
            except NotOfShape:
                pass
            else:
                raise NotOfShape(where, f"cannot hold {' and '.join(shape['not'].get('required', ['this']))} together")
        if isinstance(value, list):
            if unique and len(set(map(json.dumps, value))) < len(value):
                raise NotOfShape(where, f"{json.dumps(value)[:40]} names an item twice")
            if items is not None:
                return [items(item, (where, i)) for i, item in enumerate(value)]
        elif isinstance(value, str):
            if len(value) < min_length:
                raise NotOfShape(where, "is empty")
            if pattern is not None and not pattern.search(value):
                raise NotOfShape(where, f"{value[:40]!r} is not of the form {shape['pattern']}")
            if is_date:
                try:
                    if not _DATE.fullmatch(value):
                        raise ValueError
                    return dt.date.fromisoformat(value)
                except ValueError:
                    raise NotOfShape(where, f"{value[:40]!r} is not a date") from None
        elif record is not None and isinstance(value, dict):
            return record(value, where)
        return value
    return single


def _record(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    properties = shape["properties"]
    closed = shape.get("additionalProperties") is False
    required = shape.get("required", [])
    fields = [(key, _PYTHON_NAMES.get(key, key), _compiled(field, defs), field.get("default"))
              for key, field in properties.items()]
    kind = getattr(documents, shape.get("title", ""), None)  # each shape is named for its document
    make = _maker(kind, [name for _, name, _, _ in fields]) if isinstance(kind, type) else Record

    def record(value: dict[str, Any], where: tuple[Any, ...]) -> Any:
        if closed:
            for key in value:
                if key not in properties:
                    raise NotOfShape((where, key), "is not a field of this document")
        for key in required:
            if key not in value:
                raise NotOfShape((where, key), "is missing")
        made = {}
        for key, name, field, default in fields:
            if key in value:
                made[name] = field(value[key], (where, key))
            else:
                made[name] = field(copy.deepcopy(default), (where, key))
        return make(**made)
    return record


def _maker(kind: type, names: list[str]) -> Callable[..., Any]:
    """What builds a `kind` from every one of its fields (`names`, those a shaped record gives):
    its slots set one by one, as Document.__init__ would after looking for defaults."""
    if tuple(names) != getattr(kind, "__document_fields__", None) or kind.__init__ is not Document.__init__:
        return kind
    setters = [getattr(kind, name).__set__ for name in names]

    def make(**made: Any) -> Any:
        doc = object.__new__(kind)
        for put, value in zip(setters, made.values()):
            put(doc, value)
        return doc
    return make
