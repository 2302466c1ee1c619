"""The runner's week: one answer to "exercise now?" in every view (the plan state's `routine_now`),
a plan that rests first, several plans at once, `runrehab done`, and the words a runner reads."""
from __future__ import annotations

import datetime as dt
import json

import icalendar
import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.documents.record import Record
from runrehab.documents.stored import read_plan
from runrehab.documents.vocabulary import RED_FLAG_LEVELS
from runrehab.engine.evaluate import triage as engine_triage
from runrehab.engine.state import state_of, statuses_after
from runrehab.rules.loader import load

KB = load()
RESTS = "posterior-leg-pain"  # "Give it a rest and then try the following ..."


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "history.db")


def triage(runner, db, symptom=RESTS, date="2026-03-01", **answers):
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", date, "--db", db],
                           input=json.dumps(full_answers(KB, symptom, **answers)))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def checkin(runner, db, date, symptom=RESTS, **answers):
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", date, "--db", db,
                                 "--symptom", symptom], input=json.dumps({**flags, **answers}))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def views(runner, db, date, symptom=RESTS):
    """(exercises today, the session's exercises or None, the calendar's session events) on `date`."""
    today = json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", date]).stdout)
    [mine] = [p for p in today["plans"] if p["symptom"] == symptom]
    session = runner.invoke(app, ["session", "--json", "--symptom", symptom, "--db", db, "--date", date])
    ics = runner.invoke(app, ["plan", "--format", "ics", "--symptom", symptom, "--db", db, "--date", date])
    events = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(ics.stdout_bytes).walk("VEVENT")]
    return ([i["exercise"] for i in mine["exercises"]],
            [e["exercise"] for e in json.loads(session.stdout)["exercises"]] if session.exit_code == 0 else None,
            [s for s in events if s.startswith("runrehab: exercises")])


# ------------------------------------------------------------------ routine_now, once


def _record(**fields):
    return Record(**{"decision": "continue", "routine": ["x"], "next_review": None, "message": "m",
                     "date": dt.date(2026, 3, 2), **fields})


@pytest.mark.parametrize("rest_first", [False, True])
@pytest.mark.parametrize("exercised", [False, True])
@pytest.mark.parametrize("decision", [None, "continue", "progress", "escalate", "stop"])
@pytest.mark.parametrize("level", ["self-care", "see-clinician", "urgent", "emergency"])
def test_routine_now_is_running_not_resting_with_a_routine(rest_first, exercised, decision, level):
    plan = Record(triage_level="self-care" if decision else level, date=dt.date(2026, 3, 1), headline="h",
                  routine=["x"], review_date=None, rest_first=rest_first)
    checkins = [_record(decision=decision, triage_level=level)] if decision else []
    state = state_of(plan, statuses_after(checkins)[-1], checkins[-1] if checkins else None, exercised)
    running = decision not in ("escalate", "stop") and level not in RED_FLAG_LEVELS
    assert state.running is running
    assert state.resting is (running and rest_first and not decision and not exercised)
    assert state.routine_now is (running and not state.resting)


def test_only_the_plan_that_says_rest_first_rests_first():
    for symptom in KB.symptoms:
        plan = engine_triage(KB, full_answers(KB, symptom), dt.date(2026, 3, 1))
        quotes = [r.source.quote for r in plan.rules]
        assert plan.rest_first == any(q.startswith("Give it a rest and then") for q in quotes), symptom


# ------------------------------------------------------------------ a plan that rests first


def test_resting_every_view_agrees_until_a_check_in_goes_on(runner, db):
    triage(runner, db)
    assert views(runner, db, "2026-03-02") == ([], None, [])
    text = runner.invoke(app, ["today", "--db", db, "--date", "2026-03-02"]).stdout
    assert "Rest first" in text and "runrehab session" in text
    refused = runner.invoke(app, ["session", "--json", "--db", db, "--date", "2026-03-02"])
    assert refused.exit_code == 1 and "rest first" in refused.stderr
    checkin(runner, db, "2026-03-03", progress="better", pain_score=2)
    exercises, session, calendar = views(runner, db, "2026-03-04")
    assert exercises and sorted(session) == sorted(exercises) and calendar


def test_resting_an_exercise_logged_starts_the_routine_everywhere(runner, db):
    triage(runner, db)
    log = [{"exercise": "glute-bridge", "date": "2026-03-02", "sets": 3, "reps": 10, "pain_during": 1}]
    assert runner.invoke(app, ["session", "--log", "-", "--db", db, "--date", "2026-03-02"],
                         input=json.dumps(log)).exit_code == 0
    exercises, session, calendar = views(runner, db, "2026-03-02")
    assert "glute-bridge" in exercises and sorted(session) == sorted(exercises) and calendar


