"""Documents read back from the history are checked and shaped by functions made once per shape
(documents.stored): they accept, refuse and shape exactly as a plain walk of the JSON Schema does,
and as the one closure a shape made before (tests/stored_before.py), with the same words, wherever
a stored document is changed."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import sqlite3
from typing import Any, Iterator

import pytest
from conftest import examples, full_answers, tiered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stored_before import shaped as shaped_before
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.documents import kinds as documents
from runrehab.documents.as_json import to_data
from runrehab.documents.record import Record, fields_of
from runrehab.documents.stored import KINDS, NotOfShape, shaped, shapes
from runrehab.documents.value_shapers import kind_of as _kind
from runrehab.documents.vocabulary import KEYWORD_FIELDS
from runrehab.rules.loader import load

KB = load()
_PYTHON_NAMES = {key: name for name, key in KEYWORD_FIELDS.items()}
_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict, "null": type(None)}


class Refused(Exception):
    pass


def walked(shape: dict[str, Any], value: Any, where: tuple, defs: dict[str, Any]) -> Any:
    """The reference: the JSON Schema walked keyword by keyword at every value."""
    def no(message: str, at: tuple = where) -> Refused:
        return Refused(f"{'.'.join(map(str, at)) + ': ' if at else ''}{message}")

    if "$ref" in shape:
        return walked(defs[shape["$ref"].rpartition("/")[2]], value, where, defs)
    if "anyOf" in shape:
        for branch in shape["anyOf"]:
            try:
                return walked(branch, value, where, defs)
            except Refused:
                continue
        raise no(f"{_kind(value)} is none of the allowed kinds")
    if "type" in shape and type(value) is not _TYPES[shape["type"]]:
        raise no(f"expected {shape['type']}, got {_kind(value)}")
    if "enum" in shape and value not in shape["enum"]:
        raise no(f"{str(value)[:40]!r} is not one of {', '.join(map(str, shape['enum']))}")
    if isinstance(value, int) and not shape.get("minimum", value) <= value <= shape.get("maximum", value):
        raise no(f"{value} is out of range (allowed: {shape.get('minimum', '')}-{shape.get('maximum', '')})")
    if "not" in shape:
        try:
            walked(shape["not"], value, where, defs)
        except Refused:
            pass
        else:
            raise no(f"cannot hold {' and '.join(shape['not'].get('required', ['this']))} together")
    if isinstance(value, list) and shape.get("uniqueItems") and len(set(map(json.dumps, value))) < len(value):
        raise no(f"{json.dumps(value)[:40]} names an item twice")
    if isinstance(value, str):
        if len(value) < shape.get("minLength", 0):
            raise no("is empty")
        if "pattern" in shape and not re.search(shape["pattern"], value):
            raise no(f"{value[:40]!r} is not of the form {shape['pattern']}")
        if shape.get("format") == "date":
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError
                return dt.date.fromisoformat(value)
            except ValueError:
                raise no(f"{value[:40]!r} is not a date") from None
    if isinstance(value, list) and "items" in shape:
        return [walked(shape["items"], item, (*where, i), defs) for i, item in enumerate(value)]
    if isinstance(value, dict) and "properties" in shape:
        properties = shape["properties"]
        unknown = [key for key in value if key not in properties]
        if unknown and shape.get("additionalProperties") is False:
            raise no("is not a field of this document", (*where, unknown[0]))
        missing = [key for key in shape.get("required", []) if key not in value]
        if missing:
            raise no("is missing", (*where, missing[0]))
        fields = {_PYTHON_NAMES.get(key, key): walked(field, value[key] if key in value else copy.deepcopy(
            field.get("default")), (*where, key), defs) for key, field in properties.items()}
        kind = getattr(documents, shape.get("title", ""), None)
        return kind(**fields) if isinstance(kind, type) else Record(**fields)
    return value


def verdict(shaping, kind: str, document: Any) -> tuple[str, Any]:
    try:
        made = shaping(kind, document)
    except (NotOfShape, Refused) as exc:
        return "refused", str(exc)
    return "shaped", (type(made).__name__, to_data(made), repr(fields_of(made)) if not isinstance(made, Record) else "")


def reference(kind: str, document: Any) -> Any:
    every = shapes()
    return walked(every[KINDS[kind]], document, (), every["$defs"])


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> dict[str, list[Any]]:
    """The documents a history keeps: a plan, and check-ins that go on, stop and meet a warning sign."""
    db = tmp_path_factory.mktemp("shapes") / "h.db"
    runner = CliRunner()
    symptom = "tight-itb"
    flags = [q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag]
    assert runner.invoke(app, ["triage", "--answers", "-", "--date", "2026-03-01", "--db", str(db)],
                         input=json.dumps(full_answers(KB, symptom))).exit_code == 0
    for day, progress, pain, flag in ((2, "better", 2, None), (3, "worse", 7, None), (4, "better", 2, flags[0])):
        answers = {"progress": progress, "pain_score": pain, **{q: "yes" if q == flag else "no" for q in flags}}
        runner.invoke(app, ["checkin", "--answers", "-", "--date", f"2026-03-0{day}", "--db", str(db)],
                      input=json.dumps(answers))
    with sqlite3.connect(db) as conn:
        out = {"plan": [json.loads(t) for (t,) in conn.execute("SELECT document FROM plans")],
               "check-in": [json.loads(t) for (t,) in conn.execute("SELECT document FROM checkins")]}
    assert len(out["check-in"]) == 3
    entry = {"exercise": "glute-bridge", "date": "2026-03-02", "time": "07:30", "sets": 3, "sides": ["left", "right"],
             "seconds": None, "reps": 10, "pain_during": 2, "stopped": False}
    return {**out, "log": [entry], "logged": [entry, {**entry, "pain_during": None, "time": None}]}


def places(value: Any, where: tuple = ()) -> list[tuple]:
    out = [where]
    if isinstance(value, dict):
        for key, item in value.items():
            out += places(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += places(item, (*where, i))
    return out


def changed(document: Any, where: tuple, value: Any) -> Any:
    document = copy.deepcopy(document)
    *up, last = where
    holder = document
    for key in up:
        holder = holder[key]
    if value is DELETE:
        del holder[last]
    else:
        holder[last] = value
    return document


DELETE = object()
VALUES = [None, 0, -1, 3, 10, 11, 3650, 5000, True, 1.5, "", "x", "2026-02-30", "2026-03-02", "20260302", "yes", "24:00",
          [], ["x", "x"], ["left", "left"], [1], {}, {"min": 1, "max": 2}, {"unknown": 1}, DELETE]


@pytest.mark.parametrize("kind", KINDS)
def test_stored_documents_are_shaped_as_the_schema_walk_shapes_them(stored, kind):
    for document in stored[kind]:
        assert verdict(shaped, kind, document) == verdict(reference, kind, document)
        assert verdict(shaped, kind, document)[0] == "shaped"


@pytest.mark.parametrize("kind", tiered(list(KINDS), lambda kind: kind != "plan"))  # a plan's places: slow tier
def test_a_changed_document_is_refused_or_shaped_as_the_schema_walk_does_it(stored, kind):
    document = stored[kind][-1]
    tried = 0
    for where in places(document)[1:]:
        for value in VALUES:
            document_changed = changed(document, where, value)
            assert verdict(shaped, kind, document_changed) == verdict(reference, kind, document_changed), (where, value)
            assert _outcome(shaped, NotOfShape, kind, document_changed) == _outcome(
                shaped_before, NotOfShape, kind, document_changed), (where, value)
            tried += 1
    assert tried > 100
    extra = {**document, "unknown": 1}
    assert verdict(shaped, kind, extra) == verdict(reference, kind, extra) == ("refused", "unknown: is not a field of this document")


# ---------------------------------------------------------------- against the shaper as it was before

def _parts(shape: Any) -> Iterator[Any]:
    yield shape
    for value in shape.values() if isinstance(shape, dict) else shape if isinstance(shape, list) else ():
        yield from _parts(value)


_SHAPES = [part for part in _parts(shapes()) if isinstance(part, dict)]
_WORDS = {word for part in _SHAPES for word in part.get("enum", []) if isinstance(word, str)}
_KEYS = {key for part in _SHAPES for key in part.get("properties", {})}
_BOUNDS = [60, 61, 99, 100, 101, 999, 1000, 3600, 3601, 3650, 3651]  # the shapes' maxima, and one more
_ODD_DATES = ["20260302", "2026-02-30", "2026-W10-1", "2026-03-02T07:30"]  # not a date, or not as runrehab writes one
_TEXT = st.sampled_from(sorted(_WORDS) + ["", "x", "2026-03-02", "2026-3-2", "２０２６-０３-０２", "07:30", "24:00",
                                          "7:30", " 2026-03-02", *_ODD_DATES]) | st.text(max_size=6)
_SCALARS = (st.none() | st.booleans() | st.integers(-2, 12) | st.sampled_from([*_BOUNDS, 2 ** 70, -(2 ** 70)])
            | st.floats(allow_nan=False) | _TEXT)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(sorted(_KEYS | {"unknown"})) | st.text(max_size=4), inner, max_size=4), max_leaves=8)


def _nodes(value: Any, where: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every place of a value, a document's and a Record's fields among them, and what stands there."""
    out = [(where, value)]
    items = (fields_of(value).items() if isinstance(value, Record) or hasattr(type(value), "__document_fields__")
             else value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        out += _nodes(item, (*where, key))
    return out


def _outcome(shaping: Any, refusal: type[Exception], kind: str, document: Any) -> tuple[str, Any]:
    """A refusal's words, or the document made (its class, fields, dates and Records in its repr) and
    which of its lists and dicts are the very ones of `document` (the others made anew each time)."""
    try:
        made, again = shaping(kind, document), shaping(kind, document)
    except refusal as exc:
        return "refused", str(exc)
    given = {id(v): where for where, v in _nodes(document) if isinstance(v, (list, dict))}
    kept = [(where, given.get(id(v))) for where, v in _nodes(made) if isinstance(v, (list, dict))]
    anew = {id(v) for _, v in _nodes(made) if isinstance(v, (list, dict)) and id(v) not in given}
    assert not anew & {id(v) for _, v in _nodes(again)}, "a default shared between two documents"
    return "shaped", (repr(made), kept)


def _like(value: Any, parts: list[Any]) -> Any:
    """Values of the same kind as `value`: what a damaged document most often holds instead."""
    if type(value) is int:
        return st.integers(-2, 12) | st.sampled_from([value - 1, value + 1, *_BOUNDS])
    if isinstance(value, str):
        dates = _ODD_DATES if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else []
        return st.sampled_from(["x", "", f"{value} ", value.upper(), value[:-1], *dates]) | _TEXT
    if isinstance(value, list):
        return st.sampled_from([value[:1] * 2, value[1:], value[:-1], [*value, *value[:1]], []]).map(copy.deepcopy)
    kinds = [part for part in parts if type(part) is type(value)]
    return st.sampled_from(kinds).map(copy.deepcopy) if kinds else st.booleans()


@st.composite
def _changed(draw: Any, documents_of_kind: list[Any]) -> Any:
    """A stored document with one to three changes: a value anywhere replaced by another JSON value
    (or by a part of the document itself), a key deleted, a key added."""
    document = copy.deepcopy(draw(st.sampled_from(documents_of_kind)))
    for _ in range(draw(st.integers(1, 3))):
        parts = [value for _, value in _nodes(document)]
        alike: dict[tuple, list[tuple]] = {}  # the places by where they stand in the shape, any item alike
        for spot in places(document):
            alike.setdefault(tuple("*" if type(key) is int else key for key in spot), []).append(spot)
        where = draw(st.sampled_from(alike[draw(st.sampled_from(sorted(alike, key=repr)))]))
        change = draw(st.sampled_from(["replace", "delete", "add"]))
        at = dict(_nodes(document))[where]
        if change == "delete" and where:
            document = changed(document, where, DELETE)
        elif change == "add" and isinstance(at, dict):
            at[draw(st.sampled_from(sorted(_KEYS | {"unknown"})) | st.text(max_size=4))] = draw(_JSON)
        else:
            new = draw(_like(at, parts) | _JSON | st.sampled_from(parts).map(copy.deepcopy))
            document = changed(document, where, new) if where else new
    return document


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=examples(400), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_changed_document_is_shaped_or_refused_as_before(stored, kind, data):
    document = data.draw(_changed(stored[kind]))
    assert _outcome(shaped, NotOfShape, kind, document) == _outcome(shaped_before, NotOfShape, kind, document)
