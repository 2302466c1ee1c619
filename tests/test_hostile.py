"""Hostile answers at the command line: exit 2, one line naming the problem, nothing on stdout,
nothing saved."""
from __future__ import annotations

import json

import pytest
from conftest import examples, full_answers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()
GOOD = full_answers(KB, "tight-itb")


def with_(**changes: object) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


NESTED = b"[" * 100_000
ALIASES = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n".encode() for p, n in zip("abcdefgh", "bcdefghi"))

HOSTILE = {
    "not JSON or YAML": b"{{{",
    "unclosed YAML": b"symptom: [unclosed",
    "a JSON list": b"[1, 2]",
    "a YAML list": b"- symptom\n- tight-itb\n",
    "null": b"null",
    "tilde": b"~",
    "a number": b"42",
    "plain words": b"my knee hurts",
    "NUL byte": b"symptom: tight-itb\x00\n",
    "NUL in JSON": with_(days="3\x00"),
    "invalid UTF-8": b"symptom: \xff\xfe tight-itb\n",
    "UTF-16": "symptom: tight-itb\n".encode("utf-16"),
    "400-digit number": with_(days=int("9" * 400)),
    "5000-digit number": b"days: " + b"9" * 5000 + b"\n",
    "infinity": b"days: 1e999\n",
    "negative": with_(days=-1),
    "float for integer": with_(days=3.5),
    "whole float for integer": with_(pain_score=2.0),
    "bool for integer": with_(days=True),
    "number for yes/no": with_(pain_at_rest=1),
    "maybe for a red flag": with_(red_flag_bladder="maybe"),
    "list for a choice": with_(symptom=["tight-itb"]),
    "mapping for a value": with_(days={"value": 3}),
    "unknown id": with_(not_a_question=1),
    "a path for an id": with_(**{"../../etc/passwd": "yes"}),
    "a device for an id": with_(**{"/dev/null": 1}),
    "a path for a symptom": with_(symptom="../data/rules.yaml"),
    "markup for a symptom": with_(symptom="[bold red]tight-itb[/]"),
    "an escape code for a symptom": with_(symptom="\x1b[2J\x1b[31mtight-itb"),
    "duplicate keys": b'{"days": 1, "days": 2}',
    "python tag": b"symptom: !!python/object/apply:os.system ['echo owned']\n",
    "YAML aliases": ALIASES,
    "nested too deeply": NESTED,
    "JSON Lines with a bad line": with_() + b"\n" + with_() + b"\n" + b"{not json}\n" + with_() + b"\n",
    "JSON Lines with a list line": with_() + b"\n" + b"{}\n" + b"[1]\n",
    "JSON Lines with a bad value": with_() + b"\n" + with_(days=-5) + b"\n",
    "JSON Lines nested too deeply": with_() + b"\n" + b'{"a": ' * 100_000 + b"\n",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def assert_refused(result, db) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("runrehab: error: "), result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr and "\x00" not in result.stderr
    assert not db.exists(), "nothing is saved"


@pytest.mark.parametrize("content", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_answers_file_is_refused_in_one_line(runner, tmp_path, content):
    path = tmp_path / "answers"
    path.write_bytes(content)
    db = tmp_path / "history.sqlite"
    assert_refused(runner.invoke(app, ["triage", "--answers", str(path), "--json", "--db", str(db)]), db)


# the deepest nesting, the slowest case, through a file in every tier and through stdin with -m slow
@pytest.mark.parametrize("content", [pytest.param(content, id=why, marks=pytest.mark.slow if why == "nested too deeply" else ())
                                     for why, content in HOSTILE.items()])
def test_hostile_answers_on_stdin_are_refused_in_one_line(runner, tmp_path, content):
    db = tmp_path / "history.sqlite"
    assert_refused(runner.invoke(app, ["triage", "--answers", "-", "--db", str(db)], input=content), db)


@pytest.mark.parametrize("pairs", [["-a", "=3"], ["-a", "days"], ["-a", "days=3.5"], ["-a", "../x=1"],
                                   ["-a", "symptom=\x1b[31m"], ["-a", "red_flag_bladder=perhaps"]],
                         ids=["no id", "no value", "float", "path", "escape", "maybe"])
def test_hostile_dash_a_pairs_are_refused_in_one_line(runner, tmp_path, pairs):
    given = tmp_path / "answers.json"
    given.write_text(json.dumps(GOOD), encoding="utf-8")
    db = tmp_path / "history.sqlite"
    assert_refused(runner.invoke(app, ["triage", "--answers", str(given), *pairs, "--db", str(db)]), db)


def yaml_answers(days: str) -> str:
    """GOOD as YAML, with `days` written as given."""
    return "".join(f"{qid}: {json.dumps(value)}\n" for qid, value in GOOD.items() if qid != "days") + f"days: {days}\n"


def test_a_yaml_number_with_a_leading_zero_is_read_in_decimal_as_json_text_is(runner, tmp_path):
    """YAML 1.1 reads 017 as 15 (octal); a runner means 17, as the text "017" in JSON gives."""
    for name, text in (("a.yaml", yaml_answers("017")), ("a.json", json.dumps({**GOOD, "days": "017"}))):
        (tmp_path / name).write_text(text)
        result = runner.invoke(app, ["triage", "--answers", str(tmp_path / name), "--json", "--no-save"])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["answers"]["days"] == 17


@pytest.mark.parametrize("days", ["1:30", "0x1F", "1_0", "0b11", "1_0.5", "1:30.5"])
def test_a_yaml_number_in_another_notation_is_refused_in_one_line(runner, tmp_path, days):
    """YAML 1.1 would read these as 90, 31, 10, 3, 10.5 and 90.5 days: each is refused, named."""
    (tmp_path / "a.yaml").write_text(yaml_answers(days))
    db = tmp_path / "history.sqlite"
    result = runner.invoke(app, ["triage", "--answers", str(tmp_path / "a.yaml"), "--db", str(db)])
    assert_refused(result, db)
    assert f"days: '{days}' is not a whole number" in result.stderr


def test_a_folder_for_answers_is_refused_in_one_line(runner, tmp_path):
    db = tmp_path / "history.sqlite"
    assert_refused(runner.invoke(app, ["triage", "--answers", str(tmp_path), "--db", str(db)]), db)


def _read_line(text):
    from runrehab.answers.file import _case
    from runrehab.errors import AnswersFileError

    try:
        return "case", _case(1, text)
    except AnswersFileError as exc:
        return "refused", str(exc)


def _decode_only(text):
    """In place of _whole_line: every line goes to JSONDecoder.decode."""
    from runrehab.answers import file as answers_file

    return answers_file._PARTIAL


LINE_PIECES = ['{"days": 3}', '{"a": 1, "a": 2}', "[1]", "null", '"x"', " ", "\t", "\r", "\n", "\xa0", "\u2028", "\x0b",
               "{", "}", '"', ":", ",", "x", "\\", "[" * 3]


@given(st.lists(st.sampled_from(LINE_PIECES), max_size=6).map("".join) | st.text(max_size=40))
@example('{"days": 3}\xa0')
@example('{"days": 3}\u2028\n')
@example(' {"days": 3}')
@example('{"days": 3} x')
@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_batch_line_is_read_as_the_json_decoder_reads_it_errors_and_all(monkeypatch, text):
    from runrehab.answers import file as answers_file

    read = _read_line(text)
    with monkeypatch.context() as patched:
        patched.setattr(answers_file, "_whole_line", _decode_only)
        assert _read_line(text) == read  # called from the same depth: the same nesting limit


def test_a_batch_line_nested_near_the_limit_is_read_as_the_json_decoder_reads_it(monkeypatch):
    import sys

    from runrehab.answers import file as answers_file

    limit = sys.getrecursionlimit()
    lines = [text for depth in range(limit - 80, limit + 5)
             for text in ("[" * depth + "x", " " + "[" * depth + "]" * depth, '{"a": ' + "[" * depth + "]" * depth + "}")]
    read = [_read_line(text) for text in lines]
    with monkeypatch.context() as patched:
        patched.setattr(answers_file, "_whole_line", _decode_only)
        assert [_read_line(text) for text in lines] == read
    assert {outcome for outcome, _ in read} == {"case", "refused"}  # the limit lies among them


CHECKIN_HOSTILE = {k: HOSTILE[k] for k in ("not JSON or YAML", "a JSON list", "null", "NUL byte", "invalid UTF-8",
                                           "float for integer", "unknown id", "a path for an id", "YAML aliases")}
CHECKIN_HOSTILE["progress out of its choices"] = b"progress: fantastic\npain_score: 2\n"
CHECKIN_HOSTILE["JSON Lines"] = b'{"progress": "same"}\n{"progress": "better"}\n'


@pytest.mark.parametrize("content", list(CHECKIN_HOSTILE.values()), ids=list(CHECKIN_HOSTILE))
def test_hostile_check_in_answers_change_nothing(runner, tmp_path, content):
    db = tmp_path / "history.sqlite"
    made = runner.invoke(app, ["triage", "--answers", "-", "--db", str(db), "--date", "2026-03-01"],
                         input=json.dumps(GOOD))
    assert made.exit_code == 0
    before = runner.invoke(app, ["history", "--json", "--db", str(db)]).stdout
    path = tmp_path / "answers"
    path.write_bytes(content)
    result = runner.invoke(app, ["checkin", "--answers", str(path), "--json", "--db", str(db), "--date", "2026-03-05"])
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert runner.invoke(app, ["history", "--json", "--db", str(db)]).stdout == before
