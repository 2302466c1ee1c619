"""The rule base at run time: Records, plain attributes, no pydantic.

pydantic (rules/models.py) checks a rule base once, when its YAML is read; what it accepted becomes
Records (`record`), which the engine, the views and the cache use. Building model classes costs
more than a whole triage, so commands that only apply rules never import pydantic. `fields_of` and
`updated` treat a Record and a document (documents/kinds.py) alike."""
from __future__ import annotations

from functools import cache
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, Callable

from .vocabulary import KEYWORD_FIELDS


class Record(SimpleNamespace):
    """A validated object as attributes, in its model's field order; equal when the fields are."""


def record(value: Any) -> Any:
    """A pydantic model instance (and everything in it) as Records, lists and dicts."""
    fields = getattr(type(value), "__pydantic_fields__", None)
    if fields is not None:
        names = [*fields, *type(value).__pydantic_computed_fields__]
        return Record(**{name: record(getattr(value, name)) for name in names})
    if isinstance(value, list):
        return [record(v) for v in value]
    if isinstance(value, dict):
        return {k: record(v) for k, v in value.items()}
    return value


def fields_of(value: Any) -> dict[str, Any]:
    """The fields of a Record or a document (documents/kinds.py) by name, in order; not copied deeper."""
    if type(value) is Record:
        return vars(value)
    names, _, values = _layout(type(value))
    return dict(zip(names, values(value)))


@cache
def _layout(kind: type) -> tuple[tuple[str, ...], tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """A document class's field names, their JSON keys, and a function giving its values in that order."""
    names = kind.__document_fields__  # type: ignore[attr-defined]
    get = attrgetter(*names)
    return names, tuple(KEYWORD_FIELDS.get(n, n) for n in names), (get if len(names) > 1 else lambda v: (get(v),))


def is_document(value: Any) -> bool:
    return hasattr(type(value), "__document_fields__")


def updated(rec: Any, **changes: Any) -> Any:
    """`rec` with some fields changed: a document of the same class, or a Record."""
    return type(rec)(**{**fields_of(rec), **changes}) if is_document(rec) else Record(**{**vars(rec), **changes})
