"""The runrehab command line: each command parses its options, makes one call into the domain,
renders the result with one renderer (render.RENDERERS) and ends with the contract's exit code.

Documents go to stdout, prompts and messages to stderr. Heavy modules are imported inside the
commands so that `--version` and look-ups start fast.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer

from . import version_line
from .errors import ExitCode, RunrehabError, UsageError
from .options import (AnswerOption, AnswersOption, DateOption, DbOption, ExplainOption, InteractiveOption, JsonOption,
                      KbOption, SymptomOption, answer_sources, complete_ids, load_kb, parse_day, text_option)

if TYPE_CHECKING:
    from .answers import Gathered

app = typer.Typer(
    name="runrehab",
    help="Turn a runner's symptoms into a safe, concrete exercise plan. Not a diagnosis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def say(message: str) -> None:
    """One line on stderr, shown as text (what it quotes from files or arguments cannot act on
    the terminal)."""
    from .text import visible

    sys.stderr.write(f"runrehab: {visible(message)}\n")


def guarded(command: F) -> F:
    """Turn the domain's errors into one-line messages and the contract's exit codes."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RunrehabError as exc:
            for line in exc.report():
                sys.stderr.write(line + "\n")
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:  # what the checks above did not foresee is still one line
            from .files import shorten, why_not

            where = f": {shorten(str(exc.filename))}" if exc.filename else ""
            say(f"error: {why_not(exc)}{where}")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except KeyboardInterrupt:
            say("interrupted; nothing was saved")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except EOFError:
            say("end of input before the interview was finished; nothing was saved")
            raise typer.Exit(ExitCode.END_OF_INPUT) from None
    return wrapper  # type: ignore[return-value]


def reporting_ignored(cases: Iterator[Gathered], symptom: str | None, batch: bool) -> Iterator[Gathered]:
    """For --explain: say which answers had no effect, being outside the symptom's interview."""
    for case in cases:
        if case.ignored:
            where = f"--answers line {case.line}: " if batch else ""
            say(f"{where}ignored (not asked for {symptom or case.answers['symptom']}): {', '.join(case.ignored)}")
        yield case


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line() + "\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Turn a runner's symptoms into a safe, concrete exercise plan. Not a diagnosis."""


# ------------------------------------------------------------------ commands


