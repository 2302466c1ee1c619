"""A dose as every document prints it: sets, repetitions, holds and times as ranges, the load
and tempo where a source gives them, how often (`schedule`, beside the words), and the steps of
a programme that changes by the week."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from .base import Document, Limits

Count = Annotated[int, Limits(ge=0)]


class Range(Document):
    min: Count
    max: Count


class Schedule(Document):
    """A dose's frequency as data: times a day and days a week as ranges (null: the source gives
    no count), before or after runs, a programme of so many weeks."""

    times_per_day: Optional[Range] = None
    days_per_week: Optional[Range] = None
    relative_to_run: Optional[Literal["before", "after"]] = None
    weeks: Optional[Annotated[int, Limits(ge=1)]] = None


class Load(Document):
    """How heavy: a repetition maximum (`rm`) and what adds the weight, in words (`added`)."""

    rm: Optional[Annotated[int, Limits(ge=1, le=100)]] = None
    added: Optional[str] = None


class Tempo(Document):
    """Seconds of one repetition: up, held at the top, down."""

    up: Annotated[int, Limits(ge=0, le=60)]
    hold: Annotated[int, Limits(ge=0, le=60)] = 0
    down: Annotated[int, Limits(ge=0, le=60)]


class Dose(Document):
    sets: Optional[Range] = None
    reps: Optional[Range] = None
    hold_seconds: Optional[Range] = None
    duration_seconds: Optional[Range] = None
    per_side: bool = False
    frequency: Optional[str] = None
    schedule: Optional[Schedule] = None  # null: the frequency words only
    step_height_cm: Optional[Range] = None
    run_seconds: Optional[Range] = None
    walk_seconds: Optional[Range] = None
    load: Optional[Load] = None
    tempo_seconds: Optional[Tempo] = None


class ProgrammeStep(Document):
    """From day `from_day` of the plan (7 for week 2), `dose` replaces the dose before it."""

    from_day: Count
    dose: Dose
