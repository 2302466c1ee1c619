"""`--output FILE` writes a document whole or not at all, `--quiet` drops the hints on stderr,
and `--json` with another `--format` is a usage error."""
from __future__ import annotations

import json
import os
import stat

import icalendar
import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()
DAY = ["--date", "2026-03-02"]


@pytest.fixture
def db(planned):
    return planned


@pytest.mark.parametrize("args", [["--format", "markdown"], ["--format", "ics"], ["--format", "text"], ["--json"]])
def test_output_writes_what_stdout_would_get(runner, db, tmp_path, args):
    printed = runner.invoke(app, ["plan", "--db", db, *DAY, *args])
    target = tmp_path / "out"
    written = runner.invoke(app, ["plan", "--db", db, *DAY, *args, "--output", str(target)])
    assert written.exit_code == 0 and written.stdout == "" and written.stderr == "", written.stderr
    def same(text: bytes) -> bytes:  # a calendar's DTSTAMP is the moment of the export
        return b"".join(line for line in text.splitlines(keepends=True) if not line.startswith(b"DTSTAMP:"))

    assert same(target.read_bytes()) == same(printed.stdout_bytes)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~current_umask()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    if "ics" in args:
        assert icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    if "--json" in args:
        assert json.loads(target.read_text())["symptom"] == "tight-itb"


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_output_replaces_a_file_whole_keeping_its_mode_and_through_a_link(runner, db, tmp_path):
    target = tmp_path / "plan.md"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(target)
    result = runner.invoke(app, ["plan", "--db", db, *DAY, "--format", "markdown", "-o", str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and target.read_text().startswith("# Exercise plan")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("where, says", [
    ("missing/plan.md", "its folder does not exist"),
    (".", "is a folder"),
])
def test_output_that_cannot_be_written_is_one_line_exit_2_and_leaves_nothing(runner, db, tmp_path, where, says):
    target = tmp_path / where
    result = runner.invoke(app, ["plan", "--db", db, *DAY, "--format", "markdown", "--output", str(target)])
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.db"]


def test_a_write_that_fails_midway_leaves_the_old_file(runner, db, tmp_path, monkeypatch):
    import runrehab.files as files

    target = tmp_path / "plan.ics"
    target.write_text("the old calendar")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    result = runner.invoke(app, ["plan", "--db", db, *DAY, "--format", "ics", "--output", str(target)])
    assert result.exit_code == 2 and "No space left on device; nothing was written" in result.stderr
    assert target.read_text() == "the old calendar"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.db", "plan.ics"]


@pytest.mark.parametrize("fmt", ["markdown", "ics"])
def test_json_with_another_format_is_a_usage_error(runner, db, fmt):
    result = runner.invoke(app, ["plan", "--db", db, *DAY, "--json", "--format", fmt])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"runrehab: error: --json and --format {fmt} ask for two formats: give one of them\n"
    assert runner.invoke(app, ["plan", "--db", db, *DAY, "--json", "--format", "text"]).exit_code == 0


def test_quiet_drops_the_hints_and_keeps_the_warnings(runner, tmp_path):
    db = str(tmp_path / "h.db")
    for answers, hint in ((full_answers(KB, "tight-itb"), "plan saved to"),
                          (full_answers(KB, "posterior-leg-pain", red_flag_fever="yes"), "saved to")):
        # each into a history of its own: a triage that replaces a running plan warns, --quiet or not
        loud = runner.invoke(app, ["triage", "--answers", "-", "--db", db + "-loud", "--date", "2026-03-01"],
                             input=json.dumps(answers))
        quiet = runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01", "--quiet"],
                              input=json.dumps(answers))
        assert hint in loud.stderr and quiet.stderr == "" and quiet.stdout == loud.stdout
    entry = {"exercise": "glute-bridge", "date": "2026-03-02", "sets": 1, "reps": 5, "pain_during": 0}
    for quiet in ([], ["-q"]):
        result = runner.invoke(app, ["session", "--log", "-", "--symptom", "tight-itb", "--db", db, *DAY, *quiet],
                               input=json.dumps([entry]))
        assert result.exit_code == 0 and ("logged to" in result.stderr) == (not quiet)
    bad = runner.invoke(app, ["session", "--log", "-", "--symptom", "tight-itb", "--db", db, *DAY, "-q"], input="[]")
    assert bad.exit_code == 2 and "no exercises" in bad.stderr  # errors stay
