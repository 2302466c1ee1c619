"""Documents and Records as JSON: `to_data` (JSON-ready data), `to_json` (the text of one
document) and `JsonLines` (one a line, each list that recurs serialised once)."""
from __future__ import annotations

import datetime as dt
import json
from functools import cache
from collections.abc import Iterator
from typing import Any, Callable

from .record import Record, _layout, fields_of, is_document
from .vocabulary import KEYWORD_FIELDS


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
    return "".join(json_parts(doc))  # one copy of what may be a year of check-ins


def json_parts(doc: Any) -> list[str]:
    """to_json's text in pieces, in order: a long document is written out without joining them."""
    if (isinstance(doc, Record) or is_document(doc)) and getattr(doc, "trace", 1) is None:
        doc = {k: v for k, v in fields_of(doc).items() if k != "trace"}
    out: list[str] = []
    _parts(doc, "", out)
    return out


class KeptJson(list):  # type: ignore[type-arg]
    """Documents read back with the compact JSON text each was kept as (checked when read): to_json
    writes that text as it is, each on a line of its own, rather than encoding them again. The
    documents themselves are made by `load` when first looked at (iterated over, indexed, compared):
    a view that writes the texts alone never makes them. Without texts (None: a view that was to
    write none), JSON is written from the documents."""

    def __init__(self, texts: list[str] | None, load: Callable[[], list[Any]]):
        super().__init__()
        self.texts = texts
        self._load: Callable[[], list[Any]] | None = load

    def _loaded(self) -> list[Any]:
        if self._load is not None:
            load, self._load = self._load, None
            super().extend(load())
        return self

    def __iter__(self) -> Iterator[Any]:
        return list.__iter__(self._loaded())

    def __reversed__(self) -> Iterator[Any]:
        return list.__reversed__(self._loaded())

    def __getitem__(self, at: Any) -> Any:
        return list.__getitem__(self._loaded(), at)

    def __len__(self) -> int:
        return list.__len__(self._loaded()) if self.texts is None else len(self.texts)

    def __contains__(self, item: object) -> bool:
        return list.__contains__(self._loaded(), item)

    def __eq__(self, other: object) -> bool:
        return list.__eq__(self._loaded(), other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return list.__repr__(self._loaded())


_SCALAR = (str, int, float)  # with None: what json writes without looking inside
_encode = json.JSONEncoder(ensure_ascii=False).encode


@cache
def _flat(pad: str) -> Callable[[Any], str]:
    """The encoder of a list or mapping of scalars laid out at `pad`: one item a line."""
    return json.JSONEncoder(ensure_ascii=False, separators=(",\n" + pad, ": ")).encode


def _parts(value: Any, pad: str, out: list[str]) -> None:
    """`value` as json.dumps(value, ensure_ascii=False, indent=2, default=_json_default) lays it
    out at the indentation `pad`, added to `out` a piece at a time, so that kept texts (KeptJson)
    are never copied into each value that holds them. The json module writes indented text in
    Python, a value at a time; here a list or mapping of scalars, which is most of a document, goes
    to its C encoder whole."""
    if value is None or isinstance(value, _SCALAR):
        out.append(_encode(value))
        return
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        flat = _flat(inner)
        lead, run = "{\n", {}  # a run of items with scalar values goes to the C encoder whole
        for k, v in value.items():
            if v is None or isinstance(v, _SCALAR):
                run[k] = v
                continue
            if run:
                out.append(lead + inner + flat(run)[1:-1])
                lead, run = ",\n", {}
            out.append(f"{lead}{inner}{_key(k)}: ")
            lead = ",\n"
            _parts(v, inner, out)
        if run:
            out.append(lead + inner + flat(run)[1:-1])
        out.append("\n" + pad + "}")
        return
    if isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        if type(value) is KeptJson and value.texts is not None:
            between = ",\n" + inner
            out.append("[\n" + inner)
            out.append(value.texts[0])
            for text in value.texts[1:]:
                out.append(between)
                out.append(text)
            out.append("\n" + pad + "]")
        elif all(v is None or isinstance(v, _SCALAR) for v in value):
            out.append("[\n" + inner + _flat(inner)(list(value))[1:-1] + "\n" + pad + "]")
        else:
            lead = "[\n"
            for v in value:
                out.append(lead + inner)
                lead = ",\n"
                _parts(v, inner, out)
            out.append("\n" + pad + "]")
        return
    _parts(_json_default(value), pad, out)


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
