"""The shapers of single values (documents.shapers makes a shape into one): each a function made
for exactly what its shape asks of a value holding no other shape (a type, a word of a list, an
integer within bounds, a date, a non-empty string), and the checks of the keywords that refuse a
value without making anything, for the shapes whose keywords come together otherwise."""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Callable

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}


class NotOfShape(ValueError):
    """`where`: the place, as () or (the place holding it, its key or index), nested."""

    def __init__(self, where: tuple[Any, ...], message: str):
        path = []
        while where:
            where, key = where
            path.append(key)
        super().__init__(f"{'.'.join(map(str, reversed(path))) + ': ' if path else ''}{message}")


Shaper = Callable[[Any, tuple[Any, ...]], Any]  # a value and where it is -> the value shaped; NotOfShape
PLAIN: dict[Shaper, type] = {}  # the shapers that only test the type (the type), kept alive beside them
AS_IS: dict[Shaper, tuple[type, ...]] = {}  # the shapers that give back as it is a value of these types
Check = Callable[[Any, tuple[Any, ...]], None]  # a value and where it is -> NotOfShape, or nothing


def refused(where: tuple[Any, ...], expected: str, value: Any) -> NotOfShape:
    return NotOfShape(where, f"expected {expected}, got {kind_of(value)}")


def none_of(where: tuple[Any, ...], value: Any) -> NotOfShape:
    return NotOfShape(where, f"{kind_of(value)} is none of the allowed kinds")


def not_one_of(where: tuple[Any, ...], value: Any, enum: list[Any]) -> NotOfShape:
    return NotOfShape(where, f"{str(value)[:40]!r} is not one of {', '.join(map(str, enum))}")


def _out_of_range(where: tuple[Any, ...], value: Any, allowed: str) -> NotOfShape:
    return NotOfShape(where, f"{value} is out of range {allowed}")


def _empty(where: tuple[Any, ...]) -> NotOfShape:
    return NotOfShape(where, "is empty")


def plain(expected: str) -> Shaper:
    kind = TYPES[expected]

    def of_type(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not kind:
            raise refused(where, expected, value)
        return value
    PLAIN[of_type] = kind
    AS_IS[of_type] = (kind,)
    return of_type


def one_of(expected: str, enum: list[Any]) -> Shaper:
    """A string of a list of words."""
    allowed = frozenset(enum)

    def word(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not str:
            raise refused(where, expected, value)
        if value not in allowed:
            raise not_one_of(where, value, enum)
        return value
    return word


def _limits(low: Any, high: Any) -> tuple[Any, Any, str]:
    """The least and the most a number may be (None: no bound), and how a refusal says them."""
    return (-float("inf") if low is None else low, float("inf") if high is None else high,
            f"(allowed: {'' if low is None else low}-{'' if high is None else high})")


def bounded(low: Any, high: Any) -> Shaper:
    """An integer within `low` and `high`."""
    floor, ceiling, allowed = _limits(low, high)

    def within(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not int:
            raise refused(where, "integer", value)
        if not floor <= value <= ceiling:
            raise _out_of_range(where, value, allowed)
        return value
    return within


def iso_date(value: Any, where: tuple[Any, ...]) -> Any:
    if type(value) is not str:
        raise refused(where, "string", value)
    return as_date(value, where)


def as_date(value: str, where: tuple[Any, ...]) -> dt.date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise NotOfShape(where, f"{value[:40]!r} is not a date") from None


def filled(min_length: int) -> Shaper:
    def nonempty(value: Any, where: tuple[Any, ...]) -> Any:
        if type(value) is not str:
            raise refused(where, "string", value)
        if len(value) < min_length:
            raise _empty(where)
        return value
    return nonempty


# The checks of the keywords that refuse a value without making anything, each made from its shape
# (and the shapes it may refer to, as documents.shapers makes the check of `not`).

def enum_check(shape: dict[str, Any], defs: dict[str, Any]) -> Check:
    enum = shape["enum"]

    def check(value: Any, where: tuple[Any, ...]) -> None:
        if value not in enum:
            raise not_one_of(where, value, enum)
    return check


def bounds_check(shape: dict[str, Any], defs: dict[str, Any]) -> Check:
    floor, ceiling, allowed = _limits(shape.get("minimum"), shape.get("maximum"))

    def check(value: Any, where: tuple[Any, ...]) -> None:
        if isinstance(value, int) and not floor <= value <= ceiling:  # a boolean is an int to the bounds
            raise _out_of_range(where, value, allowed)
    return check


def unique_check(shape: dict[str, Any], defs: dict[str, Any]) -> Check:
    def check(value: Any, where: tuple[Any, ...]) -> None:
        if isinstance(value, list) and len(set(map(json.dumps, value))) < len(value):
            raise NotOfShape(where, f"{json.dumps(value)[:40]} names an item twice")
    return check


def length_check(shape: dict[str, Any], defs: dict[str, Any]) -> Check:
    min_length = shape["minLength"]

    def check(value: Any, where: tuple[Any, ...]) -> None:
        if isinstance(value, str) and len(value) < min_length:
            raise _empty(where)
    return check


def pattern_check(shape: dict[str, Any], defs: dict[str, Any]) -> Check:
    pattern = re.compile(shape["pattern"])

    def check(value: Any, where: tuple[Any, ...]) -> None:
        if isinstance(value, str) and not pattern.search(value):
            raise NotOfShape(where, f"{value[:40]!r} is not of the form {shape['pattern']}")
    return check


def kind_of(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), type(value).__name__)

