"""The layout of a cache entry that is read a part at a time: one line, its head (the CRC-32 of
the rest of the line in hex, a space, then JSON: what the entry's maker says of it, and where each
part lies and its CRC-32), then the parts, as bytes, end to end.

A command opens the entry by reading the head alone and takes only the parts it needs, each
checked against its CRC-32 as it is taken: a damaged entry (a changed byte anywhere) is Damaged,
and its maker makes it again, never a wrong plan or a crash. What the parts hold, and how they are
decoded, is the maker's (batch/cached.py, rules/cached.py).
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from zlib import crc32

_LINE_END = re.compile(b"\n")  # searches a view of the entry where it lies


class Damaged(ValueError):
    """An entry that does not hold what it should: its maker makes it again."""


def laid_out(head: dict[str, Any], parts: Sequence[bytes]) -> bytes:
    """`head` and `parts` as one entry (the head gains "bounds" and "sums")."""
    bounds, at = [0], 0
    for part in parts:
        at += len(part)
        bounds.append(at)
    sums = list(map(crc32, parts))
    line = json.dumps({**head, "bounds": bounds, "sums": sums}, separators=(",", ":"), ensure_ascii=False).encode()
    return b"".join((b"%08x " % crc32(line), line, b"\n", *parts))


class _InMemory:
    """Bytes already in memory, read as cache.Held reads a file (parts are views, not copies)."""

    def __init__(self, data: bytes | memoryview):
        self._data = memoryview(data)
        self.size = len(self._data)

    def read(self, start: int, end: int) -> memoryview:
        return self._data[start:end]


def _head_line(source: Any) -> bytes:
    """The first line of `source`, without its newline; Damaged when there is none."""
    at, step = 0, 1 << 16
    while at < source.size:
        block = bytes(source.read(at, at + step))
        found = _LINE_END.search(block)
        if found is not None:
            return bytes(source.read(0, at + found.start()))
        if not block:
            break
        at, step = at + len(block), step * 2
    raise Damaged("no head")


class Layout:
    """An entry's head, and its parts by number; Damaged when it is not laid out so, or (read
    from a file, cache.Held) when the file was cut short since."""

    def __init__(self, data: bytes | memoryview | Any):
        """`data`: the entry's bytes, or a view of them, or a cache.Held to read them from."""
        self._source = _InMemory(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        first = _head_line(self._source)
        end = len(first)
        line = first[9:]  # after the CRC-32 of the line, in hex, and a space
        if end < 9 or first[8:9] != b" " or first[:8] != b"%08x" % crc32(line):
            raise Damaged("the head is damaged")
        try:
            self.head: dict[str, Any] = json.loads(line)
            bounds, sums = self.head["bounds"], self.head["sums"]
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise Damaged(str(exc)) from None
        self._at = end + 1  # where the parts begin
        if type(bounds) is not list or not bounds or bounds[0] != 0 or bounds[-1] != self._source.size - self._at \
                or any(type(b) is not int for b in bounds) or any(a > b for a, b in zip(bounds, bounds[1:])) \
                or type(sums) is not list or len(sums) != len(bounds) - 1:
            raise Damaged("the entry is not whole")  # so every part lies within it, after the one before
        self._bounds: list[int] = bounds
        self._sums: list[int] = sums

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def _read(self, start: int, end: int) -> Any:
        """Bytes `start` to `end` of the parts; Damaged when fewer are there (a file cut short)."""
        data = self._source.read(self._at + start, self._at + end)
        if len(data) != end - start:
            raise Damaged("the entry was cut short")
        return data

    def part(self, number: int) -> bytes:
        return bytes(self.view(number))

    def view(self, number: int) -> memoryview:
        """Part `number` (where it lies in the entry's bytes in memory, not copied)."""
        if type(number) is not int or not 0 <= number < len(self):
            raise Damaged(f"no part {number!r}")
        view = memoryview(self._read(self._bounds[number], self._bounds[number + 1]))
        if crc32(view) != self._sums[number]:
            raise Damaged(f"part {number} is damaged")
        return view

    def parts(self, first: int, last: int) -> list[bytes]:
        """Parts `first` to `last` - 1, each copied."""
        if type(first) is not int or type(last) is not int or not 0 <= first <= last <= len(self):
            raise Damaged(f"no parts {first!r} to {last!r}")
        bounds = [b - self._bounds[first] for b in self._bounds[first:last + 1]]
        whole = memoryview(self._read(self._bounds[first], self._bounds[last]))
        parts = list(map(bytes, map(whole.__getitem__, map(slice, bounds[:-1], bounds[1:]))))
        if list(map(crc32, parts)) != self._sums[first:last]:
            raise Damaged(f"a part of {first} to {last - 1} is damaged")
        return parts
