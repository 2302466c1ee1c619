"""The decision table gives, byte for byte, the plan the engine gives: on every cell of every
symptom, on every band combination `validate` enumerates, on cases hypothesis makes (those the
table has no cell for included), through the CLI, and in another stdout encoding."""
from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import pytest
from conftest import examples, full_answers, tiered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runrehab.batch.cached import Entry, entry_key
from runrehab.batch.table import DecisionTable
from runrehab.documents.as_json import JsonLines
from runrehab.engine.announcements import _earliest_day, announced, onset_settled
from runrehab.engine.evaluate import triage
from runrehab.engine.interview import AnswerError, complete, parse_answers
from runrehab.engine.validation import answer_space
from runrehab.rules.loader import load

KB = load()
SYMPTOMS = list(KB.symptoms)
DATES = (dt.date(2026, 3, 1), dt.date(2024, 2, 29))
ONSETS = (0, 3, 7, 8, 9, 30, 3650)


def engine_line(answers: dict[str, Any], date: dt.date, encode: Any = str.encode) -> bytes:
    return encode(JsonLines()(triage(KB, answers, date)))


def compiled_table(kb: Any, *symptoms: str, encode: Any = str.encode) -> DecisionTable:
    """A table whose parts for `symptoms` are made (a batch compiles one once it has met its
    symptom ENGINE_FIRST times; until then the engine plans the cases)."""
    table = DecisionTable(kb, encode)
    for symptom in symptoms:
        table.table(symptom)
    return table


@functools.cache
def shared_table() -> DecisionTable:
    """One table with every part made, for the cases hypothesis makes (as one batch would)."""
    return compiled_table(KB, *SYMPTOMS)


def with_days(answers: dict[str, Any], days: int) -> dict[str, Any]:
    return {**answers, "days": days} if "days" in answers else answers


def one_sign_or_none(bands: Any) -> range:
    """The cells with no warning sign or one: they come before those with two."""
    return range(bands.value_cells * (1 + len(bands.flags)))


def signs_of(bands: Any, index: int) -> int:
    """How many warning signs cell `index` has raised: 0, 1 or 2 (past all_out, the cells of
    cases that leave the optional tested answers out begin at one sign)."""
    state = index // bands.value_cells if index < bands.all_out else (index - bands.all_out) // bands.kept_cells + 1
    return 0 if state == 0 else 1 if state <= len(bands.flags) else 2


@pytest.mark.parametrize("symptom, thorough", tiered([(s, t) for s in SYMPTOMS for t in (False, True)],
                                                     lambda case: not case[1]))
