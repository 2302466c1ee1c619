"""The rule base and the documents at run time: plain attributes, no pydantic.

pydantic (rules/models.py) checks a rule base once, when its YAML is read; what it accepted becomes
Records, which the engine, the views and the cache use. Building model classes costs more than a
whole triage, so commands that only apply rules never import pydantic. The documents the engine
makes are the classes of documents/kinds.py; to_json and JsonLines write both as JSON.
"""
from __future__ import annotations

import datetime as dt
import json
from functools import cache
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, Callable

SCHEMA_VERSION = 1
# A plan looks ahead up to 3650 days (escalations' after_days; reviews come sooner): a later day
# would have review and escalation dates past the calendar's end. No plan or check-in is later.
LATEST_DAY = dt.date.max - dt.timedelta(days=3650)
LEVELS: tuple[str, ...] = ("emergency", "urgent", "see-clinician", "self-care")  # most urgent first
RED_FLAG_LEVELS = ("emergency", "urgent")
MOST_REVIEW_DAYS = 365  # a rule's review_after_days is 1 to this
# Field names that are Python keywords carry a trailing underscore; in YAML and JSON they do not.
KEYWORD_FIELDS = {"if_": "if", "not_": "not"}


def unique(items: list[Any]) -> list[Any]:
    """The items in order, each once (items need not be hashable)."""
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def is_red_flag(question_id: str) -> bool:
    """Whether a question is a red-flag screen: by the contract, its id starts `red_flag_`."""
    return question_id.startswith("red_flag_")


def question_problem(question: Any) -> str | None:
    """What makes a question (a model as its YAML is read, or a cached Record) inconsistent with
    itself; None when nothing does."""
    q = question
    choices = set(q.choices or [])
    if q.type in ("choice", "multi") and not q.choices:
        return f"a {q.type} question needs `choices`"
    if q.type not in ("choice", "multi") and q.choices is not None:
        return f"a {q.type} question takes no `choices`"
    if set(q.labels) - choices:
        return f"`labels` name choices that do not exist: {', '.join(sorted(set(q.labels) - choices))}"
    if q.type != "integer" and (q.min is not None or q.max is not None):
        return f"a {q.type} question takes no `min`/`max`"
    if q.type == "integer" and (q.min is None or q.max is None or q.min > q.max):
        return "an integer question needs `min` <= `max`"
    if q.red_flag and (q.type != "yes_no" or q.default is not None):
        return "a red_flag_ question is a yes_no question without a default"
    if q.red_flag != (q.sign is not None) or q.red_flag != is_red_flag(q.id):
        return ("a red_flag_ question needs a `sign` (the warning sign in a few words, as a plan announces it); "
                "other questions take none")
    if q.asked_once and not {"triage", "checkin"} <= set(q.stages):
        return ("`asked_once` marks a triage question whose answer a check-in takes over: its `stages` need both "
                "triage and checkin")
    return None


ORDER = (  # where an exercise falls around a run, in the order to do them
    "before a run", "during the day", "after a run")


def when(timing: str | None) -> str:
    """Where an exercise falls around a run, from its timing: before, after, or any time of day."""
    words = (timing or "").strip().lower()
    if words.startswith("before"):
        return "before a run"
    if words.startswith("after"):
        return "after a run"
    return "during the day"


def level_rank(level: str) -> int:
    """0 for the most urgent level; lower is more urgent."""
    return LEVELS.index(level)


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


