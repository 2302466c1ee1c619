"""What every output document class (documents/kinds.py) is: its annotated names are its fields and
slots, it is built by keyword with every field given or defaulted and no other, frozen once built,
and equal to one of its class with equal fields. pydantic reads it as a dataclass of the same
fields (Document.__get_pydantic_core_schema__), so that schemas can make JSON Schemas and
validators of it; nothing here imports pydantic. dataclass() would generate the same, at about
half a millisecond a class on every command's start.
"""
from __future__ import annotations

import sys
from functools import cache
from typing import Any, NoReturn

from .record import fields_of
from .vocabulary import KEYWORD_FIELDS


class Limits:
    """Bounds pydantic reads from an annotation, named as in its core schemas (ge, le, min_length,
    max_length, pattern). Plain markers rather than pydantic's own, so that building a document
    never imports it."""

    __slots__ = ("bounds",)

    def __init__(self, **bounds: Any) -> None:
        self.bounds = bounds

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return {**handler(source), **self.bounds}


class SchemaOnly:
    """Keywords a JSON Schema states that pydantic's core schemas have no place for (uniqueItems):
    added to the field's JSON Schema, and checked where documents are read back (stored.shaped)."""

    __slots__ = ("keywords",)

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        return {**handler(core_schema), **self.keywords}


class _Fields(type):
    """A document class's annotated names, after those of the class it extends, are its fields and
    its slots; the values written beside them are their defaults. The annotations stay text, read
    only when pydantic reads the class."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        inherited: tuple[str, ...] = getattr(bases[0], "__document_fields__", ()) if bases else ()
        defaults = dict(getattr(bases[0], "__document_defaults__", {})) if bases else {}
        own = [field for field in namespace.get("__annotations__", {}) if field not in inherited]
        for field in namespace.get("__annotations__", {}):
            if field in namespace:
                defaults[field] = namespace.pop(field)
            else:  # a field declared again without a value is required here, whatever it was before
                defaults.pop(field, None)
        namespace["__slots__"] = tuple(own)
        made = super().__new__(mcs, name, bases, namespace)
        made.__document_fields__ = inherited + tuple(own)  # type: ignore[attr-defined]
        made.__document_defaults__ = defaults  # type: ignore[attr-defined]
        return made


def _rebuilt(kind: type, fields: dict[str, Any]) -> Any:
    return kind(**fields)


class Document(metaclass=_Fields):
    """What every document shares: built by keyword, every field given or defaulted and no other,
    frozen once built, equal to one of its class with equal fields, shown with its fields."""

    __slots__ = ()

    def __init__(self, **values: Any) -> None:
        kind = type(self)
        defaults = kind.__document_defaults__
        for name in kind.__document_fields__:
            if name in values:
                object.__setattr__(self, name, values.pop(name))
            elif name in defaults:
                object.__setattr__(self, name, defaults[name])
            else:
                _refuse(kind, values, name)
        if values:
            _refuse(kind, values, None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a {type(self).__name__}: documents are frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a {type(self).__name__}: documents are frozen")

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt, (type(self), fields_of(self))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and fields_of(self) == fields_of(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in fields_of(self).items())})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """What pydantic reads a document class as: its dataclass (_as_dataclass), the value that
        validates made the document again (a core schema, written as the plain dict it is)."""
        def made(value: Any) -> Any:
            return cls(**{name: getattr(value, name) for name in cls.__document_fields__})

        return {"type": "function-after", "function": {"type": "no-info", "function": made},
                "schema": handler(_as_dataclass(cls))}


def _json_name(name: str) -> str:
    return KEYWORD_FIELDS.get(name, name)


@cache
def _as_dataclass(kind: type) -> type:
    """The document class `kind` as the frozen, keyword-only dataclass pydantic reads: the same
    name, fields, annotations (read in the module of `kind`, where the documents it holds are
    documents again) and defaults; unknown keys refused, keyword fields named as in JSON."""
    import dataclasses

    annotations: dict[str, Any] = {}
    for klass in reversed(kind.__mro__):
        annotations.update(vars(klass).get("__annotations__", {}))
    defaults = kind.__document_defaults__  # type: ignore[attr-defined]
    fields = [(name, annotations[name], dataclasses.field(default=defaults[name]) if name in defaults else dataclasses.field())
              for name in kind.__document_fields__]  # type: ignore[attr-defined]
    config = {"extra": "forbid", "alias_generator": _json_name}
    if getattr(kind, "__schema_extra__", None):  # what the document as a whole must be (e.g. not both of two fields)
        config["json_schema_extra"] = kind.__schema_extra__  # type: ignore[attr-defined]
    namespace = {"__doc__": kind.__doc__, "__module__": kind.__module__, "__pydantic_config__": config}
    # Since 3.12 make_dataclass sets __module__ itself, from `module` (else the caller's module),
    # over the namespace's; before it, only the namespace sets it.
    where = {"module": kind.__module__} if sys.version_info >= (3, 12) else {}
    return dataclasses.make_dataclass(kind.__name__, fields, namespace=namespace, frozen=True, kw_only=True, **where)


def _refuse(kind: type, values: dict[str, Any], missing: str | None) -> NoReturn:
    """The TypeError of a document built with a key it does not have (named first) or without `missing`."""
    unknown = [key for key in values if key not in kind.__document_fields__]  # type: ignore[attr-defined]
    if unknown or missing is None:
        raise TypeError(f"{kind.__name__}() got an unexpected keyword argument {(unknown or list(values))[0]!r}")
    raise TypeError(f"{kind.__name__}() missing keyword argument {missing!r}")
