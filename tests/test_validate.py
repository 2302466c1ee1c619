"""A broken copy of the rule base per kind of fault: `validate` names the file, line and problem."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from runrehab.errors import KbError
from runrehab.loader import load
from runrehab.validation import validate


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in a rule-base file; return the 1-based line where the change starts."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count))
    return line


def line_of(path: Path, text: str, after: str = "") -> int:
    """The 1-based line of the first `text` after the first `after` in a rule-base file."""
    content = path.read_text()
    start = content.index(after) if after else 0
    return content[: content.index(text, start)].count("\n") + 1


def problems_of(kb_dir: Path, severity: str | None = None) -> list[str]:
    _, problems = validate(kb_dir)
    return [str(p) for p in problems if severity in (None, p.severity)]


def only(problems: list[str], code: str) -> str:
    found = [p for p in problems if f": {code}: " in p]
    assert len(found) >= 1, problems
    return found[0]


def test_the_shipped_rule_base_is_valid_even_strictly():
    kb, problems = validate(None)
    assert kb is not None and problems == []


def test_yaml_syntax_error(kb_copy):
    line = edit(kb_copy / "rules.yaml", "  - id: tight-itb\n", "  - id: [tight-itb\n")
    problem = only(problems_of(kb_copy), "yaml")
    assert re.match(rf".*rules\.yaml:{line + 1}:\d+: error: yaml: ", problem)


def test_duplicate_key_is_refused(kb_copy):
    line = edit(kb_copy / "exercises.yaml", "    name: Clamshell\n", "    name: Clamshell\n    name: Clam\n")
    assert f"exercises.yaml:{line + 1}:5: error: duplicate-key: duplicate key 'name'" in only(problems_of(kb_copy), "duplicate-key")


def test_unknown_key_is_refused_at_its_line(kb_copy):
    line = edit(kb_copy / "exercises.yaml", "    name: Clamshell\n", "    name: Clamshell\n    nmae: Clam\n")
    problem = only(problems_of(kb_copy), "schema")
    assert f"exercises.yaml:{line + 1}:" in problem and "unknown key 'nmae'" in problem


def test_wrong_type_is_reported_at_its_line(kb_copy):
    line = edit(kb_copy / "rules.yaml", "    max: 3650\n", "    max: lots\n")
    problem = only(problems_of(kb_copy), "schema")
    assert f"rules.yaml:{line}:" in problem and "questions." in problem


def test_python_tags_build_nothing(kb_copy):
    line = edit(kb_copy / "rules.yaml", 'version: "1.0.0"', "version: !!python/object/apply:os.system ['echo hacked']")
    assert f"rules.yaml:{line}:10: error: yaml: tag" in only(problems_of(kb_copy), "yaml")


def test_duplicate_ids(kb_copy):
    line = edit(kb_copy / "exercises.yaml", "  - id: clamshell\n", "  - id: glute-bridge\n")
    assert f"exercises.yaml:{line}:" in only(problems_of(kb_copy), "duplicate-id")


def test_unknown_exercise_in_a_routine(kb_copy):
    line = edit(kb_copy / "rules.yaml", "        - exercise: first-rib-mobilization\n", "        - exercise: first-rib\n")
    problem = only(problems_of(kb_copy), "unknown-exercise")
    assert f"rules.yaml:{line}:" in problem and "'first-rib'" in problem


def test_unknown_question_in_a_condition(kb_copy):
    line = edit(kb_copy / "rules.yaml", "{question: planks_painful, value: true}", "{question: planks_hurt, value: true}")
    assert f"rules.yaml:{line}:" in only(problems_of(kb_copy), "unknown-question")


def test_unknown_document_in_a_citation(kb_copy):
    line = edit(kb_copy / "exercises.yaml", "{document: expert-qa, voice: runner,", "{document: expert-q, voice: runner,")
    assert f"exercises.yaml:{line}:" in only(problems_of(kb_copy), "unknown-document")


def test_unknown_symptom(kb_copy):
    line = edit(kb_copy / "rules.yaml", "    symptoms: [hand-tingling]\n    then:", "    symptoms: [hand]\n    then:")
    assert f"rules.yaml:{line}:" in only(problems_of(kb_copy), "unknown-symptom")


def test_a_value_the_question_cannot_take(kb_copy):
    line = edit(kb_copy / "rules.yaml", "{question: days, op: gt, value: 7}", "{question: days, op: gt, value: 7000}")
    assert f"rules.yaml:{line}:" in only(problems_of(kb_copy), "bad-value")


def test_an_operator_that_does_not_fit_the_question(kb_copy):
    line = edit(kb_copy / "rules.yaml", "{question: planks_painful, value: true}", "{question: planks_painful, op: gt, value: true}")
    assert f"rules.yaml:{line}:" in only(problems_of(kb_copy), "bad-op")


def test_a_rule_that_can_never_fire(kb_copy):
    edit(kb_copy / "rules.yaml", "{question: days, op: gt, value: 7}", "{question: days, op: gt, value: 3650}")
    line = line_of(kb_copy / "rules.yaml", "    when:", after="- id: posterior-leg-rest-pain") + 1  # the condition's node
    problem = only(problems_of(kb_copy, "error"), "unreachable")
    assert f"rules.yaml:{line}:" in problem and "rule posterior-leg-rest-pain never fires" in problem


def test_a_rule_always_overridden(kb_copy):
    edit(kb_copy / "rules.yaml", "    when: {question: planks_painful, value: true}\n",
         "    when: {all: [{question: planks_painful, value: true}, {question: red_flag_fever, value: true}]}\n")
    line = line_of(kb_copy / "rules.yaml", "- id: posterior-leg-planks-painful")
    problem = only(problems_of(kb_copy, "warning"), "overridden")
    assert f"rules.yaml:{line}:" in problem and "posterior-leg-planks-painful is always overridden" in problem


def test_equal_priority_rules_that_disagree(kb_copy):
    edit(kb_copy / "rules.yaml", "    priority: 10\n    when: {question: low_back_pain", "    when: {question: low_back_pain")
    line = line_of(kb_copy / "rules.yaml", "      routine:", after="- id: posterior-leg-lumbar") + 1
    problem = only(problems_of(kb_copy, "warning"), "conflict")
    assert f"rules.yaml:{line}:" in problem and "prescribe glute-bridge differently" in problem


def test_a_red_flag_no_rule_catches(kb_copy):
    edit(kb_copy / "rules.yaml", "        - {question: red_flag_constant_numbness, value: true}\n", "")
    line = line_of(kb_copy / "rules.yaml", "- id: red_flag_constant_numbness")
    problem = only(problems_of(kb_copy), "safety")
    assert f"rules.yaml:{line}:" in problem and "red flag red_flag_constant_numbness answered yes for hand-tingling" in problem


def test_a_self_care_outcome_without_escalation(kb_copy):
    edit(kb_copy / "rules.yaml", "      review_after_days: 7\n    source: {document: expert-qa, voice: expert, quote: \"Pull it",
         "    source: {document: expert-qa, voice: expert, quote: \"Pull it")
    line = line_of(kb_copy / "rules.yaml", "    then:", after="- id: hand-tingling-first-rib") + 1
    problem = only(problems_of(kb_copy), "safety")
    assert f"rules.yaml:{line}:" in problem and "hand-tingling-first-rib: a self-care outcome needs" in problem


def test_a_worked_example_that_fails(kb_copy):
    line = edit(kb_copy / "rules.yaml", "        expect: {level: self-care, routine: [first-rib-mobilization]}\n",
                "        expect: {level: see-clinician, routine: [first-rib-mobilization]}\n")
    problem = only(problems_of(kb_copy), "example")
    assert f"rules.yaml:{line - 2}:" in problem
    assert "rule hand-tingling-first-rib, example 'tingling on long runs': expected level see-clinician, got self-care" in problem


def test_an_unused_exercise_is_a_warning(kb_copy):
    edit(kb_copy / "rules.yaml", "        - exercise: snow-angel\n          timing: morning and evening\n", "")
    edit(kb_copy / "rules.yaml", " snow-angel,", "", count=5)
    line = line_of(kb_copy / "exercises.yaml", "- id: snow-angel")
    problem = only(problems_of(kb_copy, "warning"), "unused")
    assert f"exercises.yaml:{line}:" in problem and "exercise snow-angel is in no rule's routine" in problem


def test_loading_a_broken_base_raises_the_same_messages(kb_copy):
    edit(kb_copy / "exercises.yaml", "    name: Clamshell\n", "    name: Clamshell\n    name: Clam\n")
    with pytest.raises(KbError) as info:
        load(kb_copy)
    assert str(info.value.problems[0]) == only(problems_of(kb_copy), "duplicate-key")


def test_a_situation_no_rule_covers(kb_copy):
    edit(kb_copy / "rules.yaml", "    when: {question: progress, value: much-better}\n", "    when: {question: progress, value: symptom-free}\n")
    problem = only(problems_of(kb_copy), "uncovered")
    assert "rules.yaml:" in problem and "no rule sets a level at checkin" in problem and "progress=much-better" in problem


def test_a_check_in_rule_that_escalates_without_announcing_it_is_an_error(kb_copy):
    line = edit(kb_copy / "rules.yaml",
                '      announce: {if: "the tingling has not improved after a week of the mobilization", '
                'action: "See a physical therapist or doctor."}\n', "")
    problem = only(problems_of(kb_copy), "announce")
    assert "error: announce: rule checkin-hand-not-improving" in problem and "rules.yaml:" in problem


def test_announcing_from_a_rule_that_does_not_escalate_is_an_error(kb_copy):
    edit(kb_copy / "rules.yaml", '      headline: "Keep going with the routine until you are symptom free; review on the date given."\n',
         '      headline: "Keep going with the routine until you are symptom free; review on the date given."\n'
         '      announce: {if: "always", action: "Nothing."}\n')
    assert "rule checkin-leg-until-symptom-free: only a check-in rule that escalates" in only(problems_of(kb_copy), "announce")