def test_every_cell_is_the_engines_plan(symptom, thorough):
    """Every cell on one date and either side of a week's onset; the slow tier on both dates and
    every onset of ONSETS (the first, either side of a week and the last with two signs)."""
    table = DecisionTable(KB)
    bands = table.table(symptom).bands
    states = 1 + len(bands.flags) * (len(bands.flags) + 1) // 2
    left_out = states - 1 if bands.left_out else 0  # states with a sign, the optional tested answers left out
    assert len(bands.cells()) == bands.value_cells * states + bands.kept_cells * left_out
    for index in bands.cells():
        given = parse_answers(KB, full_answers(KB, symptom))  # what no rule tests: any answer
        if index >= bands.all_out:  # a case that leaves them out, as a script would
            given = {qid: value for qid, value in given.items() if qid not in bands.left_out}
        answers = complete(KB, {**given, **bands.representative(index)})
        assert bands.cell_of(answers) == index
        assert sum(answers[flag] for flag in bands.flags) == signs_of(bands, index)
        assert all((qid in answers) == (index < bands.all_out) for qid in bands.left_out)
        # the many cells with two warning signs: the first onset, either side of a week, the last
        onsets = (ONSETS if signs_of(bands, index) < 2 else (0, 7, 8, 3650)) if thorough else (7, 8)
        for date in DATES if thorough else DATES[:1]:
            for days in onsets:
                case = with_days(answers, days)
                assert table.line(case, date) == engine_line(case, date), (symptom, index, date, days)


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_every_band_combination_validate_enumerates_falls_in_a_cell_and_agrees(symptom):
    table = DecisionTable(KB)
    seen = set()
    for answers in answer_space(KB, symptom, "triage"):
        case = complete(KB, answers)
        index = table.table(symptom).bands.cell_of(case)
        assert index is not None, answers
        seen.add(index)
        assert table.line(case, DATES[0]) == engine_line(case, DATES[0])
    # every cell with no warning sign; each sign raised at least once, alone (engine.reach: a sign
    # raised where it evaluates differently stands for the others)
    bands = table.table(symptom).bands
    assert set(range(bands.value_cells)) <= seen <= set(one_sign_or_none(bands))
    assert {index // bands.value_cells for index in seen} == set(range(1 + len(bands.flags)))


def test_the_cells_a_batch_meets_are_made_once_and_kept(kb, monkeypatch):
    import runrehab.batch.table as decisions

    made = []
    outcome = decisions._Symptom._outcome
    monkeypatch.setattr(decisions._Symptom, "_outcome", lambda part, number: made.append(number) or outcome(part, number))
    table = compiled_table(kb, "tight-itb")
    case = complete(kb, parse_answers(kb, full_answers(kb, "tight-itb")))
    first = table.line(case, DATES[0])
    assert table.line({**case, "days": 4}, DATES[0]) != first  # its own answers
    assert table.line(case, DATES[0]) == first == engine_line(case, DATES[0])
    assert len(made) == 1  # one outcome made and checked, then kept


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    """Any answers a file could hold for a symptom: each question answered or left out, now and
    then a warning sign (one, two, or one the symptom's interview does not ask), in any order."""
    symptom = draw(st.sampled_from(SYMPTOMS))
    answers: dict[str, Any] = {"symptom": symptom}
    for q in KB.questions_for(symptom, "triage"):
        if q.id == "symptom" or draw(st.integers(0, 19)) == 0:
            continue  # left out: a default, or the interview stopped at a warning sign
        if q.red_flag:
            answers[q.id] = draw(st.integers(0, 24)) == 0
        elif q.type == "yes_no":
            answers[q.id] = draw(st.booleans())
        elif q.type == "integer":
            answers[q.id] = draw(st.integers(q.min, q.max))
        elif q.type == "choice":
            answers[q.id] = draw(st.sampled_from(q.choices))
        else:
            answers[q.id] = draw(st.lists(st.sampled_from(q.choices), unique=True))
    if draw(st.integers(0, 9)) == 0:
        answers[draw(st.sampled_from(sorted(q.id for q in KB.questions.values() if q.red_flag)))] = True
    return {qid: answers[qid] for qid in draw(st.permutations(list(answers)))}  # a file's keys in any order


@settings(max_examples=examples(400), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from(DATES))
def test_any_case_gets_the_engines_plan(given_answers, date):
    try:
        answers = complete(KB, parse_answers(KB, given_answers))
    except AnswerError:  # a required answer left out: refused before any plan
        return
    assert shared_table().line(answers, date) == engine_line(answers, date)


def interview_checked(given: dict[str, Any]) -> dict[str, Any] | None:
    """What parse_answers and complete make of a batch case; None when they refuse it."""
    try:
        return complete(KB, parse_answers(KB, given))
    except AnswerError:
        return None


def typed(answers: dict[str, Any] | None) -> list[tuple[str, type, Any]] | None:
    """Answers in their order, each with its type: 1 is not true, nor 1.0 one."""
    return None if answers is None else [(qid, type(value), value) for qid, value in answers.items()]


# Answers of every kind, usual and odd: what the table must type as the interview does, or leave to it.
SPELLINGS = [True, False, None, 0, 1, -1, 2, 10, 11, 3650, 3651, 2.0, "yes", "no", "y", "n", "true", "false",
             "Yes", " no ", "YES", "1", "7", "", "maybe", [], ["a"], {"a": 1}]


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_the_table_types_an_answer_as_the_interview_does_or_leaves_it_to_it(symptom):
    table = DecisionTable(KB)
    usual_answer = {"yes_no": "no", "integer": 3}
    base = full_answers(KB, symptom)
    for q in KB.questions_for(symptom, "triage"):  # every question answered: the table's ground
        base = {**base, q.id: base.get(q.id, usual_answer.get(q.type) or q.choices[0])}
    for q in KB.questions_for(symptom, "triage"):
        for raw in [*SPELLINGS, *(q.choices or []), *(c.upper() for c in q.choices or []),
                    *((q.min, q.max, q.min - 1, q.max + 1) if q.type == "integer" else ())]:
            given = {**base, q.id: raw}
            by_table = table.checked(given)
            assert by_table is None or typed(by_table) == typed(interview_checked(given)), (q.id, raw)
    usual = base
    assert table.checked(usual) == interview_checked(usual) is not None  # the usual case: by the table
    assert table.checked({**usual, "no_such_question": "yes"}) is None  # not its interview exactly
    assert table.checked({k: v for k, v in usual.items() if k != "days"}) is None


@pytest.mark.parametrize("symptom", sorted(KB.symptoms))
def test_a_case_leaving_optional_answers_out_is_checked_by_the_table_with_their_defaults(symptom):
    """A script leaves optional answers to their defaults: the table fills them in as the
    interview does (after the others, in its order, those asked only if their ask_if holds
    too), and none when a warning sign is raised, as the interview fills in nothing then."""
    table, shared = DecisionTable(KB), shared_table()
    optional = [q.id for q in KB.questions_for(symptom, "triage") if not (q.required or q.red_flag) and q.id != "symptom"]
    flags = [q.id for q in KB.questions_for(symptom, "triage") if q.red_flag]
    full = full_answers(KB, symptom)
    cases = [{k: v for k, v in full.items() if k not in left_out}
             for left_out in [optional, optional[:1], optional[1:], optional[::2]]]
    cases += [{**case, flag: "yes"} for case in cases[:2] for flag in flags[:2]]
    for given in cases:
        case = interview_checked(given)
        assert case is not None
        for checker in (table, shared):
            by_table = checker.checked(given)
            assert by_table is not None and typed(by_table) == typed(case), given
            assert checker.line(by_table, DATES[0]) == engine_line(case, DATES[0]), given


@settings(max_examples=examples(300), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_any_case_the_table_checks_is_checked_as_the_interview_checks_it(given_answers, data):
    spelt = {qid: data.draw(st.sampled_from(["yes", "y", "true", True] if raw is True else ["no", "false", "n", False]))
             if type(raw) is bool else raw for qid, raw in given_answers.items()}
    by_table = DecisionTable(KB).checked(spelt)
    assert by_table is None or typed(by_table) == typed(interview_checked(spelt))
    if type(spelt.get("symptom")) is str and spelt["symptom"] in KB.symptoms:  # its part's bands, read back
        by_part = shared_table().checked(spelt)
        assert typed(by_part) == typed(by_table)
        if by_part is not None:  # read in one pass (batch.spelled): its cell and its text are the engine's
            assert shared_table().line(by_part, DATES[0]) == engine_line(interview_checked(spelt), DATES[0])

def test_cases_without_a_cell_go_to_the_engine(kb):
    table = DecisionTable(kb)
    base = complete(kb, parse_answers(kb, full_answers(kb, "tight-itb")))
    flags = [q.id for q in kb.questions_for("tight-itb", "triage") if q.red_flag]
    foreign = next(q.id for q in kb.questions.values() if q.red_flag and q.id not in kb.asked("tight-itb", "triage"))
    stopped = {"symptom": "tight-itb", flags[0]: True}  # the interview ends at a warning sign
    three = {**base, flags[0]: True, flags[5]: True, flags[-1]: True}
    for answers in (three, {**base, foreign: True}, complete(kb, stopped)):
        assert table.table("tight-itb").bands.cell_of(answers) is None
        assert table.line(answers, DATES[0]) == engine_line(answers, DATES[0])


def test_cases_no_cell_holds_get_the_engines_plan_made_once_for_those_alike(kb, monkeypatch):
    """Some answers left out after a warning sign, three signs: the engine's plan, kept in
    pieces for later cases the rules tell apart no better (other answers, dates, onsets)."""
    import runrehab.batch.table as decisions
    from runrehab.batch.met import met_key
    from runrehab.cache import store as cache

    cache.put(met_key(kb), b"")  # none kept by an earlier batch (batch/met.py)
    table = compiled_table(kb, "posterior-leg-pain")
    # the optional answers the rules test: all but the first given (left out all, a cell holds them)
    answered = {qid: "no" for qid in table.table("posterior-leg-pain").bands.left_out[1:]}
    made = []
    original = decisions.triage
    monkeypatch.setattr(decisions, "triage", lambda *args: made.append(1) or original(*args))
    for days, pain, date in [(1, 3, DATES[0]), (4, 3, DATES[1]), (6, 3, DATES[0])]:  # alike in every band
        given = full_answers(kb, "posterior-leg-pain", days=days, pain_score=pain, red_flag_fever="yes", **answered)
        answers = complete(kb, parse_answers(kb, given))
        assert table.table("posterior-leg-pain").bands.cell_of(answers) is None
        assert table.line(answers, date) == engine_line(answers, date)
        assert len(made) == 1  # made for the first, kept for the others
    flags = [q.id for q in kb.questions_for("posterior-leg-pain", "triage") if q.red_flag]
    three = complete(kb, parse_answers(kb, full_answers(kb, "posterior-leg-pain", **{f: "yes" for f in flags[:3]})))
    for date in DATES:
        assert table.line(three, date) == engine_line(three, date)
    assert len(made) == 2


def test_cases_that_leave_every_optional_tested_answer_out_after_a_sign_have_cells(kb, monkeypatch):
    """A script leaves optional answers out; after a warning sign the interview fills in none of
    them: such cases, with one sign or two, are planned from the table, as the engine plans them."""
    import runrehab.batch.table as decisions

    table = compiled_table(kb, *SYMPTOMS)
    made = []
    original = decisions.triage
    monkeypatch.setattr(decisions, "triage", lambda *args: made.append(args[1]) or original(*args))
    left_out = 0
    for symptom in SYMPTOMS:
        bands = table.table(symptom).bands
        flags = [q.id for q in kb.questions_for(symptom, "triage") if q.red_flag]
        full = {qid: value for qid, value in full_answers(kb, symptom).items() if qid not in bands.left_out}
        for raised in ([flags[0]], [flags[-1]], flags[1:3]):
            given = {**full, **{flag: "yes" for flag in raised}}
            answers = table.checked(given)
            assert answers is not None and typed(answers) == typed(interview_checked(given)), given
            assert table.line(answers, DATES[0]) == engine_line(answers, DATES[0]), given
            left_out += bool(bands.left_out)
            assert (bands.cell_of(answers) is not None) and (bands.cell_of(answers) >= bands.all_out) == bool(bands.left_out)
    assert left_out and made == []


def latin(text: str) -> bytes:
    """A stdout in Latin-1, as streams.json_bytes encodes for it."""
    import runrehab.streams  # noqa: F401  (registers the error handler)

    return text.encode("latin-1", "runrehab-json")


def test_another_stdout_encoding_gets_the_engines_plan_in_its_bytes(kb):
    table = compiled_table(kb, *SYMPTOMS, encode=latin)
    for symptom in SYMPTOMS:
        answers = complete(kb, parse_answers(kb, full_answers(kb, symptom)))
        line = table.line(answers, DATES[0])
        assert line == engine_line(answers, DATES[0], latin)
        assert json.loads(line.decode("latin-1")) == json.loads(engine_line(answers, DATES[0]))
        read = table.checked(full_answers(kb, symptom, days=17))  # read in one pass: its text in latin-1 too
        assert table.line(read, DATES[0]) == engine_line(complete(kb, parse_answers(kb, full_answers(kb, symptom, days=17))),
                                                         DATES[0], latin)


def test_a_later_onset_announces_what_the_settled_one_does():
    """announced() takes onsets past the last `days_since_onset` threshold as that onset: every
    rule's first day is the same for them."""
    for symptom in SYMPTOMS:
        settled = onset_settled(KB, symptom)
        for rule in KB.rules_for(symptom, "checkin"):
            for onset in range(settled, settled + 60):
                assert _earliest_day(KB, rule, onset) == _earliest_day(KB, rule, settled), (rule.id, onset)
        assert announced(KB, symptom, settled + 400) is announced(KB, symptom, settled)


def batch_lines(runner: Any, tmp_path: Any, rows: list[dict[str, Any]]) -> list[str]:
    """The lines a batch of `rows` prints through the CLI, one a row."""
    from runrehab.commands.run import app

    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    batch = runner.invoke(app, ["triage", "--answers", str(tmp_path / "b.jsonl"), "--json", "--no-save", "--date", "2026-03-01"])
    assert batch.exit_code == 0, batch.stderr
    lines = batch.stdout.splitlines()
    assert len(lines) == len(rows)
    return lines


def single_plan(runner: Any, tmp_path: Any, row: dict[str, Any]) -> str:
    """What a single triage of `row` prints through the CLI."""
    from runrehab.commands.run import app

    (tmp_path / "one.json").write_text(json.dumps(row))
    return runner.invoke(app, ["triage", "--answers", str(tmp_path / "one.json"), "--json", "--no-save",
                               "--date", "2026-03-01"]).stdout


def test_a_batch_through_the_cli_is_the_single_plans_line_by_line(runner, kb, tmp_path):
    rows = [full_answers(kb, s, days=d, pain_score=p) for s in SYMPTOMS for d in (1, 10) for p in (2, 8)]
    rows.append(full_answers(kb, "posterior-leg-pain", red_flag_bladder="yes"))
    two = full_answers(kb, "hand-tingling", red_flag_chest_pain="yes", red_flag_faint="yes")
    rows.append(dict(reversed(two.items())))  # two warning signs, the file's keys against the interview's order
    lines = batch_lines(runner, tmp_path, rows)
    for row, line in zip(rows, lines):
        assert json.loads(line) == json.loads(single_plan(runner, tmp_path, row))
    assert json.loads(lines[-1])["red_flags"] == ["red_flag_chest_pain", "red_flag_faint"]  # as the interview asks them


def test_a_batch_leaving_optional_answers_out_with_a_sign_is_planned_from_the_cache(runner, kb, tmp_path, monkeypatch):
    """A script's cases with a warning sign or two and every optional answer left out, through
    the CLI once each symptom's part is in the cache: the table plans them (the engine none), each
    line the single triage's plan, byte for byte the engine's line."""
    import runrehab.batch.table as decisions

    compiled_table(kb, *SYMPTOMS)  # every part compiled and kept in the cache
    rows = []
    for symptom in SYMPTOMS:
        flags = [q.id for q in kb.questions_for(symptom, "triage") if q.red_flag]
        rows += [full_answers(kb, symptom, days=9, **{flag: "yes" for flag in raised}) for raised in (flags[:1], flags[-2:])]
    made = []
    original = decisions.triage
    monkeypatch.setattr(decisions, "triage", lambda *args: made.append(args[1]) or original(*args))
    lines = batch_lines(runner, tmp_path, rows)
    assert made == []
    for row, line in zip(rows, lines):
        assert json.loads(line) == json.loads(single_plan(runner, tmp_path, row))
        assert line.encode() == engine_line(complete(kb, parse_answers(kb, row)), dt.date(2026, 3, 1))


def test_a_symptoms_part_holds_no_list_that_grows_with_the_rule_base(kb, monkeypatch):
    """A symptom's part is compiled when a batch first meets it and added to the entry, the other
    parts kept as they were; the spellings of the symptom question it keeps are its own
    symptom's, not every symptom's."""
    import runrehab.batch.table as decisions
    from runrehab.batch.cached import Entry
    from runrehab.cache import store as cache

    compiled = []
    original = decisions.compiled_symptom
    monkeypatch.setattr(decisions, "compiled_symptom", lambda kb, bands, *rest: compiled.append(bands.symptom)
                        or original(kb, bands, *rest))
    cache.put(entry_key(kb), b"")  # nothing kept: each part compiled when first met
    case = complete(kb, parse_answers(kb, full_answers(kb, "tight-itb")))
    assert compiled_table(kb, "tight-itb").line(case, DATES[0]) == engine_line(case, DATES[0])
    assert compiled == ["tight-itb"] and Entry(cache.get(entry_key(kb))).symptoms() == ["tight-itb"]
    first = cache.get(entry_key(kb))
    table = DecisionTable(kb)
    for symptom in kb.symptoms:
        table.table(symptom)
    entry = Entry(cache.get(entry_key(kb)))
    assert compiled == list(kb.symptoms) and entry.symptoms() == compiled  # tight-itb not compiled again
    assert DecisionTable(kb).line(case, DATES[0]) == engine_line(case, DATES[0])
    for symptom in kb.symptoms:
        spec = entry.symptom(symptom)
        numbers = {qid: known for qid, kind, _, _, known in spec["answers"] if kind != "integer"}
        assert all(type(n) is int for n in numbers.values())
        assert entry.value(numbers["symptom"]) == [[symptom, symptom]]
    assert Entry(first).table("tight-itb").tolist() == entry.table("tight-itb").tolist()


def test_a_short_batch_compiles_nothing_and_a_long_one_each_symptom_once(kb, monkeypatch):
    """The engine plans a symptom's first ENGINE_FIRST cases (compiling costs thousands of
    them); the next case compiles the part, which later batches read from the cache."""
    import runrehab.batch.table as decisions
    from runrehab.cache import store as cache

    made = []
    original = decisions.compiled_symptom
    monkeypatch.setattr(decisions, "compiled_symptom", lambda kb, bands, *rest: made.append(bands.symptom)
                        or original(kb, bands, *rest))
    cache.put(entry_key(kb), b"")
    cases = [complete(kb, parse_answers(kb, full_answers(kb, s, days=d))) for s in ("hand-tingling", "tight-itb")
             for d in range(1, decisions.ENGINE_FIRST + 2)]
    expected = [engine_line(case, DATES[0]) for case in cases]
    assert list(DecisionTable(kb).lines(cases[:2], DATES[0])) == expected[:2] and made == []
    assert list(DecisionTable(kb).lines(cases, DATES[0])) == expected and made == ["hand-tingling", "tight-itb"]
    assert list(DecisionTable(kb).lines(cases[:2], DATES[0])) == expected[:2] and len(made) == 2


def test_the_table_is_compiled_once_and_read_back_from_the_cache(kb, monkeypatch):
    import runrehab.batch.table as decisions

    case = complete(kb, parse_answers(kb, full_answers(kb, "hand-tingling")))
    first = compiled_table(kb, "hand-tingling").line(case, DATES[0])  # compiles it, or reads what an earlier test kept

    def refuse(*args: Any) -> Any:
        raise AssertionError("compiled again")
    monkeypatch.setattr(decisions, "compiled_symptom", refuse)
    assert compiled_table(kb, "hand-tingling").line(case, DATES[0]) == first == engine_line(case, DATES[0])


@pytest.mark.parametrize("largest, code", [(0, "H"), (65_535, "H"), (65_536, "I"), (2**32 - 1, "I")])
def test_a_tables_integers_are_16_bits_wide_where_every_one_fits_else_32(largest, code):
    import sys

    from runrehab.batch.cached import Entry, Pieces, _encoded

    entry = Entry(_encoded({"s": ({"symptom": "s"}, [3, largest, 0]), "t": ({"symptom": "t"}, [])}, Pieces()))
    assert entry.table("s").tolist() == [3, largest, 0] and entry.table("t").tolist() == []
    assert entry._layout.head["integers"] == [sys.byteorder, code, 2 if code == "H" else 4]


@pytest.mark.parametrize("table", [[-1], [2**32]])
def test_a_table_with_an_integer_no_width_holds_is_refused(table):
    from runrehab.batch.cached import Pieces, _encoded

    with pytest.raises((OverflowError, ValueError)):
        _encoded({"s": ({"symptom": "s"}, table)}, Pieces())


@pytest.mark.parametrize("damage", tiered([None, b"", b"{}\n", b'{"symptoms": {"hand-tingling": [0, 5]}, "pieces": []}\nxxxxx',
                                           b'{"symptoms":{"hand-tingling":0},"pieces":1,"bounds":[0,5]}\nxxxxx',
                                           b"\xff" * 100], lambda d: d in (None, b"")))
def test_a_damaged_cache_entry_is_compiled_afresh(kb, monkeypatch, damage):
    from runrehab.cache import store as cache

    case = complete(kb, parse_answers(kb, full_answers(kb, "hand-tingling")))
    compiled_table(kb, "hand-tingling")
    key = entry_key(kb)
    cache.put(key, damage or cache.get(key).replace(b'"bounds":[0,', b'"bounds":[0,1,', 1))
    assert compiled_table(kb, "hand-tingling").line(case, DATES[0]) == engine_line(case, DATES[0])
    assert cache.get(key) != damage  # and kept whole again


@pytest.mark.parametrize(("was", "now"), tiered([(b'"emergency"', b'"emergencz"'), (b'"triage_level"', b'"triage_levem"'),
                                                (b'"symptoms":{"', b'"symptoms":{"x')], lambda c: c[0] == b'"emergency"'))
def test_a_changed_byte_that_leaves_the_entry_well_formed_is_found_and_compiled_afresh(kb, was, now):
    from runrehab.cache import store as cache

    case = complete(kb, parse_answers(kb, {**full_answers(kb, "hand-tingling"), "red_flag_chest_pain": "yes"}))
    compiled_table(kb, "hand-tingling")
    key = entry_key(kb)
    whole = cache.get(key)
    assert was in whole
    cache.put(key, whole.replace(was, now, 1))
    assert compiled_table(kb, "hand-tingling").line(case, DATES[0]) == engine_line(case, DATES[0])
    assert cache.get(key) == whole  # kept whole again


def _table_damaged(data: bytes, cells: int, symptom: str, how: str) -> bytes:
    """The entry `data` with a part of `symptom` (whose table has `cells` cells) damaged as `how` says."""
    from array import array

    from runrehab.cache.layout import Layout, laid_out

    layout = Layout(data)
    head = {k: v for k, v in layout.head.items() if k != "bounds"}
    parts = [layout.part(n) for n in range(len(layout))]
    spec_at, table_at = head["symptoms"][symptom], head["tables"] + head["symptoms"][symptom]
    spec = json.loads(parts[spec_at])
    code = head["integers"][1]  # the entry's integers: "H" (16 bits) or "I" (32)
    table = array(code, parts[table_at])
    bounds = table[cells:cells + spec["outcomes"] + 1]
    flat = cells + spec["outcomes"] + 1
    if how == "integers":
        head["integers"] = ["middle", 4]
    elif how == "short table":
        del table[cells - 1:]
    elif how == "cell past the outcomes":
        table[:cells] = array(code, [spec["outcomes"]] * cells)
    elif how == "a hole lost":  # every outcome's answers hole (piece 1) made its date hole (piece 0)
        for start, end in zip(bounds, bounds[1:]):
            table[flat + start + 6:flat + end] = array(code, [0 if n == 1 else n for n in table[flat + start + 6:flat + end]])
    elif how == "holes out of order":  # every outcome's date and answers holes swapped, with their marks
        for start, _ in zip(bounds, bounds[1:]):
            holes = flat + start + 2
            table[holes], table[holes + 1] = table[holes + 1], table[holes]
            first, second = flat + start + 6 + table[holes], flat + start + 6 + table[holes + 1]
            table[first], table[second] = table[second], table[first]
    elif how == "piece past the end":  # every outcome's pieces after its first a number no piece has
        largest = (1 << 8 * table.itemsize) - 1
        for start, end in zip(bounds, bounds[1:]):
            table[flat + start + 7:flat + end] = array(code, [largest] * (end - start - 7))
    elif how == "a mark among the pieces":  # every outcome's first piece that is no hole made the date mark
        for start, end in zip(bounds, bounds[1:]):
            holes = table[flat + start + 2:flat + start + 6]
            first = next(at for at in range(end - start - 6) if at not in holes)
            table[flat + start + 6 + first] = 0
    elif how == "review past any rule's":  # every outcome reviewed later than a rule can say
        for start in bounds[:-1]:
            table[flat + start + 1] = 1000
    elif how == "spellings":
        for answer in spec["answers"]:
            answer[-1] = -1 if answer[1] != "integer" else answer[-1]
    elif how == "bands of texts":
        spec["questions"][0][2] = [str(v) for v in spec["questions"][0][2]]
    elif how == "a default no answer":
        spec["defaults"][0][1] = "maybe"
    elif how == "no bands":
        spec["questions"][0][2] = []
    elif how == "a range of texts":
        spec["answers"] = [[qid, kind, str(lo), hi, known] for qid, kind, lo, hi, known in spec["answers"]]
    elif how == "bands past counting":  # more cells than any table holds
        spec["questions"] = spec["questions"] + [["pain_at_rest", "yes_no", [False, True], None]] * 70
    elif how == "a piece not UTF-8":  # the last piece, which no plan of the symptom need use
        parts[-1] = b"\xff" + parts[-1]
    # a piece's text changed, its CRC-32 made anew: found by what the head says of the sums made here
    elif how == "a piece no JSON":
        parts = [b', "headline": not JSON' if p.startswith(b', "headline": ') else p for p in parts]
    elif how == "a line break in a piece":
        parts = [p.replace(b', "headline": ', b',\n"headline": ') for p in parts]
    elif how == "a field of no plan":
        parts = [p.replace(b', "headline": ', b', "headlines": ') for p in parts]
    elif how == "another symptom's plan":
        parts = [p.replace(f', "symptom": "{symptom}"'.encode(), b', "symptom": "tight-itb"') for p in parts]
    elif how == "announcements no list":
        parts = [b'{"after_days": 0}' if p.startswith(b'[{"after_days": ') else p for p in parts]
    parts[table_at] = table.tobytes()
    parts[spec_at] = json.dumps(spec).encode()
    return laid_out(head, parts)


def _cache_damaged(kb: Any, symptom: str, how: str, also: tuple[str, ...] = ()) -> tuple[dict[str, Any], str, bytes]:
    """(a case of `symptom`, the table's cache key, the entry whole) after the entry kept under
    that key, holding the parts of `also` and `symptom`, has had a part of `symptom` damaged as
    `how` says (_table_damaged)."""
    from runrehab.cache import store as cache

    case = complete(kb, parse_answers(kb, full_answers(kb, symptom)))
    key = entry_key(kb)
    if cache.get(key) is None or Entry(cache.get(key)).symptoms() != [*also, symptom]:
        cache.put(key, b"")  # an entry of those parts alone: made afresh, it is the same
        compiled_table(kb, *also, symptom)
    whole = cache.get(key)
    cells = len(DecisionTable(kb).table(symptom).bands.cells())
    cache.put(key, _table_damaged(whole, cells, symptom, how))
    return case, key, whole


# one damage of each kind (the entry's head, a table, an outcome's holes, a piece's text, the
# spellings, the announcements) every time; the others in the slow tier
@pytest.mark.parametrize("how", tiered(["integers", "short table", "cell past the outcomes", "a hole lost",
                                        "holes out of order", "a mark among the pieces", "piece past the end",
                                        "review past any rule's", "spellings", "a piece no JSON", "a line break in a piece",
                                        "a field of no plan", "another symptom's plan", "announcements no list"],
                                       lambda how: how in ("integers", "short table", "a hole lost", "a piece no JSON",
                                                           "spellings", "announcements no list")))
def test_a_damaged_symptom_part_gives_the_engines_plan_and_is_compiled_afresh(kb, how):
    from runrehab.cache import store as cache

    case, key, whole = _cache_damaged(kb, "hand-tingling", how)
    table = DecisionTable(kb)
    assert table.line(case, DATES[0]) == engine_line(case, DATES[0])
    assert table.line({**case, "days": 30}, DATES[1]) == engine_line({**case, "days": 30}, DATES[1])
    table.table("hand-tingling")  # needed now (an entry with no whole index is none: made when needed)
    assert cache.get(key) == whole  # kept whole again


def test_a_part_added_to_an_entry_laid_out_elsewhere_makes_its_other_parts_afresh(kb):
    """An entry whose parts were laid out anew by something else (their sums made afresh) gives
    none of them to the entry a new part is added to: what it held is made again, not trusted."""
    from runrehab.cache import store as cache

    case, key, _ = _cache_damaged(kb, "hand-tingling", "a field of no plan")
    compiled_table(kb, "tight-itb")  # a part added: the entry written again
    assert Entry(cache.get(key)).made_here()
    assert DecisionTable(kb).table("hand-tingling").outcome(0)  # read from the entry, no Damaged
    assert compiled_table(kb, "hand-tingling").line(case, DATES[0]) == engine_line(case, DATES[0])


@pytest.mark.parametrize("how", tiered(["bands of texts", "no bands", "a range of texts", "bands past counting",
                                        "a default no answer"], lambda how: how == "bands of texts"))
def test_a_damaged_symptom_spec_gives_the_engines_plan_and_is_compiled_afresh(kb, how):
    from runrehab.cache import store as cache

    case, key, whole = _cache_damaged(kb, "posterior-leg-pain", how)
    table = DecisionTable(kb)
    assert table.checked(case) == case  # a case answering exactly its interview: checked by the table
    assert table.line(case, DATES[0]) == engine_line(case, DATES[0])
    assert cache.get(key) == whole  # kept whole again


@pytest.mark.parametrize("how", tiered(["a piece no JSON", "a line break in a piece", "a field of no plan"],
                                       lambda how: how == "a piece no JSON"))
def test_a_batch_prints_json_lines_whatever_text_the_cache_holds(kb, tmp_path, how):
    from typer.testing import CliRunner

    from runrehab.cache import store as cache
    from runrehab.commands.run import app

    case, key, whole = _cache_damaged(kb, "hand-tingling", how, also=("tight-itb",))
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(full_answers(kb, "hand-tingling")) + "\n" + json.dumps(full_answers(kb, "tight-itb")) + "\n")
    result = CliRunner().invoke(app, ["triage", "--answers", str(batch), "--json", "--no-save", "--date", "2026-03-01"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout_bytes.splitlines()[0] == engine_line(case, DATES[0])
    assert [json.loads(line)["symptom"] for line in result.stdout.splitlines()] == ["hand-tingling", "tight-itb"]
    assert cache.get(key) == whole  # kept whole again


def test_a_piece_that_is_not_utf8_is_damage_where_stdout_is_not_utf8(kb):
    from runrehab.cache import store as cache

    case, key, whole = _cache_damaged(kb, "hand-tingling", "a piece not UTF-8")
    assert DecisionTable(kb, latin).line(case, DATES[0]) == engine_line(case, DATES[0], latin)
    assert cache.get(key) == whole  # kept whole again


@pytest.mark.parametrize("value", [True, False, None, 0, 7, -3, 10**20, "no", "tight-itb", "é ü", 'a"b\\c\n\t\u2028',
                                   "\x00", "\ud800", ["a", "b"], []])
def test_an_answer_is_written_as_the_json_module_writes_it(value):
    from runrehab.batch.table import _pair_text

    expected = JsonLines().plain({"q_id": value})[1:-1]
    assert _pair_text("q_id", value) == (None if type(value) is list else expected)  # a list: by the json module


def test_a_batch_checks_its_cases_by_the_parts_the_cache_holds(monkeypatch):
    """Checking a batch's cases (before any is planned) reads each symptom's bands from the part
    the cache holds rather than making them from the rule base again."""
    import runrehab.batch.table as table_module

    symptom = "achilles"
    compiled_table(KB, symptom)  # its part made and kept in the cache

    def made(*args: Any) -> Any:
        raise AssertionError("bands made from the rule base although the cache holds them")

    monkeypatch.setattr(table_module, "bands_of", made)
    given = full_answers(KB, symptom)
    assert typed(DecisionTable(KB).checked(given)) == typed(interview_checked(given))


@pytest.mark.parametrize("how", ["a mark among the pieces", "holes out of order", "a hole lost"])
def test_an_outcome_whose_marks_are_astray_is_damaged_even_in_an_entry_made_here(kb, how):
    """An outcome read from an entry whose sums are its maker's is still checked: the four marks
    at its holes, in order, and nowhere else among its pieces."""
    from array import array

    from runrehab.cache.layout import Damaged

    part = compiled_table(kb, "hand-tingling").table("hand-tingling")
    start, end = part._bounds[0], part._bounds[1]
    flat = array(part._flat.format, part._flat)
    holes = list(flat[start + 2:start + 6])
    pieces = start + 6
    if how == "a mark among the pieces":  # the first piece that is no hole made the date mark
        flat[pieces + next(at for at in range(end - pieces) if at not in holes)] = 0
    elif how == "holes out of order":  # the date and answers holes swapped, with their marks
        flat[start + 2], flat[start + 3] = holes[1], holes[0]
        flat[pieces + holes[0]], flat[pieces + holes[1]] = 1, 0
    else:  # the answers mark made the date mark
        flat[pieces + holes[1]] = 0
    assert part._outcome(0)  # whole as made
    part._flat = memoryview(flat)
    with pytest.raises(Damaged):
        part._outcome(0)
