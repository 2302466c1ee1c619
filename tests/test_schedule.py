"""A dose's frequency as data (`schedule`) beside its words: in the rule base, checked when it is
read, and in every JSON document that prints a dose."""
from __future__ import annotations

import json

import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()


def shipped_doses():
    for exercise in KB.exercises.values():
        yield exercise.id, exercise.dose
    for rule in KB.rules:
        for item in getattr(rule.then, "routine", None) or []:
            if item.dose is not None:
                yield f"{rule.id}/{item.exercise}", item.dose


@pytest.mark.parametrize("where, dose", list(shipped_doses()), ids=[w for w, _ in shipped_doses()])
def test_the_schedule_says_what_the_words_say(where, dose):
    words, schedule = dose.frequency or "", dose.schedule
    if not words:
        assert schedule is None, "a dose with no frequency words has no schedule either"
        return
    assert schedule is not None, f"{where}: '{words}' has no schedule"
    daily = schedule.days_per_week is not None and schedule.days_per_week.min == schedule.days_per_week.max == 7
    if "a day" in words or "daily" in words or "for a week" in words:
        assert daily, f"{where}: '{words}' is every day"
    if "several" in words:  # the source gives no count: none is invented
        assert schedule.days_per_week is None and schedule.times_per_day is None
        assert not daily
    if "2–3 times a day" in words:
        assert (schedule.times_per_day.min, schedule.times_per_day.max) == (2, 3)
    if "twice a day" in words:
        assert (schedule.times_per_day.min, schedule.times_per_day.max) == (2, 2)
    if "for a week" in words:
        assert schedule.weeks == 1


def test_a_dose_without_a_schedule_is_valid_and_prints_null(runner, kb_copy):
    path = kb_copy / "exercises.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      schedule: {relative_to_run: before}  # \"several times per week, especially before runs\": no count\n",
                                 "", 1), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    result = runner.invoke(app, ["exercise", "glute-bridge", "--json", "--kb", str(kb_copy)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["dose"]["schedule"] is None


@pytest.mark.parametrize("bad, said", [("{days_per_week: {min: 3, max: 8}}", "days_per_week goes up to 7"),
                                       ("{relative_to_run: during}", "relative_to_run"),
                                       ("{weeks: 0}", "weeks"),
                                       ("{times_a_day: 2}", "times_a_day")])
def test_a_wrong_schedule_is_refused_with_its_line(runner, kb_copy, bad, said):
    path = kb_copy / "exercises.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      schedule: {days_per_week: {min: 7, max: 7}}\n", f"      schedule: {bad}\n", 1),
                    encoding="utf-8")
    result = runner.invoke(app, ["validate", "--kb", str(kb_copy)])
    assert result.exit_code == 2 and said in result.output and "exercises.yaml:" in result.output
    assert "Traceback" not in result.output


def test_plans_and_checkins_print_the_schedule_of_every_dose(runner, tmp_path):
    db = str(tmp_path / "h.db")
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01", "--db", db],
                           input=json.dumps(full_answers(KB, "tight-itb")))
    plan = json.loads(result.stdout)
    schedules = {i["exercise"]: i["dose"]["schedule"] for i in plan["routine"]}
    assert schedules["clamshell"] == {"times_per_day": None, "days_per_week": {"min": 7, "max": 7},
                                      "relative_to_run": None, "weeks": 1}
    assert schedules["figure-four-stretch"]["times_per_day"] == {"min": 2, "max": 3}
    flags = {q.id: "no" for q in KB.questions_for("tight-itb", "checkin") if q.red_flag}
    checkin = json.loads(runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", "2026-03-03", "--db", db],
                                       input=json.dumps({**flags, "progress": "better", "pain_score": 2})).stdout)
    assert all("schedule" in i["dose"] for i in checkin["routine"])
    shown = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-03"]).stdout)
    assert [i["dose"]["schedule"] for i in shown["current_routine"]] == [i["dose"]["schedule"] for i in checkin["routine"]]