def test_a_plan_without_rest_first_exercises_from_day_0(runner, db):
    triage(runner, db, "tight-itb")
    exercises, session, calendar = views(runner, db, "2026-03-01", "tight-itb")
    assert exercises and sorted(session) == sorted(exercises) and calendar


def test_a_stored_plan_from_before_rest_first_reads_as_not_resting():
    document = engine_triage(KB, full_answers(KB, RESTS), dt.date(2026, 3, 1))
    from runrehab.documents.as_json import to_data

    data = to_data(document, trace=False)
    del data["rest_first"]
    assert read_plan(data).rest_first is False


# ------------------------------------------------------------------ several plans, one runner


@pytest.mark.parametrize("command", [["checkin", "--answers", "-"], ["plan"], ["session"], ["session", "--json"],
                                     ["session", "--log", "-"], ["done", "glute-bridge"]])
def test_several_plans_without_a_terminal_exit_2_naming_the_choices(runner, db, command):
    triage(runner, db)
    triage(runner, db, "hand-tingling", "2026-03-02")
    before = runner.invoke(app, ["history", "--json", "--db", db]).stdout
    result = runner.invoke(app, [*command, "--db", db, "--date", "2026-03-03"], input="{}")
    assert result.exit_code == 2 and result.stdout == ""
    assert "2 plans are running" in result.stderr and "(allowed: hand-tingling, posterior-leg-pain)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert runner.invoke(app, ["history", "--json", "--db", db]).stdout == before  # nothing written


def test_one_plan_needs_no_symptom(runner, db):
    triage(runner, db, "tight-itb")
    result = runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-03"])
    assert result.exit_code == 0 and json.loads(result.stdout)["symptom"] == "tight-itb"


# ------------------------------------------------------------------ runrehab done


def today_json(runner, db, date="2026-03-02"):
    return json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", date]).stdout)["plans"]


def test_done_logs_one_exercise_as_planned_and_today_ticks_it(runner, db):
    triage(runner, db, "tight-itb")
    result = runner.invoke(app, ["done", "Glute Bridge", "--db", db, "--date", "2026-03-02", "--pain", "1"])
    assert result.exit_code == 0, result.stderr
    assert "logged glute-bridge (4 set(s))" in result.stderr and "1 of 5 of today's exercises done" in result.stderr
    [plan] = today_json(runner, db)
    assert [i["exercise"] for i in plan["exercises"] if i["done"]] == ["glute-bridge"]
    sets = runner.invoke(app, ["done", "clamshell", "--sets", "1", "--db", db, "--date", "2026-03-02"])
    assert sets.exit_code == 0 and "logged clamshell (1 set(s))" in sets.stderr
    text = runner.invoke(app, ["today", "--db", db, "--date", "2026-03-02"], env={"COLUMNS": "200"}).stdout
    assert "runrehab session" in text and "runrehab done ID" in text and "checkin --done" not in text


@pytest.mark.parametrize("args, words", [
    (["glute-bridgee"], "done: no exercise called 'glute-bridgee'; did you mean glute-bridge"),
    (["first-rib-mobilization"], "first-rib-mobilization is not in today's routine (allowed: glute-bridge, clamshell"),
    (["glute-bridge", "--sets", "0"], "--sets: '0' is not allowed (allowed: a whole number 1-99)"),
    (["glute-bridge", "--sets", "abc"], "--sets: 'abc' is not allowed (allowed: a whole number 1-99)"),
    (["glute-bridge", "--pain", "11"], "--pain: '11' is not allowed (allowed: a whole number 0-10)"),
])
def test_done_refuses_with_one_line_and_writes_nothing(runner, db, args, words):
    triage(runner, db, "tight-itb")
    before = runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-02"]).stdout
    result = runner.invoke(app, ["done", *args, "--db", db, "--date", "2026-03-02"])
    assert result.exit_code == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-02"]).stdout == before


def test_done_checks_the_id_before_asking_which_plan(runner, db):
    triage(runner, db)
    triage(runner, db, "hand-tingling")
    result = runner.invoke(app, ["done", "no-such-thing", "--db", db, "--date", "2026-03-02"])
    assert result.exit_code == 2 and "no exercise called" in result.stderr


