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

The table is compiled for every symptom at once, the first time a batch needs it, and kept in
the cache beside the rule base: one entry whose symptoms are read one at a time, the outcomes'
text as the bytes a line is made of (decision_entry.py).
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
from json.encoder import encode_basestring
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .announcements import announced, onset_of, onset_settled
from .conditions import band_values, leaves
from .decision_entry import Damaged, Entry, Pieces, compiled_entry
from .engine import triage
from .errors import AnswerError
from .interview import NO, YES, parse_answer
from .records import RED_FLAG_LEVELS, JsonLines, Record, is_red_flag, updated

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# What is the case's own, in a cell's text: marks no answer can spell (JSON escapes the NUL).
_MARKS = {name: f"\0{name}\0" for name in ("date", "answers", "escalation", "review_date")}
_MARKED = [json.dumps(mark) for mark in _MARKS.values()]  # as they appear in a plan's JSON text
_REFERENCE_DATE = dt.date(2000, 1, 1)
_MAX_CELLS = 1 << 16  # beyond this a symptom's cases are planned by the engine, one by one
_PAIRS_KEPT = 1 << 14  # answers whose text is remembered: enough for every usual answer, few for memory

Band = Callable[[Any], "int | None"]  # an answer -> the index of its band; None: no band


def _band(kind: str, values: list[Any], most: int | None) -> Band:
    """The band of an answer to a question of type `kind` whose bands start at `values`
    (band_values); None for an answer outside them (never a checked answer's, but then the
    engine decides)."""
    if kind == "yes_no":
        return lambda v: int(v) if type(v) is bool else None
    if kind == "integer":
        lo, hi = values[0], most

        def integer(v: Any) -> int | None:
            if type(v) is not int or v < lo or (hi is not None and v > hi):
                return None
            return bisect.bisect_right(values, v) - 1
        return integer
    if kind == "multi":
        sets = {frozenset(v): i for i, v in enumerate(values)}
        return lambda v: sets.get(frozenset(v)) if type(v) is list and all(type(c) is str for c in v) else None
    index = {v: i for i, v in enumerate(values)}
    return lambda v: index.get(v) if type(v) is str else None


