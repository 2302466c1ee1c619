"""`--fail-on LEVEL`: triage and check-in exit 3 when the result is at that level or a more
urgent one, for scripts (as httpie's --check-status); a batch prints every line first."""
from __future__ import annotations

import json

import pytest
from conftest import full_answers, red_flag_cases
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.documents.vocabulary import LEVELS
from runrehab.rules.loader import load

KB = load()
# a case of every symptom, every warning sign and long-lasting pain at rest: every level among them
CASES = [full_answers(KB, s) for s in KB.symptoms]
CASES += [full_answers(KB, s, pain_at_rest="yes", days=60, pain_score=7) for s in KB.symptoms]
CASES += [full_answers(KB, s, **{flag: "yes"}) for s, flag in red_flag_cases(KB)]


def levels_of(stdout: str) -> list[str]:
    return [json.loads(line)["triage_level"] for line in stdout.splitlines()]


def test_a_batch_exits_3_when_any_case_reaches_the_level_after_printing_every_line(runner):
    batch = "".join(json.dumps(case) + "\n" for case in CASES)
    plain = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01"], input=batch)
    assert plain.exit_code == 0, plain.stderr
    levels = levels_of(plain.stdout)
    assert set(levels) == set(LEVELS) and len(levels) == len(CASES)
    for level in LEVELS:
        result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01", "--fail-on", level],
                               input=batch)
        assert result.stdout == plain.stdout and result.stderr == ""
        assert result.exit_code == 3, level  # every level is reached by some case
        below = [case for case, got in zip(CASES, levels) if LEVELS.index(got) > LEVELS.index(level)]
        if below:  # the cases less urgent than the level alone do not reach it
            alone = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01", "--fail-on", level],
                                  input="".join(json.dumps(case) + "\n" for case in below))
            assert alone.exit_code == 0 and len(alone.stdout.splitlines()) == len(below), level


@pytest.fixture(scope="module")
def case_of_each_level() -> dict[str, dict]:
    """The first case that reaches each level, as one triage prints it."""
    plain: dict[str, dict] = {}
    for case in CASES:
        got = json.loads(CliRunner().invoke(app, ["triage", "--answers", "-", "--json", "--no-save"],
                                            input=json.dumps(case)).stdout)["triage_level"]
        plain.setdefault(got, case)
    assert set(plain) == set(LEVELS)
    return plain


@pytest.mark.parametrize("level", LEVELS)
def test_one_triage_exits_3_exactly_when_its_level_is_as_urgent_or_more(runner, tmp_path, level, case_of_each_level):
    for got, case in case_of_each_level.items():
        db = str(tmp_path / f"{got}.db")
        result = runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--fail-on", level], input=json.dumps(case))
        assert result.exit_code == (3 if LEVELS.index(got) <= LEVELS.index(level) else 0), (got, level, result.stderr)
        assert "saved to" in result.stderr and result.stdout  # shown and kept all the same


def test_a_checkin_exits_3_when_it_reaches_the_level(runner, tmp_path):
    db = str(tmp_path / "h.db")
    runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01"],
                  input=json.dumps(full_answers(KB, "tight-itb")))
    flags = [q.id for q in KB.questions_for("tight-itb", "checkin") if q.red_flag]
    calm = ["-a", "progress=better", "-a", "pain_score=2", *[a for f in flags for a in ("-a", f"{f}=no")]]
    result = runner.invoke(app, ["checkin", *calm, "--db", db, "--date", "2026-03-04", "--json", "--fail-on", "urgent"])
    assert result.exit_code == 0 and json.loads(result.stdout)["triage_level"] == "self-care", result.stderr
    result = runner.invoke(app, ["checkin", "-a", f"{flags[0]}=yes", "--db", db, "--date", "2026-03-05", "--json",
                                 "--fail-on", "urgent"])
    assert result.exit_code == 3, result.stderr
    assert json.loads(result.stdout)["triage_level"] in ("emergency", "urgent")


@pytest.mark.parametrize("command", ["triage", "checkin"])
def test_an_unknown_level_is_one_line_exit_2_before_anything_is_asked(runner, command):
    result = runner.invoke(app, [command, "--fail-on", "severe", "--answers", "-"], input="{}")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("runrehab: error: --fail-on: 'severe' is not a triage level "
                             "(allowed: emergency, urgent, see-clinician, self-care)\n")
