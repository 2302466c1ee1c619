"""Text from the rule base is shown, never interpreted: rich markup and terminal escape codes in
any YAML string come out as characters in every view."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import full_answers
from test_handout_markdown import rendered
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load
from runrehab.safe_text import visible

# Keys whose values are free text (ids, choices and enums are checked against patterns and lists).
FREE_TEXT = {"name", "description", "title", "quote", "text", "headline", "advice", "stop_if", "instructions",
             "cautions", "targets", "equipment", "aliases", "disclaimer", "timing", "frequency", "if", "action"}
HOSTILE = ("[bold red]marked[/] [link=https://example.org]link[/link] \x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J\r"
           " \u202eevil\u202c \u2028next\u2029 <img src=x onerror=alert(1)> [x](javascript:alert(1))"
           " nul\x00 c1\x85\x9b bare\rEND:VEVENT\rBEGIN:VEVENT \u200fmark")
LAYOUT = ("\u202e", "\u202c", "\u2028", "\u2029", "\u200f")  # bidirectional marks, line and paragraph separators


def poison(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, key) for v in value]
    if isinstance(value, str) and key in FREE_TEXT:
        return f"{value} {HOSTILE}"
    return value


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> Path:
    from runrehab.rules.kb import shipped_dir

    target = tmp_path_factory.mktemp("poisoned")
    for name in ("exercises.yaml", "rules.yaml"):
        data = yaml.load((shipped_dir() / name).read_text(encoding="utf-8"),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for doc in data.get("documents", []):  # no texts to check the poisoned quotes against
            doc.pop("text", None)
        (target / name).write_text(yaml.dump(poison(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
    return target


def views(kb_dir: Path, tmp_path: Path) -> dict[str, list[str]]:
    kb = load()  # the poisoned base asks the same questions: only its free text differs
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(full_answers(kb, "tight-itb")), encoding="utf-8")
    checkin = tmp_path / "checkin.json"
    checkin.write_text(json.dumps({"progress": "same", "pain_score": 3, **{
        q.id: "no" for q in kb.questions_for("tight-itb", "checkin") if q.red_flag}}), encoding="utf-8")
    db = str(tmp_path / "h.db")
    common = ["--kb", str(kb_dir)]
    return {
        "triage": ["triage", "--answers", str(answers), "--explain", "--date", "2026-03-01", "--db", db, *common],
        "checkin": ["checkin", "--answers", str(checkin), "--explain", "--date", "2026-03-09", "--db", db, *common],
        "plan": ["plan", "--date", "2026-03-10", "--db", db, *common],
        "plan markdown": ["plan", "--format", "markdown", "--date", "2026-03-10", "--db", db, *common],
        "history": ["history", "--db", db, *common],
        "exercise": ["exercise", "clamshell", *common],
        "exercises": ["exercises", *common],
        "questions": ["questions", *common],
        "symptoms": ["symptoms", *common],
        "validate": ["validate", *common],
    }


@pytest.mark.slow  # every tier: `validate` is among the views the test below runs, exit code 0
def test_the_poisoned_rule_base_is_still_valid(poisoned):
    result = CliRunner().invoke(app, ["validate", "--kb", str(poisoned)])
    assert result.exit_code == 0, result.stderr


def test_every_view_shows_markup_and_escape_codes_as_text(poisoned, tmp_path):
    runner = CliRunner()
    for name, args in views(poisoned, tmp_path).items():  # in order: the plan is made before it is shown
        result = runner.invoke(app, args, env={"COLUMNS": "1000"})  # wide enough that nothing wraps
        assert result.exit_code == 0, (name, result.stderr)
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x07" not in stream and "\r" not in stream, name
            assert not any(mark in stream for mark in LAYOUT), name
        if name != "validate":
            assert "[bold red]marked[/]" in result.stdout.replace("\\", ""), name
            # the handout escapes Markdown's punctuation too, brackets and backslashes among it
            shown = result.stdout.replace("\\", "") if name == "plan markdown" else result.stdout.replace("\\\\", "\\")
            wanted = ("x1b[31mred", "u202eevil") if name == "plan markdown" else ("\\x1b[31mred", "\\u202eevil")
            assert all(w in shown for w in wanted), name
        if name == "plan markdown":  # shown as text: no HTML, no link, no image
            assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(javascript:", result.stdout)
            assert "&#60;img src=x onerror=alert(1)\\> \\[x\\](javascript:alert(1))" in result.stdout
            for html in rendered(result.stdout):  # as every common renderer makes it HTML
                assert "<img" not in html and "<a " not in html and "&#60;img src=x onerror=alert(1)&gt;" in html.replace("&lt;", "&#60;")


def test_the_calendar_carries_no_control_character_and_no_bidirectional_mark(poisoned, tmp_path):
    """RFC 5545 TEXT holds none: a reader splitting lines on a bare CR would see an event injected."""
    import icalendar

    runner = CliRunner()
    for args in list(views(poisoned, tmp_path).values())[:2]:  # the plan and a check-in
        assert runner.invoke(app, args).exit_code == 0
    db = str(tmp_path / "h.db")
    result = runner.invoke(app, ["plan", "--format", "ics", "--date", "2026-03-10", "--db", db, "--kb", str(poisoned)])
    assert result.exit_code == 0, result.stderr
    ics = result.stdout_bytes.decode("utf-8")
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                         ics.replace("\r\n", "")), "a control character or mark"
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == ics.split("\r\n").count("BEGIN:VEVENT") == re.split(r"[\r\n]", ics).count("BEGIN:VEVENT")
    description = "".join(str(e["DESCRIPTION"]) + str(e["SUMMARY"]) for e in events)
    for written in ("\\x1b[31mred", "\\x00", "\\x85\\x9b", "bare\\x0dEND:VEVENT\\x0dBEGIN:VEVENT", "\\u200fmark"):
        assert written in description, written


def test_json_carries_the_text_exactly_escaped_as_json(poisoned, tmp_path):
    result = CliRunner().invoke(app, ["exercise", "clamshell", "--json", "--kb", str(poisoned)])
    assert result.exit_code == 0 and "\x1b" not in result.stdout
    assert json.loads(result.stdout)["name"].endswith(HOSTILE)


def test_visible_writes_out_control_characters_and_keeps_the_rest():
    assert visible("a\x1b[31mb\x07c\td\ne\x9b") == "a\\x1b[31mb\\x07c\td\ne\\x9b"
    assert visible(visible("\x1b")) == visible("\x1b")


def test_visible_writes_out_bidirectional_and_separator_marks():
    assert visible("a\u202eb\u2066c\u2028d\u200fe – é") == "a\\u202eb\\u2066c\\u2028d\\u200fe – é"


def test_messages_quoting_a_path_or_a_problem_show_it_as_text(runner, tmp_path):
    result = runner.invoke(app, ["history", "--db", str(tmp_path / "\u202ex\x1b[31m" / "h.db")])
    assert result.exit_code in (0, 2) and "\u202e" not in result.stderr and "\x1b" not in result.stderr