def to_data(doc: Any, *, trace: bool = True) -> Any:
    """JSON-ready data: Records as objects with their YAML/JSON keys, dates as ISO text. A
    document's `trace` is left out when it was not asked for (None), or always with trace=False."""
    if isinstance(doc, (list, tuple)):
        return [to_data(d, trace=trace) for d in doc]
    data = _plain(doc)
    if isinstance(data, dict) and "trace" in data and (not trace or data["trace"] is None):
        del data["trace"]
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, Record) or is_document(value):
        return {KEYWORD_FIELDS.get(k, k): _plain(v) for k, v in fields_of(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_json(doc: Any) -> str:
    """to_data(doc) as JSON text, the text json.dumps(indent=2) gives, written straight from the Records."""
    if (isinstance(doc, Record) or is_document(doc)) and getattr(doc, "trace", 1) is None:
        doc = {k: v for k, v in fields_of(doc).items() if k != "trace"}
    return _indented(doc, "")


class KeptJson(list):  # type: ignore[type-arg]
    """Documents read back with the compact JSON text each was kept as (checked when read): to_json
    writes that text as it is, each on a line of its own, rather than encoding them again."""

    def __init__(self, items: list[Any], texts: list[str]):
        super().__init__(items)
        self.texts = texts


_SCALAR = (str, int, float)  # with None: what json writes without looking inside
_encode = json.JSONEncoder(ensure_ascii=False).encode


@cache
def _flat(pad: str) -> Callable[[Any], str]:
    """The encoder of a list or mapping of scalars laid out at `pad`: one item a line."""
    return json.JSONEncoder(ensure_ascii=False, separators=(",\n" + pad, ": ")).encode


def _indented(value: Any, pad: str) -> str:
    """`value` as json.dumps(value, ensure_ascii=False, indent=2, default=_json_default) lays it
    out at the indentation `pad`. The json module writes indented text in Python, a value at a
    time; here a list or mapping of scalars, which is most of a document, goes to its C encoder whole."""
    if value is None or isinstance(value, _SCALAR):
        return _encode(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = pad + "  "
        flat = _flat(inner)
        pieces, run = [], {}  # a run of items with scalar values goes to the C encoder whole
        for k, v in value.items():
            if v is None or isinstance(v, _SCALAR):
                run[k] = v
                continue
            if run:
                pieces.append(inner + flat(run)[1:-1])
                run = {}
            pieces.append(f"{inner}{_key(k)}: {_indented(v, inner)}")
        if run:
            pieces.append(inner + flat(run)[1:-1])
        return "{\n" + ",\n".join(pieces) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = pad + "  "
        if type(value) is KeptJson:
            return "[\n" + ",\n".join(inner + text for text in value.texts) + "\n" + pad + "]"
        if all(v is None or isinstance(v, _SCALAR) for v in value):
            return "[\n" + inner + _flat(inner)(list(value))[1:-1] + "\n" + pad + "]"
        return "[\n" + ",\n".join(inner + _indented(v, inner) for v in value) + "\n" + pad + "]"
    return _indented(_json_default(value), pad)


def _key(key: Any) -> str:
    """A mapping's key as json writes it (a number, true, false or null as text)."""
    return _encode(key) if isinstance(key, str) else _encode({key: 0})[1:-4]


def _json_default(value: Any) -> Any:
    if type(value) is Record:
        fields = vars(value)
        if "if_" in fields or "not_" in fields:
            return {KEYWORD_FIELDS.get(k, k): v for k, v in fields.items()}
        return fields
    if is_document(value):
        _, keys, values = _layout(type(value))
        return dict(zip(keys, values(value)))
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


class JsonLines:
    """Documents as compact JSON, one a line: the text of json.dumps(to_data(doc)). A list that
    recurs from document to document (routine entries, advice, escalations and fired rules come
    from the rule base itself, the same objects each time) is serialised once and its text reused."""

    # Characters of text remembered, forgotten all at once beyond that. A bound on the text, not
    # on the count: lists made afresh for each case (escalation dates) never recur, and a batch
    # of any length must not grow for them.
    LIMIT = 1 << 18

    def __init__(self) -> None:
        self._encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
        self._texts: dict[tuple[int, ...], tuple[tuple[Any, ...], str]] = {}
        self._keys: dict[str, str] = {}
        self._size = 0

    def __call__(self, doc: Any) -> str:
        if not (isinstance(doc, Record) or is_document(doc)):
            return self._encode(to_data(doc))
        parts: list[str] = []
        pending: dict[str, Any] = {}
        if type(doc) is Record:
            named = [(KEYWORD_FIELDS.get(k, k), v) for k, v in vars(doc).items()]
        else:
            _, keys, values = _layout(type(doc))
            named = zip(keys, values(doc))  # type: ignore[assignment]
        for key, value in named:
            if key == "trace" and value is None:
                continue
            if type(value) is list and value:
                if pending:
                    parts.append(self._encode(pending)[1:-1])
                    pending = {}
                prefix = self._keys.get(key) or self._keys.setdefault(key, self._encode(key) + ": ")
                parts.append(prefix + self.items(value))
            else:
                pending[key] = value
        if pending:
            parts.append(self._encode(pending)[1:-1])
        return "{" + ", ".join(parts) + "}"

    def plain(self, data: Any) -> str:
        """Plain data (answers: text, numbers, yes/no, lists) as it appears in a line."""
        return self._encode(data)

    def items(self, items: list[Any]) -> str:
        """A list as it appears in a line; the text of a list that recurs is remembered."""
        key = tuple(map(id, items))
        known = self._texts.get(key)
        if known is None:
            text = self._encode(items)
            if self._size + len(text) > self.LIMIT:
                self._texts.clear()
                self._size = 0
            self._size += len(text)
            # the entry holds the items, so no other object can take their ids while it is kept
            known = self._texts[key] = (tuple(items), text)
        return known[1]
