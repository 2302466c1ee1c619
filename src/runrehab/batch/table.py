"""The triage rules compiled to a decision table, for batches of JSON Lines.

The questions a symptom's triage rules test cut their answers into bands (rules.conditions.band_values:
every leaf holds for all the answers of a band or for none), so that the rules fire alike for
every case that falls into the same bands. A cell of the table is one band of each such question
and no warning sign, one or two (batch/bands.py); its outcome is the plan the engine makes
for a case of that cell, kept as JSON text with holes for what is the case's own: its date, its
answers, the announcements that depend on its onset, and its review date.

engine.evaluate.triage is the reference and the only maker of outcomes: a cell's text is the engine's own
plan in pieces (batch/compile.py). A case that fits no cell (three warning signs or more, an
answer left out after a warning sign) is planned by the engine, and its plan kept in pieces for
the batch's later cases that the rules tell apart no better (Bands.met), and for later batches'
(in the cache, batch/met.py); a warning sign outside its symptom's interview always goes to the engine.

A symptom's part of the table is compiled when a batch first needs it (after ENGINE_FIRST cases of
the symptom, which the engine plans: compiling costs thousands of them), and kept in the cache
beside the rule base: one entry whose symptoms are read one at a time, the outcomes'
pieces as the bytes a line is made of (batch/cached.py).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from ..documents.as_json import JsonLines
from ..documents.vocabulary import MOST_REVIEW_DAYS
from ..engine.announcements import onset_of
from ..engine.evaluate import triage
from .bands import Bands, spelling_index
from .cached import Compiled, Damaged, Entry, Pieces, cached_entry, compiled_entry
from .compile import MARKED, REFERENCE_DATE, asked_by, asks_of, bands_of, compiled_symptom, holed, marked, marks_first
from .met import KEPT, Met
from .spelled import Read, Spelled

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

_OUTCOME_HEAD = 2 + len(MARKED)  # an outcome's integers before its pieces' (batch.compile)
_MARK_NUMBERS = list(range(len(MARKED)))  # the pieces that are the marks
_IS_MARK = len(MARKED).__gt__  # whether a piece's number is a mark's
ENGINE_FIRST = 64  # cases of a symptom the engine plans before its part is compiled (about 4,000 cells)
_PAIRS_KEPT = 1 << 14  # answers whose text is remembered: enough for every usual answer, few for memory

class DecisionTable:
    """Plans as JSON Lines, in the bytes `encode` makes of each line's text (the encoding of
    stdout): by the table where a case fits a cell, else by the engine. Every piece of text that
    recurs is encoded once."""

    def __init__(self, kb: KnowledgeBase, encode: Callable[[str], bytes] = str.encode):
        self.kb, self._bytes = kb, encode
        self._json = JsonLines()
        self._entry: _Opened | None = None
        self._looked = False  # whether the cache was asked for the entry
        self._symptoms: dict[str, _Symptom] = {}
        self._cases: dict[str, int] = {}  # cases met of each symptom without a part
        self._plain: dict[str, Bands] = {}  # bands_of each symptom without a part
        self._dates: dict[tuple[dt.date, int], bytes] = {}
        self._pairs: dict[tuple[str, Any], bytes] = {}  # (question id, answer) -> its text
        self._met_pieces: dict[str, bytes] = {}  # DecisionTable._met_piece
        self._members: dict[str, Any] = {}  # the pieces of lines read, by the parts together (Spelled)
        self._kept = Met(kb)  # the outcomes of cases no cell holds, as the cache keeps them
        self._asks = asks_of(kb)

    def table(self, symptom: str) -> _Symptom:
        known = self._symptoms.get(symptom)
        if known is None:
            try:
                known = _Symptom(self._holding(symptom), symptom, self._asks)
            except Damaged:  # a cache entry that does not hold what it should: compiled afresh
                known = _Symptom(self._holding(symptom, cached=False), symptom, self._asks)
            self._symptoms[symptom] = known
        return known

    def _ready(self, symptom: str) -> _Symptom | None:
        """The symptom's part when the cache holds it, or once the batch has met the symptom more
        than ENGINE_FIRST times (then compiled); None before that, and the engine plans the case:
        a short batch costs no compile."""
        known = self._symptoms.get(symptom)
        if known is not None:
            return known
        met = self._cases[symptom] = self._cases.get(symptom, 0) + 1
        if met <= ENGINE_FIRST and not self._in_cache(symptom):
            return None
        return self.table(symptom)

    def _in_cache(self, symptom: str) -> bool:
        """Whether the cache holds the symptom's part (asked once a batch; a part kept but not
        whole is made afresh now, and so is held)."""
        if self._entry is None and not self._looked:
            self._looked = True
            entry = cached_entry(self.kb)
            try:
                self._entry = None if entry is None else _Opened(entry, self._bytes)
            except Damaged:  # kept, but not whole: made afresh now
                self.table(symptom)
                return True
        return self._entry is not None and self._entry.entry.holds(symptom)

    def _bands(self, symptom: str) -> Bands:
        """The bands of a symptom's part (read from the cache when it holds it: cheaper than
        making them), or made from the rule base while it has none."""
        known = self._symptoms.get(symptom)
        if known is not None:
            return known.bands
        if self._in_cache(symptom):
            return self.table(symptom).bands
        bands = self._plain.get(symptom)
        if bands is None:
            bands = self._plain[symptom] = bands_of(self.kb, symptom)
        return bands

    def _holding(self, symptom: str, cached: bool = True) -> _Opened:
        """The table's entry, holding `symptom`'s part (compiled and added when a batch first
        meets the symptom)."""
        if not cached or self._entry is None or not self._entry.entry.holds(symptom):
            if not cached:
                self._symptoms = {}
            self._entry = _Opened(compiled_entry(self.kb, symptom, self._compile, cached=cached), self._bytes)
        return self._entry

    def _compile(self, symptom: str, pieces: Pieces) -> Compiled:
        marks_first(pieces)
        return {symptom: compiled_symptom(self.kb, bands_of(self.kb, symptom), self._json, pieces)}

    def line(self, answers: dict[str, Any], date: dt.date) -> bytes:
        """The plan for complete answers on `date`, as one line of JSON without its newline:
        encode(JsonLines()(engine.evaluate.triage(kb, answers, date))). Answers `checked` read
        (a Read) come with their cell and their text."""
        table = self._ready(answers["symptom"])
        read = type(answers) is Read and table is not None
        index = answers.cell if read else None if table is None else table.bands.cell_of(answers)  # type: ignore[attr-defined]
        if index is None:
            known = None if table is None else self._met(table, answers)
            if known is None:
                return self._bytes(self._json(triage(self.kb, answers, date)))
        try:
            pieces, (date_at, answers_at, escalation_at, review_at), announces, review_days = \
                known if index is None else table.outcome(index)
            escalation = table.escalation(onset_of(answers)) if announces else b"[]"
        except Damaged:  # what the cache holds is not whole: the engine's plan, and a part made afresh
            self._holding(answers["symptom"], cached=False)
            return self._bytes(self._json(triage(self.kb, answers, date)))
        pieces = pieces.copy()
        pieces[date_at] = self._date(date, 0)
        pieces[answers_at] = answers.text if read else self._answers(answers)  # type: ignore[attr-defined]
        pieces[escalation_at] = escalation
        pieces[review_at] = b"null" if review_days is None else self._date(date, review_days)
        return b"".join(pieces)

    def _met(self, table: _Symptom, answers: dict[str, Any]) -> tuple[Any, ...] | None:
        """The outcome, as table.outcome gives it, of answers no cell holds but which the rules tell
        apart as they do others met before (Bands.met): made by the engine the first time, as a
        cell's is, and kept for the batch (a bounded number of them)."""
        key = table.bands.met(answers)
        if key is None:
            return None
        known = table.met.get(key)
        if known is None and len(table.met) < KEPT:
            stored = self._kept.of(answers["symptom"], table.bands).get(key)
            if stored is None:  # the engine's plan, kept in the cache for later batches too (batch/met.py)
                announces, review, whole = marked(triage(self.kb, answers, REFERENCE_DATE), self._json)
                holes, text = holed(whole)
                stored = (announces, review, tuple(holes), text)
                self._kept.add(answers["symptom"], table.bands, key, stored)
            announces, review, holes, text = stored
            known = table.met[key] = ([self._met_piece(piece) for piece in text], holes, announces == 1,
                                      review - 1 if review else None)
        return known

    def _met_piece(self, text: str) -> bytes:
        """A piece of an outcome _met made, in the output's encoding: each kept once, as the
        outcomes it recurs in are many."""
        known = self._met_pieces.get(text)
        if known is None:
            known = self._met_pieces[text] = self._bytes(text)
        return known

    def checked(self, given: dict[str, Any]) -> dict[str, Any] | None:
        """A batch case's answers checked by its symptom's table (Bands.checked); None when the
        table cannot say, and the interview checks them (and says what is wrong)."""
        symptom = given.get("symptom")
        if type(symptom) is not str or symptom not in self.kb.symptoms:
            return None
        bands = self._bands(symptom)
        part = self._symptoms.get(symptom)
        if part is None:
            return bands.checked(given)
        return self._spelled(part).read(given)

    def read_line(self, text: str) -> dict[str, Any] | None:
        """What checked gives for the case a batch's line, `text`, holds, read without JSON when
        the line is written as json.dumps writes it, its symptom first, and the symptom's part
        is open, or the cache holds it (opened then: the symptom's first case read so too);
        None otherwise, and the line is read as JSON."""
        if not text.startswith('{"symptom": "'):
            return None
        symptom = text[13:text.find('"', 13)]
        part = self._symptoms.get(symptom)
        if part is None:
            if symptom not in self.kb.symptoms or not self._in_cache(symptom):
                return None
            part = self.table(symptom)
        return self._spelled(part).read_line(text)

    def _spelled(self, part: _Symptom) -> Spelled:
        """The part's answers by spelling, made when a case is first checked by it."""
        if part.spelled is None:
            part.spelled = Spelled(part.bands, self._pair_kept, self._bytes, asked_by(self.kb, part.bands.asked_if),
                                   self._members)
        return part.spelled

    def lines(self, cases: Iterable[dict[str, Any]], date: dt.date) -> Iterator[bytes]:
        """The plans of `cases`; once the last is made, the outcomes the engine made for cases
        no cell holds are kept in the cache (batch/met.py)."""
        for answers in cases:
            yield self.line(answers, date)
        self._kept.save()

    def _date(self, date: dt.date, days: int) -> bytes:
        """The date `days` after `date`, as JSON."""
        known = self._dates.get((date, days))
        if known is None:
            known = self._dates[date, days] = self._bytes(json.dumps((date + dt.timedelta(days=days)).isoformat()))
        return known

    def _answers(self, answers: dict[str, Any]) -> bytes:
        """The answers as JsonLines writes them, from the text of each answer, written once."""
        parts = []
        for pair in answers.items():
            try:
                text = self._pairs[pair]
            except (KeyError, TypeError):  # TypeError: a list (the choices of a `multi` question)
                text = self._pair(*pair)
            parts.append(text)
        return b"{" + b", ".join(parts) + b"}"

    def _pair_kept(self, qid: str, value: Any) -> bytes:
        """_pair's text, looked up first among those kept."""
        try:
            return self._pairs[qid, value]
        except KeyError:
            return self._pair(qid, value)

    def _pair(self, qid: str, value: Any) -> bytes:
        """`"qid": value` as JsonLines writes it in a plan's answers, in the output's encoding;
        kept (a bounded number of them) when it is yes, no or a choice."""
        text = self._bytes(_pair_text(qid, value) or self._json.plain({qid: value})[1:-1])
        if len(self._pairs) < _PAIRS_KEPT and (type(value) is bool or type(value) is str):
            self._pairs[qid, value] = text  # not a number (days: thousands of them) nor a list
        return text


