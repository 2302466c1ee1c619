"""The interview in a real pseudo-terminal, typed like a person."""
from __future__ import annotations

import json
import os
import re
import sys

import pexpect
import pytest
from conftest import full_answers, tiered
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.engine.interview import complete, parse_answers
from runrehab.rules.loader import load


def spawn(tmp_path, *args, dimensions=(40, 60)):
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("RUNREHAB_KB", None)
    child = pexpect.spawn(sys.executable, ["-m", "runrehab", *args, "--db", str(tmp_path / "h.db")], env=env,
                          encoding="utf-8", timeout=20, dimensions=dimensions)
    # An interview reads whole lines, and what is typed after its prompt waits for it: no pause
    # before each line is needed (pexpect's 50 ms is for programs that flush input at a prompt)
    child.delaybeforesend = None
    return child


def test_a_full_interview_typed_at_the_terminal(tmp_path):
    child = spawn(tmp_path, "triage", "--date", "2026-03-01")
    child.expect(r"\(1\) Where does it hurt")  # how many questions follow is known with the symptom
    child.sendline("knee")
    child.expect("is not allowed")
    child.sendline("3")  # the hand: pins and needles
    child.expect(r"\(2 of \d+\) ")
    answer_red_flags_no(child, red_flag_count("hand-tingling"))
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


