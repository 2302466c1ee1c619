"""A JSON Schema (stored_shapes.json) made into the function that checks and shapes a value of it,
once per shape (documents.stored reads documents back with them). Each function does only what its
shape asks: a plain string is a type test, a nullable X is `None` or X, a range's bound one
comparison, a closed record its fields in order, built straight into its document class. Shapes
with rarer keywords together (`not`, `uniqueItems`, `pattern`, no `type`) are walked keyword by
keyword (`_general`). Every refusal names the first place that differs, checks in this order: the
type, `enum`, bounds, `not`, then a list's uniqueness and items, a string's length, pattern and
date, a record's unknown keys, missing keys and fields in the schema's order."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any, Callable

from . import kinds as documents
from .base import Document
from .record import Record
from .vocabulary import KEYWORD_FIELDS

_PYTHON_NAMES = {key: name for name, key in KEYWORD_FIELDS.items()}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}
# The keywords that can refuse or change a value of each type once its type is right (a boolean is
# an int to the bounds); any other keyword (title, description, default, ...) asks for no work.
_AT_WORK = {"string": {"minLength", "pattern", "format"}, "integer": {"minimum", "maximum"},
            "boolean": {"minimum", "maximum"}, "array": {"uniqueItems", "items"}, "object": {"properties"}, "null": set()}


class NotOfShape(ValueError):
    """`where`: the place, as () or (the place holding it, its key or index), nested."""

    def __init__(self, where: tuple[Any, ...], message: str):
        path = []
        while where:
            where, key = where
            path.append(key)
        super().__init__(f"{'.'.join(map(str, reversed(path))) + ': ' if path else ''}{message}")


Shaper = Callable[[Any, tuple[Any, ...]], Any]  # a value and where it is -> the value shaped; NotOfShape
_SHAPERS: dict[int, tuple[dict[str, Any], Shaper]] = {}  # by id of the shape, kept alive beside it
_PLAIN: dict[Shaper, type] = {}  # the shapers that only test the type (the type), kept alive beside them
_AS_IS: dict[Shaper, tuple[type, ...]] = {}  # the shapers that give back as it is a value of these types


def compiled(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    """The function that checks and shapes a value against `shape`, made once per shape."""
    kept = _SHAPERS.get(id(shape))
    if kept is not None and kept[0] is shape:
        return kept[1]
    made: list[Shaper] = []
    _SHAPERS[id(shape)] = (shape, lambda value, where: made[0](value, where))  # a shape that refers to itself
    made.append(_compile(shape, defs))
    _SHAPERS[id(shape)] = (shape, made[0])
    return made[0]


def _compile(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    if "$ref" in shape:
        return compiled(defs[shape["$ref"].rpartition("/")[2]], defs)
    if "anyOf" in shape:
        return _any_of([(_type_at_once(branch, defs), compiled(branch, defs)) for branch in shape["anyOf"]])
    expected = shape.get("type")
    if expected is None or "not" in shape:
        return _general(shape, defs)
    at_work = {word for word in _AT_WORK[expected] & shape.keys() if _works(word, shape[word])}
    if "enum" in shape:
        words = not at_work and expected == "string" and all(type(word) is str for word in shape["enum"])
        return _one_of(expected, shape["enum"]) if words else _general(shape, defs)
    if not at_work:
        return _plain(expected)
    if at_work <= {"minimum", "maximum"} and expected == "integer":
        return _bounded(shape.get("minimum"), shape.get("maximum"))
    if at_work == {"format"}:
        return _date
    if at_work == {"minLength"}:
        return _filled(shape["minLength"])
    if at_work == {"items"}:
        return _array(compiled(shape["items"], defs))
    if at_work == {"properties"}:
        return _record(shape, defs)
    return _general(shape, defs)


def _works(word: str, value: Any) -> bool:
    """Whether the keyword `word` of this value can refuse or change anything."""
    if word == "format":
        return value == "date"
    if word == "minLength":
        return value > 0
    return bool(value) if word == "uniqueItems" else True


def _type_at_once(shape: dict[str, Any], defs: dict[str, Any]) -> type | None:
    """The type a value must have for `shape` not to refuse it at once (None: no such type)."""
    while "$ref" in shape:
        shape = defs[shape["$ref"].rpartition("/")[2]]
    return _TYPES[shape["type"]] if "type" in shape and "anyOf" not in shape else None


def _refused(where: tuple[Any, ...], expected: str, value: Any) -> NotOfShape:
    return NotOfShape(where, f"expected {expected}, got {_kind(value)}")


def _plain(expected: str) -> Shaper:
    kind = _TYPES[expected]

    def plain(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not kind:
            raise _refused(where, expected, value)
        return value
    _PLAIN[plain] = kind
    _AS_IS[plain] = (kind,)
    return plain


def _one_of(expected: str, enum: list[Any]) -> Shaper:
    """A string of a list of words."""
    allowed = frozenset(enum)

    def one_of(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not str:
            raise _refused(where, expected, value)
        if value not in allowed:
            raise NotOfShape(where, f"{str(value)[:40]!r} is not one of {', '.join(map(str, enum))}")
        return value
    return one_of


def _bounded(low: Any, high: Any) -> Shaper:
    """An integer within `low` and `high` (None: no bound)."""
    floor = -float("inf") if low is None else low
    ceiling = float("inf") if high is None else high
    allowed = f"(allowed: {'' if low is None else low}-{'' if high is None else high})"

    def bounded(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not int:
            raise _refused(where, "integer", value)
        if not floor <= value <= ceiling:
            raise NotOfShape(where, f"{value} is out of range {allowed}")
        return value
    return bounded


def _date(value: Any, where: tuple[Any, ...]) -> Any:
    if type(value) is not str:
        raise _refused(where, "string", value)
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise NotOfShape(where, f"{value[:40]!r} is not a date") from None


def _filled(min_length: int) -> Shaper:
    def filled(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not str:
            raise _refused(where, "string", value)
        if len(value) < min_length:
            raise NotOfShape(where, "is empty")
        return value
    return filled


def _array(items: Shaper) -> Shaper:
    """A list of items of one shape, made anew; of plain items, copied once they are all of its type."""
    plain = _PLAIN.get(items)

    def array(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not list:
            raise _refused(where, "array", value)
        return [items(item, (where, i)) for i, item in enumerate(value)]

    def array_of_plain(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not list:
            raise _refused(where, "array", value)
        for i, item in enumerate(value):
            if type(item) is not plain:
                items(item, (where, i))
        return value[:]
    return array if plain is None else array_of_plain


def _any_of(branches: list[tuple[type | None, Shaper]]) -> Shaper:
    """The first of the branches that takes the value; a branch of another type is not tried. A
    value or null (the commonest) is `None`, or tried as the value without looking for others."""
    kinds = [kind for kind, _ in branches]
    nulls = [branch for kind, branch in branches if kind is type(None) and _PLAIN.get(branch) is type(None)]
    if len(branches) == 2 and len(nulls) == 1 and None not in kinds and kinds[0] is not kinds[1]:
        [(kind, branch)] = [(kind, branch) for kind, branch in branches if kind is not type(None)]
        return _nullable(kind, branch)

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


def _nullable(kind: type, branch: Shaper) -> Shaper:
    plain = branch in _PLAIN

    def nullable(value: Any, where: tuple[Any, ...]) -> Any:
        if value is None:
            return None
        if type(value) is kind:
            if plain:
                return value
            try:
                return branch(value, where)
            except NotOfShape:
                pass
        raise NotOfShape(where, f"{_kind(value)} is none of the allowed kinds")
    _AS_IS[nullable] = (type(None), kind) if plain else (type(None),)
    return nullable


def _record(shape: dict[str, Any], defs: dict[str, Any], typed: bool = True) -> Shaper:
    """A record: no key it does not have when closed, none it requires missing, then its fields
    in order, each given or its default (copied) shaped; made the document (kinds.py) its shape is
    named for, its slots set one by one as Document.__init__ would, or by keyword where it is built
    otherwise; a Record where no document has its name. `typed`: it refuses what is not a dict
    (else its caller has). A field's value its shaper would give back as it is is not passed to it."""
    properties = shape["properties"]
    closed = shape.get("additionalProperties") is False
    required = shape.get("required", [])
    needed = frozenset(required)
    names = [_PYTHON_NAMES.get(key, key) for key in properties]
    fields = [(key, shaper, field.get("default"), _AS_IS.get(shaper, ()))
              for key, field in properties.items() for shaper in (compiled(field, defs),)]
    kind = getattr(documents, shape.get("title", ""), None)
    make = kind if isinstance(kind, type) else Record
    direct = isinstance(kind, type) and tuple(names) == getattr(kind, "__document_fields__", None) and \
        kind.__init__ is Document.__init__
    given = [(key, field, as_is, getattr(kind, name).__set__ if direct else name)
             for (key, field, _, as_is), name in zip(fields, names)]
    setters = [put for _, _, _, put in given]
    count, new = len(properties), object.__new__

    def otherwise(value: Any, where: tuple[Any, ...]) -> list[Any]:
        """The fields' values of a value other than a record as runrehab writes it (some key missing,
        another there, or not a dict)."""
        if typed and type(value) is not dict:
            raise _refused(where, "object", value)
        if closed and not value.keys() <= properties.keys():
            unknown = next(key for key in value if key not in properties)
            raise NotOfShape((where, unknown), "is not a field of this document")
        if not needed <= value.keys():
            raise NotOfShape((where, next(key for key in required if key not in value)), "is missing")
        return [(item if type(item) in as_is else field(item, (where, key))) if key in value else
                field(copy.deepcopy(default), (where, key))
                for key, field, default, as_is in fields for item in (value.get(key),)]

    # A dict of as many keys as the record has fields is read as runrehab writes it, every field
    # there: a key missing stops it (KeyError), and a refusal stands only once the keys are found to
    # be the fields (else an unknown or missing key is the first thing wrong, or a default fills in).
    def document(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is dict and len(value) == count:
            doc = new(make)
            try:
                for key, field, as_is, put in given:
                    item = value[key]
                    put(doc, item if type(item) in as_is else field(item, (where, key)))
            except (KeyError, NotOfShape):
                if value.keys() == properties.keys():
                    raise
            else:
                return doc
        doc = new(make)
        for put, item in zip(setters, otherwise(value, where)):
            put(doc, item)
        return doc

    def record(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is dict and len(value) == count:
            made = {}
            try:
                for key, field, as_is, name in given:
                    item = value[key]
                    made[name] = item if type(item) in as_is else field(item, (where, key))
            except (KeyError, NotOfShape):
                if value.keys() == properties.keys():
                    raise
            else:
                return make(**made)
        return make(**dict(zip(names, otherwise(value, where))))
    return document if direct else record


def _general(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    """Any shape, each of its keywords tested at each value in turn."""
    expected = shape.get("type")
    kind = _TYPES[expected] if expected is not None else None
    enum = shape.get("enum")
    bounded = "minimum" in shape or "maximum" in shape
    low, high = shape.get("minimum"), shape.get("maximum")
    refused = compiled(shape["not"], defs) if "not" in shape else None
    unique = bool(shape.get("uniqueItems"))
    min_length = shape.get("minLength", 0)
    pattern = re.compile(shape["pattern"]) if "pattern" in shape else None
    is_date = shape.get("format") == "date"
    items = compiled(shape["items"], defs) if "items" in shape else None
    record = _record(shape, defs, typed=False) if "properties" in shape else None

    def general(value: Any, where: tuple[Any, ...]) -> Any:
        if kind is not None and type(value) is not kind:
            raise _refused(where, expected, value)
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
                return _date(value, where)
        elif record is not None and isinstance(value, dict):
            return record(value, where)
        return value
    return general


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), type(value).__name__)
