"""The weeks after triage: every view tells the latest decision first, today's work, the calendar,
forgetting, and the smaller things a user meets on the way."""
from __future__ import annotations

import json

import icalendar
import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.documents.kinds import PlanStatus, TodayDoc
from runrehab.history.store import History
from runrehab.render.words import now_words
from runrehab.rules.loader import load
from runrehab.schemas import validated

KB = load()
SYMPTOM = "posterior-leg-pain"


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "history.db")


def triage(runner, db, symptom=SYMPTOM, date="2026-03-01"):
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", date, "--db", db],
                           input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.stderr


def checkin(runner, db, date, symptom=SYMPTOM, *extra, **answers):
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", date, "--db", db,
                                 "--symptom", symptom, *extra], input=json.dumps({**flags, **answers}))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# Each kind of decision a check-in makes, with the answers that bring it about.
DECISIONS = {
    "continue": (SYMPTOM, "2026-03-03", {"progress": "better", "pain_score": 2}),
    "progress": (SYMPTOM, "2026-03-09", {"progress": "symptom-free", "pain_score": 0}),
    "escalate": ("tight-itb", "2026-03-09", {"progress": "same", "pain_score": 3}),
    "stop": (SYMPTOM, "2026-03-03", {"progress": "worse", "pain_score": 6}),
    "red flag": (SYMPTOM, "2026-03-03", {"progress": "same", "pain_score": 3, "red_flag_bladder": "yes"}),
}
STATUS = {"continue": "active", "progress": "upkeep", "escalate": "escalated", "stop": "stopped", "red flag": "escalated"}


@pytest.mark.parametrize("kind", DECISIONS)
def test_every_view_opens_with_the_latest_decision(runner, db, kind):
    symptom, date, answers = DECISIONS[kind]
    triage(runner, db, symptom)
    doc = checkin(runner, db, date, symptom, **answers)
    assert doc["decision"] == ("escalate" if kind == "red flag" else kind)
    status = validated(PlanStatus, runner.invoke(app, ["plan", "--json", "--db", db, "--date", date]).stdout)
    assert status.status == STATUS[kind] and status.current_level == doc["triage_level"]
    assert str(status.since) == date and status.why == doc["message"]
    words = now_words(status.status, status.current_level, True)
    stopped = status.status in ("escalated", "stopped")
    assert (status.current_routine == []) == (stopped or not doc["routine"])

    wide = {"COLUMNS": "200"}
    text = runner.invoke(app, ["plan", "--db", db, "--date", date], env=wide).stdout
    assert words in text.splitlines()[0] and text.index(doc["message"][:40]) < text.index("Day ")
    assert ("No routine to follow now" in text) == stopped
    assert ("Review on" not in text) and ("SELF-CARE" not in text or status.current_level == "self-care")

    handout = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", date]).stdout.splitlines()
    assert handout[2].startswith(f"**Now: {words}** since {date}")
    assert ("## Routine" in handout or "## Upkeep routine" in handout) == (not stopped and bool(doc["routine"]))

    history = runner.invoke(app, ["history", "--db", db], env=wide).stdout.splitlines()
    assert words in history[0] and f"since {date}, set by the check-in (" in history[1]
    shown = json.loads(runner.invoke(app, ["history", "--json", "--db", db]).stdout)["plans"][0]
    assert (shown["status"], shown["current_level"], shown["since"]) == (status.status, status.current_level, date)

    today = validated(TodayDoc, runner.invoke(app, ["today", "--json", "--db", db, "--date", date]).stdout)
    [plan] = today.plans
    assert (plan.status, plan.current_level, plan.since) == (status.status, status.current_level, status.since)
    assert [i.exercise for i in plan.exercises] == sorted((i.exercise for i in status.current_routine),
                                                           key=[i.exercise for i in plan.exercises].index)


