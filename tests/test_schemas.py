"""JSON Schemas: printed by `runrehab schema`, committed for the YAML files, and honoured by the documents."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import conforms, full_answers

from runrehab.commands.run import app
from runrehab.rules.kb import shipped_dir
from runrehab.rules.loader import load
from runrehab.schemas import SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
KB = load()


def printed(runner, name):
    result = runner.invoke(app, ["schema", name])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_prints_a_draft_2020_12_schema(runner, name):
    schema = printed(runner, name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


FILES = {"exercises-file": "exercises", "rules": "rules"}  # schema name: the rule-base file it describes


@pytest.mark.parametrize("name", sorted(FILES))
def test_committed_file_schemas_match_the_models(runner, name):
    committed = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    assert committed == printed(runner, name), f"regenerate: runrehab schema {name} > schemas/{name}.schema.json"


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_shipped_yaml_files_validate_against_their_schema_and_point_editors_at_it(runner, name):
    path = shipped_dir() / f"{FILES[name]}.yaml"
    assert path.read_text().startswith(f"# yaml-language-server: $schema=../schemas/{name}.schema.json")
    conforms(yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), printed(runner, name))


@pytest.mark.parametrize("symptom", sorted(KB.symptoms))
def test_plan_documents_validate_against_the_plan_schema(runner, symptom):
    for answers in (full_answers(KB, symptom), full_answers(KB, symptom, pain_at_rest="yes", days=30)):
        result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--explain", "--no-save"],
                               input=json.dumps(answers))
        conforms(json.loads(result.stdout), printed(runner, "plan"))


def test_exercise_documents_validate_against_the_exercise_schema(runner):
    schema = printed(runner, "exercise")
    for doc in json.loads(runner.invoke(app, ["exercises", "--json"]).stdout):
        conforms(doc, schema)


def test_unknown_schema_name_exits_2_listing_the_names(runner):
    result = runner.invoke(app, ["schema", "plans"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert f"(allowed: {', '.join(SCHEMAS)})" in result.stderr


def test_checkin_and_plan_status_documents_validate_against_their_schemas(runner, tmp_path):
    db = str(tmp_path / "h.db")
    runner.invoke(app, ["triage", "--answers", "-", "--date", "2026-03-01", "--db", db],
                  input=json.dumps(full_answers(KB, "hand-tingling")))
    flags = {q.id: "no" for q in KB.questions_for("hand-tingling", "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", "2026-03-05", "--db", db, "--explain"],
                           input=json.dumps({"progress": "better", "pain_score": 2, **flags}))
    conforms(json.loads(result.stdout), printed(runner, "checkin"))
    status = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-06"]).stdout)
    conforms(status, printed(runner, "plan"))


def test_history_documents_validate_against_the_history_schema(runner, tmp_path):
    db = str(tmp_path / "h.db")
    empty = json.loads(runner.invoke(app, ["history", "--json", "--db", db]).stdout)
    conforms(empty, printed(runner, "history"))
    for symptom in ("tight-itb", "posterior-leg-pain"):
        runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01"],
                      input=json.dumps(full_answers(KB, symptom)))
    runner.invoke(app, ["checkin", "--db", db, "--date", "2026-03-05", "--symptom", "posterior-leg-pain",
                        "-a", "progress=better", "-a", "pain_score=2",
                        *[arg for q in KB.questions_for("posterior-leg-pain", "checkin") if q.red_flag
                          for arg in ("-a", f"{q.id}=no")]])
    document = json.loads(runner.invoke(app, ["history", "--json", "--db", db]).stdout)
    assert document["schema_version"] == 1 and len(document["plans"]) == 2 and document["plans"][1]["checkins"]
    conforms(document, printed(runner, "history"))


def test_validate_reports_validate_against_the_validate_schema(runner, tmp_path):
    (tmp_path / "rules.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    (tmp_path / "exercises.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    for args in ([], ["--kb", str(tmp_path)]):
        report = json.loads(runner.invoke(app, ["validate", "--json", *args]).stdout)
        assert report["schema_version"] == 1 and report["ok"] == (args == [])
        conforms(report, printed(runner, "validate"))


def test_the_stored_shapes_match_the_document_models():
    from runrehab.documents.stored import SHAPES_FILE
    from runrehab.schemas import stored_shapes

    assert json.loads(SHAPES_FILE.read_text(encoding="utf-8")) == stored_shapes(), (
        "regenerate: python -c \"import json; from runrehab.schemas import stored_shapes; "
        "from runrehab.documents.stored import SHAPES_FILE; SHAPES_FILE.write_text(json.dumps(stored_shapes(), indent=1) + '\\n')\"")


def test_the_record_shapes_match_the_rule_base_models():
    from runrehab.rules.cached import SHAPES_FILE
    from runrehab.rules.record_shapes import record_shapes

    assert json.loads(SHAPES_FILE.read_text(encoding="utf-8")) == record_shapes(), (
        "regenerate: python -c \"import json; from runrehab.rules.record_shapes import record_shapes; "
        "from runrehab.rules.cached import SHAPES_FILE; SHAPES_FILE.write_text(json.dumps(record_shapes(), indent=1) + '\\n')\"")


@pytest.mark.parametrize("name", sorted(n for n in SCHEMAS if n not in (*FILES, "exercises", "questions", "symptoms")))
def test_each_output_document_is_defined_once_and_refuses_a_misspelt_field(name):
    from runrehab.documents import export, kinds, report

    kind = SCHEMAS[name][0]
    homes = [m for m in (kinds, export, report) if getattr(m, kind.__name__, None) is kind and m.__name__ == kind.__module__]
    assert issubclass(kind, kinds.Document) and len(homes) == 1
    assert "__slots__" in vars(kind)
    with pytest.raises(TypeError, match="misspelt"):
        kind(misspelt=1)


def test_a_document_is_frozen_equal_by_its_fields_and_survives_a_copy():
    import copy
    import pickle

    from runrehab.documents.kinds import Dose, Range

    dose = Dose(sets=Range(min=2, max=3), per_side=True)
    assert dose == Dose(sets=Range(min=2, max=3), per_side=True) != Dose(sets=Range(min=2, max=4), per_side=True)
    assert dose.reps is None and dose.frequency is None  # defaults
    assert pickle.loads(pickle.dumps(dose)) == copy.deepcopy(dose) == dose
    with pytest.raises(AttributeError, match="frozen"):
        dose.per_side = False  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing keyword argument 'max'"):
        Range(min=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'most'"):
        Range(min=1, most=2)  # an unknown key is named before a missing one
