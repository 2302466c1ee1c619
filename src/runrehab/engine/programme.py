"""Programmes that change by the week (a trial's week 2 and week 4): the dose of a routine item
on any day of its plan. One answer for every view: the plan, today, the session."""
from __future__ import annotations

from typing import Any

from ..documents.record import Record, updated


def dose_on(item: Record, day: int) -> Any:
    """The dose of a routine item on `day` of its plan (0: the plan's date): the last later step
    of its programme begun by then, else the item's own dose (the first week's, as check-ins
    have moved it)."""
    dose = item.dose
    for step in getattr(item, "programme", None) or ():
        if 0 < step.from_day <= day:
            dose = step.dose
    return dose


def on_day(routine: list[Any], day: int) -> list[Any]:
    """The routine as it is done on `day` of the plan: each item with that day's dose."""
    return [item if not getattr(item, "programme", None) else updated(item, dose=dose_on(item, day)) for item in routine]


def week_of(day: int) -> int:
    """The plan's week a day falls in: days 0-6 are week 1."""
    return day // 7 + 1
