"""The decision table as one cache entry, read a symptom at a time (see decisions.py).

The entry is a first line of JSON naming where each symptom's part and each piece of text lie,
then every symptom's part as JSON (its bands, the outcome of each cell, the announcements by
onset), then the pieces of text as the UTF-8 bytes a line of output is made of, each once. A
batch reads the line, then only the parts of the symptoms its cases have, and takes the pieces as
they are, with no decoding.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .kb import KnowledgeBase


class Damaged(ValueError):
    """An entry that does not hold what it should: it is compiled again."""


class Pieces:
    """Pieces of text, each kept once, by number."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self._numbers.setdefault(text, len(self._numbers))

    def texts(self) -> list[str]:
        return list(self._numbers)


def _encoded(specs: dict[str, dict[str, Any]], pieces: Pieces) -> bytes:
    parts = {s: json.dumps(spec, separators=(",", ":")).encode() for s, spec in specs.items()}
    blob = [text.encode("utf-8", "surrogatepass") for text in pieces.texts()]
    at, where = 0, {}
    for symptom, part in parts.items():
        where[symptom] = [at, at + len(part)]
        at += len(part)
    offsets = []
    for piece in blob:
        offsets.append([at, at + len(piece)])
        at += len(piece)
    head = json.dumps({"symptoms": where, "pieces": offsets}, separators=(",", ":")).encode()
    return b"".join((head, b"\n", *parts.values(), *blob))


class Entry:
    """A compiled table's bytes, its parts read on demand."""

    def __init__(self, data: bytes):
        end = data.find(b"\n")
        head = data[:end] if end >= 0 else data
        try:
            index = json.loads(head)
            self._where: dict[str, list[int]] = index["symptoms"]
            self._pieces: list[list[int]] = index["pieces"]
        except (ValueError, KeyError, TypeError) as exc:
            raise Damaged(str(exc)) from None
        self._body = memoryview(data)[len(head) + 1:]
        if not isinstance(self._where, dict) or not isinstance(self._pieces, list):
            raise Damaged("no index")

    def symptom(self, symptom: str) -> dict[str, Any]:
        try:
            start, end = self._where[symptom]
            spec = json.loads(bytes(self._body[start:end]))
        except (ValueError, KeyError, TypeError) as exc:
            raise Damaged(str(exc)) from None
        if not isinstance(spec, dict) or spec.get("symptom") != symptom:
            raise Damaged(f"no part for {symptom}")
        return spec

    def pieces(self, encode: Callable[[str], bytes]) -> Callable[[int], bytes]:
        """Piece number -> its bytes in the output's encoding, each made once."""
        made: dict[int, bytes] = {}
        utf8 = encode is str.encode

        def piece(number: int) -> bytes:
            known = made.get(number)
            if known is None:
                try:
                    start, end = self._pieces[number]
                    raw = bytes(self._body[start:end])
                except (IndexError, TypeError, ValueError):
                    raise Damaged(f"no piece {number}") from None
                known = made[number] = raw if utf8 else encode(raw.decode("utf-8", "surrogatepass"))
            return known
        return piece


def compiled_entry(kb: KnowledgeBase, compile_specs: Callable[[Pieces], dict[str, dict[str, Any]]],
                   *, cached: bool = True) -> Entry:
    """The table of `kb` from the cache, or (also when `cached` is False: what the cache holds
    was found damaged) compiled by `compile_specs`, which adds its pieces of text to the Pieces it
    is given and returns each symptom's part, and kept there."""
    from . import cache

    key = f"decision-table {kb.content_hash}"
    data = cache.get(key) if cached else None
    if data is not None:
        try:
            return Entry(data)
        except Damaged:
            pass
    pieces = Pieces()
    specs = compile_specs(pieces)
    data = _encoded(specs, pieces)
    cache.put(key, data)
    return Entry(data)
