"""The commands that make and follow a plan: `triage`, `checkin` and `plan`. Each parses its
options, makes one call into the domain, renders the result with one renderer (render.RENDERERS)
and ends with the contract's exit code.

Documents go to stdout, prompts and messages to stderr. Heavy modules are imported inside the
commands so that `--version` and look-ups start fast.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import UsageError
from . import completion
from .app import app, guarded, hint, say
from .options import (
    AnswerOption,
    AnswersOption,
    DateOption,
    DbOption,
    ExplainOption,
    FailOn,
    FailOnOption,
    InteractiveOption,
    JsonOption,
    KbOption,
    OutputOption,
    QuietOption,
    SymptomOption,
    answer_sources,
    examples,
    load_kb,
    output_format,
    parse_day,
    text_option,
)
from .person import AtTerminal

# ------------------------------------------------------------------ commands


def running_plan(db: Path | None, symptom: str | None, kbase: Any, command: str) -> Any:
    """The plan `command` acts on (usecases.checkin.running), the runner picking one at a terminal
    when several run and no --symptom says which."""
    from ..usecases.checkin import running

    return running(db, symptom, kbase, AtTerminal(), command)


@app.command(epilog=examples("triage"))
@guarded
def triage(
    answers: AnswersOption = None,
    answer: AnswerOption = None,
    symptom: Annotated[Optional[str], typer.Option(
        "--symptom", metavar="ID", autocompletion=completion.symptom_ids,
        help="The answer to the symptom question (see `runrehab symptoms`).")] = None,
    json_out: JsonOption = False,
    date: DateOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Keep this triage out of the history.")] = False,
    explain: ExplainOption = False,
    interactive: InteractiveOption = False,
    fail_on: FailOnOption = None,
    quiet: QuietOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """The interview: asks questions (red flags first), applies the rules, prints the plan."""
    from ..documents.vocabulary import RED_FLAG_LEVELS
    from ..render import render, render_batch, write_when_whole
    from ..usecases.triage import CheckInInstead, Lines, Plans, TriageRequest
    from ..usecases.triage import triage as triaged

    reached = FailOn(fail_on)
    kbase = load_kb(kb)
    kbase.check_symptom(symptom)
    day = parse_day(date)
    fmt = "json" if json_out else "text"
    pairs = [*(answer or []), *([f"symptom={symptom}"] if symptom else [])]
    request = TriageRequest(answer_sources(answers, pairs, interactive), day, save=not no_save, explain=explain,
                            json_lines=fmt == "json" and not explain and fail_on is None, db=db)
    out = triaged(kbase, request, AtTerminal(quiet))
    if isinstance(out, CheckInInstead):
        return checkin(symptom=out.symptom, date=date, kb=kb, db=db)
    if isinstance(out, Lines):  # nothing is printed for a batch with a bad line
        write_when_whole(out.lines)
        return
    if isinstance(out, Plans):
        render_batch("plan", fmt, reached.seen(out.documents), kbase)
        reached.end()
        return
    plan = out.document
    if out.refused:  # what was made is shown all the same, then why it was not saved
        render("plan", fmt, plan, kbase)
        raise out.refused
    if out.replaced:
        say(f"note: {out.replaced}; this new plan is day 0")
    if out.path:  # saved before it is shown: what is shown is what is kept
        # after a warning sign the only next step is the one the plan gives: no check-in
        hint(f"saved to {out.path}" if plan.triage_level in RED_FLAG_LEVELS
             else f"plan saved to {out.path}; check in with `runrehab checkin`", quiet)
    render("plan", fmt, plan, kbase)
    reached.note(plan.triage_level)
    reached.end()


@app.command(epilog=examples("checkin"))
@guarded
def checkin(
    answers: AnswersOption = None,
    answer: AnswerOption = None,
    symptom: SymptomOption = None,
    done: Annotated[Optional[list[str]], typer.Option(
        "--done", metavar="EXERCISE", autocompletion=completion.exercise_ids, help="An exercise you did since the last check-in; repeat it.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="WORDS", help="A note to keep with the check-in.")] = None,
    brought_on: Annotated[Optional[list[str]], typer.Option(
        "--brought-on", metavar="EXERCISE", autocompletion=completion.exercise_ids, help="An exercise that brought on your symptoms: it is left out; repeat it.")] = None,
    keep: Annotated[Optional[list[str]], typer.Option(
        "--keep", metavar="EXERCISE", autocompletion=completion.exercise_ids, help="After a warning sign, with cleared_by_clinician=yes: an exercise the "
        "clinician said to keep (default: all); repeat it.")] = None,
    json_out: JsonOption = False,
    date: DateOption = None,
    explain: ExplainOption = False,
    interactive: InteractiveOption = False,
    fail_on: FailOnOption = None,
    quiet: QuietOption = False,
    undo: Annotated[bool, typer.Option("--undo", help="Remove the check-in saved last (to correct it, check in "
                                       "again), after confirmation.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --undo: do not ask for confirmation (for scripts).")] = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """A follow-up on the current plan: progress, pain, red flags again; applies the escalation rules by date."""
    if undo or yes:
        from .exchange import undo_checkin

        if not undo:
            raise UsageError("--yes: only with --undo")
        if any((answers, answer, done, note, brought_on, keep, json_out, date, explain, interactive)):
            raise UsageError("--undo: takes only --symptom, --yes, --kb and --db; check in again afterwards")
        return undo_checkin(db, symptom, yes, load_kb(kb))
    from ..render import render
    from ..usecases.checkin import CheckinRequest
    from ..usecases.checkin import checkin as checked_in

    note = text_option("--note", note)
    reached = FailOn(fail_on)
    kbase = load_kb(kb)
    request = CheckinRequest(answer_sources(answers, answer, interactive), parse_day(date), dated=date is not None,
                             symptom=symptom, explain=explain, done=done, note=note, brought_on=tuple(brought_on or ()),
                             keep=keep, db=db)
    out = checked_in(kbase, request, AtTerminal(quiet))
    render("checkin", "json" if json_out else "text", out.document, kbase)
    if out.refused:  # what was made is shown all the same, then why it was not saved
        raise out.refused
    reached.note(out.document.triage_level)
    reached.end()


@app.command(epilog=examples("plan"))
@guarded
def plan(
    symptom: SymptomOption = None,
    json_out: JsonOption = False,
    format: Annotated[str, typer.Option("--format", metavar="text|markdown|html|ics", autocompletion=completion.plan_formats,
                                        help="markdown: a handout to print or send to your physical therapist; "
                                             "html: the same handout as one printable page; "
                                             "ics: a calendar of sessions, reviews and checkpoints.")] = "text",
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="Count the days to this date (default: today).")] = None,
    output: OutputOption = None,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """The current plan: what to do now and since when, its day count, next review date."""
    from ..history.tracking import day_on_plan, plan_status
    from ..render import formats, render

    fmt = output_format(json_out, format, [f for f in formats("plan-status") if f != "json"])
    kbase = load_kb(kb)
    now = running_plan(db, symptom, kbase, "plan")
    with now.history:
        status = plan_status(now, day_on_plan(parse_day(date), date is not None, now.plan.date), whole=fmt == "ics",
                             texts=fmt == "json")
    render("plan-status", fmt, status, kbase, output=output)
