"""The interview in a real pseudo-terminal, typed like a person."""
from __future__ import annotations

import os
import sys

import pexpect
import pytest


def spawn(tmp_path, *args):
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("RUNREHAB_KB", None)
    return pexpect.spawn(sys.executable, ["-m", "runrehab", *args, "--db", str(tmp_path / "h.db")], env=env,
                         encoding="utf-8", timeout=20, dimensions=(40, 60))


def test_a_full_interview_typed_at_the_terminal(tmp_path):
    child = spawn(tmp_path, "triage", "--date", "2026-03-01")
    child.expect("What is bothering you")
    child.sendline("knee")
    child.expect("is not allowed")
    child.sendline("3")  # hand-tingling
    for _ in range(6):
        child.expect(r"\[y/n\] > ")
        child.sendline("n")
    child.expect("How many days")
    child.sendline("1.5")
    child.expect("not a whole number")
    child.sendline("5")
    child.expect("Worst pain")
    child.sendline("2")
    child.expect("resting")
    child.sendline("no")
    child.expect("First rib mobilization")
    child.expect("Review on 2026-03-08")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and (tmp_path / "h.db").exists()


def test_ctrl_c_exits_130_and_saves_nothing(tmp_path):
    child = spawn(tmp_path, "triage")
    child.expect(r"number or id\] > ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and not (tmp_path / "h.db").exists()


def test_end_of_input_exits_1(tmp_path):
    child = spawn(tmp_path, "triage")
    child.expect(r"number or id\] > ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


@pytest.mark.parametrize("flag", ["y", "yes"])
def test_a_red_flag_ends_the_interview_with_emergency(tmp_path, flag):
    child = spawn(tmp_path, "triage")
    child.expect("What is bothering you")
    child.sendline("posterior-leg-pain")
    child.expect("saddle")
    child.sendline(flag)
    child.expect("EMERGENCY")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
