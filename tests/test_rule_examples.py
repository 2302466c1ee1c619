"""Every rule through the worked examples written beside it in rules.yaml."""
from __future__ import annotations

import datetime as dt

import pytest

from runrehab.documents.record import updated
from runrehab.engine.evaluate import triage
from runrehab.engine.validation import example_answers, example_mismatches, run_example
from runrehab.rules.loader import load

KB = load()
CASES = [(rule, example) for rule in KB.rules for example in rule.examples]


@pytest.mark.parametrize(("rule", "example"), CASES, ids=[f"{r.id}: {e.name}" for r, e in CASES])
def test_worked_example_gives_what_it_expects(rule, example):
    assert example_mismatches(rule.id, example.expect, run_example(KB, example)) == []


def test_every_rule_has_an_example_where_it_fires():
    for rule in KB.rules:
        assert any(e.expect.fires for e in rule.examples), rule.id


def test_a_wrong_expectation_is_reported():
    rule = next(r for r in KB.rules if r.id == "hand-tingling-first-rib")
    example = rule.examples[0]
    plan = triage(KB, example_answers(KB, example.answers), dt.date(2026, 1, 1))
    wrong = updated(example.expect, level="urgent", routine=["clamshell"])
    problems = example_mismatches(rule.id, wrong, plan)
    assert "expected level urgent, got self-care" in problems
    assert any("missing clamshell" in p and "unexpected first-rib-mobilization" in p for p in problems)
