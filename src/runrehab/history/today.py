"""What is due on one day for every running plan: the exercises in the order to do them, what is
already logged as done, and whether a review or an escalation checkpoint has come
(documents.TodayDoc), and the day's list with each exercise once, however many plans prescribe it.
Where each plan stands comes from history.tracking.plan_state, as in every view."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ..documents.kinds import TodayDoc, TodayDose, TodayExercise, TodayItem, TodayPlan
from ..documents.record import fields_of
from ..documents.vocabulary import ORDER, when
from ..engine.programme import on_day
from ..errors import NothingToActOn
from .chain import Reader
from .store import History
from .tracking import day_on_plan, due_escalations, exercised, plan_state

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


def today_document(db: Path | None, day: dt.date, kbase: KnowledgeBase, given: bool = True) -> TodayDoc:
    """What is due on `day` for every plan running on it; NothingToActOn when there is none.
    Without a `given` date, a plan made in a time zone ahead of this one counts from its day 0."""
    with History.open(db) as history:
        plans = []
        for stored in history.current_plans():
            plan = stored.record
            on = day_on_plan(day, given, plan.date)
            if plan.date > on:  # not started yet on that day
                continue
            state = plan_state(plan, Reader(history, stored.id, plan).standing(), exercised(history, stored.id, plan.date, on))
            done = history.exercises_logged_on(on, plan.symptom)
            plan_day = (on - plan.date).days
            items = sorted((TodayItem(**fields_of(i), when=when(i.timing), done=i.exercise in done)
                            for i in on_day(state.routine if state.routine_now else [], plan_day)), key=lambda i: ORDER.index(i.when))
            plans.append(TodayPlan(
                symptom=plan.symptom, plan_date=plan.date, day=plan_day, status=state.status,
                current_level=state.current_level, since=state.since, why=state.why,
                decided_by="check-in" if state.latest else "triage", exercises=items, done=done, resting=state.resting,
                next_review=state.next_review,
                review_due=state.next_review is not None and state.next_review <= on,
                due=due_escalations(plan, state, plan_day)))
    if not plans:
        raise NothingToActOn(f"no plan running on {day} in {history.path}: "
                             "start one with `runrehab triage` (it asks a few questions and saves the plan)")
    return TodayDoc(date=day, plans=plans, exercises=once_each(plans))


def once_each(plans: list[TodayPlan]) -> list[TodayExercise]:
    """The day's exercises, each once, with every plan's dose of it attributed (no source says
    which of two doses wins); in the order to do them, by where the first plan puts it."""
    doses: dict[str, list[TodayDose]] = {}
    names: dict[str, str] = {}
    for plan in plans:
        for item in plan.exercises:
            names.setdefault(item.exercise, item.name)
            doses.setdefault(item.exercise, []).append(TodayDose(
                symptom=plan.symptom, dose=item.dose, timing=item.timing, when=item.when, done=item.done))
    return sorted((TodayExercise(exercise=e, name=names[e], doses=d) for e, d in doses.items()),
                  key=lambda e: ORDER.index(e.doses[0].when))