def test_before_any_check_in_the_plan_is_active_at_its_own_level(runner, db):
    triage(runner, db)
    status = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-02"]).stdout)
    assert status["status"] == "active" and status["current_level"] == status["triage_level"] == "self-care"


def test_today_lists_exercises_before_then_after_a_run_with_what_is_logged(runner, db):
    triage(runner, db)
    checkin(runner, db, "2026-03-03", SYMPTOM, "--done", "glute bridge", progress="better", pain_score=2)
    doc = json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-03"]).stdout)
    [plan] = doc["plans"]
    whens = [i["when"] for i in plan["exercises"]]
    assert whens == sorted(whens, key=["before a run", "during the day", "after a run"].index)
    assert whens[0] == "before a run" and whens[-1] == "after a run"
    assert plan["done"] == ["glute-bridge"] and [i["exercise"] for i in plan["exercises"] if i["done"]] == ["glute-bridge"]
    assert not plan["review_due"] and plan["next_review"] == "2026-03-08"
    later = json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-08"]).stdout)
    assert later["plans"][0]["review_due"] and later["plans"][0]["done"] == []
    text = runner.invoke(app, ["today", "--db", db, "--date", "2026-03-03"], env={"COLUMNS": "100"}).stdout
    assert text.index("Before a run:") < text.index("After a run:") and "[x]" in text and "1 of 9 logged" in text


def test_today_covers_every_running_plan_and_without_one_says_how_to_start(runner, db):
    result = runner.invoke(app, ["today", "--db", db])
    assert result.exit_code == 1 and "runrehab triage" in result.stderr and result.stdout == ""
    triage(runner, db)
    triage(runner, db, "hand-tingling", "2026-03-02")
    doc = json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-04"]).stdout)
    assert [p["symptom"] for p in doc["plans"]] == ["hand-tingling", SYMPTOM]


def test_plan_names_the_other_running_plans_and_checkin_says_which_it_checks(runner, db):
    triage(runner, db)
    triage(runner, db, "hand-tingling", "2026-03-02")
    text = runner.invoke(app, ["plan", "--db", db, "--date", "2026-03-03", "--symptom", "hand-tingling"],
                         env={"COLUMNS": "200"}).stdout
    assert text.splitlines()[0].startswith("Showing the hand-tingling plan; also running: posterior-leg-pain")
    flags = {q.id: "no" for q in KB.questions_for(SYMPTOM, "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", "2026-03-03", "--db", db,
                                 "--symptom", SYMPTOM], input=json.dumps({**flags, "progress": "same", "pain_score": 3}))
    assert "checking in" not in result.stderr and "pick one" not in result.stderr  # --symptom picked it
    hand = {q.id: "no" for q in KB.questions_for("hand-tingling", "checkin") if q.red_flag}
    for quiet in ([], ["--quiet"]):  # without --symptom and no terminal to ask at: the choices, whatever --quiet says
        result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", "2026-03-03", "--db", db, *quiet],
                               input=json.dumps({**hand, "progress": "same", "pain_score": 3}))
        assert result.exit_code == 2 and "pick one with --symptom ID (allowed: hand-tingling, posterior-leg-pain)" \
            in result.stderr and result.stdout == "", result.stderr


