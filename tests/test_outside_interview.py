"""One judgement for answers to questions a symptom's interview does not ask: they have no
effect at run time (no rule reads them, they are not stored, --explain names them), and a rule
that tests such a question is refused by the loader and by validate alike. A warning sign
answered yes is the exception: it is honoured whatever the symptom."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.engine.evaluate import triage
from runrehab.engine.interview import complete, outside, parse_answers
from runrehab.engine.validation import validate
from runrehab.errors import KbError
from runrehab.rules.loader import load


def test_an_answer_outside_the_interview_is_dropped_before_the_rules_run(kb):
    given = parse_answers(kb, full_answers(kb, "hand-tingling", red_flag_groin_pain="no", low_back_pain="yes",
                                           progress="worse"))
    assert outside(kb, given, "triage") == ["red_flag_groin_pain", "low_back_pain", "progress"]
    final = complete(kb, given)
    assert not {"red_flag_groin_pain", "low_back_pain", "progress"} & set(final)
    plan = triage(kb, final, dt.date(2026, 3, 1))
    assert plan.red_flags == [] and "red_flag_groin_pain" not in plan.answers


@pytest.mark.parametrize("symptom,flag,level", [("hand-tingling", "red_flag_groin_pain", "urgent"),
                                                ("tight-itb", "red_flag_chest_pain", "emergency"),
                                                ("hand-tingling", "red_flag_bladder", "emergency")])
def test_a_warning_sign_outside_the_interview_answered_yes_is_honoured_at_its_own_level(kb, symptom, flag, level):
    given = parse_answers(kb, {**full_answers(kb, symptom), flag: "yes"})
    assert outside(kb, given, "triage") == []
    plan = triage(kb, complete(kb, given), dt.date(2026, 3, 1))
    assert plan.triage_level == level and plan.red_flags == [flag] and plan.routine == []


def test_a_red_flag_of_this_interview_still_ends_it(kb):
    given = parse_answers(kb, {"symptom": "tight-itb", "red_flag_groin_pain": "yes", "red_flag_chest_pain": "no"})
    final = complete(kb, given)
    assert final == {"symptom": "tight-itb", "red_flag_groin_pain": True}
    assert triage(kb, final, dt.date(2026, 3, 1)).triage_level == "urgent"


def test_a_red_flag_without_a_symptom_is_planned_as_a_problem_not_yet_named(runner, tmp_path):
    result = runner.invoke(app, ["triage", "-a", "red_flag_bladder=yes", "--json", "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["symptom"], plan["triage_level"], plan["red_flags"]) == ("other", "emergency", ["red_flag_bladder"])


def test_explain_names_the_ignored_answers_and_the_history_does_not_keep_them(runner, kb, tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(full_answers(kb, "tight-itb")))
    db = tmp_path / "h.db"
    result = runner.invoke(app, ["triage", "--answers", str(answers), "-a", "red_flag_chest_pain=no",
                                 "-a", "red_flag_bladder=yes", "--explain", "--db", str(db), "--date", "2026-03-01"])
    assert result.exit_code == 0, result.stderr
    assert "runrehab: ignored (not asked for tight-itb): red_flag_chest_pain" in result.stderr
    stored = json.loads(runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-01"]).stdout)
    assert "red_flag_chest_pain" not in stored["answers"] and stored["triage_level"] == "emergency"


def test_one_dash_a_applies_to_every_case_of_a_mixed_batch(runner, kb, tmp_path):
    batch = tmp_path / "batch.jsonl"
    cases = [full_answers(kb, s) for s in ("tight-itb", "hand-tingling")]
    for case in cases:
        case.pop("red_flag_groin_pain", None)  # given once for all below
    batch.write_text("".join(json.dumps(c) + "\n" for c in cases))
    result = runner.invoke(app, ["triage", "--answers", str(batch), "-a", "red_flag_groin_pain=no", "--json", "--explain"])
    assert result.exit_code == 0, result.stderr
    plans = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["symptom"] for p in plans] == ["tight-itb", "hand-tingling"]
    assert plans[0]["answers"]["red_flag_groin_pain"] is False and "red_flag_groin_pain" not in plans[1]["answers"]
    assert "--answers line 2: ignored (not asked for hand-tingling): red_flag_groin_pain" in result.stderr


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]  (libyaml's: ten times faster)
    def ignore_aliases(self, data):
        return True


@pytest.fixture
def rule_on_another_symptoms_question(kb_copy: Path) -> Path:
    rules = kb_copy / "rules.yaml"
    data = yaml.load(rules.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    data["rules"].append({
        "id": "itb-chest", "description": "A tight-itb rule on a hand-tingling question.", "symptoms": ["tight-itb"],
        "stages": ["triage"], "when": {"question": "red_flag_chest_pain", "value": True},
        "then": {"level": "urgent", "headline": "Urgent: see a doctor.", "advice": ["See a doctor."]},
        "source": data["rules"][0]["source"],
        "examples": [{"name": "chest pain", "answers": {"symptom": "tight-itb", "red_flag_chest_pain": True},
                      "expect": {"level": "urgent"}}]})
    rules.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return kb_copy


def test_a_rule_on_a_question_its_symptoms_never_ask_is_refused_by_load_and_validate(rule_on_another_symptoms_question):
    with pytest.raises(KbError) as caught:
        load(rule_on_another_symptoms_question)
    loaded = [p for p in caught.value.problems if p.code == "not-asked"]
    _, problems = validate(rule_on_another_symptoms_question)
    validated = [p for p in problems if p.code == "not-asked"]
    assert loaded == validated and len(loaded) == 1 and loaded[0].severity == "error"
    assert "rule itb-chest tests 'red_flag_chest_pain', which is not asked for tight-itb at triage" in loaded[0].message
