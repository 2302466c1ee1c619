"""The triage rules compiled to a decision table, for batches of JSON Lines.

The questions a symptom's triage rules test cut their answers into bands (conditions.band_values:
every leaf holds for all the answers of a band or for none), so that the rules fire alike for
every case that falls into the same bands. A cell of the table is one band of each such question
and either no warning sign or exactly one; its outcome is the plan the engine makes for a case of
that cell, kept as JSON text with holes for what is the case's own: its date, its answers, the
announcements that depend on its onset, and its review date.

engine.triage is the reference and the only maker of outcomes: a cell's text is the engine's own
plan, split at its holes, and a case that fits no cell (a warning sign outside its symptom's
interview, two warning signs, an answer left out after a warning sign) is planned by the engine.
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import band_values, leaves
from .announcements import plan_escalation
from .engine import triage
from .records import RED_FLAG_LEVELS, JsonLines, is_red_flag, updated

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# What is the case's own, in a cell's text: marks no answer can spell (JSON escapes the NUL).
_HOLES = ("date", "answers", "escalation", "review_date")
_MARKS = {name: f"\0{name}\0" for name in _HOLES}
_REFERENCE_DATE = dt.date(2000, 1, 1)
_MAX_CELLS = 1 << 20
_PAIRS_KEPT = 1 << 14  # answers whose text is remembered: enough for every usual answer, few for memory  # beyond this a symptom's answers are planned by the engine, case by case

Band = Callable[[Any], "int | None"]  # an answer -> the index of its band; None: no band


def _band(question: Any, values: list[Any]) -> Band:
    """The band of an answer to `question`, whose bands start at `values` (band_values); None for
    an answer outside them (never the case for a checked answer, but then the engine decides)."""
    if question.type == "yes_no":
        return lambda v: int(v) if type(v) is bool else None
    if question.type == "integer":
        lo, hi = values[0], question.max

        def integer(v: Any) -> int | None:
            if type(v) is not int or not lo <= v <= hi:
                return None
            return bisect.bisect_right(values, v) - 1
        return integer
    index = {frozenset(v) if question.type == "multi" else v: i for i, v in enumerate(values)}
    if question.type == "multi":
        return lambda v: index.get(frozenset(v)) if type(v) is list and all(type(c) is str for c in v) else None
    return lambda v: index.get(v) if type(v) is str else None


@dataclass(frozen=True)
class Cell:
    """One outcome: the plan's text around its holes (five pieces around the four holes of
    _HOLES, in the order of a plan's fields), and how the holes are filled."""

    pieces: tuple[str, str, str, str, str]
    announces: bool  # whether the plan lists the announcements (not when a warning sign ends it)
    review_days: int | None


class SymptomTable:
    """The cells of one symptom, each made by the engine the first time a case falls into it."""

    def __init__(self, kb: KnowledgeBase, symptom: str):
        self.kb, self.symptom = kb, symptom
        asked = {q.id: q for q in kb.questions_for(symptom, "triage")}
        tests: dict[str, list[Any]] = {}
        for rule in kb.rules_for(symptom, "triage"):
            for leaf, _ in leaves(rule.when) if rule.when is not None else ():
                tests.setdefault(leaf.question, []).append(leaf)
        self.flags = [qid for qid, q in asked.items() if q.red_flag]
        self._flag_index = {qid: i + 1 for i, qid in enumerate(self.flags)}
        tested = [q for qid, q in asked.items() if qid in tests and not q.red_flag and qid != "symptom"]
        # A test of a warning sign this interview does not ask (a rule for every symptom) sees
        # no answer in the table's cases: the cases with such an answer go to the engine. A test
        # of anything else not asked is refused when the rule base is checked; it would leave
        # no table, every case going to the engine.
        self._asked = frozenset(asked)
        self.usable = all(qid in asked or is_red_flag(qid) for qid in tests)
        self.questions: list[tuple[str, list[Any], Band]] = []
        size = 1
        for q in tested:
            values = band_values(q, tests[q.id])
            self.questions.append((q.id, values, _band(q, values)))
            size *= len(values)
        self.value_cells = size
        self.usable = self.usable and size * (len(self.flags) + 1) <= _MAX_CELLS
        self._cells: dict[int, Cell] = {}

    def cell_of(self, answers: dict[str, Any]) -> int | None:
        """The cell a case's complete answers fall into; None when it fits none."""
        if not self.usable or not self._asked.issuperset(answers):
            return None  # no table, or a warning sign from outside the interview
        index = 0
        for qid, values, band in self.questions:
            b = band(answers.get(qid))
            if b is None:
                return None
            index = index * len(values) + b
        raised = 0
        for qid in self.flags:
            v = answers.get(qid)
            if v is True:
                if raised:
                    return None  # two warning signs
                raised = self._flag_index[qid]
            elif v is not False:
                return None  # left out: the answers stopped at a warning sign
        return raised * self.value_cells + index

    def representative(self, index: int) -> dict[str, Any]:
        """Answers that fall into cell `index`: the first value of each of its bands."""
        raised, rest = divmod(index, self.value_cells)
        picked = []
        for _, values, _ in reversed(self.questions):
            rest, b = divmod(rest, len(values))
            picked.append(values[b])
        answers: dict[str, Any] = {"symptom": self.symptom}
        answers.update((qid, raised == i + 1) for i, qid in enumerate(self.flags))
        answers.update(zip((qid for qid, _, _ in reversed(self.questions)), picked))
        return answers

    def cells(self) -> range:
        return range(self.value_cells * (len(self.flags) + 1)) if self.usable else range(0)

    def cell(self, index: int, encode: JsonLines) -> Cell:
        known = self._cells.get(index)
        if known is None:
            known = self._cells[index] = self._made(index, encode)
        return known

    def _made(self, index: int, encode: JsonLines) -> Cell:
        plan = triage(self.kb, self.representative(index), _REFERENCE_DATE)
        text = encode(updated(plan, **_MARKS))
        marks = [json.dumps(mark) for mark in _MARKS.values()]
        if sorted(marks, key=text.index) != marks:  # a plan's fields in another order: fill by name
            raise ValueError("decisions: a plan's date, answers, escalation and review date are out of order")
        pieces = []
        for mark in marks:
            piece, text = text.split(mark, 1)
            pieces.append(piece)
        pieces.append(text)
        review = None if plan.review_date is None else (plan.review_date - _REFERENCE_DATE).days
        return Cell(tuple(pieces), plan.triage_level not in RED_FLAG_LEVELS, review)


