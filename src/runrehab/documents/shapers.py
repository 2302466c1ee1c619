"""A JSON Schema (stored_shapes.json) made into the function that checks and shapes a value of it,
once per shape (documents.stored reads documents back with them). Each function does only what its
shape asks: a plain string is a type test (documents.value_shapers), a nullable X is `None` or X, a
closed record its fields in order, built straight into its document class. Shapes whose keywords
come together otherwise (`not`, `uniqueItems`, `pattern`, no `type`) test each keyword in turn
(`_general`). Every refusal names the first place that differs, checks in this order: the type,
`enum`, bounds, `not`, then a list's uniqueness and items, a string's length, pattern and date, a
record's unknown keys, missing keys and fields in the schema's order."""
from __future__ import annotations

import copy
from typing import Any

from . import kinds as documents
from .base import Document
from .record import Record
from .value_shapers import (AS_IS, PLAIN, TYPES, Check, NotOfShape, Shaper, as_date, bounded, bounds_check, enum_check,
                            filled, iso_date, length_check, none_of, one_of, pattern_check, plain, refused, unique_check)
from .vocabulary import KEYWORD_FIELDS

_PYTHON_NAMES = {key: name for name, key in KEYWORD_FIELDS.items()}
# The keywords that can refuse or change a value of each type once its type is right (a boolean is
# an int to the bounds); any other keyword (title, description, default, ...) asks for no work.
_AT_WORK = {"string": {"minLength", "pattern", "format"}, "integer": {"minimum", "maximum"},
            "boolean": {"minimum", "maximum"}, "array": {"uniqueItems", "items"}, "object": {"properties"}, "null": set()}
_SHAPERS: dict[int, tuple[dict[str, Any], Shaper]] = {}  # by id of the shape, kept alive beside it


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
        return one_of(expected, shape["enum"]) if words else _general(shape, defs)
    if not at_work:
        return plain(expected)
    if at_work <= {"minimum", "maximum"} and expected == "integer":
        return bounded(shape.get("minimum"), shape.get("maximum"))
    if at_work == {"format"}:
        return iso_date
    if at_work == {"minLength"}:
        return filled(shape["minLength"])
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
    return TYPES[shape["type"]] if "type" in shape and "anyOf" not in shape else None


def _array(items: Shaper) -> Shaper:
    """A list of items of one shape, made anew; of plain items, copied once they are all of its type."""
    plain = PLAIN.get(items)

    def array(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not list:
            raise refused(where, "array", value)
        return [items(item, (where, i)) for i, item in enumerate(value)]

    def array_of_plain(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not list:
            raise refused(where, "array", value)
        for i, item in enumerate(value):
            if type(item) is not plain:
                items(item, (where, i))
        return value[:]
    return array if plain is None else array_of_plain


def _any_of(branches: list[tuple[type | None, Shaper]]) -> Shaper:
    """The first of the branches that takes the value; a branch of another type is not tried. A
    value or null (the commonest) is `None`, or tried as the value without looking for others."""
    kinds = [kind for kind, _ in branches]
    nulls = [branch for kind, branch in branches if kind is type(None) and PLAIN.get(branch) is type(None)]
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
        raise none_of(where, value)
    return any_of


def _nullable(kind: type, branch: Shaper) -> Shaper:
    """A value of `kind` that `branch` takes, or None; whatever `branch` refuses is none of the two."""
    plain = branch in PLAIN

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
        raise none_of(where, value)
    AS_IS[nullable] = (type(None), kind) if plain else (type(None),)
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
    fields = [(key, shaper, field.get("default"), AS_IS.get(shaper, ()))
              for key, field in properties.items() for shaper in (compiled(field, defs),)]
    kind = getattr(documents, shape.get("title", ""), None)
    make = kind if isinstance(kind, type) else Record
    direct = isinstance(kind, type) and tuple(names) == getattr(kind, "__document_fields__", None) and \
        kind.__init__ is Document.__init__
    setters = [getattr(kind, name).__set__ for name in names] if direct else []
    given = [(key, field, as_is, put) for (key, field, _, as_is), put in zip(fields, setters)]
    count, new = len(properties), object.__new__

    def checked(value: Any, where: tuple[Any, ...]) -> list[Any]:
        """The fields' values, the keys checked first: of a Record, or of a document not as runrehab
        writes it (some key missing, another there, or not a dict)."""
        if typed and type(value) is not dict:
            raise refused(where, "object", value)
        if closed and not value.keys() <= properties.keys():
            unknown = next(key for key in value if key not in properties)
            raise NotOfShape((where, unknown), "is not a field of this document")
        if not needed <= value.keys():
            raise NotOfShape((where, next(key for key in required if key not in value)), "is missing")
        return [(item if type(item) in as_is else field(item, (where, key))) if key in value else
                field(copy.deepcopy(default), (where, key))
                for key, field, default, as_is in fields for item in (value.get(key),)]

    # A dict of as many keys as the document has fields is read as runrehab writes it, every field
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
        for put, item in zip(setters, checked(value, where)):
            put(doc, item)
        return doc

    def record(value: Any, where: tuple[Any, ...]) -> Any:
        return make(**dict(zip(names, checked(value, where))))
    return document if direct else record


def _general(shape: dict[str, Any], defs: dict[str, Any]) -> Shaper:
    """Any other shape: its type, then each of its keywords that can refuse a value (`_CHECKS`, in
    their order), then what makes the value: a list's items, a string's date, a record's fields."""
    expected = shape.get("type")
    kind = TYPES[expected] if expected is not None else None
    checks = [check(shape, defs) for words, check in _CHECKS if any(_works(w, shape[w]) for w in words & shape.keys())]
    items = compiled(shape["items"], defs) if "items" in shape else None
    is_date = shape.get("format") == "date"
    record = _record(shape, defs, typed=False) if "properties" in shape else None

    def general(value: Any, where: tuple[Any, ...]) -> Any:
        if kind is not None and type(value) is not kind:
            raise refused(where, expected, value)
        for check in checks:
            check(value, where)
        if items is not None and isinstance(value, list):
            return [items(item, (where, i)) for i, item in enumerate(value)]
        if is_date and isinstance(value, str):
            return as_date(value, where)
        if record is not None and isinstance(value, dict):
            return record(value, where)
        return value
    return general


def _not_check(shape: dict[str, Any], defs: dict[str, Any]) -> Check:
    ruled_out = compiled(shape["not"], defs)
    together = " and ".join(shape["not"].get("required", ["this"]))

    def check(value: Any, where: tuple[Any, ...]) -> None:
        try:
            ruled_out(value, where)
        except NotOfShape:
            return
        raise NotOfShape(where, f"cannot hold {together} together")
    return check


# The checks of the keywords that refuse without making anything, in the order they are tested.
_CHECKS = [({"enum"}, enum_check), ({"minimum", "maximum"}, bounds_check), ({"not"}, _not_check),
           ({"uniqueItems"}, unique_check), ({"minLength"}, length_check), ({"pattern"}, pattern_check)]

