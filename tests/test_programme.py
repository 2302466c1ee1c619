"""Doses by load and tempo, and programmes that change by the week (the heel raise of plantar heel
pain: 3 x 12RM, then 4 x 10RM with a backpack of books after two weeks, 5 x 8RM after four), in
the engine, in every view and in the guided session."""
from __future__ import annotations

import datetime as dt
import json

import pexpect
from conftest import full_answers
from test_session import spawn
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.engine.evaluate import triage
from runrehab.engine.interview import complete, parse_answers
from runrehab.engine.programme import dose_on, on_day, week_of
from runrehab.engine.sessions import steps_of, tempo_count
from runrehab.render.words import dose_text
from runrehab.rules.loader import load

KB = load()
DAY = dt.date(2026, 3, 1)


def heel_plan():
    return triage(KB, complete(KB, parse_answers(KB, full_answers(KB, "heel-pain"))), DAY)


def raise_of(routine):
    return next(i for i in routine if i.exercise == "heel-raise-towel")


def plain(dose):
    return (dose.sets.min, dose.reps.min, dose.load.rm, dose.load.added)


def test_the_dose_on_each_day_follows_the_trials_weeks():
    item = raise_of(heel_plan().routine)
    assert [s.from_day for s in item.programme] == [0, 14, 28]
    assert plain(dose_on(item, 0)) == plain(dose_on(item, 13)) == (3, 12, 12, None)
    assert plain(dose_on(item, 14)) == plain(dose_on(item, 27)) == (4, 10, 10, "a backpack with books")
    assert plain(dose_on(item, 28)) == plain(dose_on(item, 400)) == (5, 8, 8, "a backpack with books")
    assert [week_of(d) for d in (0, 6, 7, 14, 28)] == [1, 1, 2, 3, 5]
    stretch = next(i for i in heel_plan().routine if i.exercise == "plantar-fascia-stretch")
    assert stretch.programme == [] and on_day([stretch], 30) == [stretch]


def test_one_wording_for_every_part_of_a_dose():
    """Step height, load and tempo side by side, in that order, and a run/walk set on its own."""
    from runrehab.documents.kinds import Dose, Load, Range, Tempo

    dose = Dose(sets=Range(min=3, max=3), reps=Range(min=10, max=10), step_height_cm=Range(min=10, max=20),
                load=Load(rm=10, added="a backpack"), tempo_seconds=Tempo(up=3, down=3), frequency="daily")
    assert dose_text(dose) == "3 × 10, from a 10 cm step (later 20 cm), 10RM with a backpack, 3 s up, 3 s down, daily"
    run = Dose(sets=Range(min=4, max=4), run_seconds=Range(min=120, max=180), walk_seconds=Range(min=120, max=120))
    assert dose_text(run) == "4 × (run 2–3 min, walk 2 min)"


def test_a_dose_by_load_and_tempo_in_words_and_in_the_session():
    item = raise_of(heel_plan().routine)
    assert dose_text(item.dose) == "3 × 12, 12RM, 3 s up, 2 s hold, 3 s down, every second day"
    assert dose_text(dose_on(item, 14), frequency=False) == "4 × 10, 10RM with a backpack with books, 3 s up, 2 s hold, 3 s down"
    assert tempo_count(item.dose.tempo_seconds) == "up 1-2-3, hold 1-2, down 1-2-3"
    steps = [s for s in steps_of(on_day([item], 28)[0]) if s.kind == "reps"]
    assert [(s.set, s.target, s.seconds) for s in steps] == [(n, 8, 8 * 8) for n in range(1, 6)]
    assert all((s.tempo.up, s.tempo.hold, s.tempo.down) == (3, 2, 3) for s in steps)


def cli(db, *args, **kw):
    result = CliRunner().invoke(app, [*args, "--db", str(db)], **kw)
    assert result.exit_code == 0, result.stderr
    return result


def test_plan_today_session_and_handout_give_the_week_the_plan_is_in(tmp_path):
    db = tmp_path / "h.db"
    cli(db, "triage", "--answers", "-", "--date", "2026-03-01", input=json.dumps(full_answers(KB, "heel-pain")))
    status = json.loads(cli(db, "plan", "--json", "--date", "2026-03-16").stdout)  # day 15, week 3
    assert status["day"] == 15 and plain_json(raise_json(status["current_routine"])) == (4, 10, 10)
    assert "4 × 10, 10RM with a" in " ".join(cli(db, "plan", "--date", "2026-03-16").stdout.split())
    handout = cli(db, "plan", "--format", "markdown", "--date", "2026-03-16").stdout
    assert "4 × 10, 10RM with a backpack with books" in handout and "from day 28 (week 5): 5 × 8" in handout
    today = json.loads(cli(db, "today", "--json", "--date", "2026-03-30").stdout)  # day 29, week 5
    assert plain_json(raise_json(today["plans"][0]["exercises"])) == (5, 8, 8)
    session = json.loads(cli(db, "session", "--json", "--date", "2026-03-02").stdout)  # day 1, week 1
    reps = [s for s in session["steps"] if s["exercise"] == "heel-raise-towel" and s["kind"] == "reps"]
    assert [(s["target"], s["tempo"]) for s in reps] == [(12, {"up": 3, "hold": 2, "down": 3})] * 3


def raise_json(items):
    return next(i for i in items if i["exercise"] == "heel-raise-towel")


def plain_json(item):
    dose = item["dose"]
    return dose["sets"]["min"], dose["reps"]["min"], dose["load"]["rm"]


def test_the_coach_counts_each_repetition_at_its_tempo(tmp_path):
    db = tmp_path / "h.db"
    cli(db, "triage", "--answers", "-", "--date", "2026-03-01", input=json.dumps(full_answers(KB, "heel-pain")))
    child = spawn(tmp_path, columns=100)  # the session of 2026-03-02, at a fast time scale
    child.expect("counted; Enter to start")
    child.send("\r")
    child.expect(r"Rep 1/12: up 1-2-3, hold 1-2, down 1-2-3")
    child.expect(r"Rep 12/12: up 1-2-3, hold 1-2, down 1-2-3")
    child.send("q")
    child.expect(r"\(0-10\)")
    child.sendline("1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_check_in_shows_the_dose_of_the_week_it_falls_in(tmp_path):
    db = tmp_path / "h.db"
    cli(db, "triage", "--answers", "-", "--date", "2026-03-01", input=json.dumps(full_answers(KB, "heel-pain")))
    flags = {q.id: False for q in KB.questions_for("heel-pain", "checkin") if q.red_flag}
    said = cli(db, "checkin", "--answers", "-", "--date", "2026-03-20",  # day 19, week 3
               input=json.dumps({**flags, "progress": "better", "pain_score": 3})).stdout
    table = " ".join(said.split()).split("Programme by the week")[0]  # the routine's rows, before the programme
    assert "4 × 10, 10RM with a" in table and "3 × 12" not in table