def test_the_calendar_holds_reviews_checkpoints_and_recurring_sessions(runner, db):
    triage(runner, db)
    out = runner.invoke(app, ["plan", "--format", "ics", "--db", db, "--date", "2026-03-02"]).stdout_bytes.decode()
    assert out.startswith("BEGIN:VCALENDAR\r\n") and all(len(line.encode()) <= 75 for line in out.split("\r\n"))
    events = icalendar.Calendar.from_ical(out).walk("VEVENT")
    by_summary = {str(e["SUMMARY"]): e for e in events}
    review = by_summary["runrehab: review your plan"]
    assert review.decoded("DTSTART").isoformat() == "2026-03-08"
    assert any(s.startswith("runrehab checkpoint:") for s in by_summary)
    # the plan rests first: no session is scheduled until an exercise logged says the rest is done
    assert not any(s.startswith("runrehab: exercises") for s in by_summary)
    log = [{"exercise": "glute-bridge", "date": "2026-03-02", "sets": 3, "reps": 10, "pain_during": 1}]
    assert runner.invoke(app, ["session", "--log", "-", "--db", db, "--date", "2026-03-02"],
                         input=json.dumps(log)).exit_code == 0
    out = runner.invoke(app, ["plan", "--format", "ics", "--db", db, "--date", "2026-03-02"]).stdout_bytes.decode()
    events = icalendar.Calendar.from_ical(out).walk("VEVENT")
    by_summary = {str(e["SUMMARY"]): e for e in events}
    # "several times a week" has no count: without run days it is one event across the week that
    # says so, never a daily rule (test_calendar.py follows it through run days and check-ins)
    before = by_summary["runrehab: exercises before a run, several times a week"]
    assert "RRULE" not in before and "Glute bridge: 3 × 10–15" in str(before["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_the_calendar_of_an_escalated_plan_has_no_sessions(runner, db):
    triage(runner, db)
    assert runner.invoke(app, ["done", "glute-bridge", "--db", db, "--date", "2026-03-01"]).exit_code == 0  # the rest is over
    checkin(runner, db, "2026-03-03", red_flag_bladder="yes")
    out = runner.invoke(app, ["plan", "--format", "ics", "--db", db, "--date", "2026-03-03"]).stdout_bytes.decode()
    events = icalendar.Calendar.from_ical(out).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events if e["STATUS"] != "CANCELLED"] == ["runrehab: EMERGENCY: get help now"]
    # the sessions imported from the triage's calendar are sent again, cancelled
    assert any(str(e["SUMMARY"]).startswith("runrehab: exercises") for e in events if e["STATUS"] == "CANCELLED")


def test_forget_deletes_one_symptom_and_touches_nothing_else(runner, db):
    triage(runner, db)
    triage(runner, db, "hand-tingling")
    checkin(runner, db, "2026-03-03", progress="better", pain_score=2)
    refused = runner.invoke(app, ["forget", "--symptom", SYMPTOM, "--db", db])
    assert refused.exit_code == 2 and "--yes" in refused.stderr and len(History.open(db).plans()) == 2
    assert runner.invoke(app, ["forget", "--db", db, "--yes"]).exit_code == 2
    result = runner.invoke(app, ["forget", "--symptom", SYMPTOM, "--yes", "--db", db])
    assert result.exit_code == 0 and "deleted 1 plan(s)" in result.stderr
    with History.open(db) as history:
        assert [p.symptom for p in history.plans()] == ["hand-tingling"]
        assert history._rows("SELECT count(*) AS n FROM checkins")[0]["n"] == 0
    assert runner.invoke(app, ["forget", "--all", "--yes", "--db", db]).exit_code == 0
    assert History.open(db).plans() == []


def test_triage_symptom_option_answers_the_symptom_question(runner):
    answers = {k: v for k, v in full_answers(KB, "hand-tingling").items() if k != "symptom"}
    result = runner.invoke(app, ["triage", "--symptom", "hand-tingling", "--answers", "-", "--json", "--no-save"],
                           input=json.dumps(answers))
    assert result.exit_code == 0 and json.loads(result.stdout)["symptom"] == "hand-tingling"
    bad = runner.invoke(app, ["triage", "--symptom", "knee", "--no-save"], input="{}")
    assert bad.exit_code == 2 and "allowed" in bad.stderr


def test_a_check_in_keeps_what_cannot_change_and_asks_what_can(runner, db):
    once = {q.id for q in KB.questions.values() if q.asked_once}
    assert "red_flag_trauma" in once and "red_flag_cancer_or_weight_loss" not in once
    triage(runner, db)
    flags = {q.id: "no" for q in KB.questions_for(SYMPTOM, "checkin") if q.red_flag and not q.asked_once}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", "2026-03-03", "--db", db],
                           input=json.dumps({**flags, "progress": "same", "pain_score": 3}))
    assert result.exit_code == 0 and json.loads(result.stdout)["answers"]["red_flag_trauma"] is False