class DecisionTable:
    """Plans as JSON Lines, in the bytes `encode` makes of each line's text (the encoding of
    stdout): by the table where a case fits a cell, else by the engine. Every piece of text that
    recurs is encoded once."""

    def __init__(self, kb: KnowledgeBase, encode: Callable[[str], bytes] = str.encode):
        self.kb, self._bytes = kb, encode
        self._json = JsonLines()
        self._symptoms: dict[str, SymptomTable] = {}
        self._cells: dict[tuple[str, int], tuple[bytes, ...]] = {}
        self._dates: dict[tuple[dt.date, int], bytes] = {}
        self._pairs: dict[tuple[str, Any], bytes] = {}  # (question id, answer) -> its text
        self._announced: dict[int, tuple[tuple[Any, ...], bytes]] = {}  # kept with its object: ids stay theirs

    def table(self, symptom: str) -> SymptomTable:
        known = self._symptoms.get(symptom)
        if known is None:
            known = self._symptoms[symptom] = SymptomTable(self.kb, symptom)
        return known

    def line(self, answers: dict[str, Any], date: dt.date) -> bytes:
        """The plan for complete answers on `date`, as one line of JSON without its newline:
        encode(JsonLines()(engine.triage(kb, answers, date)))."""
        symptom = answers["symptom"]
        table = self.table(symptom)
        index = table.cell_of(answers)
        if index is None:
            return self._bytes(self._json(triage(self.kb, answers, date)))
        cell = table.cell(index, self._json)
        pieces = self._cells.get((symptom, index))
        if pieces is None:
            pieces = self._cells[symptom, index] = tuple(map(self._bytes, cell.pieces))
        return b"".join((pieces[0], self._date(date, 0), pieces[1], self._answers(answers), pieces[2],
                         self._escalation(answers) if cell.announces else b"[]", pieces[3],
                         b"null" if cell.review_days is None else self._date(date, cell.review_days), pieces[4]))

    def lines(self, cases: Iterable[dict[str, Any]], date: dt.date) -> Iterator[bytes]:
        for answers in cases:
            yield self.line(answers, date)

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
            except KeyError:
                if len(self._pairs) >= _PAIRS_KEPT:
                    self._pairs.clear()
                text = self._pairs[pair] = self._bytes(self._json.plain(dict([pair]))[1:-1])
            except TypeError:  # a list (the choices of a `multi` question) is not remembered
                text = self._bytes(self._json.plain(dict([pair]))[1:-1])
            parts.append(text)
        return b"{" + b", ".join(parts) + b"}"

    def _escalation(self, answers: dict[str, Any]) -> bytes:
        entries = plan_escalation(self.kb, answers)  # the one object kept for these announcements
        known = self._announced.get(id(entries))
        if known is None:
            known = self._announced[id(entries)] = (entries, self._bytes(self._json.items(list(entries))))
        return known[1]
