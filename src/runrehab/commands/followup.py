"""The commands that follow a plan over the weeks: what is due today, a guided session, the
history, and forgetting it. Each parses its options, makes one call into the domain and renders
the result (the same shape as commands/plans.py, whose app they register on)."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from .app import app, guarded, hint, say
from .options import DateOption, DbOption, JsonOption, KbOption, QuietOption, SymptomOption, examples, load_kb, output_format, parse_day


@app.command(epilog=examples("today"))
@guarded
def today(
    json_out: JsonOption = False,
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="The day to show (default: today).")] = None,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """What is due today for every running plan: exercises in order, what is logged as done, reviews due."""
    from ..history.today import today_document
    from ..render import render

    kbase = load_kb(kb)
    render("today", "json" if json_out else "text", today_document(db, parse_day(date), kbase, given=date is not None), kbase)


@app.command(epilog=examples("forget"))
@guarded
def forget(
    symptom: SymptomOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Delete the whole history: every plan and check-in.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (for scripts).")] = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """Delete a symptom's plans and their check-ins (--symptom ID), or the whole history (--all)."""
    from ..history.tracking import forget_plans
    from ..terminal.interview import confirm

    if (symptom is None) == (not everything):
        raise UsageError("forget: give --symptom ID or --all (one of them)")
    if symptom is not None:
        load_kb(kb).check_symptom(symptom)
    say(forget_plans(db, symptom, None if yes else confirm if sys.stdin.isatty() else False))


@app.command(epilog=examples("session"))
@guarded
def session(
    symptom: SymptomOption = None,
    json_out: JsonOption = False,
    log: Annotated[Optional[str], typer.Option(
        "--log", metavar="FILE|-", help="Record exercises done elsewhere, from JSON (see --json); - reads stdin.")] = None,
    date: DateOption = None,
    quiet: QuietOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """A guided session of today's routine at a terminal (countdowns, sets, sides), logged to the history."""
    from ..history.tracking import SessionLog, current, day_on_plan, keep_logged, read_log, todays_session
    from ..render import render
    from ..render.words import logged_words

    kbase = load_kb(kb)
    now = current(db, symptom, kbase)
    with now.history:
        day = day_on_plan(parse_day(date), date is not None, now.plan.date)
        doc = todays_session(now, kbase, day)
        if log is not None:
            from ..engine.sessions import log_entries

            entries = log_entries(kbase, read_log(log), now.plan, doc.exercises, day)  # all checked, then kept
            summary = keep_logged(now, entries, day)
            if json_out:
                render("session-log", "json", summary, kbase)
            hint(logged_words(summary), quiet)
        elif json_out:
            render("session", "json", doc, kbase)
        elif not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("a guided session needs a terminal; use --json to print it as data, "
                             "or --log FILE to record one done elsewhere")
        else:
            from ..terminal.coach import coach

            coach(doc, kbase, SessionLog(now))


@app.command(epilog=examples("history"))
@guarded
def history(
    json_out: JsonOption = False,
    format: Annotated[str, typer.Option("--format", metavar="text|csv",
                                        help="csv: a row per reading (triage, check-in, logged exercise) "
                                             "for a spreadsheet.")] = "text",
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """Every plan and check-in, each headed by where it stands now, with a pain trend."""
    from ..history.listing import listing
    from ..history.store import History
    from ..render import formats, render

    fmt = output_format(json_out, format, [f for f in formats("history") if f != "json"])
    kbase = None if fmt != "text" else load_kb(kb)
    with History.open(db) as store:
        render("history", fmt, listing(store), kbase)
