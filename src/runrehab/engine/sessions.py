"""A session: today's routine as ordered steps (sets, sides, holds, repetitions, rests), the pain
above which an exercise stops, what a logged exercise holds, and this week's adherence. Pure: no
I/O, no clock; the terminal coach (terminal/engine/interview.py) and `session --json` both follow these steps."""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from ..documents.kinds import Adherence, Session, SessionExercise, SessionStep, Tempo
from ..errors import UsageError
from ..records import RED_FLAG_LEVELS, Record
from ..rules.conditions import leaves

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

# A pause to breathe between sets, not a dose: no source gives one, and Enter ends it early.
REST_SECONDS = 30
MAX_SETS = 99
MAX_SECONDS = 3600
MAX_REPS = 999
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    (5 for tight hips, the pain-monitoring model; 4 for graded running on the shin; 0 for nerve
    symptoms, "stop if symptoms are present"). Without such a rule, any pain stops an exercise: the cautious reading."""
    limits = [leaf.value for rule in kb.rules_for(symptom, "checkin") if rule.then.load == "lower" and rule.when
              for leaf, _ in leaves(rule.when)
              if leaf.question == "exercise_pain" and leaf.op == "gt" and isinstance(leaf.value, int)]
    return min(limits, default=0)


def _low(r: Record | None) -> int | None:
    """Today's number from a prescribed range: its bottom, which the check-ins raise a step at a time."""
    return None if r is None else r.min


def tempo_phases(tempo: Record) -> list[tuple[str, int]]:
    """One repetition at a tempo as the coach counts it: ("up", 3), ("hold", 2), ("down", 3),
    leaving out a phase of no seconds."""
    return [(phase, seconds) for phase, seconds in (("up", tempo.up), ("hold", tempo.hold), ("down", tempo.down))
            if seconds]


def tempo_count(tempo: Record) -> str:
    """One repetition's count in words: "up 1-2-3, hold 1-2, down 1-2-3"."""
    return ", ".join(f"{phase} " + "-".join(str(k) for k in range(1, seconds + 1)) for phase, seconds in tempo_phases(tempo))


def steps_of(item: Record) -> list[SessionStep]:
    """The ordered steps of one routine item."""
    dose = item.dose
    if dose.run_seconds is not None:
        return _run_walk(item)
    if dose.hold_seconds is not None:
        kind, target, seconds = "hold", _low(dose.hold_seconds), _low(dose.hold_seconds)
    elif dose.duration_seconds is not None:
        kind, target, seconds = "duration", _low(dose.duration_seconds), _low(dose.duration_seconds)
    else:  # repetitions; with no count given (snow angels), as the exercise describes
        kind, target, seconds = "reps", _low(dose.reps), None
    tempo = dose.tempo_seconds if kind == "reps" and target else None
    if tempo is not None:
        seconds = target * sum(s for _, s in tempo_phases(tempo))
    sets = _low(dose.sets) or 1
    sides: tuple[str | None, ...] = ("left", "right") if dose.per_side else (None,)
    out: list[SessionStep] = []
    for n in range(1, sets + 1):
        if n > 1:
            out.append(SessionStep(exercise=item.exercise, set=n, side=None, kind="rest", target=REST_SECONDS,
                                   seconds=REST_SECONDS))
        out += [SessionStep(exercise=item.exercise, set=n, side=side, kind=kind, target=target, seconds=seconds,
                            tempo=tempo and Tempo(up=tempo.up, hold=tempo.hold, down=tempo.down))
                for side in sides]
    return out


def _run_walk(item: Record) -> list[SessionStep]:
    """Graded running: each set a run, then a walk (the walk is the recovery: no rest besides)."""
    dose, out = item.dose, []
    for n in range(1, (_low(dose.sets) or 1) + 1):
        run = _low(dose.run_seconds)
        out.append(SessionStep(exercise=item.exercise, set=n, side=None, kind="duration", target=run, seconds=run))
        if dose.walk_seconds is not None:
            walk = _low(dose.walk_seconds)
            out.append(SessionStep(exercise=item.exercise, set=n, side=None, kind="walk", target=walk, seconds=walk))
    return out


def session_document(kb: KnowledgeBase, plan: Record, routine: list[Record], day: dt.date) -> Session:
    """`session --json`: the routine of `day` as steps, in the plan's order."""
    return Session(date=day, symptom=plan.symptom, plan_date=plan.date,
                   pain_limit=pain_limit(kb, plan.symptom), stop_if=list(plan.stop_if),
                   exercises=[SessionExercise(exercise=i.exercise, name=i.name, dose=i.dose) for i in routine],
                   steps=[step for item in routine for step in steps_of(item)])


# ------------------------------------------------------------------ what is logged

_LOG_FIELDS = ("exercise", "date", "sets", "sides", "seconds", "reps", "pain_during", "stopped")


def _count(data: dict[str, Any], key: str, low: int, high: int, *, required: bool = False) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if type(value) is not int or not low <= value <= high:
        shown = "missing" if value is None else repr(value)[:40]
        raise ValueError(f"{key}: {shown} (allowed: a whole number {low}-{high})")
    return value


def checked_entry(data: Any) -> dict[str, Any]:
    """One logged exercise as stored (documents.LogEntry): `exercise`, `date`, `sets`,
    `sides`, `seconds` or `reps`, `pain_during` (0-10, or null when not asked), `stopped`.
    ValueError saying what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("expected an object with exercise, date, sets, seconds or reps, pain_during")
    unknown = [k for k in data if k not in _LOG_FIELDS]
    if unknown:
        raise ValueError(f"{str(unknown[0])[:40]!r} is not a field (allowed: {', '.join(_LOG_FIELDS)})")
    if not isinstance(data.get("exercise"), str) or not data["exercise"]:
        raise ValueError("exercise: missing (an exercise id)")
    date = data.get("date")
    try:
        if not isinstance(date, str) or not _DATE.fullmatch(date):
            raise ValueError
        dt.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"date: {str(date)[:40]!r} is not a date (expected YYYY-MM-DD)") from None
    if "seconds" in data and "reps" in data and data["seconds"] is not None and data["reps"] is not None:
        raise ValueError("give seconds or reps, not both")
    sides = data.get("sides", [])
    if not isinstance(sides, list) or any(s not in ("left", "right") for s in sides) or len(set(sides)) < len(sides):
        raise ValueError(f"sides: {str(sides)[:40]} (allowed: a list of left, right)")
    stopped = data.get("stopped", False)
    if type(stopped) is not bool:
        raise ValueError(f"stopped: {str(stopped)[:40]!r} (allowed: true, false)")
    return {"exercise": data["exercise"], "date": date, "sets": _count(data, "sets", 0, MAX_SETS, required=True),
            "sides": sides, "seconds": _count(data, "seconds", 0, MAX_SECONDS),
            "reps": _count(data, "reps", 0, MAX_REPS), "pain_during": _count(data, "pain_during", 0, 10),
            "stopped": stopped}


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
            entry = checked_entry(item)
            if entry["pain_during"] is None:
                raise ValueError("pain_during: missing (allowed: a whole number 0-10)")
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
