"""The checked rule base as one cache entry (cache/layout.py), its records read as they are needed.

Part 0 holds what commands take whole: the fields of the two rule-base files other than their
long lists (the symptoms, the facts, the disclaimer, ...). Then every document, question, rule and
exercise is a part of its own, in file order; the head names, for each list, where its parts
begin and each record's id and symptoms, so that finding a symptom's rules and questions decodes
nothing else. A rule base fifty times the shipped one opens about as fast as the shipped one.

JSON cannot run code whoever wrote it: Records become objects, and the few plain mappings (worked
examples' answers) a one-key object holding their pairs.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..cache.layout import Damaged, Layout, laid_out
from ..documents.record import Record
from .questions import question_problem

# the lists of each file that are read a record at a time
LISTS = {"rules_file": ("documents", "questions", "rules"), "exercises_file": ("exercises",)}
_MAPPING = "\0pairs"
SHAPES_FILE = Path(__file__).with_name("record_shapes.json")  # rules/record_shapes.py makes it from the models
_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "null": type(None), "object": dict}


@lru_cache(maxsize=None)
def _models() -> dict[str, Any]:
    shapes = json.loads(SHAPES_FILE.read_text(encoding="utf-8"))
    return {name: shapes["models"][model] for name, model in shapes["files"].items()} | shapes["models"]


def _fitting(shape: list[Any]) -> Callable[[Any], bool]:
    """What tells whether a value, as decoded, is of `shape` (rules/record_shapes.py): a CRC-32
    shows that no byte changed by chance, not that the bytes were a record of the rule base to
    begin with. A value fits when it fits any of the shape's kinds; the kinds are sorted once
    here (a model's fields when a record of it is first checked), not at every value."""
    types: set[type] = set()
    enums: list[Any] = []
    arrays: list[tuple[int, Callable[[Any], bool]]] = []
    records: list[str] = []
    for kind in shape:
        if type(kind) is str:
            if kind == "any":
                return _anything
            types.add(_TYPES[kind])
            if kind == "number":
                types.add(int)
        elif "enum" in kind:
            enums.extend(kind["enum"])
        elif "array" in kind:
            arrays.append((kind.get("min", 0), _fitting(kind["array"])))
        else:
            records.extend(kind["record"])

    def fits(value: Any) -> bool:
        kind = type(value)
        if kind in types:
            return True
        if kind is list and any(len(value) >= least and all(map(item, value)) for least, item in arrays):
            return True
        if kind is Record and any(_is_record(value, name) for name in records):
            return True
        return any(kind is type(choice) and value == choice for choice in enums)
    return fits


def _anything(value: Any) -> bool:
    return True


@lru_cache(maxsize=None)
def _fields(model: str) -> dict[str, Callable[[Any], bool]]:
    """What tells, for each field of `model`, whether a value fits it."""
    return {name: _fitting(shape) for name, shape in _models()[model].items()}


def _is_record(value: Record, model: str, left_out: Sequence[str] = ()) -> bool:
    """Whether `value` has exactly the fields of `model` (but those `left_out`), each of its shape."""
    fields, have = _fields(model), vars(value)
    return have.keys() == fields.keys() - set(left_out) and all(fields[k](v) for k, v in have.items())


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return {name: _plain(v) for name, v in vars(value).items()}
    if isinstance(value, (list, Stored)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_MAPPING: [[k, _plain(v)] for k, v in value.items()]}
    return value


def _rebuilt(obj: dict[str, Any]) -> Any:
    pairs = obj.get(_MAPPING)
    if pairs is not None and len(obj) == 1:
        return {k: v for k, v in pairs}
    return Record(**obj)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _decoded(text: bytes) -> Any:
    try:
        return json.loads(text, object_hook=_rebuilt)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise Damaged(str(exc)) from None


def encoded(content_hash: str, files: dict[str, Record]) -> bytes:
    """The entry of a rule base with this hash and these files (LISTS' keys); TypeError or
    ValueError when JSON cannot hold them, or would not give them back exactly (a tuple comes
    back a list). Records and mappings are given back by _rebuilt from what JSON gives back, so
    each part is decoded as plain JSON alone and compared with what was written."""
    plain = [{name: {k: _plain(v) for k, v in vars(file).items() if k not in LISTS[name]}
              for name, file in files.items()}]
    lists = {}
    for name, file in files.items():
        for field in LISTS[name]:
            records = getattr(file, field)
            lists[f"{name}.{field}"] = {"first": len(plain), "ids": [r.id for r in records],
                                        "symptoms": [getattr(r, "symptoms", None) or [] for r in records]}
            if records and all(hasattr(r, "aliases") for r in records):  # what a look-up by name needs
                lists[f"{name}.{field}"]["names"] = [[r.id, r.name, *r.aliases] for r in records]
            plain.extend(_plain(r) for r in records)
    parts = list(map(_json, plain))
    if list(map(json.loads, parts)) != plain:
        raise ValueError("JSON would not give the rule base back as it is")
    order = {name: list(vars(file)) for name, file in files.items()}
    return laid_out({"content_hash": content_hash, "order": order, "lists": lists}, parts)


Recover = Callable[[str, str], Sequence[Record]]  # (file, list) -> that list, made afresh from the files


def opened(data: bytes | memoryview, content_hash: str, recover: Recover | None) -> dict[str, Record]:
    """The files of the rule base an entry holds, their lists Stored; Damaged when the entry is
    not laid out as `encoded` lays it out, or holds another rule base. A part found damaged later
    is made afresh by `recover` (None: Damaged is raised then too)."""
    layout = Layout(data)
    head = layout.head
    if head.get("content_hash") != content_hash:
        raise Damaged("another rule base")
    whole = _decoded(layout.part(0))
    if type(whole) is not Record or vars(whole).keys() != LISTS.keys() \
            or not all(_is_record(getattr(whole, name), name, fields) for name, fields in LISTS.items()):
        raise Damaged("the files' fields")
    try:
        files = {}
        for name, fields in LISTS.items():
            values = vars(getattr(whole, name))
            for field in fields:
                listed = head["lists"][f"{name}.{field}"]
                values[field] = Stored(layout, listed["first"], listed["ids"], listed["symptoms"],
                                       None if recover is None else _bound(recover, name, field),
                                       _models()[name][field][0]["array"], listed.get("names"))
            order = head["order"][name]
            if sorted(order) != sorted(values):
                raise Damaged(f"the fields of {name}")
            files[name] = Record(**{k: values[k] for k in order})
    except (KeyError, TypeError, AttributeError) as exc:
        raise Damaged(str(exc)) from None
    return files


def _bound(recover: Recover, name: str, field: str) -> Callable[[], Sequence[Record]]:
    return lambda: recover(name, field)


class Stored(Sequence):
    """One list of the rule base (its documents, questions, rules or exercises) in file order,
    each record decoded from its part the first time it is wanted.

    Args:
        layout: the cache entry, read a part at a time.
        first: the index of the list's first part in it.
        ids: each record's id, from the entry's head.
        symptoms: each record's symptoms ([] for none, or for a list without them), from the head.
        recover: makes the whole list afresh when a part is damaged (None: Damaged is raised).
        shape: what each record's fields may hold (rules/record_shapes.json).
        names: for records with a name and aliases (exercises), each one's id, name and aliases,
            from the head, so that finding one by name decodes only that one; else None.

    Raises:
        Damaged: the head's index does not fit the entry.
    """

    def __init__(self, layout: Layout, first: int, ids: list[str], symptoms: list[list[str]],
                 recover: Callable[[], Sequence[Record]] | None, shape: list[Any], names: Any = None):
        if type(first) is not int or type(ids) is not list or type(symptoms) is not list or len(ids) != len(symptoms) \
                or first + len(ids) > len(layout) or not all(type(i) is str for i in ids) \
                or not all(type(s) is list and all(type(x) is str for x in s) for s in symptoms) \
                or not (names is None or type(names) is list and len(names) == len(ids) and all(
                    type(n) is list and n[:1] == [i] and len(n) >= 2 and all(type(x) is str for x in n)
                    for n, i in zip(names, ids))):
            raise Damaged("a list's index")
        self._layout, self._first, self._recover, self._fits = layout, first, recover, _fitting(shape)
        self.ids, self.symptoms, self.names = ids, symptoms, names
        self._made: list[Record | None] = [None] * len(ids)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def read(self) -> int:
        """How many of its records have been decoded."""
        return sum(made is not None for made in self._made)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        made = self._made[i]  # IndexError as a list's
        if made is None:
            made = self._made[i] = self._read(i % len(self))
        return made

    def _read(self, i: int) -> Record:
        try:
            made = _decoded(self._layout.part(self._first + i))
            if type(made) is not Record or getattr(made, "id", None) != self.ids[i] or not self._fits(made) \
                    or (hasattr(made, "red_flag") and question_problem(made)):  # a question, at one with itself
                raise Damaged(f"the part of {self.ids[i]}")
            return made
        except Damaged:
            if self._recover is None:
                raise
            self._made = list(self._recover())  # every record afresh: none of this entry is trusted now
            return self._made[i]  # type: ignore[return-value]

    def __iter__(self) -> Iterator[Record]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, Stored)):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def by_id(self) -> Mapping[str, Record]:
        return _ById(self)


class _ById(Mapping):
    """A Stored list's records by id, each decoded when it is first looked up."""

    def __init__(self, stored: Stored):
        self._stored = stored
        self._index = {rid: i for i, rid in enumerate(stored.ids)}

    def __getitem__(self, rid: str) -> Record:
        return self._stored[self._index[rid]]

    def __contains__(self, rid: object) -> bool:
        return rid in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)
