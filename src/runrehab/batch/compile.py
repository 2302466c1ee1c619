"""Compiling a symptom's part of the decision table (batch/table.py): for every cell the engine's
plan for a case of it, as a sequence of pieces of text.

A plan's JSON text is cut where the same text recurs from plan to plan: before each field of
the plan and each item of the lists and objects in it, and around the marks that stand for what
is the case's own. Each piece is kept once in the entry; an outcome is the numbers of its pieces,
so two plans that differ in one warning sign share all but a few pieces. Whatever the cuts, the
pieces of an outcome joined are the plan's text, byte for byte.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..documents.as_json import JsonLines
from ..documents.record import Record, updated
from ..documents.vocabulary import RED_FLAG_LEVELS, is_red_flag
from ..engine.announcements import announced, onset_settled
from ..engine.evaluate import triage
from ..engine.interview import NO, YES, applies, parse_answer
from ..errors import AnswerError
from ..rules.conditions import band_values, leaves
from .bands import Bands, states

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase
    from .cached import Pieces

# What is the case's own, in a cell's text: marks no answer can spell (JSON escapes the NUL).
MARKS = {name: f"\0{name}\0" for name in ("date", "answers", "escalation", "review_date")}
MARKED = [json.dumps(mark) for mark in MARKS.values()]  # as they appear in a plan's JSON text, in order
REFERENCE_DATE = dt.date(2000, 1, 1)
_MAX_CELLS = 1 << 16  # beyond this a symptom's cases are planned by the engine, one by one
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|, ')  # JSON strings (skipped whole), brackets, separators


def bands_of(kb: KnowledgeBase, symptom: str) -> Bands:
    asked = {q.id: q for q in kb.questions_for(symptom, "triage")}
    tests: dict[str, list[Any]] = {}
    for rule in kb.rules_for(symptom, "triage"):
        for leaf, _ in leaves(rule.when) if rule.when is not None else ():
            tests.setdefault(leaf.question, []).append(leaf)
    tested = [q for qid, q in asked.items() if qid in tests and not q.red_flag and qid != "symptom"]
    questions = [[q.id, q.type, band_values(q, tests[q.id]), q.max] for q in tested]
    flags = [qid for qid, q in asked.items() if q.red_flag]
    size = states(len(flags)) * math.prod(len(values) for _, _, values, _ in questions)
    # A test of a warning sign this interview does not ask (a rule for every symptom) sees no
    # answer in the table's cases: cases with such an answer go to the engine. A test of anything
    # else not asked is refused when the rule base is checked; it would leave no table.
    usable = all(qid in asked or is_red_flag(qid) for qid in tests) and size <= _MAX_CELLS
    # the symptom question's spellings: only this symptom's, the one its cases have
    answers = [[q.id, q.type, q.min, q.max, [[symptom, symptom]] if q.id == "symptom" else _spellings(q)]
               for q in asked.values()]
    # what the interview fills in for an optional answer left out (engine.interview.complete),
    # where nothing else decides whether it is asked
    optional = [q for q in asked.values() if not (q.required or q.red_flag) and q.id != "symptom"]
    defaults = [[q.id, q.default] for q in optional if q.ask_if is None]
    # and those asked only if their ask_if holds, which the interview then fills in (Bands.asks)
    asked_if = [[q.id, q.default] for q in optional if q.ask_if is not None]
    # the tested ones a case may leave out (Bands.left_out)
    left_out = [q.id for q in tested if not q.required]
    return Bands({"symptom": symptom, "usable": usable, "flags": flags, "questions": questions, "left_out": left_out,
                  "answers": answers, "defaults": defaults, "asked_if": asked_if}, asks=asks_of(kb))


def asks_of(kb: KnowledgeBase) -> Callable[[str, dict[str, Any]], bool]:
    """Whether the interview asks question `qid` after the answers given (engine.interview.applies)."""
    return lambda qid, answers: applies(kb.questions[qid], answers)


def asked_by(kb: KnowledgeBase, qids: Iterable[str]) -> tuple[str, ...]:
    """The questions whose answers decide whether the questions `qids` are asked (the leaves of
    their ask_if): asks_of's answer for them depends on those answers alone."""
    conditions = [q.ask_if for q in map(kb.questions.get, qids) if q is not None and q.ask_if is not None]
    return tuple({leaf.question: None for condition in conditions for leaf, _ in leaves(condition)})


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


