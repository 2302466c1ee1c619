"""The generator of large rule bases the benchmarks use makes valid, proportionate rule bases."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runrehab.engine.validation import validate
from runrehab.rules.loader import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import scale_kb  # noqa: E402


@pytest.mark.slow
def test_a_rule_base_three_times_the_shipped_one_is_valid_and_three_times_as_large(tmp_path):
    shipped = load()
    big, problems = validate(scale_kb.write(3, tmp_path / "kb3"))
    assert problems == []
    assert big is not None
    assert len(big.rules) == 3 * len(shipped.rules)
    assert len(big.symptoms) == 3 * len(shipped.symptoms)
    assert len(big.exercises) == 3 * len(shipped.exercises)
    for symptom in shipped.symptoms:  # every copy of a symptom meets as many rules as the original
        counts = {len(big.rules_for(s, "triage")) for s in (symptom, f"{symptom}-k2", f"{symptom}-k3")}
        assert counts == {len(shipped.rules_for(symptom, "triage"))}


@pytest.mark.slow  # a scaled rule base, read and validated whole
def test_the_index_by_symptom_gives_what_a_scan_of_the_rule_base_gives(tmp_path):
    """rules_for and questions_for read an index built in one pass; a scan in file order is the
    reference, for every symptom and stage of a rule base with many symptoms."""
    big = load(scale_kb.write(3, tmp_path / "kb3"))
    for symptom in [*big.symptoms, "no-such-symptom"]:
        for stage in ("triage", "checkin"):
            rules = tuple(r for r in big.rules if stage in r.stages and (not r.symptoms or symptom in r.symptoms))
            assert big.rules_for(symptom, stage) == rules
            questions = [q for q in big.rules_file.questions if stage in q.stages and (not q.symptoms or symptom in q.symptoms)]
            assert list(big.questions_for(symptom, stage)) == sorted(
                questions, key=lambda q: 0 if q.id == "symptom" else 1 if q.red_flag else 2)
            assert big.asked(symptom, stage) == {q.id for q in questions}
