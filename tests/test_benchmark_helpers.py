"""The benchmark's own helpers: cases over every symptom, paired rounds, medians and spreads."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import scale_kb  # noqa: E402

_spec = importlib.util.spec_from_file_location("benchmark_run", BENCHMARKS / "run.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["benchmark_run"] = bench  # dataclasses look their module up by name
_spec.loader.exec_module(bench)


def _questions(*args: str) -> list[dict]:
    result = CliRunner().invoke(app, ["questions", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow  # the benchmark's own helper, over a rule base five times the shipped one
def test_cases_meet_every_symptom_of_a_scaled_rule_base_and_are_distinct(tmp_path):
    kb = scale_kb.write(3, tmp_path / "kb3")
    questions = _questions("--kb", str(kb))
    symptoms = next(q for q in questions if q["id"] == "symptom")["choices"]
    big = load(kb)
    assert len(big.symptoms) == 3 * len(load().symptoms)
    assert set(big.symptoms) <= set(symptoms)
    cases = bench.make_cases(questions, 2 * len(symptoms))
    assert {c["symptom"] for c in cases} == set(symptoms)
    assert len({json.dumps(c, sort_keys=True) for c in cases}) == len(cases)


def test_a_case_without_red_flags_answers_every_red_flag_no(tmp_path):
    questions = _questions()
    [case] = bench.make_cases(questions, 1, red_flag_rate=0)
    flags = [k for k in case if k.startswith("red_flag_")]
    assert flags and all(case[k] == "no" for k in flags)


def test_a_figure_is_the_median_of_its_rounds_with_their_interquartile_range():
    figure = bench.Figure("x", [1.0, 5.0, 2.0, 3.0, 4.0], bound=2.5)
    assert figure.median == 3.0
    assert figure.spread == (2.0, 4.0)
    assert not figure.ok
    assert bench.Figure("x", [0.5], bound=0.6).spread == (0.5, 0.5)
    assert bench.Figure("x", [9.0], bound=None).ok


def test_paired_rounds_alternate_which_command_runs_first(monkeypatch, tmp_path):
    order: list[str] = []

    def fake_run(cmd, env, cwd):
        order.append(cmd[0])
        return bench.Run(1.0 if cmd[0] == "a" else 2.0, b"", None)

    monkeypatch.setattr(bench, "run", fake_run)
    times = bench.paired({"a": lambda: ["a"], "b": lambda: ["b"]}, 4, {}, tmp_path)
    assert order == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert times == {"a": [1.0] * 4, "b": [2.0] * 4}


@pytest.mark.parametrize("code, stderr, expected", [(0, "", True), (2, "Error: No such command 'today'.", False)])
def test_a_missing_command_is_told_from_a_failing_one(monkeypatch, tmp_path, code, stderr, expected):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, code, "", stderr))
    assert bench.has_command("runrehab", "today", {}, tmp_path) is expected


def test_a_command_that_fails_otherwise_stops_the_run(monkeypatch, tmp_path):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 2, "", "Traceback"))
    with pytest.raises(SystemExit):
        bench.has_command("runrehab", "today", {}, tmp_path)


@pytest.mark.slow  # fourteen check-ins through the command, then an import
def test_a_grown_history_answers_differently_every_day_as_a_runner_would(tmp_path):
    exe = str(Path(sys.executable).with_name("runrehab"))
    env = {**__import__("os").environ, "RUNREHAB_CACHE": str(tmp_path / "cache")}
    questions = _questions()
    db = bench.grown_history(exe, tmp_path, env, questions, 20)
    plan = json.loads(subprocess.run([exe, "plan", "--json", "--db", str(db)], env=env, capture_output=True,
                                     check=True).stdout)
    checkins = plan["checkins"]
    assert [c["day"] for c in checkins] == list(range(1, 21))
    assert len({json.dumps(c["answers"], sort_keys=True) for c in checkins}) == 20
    assert len({(c["pain_score"], c["progress"]) for c in checkins}) > 1
    assert {c["decision"] for c in checkins} <= {"continue", "progress"}
    assert all(c["answers"]["day"] == c["day"] for c in checkins)
