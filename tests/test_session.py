"""A guided session: the steps of today's routine, the coach in a real pseudo-terminal (time
scaled by RUNREHAB_TIME_SCALE, never slept), what it logs, and `session --json` / `--log`."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import sys
import time

import pexpect
import pytest
from conftest import conforms, full_answers, tiered
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.engine.sessions import REST_SECONDS, pain_limit
from runrehab.rules.loader import load

KB = load()
SYMPTOMS = ["tight-itb", "posterior-leg-pain", "hand-tingling", "front-knee", "outside-knee", "shin"]
FAST = "0.002"  # a 60-second hold lasts 0.12 s


@pytest.fixture
def runner():
    return CliRunner()


def plan(runner, db, symptom, date="2026-03-01", **answers):
    result = runner.invoke(app, ["triage", "--answers", "-", "--db", str(db), "--date", date],
                           input=json.dumps(full_answers(KB, symptom, **answers)))
    assert result.exit_code == 0, result.stderr


def session_json(runner, db, *args):
    result = runner.invoke(app, ["session", "--json", "--rest-done", "--db", str(db), "--date", "2026-03-02", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def logged(db):
    with sqlite3.connect(db) as conn:
        return [json.loads(e) for (e,) in conn.execute("SELECT entry FROM exercise_logs ORDER BY id")]


def spawn(tmp_path, *args, scale=FAST, columns=60, env=None):
    environment = {**os.environ, "NO_COLOR": "1", "RUNREHAB_TIME_SCALE": scale, **(env or {})}
    environment.pop("RUNREHAB_KB", None)
    return pexpect.spawn(sys.executable, ["-m", "runrehab", "session", "--db", str(tmp_path / "h.db"),
                                          "--date", "2026-03-02", "--rest-done", *args], env=environment, encoding="utf-8",
                         timeout=30, dimensions=(40, columns))


# ------------------------------------------------------------------ the steps


def test_steps_follow_the_dose_sets_sides_and_rests(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "posterior-leg-pain")
    doc = session_json(runner, tmp_path / "h.db")
    assert doc["symptom"] == "posterior-leg-pain" and doc["date"] == "2026-03-02"
    bridge = [s for s in doc["steps"] if s["exercise"] == "glute-bridge"]
    # 3 sets of 10-15: today the bottom of the range, with a rest between sets and no sides
    assert [(s["set"], s["kind"], s["target"], s["side"]) for s in bridge] == [
        (1, "reps", 10, None), (2, "rest", REST_SECONDS, None), (2, "reps", 10, None),
        (3, "rest", REST_SECONDS, None), (3, "reps", 10, None)]
    rolling = [s for s in doc["steps"] if s["exercise"] == "foam-rolling"]
    # per side: the whole dose on the right side (as the steps describe it), then on the left
    assert [(s["side"], s["kind"], s["seconds"]) for s in rolling] == [("right", "duration", 30), ("left", "duration", 30)]
    stretch = [(s["set"], s["side"], s["kind"]) for s in doc["steps"] if s["exercise"] == "piriformis-stretch"]
    assert stretch[:3] == [(1, "right", "hold"), (2, None, "rest"), (2, "right", "hold")]
    assert [side for _, side, kind in stretch if kind != "rest"] == sorted(
        [side for _, side, kind in stretch if kind != "rest"], key=["right", "left"].index)
    order = list(dict.fromkeys(s["exercise"] for s in doc["steps"]))
    assert order == [e["exercise"] for e in doc["exercises"]]


def test_the_pain_limit_is_the_one_the_check_in_rules_use():
    assert pain_limit(KB, "tight-itb") == 5  # the pain-monitoring model
    assert pain_limit(KB, "posterior-leg-pain") == 0 and pain_limit(KB, "hand-tingling") == 0  # nerve symptoms


def test_the_session_document_validates_against_its_schema(runner, tmp_path):
    schema = json.loads(runner.invoke(app, ["schema", "session"]).stdout)
    for symptom in SYMPTOMS:
        db = tmp_path / f"{symptom}.db"
        plan(runner, db, symptom)
        conforms(session_json(runner, db), schema)


def test_a_plan_with_a_warning_sign_has_no_session(runner, tmp_path):
    flag = next(q.id for q in KB.questions_for("hand-tingling", "triage") if q.red_flag)
    runner.invoke(app, ["triage", "--db", str(tmp_path / "h.db"), "--date", "2026-03-01",
                        "-a", "symptom=hand-tingling", "-a", f"{flag}=yes"])
    result = runner.invoke(app, ["session", "--json", "--db", str(tmp_path / "h.db"), "--date", "2026-03-02"])
    assert result.exit_code == 1 and result.stdout == "" and "no exercises" in result.stderr


def test_no_plan_and_no_terminal(runner, tmp_path):
    result = runner.invoke(app, ["session", "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 1 and "no plan yet" in result.stderr
    plan(runner, tmp_path / "h.db", "tight-itb")
    result = runner.invoke(app, ["session", "--db", str(tmp_path / "h.db"), "--date", "2026-03-02"])
    assert result.exit_code == 2 and "needs a terminal" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------ --log


def test_json_and_log_round_trip(runner, tmp_path):
    db = tmp_path / "h.db"
    plan(runner, db, "tight-itb")
    doc = session_json(runner, db)
    done = []
    for item in doc["exercises"]:
        steps = [s for s in doc["steps"] if s["exercise"] == item["exercise"] and s["kind"] != "rest"]
        key = "reps" if steps[0]["kind"] == "reps" else "seconds"
        done.append({"exercise": item["exercise"], "date": doc["date"], "sets": max(s["set"] for s in steps),
                     key: steps[0]["target"], "pain_during": 2})
    result = runner.invoke(app, ["session", "--log", "-", "--db", str(db), "--date", "2026-03-02"], input=json.dumps(done))
    assert result.exit_code == 0, result.stderr
    assert [(e["exercise"], e["sets"], e.get("reps") or e.get("seconds"), e["pain_during"]) for e in logged(db)] == \
        [(d["exercise"], d["sets"], d.get("reps") or d.get("seconds"), 2) for d in done]
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


@pytest.mark.parametrize("bad, says", [
    ("[{\"exercise\": \"glute-bridge\", \"date\": \"2026-03-02\", \"sets\": 3, \"reps\": 10}]", "pain_during"),
    ("[{\"exercise\": \"clamshell\", \"date\": \"2026-03-02\", \"sets\": 3, \"reps\": 10, \"pain_during\": 11}]", "0-10"),
    ("[{\"exercise\": \"first-rib-mobilization\", \"date\": \"2026-03-02\", \"sets\": 1, \"seconds\": 300, \"pain_during\": 0}]",
     "not in today's routine"),
    ("[{\"exercise\": \"clamshell\", \"date\": \"2026-02-01\", \"sets\": 1, \"reps\": 5, \"pain_during\": 0}]", "outside the plan"),
    ("[{\"exercise\": \"clamshell\", \"date\": \"2026-03-02\", \"sets\": 1.5, \"reps\": 5, \"pain_during\": 0}]", "sets"),
    ("[{\"exercise\": \"clamshell\", \"date\": \"2026-03-02\", \"sets\": 1, \"reps\": 5, \"pain_during\": 0, \"x\": 1}]",
     "not a field"),
    ("{not json", "not JSON"),
    ("[]", "no exercises"),
])
def test_a_bad_log_exits_2_in_one_line_and_records_nothing(runner, tmp_path, bad, says):
    db = tmp_path / "h.db"
    plan(runner, db, "tight-itb")
    good = {"exercise": "glute-bridge", "date": "2026-03-02", "sets": 1, "reps": 10, "pain_during": 1}
    text = bad if not bad.startswith("[{") else json.dumps([good, *json.loads(bad)])
    result = runner.invoke(app, ["session", "--log", "-", "--db", str(db), "--date", "2026-03-02"], input=text)
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert logged(db) == []


# ------------------------------------------------------------------ the coach at a terminal


def press_through(child, pain="1"):
    """Start every set with Enter until the pain questions, then answer them."""
    while True:
        index = child.expect([r"then Enter", r"Enter to start", r"\(0-10\)", pexpect.EOF])
        if index in (0, 1):
            child.send("\r")
        elif index == 2:
            child.sendline(pain)
        else:
            return


@pytest.mark.parametrize("symptom", tiered(SYMPTOMS, lambda s: s == "hand-tingling"))
def test_a_full_session_for_each_symptoms_plan(runner, tmp_path, symptom):
    plan(runner, tmp_path / "h.db", symptom)
    doc = session_json(runner, tmp_path / "h.db")
    child = spawn(tmp_path)
    press_through(child, pain="0")
    child.close()
    assert child.exitstatus == 0, child.before
    if "Go for your run now" in child.before:  # the part after the run is a session of its own
        child = spawn(tmp_path, "--after-run")
        press_through(child, pain="0")
        child.close()
        assert child.exitstatus == 0, child.before
    entries = logged(tmp_path / "h.db")
    assert [e["exercise"] for e in entries] == [e["exercise"] for e in doc["exercises"]]
    for entry in entries:
        steps = [s for s in doc["steps"] if s["exercise"] == entry["exercise"] and s["kind"] != "rest"]
        assert entry["sets"] == max(s["set"] for s in steps) and entry["pain_during"] == 0 and not entry["stopped"]
        assert entry["sides"] == sorted({s["side"] for s in steps if s["side"]})
        assert (entry["seconds"] or entry["reps"]) == steps[0]["target"]


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_keys_skip_and_end(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "posterior-leg-pain")
    child = spawn(tmp_path)
    child.expect("Enter to start")  # foam rolling, right side
    child.send("s")
    child.expect("Skipped")
    child.expect("then Enter")  # glute bridge set 1
    child.send("\r")
    child.expect("Set 2 of 3")
    child.send("q")
    child.expect("Session ended")
    child.expect(r"\(0-10\)")
    child.sendline("2")
    child.expect("Done on 2026-03-02: 1 of")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    [entry] = logged(tmp_path / "h.db")
    assert entry["exercise"] == "glute-bridge" and entry["sets"] == 1 and entry["pain_during"] == 2


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_symptoms_during_an_exercise_stop_it_with_the_plans_advice(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "hand-tingling")
    child = spawn(tmp_path, scale="1")
    child.expect("Enter to start")
    child.send("\r")
    child.expect("Set 1 of 1")
    child.send("x")
    child.expect(r"\(0-10\)")
    child.sendline("3")
    child.expect("Stop this exercise")
    child.expect("brings on your symptoms")
    child.expect("runrehab checkin")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    [entry] = logged(tmp_path / "h.db")
    assert entry["stopped"] and entry["pain_during"] == 3 and entry["sets"] == 0


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_pain_within_the_limit_carries_on(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "tight-itb")
    child = spawn(tmp_path)
    child.expect("then Enter")
    child.send("x")
    child.expect(r"\(0-10\)")
    child.sendline("4")
    child.expect("Within the plan's limit")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_ctrl_c_ends_with_130_keeping_what_was_done(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "posterior-leg-pain")
    child = spawn(tmp_path)
    for _ in range(2):  # foam rolling, both sides
        child.expect("Enter to start")
        child.send("\r")
    child.expect("then Enter")
    child.sendintr()
    child.expect("session stopped: 1 of 5 exercise")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Traceback" not in child.before
    [entry] = logged(tmp_path / "h.db")
    assert entry["exercise"] == "foam-rolling" and entry["sides"] == ["left", "right"] and entry["pain_during"] is None


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_end_of_input_ends_with_1_keeping_what_was_done(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "tight-itb")
    child = spawn(tmp_path)
    child.expect("then Enter")
    child.sendeof()
    child.expect("end of input; 0 exercise")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert logged(tmp_path / "h.db") == []


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_pause_holds_the_countdown_until_enter(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "hand-tingling")
    child = spawn(tmp_path, scale="0.05")  # five minutes in 15 s; the pause comes first
    child.expect("Enter to start")
    child.send("\r")
    child.expect("Set 1 of 1")
    child.send("p")
    child.expect("paused")
    time.sleep(3)  # 60 session seconds paused: not counted
    entry = resumed_and_ended_early(child, tmp_path / "h.db")
    assert entry["sets"] == 1 and entry["seconds"] < 40, entry


def resumed_and_ended_early(child, db):
    """After a pause: p resumes, Enter ends the hold early, no pain; the one exercise logged."""
    child.send("p")
    child.send("\r")  # ends the countdown early
    child.expect(r"\(0-10\)")
    child.sendline("0")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    [entry] = logged(db)
    return entry


def _stopped(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "T"


# As a shell with job control runs a command: in a process group of its own, in the foreground of
# the terminal (a process group whose parent is outside it can be stopped by Ctrl-Z).
_JOB = """
import os, signal, sys
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(0, os.getpgrp())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
while True:
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status):
        sys.exit(os.WEXITSTATUS(status))