@pytest.mark.parametrize("width", ["40", "80", "100", "160"])
def test_ids_are_never_broken_across_lines(runner, width):
    exercises = runner.invoke(app, ["exercises"], env={"COLUMNS": width}).stdout.splitlines()
    assert len([line for line in exercises if line.strip()]) == 2 + len(KB.exercises)  # heading, rule, one line each
    questions = runner.invoke(app, ["questions"], env={"COLUMNS": width}).stdout
    words = set(questions.split())
    assert all(q in words for q in KB.questions), "every id whole on a line of its own"
    assert all(e in " ".join(exercises) for e in KB.exercises)


def test_plan_text_explains_its_notation_lists_equipment_and_pastes_as_commands(runner, db):
    triage(runner, db)
    text = runner.invoke(app, ["plan", "--db", db, "--date", "2026-03-02"], env={"COLUMNS": "200"}).stdout
    assert "3 × 10–15: 3 sets of 10 to 15 repetitions" in text
    assert "You need: foam roller, resistance band, cushion" in text
    assert "runrehab exercise foam-rolling" in text and " | " not in text.split("How to do each one")[1].splitlines()[0]
    assert all(line == line.rstrip() for line in text.splitlines()), "no trailing spaces in a file"


def test_help_has_examples_and_no_odd_placeholders(runner):
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # `import` is a keyword: its function is named otherwise
        out = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"}).stdout
        assert "Examples:" in out and f"runrehab {name}" in out, name
        assert "{name}" not in out and "TEXT" not in out, name
        assert not [line for line in out.splitlines() if "--" in line and "<str>" in line], name


def test_today_counts_a_plan_made_a_day_ahead_as_day_0_without_a_date(runner, db):
    import datetime as dt

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()  # made in a time zone ahead of this one
    triage(runner, db, date=tomorrow)
    result = runner.invoke(app, ["today", "--json", "--db", db])
    assert result.exit_code == 0, result.stderr
    assert [p["day"] for p in json.loads(result.stdout)["plans"]] == [0]
    assert runner.invoke(app, ["today", "--json", "--db", db, "--date", dt.date.today().isoformat()]).exit_code == 1


def test_forget_without_a_history_says_so_and_creates_nothing(runner, tmp_path):
    db = tmp_path / "none" / "history.db"
    result = runner.invoke(app, ["forget", "--all", "--yes", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    assert "no history at" in result.stderr and "nothing was deleted" in result.stderr
    assert not db.exists()


@pytest.mark.parametrize("kind", ["escalate", "stop", "red flag"])
def test_a_check_in_that_goes_on_after_an_empty_routine_gives_the_routine_its_words_name(runner, db, kind):
    """After a referral or a stop for how it went, "continue" goes on with the plan's routine;
    after a warning sign the routine stays empty and the warning's decision stands (exercises wait
    for a clinician's clearance)."""
    symptom, date, answers = DECISIONS[kind]
    triage(runner, db, symptom)
    plan = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--symptom", symptom, "--date", date]).stdout)
    assert checkin(runner, db, date, symptom, **answers)["routine"] == []
    later = checkin(runner, db, "2026-03-15", symptom, progress="much-better", pain_score=1)
    assert later["decision"] == ("escalate" if kind == "red flag" else "continue")
    resumed = [item["exercise"] for item in later["routine"]]
    assert resumed == ([] if kind == "red flag" else [item["exercise"] for item in plan["current_routine"]])
    status = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--symptom", symptom,
                                            "--date", "2026-03-15"]).stdout)
    assert [item["exercise"] for item in status["current_routine"]] == resumed


