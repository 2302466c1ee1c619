"""The decision table as one cache entry, a symptom's part added when a batch first needs it
(see batch/table.py).

The entry (cache/layout.py) holds every symptom's spec as JSON (its bands, the announcements by
onset), then every symptom's table as unsigned integers in this machine's byte order, 16 or 32
bits wide as the head says (the outcome of each cell, each outcome's pieces), then the pieces of
text as the UTF-8 bytes a line of output is made of, each once; its head names the parts of each
symptom and where the pieces begin, and the CRC-32 of its parts' CRC-32s as laid out here (parts
laid out anew elsewhere, their sums made afresh, are made again rather than trusted: a marker of
how the entry was laid out, against damage, not a proof against a forgery in the user's own
cache). The entry is held open (cache.store.held): a batch reads its head, then only the parts
of the symptoms its cases have, each once when first needed, and copies every piece once (decoded
and encoded again only for an output that is not UTF-8). A symptom the entry lacks is compiled and the entry written again with it, the other parts and their pieces
as they were.
"""
from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, Any
from zlib import crc32

from ..cache.layout import Damaged, Layout, laid_out

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


class Pieces:
    """Pieces of text, each kept once, by number."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self._numbers.setdefault(text, len(self._numbers))

    def texts(self) -> list[str]:
        return list(self._numbers)


Compiled = dict[str, tuple[dict[str, Any], list[int]]]  # symptom -> (its spec, its table's integers)
_WIDTHS = ("H", "I")  # the tables' integers: unsigned, 16 bits where every one fits, else 32


def _integers(code: str) -> list[Any]:
    """How a table's integers are laid out, as the head records it."""
    return [sys.byteorder, code, array(code).itemsize]


def _encoded(compiled: Compiled, pieces: Pieces) -> bytes:
    specs = [json.dumps(spec, separators=(",", ":")).encode() for spec, _ in compiled.values()]
    largest = max((max(table, default=0) for _, table in compiled.values()), default=0)
    code = next((code for code in _WIDTHS if largest < 1 << 8 * array(code).itemsize), None)
    if code is None:
        raise ValueError(f"decisions: a table's integer {largest} does not fit in 32 bits")
    tables = [array(code, table).tobytes() for _, table in compiled.values()]  # OverflowError: one negative
    parts = [*specs, *tables, *(text.encode("utf-8", "surrogatepass") for text in pieces.texts())]
    head = {"symptoms": {symptom: n for n, symptom in enumerate(compiled)}, "tables": len(specs),
            "pieces": len(specs) + len(tables), "integers": _integers(code), "made": _made(list(map(crc32, parts)))}
    return laid_out(head, parts)


def _made(sums: list[int]) -> int:
    """What the head of an entry this module laid out says of the CRC-32s of its parts: the
    CRC-32 of them all. Parts laid out anew by anything else (their sums made afresh) do not
    match it."""
    return crc32(array("Q", sums).tobytes())


