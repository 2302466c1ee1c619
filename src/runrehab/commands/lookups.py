"""The commands that look up and check the rule base: `exercise`, `exercises`, `questions`,
`symptoms`, `validate` and `schema`. Each parses its options, makes one call, renders the result
with one renderer and ends with the contract's exit code; heavy modules are imported inside them.
"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import ExitCode, UsageError
from . import completion
from .app import app, guarded
from .options import (
    JsonOption,
    KbOption,
    SymptomOption,
    examples,
    load_kb,
)

# ------------------------------------------------------------------ commands


@app.command(epilog=examples("exercise"))
@guarded
def exercise(
    name: Annotated[str, typer.Argument(metavar="NAME", help="An exercise id, name or alias, in any case.",
                                        autocompletion=completion.exercise_ids)],
    json_out: JsonOption = False,
    kb: KbOption = None,
) -> None:
    """One exercise: how to do it, default dose, cautions, what it is for, sources."""
    from ..engine.evaluate import exercise_doc
    from ..render import render

    kbase = load_kb(kb)
    render("exercise", "json" if json_out else "text", exercise_doc(kbase, kbase.find_exercise(name)), kbase)


@app.command(epilog=examples("exercises"))
@guarded
def exercises(json_out: JsonOption = False, kb: KbOption = None) -> None:
    """Every exercise, one line each."""
    from ..engine.evaluate import exercise_doc
    from ..render import render

    kbase = load_kb(kb)
    render("exercises", "json" if json_out else "text", [exercise_doc(kbase, e) for e in kbase.exercises.values()], kbase)


@app.command(epilog=examples("questions"))
@guarded
def questions(
    symptom: SymptomOption = None,
    stage: Annotated[Optional[str], typer.Option("--stage", metavar="triage|checkin", autocompletion=completion.stages,
                                                 help="Only the questions of one stage.")] = None,
    json_out: JsonOption = False,
    kb: KbOption = None,
) -> None:
    """Every question (`--symptom ID` narrows to one symptom's interview)."""
    from ..render import render

    kbase = load_kb(kb)
    render("questions", "json" if json_out else "text", kbase.listed_questions(symptom, stage), kbase)


@app.command(epilog=examples("symptoms"))
@guarded
def symptoms(json_out: JsonOption = False, kb: KbOption = None) -> None:
    """The symptoms the rule base covers, with a one-line description."""
    from ..render import render

    from ..documents.record import Record
    from ..engine.interview import regions

    kbase = load_kb(kb)
    places = regions(kbase)
    where = kbase.questions_for(None, "where")
    label = where[0].labels if where else {}
    shown = [Record(**vars(s), region=label.get(places[s.id][-1], places[s.id][-1]) if places[s.id] else None,
                    regions=places[s.id]) for s in kbase.rules_file.symptoms]
    render("symptoms", "json" if json_out else "text", shown, kbase)


@app.command(epilog=examples("validate"))
@guarded
def validate(
    kb: KbOption = None,
    json_out: JsonOption = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
) -> None:
    """Check a rule base: schema, references, reachability, safety, worked examples."""
    from ..documents.kinds import ValidationReport
    from ..engine import validation
    from ..render import render

    _, problems = validation.validate(kb)
    ok = not any(p.severity == "error" or strict for p in problems)
    render("validate", "json" if json_out else "text", ValidationReport(ok=ok, problems=problems))
    if not ok:
        raise typer.Exit(ExitCode.BAD_INPUT)


@app.command(epilog=examples("schema"))
@guarded
def schema(
    name: Annotated[str, typer.Argument(metavar="NAME", autocompletion=completion.schema_names, help="An output, named as the command that prints it (plan, checkin, exercises, ...), log, or a rule-base file (rules, exercises-file).")],
) -> None:
    """JSON Schema (draft 2020-12) of an output document or of a rule-base file."""
    from ..render import render
    from ..safe_text import quoted
    from ..schemas import SCHEMAS, json_schema

    if name not in SCHEMAS:
        raise UsageError(f"no schema called {quoted(name)} (allowed: {', '.join(SCHEMAS)})")
    render("schema", "json", json_schema(name))