def test_a_clinicians_clearance_after_a_warning_sign_brings_the_routine_back_in_every_view(runner, db):
    triage(runner, db, "tight-itb")
    checkin(runner, db, "2026-03-02", "tight-itb", progress="better", pain_score=2, morning_after="gone")
    safe = checkin(runner, db, "2026-03-03", "tight-itb", progress="better", pain_score=2)["routine"]
    checkin(runner, db, "2026-03-04", "tight-itb", red_flag_bladder="yes")
    waiting = checkin(runner, db, "2026-03-08", "tight-itb", progress="much-better", pain_score=1)
    assert waiting["routine"] == [] and "until a clinician has seen you" in waiting["message"]
    today = json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-08"]).stdout)["plans"][0]
    assert today["exercises"] == [] and today["due"] == [] and today["why"] == waiting["message"]
    refused = runner.invoke(app, ["session", "--json", "--db", db, "--date", "2026-03-08"])
    assert refused.exit_code == 1 and "until a clinician has seen you" in refused.stderr
    early = runner.invoke(app, ["checkin", "-a", "progress=better", "-a", "pain_score=1", "--keep", "glute bridge",
                                "--json", "--db", db, "--date", "2026-03-08", *_no_flags("tight-itb")])
    assert early.exit_code == 2 and "--keep" in early.stderr and "cleared_by_clinician" in early.stderr
    back = checkin(runner, db, "2026-03-09", "tight-itb", "--keep", "glute bridge", "--keep", "clamshell",
                   progress="much-better", pain_score=1, cleared_by_clinician="yes")
    assert back["decision"] == "continue" and back["message"].startswith("A clinician has cleared you")
    assert back["routine"] == [i for i in safe if i["exercise"] in ("glute-bridge", "clamshell")]
    status = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-09"]).stdout)
    assert status["current_routine"] == back["routine"] and status["why"] == back["message"]
    session = json.loads(runner.invoke(app, ["session", "--json", "--db", db, "--date", "2026-03-09"]).stdout)
    assert [e["exercise"] for e in session["exercises"]] == ["glute-bridge", "clamshell"]


def _no_flags(symptom):
    return [arg for q in KB.questions_for(symptom, "checkin") if q.red_flag for arg in ("-a", f"{q.id}=no")]


def test_an_exercise_named_as_bringing_on_symptoms_is_left_out_of_today_and_the_session(runner, db):
    triage(runner, db)
    doc = checkin(runner, db, "2026-03-03", SYMPTOM, "--brought-on", "piriformis stretch", progress="better",
                  pain_score=2, exercise_pain=2)
    assert "piriformis-stretch" not in [i["exercise"] for i in doc["routine"]]
    today = json.loads(runner.invoke(app, ["today", "--json", "--db", db, "--date", "2026-03-04"]).stdout)["plans"][0]
    assert "piriformis-stretch" not in [i["exercise"] for i in today["exercises"]]
    session = json.loads(runner.invoke(app, ["session", "--json", "--db", db, "--date", "2026-03-04"]).stdout)
    assert "piriformis-stretch" not in [e["exercise"] for e in session["exercises"]] and session["exercises"]


def test_an_exercise_the_session_stopped_for_symptoms_is_left_out_at_the_next_check_in(runner, db):
    triage(runner, db)
    log = [{"exercise": "side-plank", "date": "2026-03-02", "sets": 1, "seconds": 20, "pain_during": 3,
            "stopped": True}]
    assert runner.invoke(app, ["session", "--log", "-", "--db", db, "--date", "2026-03-02"],
                         input=json.dumps(log)).exit_code == 0
    doc = checkin(runner, db, "2026-03-03", SYMPTOM, progress="better", pain_score=2)
    assert "side-plank" not in [i["exercise"] for i in doc["routine"]]