class Entry:
    """A compiled table's bytes: each symptom's parts read when asked for, the pieces all at once."""

    def __init__(self, data: bytes | memoryview):
        self._layout = Layout(data)
        self._where = self._layout.head.get("symptoms")
        self._first_table = self._layout.head.get("tables")
        self._first_piece = self._layout.head.get("pieces")
        integers = self._layout.head.get("integers")
        self._code = next((code for code in _WIDTHS if integers == _integers(code)), None)
        if not isinstance(self._where, dict) or type(self._first_table) is not int or type(self._first_piece) is not int \
                or self._code is None:
            raise Damaged("no index")

    def made_here(self) -> bool:
        """Whether every part is as entries are made here (its sums those `made` names): its
        outcomes then are the engine's plans in pieces, checked by the layout's CRC-32s as they
        are read (so not as JSON again, outcome by outcome)."""
        sums = self._layout.head.get("sums")
        try:
            return self._layout.head.get("made") == _made(sums)
        except (TypeError, OverflowError):
            return False

    def symptoms(self) -> list[str]:
        """The symptoms whose parts the entry holds, in the order they were added."""
        return [s for s in self._where if type(s) is str]

    def holds(self, symptom: str) -> bool:
        return symptom in self._where

    def symptom(self, symptom: str) -> dict[str, Any]:
        try:
            spec = json.loads(self._layout.part(self._where[symptom]))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise Damaged(str(exc)) from None
        if not isinstance(spec, dict) or spec.get("symptom") != symptom:
            raise Damaged(f"no part for {symptom}")
        return spec

    def table(self, symptom: str) -> memoryview:
        """A symptom's table, its integers where they lie in the entry."""
        try:
            view = self._layout.view(self._first_table + self._where[symptom])
        except (KeyError, TypeError) as exc:
            raise Damaged(str(exc)) from None
        if len(view) % array(self._code).itemsize:
            raise Damaged(f"the table of {symptom} is not whole")
        return view.cast(self._code)

    def value(self, number: int) -> Any:
        """Piece `number` as the JSON value it holds (a value the symptoms' parts share)."""
        if type(number) is not int or number < 0:
            raise Damaged(f"no piece {number!r}")
        try:
            return json.loads(self._layout.part(self._first_piece + number))
        except (ValueError, RecursionError) as exc:
            raise Damaged(str(exc)) from None

    def pieces(self, encode: Callable[[str], bytes]) -> list[bytes]:
        """Every piece by number, in the output's encoding (in UTF-8, copies of the entry's own
        bytes: a line joins bytes faster than views)."""
        raw = self._layout.parts(self._first_piece, len(self._layout))
        if encode is str.encode:
            return raw
        try:
            return list(map(encode, map(str, raw, repeat("utf-8"), repeat("surrogatepass"))))
        except UnicodeDecodeError as exc:
            raise Damaged(str(exc)) from None


_FORMAT = 3  # a part holds the cells of cases that leave the optional tested answers out; the head its `made`


def entry_key(kb: KnowledgeBase) -> str:
    """The cache key of the table of `kb`."""
    return f"decision-table {_FORMAT} {kb.content_hash}"


def cached_entry(kb: KnowledgeBase) -> Entry | None:
    """The table of `kb` as the cache holds it; None when it holds none, or none whole."""
    from ..cache import store as cache

    data = cache.held(entry_key(kb))
    if data is not None:
        try:
            return Entry(data)
        except Damaged:
            pass
    return None


def compiled_entry(kb: KnowledgeBase, symptom: str, compile_part: Callable[[str, Pieces], Compiled],
                   *, cached: bool = True) -> Entry:
    """The table of `kb` from the cache, holding the part for `symptom`: when the entry kept
    there lacks it, that part compiled by `compile_part` (which adds its pieces of text to the
    Pieces it is given and returns the symptom's spec and table) and added to the entry's other
    parts. When `cached` is False (what the cache holds was found damaged) every part the entry
    named is compiled afresh, in its order, and `symptom`'s."""
    from ..cache import store as cache

    key = entry_key(kb)
    entry = cached_entry(kb)
    if cached and entry is not None and entry.holds(symptom):
        return entry
    named = [s for s in entry.symptoms() if s in kb.symptoms] if entry is not None else []
    pieces, compiled = Pieces(), {}
    try:
        if cached and entry is not None and entry.made_here():  # the other parts as they are: their pieces keep their numbers
            for text in entry.pieces(str.encode):
                pieces.add(text.decode("utf-8", "surrogatepass"))
            compiled = {s: (entry.symptom(s), entry.table(s).tolist()) for s in named if s != symptom}
            compiled.update(compile_part(symptom, pieces))
    except (Damaged, UnicodeDecodeError, ValueError):
        compiled = {}
    if not compiled:
        pieces, compiled = Pieces(), {}
        for part in named if symptom in named else [*named, symptom]:
            compiled.update(compile_part(part, pieces))
    data = _encoded(compiled, pieces)
    cache.put(key, data)
    return Entry(data)