def marks_first(pieces: Pieces) -> None:
    """Make the marks pieces 0 to 3, in their order: an outcome's holes are those numbers."""
    if [pieces.add(mark) for mark in MARKED] != list(range(len(MARKED))):
        raise ValueError("decisions: the marks must be the first pieces")


def cut(text: str) -> list[str]:
    """`text`, a plan's JSON, in pieces: cut before each field of the plan and each item of a
    list or object in it, after the opening and before the closing of each such list or object,
    and around each mark (a field's value)."""
    cuts, depth = [0], 0
    for token in _TOKENS.finditer(text):
        kind = token[0]
        if kind == "[" or kind == "{":
            depth += 1
            if depth == 2:
                cuts.append(token.end())
        elif kind == "]" or kind == "}":
            if depth == 2:
                cuts.append(token.start())
            depth -= 1
        elif kind == ", ":
            if depth <= 2:
                cuts.append(token.start())
        elif depth == 1 and kind in MARKED:
            cuts += (token.start(), token.end())
    cuts.append(len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:]) if a < b]


def marked(plan: Record, encode: JsonLines) -> tuple[int, int, str]:
    """(whether it announces, 1 or 0; its review days + 1, 0 for none; its JSON text with the
    marks where the case's own parts go) of a plan made on REFERENCE_DATE."""
    review = 0 if plan.review_date is None else (plan.review_date - REFERENCE_DATE).days + 1
    return int(plan.triage_level not in RED_FLAG_LEVELS), review, encode(updated(plan, **MARKS))


def holed(whole: str) -> tuple[list[int], list[str]]:
    """A marked plan's text in pieces (cut), and where the marks are among them."""
    text = cut(whole)
    if [piece for piece in text if piece in MARKED] != MARKED:
        raise ValueError("decisions: a plan's date, answers, escalation and review date are out of order")
    return [at for at, piece in enumerate(text) if piece in MARKED], text


def compiled_symptom(kb: KnowledgeBase, bands: Bands, encode: JsonLines, pieces: Pieces) -> tuple[dict[str, Any], list[int]]:
    """A symptom's part: its spec with the announcements for each onset up to the one from
    which they no longer change, and `outcomes`, the number of its outcomes; and its table as
    integers, none negative: the outcome of each cell, where each outcome begins and ends (one
    more than there are outcomes), then the outcomes end to end, each [announces (1 or 0), review
    days + 1 (0: none), where its four holes are among its pieces, its pieces' numbers...]."""
    outcomes: dict[tuple[int, ...], int] = {}
    by_text: dict[str, int] = {}  # a plan's text -> its outcome: most cells repeat one, cut once
    cells = []
    for index in bands.cells():
        announces, review, whole = marked(triage(kb, bands.representative(index), REFERENCE_DATE), encode)
        key = f"{announces} {review} {whole}"
        known = by_text.get(key)
        if known is None:
            holes, text = holed(whole)
            outcome = (announces, review, *holes, *map(pieces.add, text))
            known = by_text[key] = outcomes.setdefault(outcome, len(outcomes))
        cells.append(known)
    bounds, flat = [0], []
    for outcome in outcomes:
        flat.extend(outcome)
        bounds.append(len(flat))
    settled = onset_settled(kb, bands.symptom)
    escalations = [pieces.add(encode.items(list(announced(kb, bands.symptom, onset)))) for onset in range(settled + 1)]
    # The spellings of the answers as shared pieces: most questions have the same ones, and the
    # symptom question's name every symptom (kept in each part, they would grow with the square
    # of the rule base).
    answers = [[qid, kind, lo, hi, known if kind == "integer" else pieces.add(json.dumps(known))]
               for qid, kind, lo, hi, known in bands.spec["answers"]]
    spec = {**bands.spec, "answers": answers, "outcomes": len(outcomes), "escalations": escalations}
    return spec, [*cells, *bounds, *flat]