class Bands:
    """How a symptom's cases map to cells, from its spec: the questions its triage rules test
    with the first value of each band, its warning signs, and every id its interview asks."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.symptom: str = spec["symptom"]
        self.usable: bool = spec["usable"]
        self._asked = frozenset(spec["asked"])
        self.flags: list[str] = spec["flags"]
        self._flag_index = {qid: i + 1 for i, qid in enumerate(self.flags)}
        self.questions = [(qid, values, _band(kind, values, most)) for qid, kind, values, most in spec["questions"]]
        self._spellings = {qid: (lo, hi) if kind == "integer" else {(type(raw), raw): typed for raw, typed in known}
                           for qid, kind, lo, hi, known in spec["answers"]}
        self.value_cells = 1
        for _, values, _ in self.questions:
            self.value_cells *= len(values)

    def checked(self, given: dict[str, Any]) -> dict[str, Any] | None:
        """`given` typed as interview.parse_answers and complete type it, when it answers exactly
        this interview, each answer in a spelling the table knows (a whole number in range, or
        one parse_answer was shown when the table was made); else None."""
        if given.keys() != self._asked:
            return None
        typed = {}
        for qid, raw in given.items():
            known = self._spellings[qid]
            if type(known) is dict:
                try:
                    typed[qid] = known[type(raw), raw]
                except (KeyError, TypeError):  # TypeError: a list
                    return None
            elif type(raw) is int and known[0] <= raw <= known[1]:
                typed[qid] = raw
            else:
                return None
        return typed

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


def bands_of(kb: KnowledgeBase, symptom: str) -> Bands:
    asked = {q.id: q for q in kb.questions_for(symptom, "triage")}
    tests: dict[str, list[Any]] = {}
    for rule in kb.rules_for(symptom, "triage"):
        for leaf, _ in leaves(rule.when) if rule.when is not None else ():
            tests.setdefault(leaf.question, []).append(leaf)
    tested = [q for qid, q in asked.items() if qid in tests and not q.red_flag and qid != "symptom"]
    questions = [[q.id, q.type, band_values(q, tests[q.id]), q.max] for q in tested]
    flags = [qid for qid, q in asked.items() if q.red_flag]
    size = len(flags) + 1
    for _, _, values, _ in questions:
        size *= len(values)
    # A test of a warning sign this interview does not ask (a rule for every symptom) sees no
    # answer in the table's cases: cases with such an answer go to the engine. A test of anything
    # else not asked is refused when the rule base is checked; it would leave no table.
    usable = all(qid in asked or is_red_flag(qid) for qid in tests) and size <= _MAX_CELLS
    answers = [[q.id, q.type, q.min, q.max, _spellings(q)] for q in asked.values()]
    return Bands({"symptom": symptom, "usable": usable, "asked": list(asked), "flags": flags, "questions": questions,
                  "answers": answers})


def _spellings(question: Record) -> list[list[Any]]:
    """The usual spellings of an answer to `question`, each with what parse_answer makes of it
    (none for integers, which the table takes in range as they are, or for lists)."""
    if question.type == "yes_no":
        usual: list[Any] = [True, False, *YES, *NO]
    else:
        usual = list(question.choices or []) if question.type == "choice" else []
    known = []
    for raw in usual:
        try:
            known.append([raw, parse_answer(question, raw)])
        except AnswerError:
            continue
    return known


def compiled_symptom(kb: KnowledgeBase, symptom: str, encode: JsonLines, pieces: Pieces) -> dict[str, Any]:
    """A symptom's spec with its outcomes: for every cell, the engine's plan for a case of it,
    split at its holes, each piece of text kept once in `pieces`; and the announcements for each
    onset up to the one from which they no longer change."""
    bands = bands_of(kb, symptom)
    outcomes: dict[tuple[Any, ...], int] = {}
    cells = []
    for index in bands.cells():
        plan = triage(kb, bands.representative(index), _REFERENCE_DATE)
        text = encode(updated(plan, **_MARKS))
        if sorted(_MARKED, key=text.index) != _MARKED:
            raise ValueError("decisions: a plan's date, answers, escalation and review date are out of order")
        split = []
        for mark in _MARKED:
            piece, text = text.split(mark, 1)
            split.append(pieces.add(piece))
        split.append(pieces.add(text))
        review = None if plan.review_date is None else (plan.review_date - _REFERENCE_DATE).days
        outcome = (*split, plan.triage_level not in RED_FLAG_LEVELS, review)
        cells.append(outcomes.setdefault(outcome, len(outcomes)))
    settled = onset_settled(kb, symptom)
    escalations = [pieces.add(encode.items(list(announced(kb, symptom, onset)))) for onset in range(settled + 1)]
    return {**bands.spec, "cells": cells, "outcomes": list(outcomes), "escalations": escalations}


class DecisionTable:
    """Plans as JSON Lines, in the bytes `encode` makes of each line's text (the encoding of
    stdout): by the table where a case fits a cell, else by the engine. Every piece of text that
    recurs is encoded once."""

    def __init__(self, kb: KnowledgeBase, encode: Callable[[str], bytes] = str.encode):
        self.kb, self._bytes = kb, encode
        self._json = JsonLines()
        self._entry: Entry | None = None
        self._symptoms: dict[str, _Symptom] = {}
        self._dates: dict[tuple[dt.date, int], bytes] = {}
        self._pairs: dict[tuple[str, Any], bytes] = {}  # (question id, answer) -> its text

    def table(self, symptom: str) -> _Symptom:
        known = self._symptoms.get(symptom)
        if known is None:
            try:
                known = _Symptom(self._compiled(), symptom, self._bytes)
            except Damaged:  # a cache entry that does not hold what it should: compiled afresh
                self._entry = None
                known = _Symptom(self._compiled(cached=False), symptom, self._bytes)
            self._symptoms[symptom] = known
        return known

    def _compiled(self, cached: bool = True) -> Entry:
        if self._entry is None:
            self._entry = compiled_entry(self.kb, self._compile, cached=cached)
        return self._entry

    def _compile(self, pieces: Pieces) -> dict[str, dict[str, Any]]:
        return {s: compiled_symptom(self.kb, s, self._json, pieces) for s in self.kb.symptoms}

    def line(self, answers: dict[str, Any], date: dt.date) -> bytes:
        """The plan for complete answers on `date`, as one line of JSON without its newline:
        encode(JsonLines()(engine.triage(kb, answers, date)))."""
        table = self.table(answers["symptom"])
        index = table.bands.cell_of(answers)
        if index is None:
            return self._bytes(self._json(triage(self.kb, answers, date)))
        try:
            p0, p1, p2, p3, p4, announces, review_days = table.outcome(index)
            escalation = table.escalation(onset_of(answers)) if announces else b"[]"
        except Damaged:  # what the cache holds is not whole: the engine's plan, and a table made afresh
            self._entry, self._symptoms = compiled_entry(self.kb, self._compile, cached=False), {}
            return self._bytes(self._json(triage(self.kb, answers, date)))
        return b"".join((p0, self._date(date, 0), p1, self._answers(answers), p2, escalation, p3,
                         b"null" if review_days is None else self._date(date, review_days), p4))

    def checked(self, given: dict[str, Any]) -> dict[str, Any] | None:
        """A batch case's answers checked by its symptom's table (Bands.checked); None when the
        table cannot say, and the interview checks them (and says what is wrong)."""
        symptom = given.get("symptom")
        if type(symptom) is not str or symptom not in self.kb.symptoms:
            return None
        return self.table(symptom).bands.checked(given)

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
            except (KeyError, TypeError):  # TypeError: a list (the choices of a `multi` question)
                text = self._bytes(_pair_text(*pair) or self._json.plain(dict([pair]))[1:-1])
                if len(self._pairs) < _PAIRS_KEPT and type(pair[1]) is not list:
                    self._pairs[pair] = text
            parts.append(text)
        return b"{" + b", ".join(parts) + b"}"


def _pair_text(qid: str, value: Any) -> str | None:
    """`"qid": value` as the json module writes it (ensure_ascii off), for the plain answers it
    writes without a detour through its encoder; None for others (a list)."""
    kind = type(value)
    text = ("true" if value else "false") if kind is bool else int.__repr__(value) if kind is int \
        else encode_basestring(value) if kind is str else "null" if value is None else None
    return None if text is None else f"{encode_basestring(qid)}: {text}"


class _Symptom:
    """One symptom's part of the table, read from the entry when its first case comes."""

    def __init__(self, entry: Entry, symptom: str, encode: Callable[[str], bytes]):
        spec = entry.symptom(symptom)
        try:
            self.bands = Bands(spec)
            self._cells: list[int] = spec["cells"]
            self._outcomes: list[list[Any]] = spec["outcomes"]
            self._escalations: list[int] = spec["escalations"]
        except (KeyError, TypeError, ValueError) as exc:
            raise Damaged(str(exc)) from None
        if len(self._cells) != len(self.bands.cells()) or not self._escalations:
            raise Damaged(f"the part for {symptom} is not whole")
        self._piece = entry.pieces(encode)
        self._made: dict[int, tuple[Any, ...]] = {}

    def outcome(self, index: int) -> tuple[Any, ...]:
        """(the five pieces of text as bytes, whether it announces, its review days)."""
        try:
            number = self._cells[index]
            known = self._made.get(number)
            if known is None:
                *split, announces, review = self._outcomes[number]
                if len(split) != 5 or type(announces) is not bool or not (review is None or type(review) is int):
                    raise Damaged(f"outcome {number} is not whole")
                known = self._made[number] = (*map(self._piece, split), announces, review)
        except (IndexError, TypeError, ValueError) as exc:  # Damaged is a ValueError
            raise Damaged(str(exc)) from None
        return known

    def escalation(self, onset: int) -> bytes:
        try:
            return self._piece(self._escalations[min(onset, len(self._escalations) - 1)])
        except (IndexError, TypeError) as exc:
            raise Damaged(str(exc)) from None
