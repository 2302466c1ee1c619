"""validate runs each warning sign on a few cases, not on every combination (engine/reach.py): those
few meet every outcome the whole product of combinations and signs meets, also when a rule
combines a sign with other answers and when an urgent rule fires with no sign at all."""
from __future__ import annotations

import itertools
from pathlib import Path

from runrehab.documents.vocabulary import RED_FLAG_LEVELS
from runrehab.engine import reach
from runrehab.engine.evaluate import evaluate_stage
from runrehab.rules.loader import load

QUOTE = "If pain or discomfort persists at rest for more than a week or two, Id suggest going to see a PT or Orthopedic Specialist."


def _rule(rid: str, when: str, level: str) -> str:
    return (f"  - id: {rid}\n    description: A test of the sign cases.\n    symptoms: [tight-itb]\n"
            f"    when: {when}\n    then:\n      level: {level}\n      headline: \"{rid}.\"\n"
            f"    source: {{document: posterior-leg, quote: \"{QUOTE}\"}}\n"
            f"    examples:\n      - name: the test\n        answers: {{symptom: tight-itb, days: 3, pain_score: 3, "
            f"pain_at_rest: no}}\n        expect: {{fires: false}}\n")


def with_rules(folder: Path, rules: list[str]) -> Path:
    path = folder / "rules.yaml"
    path.write_text(path.read_text().replace("\nrules:\n", "\nrules:\n" + "".join(rules), 1))
    return folder


def outcome(ev) -> tuple:
    """What validate reads of an evaluation: the level, the rule that set it, the rules that
    speak, and of the rules that fire those at urgent or above (the others fire with a sign as
    they fire without it, in a case the enumeration holds)."""
    return (ev.level, ev.leader.id if ev.leader else None, tuple(r.id for r in ev.speaking),
            tuple(r.id for r in ev.fired if r.then.level in RED_FLAG_LEVELS))


def product_outcomes(kb, symptom: str, stage: str) -> set[tuple]:
    """Every combination of bands with no sign and with each sign yes, run through the rules."""
    ids, values, flags = reach.banded(kb, symptom, stage)
    met = set()
    for combo in itertools.product(*values):
        answers = {"symptom": symptom, **{f: False for f in flags}, **dict(zip(ids, combo))}
        met |= {outcome(evaluate_stage(kb, {**answers, **raised}, stage)) for raised in [{}, *({f: True} for f in flags)]}
    return met


def test_the_sign_cases_meet_every_outcome_of_the_whole_product(kb_copy):
    kb = load(with_rules(kb_copy, [
        # a sign combined with another answer, at emergency
        _rule("signs-combined", "{all: [{question: red_flag_bladder, value: true}, {question: days, op: gt, value: 30}]}",
              "emergency"),
        # an urgent rule that tests no sign: it fires on answers with no sign too
        _rule("signs-none", "{question: pain_score, op: ge, value: 9}", "urgent"),
    ]))
    ids, values, flags = reach.banded(kb, "tight-itb", "triage")
    assert "red_flag_bladder" in flags and len(flags) > 3
    cases = list(reach.evaluated_space(kb, "tight-itb", "triage"))
    assert {outcome(ev) for _, ev in cases} == product_outcomes(kb, "tight-itb", "triage")
    fired = {r.id for _, ev in cases for r in ev.fired}
    assert {"signs-combined", "signs-none"} <= fired


def test_on_the_shipped_base_too(kb):
    for stage in ("triage", "checkin"):
        for symptom in kb.symptoms:
            if not reach.too_many(kb, symptom, stage):
                got = {outcome(ev) for _, ev in reach.evaluated_space(kb, symptom, stage)}
                assert got == product_outcomes(kb, symptom, stage), (symptom, stage)
