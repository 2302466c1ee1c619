"""A batch case's answers read in one pass by its symptom's part of the decision table: each
answer as it is spelt in the file gives, by one look-up, what the interview types it as, its text
in the plan's line, and its share of the number of the cell the case falls into.

Bands.checked, Bands.cell_of and the table's text of the answers, done at once: a case that
answers its interview in the usual spellings (optional answers left out or not) is typed, placed
in its cell and written without walking its answers three times. Anything else is left to them.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

from .bands import Bands

_UNMADE = object()  # an entry not made yet
_KEPT = 1 << 12  # spellings and pieces of a line kept by question and by symptom: the usual ones, few for memory
_FEW = 100  # the whole numbers of a range this short are kept as the pieces of a line they are
_MEMBERS = json.JSONDecoder(object_pairs_hook=list)  # an object's members in order, duplicates kept
_FLAG = 1 << 16  # what a warning sign adds to the count of the answers a cell needs (a tested answer adds 1)


class Read(dict):  # type: ignore[type-arg]
    """A case's answers, typed and complete as the interview makes them, with the cell they fall
    into and their text in a line (JsonLines, in the output's encoding)."""

    __slots__ = ("cell", "text")
    cell: int
    text: bytes


class Spelled:
    """One symptom's answers by spelling: question id -> spelling -> (typed answer, its text,
    its share of the cell's number, the warning sign it raises (1-based, 0: none), what it adds
    to the count of the answers a cell needs)."""

    def __init__(self, bands: Bands, pair_text: Callable[[str, Any], bytes], encode: Callable[[str], bytes],
                 asked_by: tuple[str, ...] = (), members: dict[str, Any] | None = None):
        """`pair_text` writes `"qid": answer` as a line holds it, `encode` text in the output's
        encoding; `asked_by`, the questions whose answers decide whether those asked only if
        their ask_if holds are asked (compile.asked_by); `members`, the pieces of lines read as
        JSON members so far, kept by the symptoms' parts together (a question every symptom asks
        is spelt alike in each): piece -> (id, spelling as _look keys it), or None."""
        self._bands, self._pair_text, self._encode, self._asked_by = bands, pair_text, encode, asked_by
        self._members: dict[str, Any] = {} if members is None else members
        self._weights: dict[str, tuple[int, Callable[[Any], int | None]]] = {}
        weight = bands.value_cells
        for qid, values, band in bands.questions:  # the first question is the most significant
            weight //= len(values)
            self._weights[qid] = (weight, band)
        # the tested questions a case with a warning sign keeps, each with its weight in a cell's
        # number and its number of bands (its cell past all_out is numbered by these alone)
        left_out = set(bands.left_out)
        self._kept = [(self._weights[qid][0], len(values)) for qid, values, _ in bands.questions if qid not in left_out]
        flags = {qid: n for n, qid in enumerate(bands.flags, 1)}
        self._flags = flags
        self._needed = len(bands.questions) + _FLAG * len(flags)
        self._kept_needed = len(self._kept) + _FLAG * len(flags)  # every answer but the left_out ones
        # integer questions: typed as they are, in range; written as `"qid": ` and the digits
        self._ranges: dict[str, tuple[int, int, bytes]] = {}
        self._prefixes: dict[str, str] = {}  # `"id"` of an integer question, as json.dumps writes it -> the id
        self._by_text: dict[str, tuple[Any, ...]] = {}  # `"id": value` met in a line -> (id, *its entry)
        # question id -> spelling -> its entry, each made when first met (_look)
        self._by_qid: dict[str, dict[Any, tuple[Any, ...] | None]] = {}
        self._spellings = bands.spellings
        self._fills: dict[tuple[str, ...], Any] = {}  # the ids given -> _filling's, where they alone decide it
        for qid, known in bands.spellings.items():
            self._by_qid[qid] = {}
            if type(known) is tuple:
                self._ranges[qid] = (*known, encode(encode_basestring(qid) + ": "))
                for write in (encode_basestring_ascii, encode_basestring):
                    self._prefixes[write(qid)] = qid

    def _entry(self, qid: str, typed: Any) -> tuple[Any, ...] | None:
        """What an answer typed `typed` to `qid` is in a line and a cell; None when it falls in
        no band (the table's cell_of would find none)."""
        share, role = 0, 0
        tested = self._weights.get(qid)
        if tested is not None:
            band = tested[1](typed)
            if band is None:
                return None
            share, role = band * tested[0], 1
        flag = self._flags.get(qid)
        raised = 0
        if flag is not None:
            raised, role = (flag if typed is True else 0), _FLAG
        return typed, self._pair_text(qid, typed), share, raised, role

    def _integer(self, qid: str, raw: Any) -> tuple[bytes, int, int] | None:
        """(text, share of the cell, count) of a whole number in range for `qid`, an integer
        question; None for any other answer. Made each time: kept for every symptom and every
        day of ten years, they would outweigh the table."""
        span = self._ranges.get(qid)
        if span is None or type(raw) is not int or not span[0] <= raw <= span[1]:
            return None
        text = span[2] + self._encode(int.__repr__(raw))
        tested = self._weights.get(qid)
        if tested is None:
            return text, 0, 0
        band = tested[1](raw)
        return None if band is None else (text, band * tested[0], 1)

    def read_line(self, text: str) -> dict[str, Any] | None:
        """What read gives for the mapping a batch's line, `text`, holds, when the line is written
        as json.dumps writes it (`{"id": value, ...}` and its newline), every `"id": value` one
        this symptom's answers are spelt in; None for any other line (read as JSON then, which
        refuses what it should). Each piece is a whole JSON member, so the line is the object
        of those members, in order; a key given twice (which JSON reading refuses) gives None."""
        body = text[1:-2] if text[-2:] == "}\n" else text[1:-1] if text[-1:] == "}" else None
        if body is None or text[:1] != "{":
            return None
        pieces = body.split(", ")
        entries = list(map(self._by_text.get, pieces))
        if None in entries:  # a whole number, or a piece not met before
            for at, entry in enumerate(entries):
                if entry is None:
                    entry = entries[at] = self._number_text(pieces[at]) or self._piece(pieces[at])
                    if entry is None:
                        return None
        qids, values, parts, shares, raised, roles = zip(*entries)
        typed = Read(zip(qids, values))
        if len(typed) < len(parts):  # a key given twice
            return None
        flags = [flag for flag in raised if flag]
        if len(typed) < len(self._by_qid):
            return self._defaulted(typed, list(parts), sum(shares), flags, sum(roles))
        return self._placed(typed, list(parts), sum(shares), flags, sum(roles))

    def _number_text(self, piece: str) -> tuple[Any, ...] | None:
        """The entry of `"id": digits`, a whole number in range for an integer question, as
        json.dumps writes it; None for any other piece. Kept for the lines after when the
        question's range is short (a pain score; not days, of which there are thousands)."""
        head, _, digits = piece.rpartition(": ")
        qid = self._prefixes.get(head)
        if qid is None or not (digits.isascii() and digits.isdigit()) or len(digits) > 20 \
                or (digits[0] == "0" and digits != "0"):  # JSON writes no leading zero
            return None
        raw = int(digits)
        number = self._integer(qid, raw)
        if number is None:
            return None
        known = (qid, raw, number[0], number[1], 0, number[2])
        low, high, _ = self._ranges[qid]
        if high - low <= _FEW and len(self._by_text) < _KEPT:
            self._by_text[piece] = known
        return known

    def _piece(self, piece: str) -> tuple[Any, ...] | None:
        """(question id, *its entry) of a piece of a line that is one JSON member, `"id": value`,
        whose value read finds by look-up; kept for the lines after (a bounded number); None
        for any other piece."""
        member = self._members.get(piece, _UNMADE)
        if member is _UNMADE:
            member = _member(piece)
            if len(self._members) < _KEPT:
                self._members[piece] = member
        if member is None:
            return None
        try:
            entry = self._look(*member)
        except (KeyError, TypeError):  # not asked; a list
            return None
        if entry is None:
            return None
        known = (member[0], *entry)
        if len(self._by_text) < _KEPT:
            self._by_text[piece] = known
        return known

    def _look(self, qid: str, spelt: Any) -> tuple[Any, ...] | None:
        """The entry of an answer to `qid` (KeyError: a question not asked), by its spelling as
        read keys it; None when it has no usual spelling or falls in no band. Made when first met."""
        made = self._by_qid[qid]
        entry = made.get(spelt, _UNMADE)
        if entry is _UNMADE:
            known = self._spellings[qid]
            typed = _UNMADE if type(known) is tuple else known.get(spelt, _UNMADE)
            entry = None if typed is _UNMADE else self._entry(qid, typed)
            if len(made) < _KEPT:
                made[spelt] = entry
        return entry  # type: ignore[return-value]

    def read(self, given: dict[str, Any]) -> dict[str, Any] | None:
        """`given` as Bands.checked types it; a Read, with its cell and text, when it falls into
        a cell; None when the table cannot check it (the interview does)."""
        by_qid = self._by_qid
        typed = Read()
        parts, cell, raised, seen = [], 0, [], 0
        try:
            for qid, raw in given.items():
                spelt = raw if type(raw) is str else (type(raw), raw)
                entry = by_qid[qid].get(spelt, _UNMADE)  # KeyError: not asked
                if entry is _UNMADE:
                    entry = self._look(qid, spelt)
                if entry is None:
                    number = self._integer(qid, raw)
                    if number is None:
                        return self._bands.checked(given)
                    typed[qid] = raw
                    parts.append(number[0])
                    cell += number[1]
                    seen += number[2]
                    continue
                typed[qid] = entry[0]
                parts.append(entry[1])
                cell += entry[2]
                if entry[3]:
                    raised.append(entry[3])
                seen += entry[4]
        except (KeyError, TypeError):  # TypeError: a list, which no spelling is
            return self._bands.checked(given)
        if len(typed) < len(by_qid):
            return self._defaulted(typed, parts, cell, raised, seen)
        return self._placed(typed, parts, cell, raised, seen)

    def _defaulted(self, typed: Read, parts: list[bytes], cell: int, raised: list[int], seen: int) -> dict[str, Any] | None:
        if raised:  # a warning sign ends the interview: nothing is filled in (Bands.defaulted)
            return self._all_out(typed, parts, cell, raised, seen)
        # which defaults are filled in depends on which answers are given, and on the answers to
        # the questions an ask_if tests (a default may make a question asked)
        key: Any = (tuple(typed), *map(typed.get, self._asked_by)) if self._asked_by else tuple(typed)
        try:
            fills = self._fills.get(key, _UNMADE)
        except TypeError:  # a list (the choices of a `multi` question): not kept
            key, fills = None, _UNMADE
        if fills is _UNMADE:
            fills = self._filling(typed)
            if key is not None and len(self._fills) < _KEPT:
                self._fills[key] = fills
        elif fills is not None:
            typed.update(fills[0])
        if fills is None:
            return None
        if fills[1] is None:
            return dict(typed)
        for text, share, count in fills[1]:
            parts.append(text)
            cell += share
            seen += count
        return self._placed(typed, parts, cell, raised, seen)

    def _filling(self, typed: Read) -> tuple[list[tuple[str, Any]], list[tuple[bytes, int, int]] | None] | None:
        """The defaults Bands.filled fills `typed` in with (it does), in the order the interview
        fills them, and the text, share of the cell and count of each (None when one has no usual
        spelling: no cell then); None when it cannot fill them in."""
        given = len(typed)
        if self._bands.filled(typed) is None:
            return None
        values = list(typed.items())[given:]
        entries = []
        for qid, value in values:
            entry = self._look(qid, value if type(value) is str else (type(value), value)) \
                if type(value) is not list else None
            if entry is None:
                number = self._integer(qid, value)
                if number is None:
                    return values, None
                entry = (value, *number[:2], 0, number[2])
            entries.append((entry[1], entry[2], entry[4]))
        return values, entries

    def _all_out(self, typed: Read, parts: list[bytes], cell: int, raised: list[int], seen: int) -> dict[str, Any]:
        """The Read with its cell, as Bands.cell_of numbers it, of answers that raise a warning sign
        or two and leave out optional answers: every tested one (a cell past all_out, numbered by
        the bands of the others) or none (_placed); the answers as a plain dict otherwise."""
        if seen == self._needed:
            return self._placed(typed, parts, cell, raised, seen)
        bands = self._bands
        if seen != self._kept_needed or len(raised) > 2 or not bands.usable or not bands.left_out \
                or any(qid in typed for qid in bands.left_out):
            return dict(typed)
        kept = 0
        for weight, size in self._kept:  # the kept questions' bands, read back from the share of each
            kept = kept * size + cell // weight % size
        first, second = sorted(raised) if len(raised) == 2 else (raised[0], 0)
        typed.cell = bands.all_out + (bands.state(first, second) - 1) * bands.kept_cells + kept
        typed.text = b"{" + b", ".join(parts) + b"}"
        return typed

    def _placed(self, typed: Read, parts: list[bytes], cell: int, raised: list[int], seen: int) -> dict[str, Any]:
        """The Read with its cell, as Bands.cell_of numbers it: a band of each tested question and
        no warning sign, one or two; the answers as a plain dict when they fit no cell."""
        if seen != self._needed or len(raised) > 2 or not self._bands.usable:
            return dict(typed)
        first, second = sorted(raised) if len(raised) == 2 else (raised[0] if raised else 0, 0)
        typed.cell = self._bands.state(first, second) * self._bands.value_cells + cell
        typed.text = b"{" + b", ".join(parts) + b"}"
        return typed


def _member(piece: str) -> tuple[str, Any] | None:
    """(id, the spelling as Spelled._look keys it) of a piece of a line that is one JSON member,
    `"id": value`; None for any other piece."""
    try:
        member = _plain_member(piece)
        if member is None:
            members = _MEMBERS.decode("{" + piece + "}")
            if len(members) != 1:
                return None
            member = members[0]
        qid, raw = member
        return qid, raw if type(raw) is str else (type(raw), raw)
    except (ValueError, RecursionError, TypeError):  # no member; a value no spelling is (a list)
        return None


_PLAIN = {"true": True, "false": False}


def _plain_member(piece: str) -> tuple[str, Any] | None:
    """(id, value) of `"id": "text"`, `"id": true` or `"id": false` as json.dumps writes them,
    without escapes, read as JSON reads them; None for any other piece (JSON reads it then)."""
    if piece[:1] != '"' or "\\" in piece:
        return None
    end = piece.find('": ', 1)
    if end < 0:
        return None
    qid, value = piece[1:end], piece[end + 3:]
    if '"' in qid or not (qid.isprintable() and qid.isascii()):
        return None
    if value in _PLAIN:
        return qid, _PLAIN[value]
    text = value[1:-1]
    if len(value) < 2 or value[0] != '"' or value[-1] != '"' or '"' in text or not text.isprintable():
        return None
    return qid, text
