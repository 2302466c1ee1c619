"""A session: today's routine as ordered steps (sets, sides, holds, repetitions, rests), the pain
above which an exercise stops, what a logged exercise holds, and this week's adherence. Pure: no
I/O, no clock; the terminal coach (terminal/engine/interview.py) and `session --json` both follow these steps."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..documents.as_json import to_data
from ..documents.kinds import Adherence, Session, SessionExercise, SessionStep, Tempo
from ..documents.record import Record
from ..documents.vocabulary import when
from ..errors import UsageError
from ..rules.conditions import leaves

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

# A pause to breathe between sets, not a dose: no source gives one, and Enter ends it early.
REST_SECONDS = 30
# The order of the sides: the exercises' steps, as their sources describe them, work the right side
# first ("grab your right knee", "cross your right foot over your left knee"), then swap.
SIDES = ("right", "left")
MAX_SETS = 99  # what `runrehab done --sets` takes


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
    out: list[SessionStep] = []
    for side in SIDES if dose.per_side else (None,):  # the whole dose on one side, then the other
        for n in range(1, sets + 1):
            if n > 1:
                out.append(SessionStep(exercise=item.exercise, set=n, side=None, kind="rest", target=REST_SECONDS,
                                       seconds=REST_SECONDS))
            out.append(SessionStep(exercise=item.exercise, set=n, side=side, kind=kind, target=target, seconds=seconds,
                                   tempo=tempo and Tempo(up=tempo.up, hold=tempo.hold, down=tempo.down)))
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
    """`session --log` input checked whole against the plan.

    Args:
        kb: the rule base.
        data: the file's JSON: a list of objects, or one.
        plan: the plan the exercises were done for.
        routine: the plan's routine now; each entry names one of its exercises.
        today: the latest date an entry may have (the earliest is the plan's).

    Returns:
        The entries as plain data (LogEntry's fields), each with its pain during.

    Raises:
        UsageError: naming the entry and what is allowed.
    """
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


def adherence(plan_date: dt.date, today: dt.date, rounds: dict[dt.date, int]) -> Adherence:
    """This week's sessions: one a day is planned, from Monday or the plan's date if later, to
    `today`; done: the rounds of exercises logged on those days (rounds_by_day)."""
    start = max(today - dt.timedelta(days=today.weekday()), plan_date)
    planned = max((today - start).days + 1, 0)
    return Adherence(since=start, planned=planned, done=sum(n for d, n in rounds.items() if start <= d <= today))


def rounds_by_day(logged: list[tuple[dt.date, str, int]]) -> dict[dt.date, int]:
    """Sessions counted by the exercises done: on each day, as many rounds as the exercise done
    most often that day (two rounds a day count as two); an exercise logged with no set done
    (stopped before its first) counts for nothing. `logged`: (date, exercise, sets) each."""
    counts: dict[dt.date, dict[str, int]] = {}
    for day, exercise, sets in logged:
        if sets > 0:
            by_exercise = counts.setdefault(day, {})
            by_exercise[exercise] = by_exercise.get(exercise, 0) + 1
    return {day: max(by_exercise.values()) for day, by_exercise in counts.items()}


def done_this_round(logged: list[str], ids: list[str]) -> list[str]:
    """Of the exercises `ids`, those done in the round under way: logged (with a set done) more
    often today than the rounds every one of them has completed."""
    counts = {i: logged.count(i) for i in ids}
    rounds = min(counts.values(), default=0)
    return [i for i in ids if counts[i] > rounds]


def session_part(routine: list[Record], after_run: bool) -> tuple[list[Record], str | None]:
    """The part of a routine a guided session does, and what it says at its end: the
    before-run exercises, then "go for your run now", and `after_run` the rest; a routine with
    nothing before a run is one part (`after_run`: its after-run exercises)."""
    before = [i for i in routine if when(i.timing) == "before a run"]
    rest = [i for i in routine if when(i.timing) != "before a run"]
    if after_run:
        return (rest if before else [i for i in routine if when(i.timing) == "after a run"]), None
    if before and rest:
        return before, (f"Go for your run now. After it, `runrehab session --after-run` does the other "
                        f"{len(rest)} exercise(s).")
    return routine, None


def done_entry(doc: Session, exercise: str, sets: int | None, pain: int | None) -> dict[str, Any]:
    """The log entry of `runrehab done`: one exercise of the session `doc`, done as planned (its
    sets, both sides when it is per side, the hold, time or repetitions of the day), or with
    `sets` given (1 to MAX_SETS). UsageError when `exercise` is not in the session."""
    ids = [e.exercise for e in doc.exercises]
    if exercise not in ids:
        raise UsageError(f"done: {exercise} is not in today's routine (allowed: {', '.join(ids)})")
    steps = [s for s in doc.steps if s.exercise == exercise and s.kind != "rest"]
    planned = max(s.set for s in steps)
    step = steps[0]
    return checked_entry({"exercise": exercise, "date": doc.date.isoformat(), "sets": planned if sets is None else sets,
                          "sides": sorted({s.side for s in steps if s.side}),
                          "seconds": step.seconds if step.kind != "reps" else None,
                          "reps": step.target if step.kind == "reps" else None,
                          "pain_during": pain, "stopped": False})
