"""Several plans on one day: `today` lists an exercise two plans prescribe once, with each plan's
dose attributed (no source says which wins); the sessions of all that are due, by plain calls."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.history.sessions import all_due, done_elsewhere
from runrehab.history.store import History
from runrehab.rules.loader import load

KB = load()
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "history.db")


def triage(runner, db, symptom, date="2026-03-01"):
    result = runner.invoke(app, ["triage", "--answers", "-", "--date", date, "--db", db],
                           input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.stderr


def done(runner, db, exercise, symptom):
    result = runner.invoke(app, ["done", exercise, "--symptom", symptom, "--db", db, "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def two_bridges(runner, db):
    """tight-itb and posterior-leg-pain (its rest over) both prescribe the glute bridge, at two doses."""
    triage(runner, db, "tight-itb")
    triage(runner, db, "posterior-leg-pain")
    done(runner, db, "foam-rolling", "posterior-leg-pain")
    return db


def today(runner, db, *args):
    result = runner.invoke(app, ["today", "--db", db, "--date", DAY.isoformat(), *args], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_today_json_lists_an_exercise_of_two_plans_once_with_both_doses(runner, two_bridges):
    doc = json.loads(today(runner, two_bridges, "--json"))
    ids = [e["exercise"] for e in doc["exercises"]]
    assert len(ids) == len(set(ids))
    [bridge] = [e for e in doc["exercises"] if e["exercise"] == "glute-bridge"]
    per_plan = {p["symptom"]: next(i for i in p["exercises"] if i["exercise"] == "glute-bridge") for p in doc["plans"]}
    assert [d["symptom"] for d in bridge["doses"]] == [p["symptom"] for p in doc["plans"]]
    for dose in bridge["doses"]:  # each plan's own dose, as that plan prescribes it: none merged, none picked
        own = per_plan[dose["symptom"]]
        assert (dose["dose"], dose["timing"]) == (own["dose"], own["timing"])
    assert bridge["doses"][0]["dose"] != bridge["doses"][1]["dose"]
    # each plan's own list is as it was: a script reading plans[].exercises keeps working
    assert all(any(i["exercise"] == "glute-bridge" for i in p["exercises"]) for p in doc["plans"])
    # every exercise of every plan is in the day's list, with its done mark for that plan
    marks = {(p["symptom"], i["exercise"]): i["done"] for p in doc["plans"] for i in p["exercises"]}
    assert marks == {(d["symptom"], e["exercise"]): d["done"] for e in doc["exercises"] for d in e["doses"]}
    assert marks[("posterior-leg-pain", "foam-rolling")]


def test_today_text_shows_an_exercise_of_two_plans_once_with_each_dose_attributed(runner, two_bridges):
    text = today(runner, two_bridges)
    rows = [line for line in text.splitlines() if line.lstrip().startswith(("[ ]", "[x]"))]
    assert sum("glute-bridge" in row for row in rows) == 1
    assert "posterior-leg-pain plan: 3 × 10–15" in text and "tight-itb plan: 4–7 × 5–12" in text
    assert "listed once above with each plan's dose: glute-bridge (under the" in text
    assert "`runrehab session` at a terminal, then pick \"all that are due today\"" in text


def test_today_text_of_one_plan_attributes_nothing(runner, db):
    triage(runner, db, "tight-itb")
    text = today(runner, db)
    assert "plan: 4–7" not in text and "glute-bridge" in text and "all that are due" not in text


def test_all_due_gives_each_plan_its_session_or_why_not(runner, db):
    for symptom in ("tight-itb", "posterior-leg-pain", "hand-tingling"):
        triage(runner, db, symptom)
    with History.open(db) as history:
        due = {d.now.plan.symptom: d for d in all_due(history, KB, DAY, True, False)}
        assert due["posterior-leg-pain"].resting and due["posterior-leg-pain"].doc is None
        assert "rest first" in due["posterior-leg-pain"].why
        assert [e.exercise for e in due["hand-tingling"].doc.exercises] == ["first-rib-mobilization"]
        rested = {d.now.plan.symptom: d
                  for d in all_due(history, KB, DAY, True, False, frozenset({"posterior-leg-pain"}))}
        # the part before a run: rolling, then glute and core work
        assert [e.exercise for e in rested["posterior-leg-pain"].doc.exercises][:2] == ["foam-rolling", "glute-bridge"]
        after = {d.now.plan.symptom: d for d in all_due(history, KB, DAY, True, True)}
        assert after["hand-tingling"].doc is None and "after a run" in after["hand-tingling"].why
        assert after["tight-itb"].doc is not None
    done(runner, db, "first-rib-mobilization", "hand-tingling")
    with History.open(db) as history:
        left = {d.now.plan.symptom: d for d in all_due(history, KB, DAY, True, False)}
        assert left["hand-tingling"].doc is None and "all logged as done today" in left["hand-tingling"].why
        assert left["tight-itb"].doc is not None


def test_an_exercise_done_today_for_another_plan_is_named_before_it_is_coached_again(runner, two_bridges):
    with History.open(two_bridges) as history:
        due = {d.now.plan.symptom: d for d in all_due(history, KB, DAY, True, False)}
        tight = due["tight-itb"]
        assert done_elsewhere(tight.now, tight.doc) == {}
    done(runner, two_bridges, "glute-bridge", "posterior-leg-pain")
    with History.open(two_bridges) as history:
        due = {d.now.plan.symptom: d for d in all_due(history, KB, DAY, True, False)}
        tight, back = due["tight-itb"], due["posterior-leg-pain"]
        assert done_elsewhere(tight.now, tight.doc) == {"glute-bridge": ["posterior-leg-pain"]}
        assert done_elsewhere(back.now, back.doc) == {}  # its own log is not another plan's
