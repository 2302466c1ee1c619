"""`validate` and the decision table do work bounded by the rule base's size, not by the product
of its answers: a `multi` question of 22 choices one rule tests, 24 yes/no questions each tested
by a rule. The number of cases run is counted, never timed."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import full_answers

from runrehab.batch.table import DecisionTable
from runrehab.documents.as_json import JsonLines
from runrehab.documents.record import Record
from runrehab.engine import reach
from runrehab.engine.evaluate import triage
from runrehab.engine.interview import complete, parse_answers
from runrehab.engine.validation import answer_space, validate
from runrehab.rules.conditions import possible
from runrehab.rules.loader import load

QUOTE = "If pain or discomfort persists at rest for more than a week or two, Id suggest going to see a PT or Orthopedic Specialist."


def _rule(rid: str, when: str, answer: str = "", fires: bool = True) -> str:
    """A rule for tight-itb at triage, with a worked example answering `answer` too."""
    return (f"  - id: {rid}\n    description: A test of the bounds.\n    symptoms: [tight-itb]\n"
            f"    when: {when}\n    then:\n      level: see-clinician\n"
            f"      headline: \"See a physical therapist: {rid}.\"\n"
            f"    source: {{document: posterior-leg, quote: \"{QUOTE}\"}}\n"
            f"    examples:\n      - name: the test\n        answers: {{symptom: tight-itb, days: 3, pain_score: 3, "
            f"pain_at_rest: no{', ' + answer if answer else ''}}}\n        expect: {{fires: {str(fires).lower()}}}\n")


def _question(qid: str, kind: str = "yes_no", choices: list[str] | None = None) -> str:
    listed = f"    choices: [{', '.join(choices)}]\n" if choices else ""
    default = "[]" if kind == "multi" else "false"
    return (f"  - id: {qid}\n    text: Is it {qid}?\n    type: {kind}\n{listed}    default: {default}\n"
            f"    symptoms: [tight-itb]\n    stages: [triage]\n")


def grown(folder: Path, questions: list[str], rules: list[str]) -> Path:
    """The rule base in `folder` with `questions` and `rules` added (YAML list items)."""
    path = folder / "rules.yaml"
    text = path.read_text()
    text = text.replace("\nquestions:\n", "\nquestions:\n" + "".join(questions), 1)
    text = text.replace("\nrules:\n", "\nrules:\n" + "".join(rules), 1)
    path.write_text(text)
    return folder


def many_yes_no(folder: Path, n: int = 24) -> Path:
    ids = [f"bound_q{i:02d}" for i in range(n)]
    return grown(folder, [_question(q) for q in ids], [_rule(f"bound-{q[6:]}", f"{{question: {q}, value: true}}", f"{q}: yes") for q in ids])


CHOICES = [f"c{i:02d}" for i in range(22)]


def wide_multi(folder: Path) -> Path:
    return grown(folder, [_question("bound_where", "multi", CHOICES)],
                 [_rule("bound-where", "{question: bound_where, op: contains, value: c05}", "bound_where: [c01, c05]")])


def test_a_multi_question_of_22_choices_one_rule_tests_has_two_bands(kb_copy):
    kb, problems = validate(wide_multi(kb_copy))
    assert kb is not None and [p for p in problems if p.severity == "error"] == [], [str(p) for p in problems]
    assert reach.combinations(kb, "tight-itb", "triage") == 2  # with c05 or without, not 2**22 sets
    cases = list(answer_space(kb, "tight-itb", "triage"))
    assert len(cases) <= 2 * (1 + len([q for q in kb.questions_for("tight-itb", "triage") if q.red_flag]))
    assert {tuple(c["bound_where"]) for c in cases} == {(), ("c05",)}


def test_a_batch_case_with_any_set_of_22_choices_gets_the_engines_plan(kb_copy):
    kb = load(wide_multi(kb_copy))
    table = DecisionTable(kb)
    assert len(table.table("tight-itb").bands.cells()) < 1000
    base = full_answers(kb, "tight-itb")
    for chosen in ([], ["c05"], ["c01", "c21"], ["c21", "c05", "c00"], CHOICES):
        answers = complete(kb, parse_answers(kb, {**base, "bound_where": chosen}))
        assert table.table("tight-itb").bands.cell_of(answers) is not None
        expected = JsonLines()(triage(kb, answers, dt.date(2026, 3, 1))).encode()
        assert table.line(answers, dt.date(2026, 3, 1)) == expected
        assert ("bound-where" in [r["id"] for r in json.loads(expected)["rules"]]) == ("c05" in chosen)


def test_24_yes_no_questions_each_tested_are_checked_rule_by_rule_and_validate_says_so(kb_copy):
    kb, problems = validate(many_yes_no(kb_copy))
    assert kb is not None
    assert reach.combinations(kb, "tight-itb", "triage") == 2 ** 24 > reach.MOST_COMBINATIONS
    with pytest.raises(ValueError):
        next(reach.evaluated_space(kb, "tight-itb", "triage"))
    said = [str(p) for p in problems]
    assert [p.code for p in problems] == ["bounded"], said
    assert "tight-itb at triage fall into 16777216 band combinations" in said[0] and "not that every" in said[0]


def test_a_batch_plans_a_symptom_with_too_many_cells_by_the_engine(kb_copy):
    kb = load(many_yes_no(kb_copy))
    table = DecisionTable(kb)
    assert len(table.table("tight-itb").bands.cells()) == 0  # no part to compile: 2**24 cells and more
    answers = complete(kb, parse_answers(kb, full_answers(kb, "tight-itb", bound_q03="yes", bound_q17="yes")))
    expected = JsonLines()(triage(kb, answers, dt.date(2026, 3, 1))).encode()
    assert table.line(answers, dt.date(2026, 3, 1)) == expected
    assert {"bound-q03", "bound-q17"} <= {r["id"] for r in json.loads(expected)["rules"]}


def test_a_rule_that_cannot_fire_among_too_many_combinations_is_still_found(kb_copy):
    grown(many_yes_no(kb_copy), [], [_rule("bound-never", "{all: [{question: bound_q01, value: true}, "
                                                          "{question: bound_q01, value: false}]}", fires=False)])
    _, problems = validate(kb_copy)
    assert "rule bound-never never fires for any answers" in " ".join(str(p) for p in problems if p.code == "unreachable")


def test_the_search_rule_by_rule_stops_at_the_bound(kb_copy, monkeypatch):
    """Conditions that no answers satisfy but that nothing settles before the last question (24
    that hold either way, then one that cannot): the search gives up (False: not shown either
    way) after at most MOST_COMBINATIONS steps, not 2**24."""
    kb = load(many_yes_no(kb_copy))
    either = [Record(any=[Record(question=f"bound_q{i:02d}", op="eq", value=v) for v in (True, False)])
              for i in range(24)]
    never = Record(question="days", op="gt", value=3650)
    steps = []
    monkeypatch.setattr(reach, "possible", lambda *args: steps.append(1) or possible(*args))
    monkeypatch.setattr(reach, "MOST_COMBINATIONS", 1000)  # the bound, whatever it is
    assert reach.satisfying(kb, "tight-itb", "triage", [*either, never]) is False
    assert len(steps) <= 1001
    assert reach.satisfying(kb, "tight-itb", "triage", either)["bound_q23"] in (True, False)  # found at once


def test_warning_signs_add_one_case_each_not_a_product(kb):
    """Every combination with no warning sign, and for each sign only as many cases as there are
    ways the rules testing it and the urgent rules can differ: on the shipped base, whose signs
    no rule combines with other answers, about one case per sign, not the product of every
    combination with every sign."""
    for stage in ("triage", "checkin"):
        for symptom in kb.symptoms:
            flags = [q for q in kb.questions_for(symptom, stage) if q.red_flag]
            product = reach.combinations(kb, symptom, stage)
            cases = list(answer_space(kb, symptom, stage))
            plain = [c for c in cases if not any(c[f.id] for f in flags)]
            assert len(plain) == product
            assert {f.id for f in flags} == {f.id for c in cases for f in flags if c[f.id]}
            assert len(flags) <= len(cases) - product <= 2 * len(flags)


def test_validate_at_the_command_line_says_the_check_was_bounded(kb_copy, runner):
    from runrehab.commands.run import app

    many_yes_no(kb_copy)
    done = runner.invoke(app, ["validate", "--kb", str(kb_copy)])
    assert done.exit_code == 0 and "warning: bounded: the answers for tight-itb at triage" in done.stdout, done.output
    strict = runner.invoke(app, ["validate", "--kb", str(kb_copy), "--strict"])
    assert strict.exit_code != 0 and "bounded" in strict.stdout