def test_done_ends_the_rest_of_a_plan_that_rests_first(runner, db):
    triage(runner, db)
    assert today_json(runner, db)[0]["resting"] is True
    assert runner.invoke(app, ["done", "glute-bridge", "--db", db, "--date", "2026-03-02"]).exit_code == 0
    [plan] = today_json(runner, db)
    assert plan["resting"] is False and [i["exercise"] for i in plan["exercises"] if i["done"]] == ["glute-bridge"]


# ------------------------------------------------------------------ triage again


def test_triage_again_without_a_terminal_says_it_restarts_the_plan(runner, db):
    triage(runner, db, "tight-itb")
    first = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-04", "--db", db],
                          input=json.dumps(full_answers(KB, "hand-tingling")))
    assert "note:" not in first.stderr  # another symptom's plan is not replaced
    again = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-04", "--db", db],
                          input=json.dumps(full_answers(KB, "tight-itb")))
    assert again.exit_code == 0
    assert ("note: the tight-itb plan running since 2026-03-01 (day 3) is replaced by a new triage: the new "
            "plan starts again at day 0") in again.stderr
    text = runner.invoke(app, ["history", "--db", db], env={"COLUMNS": "200"}).stdout
    [old] = [line for line in text.splitlines() if "from 2026-03-01" in line]
    assert old.startswith("Tight IT band, hips and lower back · from 2026-03-01 · REPLACED") and "ACTIVE" not in old
    assert "(replaced)" not in text and "(current)" not in text


# ------------------------------------------------------------------ the words a runner reads


def test_the_day_7_checkpoint_reads_the_same_at_a_day_3_check_in_and_in_the_plan(runner, db):
    triage(runner, db, "hand-tingling")
    words = "From 2026-03-08, day 7 of the plan (see a clinician): if the tingling has not improved"
    plan = runner.invoke(app, ["plan", "--db", db, "--date", "2026-03-02"], env={"COLUMNS": "200"}).stdout
    flags = {q.id: "no" for q in KB.questions_for("hand-tingling", "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--date", "2026-03-04", "--db", db],
                           input=json.dumps({**flags, "progress": "better", "pain_score": 2}), env={"COLUMNS": "200"})
    assert words in plan and words in result.stdout, result.stdout
    assert "(day 4)" not in result.stdout and "see-clinician" not in result.stdout + plan


def test_no_level_ids_in_prose(runner, db):
    triage(runner, db, "tight-itb")
    flags = {q.id: "no" for q in KB.questions_for("tight-itb", "checkin") if q.red_flag}
    runner.invoke(app, ["checkin", "--answers", "-", "--date", "2026-03-09", "--db", db],
                  input=json.dumps({**flags, "progress": "same", "pain_score": 3}))  # escalates: see a clinician
    for command in (["plan", "--format", "markdown"], ["plan", "--format", "html"], ["plan", "--format", "ics"],
                    ["plan"], ["today"], ["history"]):
        dated = [] if command == ["history"] else ["--date", "2026-03-10"]
        out = runner.invoke(app, [*command, "--db", db, *dated], env={"COLUMNS": "200"}).stdout
        assert "see-clinician" not in out and "at level" not in out and "level self-care" not in out, command
        assert not any(q.id in out for q in KB.questions.values() if "_" in q.id), command
        if command[-1] in ("markdown", "html"):
            assert "escalated (see a clinician)" in out and "by the triage (self-care)" in out, command
    assert "(see a clinician)" in out


def test_forget_asks_about_the_other_symptom_in_words(runner, db):
    from runrehab.history.tracking import forget_plans

    triage(runner, db, "other")
    asked = []
    assert forget_plans(db, "other", lambda q: asked.append(q) or False) == "nothing was deleted"
    assert asked[0].startswith("Delete every plan for the symptom `other`, with its check-ins")


def test_session_after_run_as_data_is_the_part_after_the_run(runner, db):
    triage(runner, db)
    args = ["session", "--json", "--rest-done", "--db", db, "--date", "2026-03-02"]
    whole = json.loads(runner.invoke(app, args).stdout)
    after = json.loads(runner.invoke(app, [*args, "--after-run"]).stdout)
    assert [e["exercise"] for e in after["exercises"]] == [
        "piriformis-stretch", "glute-external-rotator-stretch", "posterior-chain-stretch", "hip-flexor-stretch"]
    assert len(whole["exercises"]) == 9
    refused = runner.invoke(app, ["session", "--after-run", "--log", "-", "--db", db], input="[]")
    assert refused.exit_code == 2 and "--after-run: not with --log" in refused.stderr
