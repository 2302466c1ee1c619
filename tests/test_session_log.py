"""`session --log`: the published `log` schema is what `session --log` takes (the LogEntry
document checks both), a log entry's identity is its exercise, date and time (logging the same
file twice keeps it once, and says so), and `--json` prints what was logged."""
from __future__ import annotations

import json
import sqlite3

import jsonschema
import pytest
from conftest import conforms, full_answers

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()
GOOD = {"exercise": "glute-bridge", "date": "2026-03-02", "sets": 3, "reps": 10, "pain_during": 1}
REFUSED = {  # each of them alone makes the entry one that session --log refuses
    "seconds and reps": {"seconds": 30},
    "a side twice": {"sides": ["left", "left"]},
    "no pain during": {"pain_during": None},
    "pain during left out": {"pain_during": ...},
    "pain above 10": {"pain_during": 11},
    "a fraction of a set": {"sets": 1.5},
    "sets as text": {"sets": "3"},
    "too many sets": {"sets": 100},
    "a field it has not": {"weight": 20},
    "no exercise": {"exercise": ""},
    "exercise left out": {"exercise": ...},
    "not a date": {"date": "2 March"},
    "a day that is not": {"date": "2026-02-30"},
    "not a time": {"time": "25:00"},
    "a time with seconds": {"time": "07:30:00"},
    "stopped as text": {"stopped": "no"},
    "a side that is not": {"sides": ["up"]},
    "negative reps": {"reps": -1},
}


def entry(**changes):
    made = {**GOOD, **changes}
    return {key: value for key, value in made.items() if value is not ...}


@pytest.fixture
def db(planned):
    return planned


def log(runner, db, entries, *args):
    return runner.invoke(app, ["session", "--log", "-", "--db", db, "--date", "2026-03-02", *args],
                         input=json.dumps(entries))


def rows(db):
    with sqlite3.connect(db) as conn:
        return [json.loads(r[0]) for r in conn.execute("SELECT entry FROM exercise_logs ORDER BY id")]


def schema(runner, name):
    return json.loads(runner.invoke(app, ["schema", name]).stdout)


def validator(runner):
    """The `log` schema as check-jsonschema applies it: formats (a date) checked too."""
    return jsonschema.Draft202012Validator(schema(runner, "log"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("why", REFUSED)
def test_every_entry_session_log_refuses_fails_the_published_schema(runner, db, why):
    bad = entry(**REFUSED[why])
    result = log(runner, db, [GOOD, bad])
    assert result.exit_code == 2 and result.stdout == "" and rows(db) == [], (why, result.stderr)
    assert result.stderr.startswith("runrehab: error: --log entry 2: ") and result.stderr.count("\n") == 1
    assert not validator(runner).is_valid(bad), why


def test_the_entries_session_log_takes_pass_the_published_schema(runner, db):
    taken = [GOOD, entry(reps=None, seconds=40, time="07:05"), entry(sides=["left", "right"], stopped=True, time="18:30"),
             entry(reps=None, time="09:00"), entry(exercise="clamshell", pain_during=0, time=None)]
    for one in taken:
        assert validator(runner).is_valid(one), one
    result = log(runner, db, taken)
    assert result.exit_code == 0, result.stderr
    assert [(r["exercise"], r["time"]) for r in rows(db)] == [(e["exercise"], e.get("time")) for e in taken]


def test_the_same_file_logged_twice_is_kept_once_and_the_second_time_says_so(runner, db):
    entries = [GOOD, entry(time="07:30"), entry(time="18:00"), entry(exercise="clamshell")]
    first = log(runner, db, entries, "--json")
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)
    conforms(summary, schema(runner, "session-log"))
    assert summary["schema_version"] == 1 and summary["symptom"] == "tight-itb" and summary["date"] == "2026-03-02"
    assert [(e["exercise"], e["time"]) for e in summary["logged"]] == [(e["exercise"], e.get("time")) for e in entries]
    assert summary["already"] == [] and len(rows(db)) == 4
    assert first.stderr.startswith("runrehab: 4 exercise(s) logged to ")

    again = log(runner, db, entries, "--json")
    assert again.exit_code == 0, again.stderr
    summary = json.loads(again.stdout)
    conforms(summary, schema(runner, "session-log"))
    assert summary["logged"] == [] and len(summary["already"]) == 4 and len(rows(db)) == 4
    assert "0 exercise(s) logged" in again.stderr
    assert "already logged, so not kept again: glute-bridge on 2026-03-02, glute-bridge on 2026-03-02 at 07:30" \
        in again.stderr

    # a new time is a new entry; one given twice in a file is kept once
    third = log(runner, db, [entry(time="12:00"), entry(time="12:00"), GOOD])
    assert third.exit_code == 0 and len(rows(db)) == 5
    assert third.stderr.count("\n") == 1 and "1 exercise(s) logged" in third.stderr and "at 12:00" in third.stderr


def test_without_json_the_log_prints_nothing_on_stdout(runner, db):
    result = log(runner, db, [GOOD])
    assert result.exit_code == 0 and result.stdout == "" and "1 exercise(s) logged" in result.stderr


def test_an_exercise_done_with_the_coach_keeps_its_time_so_a_later_log_of_the_day_is_not_taken_for_it(runner, db):
    from runrehab.history.sessions import SessionLog
    from runrehab.history.tracking import current

    now = current(db, None, KB)
    with now.history:
        SessionLog(now).done({**GOOD, "pain_during": None})  # as the coach keeps it, its pain asked later
    [kept] = rows(db)
    assert kept["time"] is not None and len(kept["time"]) == 5 and kept["time"][2] == ":"
    result = log(runner, db, [GOOD])  # the same exercise that day, done again elsewhere, without a time
    assert result.exit_code == 0 and len(rows(db)) == 2 and "1 exercise(s) logged" in result.stderr
