"""The commands that follow a plan over the weeks: what is due today, a guided session, the
history, and forgetting it. Each parses its options, makes one call into the domain and renders
the result (the same shape as commands/plans.py, whose app they register on)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import NothingToActOn, UsageError
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
    after_run: Annotated[bool, typer.Option(
        "--after-run", help="The part after a run (a guided session stops before the run: go for it, then this).")] = False,
    rest_done: Annotated[bool, typer.Option(
        "--rest-done", help="The rest the plan asks for first is done: start the routine today.")] = False,
    date: DateOption = None,
    quiet: QuietOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """A guided session of today's routine at a terminal (countdowns, sets, sides), logged to the history."""
    from ..history.sessions import Resting, SessionLog, keep_logged, read_log, todays_session
    from ..history.tracking import day_on_plan
    from ..render import render
    from ..render.words import logged_words
    from .plans import running_plan

    if after_run and log is not None:
        raise UsageError("--after-run: not with --log (a log names its exercises itself)")
    kbase = load_kb(kb)
    at_terminal = sys.stdin.isatty() and sys.stderr.isatty()
    if symptom is None and at_terminal and log is None and not json_out:
        from ..terminal.interview import EVERY, pick_plan

        running = _running(db)
        if len(running) > 1:
            symptom = pick_plan(kbase, running, every=True)
            if symptom == EVERY:
                return _every_due(db, kbase, date, after_run, rest_done)
    now = running_plan(db, symptom, kbase, "session")
    with now.history:
        day = day_on_plan(parse_day(date), date is not None, now.plan.date)
        # a guided session does the part before a run, or the part after it; --json and --log the whole day
        part = after_run if after_run or not (log is not None or json_out) else None
        try:  # exercises logged from elsewhere say the rest is over, as a session done here does
            doc = todays_session(now, kbase, day, rest_done or log is not None, part)
        except Resting as exc:
            from ..terminal.interview import confirm

            if json_out or not at_terminal or not confirm(
                    "The plan says to give it a rest first. Is the rest done, so that the routine starts today?"):
                raise exc from None
            doc = todays_session(now, kbase, day, True, part)
        if log is not None:
            from ..engine.sessions import log_entries

            entries = log_entries(kbase, read_log(log), now.plan, doc.exercises, day)  # all checked, then kept
            summary = keep_logged(now, entries, day)
            if json_out:
                render("session-log", "json", summary, kbase)
            hint(logged_words(summary), quiet)
        elif json_out:
            render("session", "json", doc, kbase)
        elif not at_terminal:
            raise UsageError("a guided session needs a terminal; use --json to print it as data, "
                             "or --log FILE to record one done elsewhere")
        else:
            from ..history.sessions import done_elsewhere, done_today, ending
            from ..terminal.coach import coach

            coach(doc, kbase, SessionLog(now), signs=_signs(now.plan), done_before=done_today(now, doc),
                  ending=ending(now, day, bool(after_run)), also=done_elsewhere(now, doc))


def _running(db: Path | None) -> list[str]:
    """The symptoms of the running plans, the most recent first."""
    from ..history.store import History

    with History.open(db) as history:
        return list(dict.fromkeys(p.symptom for p in history.current_plans()))


def _signs(plan: Any) -> list[tuple[str, list[str]]]:
    """A plan's warning signs alone, grouped by how soon to get help (a session shows them first)."""
    from ..render.words import help_groups

    return [g for g in help_groups(plan.date, plan.escalation) if g[1]]


def _every_due(db: Path | None, kbase: Any, date: str | None, after_run: bool, rest_done: bool) -> None:
    """`session` with "all that are due today" picked: each running plan's session in turn, a plan
    that rests first asked about as a session of it alone asks; why each other plan is left out."""
    from ..history.sessions import SessionLog, all_due, done_elsewhere, done_today, ending
    from ..history.store import History
    from ..render.timeline import symptom_name
    from ..terminal.every import Part, coach_every
    from ..terminal.interview import confirm

    with History.open(db) as history:
        due = all_due(history, kbase, parse_day(date), date is not None, after_run)
        rested = frozenset(d.now.plan.symptom for d in due if d.resting and (rest_done or confirm(
            f"The {d.now.plan.symptom} plan says to give it a rest first. Is the rest done, so that its routine "
            "starts today?")))
        if rested:
            due = all_due(history, kbase, parse_day(date), date is not None, after_run, rested)
        parts = [Part(d.now.plan.symptom, symptom_name(kbase, d.now.plan.symptom), d.doc, SessionLog(d.now),
                      _signs(d.now.plan), done_today(d.now, d.doc), lambda d=d: done_elsewhere(d.now, d.doc),
                      ending(d.now, d.day, after_run)) for d in due if d.doc is not None]
        if not parts:
            raise NothingToActOn("no session due today: " + "; ".join(d.why for d in due))
        coach_every(parts, kbase, [d.why for d in due if d.doc is None])


@app.command(epilog=examples("done"))
@guarded
def done(
    exercise: Annotated[str, typer.Argument(metavar="ID", help="The exercise done (an id or name of today's routine).")],
    sets: Annotated[Optional[str], typer.Option("--sets", metavar="N", help="Sets done (default: as planned).")] = None,
    pain: Annotated[Optional[str], typer.Option(
        "--pain", metavar="0-10", help="Pain or symptoms during it (asked at a terminal).")] = None,
    symptom: SymptomOption = None,
    date: DateOption = None,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """Log one exercise of today's routine as done (the whole dose as planned, or --sets N)."""
    from ..engine.sessions import MAX_SETS, done_entry
    from ..errors import NotFound
    from ..history.sessions import SessionLog, todays_session
    from ..history.tracking import day_on_plan
    from .plans import running_plan

    sets_done, pain_during = _whole("--sets", sets, 1, MAX_SETS), _whole("--pain", pain, 0, 10)
    kbase = load_kb(kb)
    try:  # the id is checked before anything is asked
        found = kbase.find_exercise(exercise).id
    except NotFound as exc:
        raise UsageError(f"done: {exc}") from None
    now = running_plan(db, symptom, kbase, "done")
    with now.history:
        day = day_on_plan(parse_day(date), date is not None, now.plan.date)
        doc = todays_session(now, kbase, day, rested=True)  # an exercise done says the rest is over
        entry = done_entry(doc, found, sets_done, pain_during)
        if pain_during is None and sys.stdin.isatty() and sys.stderr.isatty():
            from ..terminal.interview import pain_during

            entry["pain_during"] = pain_during(found)
        SessionLog(now).done(entry)
        logged = now.history.exercises_logged_on(day, now.plan.symptom)
        ids = [e.exercise for e in doc.exercises]
        say(f"logged {found} ({entry['sets']} set(s)) on {day} for the {now.plan.symptom} plan; "
            f"{sum(i in logged for i in ids)} of {len(ids)} of today's exercises done")


def _whole(option: str, text: str | None, low: int, high: int) -> int | None:
    """A whole-number option in its range; UsageError in one line otherwise."""
    from ..safe_text import quoted

    if text is None:
        return None
    if not (text.strip().isdigit() and low <= int(text) <= high):
        raise UsageError(f"{option}: {quoted(text)} is not allowed (allowed: a whole number {low}-{high})")
    return int(text)


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
