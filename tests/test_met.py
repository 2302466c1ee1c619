"""The outcomes of cases no cell holds (three warning signs, answers left out after one), made by
the engine once and kept in the cache for later batches (batch/met.py): a later batch plans them
without the engine, byte for byte its plan; a damaged or odd entry is never used."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import full_answers, tiered
from test_decisions import DATES, batch_lines, compiled_table, engine_line, single_plan

from runrehab.batch.met import met_key
from runrehab.engine.interview import complete, parse_answers

SYMPTOM = "posterior-leg-pain"


def _three_signs(kb: Any) -> list[dict[str, Any]]:
    """Cases of SYMPTOM no cell holds, alike to the rules two by two (other days and pain)."""
    flags = [q.id for q in kb.questions_for(SYMPTOM, "triage") if q.red_flag]
    cases = []
    for raised in (flags[:3], flags[1:4], flags[-3:]):
        for days in (2, 40):
            cases.append(complete(kb, parse_answers(kb, full_answers(kb, SYMPTOM, days=days, **{f: "yes" for f in raised}))))
    return cases


def _engine_counted(monkeypatch: Any) -> list[Any]:
    import runrehab.batch.table as decisions

    made: list[Any] = []
    original = decisions.triage
    monkeypatch.setattr(decisions, "triage", lambda *args: made.append(args[1]) or original(*args))
    return made


def test_outcomes_no_cell_holds_are_kept_for_later_batches(kb, monkeypatch):
    from runrehab.cache import store as cache

    cache.put(met_key(kb), b"")  # nothing kept yet
    cases = _three_signs(kb)
    bands = compiled_table(kb, SYMPTOM).table(SYMPTOM).bands
    assert all(bands.cell_of(case) is None for case in cases)
    made = _engine_counted(monkeypatch)
    for date in DATES:
        assert list(compiled_table(kb, SYMPTOM).lines(cases, date)) == [engine_line(c, date) for c in cases]
    assert len(made) == len({bands.met(case) for case in cases}) > 1  # the first batch: once for those alike; the second: none


def test_a_batch_that_does_not_end_keeps_nothing(kb, monkeypatch):
    from runrehab.cache import store as cache

    cache.put(met_key(kb), b"")
    cases = _three_signs(kb)
    table = compiled_table(kb, SYMPTOM)
    assert table.line(cases[0], DATES[0]) == engine_line(cases[0], DATES[0])
    assert cache.get(met_key(kb)) == b""  # written only once the last line is made
    lines = table.lines(cases, DATES[0])
    next(lines)
    lines.close()
    assert cache.get(met_key(kb)) == b""


def _kept(kb: Any) -> bytes:
    from runrehab.cache import store as cache

    cache.put(met_key(kb), b"")
    cases = _three_signs(kb)
    list(compiled_table(kb, SYMPTOM).lines(cases, DATES[0]))
    whole = cache.get(met_key(kb))
    assert whole
    return whole


def _part(whole: bytes) -> dict[str, Any]:
    """The one symptom's part of an entry (its head line, then the part)."""
    return json.loads(whole.split(b"\n", 1)[1])


def _laid_out(part: dict[str, Any]) -> bytes:
    """An entry of that part alone, laid out as batch.met lays it out."""
    from zlib import crc32

    from runrehab.batch.met import _made
    from runrehab.cache.layout import laid_out

    data = json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode()
    return laid_out({"symptoms": {SYMPTOM: 0}, "made": _made([crc32(data)])}, [data])


def _damaged(whole: bytes, how: str) -> bytes:
    part = _part(whole)
    first = part["outcomes"][0]
    if how == "a changed byte":
        assert b"emergency" in whole.split(b"\n", 1)[1]  # in a piece's text
        return whole.replace(b"emergency", b"emergencz", 1)
    if how == "cut short":
        return whole[:-10]
    if how == "laid out elsewhere":  # its sums made afresh, its marker not
        from runrehab.cache.layout import laid_out

        return laid_out({"symptoms": {SYMPTOM: 0}, "made": 1}, [whole.split(b"\n", 1)[1]])
    if how == "a key too short":
        first[0] = first[0][:-1]
    elif how == "a band past the bands":
        first[0][0] = 99
    elif how == "a sign not yes or no":
        first[0][-1] = 1
    elif how == "a hole lost":
        first[3] = first[3][:-1]
    elif how == "a mark among the pieces":
        first[4].append(first[4][first[3][0]])
    elif how == "a piece past the end":
        first[4][0] = len(part["pieces"])
    elif how == "review past any rule's":
        first[2] = 10_000
    elif how == "a line break in a piece":
        part["pieces"][-1] += "\n"
    elif how == "pieces no list":
        part["pieces"] = "x"
    return _laid_out(part)


HOWS = ["a changed byte", "cut short", "laid out elsewhere", "a key too short", "a band past the bands",
        "a sign not yes or no", "a hole lost", "a mark among the pieces", "a piece past the end",
        "review past any rule's", "a line break in a piece", "pieces no list"]


@pytest.mark.parametrize("how", tiered(HOWS, lambda how: how in ("a changed byte", "a mark among the pieces",
                                                                 "a sign not yes or no")))
def test_a_damaged_kept_outcome_is_never_used_and_the_engine_plans_again(kb, monkeypatch, how):
    from runrehab.cache import store as cache

    whole = _kept(kb)
    cache.put(met_key(kb), _damaged(whole, how))
    made = _engine_counted(monkeypatch)
    cases = _three_signs(kb)
    assert list(compiled_table(kb, SYMPTOM).lines(cases, DATES[1])) == [engine_line(c, DATES[1]) for c in cases]
    planned = len(made)
    assert planned == len({compiled_table(kb, SYMPTOM).table(SYMPTOM).bands.met(case) for case in cases})  # all again
    assert list(compiled_table(kb, SYMPTOM).lines(cases, DATES[0])) == [engine_line(c, DATES[0]) for c in cases]
    assert len(made) == planned  # and kept whole again


def test_an_entry_laid_out_as_kept_is_used(kb, monkeypatch):
    """The damage test's helper lays out an entry as batch.met does: one it has not changed is used."""
    from runrehab.cache import store as cache

    cache.put(met_key(kb), _laid_out(_part(_kept(kb))))
    made = _engine_counted(monkeypatch)
    cases = _three_signs(kb)
    assert list(compiled_table(kb, SYMPTOM).lines(cases, DATES[1])) == [engine_line(c, DATES[1]) for c in cases]
    assert made == []


def test_a_batch_through_the_cli_plans_kept_outcomes_as_the_single_triage_does(runner, kb, tmp_path, monkeypatch):
    from runrehab.cache import store as cache

    compiled_table(kb, SYMPTOM)  # the symptom's part in the cache: its cases are planned by the table
    cache.put(met_key(kb), b"")
    flags = [q.id for q in kb.questions_for(SYMPTOM, "triage") if q.red_flag]
    rows = [full_answers(kb, SYMPTOM, days=d, **{f: "yes" for f in flags[:3]}) for d in (3, 30)]
    first = batch_lines(runner, tmp_path, rows)
    made = _engine_counted(monkeypatch)
    assert batch_lines(runner, tmp_path, rows) == first and made == []
    for row, line in zip(rows, first):
        assert json.loads(line) == json.loads(single_plan(runner, tmp_path, row))
        assert line.encode() == engine_line(complete(kb, parse_answers(kb, row)), dt.date(2026, 3, 1))
