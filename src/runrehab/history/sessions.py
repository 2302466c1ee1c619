"""A plan's sessions: today's session for the plan (the plan state decides whether there is one),
the sessions of every running plan due today, exercises logged as they are done, and a log of
exercises done elsewhere read from JSON."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.evaluate import day_of_plan
from ..engine.programme import on_day
from ..errors import NothingToActOn
from ..files import read_json
from .tracking import Current, day_on_plan

if TYPE_CHECKING:
    from ..documents.kinds import LogSummary, Session
    from ..documents.record import Record
    from ..rules.kb import KnowledgeBase
    from .store import History


def todays_session(now: Current, kbase: KnowledgeBase, today: dt.date, rested: bool = False,
                   after_run: bool | None = None) -> Session:
    """The session of `today` for `now`'s plan (engine.sessions.session_document).

    Args:
        now: the current plan and its history.
        kbase: the rule base.
        today: the day of the session.
        rested: the rest the plan begins with is over (`session --rest-done`).
        after_run: given, only the part a guided session does around a run
            (engine.sessions.session_part; its closing words are `ending(...)`).

    Returns:
        Session: the whole routine, or that part.

    Raises:
        NothingToActOn: the latest decision leaves no exercises, or the plan's rest comes first
            (Resting).
    """
    from ..engine.sessions import session_document, session_part

    routine = _routine_now(now, today, rested)
    if after_run is not None:
        routine, _ = session_part(routine, after_run)
        if not routine:
            raise NothingToActOn(f"no exercises after a run in today's {now.plan.symptom} routine")
    return session_document(kbase, now.plan, routine, today)


def ending(now: Current, today: dt.date, after_run: bool) -> str | None:
    """What a guided session of that part says at its end ("go for your run now")."""
    from ..engine.sessions import session_part

    return session_part(_routine_now(now, today, True), after_run)[1]


def done_today(now: Current, doc: Session) -> list[str]:
    """The exercises of the session `doc` done already in today's round under way."""
    from ..engine.sessions import done_this_round

    logged = [e.exercise for e in now.history.exercises_logged(doc.date, doc.date, now.stored.id) if e.entry["sets"] > 0]
    return done_this_round(logged, [e.exercise for e in doc.exercises])


def _routine_now(now: Current, today: dt.date, rested: bool) -> list[Record]:
    day_of_plan(now.plan.date, today, "the session")
    state = now.state(today, rested)
    if state.resting:
        raise Resting(f"the {now.plan.symptom} plan says to give it a rest first: no exercises until the rest is "
                      "done; then start the routine with `runrehab session` at a terminal, which asks, or say so at "
                      f"a check-in (`runrehab checkin --symptom {now.plan.symptom}`)")
    if not state.routine_now:  # a warning sign, an escalation or a stop: its own message says what to do instead
        raise NothingToActOn(f"no exercises to do for {now.plan.symptom}: {state.why}")
    return on_day(list(state.routine), (today - now.plan.date).days)  # each item with that day's dose


class Resting(NothingToActOn):
    """The plan says rest first, and nothing yet says the rest is done."""


@dataclass
class Due:
    """A running plan in a session of all that are due today: its session (None when it has
    none today, `why` says why) on its own day `day`."""

    now: Current
    day: dt.date
    doc: Session | None
    why: str = ""
    resting: bool = False


def all_due(history: History, kbase: KnowledgeBase, day: dt.date, given: bool, after_run: bool,
            rested: frozenset[str] = frozenset()) -> list[Due]:
    """Every running plan on `day` (the most recent first) with the part of its session a guided
    session does (`after_run`), or why there is none: resting (unless its symptom is in `rested`),
    nothing to do now, nothing in that part, or every exercise of it logged as done today."""
    due = []
    for stored in history.current_plans():
        now = Current(history, stored, stored.record)
        on = day_on_plan(day, given, now.plan.date)
        if now.plan.date > on:  # not started yet on that day
            continue
        try:
            doc = todays_session(now, kbase, on, now.plan.symptom in rested, after_run)
        except NothingToActOn as exc:
            due.append(Due(now, on, None, str(exc), isinstance(exc, Resting)))
            continue
        logged = history.exercises_logged_on(on, now.plan.symptom)
        if all(e.exercise in logged for e in doc.exercises):
            due.append(Due(now, on, None, f"the {now.plan.symptom} plan's exercises are all logged as done today "
                                          f"(another round: `runrehab session --symptom {now.plan.symptom}`)"))
            continue
        due.append(Due(now, on, doc))
    return due


def done_elsewhere(now: Current, doc: Session) -> dict[str, list[str]]:
    """The exercises of `doc` logged as done on its day for another running plan: exercise id →
    those plans' symptoms (a guided session says so before coaching one again)."""
    ids = {e.exercise for e in doc.exercises}
    running = {p.id for p in now.history.current_plans()}
    found: dict[str, list[str]] = {}
    for log in now.history.exercises_logged(doc.date):
        if log.plan_id != now.stored.id and log.plan_id in running and log.exercise in ids and log.entry["sets"] > 0:
            found.setdefault(log.exercise, [])
            if log.symptom not in found[log.exercise]:
                found[log.exercise].append(log.symptom)
    return found


def keep_logged(now: Current, entries: list[dict[str, Any]], day: dt.date) -> LogSummary:
    """Keep the exercises of a session done elsewhere, in one transaction: the whole log or none of
    it; what the plan already held (the same exercise, date and time) is kept once, and said."""
    from ..documents.kinds import LogSummary
    from ..documents.stored import shaped

    logged, already = now.history.log_exercises(now.stored.id, entries)
    return LogSummary(date=day, symptom=now.plan.symptom, plan_date=now.plan.date, path=str(now.history.path),
                      logged=[shaped("logged", e) for e in logged], already=[shaped("logged", e) for e in already])


@dataclass
class SessionLog:
    """Where the coach keeps each exercise as it is done, and later how it felt."""

    now: Current

    def done(self, entry: dict[str, Any]) -> int:
        """Keep an exercise as it is done, at the time of day it was (what tells two sessions of
        one day apart: documents.LoggedEntry)."""
        timed = {**entry, "time": entry.get("time") or dt.datetime.now().strftime("%H:%M")}
        return self.now.history.log_exercise(self.now.stored.id, timed)

    def felt(self, log_id: int, pain: int) -> None:
        self.now.history.log_pain(log_id, pain)


LOG_LIMIT = 1 << 20  # a session's log is a few hundred bytes; a megabyte is already far too many


def read_log(spec: str) -> Any:
    """The JSON of `session --log FILE|-`; UsageError naming what is wrong with it."""
    return read_json(spec, LOG_LIMIT, "--log", "; expected a list of objects with exercise, date, sets, seconds or "
                                               "reps, pain_during")
