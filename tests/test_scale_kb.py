"""The generator of large rule bases the benchmarks use makes valid, proportionate rule bases."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runrehab.loader import load
from runrehab.validation import validate

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
