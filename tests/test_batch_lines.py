"""A batch line written as json.dumps writes it is read without JSON (batch.spelled.read_line):
every line it reads gives what JSON and the table's check give, and every line JSON refuses it
leaves to JSON, which says what is wrong."""
from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import examples, full_answers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_decisions import DATES, KB, SYMPTOMS, cases, compiled_table, engine_line, interview_checked, shared_table, typed

from runrehab.answers.file import _case
from runrehab.batch.spelled import Read
from runrehab.errors import AnswersFileError


def by_json(text: str) -> tuple[Any, ...]:
    """What JSON and the table's check make of a line: ("refused", message) or ("read", answers)."""
    try:
        case = _case(1, text)
    except AnswersFileError as exc:
        return "refused", str(exc)
    return "read", shared_table().checked(case)


def agrees(text: str) -> None:
    quick = shared_table().read_line(text)
    if quick is None:
        return  # read as JSON
    kind, checked = by_json(text)
    assert kind == "read", (text, checked)
    assert typed(quick) == typed(checked), text
    assert type(quick) is type(checked), text
    if type(quick) is Read:
        assert (quick.cell, quick.text) == (checked.cell, checked.text), text  # type: ignore[union-attr]
        assert shared_table().line(quick, DATES[0]) == engine_line(interview_checked(json.loads(text)), DATES[0])


@st.composite
def mutated(draw: Any) -> str:
    """A line as json.dumps writes a case, then perhaps changed as a hand or a bug would."""
    case = draw(cases())
    text = json.dumps(case, ensure_ascii=draw(st.booleans())) + draw(st.sampled_from(["\n", "", "\r\n", " \n"]))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["cut", "insert", "piece twice", "swap"]))
        if how == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 4)):]
        elif how == "insert":
            text = text[:at] + draw(st.sampled_from([" ", ",", '"', ":", "0", "1", "-", "\\", "}", "{", ", ", "é",
                                                     '"days": 3', "\t", "x"])) + text[at:]
        elif how == "piece twice":
            pieces = text.rstrip("\r\n ")[1:-1].split(", ")
            piece = draw(st.sampled_from(pieces))
            text = "{" + ", ".join([*pieces, piece]) + "}\n"
        elif at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2:]
    return text


