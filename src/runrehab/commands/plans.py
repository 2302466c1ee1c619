"""The commands that make and follow a plan: `triage`, `checkin` and `plan`. Each parses its
options, makes one call into the domain, renders the result with one renderer (render.RENDERERS)
and ends with the contract's exit code.

Documents go to stdout, prompts and messages to stderr. Heavy modules are imported inside the
commands so that `--version` and look-ups start fast.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import HistoryError, UsageError
from . import completion
from .app import app, guarded, hint, reporting_ignored, say
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

# ------------------------------------------------------------------ commands


def running_plan(db: Path | None, symptom: str | None, kbase: Any, command: str) -> Any:
    """The plan `command` acts on (history.tracking.current): `symptom`'s, the only one running,
    or, with several running and no --symptom, the one the runner picks at a terminal (without
    one: exit 2 naming the choices)."""
    from ..history.tracking import current

    choose = None
    if sys.stdin.isatty() and sys.stderr.isatty():
        from ..terminal.interview import pick_plan

        def choose(symptoms: list[str]) -> str:
            return pick_plan(kbase, symptoms)
    return current(db, symptom, kbase, choose, command)


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
    from ..answers.gather import checked_first, gathered
    from ..engine import evaluate as engine
    from ..records import RED_FLAG_LEVELS
    from ..render import render, render_batch
    from ..terminal.interview import interview

    reached = FailOn(fail_on)
    kbase = load_kb(kb)
    kbase.check_symptom(symptom)
    day = parse_day(date)
    fmt = "json" if json_out else "text"
    pairs = [*(answer or []), *([f"symptom={symptom}"] if symptom else [])]
    offer = not no_save and sys.stdin.isatty() and sys.stderr.isatty()  # a check-in instead of a new plan
    named = [p.split("=", 1)[1].strip() for p in pairs if p.split("=", 1)[0].strip() == "symptom"]
    if offer and named and named[-1] in kbase.symptoms:
        if _check_in_instead(db, named[-1], day):
            return checkin(symptom=named[-1], date=date, kb=kb, db=db)
        offer = False  # asked once
    tables: list[Any] = []

    def by_table() -> Callable[[dict[str, Any]], dict[str, Any] | None] | None:
        """A JSON batch goes by the decision table, byte for byte the engine's plans: made for it
        alone, and for a stdout whose encoding takes its lines a piece at a time."""
        from ..batch.table import DecisionTable
        from ..streams import json_bytes

        encode = json_bytes()
        if encode is None:
            return None
        tables.append(DecisionTable(kbase, encode))
        return tables[0].checked
    with gathered(kbase, answer_sources(answers, pairs, interactive), "triage", interview,
                  quick=by_table if fmt == "json" and not explain and fail_on is None else None) as (batch, cases):
        if batch:  # nothing is printed for a batch with a bad line
            if tables:
                from ..render import write_when_whole
                from ..rules.loader import batching

                with batching():
                    write_when_whole(tables[0].lines((case.answers for case in cases), day))
                return
            checked = checked_first(cases)  # every line checked, then read again and planned
            render_batch("plan", fmt, reached.seen(engine.triage(kbase, case.answers, day, explain=explain)
                                                   for case in (reporting_ignored(checked, None, batch) if explain else checked)),
                         kbase)
            reached.end()
            return
        [case] = reporting_ignored(cases, None, batch) if explain else cases
    plan = engine.triage(kbase, case.answers, day, explain=explain)
    # a warning sign's plan is kept without asking
    if not no_save and offer and plan.triage_level not in RED_FLAG_LEVELS and _check_in_instead(db, plan.symptom, day):
        return checkin(symptom=plan.symptom, date=date, kb=kb, db=db)
    if not no_save:  # saved before it is shown: what is shown is what is kept
        from ..history.tracking import keep_plan, replacing

        replaced = None if offer else replacing(db, plan.symptom, day)  # asked about already at a terminal
        path = _kept(lambda: keep_plan(db, plan, kbase), lambda: render("plan", fmt, plan, kbase))
        if replaced:
            say(f"note: {replaced}; this new plan is day 0")
        # after a warning sign the only next step is the one the plan gives: no check-in
        hint(f"saved to {path}" if plan.triage_level in RED_FLAG_LEVELS
             else f"plan saved to {path}; check in with `runrehab checkin`", quiet)
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
    from ..answers.gather import gathered
    from ..engine.evaluate import day_of_plan
    from ..engine.sessions import pain_limit
    from ..history.tracking import awaiting_clearance, check_in, day_on_plan, keep_checkin, logged_since_checkin
    from ..render import render
    from ..terminal.interview import interview

    note = text_option("--note", note)
    reached = FailOn(fail_on)
    kbase = load_kb(kb)
    day = parse_day(date)
    now = running_plan(db, symptom, kbase, "checkin")
    plan = now.plan
    day = day_on_plan(day, date is not None, plan.date)
    sources = answer_sources(answers, answer, interactive)
    with now.history:
        which = now.which(always=sources.at_terminal, chosen=symptom is not None)
        if which:  # before anything is asked
            hint(which, quiet)
        day_of_plan(plan.date, day)  # refused before anything is asked
        logged = logged_since_checkin(now, day, pain_limit(kbase, plan.symptom))  # not asked again
        known = {"exercise_pain": logged.worst_pain} if logged.worst_pain is not None else {}
        if "cleared_by_clinician" in kbase.asked(plan.symptom, "checkin") and not awaiting_clearance(now, day):
            known["cleared_by_clinician"] = False  # asked only while a warning sign waits for a clinician
        with gathered(kbase, sources, "checkin", interview,
                      plan.answers, plan.symptom, known) as (_, cases):
            [case] = reporting_ignored(cases, plan.symptom, False) if explain else cases
        if sources.at_terminal and done is None and not note:
            from ..engine.interview import red_flag_raised
            from ..terminal.interview import done_and_felt

            state = now.state(day)
            if state.routine_now and not red_flag_raised(case.answers):
                done, note = done_and_felt(kbase, state.routine)
        doc = check_in(now, kbase, case.answers, day, explain=explain, done=done or logged.exercises, note=note,
                       sessions=logged.sessions, left_out=[*(brought_on or []), *logged.stopped], keep=keep)
        fmt = "json" if json_out else "text"
        _kept(lambda: keep_checkin(now, case.answers, doc), lambda: render("checkin", fmt, doc, kbase))
    render("checkin", fmt, doc, kbase)
    reached.note(doc.triage_level)
    reached.end()


def _check_in_instead(db: Path | None, symptom: str, day: Any) -> bool:
    """At a terminal, with a plan for `symptom` running: say what a new triage does to it, and
    whether the runner takes the check-in offered instead."""
    from ..history.tracking import replacing
    from ..terminal.interview import confirm

    replaced = replacing(db, symptom, day)
    if replaced is None:
        return False
    say("Saving this triage: " + replaced + ".")
    return confirm(f"Check in on the running plan instead (nothing new is saved)? Answer n to start a new "
                   f"{symptom} plan")


def _kept(keep: Callable[[], Path], show: Callable[[], None]) -> Path:
    """What `keep` saves, and where; when the history cannot take it, what was made is shown
    all the same (its advice, a warning sign's above all, must reach its reader), then why it
    was not saved."""
    try:
        return keep()
    except HistoryError as exc:
        show()
        why = str(exc)
        raise HistoryError(why if why.endswith("nothing was saved") else f"{why}; nothing was saved") from None


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
        status = plan_status(now, day_on_plan(parse_day(date), date is not None, now.plan.date), whole=fmt == "ics")
    render("plan-status", fmt, status, kbase, output=output)