def _pair_text(qid: str, value: Any) -> str | None:
    """`"qid": value` as the json module writes it (ensure_ascii off), for the plain answers it
    writes without a detour through its encoder; None for others (a list)."""
    kind = type(value)
    text = ("true" if value else "false") if kind is bool else int.__repr__(value) if kind is int \
        else encode_basestring(value) if kind is str else "null" if value is None else None
    return None if text is None else f"{encode_basestring(qid)}: {text}"


class _Opened:
    """A compiled table's entry, with what its symptoms' parts share: the pieces of text in the
    output's encoding, and the spellings of answers, each made once."""

    def __init__(self, entry: Entry, encode: Callable[[str], bytes]):
        if not entry.made_here():  # its parts laid out anew by something else: made afresh
            raise Damaged("an entry not made here")
        self.entry = entry
        self.texts = entry.pieces(str.encode)  # in UTF-8, as an outcome's text is checked
        self.pieces = self.texts if encode is str.encode else entry.pieces(encode)
        self._spellings: dict[Any, dict[Any, Any]] = {}

    def spellings(self, number: Any) -> dict[Any, Any]:
        known = self._spellings.get(number)
        if known is None:
            known = self._spellings[number] = spelling_index(self.entry.value(number))
        return known


class _Symptom:
    """One symptom's part of the table, read from the entry when its first case comes (its
    layout: batch.compile.compiled_symptom)."""

    def __init__(self, opened: _Opened, symptom: str, asks: Callable[[str, dict[str, Any]], bool]):
        spec = opened.entry.symptom(symptom)
        table = opened.entry.table(symptom)
        try:
            self.bands = Bands(spec, opened.spellings, asks)
            cells, outcomes = len(self.bands.cells()), spec["outcomes"]
            self._escalations: list[int] = spec["escalations"]
            if type(outcomes) is not int or not 0 <= outcomes <= cells or len(table) < cells + outcomes + 1 \
                    or type(self._escalations) is not list or not self._escalations:
                raise Damaged(f"the part for {symptom} is not whole")
        except (KeyError, TypeError, ValueError, IndexError, OverflowError) as exc:  # Damaged is a ValueError
            raise Damaged(str(exc)) from None
        self._cells = table[:cells]
        self._bounds = table[cells:cells + outcomes + 1]
        self._flat = table[cells + outcomes + 1:]
        self._pieces, self._texts, self._symptom = opened.pieces, opened.texts, symptom
        self._made: dict[int, tuple[Any, ...]] = {}
        self.spelled: Spelled | None = None  # its answers by spelling, made when a case is first checked by it
        self.met: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # DecisionTable._met
        self._announced: set[int] = set()  # the escalations' pieces found to be JSON arrays

    def outcome(self, index: int) -> tuple[Any, ...]:
        """(its pieces of text as bytes, the holes among them as four places to fill; whether it
        announces; its review days or None)."""
        number = self._cells[index]
        known = self._made.get(number)
        if known is None:
            known = self._made[number] = self._outcome(number)
        return known

    def _outcome(self, number: int) -> tuple[Any, ...]:
        if not number < len(self._bounds) - 1:
            raise Damaged(f"no outcome {number}")
        start, end = self._bounds[number], self._bounds[number + 1]
        if not start + _OUTCOME_HEAD <= end <= len(self._flat):
            raise Damaged(f"outcome {number} is not whole")
        whole = self._flat[start:end].tolist()
        announces, review, holes, numbers = whole[0], whole[1], tuple(whole[2:_OUTCOME_HEAD]), whole[_OUTCOME_HEAD:]
        try:
            texts = list(map(self._pieces.__getitem__, numbers))
            marks = list(map(numbers.__getitem__, holes))
        except IndexError:
            raise Damaged(f"outcome {number} is not whole") from None
        # the marks at the holes, and nowhere else, in order (so the holes are in order);
        # announces 1 or 0; a review date a rule can give (compiled_symptom's layout)
        if marks != _MARK_NUMBERS or list(filter(_IS_MARK, numbers)) != _MARK_NUMBERS \
                or announces > 1 or review > MOST_REVIEW_DAYS + 1:
            raise Damaged(f"outcome {number} is not whole")
        return texts, holes, announces == 1, review - 1 if review else None

    def escalation(self, onset: int) -> bytes:
        number = self._escalations[min(onset, len(self._escalations) - 1)]
        if number not in self._announced:
            if type(number) is not int or not 0 <= number < len(self._pieces):
                raise Damaged(f"no piece {number!r}")
            if type(_json_line(self._texts[number])) is not list:
                raise Damaged(f"piece {number} is no list of announcements")
            self._announced.add(number)
        return self._pieces[number]


def _json_line(text: bytes) -> Any:
    """The JSON value of `text`, all on one line; Damaged when it is not that. (An outcome is
    not read as JSON: its parts are those an entry made here holds, Entry.made_here.)"""
    if b"\n" in text or b"\r" in text:
        raise Damaged("a line break in a plan's text")
    try:
        return json.loads(text.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise Damaged(str(exc)) from None

