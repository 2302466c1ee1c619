"""The shapes of the rule base's Records, made from its models (rules/models.py) for rules/cached.py to check
a cached record against without loading pydantic (written to record_shapes.json; a test checks
that file against the models), and the models as authored, for rules/authored.py to check YAML
data against (authored_shapes.json): the annotations are walked once, for the latter, and the
Records' shapes are taken from it.

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

_RECORDED = {"str": "string", "int": "integer", "bool": "boolean", "null": "null", "any": "any", "dict": "object"}


def _recorded(kinds: list[dict[str, Any]]) -> list[Any]:
    """What a value of these authored kinds may be once it is a Record's (bounds aside, but for
    the fewest items of a list)."""
    out: list[Any] = []
    for kind in kinds:
        t = kind["t"]
        if t == "tagged":
            out.extend({"record": [model]} for model in kind["of"].values())
        elif t == "list":
            least = kind.get("min_length", 0)
            out.append({"array": _recorded(kind["of"]), **({"min": least} if least else {})})
        elif t == "enum":
            out.append({"enum": kind["of"]})
        elif t == "record":
            out.append({"record": [kind["model"]]})
        else:
            out.append(_RECORDED[t])
    return out


def record_shapes() -> dict[str, Any]:
    """Every model a rule base's Records follow, by name, from the two files down."""
    authored = authored_shapes()
    return {"files": authored["files"],
            "models": {name: {field: _recorded(kinds) for field, _, kinds, *_ in spec["fields"]}
                       | {field: _recorded(kinds) for field, kinds in spec["computed"]}
                       for name, spec in authored["models"].items()}}


# ------------------------------------------------------------------ the models as authored


def _bounded(kinds: list[Any], bounds: dict[str, Any]) -> list[Any]:
    """`kinds` with `bounds` (ge, le, min_length, max_length, pattern) on each that is not null."""
    allowed = {"str": {"min_length", "max_length", "pattern"}, "int": {"ge", "le", "gt", "lt"},
               "list": {"min_length", "max_length"}}
    out = []
    for kind in kinds:
        if kind["t"] != "null" and bounds:
            if not set(bounds) <= allowed.get(kind["t"], set()):
                raise TypeError(f"no bounds {sorted(bounds)} on {kind['t']}")
            kind = {**kind, **bounds}
        out.append(kind)
    return out


def _metadata_bounds(metadata: list[Any]) -> dict[str, Any]:
    from ..documents.base import Limits

    bounds: dict[str, Any] = {}
    for marker in metadata:
        if isinstance(marker, Limits):
            bounds.update(marker.bounds)
        elif type(marker).__name__ in ("Ge", "Le", "Gt", "Lt", "MinLen", "MaxLen"):
            bounds.update(vars(marker) if hasattr(marker, "__dict__") else
                          {name: getattr(marker, name) for name in marker.__dataclass_fields__})
        else:
            raise TypeError(f"no bounds for {marker!r}")
    return bounds


def _authored_kind(kind: Any, found: dict[str, Any]) -> list[Any]:
    from pydantic import Discriminator, Tag

    from .conditions import condition_kind

    origin, args = get_origin(kind), get_args(kind)
    if kind is Any:
        return [{"t": "any"}]
    if origin is Annotated:
        discriminator = [m for m in args[1:] if isinstance(m, Discriminator)]
        if discriminator:
            if discriminator[0].discriminator is not condition_kind:
                raise TypeError(f"no shape for {kind!r}")
            tags = {}
            for tagged in get_args(args[0]):
                model, tag = get_args(tagged)[0], next(m for m in get_args(tagged)[1:] if isinstance(m, Tag)).tag
                _authored_model(model, found)
                tags[tag] = model.__name__
            return [{"t": "tagged", "of": tags}]
        return _bounded(_authored_kind(args[0], found), _metadata_bounds(list(args[1:])))
    if origin in (Union, types.UnionType):
        return [alternative for arg in args for alternative in _authored_kind(arg, found)]
    if origin is Literal:
        return [{"t": "enum", "of": list(args)}]
    if origin is list:
        return [{"t": "list", "of": _authored_kind(args[0], found)}]
    if origin is dict and args[0] is str:
        return [{"t": "dict", "of": _authored_kind(args[1], found)}]
    plain = {str: "str", int: "int", bool: "bool", type(None): "null"}
    if kind in plain:
        return [{"t": plain[kind]}]
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        _authored_model(kind, found)
        return [{"t": "record", "model": kind.__name__}]
    raise TypeError(f"no shape for {kind!r}")


def _authored_model(model: type[BaseModel], found: dict[str, Any]) -> None:
    from pydantic import Discriminator
    from pydantic_core import PydanticUndefined

    if model.__name__ in found:
        return
    spec: dict[str, Any] = {}
    found[model.__name__] = spec
    if model.model_config.get("extra") != "forbid" or model.model_config.get("alias_generator"):
        raise TypeError(f"{model.__name__}: only models that forbid unknown keys")
    fields = []
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            raise TypeError(f"{model.__name__}.{name}: no default factories")
        tagged = [m for m in info.metadata if isinstance(m, Discriminator)]  # pydantic moves a union's out
        annotation = Annotated[(info.annotation, *tagged)] if tagged else info.annotation
        bounds = _metadata_bounds([m for m in info.metadata if not isinstance(m, Discriminator)])
        kinds = _bounded(_authored_kind(annotation, found), bounds)
        required = info.default is PydanticUndefined
        fields.append([name, info.alias or name, kinds, required, None if required else info.default])
    spec["fields"] = fields
    spec["computed"] = [[name, _authored_kind(computed.return_type, found)]
                        for name, computed in model.__pydantic_computed_fields__.items()]
    decorators = model.__pydantic_decorators__
    if decorators.field_validators or decorators.validators or decorators.root_validators \
            or any(v.info.mode != "after" for v in decorators.model_validators.values()):
        # rules/authored.py runs the checks made once the fields are read (rules/invariants.py) alone
        raise TypeError(f"{model.__name__}: only model validators after its fields are read")
    spec["checked"] = bool(decorators.model_validators)


def authored_shapes() -> dict[str, Any]:
    """Every model of the rule-base files as rules/authored.py checks YAML data against it: for
    each field its name, its key in the YAML, what it may hold (with its bounds), whether it is
    required and its default; the computed fields; whether rules/invariants.py checks it too."""
    found: dict[str, Any] = {}
    for model in (models.RulesFile, models.ExercisesFile):
        _authored_model(model, found)
    return {"files": {"rules_file": "RulesFile", "exercises_file": "ExercisesFile"}, "models": found}
