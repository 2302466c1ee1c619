"""A check-in: the plan it follows up found, what the logged sessions already tell filled in, the
check-in's questions asked, the engine's decision made and kept in the history."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..answers.gather import AnswerSources, gathered
from ..engine.evaluate import day_of_plan
from ..engine.interview import red_flag_raised
from ..engine.sessions import pain_limit
from ..history.tracking import (
    Current,
    awaiting_clearance,
    check_in,
    current,
    day_on_plan,
    keep_checkin,
    logged_since_checkin,
)
from .kept import Kept, keeping
from .person import Person, telling_ignored

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


class CheckinRequest(NamedTuple):
    """A check-in as its options ask for it."""

    sources: AnswerSources
    day: dt.date  # --date, else today
    dated: bool = False  # the day was given (--date): it is taken as it is, never moved to the plan's
    symptom: str | None = None  # the plan's symptom (--symptom); without it, the only plan running
    explain: bool = False  # the check-in carries its trace, and answers without effect are named
    done: list[str] | None = None  # exercises done since the last check-in (--done)
    note: str | None = None
    brought_on: tuple[str, ...] = ()  # exercises that brought on the symptoms: left out
    keep: list[str] | None = None  # after a warning sign, cleared: the exercises to keep (default: all)
    db: Path | None = None


def running(db: Path | None, symptom: str | None, kbase: KnowledgeBase, person: Person, command: str) -> Current:
    """The plan a command acts on (history.tracking.current).

    Args:
        db: the history file (default: the user's).
        symptom: the plan's symptom (--symptom); None for the only plan running.
        kbase: the rule base.
        person: picks one when several run and they can be asked.
        command: the command's name, as messages say it.

    Returns:
        Current: the history, open, and the plan (several running, no symptom, no one to ask:
        exit 2 naming the choices).
    """
    def choose(symptoms: list[str]) -> str:
        return person.pick_plan(kbase, symptoms)

    return current(db, symptom, kbase, choose if person.converses else None, command)


def checkin(kbase: KnowledgeBase, request: CheckinRequest, person: Person) -> Kept:
    """The check-in on the current plan, kept in the history. Refused before anything is asked
    when there is no plan, or the day is before the plan's."""
    now = running(request.db, request.symptom, kbase, person, "checkin")
    plan = now.plan
    day = day_on_plan(request.day, request.dated, plan.date)
    sources = request.sources
    with now.history:
        which = now.which(always=sources.at_terminal, chosen=request.symptom is not None)
        if which:  # before anything is asked
            person.hint(which)
        day_of_plan(plan.date, day)  # refused before anything is asked
        logged = logged_since_checkin(now, day, pain_limit(kbase, plan.symptom))  # not asked again
        known = {"exercise_pain": logged.worst_pain} if logged.worst_pain is not None else {}
        if "cleared_by_clinician" in kbase.asked(plan.symptom, "checkin") and not awaiting_clearance(now, day):
            known["cleared_by_clinician"] = False  # asked only while a warning sign waits for a clinician
        with gathered(kbase, sources, "checkin", person.interview,
                      plan_answers=plan.answers, symptom=plan.symptom, known=known) as given:
            [case] = telling_ignored(given.cases(), plan.symptom, False, person) if request.explain else given.cases()
        done, note = request.done, request.note
        if sources.at_terminal and done is None and not note:
            state = now.state(day)
            if state.routine_now and not red_flag_raised(case.answers):
                done, note = person.done_and_felt(kbase, state.routine)
        doc = check_in(now, kbase, case.answers, day, explain=request.explain, done=done or logged.exercises,
                       note=note, sessions=logged.sessions, left_out=[*request.brought_on, *logged.stopped],
                       keep=request.keep)
        return keeping(doc, lambda: keep_checkin(now, case.answers, doc))
