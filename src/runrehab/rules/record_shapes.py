"""The shapes of the rule base's Records, made from its models (rules/models.py) for rules/cached.py to check
a cached record against without loading pydantic (written to record_shapes.json; a test checks
that file against the models).

A shape is a list of what a value may be: "string", "integer", "number", "boolean", "null",
"object" (a mapping), "any", {"enum": [values]}, {"array": shape of each item, "min": fewest
items, when more than none} or {"record": [model names]}; each model is its fields' shapes,
computed fields among them.
"""
from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from . import models

_PLAIN = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _shape(kind: Any, found: dict[str, Any]) -> list[Any]:
    origin, args = get_origin(kind), get_args(kind)
    if kind is Any:
        return ["any"]
    if origin is Annotated:
        return _shape(args[0], found)
    if origin in (Union, types.UnionType):
        return [alternative for arg in args for alternative in _shape(arg, found)]
    if origin is Literal:
        return [{"enum": list(args)}]
    if origin in (list, tuple):
        return [{"array": _shape(args[0], found) if args else ["any"]}]
    if origin is dict:
        return ["object"]
    if kind in _PLAIN:
        return [_PLAIN[kind]]
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        _model(kind, found)
        return [{"record": [kind.__name__]}]
    raise TypeError(f"no shape for {kind!r}")


def _model(model: type[BaseModel], found: dict[str, Any]) -> None:
    if model.__name__ in found:
        return
    fields: dict[str, Any] = {}
    found[model.__name__] = fields
    for name, info in model.model_fields.items():
        least = max((getattr(m, "min_length", 0) for m in info.metadata), default=0)
        fields[name] = [{**kind, "min": least} if least and isinstance(kind, dict) and "array" in kind else kind
                        for kind in _shape(info.annotation, found)]
    for name, computed in model.__pydantic_computed_fields__.items():
        fields[name] = _shape(computed.return_type, found)


def record_shapes() -> dict[str, Any]:
    """Every model a rule base's Records follow, by name, from the two files down."""
    found: dict[str, Any] = {}
    for model in (models.RulesFile, models.ExercisesFile):
        _model(model, found)
    return {"files": {"rules_file": "RulesFile", "exercises_file": "ExercisesFile"}, "models": found}