"""


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_ctrl_z_gives_the_terminal_back_and_fg_takes_it_again_the_time_stopped_not_counted(runner, tmp_path):
    import signal
    import termios
    import time

    plan(runner, tmp_path / "h.db", "hand-tingling")
    environment = {**os.environ, "NO_COLOR": "1", "RUNREHAB_TIME_SCALE": "0.05"}  # the five-minute hold lasts 15 s
    environment.pop("RUNREHAB_KB", None)
    child = pexpect.spawn(sys.executable, ["-c", _JOB, "-m", "runrehab", "session", "--db", str(tmp_path / "h.db"),
                                           "--date", "2026-03-02"], env=environment, encoding="utf-8", timeout=30,
                          dimensions=(40, 60))
    child.expect("Enter to start")
    child.send("\r")
    child.expect("Set 1 of 1")
    job = os.tcgetpgrp(child.child_fd)
    child.sendcontrol("z")
    deadline = time.monotonic() + 10
    while not _stopped(job):
        assert time.monotonic() < deadline, "not stopped"
        time.sleep(0.05)
    lflag = termios.tcgetattr(child.child_fd)[3]
    assert lflag & termios.ICANON and lflag & termios.ECHO  # the shell gets the terminal as it was
    time.sleep(8)  # 160 session seconds
    mode = termios.tcgetattr(child.child_fd)
    mode[3] |= termios.ICANON | termios.ECHO  # as a shell leaves the terminal for its own prompt
    termios.tcsetattr(child.child_fd, termios.TCSANOW, mode)
    os.killpg(job, signal.SIGCONT)  # fg
    child.send("p")  # a single key, acted on at once: the session's own mode again
    child.expect("paused", timeout=5)
    entry = resumed_and_ended_early(child, tmp_path / "h.db")
    assert entry["sets"] == 1 and entry["seconds"] < 100, entry  # the 8 s stopped (160 s) not counted


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_forty_columns_and_no_color(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "hand-tingling")
    child = spawn(tmp_path, columns=40)
    press_through(child, pain="0")
    child.close()
    assert child.exitstatus == 0
    screen = child.before or ""
    assert not re.search(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7])[;m]", screen)  # no colours
    lines = [line for line in screen.replace("\r", "\n").split("\n") if line.strip()]
    assert all(len(line) <= 40 for line in lines if "\x1b" not in line), [l for l in lines if len(l) > 40]


@pytest.mark.slow  # a pseudo-terminal session: the slow tier runs one test at a time
def test_a_bad_time_scale_exits_2(runner, tmp_path):
    plan(runner, tmp_path / "h.db", "hand-tingling")
    child = spawn(tmp_path, scale="fast")
    child.expect("RUNREHAB_TIME_SCALE")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


# ------------------------------------------------------------------ what the rest of runrehab sees


def log_day(runner, db, day, pain, exercise="glute-bridge"):
    entry = {"exercise": exercise, "date": day, "sets": 3, "reps": 10, "pain_during": pain}
    result = runner.invoke(app, ["session", "--log", "-", "--db", str(db), "--date", day], input=json.dumps([entry]))
    assert result.exit_code == 0, result.stderr


def test_plan_and_handout_show_this_weeks_sessions(runner, tmp_path):
    db = tmp_path / "h.db"
    plan(runner, db, "tight-itb", date="2026-03-02")  # a Monday
    for day in ("2026-03-02", "2026-03-04"):
        log_day(runner, db, day, 1)
    status = json.loads(runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-05"]).stdout)
    assert status["adherence"] == {"since": "2026-03-02", "planned": 4, "done": 2}
    text = runner.invoke(app, ["plan", "--db", str(db), "--date", "2026-03-05"]).stdout
    assert "This week: 2 of 4 planned session(s) done" in text
    handout = runner.invoke(app, ["plan", "--format", "markdown", "--db", str(db), "--date", "2026-03-09"]).stdout
    assert "**Sessions:** This week: 0 of 1 planned session(s) done" in handout  # a new week


def test_a_check_in_reads_the_logged_pain_and_counts_the_sessions(runner, tmp_path):
    db = tmp_path / "h.db"
    plan(runner, db, "tight-itb")
    log_day(runner, db, "2026-03-02", 2)
    log_day(runner, db, "2026-03-03", 7)  # above 5/10: the pain-monitoring model lowers the load
    flags = [arg for q in KB.questions_for("tight-itb", "checkin") if q.red_flag for arg in ("-a", f"{q.id}=no")]
    result = runner.invoke(app, ["checkin", "--json", "--db", str(db), "--date", "2026-03-04", "-a", "progress=better",
                                 "-a", "pain_score=3", *flags])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["answers"]["exercise_pain"] == 7 and doc["sessions"] == 2 and doc["done"] == ["glute-bridge"]
    assert "checkin-pain-monitoring-less" in [r["id"] for r in doc["rules"]]
    text = runner.invoke(app, ["plan", "--db", str(db), "--date", "2026-03-04"]).stdout
    assert "sessions done since the last check-in: 2" in " ".join(text.split())
    # what the runner says wins over the log
    result = runner.invoke(app, ["checkin", "--json", "--db", str(db), "--date", "2026-03-05", "-a", "progress=better",
                                 "-a", "pain_score=3", "-a", "exercise_pain=1", *flags])
    doc = json.loads(result.stdout)
    assert doc["answers"]["exercise_pain"] == 1 and doc["sessions"] == 0


def test_exercises_logged_on_a_day(runner, tmp_path):
    import datetime as dt

    from runrehab.history.store import History

    db = tmp_path / "h.db"
    plan(runner, db, "tight-itb")
    log_day(runner, db, "2026-03-02", 1)
    log_day(runner, db, "2026-03-03", 1, exercise="clamshell")
    with History.open(db) as history:
        [one] = history.exercises_logged(dt.date(2026, 3, 3))
        assert (one.exercise, one.symptom, one.date) == ("clamshell", "tight-itb", dt.date(2026, 3, 3))
        assert len(history.exercises_logged(dt.date(2026, 3, 1), dt.date(2026, 3, 3))) == 2
    with History.open(tmp_path / "none.db") as empty:
        assert empty.exercises_logged(dt.date(2026, 3, 3)) == []


def test_an_escalated_plan_counts_no_sessions_and_offers_none(runner, tmp_path):
    db = tmp_path / "h.db"
    plan(runner, db, "tight-itb", date="2026-03-02")
    flags = [f"-a{q.id}=no" for q in KB.questions_for("tight-itb", "checkin") if q.red_flag]
    result = runner.invoke(app, ["checkin", "-a", "progress=same", "-a", "pain_score=3", *flags,
                                 "--db", str(db), "--date", "2026-03-09"])
    assert result.exit_code == 0, result.stderr
    status = json.loads(runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-10"]).stdout)
    assert status["status"] == "escalated" and status["current_routine"] == [] and status["adherence"] is None
    result = runner.invoke(app, ["session", "--json", "--db", str(db), "--date", "2026-03-10"])
    assert result.exit_code == 1 and "no exercises to do" in result.stderr
