"""The outcomes of cases no cell of the decision table holds (three warning signs, answers left
out after one: batch/table.py, Bands.met), kept in the cache for later batches.

The engine plans such a case the first time a batch meets what the rules can tell of it, and the
batch keeps the plan in pieces, as a cell's (DecisionTable._met). When the batch has planned its
last case, those it made are added to an entry of their own (cache/layout.py): a part for each
symptom, JSON: its pieces of text, each once, and its outcomes, at most KEPT, each [what the
rules tell (Bands.met), announces (1 or 0), review days + 1 (0: none), where its four holes are
among its pieces, its pieces' numbers]. A later batch
reads a symptom's part when it first meets such a case of it. A part that is damaged, or not laid
out here, or does not hold what it should, is left out: the engine plans its cases again.
"""
from __future__ import annotations

import json
from array import array
from typing import TYPE_CHECKING, Any
from zlib import crc32

from ..cache.layout import Damaged, Layout, laid_out
from ..documents.vocabulary import MOST_REVIEW_DAYS
from .compile import MARKED

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase
    from .bands import Bands

KEPT = 1 << 10  # outcomes kept a symptom
_FORMAT = 1
Stored = tuple[int, int, tuple[int, ...], list[str]]  # announces, review days + 1, holes, pieces


def met_key(kb: KnowledgeBase) -> str:
    """The cache key of the outcomes kept for `kb`."""
    return f"decision-table-met {_FORMAT} {kb.content_hash}"


class _Kept:
    """One symptom's outcomes: its pieces, each once, and each outcome with its pieces' numbers."""

    def __init__(self, pieces: list[str], outcomes: dict[tuple[Any, ...], tuple[Any, ...]]):
        self.pieces, self.outcomes = pieces, outcomes
        self._numbers: dict[str, int] | None = None

    def get(self, key: tuple[Any, ...]) -> Stored | None:
        known = self.outcomes.get(key)
        return None if known is None else (*known[:3], list(map(self.pieces.__getitem__, known[3])))  # type: ignore[return-value]

    def add(self, key: tuple[Any, ...], stored: Stored) -> None:
        if self._numbers is None:
            self._numbers = {text: n for n, text in enumerate(self.pieces)}
        numbers = self._numbers
        for text in stored[3]:
            if text not in numbers:
                numbers[text] = len(self.pieces)
                self.pieces.append(text)
        self.outcomes[key] = (*stored[:3], tuple(map(numbers.__getitem__, stored[3])))

    def part(self) -> bytes:
        outcomes = [[list(key), announces, review, list(holes), list(numbers)]
                    for key, (announces, review, holes, numbers) in self.outcomes.items()]
        return json.dumps({"pieces": self.pieces, "outcomes": outcomes}, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8", "surrogatepass")


class Met:
    """The outcomes kept, by symptom and by what the rules tell of a case: a symptom's read when
    first asked for; those added written back by `save`."""

    def __init__(self, kb: KnowledgeBase):
        self._kb = kb
        self._layout: Layout | None = None
        self._looked = False
        self._symptoms: dict[str, _Kept] = {}
        self._added = False

    def of(self, symptom: str, bands: Bands) -> _Kept:
        """The outcomes kept for `symptom` (whose cases fall into `bands`), by Bands.met's key."""
        known = self._symptoms.get(symptom)
        if known is None:
            known = self._symptoms[symptom] = self._read(symptom, bands)
        return known

    def add(self, symptom: str, bands: Bands, key: tuple[Any, ...], stored: Stored) -> None:
        kept = self.of(symptom, bands)
        if len(kept.outcomes) < KEPT and key not in kept.outcomes:
            kept.add(key, stored)
            self._added = True

    def save(self) -> None:
        """Keep the outcomes added, with every symptom's the entry held (none when none was added)."""
        if not self._added:
            return
        from ..cache import store as cache

        self._added = False
        every: dict[str, bytes] = {}
        layout = self._opened()
        for symptom in _symptoms(layout):
            if symptom not in self._symptoms:
                try:
                    every[symptom] = layout.part(layout.head["symptoms"][symptom])  # type: ignore[union-attr]
                except Damaged:
                    continue
        every.update((symptom, kept.part()) for symptom, kept in self._symptoms.items())
        parts = list(every.values())
        head = {"symptoms": {symptom: n for n, symptom in enumerate(every)}, "made": _made(list(map(crc32, parts)))}
        cache.put(met_key(self._kb), laid_out(head, parts))

    def _opened(self) -> Layout | None:
        if not self._looked:
            from ..cache import store as cache

            self._looked = True
            data = cache.held(met_key(self._kb))
            try:
                layout = None if data is None else Layout(data)
                self._layout = layout if layout is not None and layout.head.get("made") == _made(layout.head["sums"]) \
                    and type(layout.head.get("symptoms")) is dict else None
            except (Damaged, TypeError, OverflowError):
                self._layout = None
        return self._layout

    def _read(self, symptom: str, bands: Bands) -> _Kept:
        layout = self._opened()
        if layout is None or symptom not in layout.head["symptoms"]:
            return _Kept([], {})
        try:
            part = json.loads(layout.part(layout.head["symptoms"][symptom]))
            pieces = part["pieces"]
            if type(pieces) is not list or not all(type(p) is str and "\n" not in p and "\r" not in p for p in pieces):
                raise ValueError("the pieces")
            marks = [pieces.index(mark) if mark in pieces else -1 for mark in MARKED]
            return _Kept(pieces, dict(_checked(item, bands, len(pieces), marks) for item in part["outcomes"][:KEPT]))
        except (Damaged, ValueError, TypeError, KeyError, RecursionError):  # Damaged is a ValueError
            return _Kept([], {})


def _symptoms(layout: Layout | None) -> list[str]:
    return [] if layout is None else [s for s in layout.head["symptoms"] if type(s) is str]


def _made(sums: list[int]) -> int:
    """What the head of an entry laid out here says of its parts' CRC-32s (batch.cached._made)."""
    return crc32(array("Q", sums).tobytes()) ^ _FORMAT


def _checked(item: Any, bands: Bands, count: int, marks: list[int]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(key, outcome) of one kept outcome, of a part with `count` pieces, the marks being pieces
    `marks`; ValueError unless it is one Bands.met and DecisionTable._met make: a band or -1 for
    each tested question, yes, no or nothing for each warning sign; the marks at its holes, in
    order, and nowhere else."""
    key, announces, review, holes, numbers = item
    questions = len(bands.questions)
    if type(key) is not list or len(key) != questions + len(bands.flags) \
            or not all(type(b) is int and -1 <= b < len(values) for b, (_, values, _) in zip(key, bands.questions)) \
            or not all(v is None or type(v) is bool for v in key[questions:]):
        raise ValueError("a key")
    if type(announces) is not int or announces not in (0, 1) or type(review) is not int \
            or not 0 <= review <= MOST_REVIEW_DAYS + 1 or type(numbers) is not list \
            or not all(type(n) is int and 0 <= n < count for n in numbers) \
            or type(holes) is not list or [type(h) for h in holes] != [int] * len(MARKED) \
            or holes != sorted(holes) or not all(0 <= h < len(numbers) for h in holes) \
            or [numbers[h] for h in holes] != marks or sum(map(numbers.count, marks)) != len(MARKED):
        raise ValueError("an outcome")
    return tuple(key), (announces, review, tuple(holes), tuple(numbers))
