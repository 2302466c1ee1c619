"""The decision table as cache entries, one a symptom, each compiled when first needed (see
batch/table.py).

An entry (cache/layout.py) holds its symptoms' spec as JSON (its bands, the announcements by
onset), then every symptom's table as unsigned integers in this machine's byte order, 16 or 32
bits wide as the head says (the outcome of each cell, each outcome's pieces), then the pieces of
text as the UTF-8 bytes a line of output is made of, each once; its head names the parts of each
symptom and where the pieces begin. An entry is held open (cache.store.held): a batch reads the
entries of the symptoms its cases have, each once when first needed, and copies every piece once
(decoded and encoded again only for an output that is not UTF-8).
"""
from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, Any

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
    head = {"symptoms": {symptom: n for n, symptom in enumerate(compiled)}, "tables": len(specs),
            "pieces": len(specs) + len(tables), "integers": _integers(code)}
    return laid_out(head, [*specs, *tables, *(text.encode("utf-8", "surrogatepass") for text in pieces.texts())])


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


def entry_key(kb: KnowledgeBase, symptom: str) -> str:
    """The cache key of a symptom's part of the table of `kb`."""
    return f"decision-table {kb.content_hash} {symptom}"


def compiled_entry(kb: KnowledgeBase, symptom: str, compile_specs: Callable[[str, Pieces], Compiled],
                   *, cached: bool = True) -> Entry:
    """The part of the table of `kb` for `symptom` from the cache, or (also when `cached` is
    False: what the cache holds was found damaged) compiled by `compile_specs`, which adds its
    pieces of text to the Pieces it is given and returns the symptom's spec and table, and kept
    there."""
    from ..cache import store as cache

    key = entry_key(kb, symptom)
    data = cache.held(key) if cached else None
    if data is not None:
        try:
            return Entry(data)
        except Damaged:
            pass
    pieces = Pieces()
    data = _encoded(compile_specs(symptom, pieces), pieces)
    cache.put(key, data)
    return Entry(data)