@pytest.mark.slow
def test_ctrl_c_exits_130_and_saves_nothing(tmp_path):
    child = spawn(tmp_path, "triage")
    child.expect(r"number or name\] > ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and not (tmp_path / "h.db").exists()


@pytest.mark.slow
def test_end_of_input_exits_1(tmp_path):
    child = spawn(tmp_path, "triage")
    child.expect(r"number or name\] > ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


@pytest.mark.parametrize("flag", tiered(["y", "yes"], lambda flag: flag == "y"))
def test_a_red_flag_ends_the_interview_with_emergency(tmp_path, flag):
    child = spawn(tmp_path, "triage")
    child.expect("Where does it hurt")
    child.sendline("buttock-back-of-leg")
    child.expect("saddle")
    child.sendline(flag)
    child.expect("EMERGENCY")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_heel_pain_in_the_morning_under_the_heel_reaches_the_heel_plan(tmp_path):
    """A runner whose heel hurts underneath with the first steps of the morning names the place,
    answers the heel's warning signs and gets the heel plan, with its dose by load and tempo."""
    child = spawn(tmp_path, "triage", "--date", "2026-03-01", dimensions=(60, 100))
    child.expect(r"\(1\) Where does it hurt")
    child.expect(r"(\d+)\. under the heel or in the arch")
    child.expect(r"number or name\] > ")
    child.sendline("under-heel")
    answer_red_flags_no(child, red_flag_count("heel-pain"))
    child.expect("How many days")
    child.sendline("21")
    child.expect("Worst pain")
    child.sendline("5")
    child.expect("resting")
    child.sendline("no")
    child.expect("Do you have diabetes")
    child.sendline("")  # the default: no
    child.expect("electric-shock")
    child.sendline("")  # the default: no
    child.expect("Pain under the heel")
    child.expect("High-load heel raise")
    child.expect(r"3 × 12, 12RM, 3 s up, 2")
    child.expect("if it does not improve within 2 weeks")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    plan = json.loads(CliRunner().invoke(app, ["plan", "--json", "--db", str(tmp_path / "h.db"),
                                               "--date", "2026-03-01"]).stdout)
    assert plan["symptom"] == "heel-pain" and plan["answers"]["where_it_hurts"] == "under-heel"


def test_a_sore_achilles_above_the_heel_reaches_the_heel_drops(tmp_path):
    child = spawn(tmp_path, "triage", "--date", "2026-03-01", dimensions=(60, 100))
    child.expect(r"\(1\) Where does it hurt")
    child.sendline("6")  # the back of the heel or the cord above it
    child.expect("Where exactly is the pain at its worst")
    child.sendline("1")  # in the cord, a few finger-widths above the heel bone
    answer_red_flags_no(child, red_flag_count("achilles"))
    child.expect("How many days")
    child.sendline("40")
    child.expect("Worst pain")
    child.sendline("4")
    child.expect("resting")
    child.sendline("no")
    child.expect("affects your sleep")
    child.sendline("")  # the default: no
    child.expect("Achilles tendon pain")
    child.expect("Heel drop off a step, knee")  # knee straight, then knee bent, as the table wraps them
    child.expect("morning and evening, every day,")
    child.expect("Heel drop off a step, knee")
    child.expect("heel-drop-straight-knee")  # the routine's first exercise: how to do it
    child.expect(r"4-5/10 is")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize(("said", "place", "where_answers", "symptom", "after_flags", "shown", "first"), [
    ("the front of my knee hurts on stairs", "front-of-knee", [], "front-knee", [],
     ["Pain at the front of the knee", "Step-down"], ("step-down", "step_height_cm", {"min": 10, "max": 20})),
    ("my shin hurts", "inner-shin", [], "shin", [r"cramping\s+or\s+burning"],
     ["Pain along the shin", "Graded running"], ("graded-running", "run_seconds", {"min": 120, "max": 180})),
    ("the outside of my knee hurts after a few miles", "outside-of-knee", ["y"], "outside-knee", [],
     ["Pain on the outside of the knee", "Side-lying hip abduction"],
     ("side-lying-hip-abduction", "frequency", "3 days a week")),
    ("my outer thigh and the outside of my knee hurt once I am a few miles in", "hips-back-thigh", ["y"], "outside-knee",
     [], ["Pain on the outside of the knee", "Side-lying hip abduction"],
     ("side-lying-hip-abduction", "frequency", "3 days a week")),
])
def test_the_knee_and_the_shin_named_at_the_terminal_reach_their_plans(tmp_path, said, place, where_answers, symptom,
                                                                         after_flags, shown, first):
    """A runner names the place (and, for the outside of the knee, says the pain builds on a run),
    answers that presentation's warning signs and gets its plan with its own dose and threshold."""
    child = spawn(tmp_path, "triage", "--date", "2026-03-01", dimensions=(60, 100))
    child.expect(r"\(1\) Where does it hurt")
    child.expect(r"number or name\] > ")
    child.sendline(place)
    for answer in where_answers:
        child.expect("building until you slow or stop")
        child.sendline(answer)
    answer_red_flags_no(child, red_flag_count(symptom))
    for question in after_flags:
        child.expect(question)
        child.sendline("")  # the default: no
    child.expect("How many days")
    child.sendline("30")
    child.expect("Worst pain")
    child.sendline("4")
    child.expect("resting")
    child.sendline("no")
    while child.expect([r"Enter for [^\]]*\] > ", "Self-care"]) == 0:  # the questions after, at their defaults
        child.sendline("")
    for text in shown:
        child.expect_exact(text)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, said
    plan = json.loads(CliRunner().invoke(app, ["plan", "--json", "--db", str(tmp_path / "h.db"),
                                               "--date", "2026-03-01"]).stdout)
    assert plan["symptom"] == symptom and plan["answers"]["where_it_hurts"] == place and plan["triage_level"] == "self-care"
    exercise, part, value = first  # the first exercise and the part of its dose this presentation adds
    assert plan["routine"][0]["exercise"] == exercise and plan["routine"][0]["dose"][part] == value


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def red_flag_count(symptom: str, stage: str = "triage") -> int:
    return sum(q.red_flag for q in load().questions_for(symptom, stage))


def plan_in(tmp_path, symptom: str = "tight-itb", date: str = "2026-03-01") -> None:
    """A plan in the history at tmp_path/h.db, as a script would make it."""
    kb = load()
    answers = full_answers(kb, symptom)
    result = CliRunner().invoke(app, ["triage", "--answers", "-", "--db", str(tmp_path / "h.db"), "--date", date],
                                input=json.dumps(answers))
    assert result.exit_code == 0, result.stderr


def checkins_in(tmp_path) -> int:
    result = CliRunner().invoke(app, ["history", "--json", "--db", str(tmp_path / "h.db")])
    return sum(len(p["checkins"]) for p in json.loads(result.stdout)["plans"])


def answer_red_flags_no(child, count: int) -> None:
    for _ in range(count):
        child.expect(r"\[y/n\] > ")
        child.sendline("n")


@pytest.mark.slow
def test_nonsense_at_every_kind_of_prompt_is_asked_again(tmp_path):
    child = spawn(tmp_path, "triage", "--date", "2026-03-01")
    child.expect(r"number or name\] > ")
    for nonsense in ("knee", "0", "10", "", "3 4"):  # where it hurts: 9 places
        child.sendline(nonsense)
        child.expect(r"number or name\] > ")
    child.sendline("hand")
    child.expect(r"\[y/n\] > ")
    for nonsense in ("maybe", "yess", "2", ""):
        child.sendline(nonsense)
        child.expect(r"\[y/n\] > ")  # the same question again
    child.sendline("no")
    answer_red_flags_no(child, red_flag_count("hand-tingling") - 1)
    child.expect("How many days")
    for nonsense in ("ten", "-1", "1e3", "99999999", "4.0", ""):
        child.sendline(nonsense)
        child.expect(r"\] > ")
    child.sendline("12")
    child.expect("Worst pain")
    child.sendline("11")
    child.expect("out of range")
    child.sendline("3")
    child.expect("resting")
    child.sendline("n")
    child.expect("First rib mobilization")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
def test_a_check_in_typed_at_the_terminal_is_saved(tmp_path):
    plan_in(tmp_path)
    child = spawn(tmp_path, "checkin", "--date", "2026-03-09")
    while child.expect([r"\[y/n\] > ", r"\[0–10\] > "]) == 0:  # every red flag again, then pain
        child.sendline("n")
    child.sendline("2")
    child.expect("resting")
    child.sendline("n")
    child.expect(r"number or name\] > ")
    child.sendline("fantastic")
    child.expect(r"number or name\] > ")
    child.sendline("3")  # better
    child.expect(r"Enter for 0\] > ")
    child.sendline("12")
    child.expect(r"Enter for 0\] > ")
    child.sendline("")
    child.expect(r"Enter for settled\] > ")
    child.sendline("")
    child.expect("Which exercises did you do")
    child.expect(r"Enter for none\] > ")
    child.sendline("99")
    child.expect("not in the routine")
    child.sendline("1")
    child.expect("How did they feel")
    child.sendline("easy, a bit stiff after")
    child.expect("physical therapist")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and checkins_in(tmp_path) == 1
    shown = json.loads(CliRunner().invoke(app, ["history", "--json", "--db", str(tmp_path / "h.db")]).stdout)
    [checkin] = shown["plans"][0]["checkins"]
    assert len(checkin["done"]) == 1 and checkin["note"] == "easy, a bit stiff after"


@pytest.mark.slow
def test_ctrl_c_in_a_check_in_exits_130_and_saves_nothing(tmp_path):
    plan_in(tmp_path)
    child = spawn(tmp_path, "checkin", "--date", "2026-03-05")
    answer_red_flags_no(child, 3)
    child.expect(r"\[y/n\] > ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and checkins_in(tmp_path) == 0


@pytest.mark.slow
def test_end_of_input_in_a_check_in_exits_1_cleanly_and_saves_nothing(tmp_path):
    plan_in(tmp_path)
    child = spawn(tmp_path, "checkin", "--date", "2026-03-05")
    answer_red_flags_no(child, 2)
    child.expect(r"\[y/n\] > ")
    child.sendeof()
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 1 and "Traceback" not in output and checkins_in(tmp_path) == 0


@pytest.mark.slow
@pytest.mark.parametrize("symptom", ["tight-itb", "posterior-leg-pain", "hand-tingling"])
def test_a_40_column_terminal_shows_the_whole_plan_within_its_width(tmp_path, symptom):
    answers = tmp_path / "answers.json"
    kb = load()
    answers.write_text(json.dumps(complete(kb, parse_answers(kb, full_answers(kb, symptom)))), encoding="utf-8")
    child = spawn(tmp_path, "triage", "--answers", str(answers), "--no-save", "--date", "2026-03-01",
                  dimensions=(200, 40))
    child.expect(pexpect.EOF)
    child.close()
    text = ANSI.sub("", child.before).replace("\r", "")
    lines = text.splitlines()
    assert child.exitstatus == 0
    assert all(len(line) <= 40 for line in lines), [line for line in lines if len(line) > 40]
    assert "2026-03-08" in text and "not a diagnosis" in " ".join(text.split())
    plan = json.loads(CliRunner().invoke(app, ["triage", "--answers", str(answers), "--json", "--no-save",
                                              "--date", "2026-03-01"]).stdout)
    flat = " ".join(text.split())
    for entry in plan["routine"]:
        assert " ".join(entry["name"].split()) in flat or entry["name"].split()[0] in flat


@pytest.mark.slow
def test_a_red_flag_at_the_first_check_in_question_gives_the_emergency_and_is_saved(tmp_path):
    plan_in(tmp_path, "posterior-leg-pain")
    child = spawn(tmp_path, "checkin", "--date", "2026-03-05")
    child.expect("saddle")
    child.expect(r"\[y/n\] > ")
    child.sendline("y")
    child.expect("EMERGENCY")
    child.expect("Call your local emergency number")
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before)
    child.close()
    assert child.exitstatus == 0 and "Traceback" not in output
    assert "Compared with when you started" not in output and "Worst pain" not in output  # nothing more was asked
    assert checkins_in(tmp_path) == 1
    saved = json.loads(CliRunner().invoke(app, ["history", "--json", "--db", str(tmp_path / "h.db")]).stdout)
    checkin = saved["plans"][0]["checkins"][0]
    assert checkin["red_flags"] == ["red_flag_saddle_numbness"] and checkin["triage_level"] == "emergency"
    assert (checkin["progress"], checkin["pain_score"]) == (None, None)