@settings(max_examples=examples(120), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_line_read_without_json_is_what_json_and_the_check_make_of_it(text):
    agrees(text)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_line_read_without_json_is_what_json_and_the_check_make_of_it_at_length(text):
    agrees(text)


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_the_usual_lines_are_read_without_json_and_odd_ones_left_to_it(symptom):
    usual = full_answers(KB, symptom)
    line = json.dumps(usual) + "\n"
    assert shared_table().read_line(line) is not None  # the usual form: read without JSON
    agrees(line)
    body = line[1:-2]
    first, rest = body.split(", ", 1)
    odd = [
        "{" + body + ", " + rest.split(", ")[0] + "}\n",  # a key given twice: JSON refuses it
        "{ " + body + "}\n",  # white space JSON allows, written otherwise
        "{" + body + "}\r\n",
        "{" + rest + ", " + first + "}\n",  # the symptom last
        "{" + body + ", \"no_such_question\": \"yes\"}\n",
        "{" + body.replace(": ", ":", 1) + "}\n",
    ]
    # two members with no space between, an optional answer the second: one piece, two answers
    optional = [q.id for q in KB.questions_for(symptom, "triage") if q.type == "yes_no" and not (q.required or q.red_flag)]
    joined = []
    for qid, answer in ((qid, answer) for qid in optional for answer in ("yes", "no")):
        members = json.dumps({**{k: v for k, v in usual.items() if k != qid}, qid: answer})[1:-1].split(", ")
        joined.append("{" + ", ".join([*members[:-2], ",".join(members[-2:])]) + "}\n")
    for text in odd:
        assert shared_table().read_line(text) is None, text
    for text in [*odd, *joined]:
        agrees(text)
    assert by_json(odd[0])[0] == "refused"


@pytest.mark.parametrize("spelt", ["007", "-0", "1e1", "3.0", "\u0663", "99999999999999999999999", "true", "null"])
def test_a_number_json_writes_otherwise_or_not_at_all_is_left_to_json(spelt):
    usual = json.dumps(full_answers(KB, "achilles", days=3))
    assert '"days": 3' in usual
    text = usual.replace('"days": 3', f'"days": {spelt}') + "\n"
    agrees(text)
    if spelt not in ("-0",):
        assert shared_table().read_line(text) is None


def test_a_batch_reads_its_lines_alike_with_the_parts_cached_or_not(runner, kb, tmp_path):
    """The same batch, once before any part is compiled (every line read as JSON) and once
    with every part in the cache (the usual lines read without it): the same bytes out, the
    same refusal of a key given twice, naming its line."""
    from runrehab.commands.run import app

    rows = [json.dumps(full_answers(kb, s, days=d)) for s in SYMPTOMS for d in (1, 40)]
    twice = json.dumps(full_answers(kb, "achilles"))[:-1] + ', "days": 5}'
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text("".join(r + "\n" for r in rows))
    bad.write_text("".join(r + "\n" for r in [*rows[:3], twice, *rows[3:]]))
    args = ["triage", "--json", "--no-save", "--date", "2026-03-01", "--answers"]
    before = [runner.invoke(app, [*args, str(f)]) for f in (good, bad)]
    compiled_table(kb, *SYMPTOMS)  # every part compiled, kept in this test's cache
    after = [runner.invoke(app, [*args, str(f)]) for f in (good, bad)]
    for one, other in zip(before, after):
        assert (one.exit_code, one.stdout_bytes, one.stderr) == (other.exit_code, other.stdout_bytes, other.stderr)
    assert after[0].exit_code == 0 and len(after[0].stdout_bytes.splitlines()) == len(rows)
    assert after[1].exit_code != 0 and "line 4" in after[1].stderr and "duplicate key 'days'" in after[1].stderr


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_cases_leaving_the_same_answers_out_get_their_defaults_each_time(symptom):
    """The defaults filled in for the answers a case gives are worked out once for those answers
    (where they alone decide them) and given again to every later case that gives the same ones."""
    table = compiled_table(KB, symptom)
    optional = {q.id for q in KB.questions_for(symptom, "triage") if not (q.required or q.red_flag) and q.id != "symptom"}
    for _ in range(2):
        for days, pain in ((3, 2), (40, 8), (3, 2)):
            given = {k: v for k, v in full_answers(KB, symptom, days=days, pain_score=pain).items() if k not in optional}
            for read in (table.checked(given), table.read_line(json.dumps(given) + "\n")):
                case = interview_checked(given)
                assert read is not None and typed(read) == typed(case), given
                assert table.line(read, DATES[0]) == engine_line(case, DATES[0])


def test_defaults_an_ask_if_decides_are_worked_out_again_for_other_answers_to_what_it_tests():
    """Whether a default is filled in can depend on an answer its ask_if tests: the defaults
    worked out once are given again only to cases that give that answer alike."""
    from runrehab.batch.bands import Bands
    from runrehab.batch.spelled import Spelled

    yes_no = [[True, True], [False, False], ["yes", True], ["no", False]]
    spec = {"symptom": "s", "usable": True, "flags": ["red_flag_x"], "questions": [["b", "yes_no", [False, True], None]],
            "left_out": ["b"], "defaults": [], "asked_if": [["b", True]],
            "answers": [["symptom", "choice", None, None, [["s", "s"]]], ["red_flag_x", "yes_no", None, None, yes_no],
                        ["a", "yes_no", None, None, yes_no], ["b", "yes_no", None, None, yes_no]]}
    bands = Bands(spec, asks=lambda qid, answers: answers.get("a") is True)  # b is asked only after a yes to a
    spelled = Spelled(bands, lambda qid, value: json.dumps({qid: value})[1:-1].encode(), str.encode, ("a",))
    for a in ("yes", "no", "yes", "no"):
        given = {"symptom": "s", "red_flag_x": "no", "a": a}
        read, checked = spelled.read(given), bands.checked(given)
        assert read == checked == {"symptom": "s", "red_flag_x": False, "a": a == "yes", **({"b": True} if a == "yes" else {})}


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_a_case_with_a_sign_leaving_every_optional_tested_answer_out_is_placed_in_one_pass(symptom):
    """Read in one pass (batch.spelled), a case with one warning sign or two that leaves out every
    optional answer the rules test falls into the cell Bands.cell_of gives it, its text the
    engine's; one leaving out only some of them falls into none."""
    table = compiled_table(KB, symptom)
    bands = table.table(symptom).bands
    flags = [q.id for q in KB.questions_for(symptom, "triage") if q.red_flag]
    full = {**full_answers(KB, symptom), **{q.id: q.choices[0] if q.choices else "no"  # every tested answer given
                                            for q in KB.questions_for(symptom, "triage") if q.id in bands.left_out}}
    for left_out in (bands.left_out, bands.left_out[1:]):
        for raised in ([flags[0]], [flags[-1]], flags[1:3], flags[:3]):
            given = {**{k: v for k, v in full.items() if k not in left_out}, **{flag: "yes" for flag in raised}}
            for read in (table.checked(given), table.read_line(json.dumps(given) + "\n")):
                case = interview_checked(given)
                assert read is not None and typed(read) == typed(case), given
                placed = bands.cell_of(dict(read))
                cell = len(raised) < 3 and left_out in ([], bands.left_out)  # none left out, or all of them
                assert (type(read) is Read) == (placed is not None) == cell, given
                if type(read) is Read:
                    assert read.cell == placed and read.text == table._answers(dict(read)), given
                assert table.line(read, DATES[0]) == engine_line(case, DATES[0]), given


_ODD = st.text(st.sampled_from('ab"\\\t\x7f é:, '), max_size=8)  # what JSON's strings take, escaped or not


@settings(max_examples=examples(400), deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=30), st.builds(lambda k, v, sep: f'"{k}"{sep}{v}', st.one_of(st.text(max_size=8), _ODD),
                                                  st.one_of(st.sampled_from(["true", "false", "null", "1"]),
                                                            st.one_of(st.text(max_size=8), _ODD).map(lambda t: f'"{t}"')),
                                                  st.sampled_from([": ", ":", " : "]))))
