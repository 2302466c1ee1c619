"""Dates at the edges: the calendar's end, and plans made in a time zone ahead of this one."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import full_answers
from typer.testing import CliRunner

from runrehab.commands.options import LATEST_DAY
from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()
CHECKIN = json.dumps({"progress": "same", "pain_score": 3,
                      **{q.id: "no" for q in KB.questions_for("posterior-leg-pain", "checkin") if q.red_flag}})


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def triage(db, date: str, *extra: str):
    answers = json.dumps(full_answers(KB, "posterior-leg-pain", days=10))  # a plan with escalations
    return cli("triage", "--answers", "-", "--json", "--db", str(db), "--date", date, *extra, input=answers)


@pytest.mark.parametrize("date", ["9999-12-25", "9999-12-31", (LATEST_DAY + dt.timedelta(days=1)).isoformat()])
def test_a_day_too_late_for_the_plan_s_dates_is_refused_in_one_line(tmp_path, date):
    for result in (triage(tmp_path / "h.db", date),
                   cli("triage", "--answers", "-", "--json", "--date", date, "--no-save",
                       input=json.dumps(full_answers(KB, "tight-itb")))):
        assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.stderr
        assert "--date" in result.stderr and str(LATEST_DAY) in result.stderr
    assert not (tmp_path / "h.db").exists()


def test_a_batch_with_a_day_too_late_prints_nothing():
    lines = "".join(json.dumps(full_answers(KB, s)) + "\n" for s in ("tight-itb", "hand-tingling", "posterior-leg-pain"))
    for extra in ([], ["--json"]):
        result = cli("triage", "--answers", "-", "--date", "9999-12-25", *extra, input=lines)
        assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1


def test_the_latest_day_allowed_makes_a_plan_with_every_date_shown(tmp_path):
    db = tmp_path / "h.db"
    result = triage(db, LATEST_DAY.isoformat())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["review_date"] is not None
    for args in (["plan"], ["plan", "--format", "markdown"], ["plan", "--json"]):
        shown = cli(*args, "--db", str(db), "--date", LATEST_DAY.isoformat())
        assert shown.exit_code == 0, (args, shown.stderr)
    assert cli("history", "--db", str(db)).exit_code == 0
    later = cli("checkin", "--answers", "-", "--db", str(db), "--date", "9999-12-25", input=CHECKIN)
    assert later.exit_code == 2 and "too late" in later.stderr


@pytest.mark.parametrize("ahead", [1, 2])
def test_a_plan_made_in_a_time_zone_ahead_counts_as_day_0_without_date(tmp_path, ahead):
    db = tmp_path / "h.db"
    their_today = (dt.date.today() + dt.timedelta(days=ahead)).isoformat()
    assert triage(db, their_today).exit_code == 0
    status = cli("plan", "--json", "--db", str(db))
    assert status.exit_code == 0, status.stderr
    assert json.loads(status.stdout)["day"] == 0
    result = cli("checkin", "--answers", "-", "--json", "--db", str(db), input=CHECKIN)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["day"] == 0 and doc["date"] == their_today


def test_a_plan_further_ahead_or_an_explicit_earlier_date_is_still_refused(tmp_path):
    db = tmp_path / "h.db"
    today = dt.date.today()
    assert triage(db, (today + dt.timedelta(days=3)).isoformat()).exit_code == 0
    assert cli("checkin", "--answers", "-", "--db", str(db), input=CHECKIN).exit_code == 2
    db2 = tmp_path / "h2.db"
    assert triage(db2, (today + dt.timedelta(days=1)).isoformat()).exit_code == 0
    explicit = cli("checkin", "--answers", "-", "--db", str(db2), "--date", today.isoformat(), input=CHECKIN)
    assert explicit.exit_code == 2 and "before its plan" in explicit.stderr
    assert cli("plan", "--db", str(db2), "--date", today.isoformat()).exit_code == 2
