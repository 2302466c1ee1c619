"""The runner's week at a real pseudo-terminal: which plan, when several run; labels typed as they
are shown; a plan that rests first asking whether the rest is done."""
from __future__ import annotations

import json
import os
import sys

import pexpect
import pytest
from conftest import full_answers
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()


def spawn(tmp_path, *args, env=None):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", **(env or {})}
    env.pop("RUNREHAB_KB", None)
    child = pexpect.spawn(sys.executable, ["-m", "runrehab", *args, "--db", str(tmp_path / "h.db")], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 100))
    if args[0] != "session":  # whole lines, read as typed: no pause before each (see test_terminal.spawn)
        child.delaybeforesend = None
    return child


def triage(tmp_path, symptom, date="2026-03-01"):
    result = CliRunner().invoke(app, ["triage", "--answers", "-", "--db", str(tmp_path / "h.db"), "--date", date],
                                input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.stderr


def test_with_several_plans_the_terminal_asks_which_by_number_or_name(tmp_path):
    triage(tmp_path, "tight-itb")
    triage(tmp_path, "hand-tingling", "2026-03-02")
    child = spawn(tmp_path, "plan", "--date", "2026-03-03")
    child.expect("Several plans are running. Which one?")
    child.expect(r"1\. Pins and needles in the hand \(hand-tingling\)")
    child.expect(r"number or name\] > ")
    child.sendline("knee")
    child.expect(r"not a running plan: knee \(allowed: 1–2 or hand-tingling, tight-itb\)")
    child.sendline("tight hips")
    child.expect("Showing the tight-itb plan")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_check_in_accepts_the_label_it_shows(tmp_path):
    triage(tmp_path, "tight-itb")
    flags = [arg for q in KB.questions_for("tight-itb", "checkin") if q.red_flag for arg in ("-a", f"{q.id}=no")]
    child = spawn(tmp_path, "checkin", "--date", "2026-03-04", "-a", "pain_score=2", "-a", "pain_at_rest=no",
                  "-a", "exercise_pain=1", "-a", "morning_after=settled", *flags)
    child.expect(r"much better: significantly better")
    child.expect(r"number or name\] > ")
    child.sendline("Much better")
    child.expect("Which exercises did you do")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = CliRunner().invoke(app, ["history", "--json", "--db", str(tmp_path / "h.db")]).stdout
    assert json.loads(history)["plans"][0]["checkins"][0]["progress"] == "much-better"


def test_a_session_of_a_plan_that_rests_first_asks_whether_the_rest_is_done(tmp_path):
    triage(tmp_path, "posterior-leg-pain")
    child = spawn(tmp_path, "session", "--date", "2026-03-02", env={"RUNREHAB_TIME_SCALE": "0.002"})
    child.expect(r"give it a rest first\. Is the rest done, so that the routine starts today\? \[y/N\] > ")
    child.sendline("n")
    child.expect("no exercises until the rest is done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    child = spawn(tmp_path, "session", "--date", "2026-03-02", env={"RUNREHAB_TIME_SCALE": "0.002"})
    child.expect(r"\[y/N\] > ")
    child.sendline("y")
    child.expect("Foam rolling")
    child.expect("Enter to start")  # waiting for a key: Ctrl-C stops the session there
    child.sendintr()
    child.expect("session stopped")
    child.expect(pexpect.EOF)
    child.close()


def test_triage_again_offers_a_check_in_instead(tmp_path):
    triage(tmp_path, "tight-itb")
    child = spawn(tmp_path, "triage", "--symptom", "tight-itb", "--date", "2026-03-04")
    child.expect(r"Saving this triage: the tight-itb plan running since 2026-03-01 \(day 3\) is replaced by a new")
    child.expect(r"Check in on the running plan instead \(nothing new is saved\)\? .*\[y/N\] > ")
    child.sendline("y")
    child.expect("checking in on the tight-itb plan of 2026-03-01")
    child.expect("how it is going")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    plans = json.loads(CliRunner().invoke(app, ["history", "--json", "--db", str(tmp_path / "h.db")]).stdout)["plans"]
    assert len(plans) == 1 and plans[0]["current"]


# ------------------------------------------------------------------ the session coaches


def session(tmp_path, *args, scale="0.002", env=None):
    return spawn(tmp_path, "session", "--date", "2026-03-02", "--rest-done", *args,
                 env={"RUNREHAB_TIME_SCALE": scale, **(env or {})})


def logged(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "h.db") as conn:
        return [json.loads(e) for (e,) in conn.execute("SELECT entry FROM exercise_logs ORDER BY id")]


def test_sides_in_words_the_whole_dose_on_one_side_then_the_other(tmp_path):
    triage(tmp_path, "tight-itb")
    child = session(tmp_path)
    child.expect("Stop the session and get help if a warning sign comes on:")  # the plan's own list, first
    child.expect("both legs weak or getting weaker")
    child.expect(r"Today: 4 sets of 5 repetitions \(plan: 4–7 × 5–12\)")
    for _ in range(4):  # the glute bridge: 4 sets, no sides
        child.expect(r"Set \d of 4: 5 repetitions, then Enter")
        child.send("\r")
    child.expect(r"2 of 5  Clamshell")
    child.expect(r"Today: 4 sets of 5 repetitions on each side, the right side first \(plan: 4–7 × 5–12 each side\)")
    for n in range(1, 5):
        child.expect(f"Set {n} of 4 · right side: 5 repetitions, then Enter")
        child.send("\r")
    child.expect("Switch sides: now the left side.")
    for n in range(1, 5):
        child.expect(f"Set {n} of 4 · left side: 5 repetitions, then Enter")
        child.send("\r")
    child.expect("3 of 5  Snow angel")
    child.expect("Today: as comfortable \\(plan: as comfortable\\)")  # one wording: no count in the source
    child.expect("Set 1 of 1: as comfortable, then Enter")
    child.send("w")  # the warning signs again, on a key
    child.expect("Stop the session and get help if a warning sign comes on:")
    child.send("q")
    for name in ("Glute bridge", "Clamshell"):
        child.expect(name + r" \(0-10\): ")
        child.sendline("0")
    child.expect(pexpect.EOF)
    child.close()
    clamshell = logged(tmp_path)[1]
    assert (clamshell["exercise"], clamshell["sets"], clamshell["sides"]) == ("clamshell", 4, ["left", "right"])


@pytest.mark.slow
def test_the_session_stops_before_the_run_and_after_run_does_the_rest(tmp_path):
    triage(tmp_path, "posterior-leg-pain")
    child = session(tmp_path, "--json")
    child.expect(pexpect.EOF)
    child = session(tmp_path)
    child.expect("5 exercise")
    for _ in range(5):
        child.expect(r"\d of 5  ")
        child.send("s")
    child.expect("Go for your run now. After it, `runrehab session --after-run` does the other 4 exercise")
    child.expect(pexpect.EOF)
    child = session(tmp_path, "--after-run")
    child.expect(r"Session for posterior-leg-pain, 2026-03-02: 4 exercise")
    child.expect(r"1 of 4  Piriformis stretch")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert "Go for your run" not in child.before


@pytest.mark.slow
def test_ctrl_c_is_reported_as_stopped_and_the_next_session_offers_to_go_on(tmp_path):
    triage(tmp_path, "tight-itb")
    child = session(tmp_path)
    for _ in range(4):  # the glute bridge: 4 sets
        child.expect("then Enter")
        child.send("\r")
    child.expect(r"2 of 5  Clamshell")
    child.sendintr()
    child.expect("runrehab: session stopped: 1 of 5 exercise\\(s\\) done today were kept; `runrehab session` "
                 "continues from the clamshell")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "error" not in child.before
    child = session(tmp_path)
    child.expect(r"1 of 5 done today: continue from the clamshell\? \[Y/n\] ")
    child.sendline("")
    child.expect(r"2 of 5  Clamshell")
    child.send("q")
    child.expect(r"Done on 2026-03-02: 1 of 5 exercise")
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.slow
def test_two_rounds_a_day_count_as_two_sessions(tmp_path):
    triage(tmp_path, "hand-tingling")
    for _ in range(2):
        child = session(tmp_path)
        child.expect("Enter to start")
        child.send("\r")
        child.expect(r"\(0-10\)")
        child.sendline("0")
        child.expect(pexpect.EOF)
        child.close()
    status = json.loads(CliRunner().invoke(app, ["plan", "--json", "--date", "2026-03-02", "--db",
                                                 str(tmp_path / "h.db")]).stdout)
    assert status["adherence"]["done"] == 2


@pytest.mark.slow
def test_x_during_a_countdown_asks_below_the_bar_and_a_stop_at_0_sets_is_not_done(tmp_path):
    triage(tmp_path, "hand-tingling")
    child = session(tmp_path, scale="1")
    child.expect("Enter to start")
    child.send("\r")
    child.expect("Set 1 of 1")
    child.send("x")
    child.expect(r"Pain or symptoms now \(0-10\): ")
    with pytest.raises(pexpect.TIMEOUT):  # nothing is drawn over the question while it waits
        child.expect(r"\S", timeout=1.5)
    child.sendline("3")
    child.expect("Stop this exercise")
    child.expect(r"Done on 2026-03-02: 0 of 1 exercise")
    child.expect(pexpect.EOF)
    child.close()
    [entry] = logged(tmp_path)
    assert entry["stopped"] and entry["sets"] == 0
    today = json.loads(CliRunner().invoke(app, ["today", "--json", "--date", "2026-03-02", "--db",
                                                str(tmp_path / "h.db")]).stdout)
    assert today["plans"][0]["done"] == [] and not today["plans"][0]["exercises"][0]["done"]


@pytest.mark.slow
def test_a_dumb_terminal_counts_down_in_lines(tmp_path):
    triage(tmp_path, "hand-tingling")
    child = session(tmp_path, scale="0.05", env={"TERM": "dumb"})
    child.expect("Enter to start the 5 min")
    child.send("\r")
    child.expect(r"Set 1 of 1: 5:00 left")
    child.expect(r"Set 1 of 1: 4:55 left")
    child.expect(r"Set 1 of 1: 4:50 left")
    child.send("\r")
    child.expect(r"\(0-10\)")
    child.sendline("0")
    child.expect(pexpect.EOF)
    child.close()


def test_done_at_a_terminal_asks_the_pain_after_checking_the_id(tmp_path):
    triage(tmp_path, "tight-itb")
    child = spawn(tmp_path, "done", "clamshel", "--date", "2026-03-02")
    child.expect("done: no exercise called 'clamshel'; did you mean clamshell")  # before anything is asked
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    child = spawn(tmp_path, "done", "clamshell", "--date", "2026-03-02")
    child.expect(r"Pain or symptoms during clamshell, 0 \(none\) to 10 \[Enter to skip\] > ")
    child.sendline("12")
    child.expect("not a pain score")
    child.sendline("2")
    child.expect("logged clamshell \\(4 set\\(s\\)\\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert logged(tmp_path)[0]["pain_during"] == 2 and logged(tmp_path)[0]["sides"] == ["left", "right"]


@pytest.mark.slow
def test_session_of_all_that_are_due_coaches_each_plan_in_turn_and_ctrl_c_stops_all(tmp_path):
    for symptom in ("tight-itb", "posterior-leg-pain", "hand-tingling"):
        triage(tmp_path, symptom)
    child = spawn(tmp_path, "session", "--date", "2026-03-02", env={"RUNREHAB_TIME_SCALE": "0.002"})
    child.expect(r"4\. All that are due today, one after the other \(all\)")
    child.expect(r"number or name\] > ")
    child.sendline("all")
    child.expect(r"The posterior-leg-pain plan says to give it a rest first\. Is the rest done, .*\[y/N\] > ")
    child.sendline("y")
    child.expect(r"one plan after the other: hand-tingling \(1 exercise\(s\)\), then")
    child.expect(r"== Plan 1 of 3: Pins and needles in the hand \(hand-tingling\) ==")
    child.expect("Enter to start the 5 min")
    child.send("\r")
    child.expect(r"\(0-10\): ")
    child.sendline("0")
    child.expect(r"== Plan 2 of 3: Pain in the back of the leg \(posterior-leg-pain\) ==")
    child.expect("Stop the session and get help if a warning sign comes on:")  # each plan's own signs
    child.expect(r"1 of 5  Foam rolling")
    child.send("s")
    child.expect(r"2 of 5  Glute bridge")
    for _ in range(3):
        child.expect("then Enter")
        child.send("\r")
    for n in (3, 4, 5):
        child.expect(f"{n} of 5  ")
        child.send("s")
    child.expect(r"Glute bridge \(0-10\): ")
    child.sendline("0")
    child.expect(r"== Plan 3 of 3: Tight IT band, hips and lower back \(tight-itb\) ==")
    child.expect(r"1 of 5  Glute bridge")
    child.expect(r"Done already today for the posterior-leg-pain plan; this is the tight-itb plan's dose of it again")
    child.expect("then Enter")
    child.sendintr()
    child.expect(r"runrehab: session stopped during the tight-itb plan: 0 of 5 exercise\(s\) done today were kept; "
                 r"`runrehab session` continues from the glute bridge; before it, done today: hand-tingling 1 of 1, "
                 r"posterior-leg-pain 1 of 5")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Go for your run" not in child.before
    kept = {(e["exercise"], e["sets"]) for e in logged(tmp_path)}
    assert kept == {("first-rib-mobilization", 1), ("glute-bridge", 3)}
    today = json.loads(CliRunner().invoke(app, ["today", "--json", "--date", "2026-03-02", "--db",
                                                str(tmp_path / "h.db")]).stdout)
    done = {p["symptom"]: p["done"] for p in today["plans"]}  # each logged to its own plan
    assert done == {"hand-tingling": ["first-rib-mobilization"], "posterior-leg-pain": ["glute-bridge"], "tight-itb": []}