@example('"a": "b"c"')
@example('"a": "b\\"')
@example('"a": "x\ty"')
@example('"a"b": "c"')
def test_a_plain_member_is_read_as_json_reads_it_or_left_to_json(piece):
    """A line's piece `"id": "text"` (or true, false) is read without JSON only where JSON reads
    it as that one member, the same."""
    from runrehab.batch.spelled import _MEMBERS, _plain_member

    member = _plain_member(piece)
    if member is not None:
        assert _MEMBERS.decode("{" + piece + "}") == [member]


def test_a_symptoms_first_line_is_read_without_json_when_the_cache_holds_its_part(kb, tmp_path, monkeypatch):
    """A new batch's table opens a symptom's part from the cache for its first line (not only
    once a line read as JSON has opened it); a symptom the cache lacks, or none of the base's,
    is left to JSON."""
    from runrehab.batch.table import DecisionTable

    monkeypatch.setenv("RUNREHAB_CACHE", str(tmp_path / "cache"))
    compiled_table(kb, "achilles")  # kept in this test's cache, alone
    table = DecisionTable(kb)
    line = json.dumps(full_answers(kb, "achilles", days=3)) + "\n"
    read = table.read_line(line)
    assert type(read) is Read
    assert table.line(read, DATES[0]) == engine_line(interview_checked(json.loads(line)), DATES[0])
    other = next(s for s in SYMPTOMS if s != "achilles")
    assert table.read_line(json.dumps(full_answers(kb, other)) + "\n") is None
    assert table.read_line(line.replace('"achilles"', '"no-such-symptom"')) is None


def test_the_parts_share_what_a_piece_of_a_line_is_and_each_places_it_by_its_own_bands():
    """A piece of a line (`"id": value`) is read once for every symptom's part; each part then
    types and places it by its own bands: a question asked by every symptom gives each symptom's
    line, cell and plan as JSON and the check do."""
    shared = [q.id for q in KB.questions_for(SYMPTOMS[0], "triage")
              if all(q.id in {p.id for p in KB.questions_for(s, "triage")} for s in SYMPTOMS) and q.type == "yes_no"]
    assert shared
    for symptom in SYMPTOMS:
        for answer in ("yes", "no"):
            line = json.dumps({**full_answers(KB, symptom, days=9), shared[-1]: answer}) + "\n"
            assert shared_table().read_line(line) is not None, line
            agrees(line)
