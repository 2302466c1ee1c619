"""How a routine goes on from one check-in to the next: a dose steps up or down one step at a
time, at most once a day and never up before the first morning after; an exercise that brings on
symptoms is left out; after a warning sign the exercises wait for a clinician's clearance. Pure:
the earlier check-ins come in as documents, oldest first."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from ..documents.kinds import Dose, Range
from ..documents.record import Record, updated
from ..documents.vocabulary import RED_FLAG_LEVELS, level_rank

# One step of a dose: a set, two repetitions, ten seconds (graded running: a minute; a step: 10 cm). What the runner does is the bottom of
# each range (engine.sessions.steps_of). Up, the repetitions or the time rise first and the sets last;
# down, the other way round, so that a step down undoes the last step up.
# A step of graded running is a minute more running in each set; of a step-down, a higher step.
_STEPS = (("reps", 2), ("hold_seconds", 10), ("duration_seconds", 10), ("run_seconds", 60), ("step_height_cm", 10),
          ("sets", 1))


def stepped(dose: Dose, end: str, floor: Dose | None = None) -> Dose:
    """`dose` one step toward the `end` ("lower" or "upper") of its ranges. Up, the bottom of the
    first range that is not yet at its top rises one step; down, the bottom of the first range
    (sets first) that is above the bottom of `floor` (the dose the source gave; default: `dose`
    itself) falls one step. Never past the range the source gave."""
    floor = dose if floor is None else floor
    for name, step in _STEPS if end == "upper" else _STEPS[::-1]:
        r = getattr(dose, name)
        if r is None:
            continue
        if end == "upper" and r.min < r.max:
            return updated(dose, **{name: Range(min=min(r.min + step, r.max), max=r.max)})
        least = getattr(floor, name).min if getattr(floor, name) is not None else r.min
        if end == "lower" and r.min > least:
            return updated(dose, **{name: Range(min=max(r.min - step, least), max=r.max)})
    return dose


def _lower(dose: Dose, than: Dose) -> bool:
    """Whether `dose` asks for less than `than` in some part."""
    return any(getattr(dose, name) is not None and getattr(than, name) is not None
               and getattr(dose, name).min < getattr(than, name).min for name, _ in _STEPS)


def _warning(c: Record) -> bool:
    """A check-in at which a warning sign was answered yes."""
    return c.triage_level in RED_FLAG_LEVELS and bool(c.red_flags)


def _clears(c: Record) -> bool:
    """A check-in at which the runner said a clinician has cleared them, with no warning sign."""
    return bool(c.answers.get("cleared_by_clinician")) and not c.red_flags


class Before(NamedTuple):
    """What a plan's earlier check-ins tell the next one (before_checkin makes it)."""

    latest: list[Record] | None = None  # the routine to go on with (None: the plan's)
    day_start: dict[str, Dose] = {}  # noqa: RUF012  (never changed: read only)  # doses the day began with: a step starts there
    lowered_today: bool = False  # an earlier check-in that day stepped a dose down
    worse_mornings: int = 0  # check-ins running, on the days before, that said worse the next morning
    warning: Record | None = None  # the warning-sign check-in no clinician has cleared yet


def walk_step(plan: Record, source: Record, warning: Record | None, c: Record) -> tuple[Record, Record | None]:
    """One check-in `c` of _walk: (the document whose routine goes on, the warning sign not yet
    cleared), from those the check-ins before it left (`source`, `warning`). After a referral or a
    stop for how it went, a check-in that goes on goes on with the plan's routine; a warning sign
    keeps the routine it found until a clinician clears the runner."""
    if _warning(c) and (warning is None or level_rank(c.triage_level) < level_rank(warning.triage_level)):
        return source, c  # a milder sign later never stands in for a graver one still waiting
    if _warning(c) or (c.triage_level in RED_FLAG_LEVELS and warning is not None):
        return source, warning  # still waiting for the clearance: nothing changes
    if c.decision in ("escalate", "stop"):
        return plan, None if _clears(c) else warning
    return c, None if _clears(c) else warning


def first_warning(plan: Record) -> Record | None:
    """The warning sign waiting before any check-in: the plan's own, when it began with one."""
    return plan if plan.triage_level in RED_FLAG_LEVELS else None


def _walk(plan: Record, checkins: list[Record]) -> tuple[list[Record], Record | None]:
    """(the routine the check-ins leave to go on with, the warning sign not yet cleared)."""
    source, warning = plan, first_warning(plan)
    for c in checkins:
        source, warning = walk_step(plan, source, warning, c)
    return list(source.routine), warning


def worse_step(before_day: int, c: Record) -> int:
    """The days running, up to `c`'s (the last check-in of its day), that said worse the next
    morning; `before_day`: the same count up to the day before."""
    return before_day + 1 if c.answers.get("morning_after") == "worse" else 0


def before_checkin(plan: Record, checkins: list[Record], date: dt.date) -> Before:
    """What the check-ins before one on `date` tell it."""
    earlier = [c for c in checkins if c.date < date]
    worse, before_day, day = 0, 0, None
    for c in earlier:
        if c.date != day:
            before_day, day = worse, c.date
        worse = worse_step(before_day, c)
    return before_from(_walk(plan, earlier)[0], _walk(plan, checkins),
                       [c for c in checkins if c.date == date], worse)


def before_from(start: list[Record], latest: tuple[list[Record], Record | None], same_day: list[Record],
                worse: int) -> Before:
    """What a check-in is told by: the routine the check-ins of the days before left (`start`),
    what every check-in leaves (`latest`: _walk), the check-ins already made that day, and the
    mornings running that were worse."""
    day_start = {i.exercise: i.dose for i in start}
    lowered = any(_lower(i.dose, day_start[i.exercise]) for c in same_day for i in c.routine if i.exercise in day_start)
    return Before(latest=latest[0], day_start=day_start, lowered_today=lowered, worse_mornings=worse,
                  warning=latest[1])


def left_out_advice(names: list[str]) -> list[str]:
    """What a check-in says of the exercises it leaves out because they brought on symptoms."""
    return [f"Left out of the routine, as it brought on your symptoms: {name}." for name in names]


def waiting_message(warning: Record) -> str:
    """A check-in's words while a warning sign waits for a clinician."""
    said = getattr(warning, "message", None) or warning.headline  # a check-in's words, or a plan's
    return (f"No exercises until a clinician has seen you about the warning sign of {warning.date} and cleared "
            f"you to carry on; then check in again and say so. {said}")


def cleared_message(warning: Record, routine: list[Record], keep: list[str] | None, headline: str) -> str:
    """The words of a check-in at which a clinician's clearance after `warning` brings the routine
    back (`routine`), before its rule's `headline`."""
    if not routine and getattr(warning, "message", None) is None:  # the plan itself began with the sign
        return (f"A clinician has cleared you to carry on after the warning sign of {warning.date}. This plan began "
                "with it and has no routine to bring back: for exercises, run `runrehab triage` again.")
    if not routine:
        return headline
    kept = "" if keep is None else ", as much of it as the clinician said to keep"
    return (f"A clinician has cleared you to carry on after the warning sign of {warning.date}: the routine is back "
            f"at the dose you did before it{kept}. {headline}")
