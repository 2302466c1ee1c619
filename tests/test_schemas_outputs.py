"""Every published schema against the real outputs of the command it is named for, over every
symptom and every status a plan can reach, as a client holding only the schema (jsonschema)
checks them: each document, or each item of a list, carries `schema_version`, which the schema
requires."""
from __future__ import annotations

import datetime as dt
import json
from functools import cache

import jsonschema
import pytest
from conftest import conforms, full_answers, tiered
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.rules.loader import load
from runrehab.schemas import INPUTS, SCHEMAS

KB = load()
RUNNER = CliRunner()
OUTPUTS = [name for name in SCHEMAS if name not in INPUTS]
# a check-in's progress on day 14 of the plan, and the status it leaves the plan in
STATUSES = {"active": None, "upkeep": "symptom-free", "escalated": "same", "stopped": "worse"}


@cache
def schema(name: str) -> dict:
    result = RUNNER.invoke(app, ["schema", name])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def printed(name: str, *args: str, input: str | None = None) -> object:
    """What a command prints with --json, checked against the schema `name` and for its version."""
    result = RUNNER.invoke(app, [*args, "--json"], input=input)
    assert result.exit_code == 0, (args, result.stderr)
    document = json.loads(result.stdout)
    conforms(document, schema(name))
    for item in document if isinstance(document, list) else [document]:
        assert item["schema_version"] == 1, (name, item)
    return document


def checkin_flags(symptom: str, answer: str = "no") -> list[str]:
    return [arg for q in KB.questions_for(symptom, "checkin") if q.red_flag for arg in ("-a", f"{q.id}={answer}")]


@pytest.mark.parametrize(("symptom", "status"), tiered(
    [(symptom, status) for symptom in sorted(KB.symptoms) for status in STATUSES],
    lambda case: case[0] == "tight-itb" or case[1] == "escalated"))
def test_the_documents_of_a_plan_in_every_status_validate(tmp_path, symptom, status):
    db = str(tmp_path / "h.db")
    plan = printed("triage", "triage", "--answers", "-", "--db", db, "--date", "2026-03-01",
                   input=json.dumps(full_answers(KB, symptom)))
    conforms(plan, schema("plan"))  # the plan schema covers what triage prints too
    progress = STATUSES[status]
    # on day 14, or on the plan's last checkpoint when later (a tendon is given 6 to 12 weeks)
    after = max([14] + [e["after_days"] for e in plan["escalation"]])
    on = dt.date(2026, 3, 1) + dt.timedelta(days=after)
    if progress is not None:
        printed("checkin", "checkin", "-a", f"progress={progress}", "-a", "pain_score=2", *checkin_flags(symptom),
                "--db", db, "--date", on.isoformat())
    for day in (on.isoformat(), (on + dt.timedelta(days=1)).isoformat()):
        status_doc = printed("plan", "plan", "--db", db, "--date", day)
        printed("today", "today", "--db", db, "--date", day)
    # a plan to see a clinician keeps its status until one is seen; a programme of fixed trial doses
    # (no check-in rule of its symptom decides `progress`) goes on as it is when symptom-free
    can_progress = any(r.then.decision == "progress" for r in KB.rules_for(symptom, "checkin"))
    if plan["triage_level"] == "self-care":
        assert status_doc["status"] == (status if status != "upkeep" or can_progress else "active")
    printed("history", "history", "--db", db)
    if status_doc["routine_now"]:  # not while it rests first (posterior-leg-pain)
        printed("session", "session", "--db", db, "--date", "2026-03-16")


@pytest.mark.parametrize("symptom", sorted(KB.symptoms))
def test_a_warning_sign_at_a_checkin_and_a_batch_of_warning_signs_validate(tmp_path, symptom):
    db = str(tmp_path / "h.db")
    printed("triage", "triage", "--answers", "-", "--db", db, "--date", "2026-03-01",
            input=json.dumps(full_answers(KB, symptom)))
    flags = checkin_flags(symptom)
    if flags:
        printed("checkin", "checkin", *flags[:1], flags[1].replace("=no", "=yes"), "--db", db, "--date", "2026-03-04")
        printed("plan", "plan", "--db", db, "--date", "2026-03-05")
    batch = [full_answers(KB, symptom, **{q.id: "yes"}) for q in KB.questions_for(symptom, "triage") if q.red_flag]
    result = RUNNER.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01"],
                           input="".join(json.dumps(case) + "\n" for case in [full_answers(KB, symptom), *batch]))
    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():  # JSON Lines: each line a versioned triage document
        conforms(json.loads(line), schema("triage"))


def test_the_lookups_validate_each_a_list_of_versioned_items_where_it_is_a_list():
    for exercise in KB.exercises:
        printed("exercise", "exercise", exercise)
    assert len(printed("exercises", "exercises")) == len(KB.exercises)
    assert len(printed("symptoms", "symptoms")) == len(KB.symptoms)
    every = printed("questions", "questions")
    for symptom in KB.symptoms:
        for stage in ("triage", "checkin"):
            asked = printed("questions", "questions", "--symptom", symptom, "--stage", stage)
            assert asked and all(q in every for q in asked)
    printed("validate", "validate")


@pytest.mark.parametrize("name", OUTPUTS)
def test_every_output_schema_requires_the_schema_version(name):
    shape = schema(name)
    if shape.get("type") == "array":
        shape = schema(name)["$defs"][shape["items"]["$ref"].rpartition("/")[2]]
    assert shape["required"][0] == "schema_version" and shape["properties"]["schema_version"]["type"] == "integer"


@pytest.mark.parametrize("name", ["exercise", "exercises", "questions", "symptoms"])
def test_a_lookup_without_its_version_fails_its_schema(name):
    args = {"exercise": ["exercise", "clamshell"]}.get(name, [name])
    document = printed(name, *args)
    for item in document if isinstance(document, list) else [document]:
        del item["schema_version"]
    with pytest.raises(jsonschema.ValidationError, match="schema_version"):
        conforms(document, schema(name))


def test_each_command_that_prints_json_has_its_schema_named_as_it_is():
    printing = {"triage", "checkin", "plan", "today", "history", "session", "exercise", "exercises", "questions",
                "symptoms", "validate"}
    assert printing <= set(OUTPUTS)
    for name in ("questions", "exercises", "exercises-file", "rules"):
        assert RUNNER.invoke(app, ["schema", name]).exit_code == 0
    files = schema("exercises-file")
    assert files["type"] == "object" and "exercises" in files["properties"] and schema("exercises")["type"] == "array"
