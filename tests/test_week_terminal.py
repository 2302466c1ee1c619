"""The runner's week at a real pseudo-terminal: which plan, when several run; labels typed as they
are shown; a plan that rests first asking whether the rest is done."""
from __future__ import annotations

import json
import os
import sys

import pexpect
from conftest import full_answers
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()


def spawn(tmp_path, *args, env=None):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", **(env or {})}
    env.pop("RUNREHAB_KB", None)
    return pexpect.spawn(sys.executable, ["-m", "runrehab", *args, "--db", str(tmp_path / "h.db")], env=env,
                         encoding="utf-8", timeout=20, dimensions=(40, 100))


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
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()


def test_triage_again_offers_a_check_in_instead(tmp_path):
    triage(tmp_path, "tight-itb")
    child = spawn(tmp_path, "triage", "--symptom", "tight-itb", "--date", "2026-03-04")
    child.expect(r"A tight-itb plan is running since 2026-03-01 \(day 3\); saving a new triage replaces it: the new")
    child.expect(r"Check in on the running plan instead \(nothing new is saved\)\? .*\[y/N\] > ")
    child.sendline("y")
    child.expect("checking in on the tight-itb plan of 2026-03-01")
    child.expect("how it is going")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    plans = json.loads(CliRunner().invoke(app, ["history", "--json", "--db", str(tmp_path / "h.db")]).stdout)["plans"]
    assert len(plans) == 1 and plans[0]["current"]
