"""A session: today's routine as ordered steps (sets, sides, holds, repetitions, rests), the pain
above which an exercise stops, what a logged exercise holds, and this week's adherence. Pure: no
I/O, no clock; the terminal coach (terminal/engine/interview.py) and `session --json` both follow these steps."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..documents.kinds import Adherence, Session, SessionExercise, SessionStep
from ..errors import UsageError
from ..records import RED_FLAG_LEVELS, Record, to_data
from ..rules.conditions import leaves

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

# A pause to breathe between sets, not a dose: no source gives one, and Enter ends it early.
REST_SECONDS = 30


def routine_today(plan: Record, last_checkin: Record | None) -> list[Record]:
    """The routine as last prescribed: the latest check-in's, else the plan's. Empty when the
    plan's level, or the latest decision, leaves nothing to do (a warning sign, escalate, stop)."""
    if plan.triage_level in RED_FLAG_LEVELS:
        return []
    if last_checkin is None:
        return list(plan.routine)
    if last_checkin.triage_level in RED_FLAG_LEVELS or last_checkin.decision in ("escalate", "stop"):
        return []
    return list(last_checkin.routine)


def pain_limit(kb: KnowledgeBase, symptom: str) -> int:
    """The pain during an exercise (0-10) above which it stops: the lowest `exercise_pain` a
    check-in rule of the symptom lowers the load above, so the session and the check-in agree
    (5 for tight hips, the pain-monitoring model; 0 for nerve symptoms, "stop if symptoms are
    present"). Without such a rule, any pain stops an exercise: the cautious reading."""
    limits = [leaf.value for rule in kb.rules_for(symptom, "checkin") if rule.then.load == "lower" and rule.when
              for leaf, _ in leaves(rule.when)
              if leaf.question == "exercise_pain" and leaf.op == "gt" and isinstance(leaf.value, int)]
    return min(limits, default=0)


def _low(r: Record | None) -> int | None:
    """Today's number from a prescribed range: its bottom, which the check-ins raise a step at a time."""
    return None if r is None else r.min


def steps_of(item: Record) -> list[SessionStep]:
    """The ordered steps of one routine item."""
    dose = item.dose
    if dose.hold_seconds is not None:
        kind, target, seconds = "hold", _low(dose.hold_seconds), _low(dose.hold_seconds)
    elif dose.duration_seconds is not None:
        kind, target, seconds = "duration", _low(dose.duration_seconds), _low(dose.duration_seconds)
    else:  # repetitions; with no count given (snow angels), as the exercise describes
        kind, target, seconds = "reps", _low(dose.reps), None
    sets = _low(dose.sets) or 1
    sides: tuple[str | None, ...] = ("left", "right") if dose.per_side else (None,)
    out: list[SessionStep] = []
    for n in range(1, sets + 1):
        if n > 1:
            out.append(SessionStep(exercise=item.exercise, set=n, side=None, kind="rest", target=REST_SECONDS,
                                   seconds=REST_SECONDS))
        out += [SessionStep(exercise=item.exercise, set=n, side=side, kind=kind, target=target, seconds=seconds)
                for side in sides]
    return out


def session_document(kb: KnowledgeBase, plan: Record, routine: list[Record], day: dt.date) -> Session:
    """`session --json`: the routine of `day` as steps, in the plan's order."""
    return Session(date=day, symptom=plan.symptom, plan_date=plan.date,
                   pain_limit=pain_limit(kb, plan.symptom), stop_if=list(plan.stop_if),
                   exercises=[SessionExercise(exercise=i.exercise, name=i.name, dose=i.dose) for i in routine],
                   steps=[step for item in routine for step in steps_of(item)])


# ------------------------------------------------------------------ what is logged

def checked_entry(data: Any, given: bool = False) -> dict[str, Any]:
    """One logged exercise as JSON data, checked against its document: documents.LogEntry when
    `given` to `session --log` (its pain during required), else documents.LoggedEntry as the
    history keeps it. ValueError saying what is wrong."""
    from ..documents.stored import shaped

    return to_data(shaped("log" if given else "logged", data))


def entry_key(entry: dict[str, Any]) -> tuple[str, str, str | None]:
    """What tells two logged exercises apart: the exercise, the date and the time (null when none was given)."""
    return entry["exercise"], entry["date"], entry.get("time")


def log_entries(kb: KnowledgeBase, data: Any, plan: Record, routine: list[Record], today: dt.date) -> list[dict[str, Any]]:
    """`session --log` input (a list of objects, or one) checked whole against the plan: each an
    exercise of its routine, dated from the plan's date to `today`, with its pain during.
    UsageError naming the entry and what is allowed."""
    items = data if isinstance(data, list) else [data]
    if not items:
        raise UsageError("--log: no exercises in it (expected a list of objects, one per exercise done)")
    ids = [i.exercise for i in routine]
    out = []
    for n, item in enumerate(items, 1):
        where = f"--log entry {n}" if isinstance(data, list) else "--log"
        try:
            entry = checked_entry(item, given=True)
            if entry["exercise"] not in ids:
                raise ValueError(f"exercise: {entry['exercise'][:40]!r} is not in today's routine"
                                 f" (allowed: {', '.join(ids)})")
            day = dt.date.fromisoformat(entry["date"])
            if not plan.date <= day <= today:
                raise ValueError(f"date: {day} is outside the plan (allowed: {plan.date} to {today})")
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None
        out.append(entry)
    return out


def adherence(plan_date: dt.date, today: dt.date, days_done: set[dt.date]) -> Adherence:
    """This week's sessions: one a day is planned, from Monday or the
    plan's date if later, to `today`; a day with an exercise logged counts as a session done."""
    start = max(today - dt.timedelta(days=today.weekday()), plan_date)
    planned = max((today - start).days + 1, 0)
    return Adherence(since=start, planned=planned, done=len({d for d in days_done if start <= d <= today}))