@app.command()
@guarded
def triage(
    answers: AnswersOption = None,
    answer: AnswerOption = None,
    json_out: JsonOption = False,
    date: DateOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Keep this triage out of the history.")] = False,
    explain: ExplainOption = False,
    interactive: InteractiveOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """The interview: asks questions (red flags first), applies the rules, prints the plan."""
    from .answers import checked_first, gathered
    from . import engine
    from .records import RED_FLAG_LEVELS
    from .render import render, render_batch
    from .terminal import interview

    kbase = load_kb(kb)
    day = parse_day(date)
    fmt = "json" if json_out else "text"
    with gathered(kbase, answer_sources(answers, answer, interactive), "triage", interview) as (batch, cases):
        if explain:
            cases = reporting_ignored(cases, None, batch)
        if batch:  # every line is checked, then planned: nothing is printed for a batch with a bad line
            render_batch("plan", fmt, (engine.triage(kbase, case.answers, day, explain=explain)
                                       for case in checked_first(cases)), kbase)
            return
        [case] = cases
    plan = engine.triage(kbase, case.answers, day, explain=explain)
    if not no_save:  # saved before it is shown: what is shown is what is kept
        from .streams import note_saved
        from .tracking import keep_plan

        path = keep_plan(db, plan, kbase)
        note_saved(f"the plan was saved to {path}")
        # after a warning sign the only next step is the one the plan gives: no check-in
        say(f"saved to {path}" if plan.triage_level in RED_FLAG_LEVELS
            else f"plan saved to {path}; check in with `runrehab checkin`")
    render("plan", fmt, plan, kbase)


@app.command()
@guarded
def checkin(
    answers: AnswersOption = None,
    answer: AnswerOption = None,
    symptom: SymptomOption = None,
    done: Annotated[Optional[list[str]], typer.Option(
        "--done", metavar="EXERCISE", help="An exercise you did since the last check-in; repeat it.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="A note to keep with the check-in.")] = None,
    json_out: JsonOption = False,
    date: DateOption = None,
    explain: ExplainOption = False,
    interactive: InteractiveOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """A follow-up on the current plan: progress, pain, red flags again; applies the escalation rules by date."""
    from .answers import gathered
    from .engine import day_of_plan
    from .render import render
    from .streams import note_saved
    from .terminal import interview
    from .tracking import check_in, current, day_on_plan, logged_since_checkin

    note = text_option("--note", note)
    kbase = load_kb(kb)
    day = parse_day(date)
    now = current(db, symptom, kbase)
    plan = now.plan
    day = day_on_plan(day, date is not None, plan.date)
    with now.history:
        day_of_plan(plan.date, day)  # refused before anything is asked
        logged = logged_since_checkin(now, day)  # the pain the sessions logged is not asked again
        known = {"exercise_pain": logged.worst_pain} if logged.worst_pain is not None else {}
        with gathered(kbase, answer_sources(answers, answer, interactive), "checkin", interview,
                      plan.answers, plan.symptom, known) as (_, cases):
            [case] = reporting_ignored(cases, plan.symptom, False) if explain else cases
        doc = check_in(now, kbase, case.answers, day, explain=explain, done=done or logged.exercises, note=note,
                       sessions=logged.sessions)
    note_saved(f"the check-in was saved to {now.history.path}")
    render("checkin", "json" if json_out else "text", doc, kbase)


@app.command()
@guarded
def plan(
    symptom: SymptomOption = None,
    json_out: JsonOption = False,
    format: Annotated[str, typer.Option("--format", metavar="text|markdown",
                                        help="markdown: a handout to print or send to your physical therapist.")] = "text",
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="Count the days to this date (default: today).")] = None,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """The current plan, its day count, next review date and what is due today."""
    from .render import formats, render
    from .text import quoted
    from .tracking import current, day_on_plan, plan_status

    allowed = [f for f in formats("plan-status") if f != "json"]
    if format not in allowed:
        raise UsageError(f"--format: {quoted(format)} is not a format (allowed: {', '.join(allowed)})")
    kbase = load_kb(kb)
    now = current(db, symptom, kbase)
    with now.history:
        status = plan_status(now, day_on_plan(parse_day(date), date is not None, now.plan.date))
    render("plan-status", "json" if json_out else format, status, kbase)


@app.command()
@guarded
def session(
    symptom: SymptomOption = None,
    json_out: JsonOption = False,
    log: Annotated[Optional[str], typer.Option(
        "--log", metavar="FILE|-", help="Record exercises done elsewhere, from JSON (see --json); - reads stdin.")] = None,
    date: DateOption = None,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """A guided session of today's routine at a terminal (countdowns, sets, sides), logged to the history."""
    from .render import render
    from .tracking import SessionLog, current, day_on_plan, keep_logged, read_log, todays_session

    kbase = load_kb(kb)
    now = current(db, symptom, kbase)
    with now.history:
        day = day_on_plan(parse_day(date), date is not None, now.plan.date)
        doc = todays_session(now, kbase, day)
        if log is not None:
            from .sessions import log_entries

            entries = log_entries(kbase, read_log(log), now.plan, doc.exercises, day)  # all checked, then kept
            keep_logged(now, entries)
            say(f"{len(entries)} exercise(s) logged to {now.history.path}")
        elif json_out:
            render("session", "json", doc, kbase)
        elif not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("a guided session needs a terminal; use --json to print it as data, "
                             "or --log FILE to record one done elsewhere")
        else:
            from .terminal import coach

            coach(doc, kbase, SessionLog(now))


@app.command()
@guarded
def history(json_out: JsonOption = False, kb: KbOption = None, db: DbOption = None) -> None:
    """Every plan and check-in, with a pain trend."""
    from .history import History
    from .render import render
    from .tracking import timeline_document

    with History.open(db) as store:
        document = timeline_document(store)
    render("history", "json" if json_out else "text", document, None if json_out else load_kb(kb))


@app.command()
@guarded
def exercise(
    name: Annotated[str, typer.Argument(help="An exercise id, name or alias, in any case.",
                                        autocompletion=complete_ids("exercise"))],
    json_out: JsonOption = False,
    kb: KbOption = None,
) -> None:
    """One exercise: how to do it, default dose, cautions, what it is for, sources."""
    from .render import render

    kbase = load_kb(kb)
    render("exercise", "json" if json_out else "text", kbase.find_exercise(name), kbase)


@app.command()
@guarded
def exercises(json_out: JsonOption = False, kb: KbOption = None) -> None:
    """Every exercise, one line each."""
    from .render import render

    kbase = load_kb(kb)
    render("exercises", "json" if json_out else "text", list(kbase.exercises.values()), kbase)


@app.command()
@guarded
def questions(
    symptom: SymptomOption = None,
    stage: Annotated[Optional[str], typer.Option("--stage", metavar="triage|checkin",
                                                 help="Only the questions of one stage.")] = None,
    json_out: JsonOption = False,
    kb: KbOption = None,
) -> None:
    """Every question (`--symptom ID` narrows to one symptom's interview)."""
    from .render import render

    kbase = load_kb(kb)
    render("questions", "json" if json_out else "text", kbase.listed_questions(symptom, stage), kbase)


@app.command()
@guarded
def symptoms(json_out: JsonOption = False, kb: KbOption = None) -> None:
    """The symptoms the rule base covers, with a one-line description."""
    from .render import render

    kbase = load_kb(kb)
    render("symptoms", "json" if json_out else "text", kbase.rules_file.symptoms, kbase)


@app.command()
@guarded
def validate(
    kb: KbOption = None,
    json_out: JsonOption = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
) -> None:
    """Check a rule base: schema, references, reachability, safety, worked examples."""
    from .render import render
    from . import validation

    _, problems = validation.validate(kb)
    ok = not any(p.severity == "error" or strict for p in problems)
    render("validate", "json" if json_out else "text", {"ok": ok, "problems": problems})
    if not ok:
        raise typer.Exit(ExitCode.BAD_INPUT)


@app.command()
@guarded
def schema(
    name: Annotated[str, typer.Argument(metavar="NAME", help="plan, exercise, checkin (documents) or exercises, rules (files).")],
) -> None:
    """JSON Schema (draft 2020-12) of an output document or of a rule-base file."""
    from .document_models import SCHEMAS, json_schema
    from .render import render
    from .text import quoted

    if name not in SCHEMAS:
        raise UsageError(f"no schema called {quoted(name)} (allowed: {', '.join(SCHEMAS)})")
    render("schema", "json", json_schema(name))


def main() -> None:
    """Run a command (entry.main prepares the streams and ends failed output)."""
    app(prog_name="runrehab")
