"""Every command through Typer's CliRunner: stdout, stderr and exit codes as CONTRACT.md says."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import full_answers, tiered

from runrehab import __version__
from runrehab.commands.run import app
from runrehab.documents.kinds import ExerciseDoc, Plan
from runrehab.documents.vocabulary import LEVELS
from runrehab.rules.loader import load
from runrehab.rules.models import Question, Symptom
from runrehab.schemas import validated

KB = load()
FIXED_EXERCISES = ["glute-bridge", "clamshell", "lateral-band-walk", "front-plank", "side-plank", "piriformis-stretch",
                   "glute-external-rotator-stretch", "figure-four-stretch", "hip-flexor-stretch",
                   "posterior-chain-stretch", "snow-angel", "first-rib-mobilization", "foam-rolling"]


def run(runner, *args, input=None):
    """A command through the CLI; triages here are not kept (test_history.py covers saving)."""
    if args[:1] == ("triage",) and "--db" not in args:
        args = (*args, "--no-save")
    return runner.invoke(app, list(args), input=input)


def triage_json(runner, answers, *args):
    result = run(runner, "triage", "--answers", "-", "--json", "--no-save", *args, input=json.dumps(answers))
    return result


# ------------------------------------------------------------------ basics


def test_version(runner):
    result = run(runner, "--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"runrehab {__version__}"


def test_python_dash_m_runs_the_same_cli():
    result = subprocess.run([sys.executable, "-m", "runrehab", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and __version__ in result.stdout


def test_every_command_has_help_text_that_opens_with_its_docstring(runner):
    assert app.registered_commands
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        result = run(runner, name, "--help")
        assert result.exit_code == 0, (name, result.stderr)
        summary = command.callback.__doc__.strip().splitlines()[0]
        assert " ".join(summary.split()[:4]) in " ".join(result.stdout.split()), (name, summary)


def test_every_command_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for c in app.registered_commands:  # `import` is a keyword: its function is named otherwise
        assert f"runrehab {c.name or c.callback.__name__}" in readme


# ------------------------------------------------------------------ look-ups


def test_exercises_json_lists_every_fixed_exercise_as_exercise_documents(runner):
    result = run(runner, "exercises", "--json")
    assert result.exit_code == 0
    docs = [validated(ExerciseDoc, e) for e in json.loads(result.stdout)]
    assert set(FIXED_EXERCISES) <= {d.id for d in docs}
    assert all(d.sources and d.sources[0].title for d in docs)


def test_exercises_human_view_has_one_line_each(runner):
    result = run(runner, "exercises")
    assert result.exit_code == 0 and "piriformis-stretch" in result.stdout and "hold 30–60 s" in result.stdout


@pytest.mark.parametrize(("name", "found"), [("piriformis-stretch", "piriformis-stretch"),
                                             ("Piriformis Stretch", "piriformis-stretch"),
                                             ("figure 4", "figure-four-stretch"), ("HIP THRUSTS", "glute-bridge"),
                                             ("first_rib_mobilization", "first-rib-mobilization")])
def test_exercise_found_by_id_name_or_alias_in_any_case(runner, name, found):
    result = run(runner, "exercise", name, "--json")
    assert result.exit_code == 0
    assert validated(ExerciseDoc, result.stdout).id == found


def test_exercise_human_view_has_steps_dose_cautions_and_sources(runner):
    result = run(runner, "exercise", "piriformis-stretch")
    assert result.exit_code == 0
    out = result.stdout
    for text in ("Piriformis stretch", "How to do it", "1.", "hold 30–60 s, 2–4 × each side", "Cautions", "Sources",
                 "Train Daly"):
        assert text in out
    assert not out.lstrip().startswith("{")


def test_unknown_exercise_exits_1_and_suggests_the_closest_ids(runner):
    result = run(runner, "exercise", "piriformis-strech")
    assert result.exit_code == 1
    assert result.stdout == "" and "piriformis-stretch" in result.stderr and "Traceback" not in result.stderr


def test_questions_json_has_the_contract_fields(runner):
    result = run(runner, "questions", "--json")
    questions = json.loads(result.stdout)
    for q in questions:
        assert {"id", "text", "type", "choices", "min", "max", "default", "symptoms", "stages", "red_flag"} <= set(q)
        assert q["red_flag"] == q["id"].startswith("red_flag_")
        assert q["schema_version"] == 1  # each item of the list is versioned, as every document is
        Question.model_validate({k: v for k, v in q.items() if k not in ("red_flag", "schema_version")})
    assert {"symptom", "days", "pain_score", "pain_at_rest"} <= {q["id"] for q in questions}


def test_questions_symptom_narrows_to_that_interview(runner):
    everything = json.loads(run(runner, "questions", "--json").stdout)
    hand = json.loads(run(runner, "questions", "--json", "--symptom", "hand-tingling").stdout)
    assert len(hand) < len(everything)
    assert all(not q["symptoms"] or "hand-tingling" in q["symptoms"] for q in hand)
    assert "red_flag_chest_pain" in {q["id"] for q in hand} and "red_flag_bladder" not in {q["id"] for q in hand}


def test_questions_unknown_symptom_exits_2_naming_the_allowed(runner):
    result = run(runner, "questions", "--symptom", "knee")
    assert result.exit_code == 2 and "'knee'" in result.stderr and "tight-itb" in result.stderr


def test_symptoms(runner):
    listed = json.loads(run(runner, "symptoms", "--json").stdout)
    assert {s.pop("schema_version") for s in listed} == {1}  # each item of the list is versioned
    docs = [Symptom.model_validate({k: v for k, v in s.items() if k not in ("region", "regions")}) for s in listed]
    assert [d.id for d in docs] == ["tight-itb", "posterior-leg-pain", "hand-tingling", "other", "achilles", "heel-pain",
                                   "front-knee", "outside-knee", "shin"]
    assert "Pins and needles" in run(runner, "symptoms").stdout


def test_symptoms_say_where_it_hurts(runner):
    """Each symptom names the place a runner picks to reach it; a place without a plan of its
    own leads to `other`."""
    listed = {s["id"]: s for s in json.loads(run(runner, "symptoms", "--json").stdout)}
    assert listed["heel-pain"]["regions"] == ["under-heel"] and listed["heel-pain"]["region"] == "under the heel or in the arch"
    assert listed["achilles"]["regions"] == ["back-of-heel"] and "Achilles" in listed["achilles"]["region"]
    assert listed["front-knee"]["regions"] == ["front-of-knee"] and listed["shin"]["regions"] == ["inner-shin"]
    assert listed["outside-knee"]["regions"] == ["outside-of-knee"]
    assert listed["tight-itb"]["regions"] == ["hips-back-thigh"]  # unless the pain builds at the knee on a run
    assert listed["other"]["regions"] == ["somewhere-else"] and listed["other"]["region"] == "somewhere else"
    assert all(s["description"] for s in listed.values())


# ------------------------------------------------------------------ triage without a terminal


@pytest.mark.parametrize("symptom", ["tight-itb", "posterior-leg-pain", "hand-tingling"])
def test_triage_json_is_a_plan_document(runner, symptom):
    result = triage_json(runner, full_answers(KB, symptom), "--date", "2026-03-01")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    plan = validated(Plan, data)
    assert plan.symptom == symptom and plan.triage_level in LEVELS and plan.routine
    assert data["review_date"] == "2026-03-08"
    assert all({"after_days", "if", "action", "level"} <= set(e) for e in data["escalation"])
    assert "trace" not in data


def test_triage_answers_in_yaml(runner):
    text = "".join(f"{k}: {v}\n" for k, v in full_answers(KB, "tight-itb").items())
    result = run(runner, "triage", "--answers", "-", "--json", input=text)
    assert result.exit_code == 0 and json.loads(result.stdout)["symptom"] == "tight-itb"


def test_triage_answers_from_a_file_and_dash_a_wins(runner, tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(full_answers(KB, "posterior-leg-pain")))
    result = run(runner, "triage", "--answers", str(path), "--json", "-a", "pain_at_rest=yes", "-a", "days=10")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["triage_level"] == "see-clinician"


def test_triage_red_flag_yes_needs_no_further_answers(runner):
    result = run(runner, "triage", "--json", "-a", "symptom=posterior-leg-pain", "-a", "red_flag_bowel=yes")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["triage_level"] == "emergency" and plan["routine"] == [] and plan["red_flags"] == ["red_flag_bowel"]


def test_an_answer_given_twice_with_dash_a_differently_is_refused_not_one_of_them_dropped(runner, tmp_path):
    db = str(tmp_path / "h.db")
    conflict = ["-a", "red_flag_bladder=yes", "-a", "red_flag_bladder=no"]
    for args in (conflict, ["-a", "symptom=hand-tingling"]):
        result = run(runner, "triage", "--json", "--symptom", "tight-itb", *args, "--db", db)
        assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1
        assert "answered twice" in result.stderr
    assert run(runner, "triage", "--answers", "-", "--db", db, input=json.dumps(full_answers(KB, "tight-itb"))).exit_code == 0
    checkin = run(runner, "checkin", "--json", *conflict, "--db", db)
    assert checkin.exit_code == 2 and "answered twice" in checkin.stderr and checkin.stdout == ""
    again = run(runner, "triage", "--json", "-a", "symptom=posterior-leg-pain", "-a", "red_flag_bowel=yes",
                "-a", "red_flag_bowel=yes", "--symptom", "posterior-leg-pain", "--no-save")
    assert again.exit_code == 0 and json.loads(again.stdout)["red_flags"] == ["red_flag_bowel"]


@pytest.mark.parametrize(("pair", "named"), [("pain_score=12", "pain_score: '12' is out of range"),
                                             ("days=1.5", "days: '1.5' is not a whole number"),
                                             ("pain_at_rest=maybe", "pain_at_rest: 'maybe'"),
                                             ("symptom=knee", "symptom: 'knee'"),
                                             ("no_such_question=1", "no_such_question")])
def test_triage_bad_values_exit_2_naming_id_value_and_allowed(runner, pair, named):
    result = triage_json(runner, full_answers(KB, "tight-itb"), "-a", pair)
    assert result.exit_code == 2
    assert named in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_triage_missing_answers_exit_2_naming_every_missing_id(runner):
    answers = full_answers(KB, "hand-tingling")
    del answers["days"], answers["red_flag_stroke_signs"]
    result = triage_json(runner, answers)
    assert result.exit_code == 2 and result.stdout == ""
    assert "red_flag_stroke_signs, days" in result.stderr


def test_triage_with_nothing_and_no_terminal_exits_2_at_once(runner):
    result = run(runner, "triage", "--json")
    assert result.exit_code == 2 and "symptom" in result.stderr


@pytest.mark.parametrize(("content", "message"), [("[1, 2]", "holds a list"), ("null", "holds nothing"),
                                                  ("{symptom: [", "not valid YAML or JSON"),
                                                  ("a: 1\na: 2\n", "duplicate key"),
                                                  ("42", "holds a number")])
def test_triage_broken_answers_file_exits_2_with_the_reason(runner, content, message):
    result = run(runner, "triage", "--answers", "-", "--json", input=content)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


def test_triage_missing_answers_file(runner, tmp_path):
    result = run(runner, "triage", "--answers", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_triage_bad_date(runner):
    result = triage_json(runner, full_answers(KB, "tight-itb"), "--date", "2026-02-30")
    assert result.exit_code == 2 and "--date" in result.stderr


def test_json_lines_give_one_plan_a_line_in_order(runner):
    lines = "".join(json.dumps(full_answers(KB, s)) + "\n" for s in ["hand-tingling", "tight-itb", "posterior-leg-pain"])
    result = run(runner, "triage", "--answers", "-", "--json", "-a", "pain_score=2", input=lines)
    assert result.exit_code == 0
    plans = [validated(Plan, line) for line in result.stdout.splitlines()]
    assert [p.symptom for p in plans] == ["hand-tingling", "tight-itb", "posterior-leg-pain"]
    assert all(p.answers["pain_score"] == 2 for p in plans)


def test_json_lines_a_bad_line_exits_2_naming_it_with_nothing_printed(runner):
    lines = "".join(json.dumps(full_answers(KB, s)) + "\n" for s in ["hand-tingling", "tight-itb", "tight-itb"])
    result = run(runner, "triage", "--answers", "-", "--json", input=lines + '{"symptom": 5}\n')
    assert result.exit_code == 2 and result.stdout == "" and "line 4" in result.stderr


def test_human_plan_is_plain_text_off_a_terminal(runner):
    result = runner.invoke(app, ["triage", "--answers", "-", "--no-save"],
                           input=json.dumps(full_answers(KB, "posterior-leg-pain")),
                           env={"COLUMNS": "160"})
    out = result.stdout
    assert result.exit_code == 0 and "\x1b[" not in out
    for text in ("SELF-CARE", "Your routine", "Piriformis stretch", "hold 30–60 s, 2–4 × each side", "after runs",
                 "Stop and rethink if", "When to get help", "Review on", "not a diagnosis"):
        assert text in out


def test_explain_shows_the_rules_and_the_json_carries_the_trace(runner):
    answers = full_answers(KB, "posterior-leg-pain", red_flag_trauma="yes")
    human = run(runner, "triage", "--answers", "-", "--explain", input=json.dumps(answers)).stdout
    assert "posterior-leg-routine: fired, overridden by red-flag-serious-spinal" in human
    data = json.loads(triage_json(runner, answers, "--explain").stdout)
    assert {"rule": "red-flag-serious-spinal", "fired": True, "matched": ["red_flag_trauma = yes (answered yes)"],
            "level": "urgent", "overridden_by": None} in data["trace"]


def test_rich_markup_in_the_rule_base_is_printed_as_text(runner, kb_copy):
    path = kb_copy / "exercises.yaml"
    path.write_text(path.read_text().replace("name: Clamshell", "name: \"[bold red]Clamshell[/] \\e[31m\""))
    result = run(runner, "exercise", "clamshell", "--kb", str(kb_copy))
    assert result.exit_code == 0 and "[bold red]Clamshell[/]" in result.stdout


def test_a_broken_rule_base_exits_2_with_file_and_line(runner, kb_copy):
    (kb_copy / "rules.yaml").write_text((kb_copy / "rules.yaml").read_text().replace("schema_version: 1", "schema_version: 1\nschema_version: 2"))
    for args in (["symptoms"], ["validate"], ["exercise", "clamshell"]):
        result = run(runner, *args, "--kb", str(kb_copy))
        assert result.exit_code == 2 and "rules.yaml:12:1: error: duplicate-key" in (result.stderr + result.stdout)
        assert "Traceback" not in result.stderr


UNSAFE = {  # what `validate` refuses for safety, quotes and worked examples, made in the shipped files
    "a self-care plan with no review date": ("      review_after_days: 7\n", ""),
    "a quote the expert never wrote": ('quote: "Do both of these exercises for a week.', 'quote: "Run through the pain.'),
    "a worked example that fails": ("expect: {level: emergency, routine: []}", "expect: {level: self-care, routine: []}"),
}


# the same path for each refusal (each one's report: test_validate); one in every tier
@pytest.mark.parametrize("unsafe", tiered(list(UNSAFE), lambda unsafe: unsafe == "a worked example that fails"))
def test_a_rule_base_validate_refuses_is_refused_by_every_command_with_the_same_lines(runner, kb_copy, tmp_path, unsafe):
    rules = kb_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    old, new = UNSAFE[unsafe]
    assert old in text
    rules.write_text(text.replace(old, new, 1), encoding="utf-8")
    report = run(runner, "validate", "--kb", str(kb_copy))
    refused = [line for line in report.stdout.splitlines() if ": error: " in line]
    assert report.exit_code == 2 and refused
    assert load(kb_copy).rules  # read and cross-checked alone, and cached so: not vetted
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(full_answers(KB, "tight-itb")), encoding="utf-8")
    for args in (["triage", "--answers", str(answers), "--json"], ["symptoms"], ["exercise", "clamshell"],
                 ["triage", "--answers", str(answers), "--json"]):  # again: what was refused is not cached
        result = run(runner, *args, "--kb", str(kb_copy))
        assert (result.exit_code, result.stdout) == (2, ""), (args, result.stdout)
        assert result.stderr.splitlines() == refused, args
    rules.write_text(text, encoding="utf-8")
    assert run(runner, "symptoms", "--kb", str(kb_copy)).exit_code == 0


def test_a_rule_base_is_vetted_once_for_its_content(runner, kb_copy, tmp_path, monkeypatch):
    from runrehab.engine import validation

    vetted = []
    refusals = validation.refusals
    monkeypatch.setattr(validation, "refusals", lambda *args: vetted.append(1) or refusals(*args))
    monkeypatch.setenv("RUNREHAB_CACHE", str(tmp_path / "cache"))
    for _ in range(3):
        assert run(runner, "symptoms", "--kb", str(kb_copy)).exit_code == 0
    assert len(vetted) == 1
    rules = kb_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("disclaimer: ", "disclaimer: Edited. ", 1), encoding="utf-8")
    for _ in range(2):
        assert run(runner, "symptoms", "--kb", str(kb_copy)).exit_code == 0
    assert len(vetted) == 2


def test_the_kb_environment_variable_picks_the_rule_base(runner, tmp_path):
    result = runner.invoke(app, ["symptoms"], env={"RUNREHAB_KB": str(tmp_path)})
    assert result.exit_code == 2 and "exercises.yaml" in result.stderr


# ------------------------------------------------------------------ the interview, typed


def test_interview_transcript_with_a_mistake_at_each_kind_of_prompt(runner):
    transcript = ["10", "2",  # where it hurts: out of range, then the buttock or back of the leg by number
                  "maybe", *["n"] * sum(q.red_flag for q in KB.questions_for("posterior-leg-pain", "triage")),
                  # red flags: one nonsense answer re-asked
                  "1.5", "10",  # days
                  "11", "4",  # pain_score
                  "y",  # pain_at_rest
                  "", "no", ""]  # low_back_pain default, planks_painful, leg_nerve_symptoms default
    result = run(runner, "triage", "--interactive", "--date", "2026-03-01", input="\n".join(transcript) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Where does it hurt" in result.stderr and "Have you had new numbness" in result.stderr
    # said under the question, in its words: no question id
    for complaint in ("  '10' is not allowed", "  'maybe' is not allowed (allowed: yes or no)",
                      "  '1.5' is not a whole number", "  '11' is out of range"):
        assert complaint in result.stderr
    assert "red_flag_saddle_numbness" not in result.stderr and "the question:" not in result.stderr
    assert "SEE A CLINICIAN" in result.stdout  # pain at rest for 10 days
    assert "Where does it hurt" not in result.stdout  # prompts stay on stderr


def test_interview_stops_at_the_first_red_flag(runner):
    result = run(runner, "triage", "--interactive", input="hand\nyes\n")
    assert result.exit_code == 0
    assert "EMERGENCY" in result.stdout and "How many days" not in result.stderr


def test_interview_end_of_input_exits_1(runner):
    result = run(runner, "triage", "--interactive", input="hips-back-thigh\nno\nno\n")
    assert result.exit_code == 1 and "end of input" in result.stderr and result.stdout == ""


def test_shell_completion_offers_exercise_and_symptom_ids():
    from runrehab.commands.completion import exercise_ids, symptom_ids

    assert exercise_ids("piri") == [("piriformis-stretch", "Piriformis stretch")]
    assert symptom_ids("ha") == [("hand-tingling", "Pins and needles in the hand")]
