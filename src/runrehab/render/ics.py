"""The current plan as an iCalendar file (RFC 5545) a phone calendar imports: review dates and
escalation checkpoints as all-day events, and the routine's sessions as recurring events with the
exercises in their description. Written with the standard library; the tests read it back with
the `icalendar` package and import it into khal.

Exported again after any change, it updates what was imported in place: every event keeps its
UID from one export to the next (a UID names what the event is, never its date), SEQUENCE is the
number of check-ins and DTSTAMP the time of the export, and an event that held after an earlier
check-in (or at the triage) but no longer does is sent again as STATUS:CANCELLED. How often a
session recurs is what the doses' schedules say: a daily rule only for daily work; work done
"several times a week" falls on the runner's run days when they have given them, and otherwise
is one event across the weeks that says so."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, get_args

from ..documents.kinds import CheckinSummary
from ..documents.record import Record
from ..documents.vocabulary import ORDER, Weekday, when
from ..engine.state import state_of, statuses_after
from ..safe_text import visible
from .words import checkpoints, dose_text, now_words, timing_words

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

SESSION_WEEKS = 1  # sessions repeat until the next review, or for a week when none is set
_BYDAY = {d: d[:2].upper() for d in get_args(Weekday)}  # mon -> MO (RFC 5545 BYDAY), in week order
_WEEKDAY = {d: n for n, d in enumerate(_BYDAY)}


def _escaped(text: str) -> str:
    """`text` as RFC 5545 TEXT, which holds no control character: a line break is `\\n`, and every
    other control character (a bare CR, ESC, NUL, C1) or bidirectional mark is written out as
    text.visible writes it, so that no reader splits a line or an event on it."""
    return (visible(text.replace("\r\n", "\n")).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _folded(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    if line.isascii():  # an octet a character: cut where the octets fall
        return "\r\n ".join([line[:75], *(line[at:at + 74] for at in range(75, len(line), 74))])
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


@dataclass(frozen=True)
class Event:
    day: dt.date
    summary: str
    description: str | Callable[[], str]  # or what writes it, when the event is written (most held ones never are)
    rule: str | None = None
    last: dt.date | None = None  # the last day of an event that spans days (default: `day` alone)

    def lines(self, uid: str, stamp: str, sequence: int, cancelled: bool) -> list[str]:
        end = (self.last or self.day) + dt.timedelta(days=1)
        description = self.description if isinstance(self.description, str) else self.description()
        lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"SEQUENCE:{sequence}",
                 f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}", f"DTSTART;VALUE=DATE:{self.day:%Y%m%d}",
                 f"DTEND;VALUE=DATE:{end:%Y%m%d}", f"SUMMARY:{_escaped(self.summary)}",
                 f"DESCRIPTION:{_escaped(description)}", "TRANSP:TRANSPARENT"]
        if self.rule:
            lines.append(f"RRULE:{self.rule}")
        return lines + ["END:VEVENT"]


def _how_often(item: Record, group: str, run_days: list[str]) -> str:
    """How an item's sessions recur: `daily`, `run-days` (the runner's run days), or `weekly-note`
    (no count the calendar could follow: one event across the weeks, in words)."""
    schedule = item.dose.schedule
    days = schedule.days_per_week if schedule else None
    if days is not None and days.min == 7:
        return "daily"
    around_runs = group != "during the day" or (schedule is not None and schedule.relative_to_run is not None)
    if run_days and around_runs and (days is None or days.max >= len(run_days) >= days.min):
        return "run-days"
    return "weekly-note"


def _sessions(state: Record, uid: str, run_days: list[str]) -> dict[str, Event]:
    start = state.since
    until = max(state.next_review or start + dt.timedelta(weeks=SESSION_WEEKS), start)
    events: dict[str, Event] = {}
    for group in ORDER:
        kinds: dict[str, list[Record]] = {}
        for item in (i for i in state.routine or [] if when(i.timing) == group):
            kinds.setdefault(_how_often(item, group, run_days), []).append(item)
        for kind, items in kinds.items():
            weeks = [i.dose.schedule.weeks for i in items if i.dose.schedule and i.dose.schedule.weeks]
            last = min([until, *(start + dt.timedelta(days=7 * w - 1) for w in weeks)]) if len(weeks) == len(items) else until
            description = partial(_described, items)
            name = f"{uid}-{group.replace(' ', '-')}-{kind}@runrehab"
            if kind == "daily":
                events[name] = Event(start, f"runrehab: exercises {group}", description, f"FREQ=DAILY;UNTIL={last:%Y%m%d}")
            elif kind == "run-days":
                first = next(start + dt.timedelta(days=n) for n in range(7)
                             if (start + dt.timedelta(days=n)).weekday() in {_WEEKDAY[d] for d in run_days})
                byday = ",".join(_BYDAY[d] for d in run_days)
                events[name] = Event(first, f"runrehab: exercises {group} (your run days)", description,
                                     f"FREQ=WEEKLY;BYDAY={byday};UNTIL={max(last, first):%Y%m%d}")
            else:
                events[name] = Event(start, f"runrehab: exercises {group}, several times a week", partial(
                    _described, items, "\n\nNo set days: the source gives no count. To see them on the days you run, "
                                       "set them with: runrehab settings --run-days mon,wed,sat"), last=last)
    return events


def _described(items: list[Record], after: str = "") -> str:
    """A session's description: each exercise with its dose and when to do it, then `after`."""
    return "\n".join(f"{i.name}: {dose_text(i.dose, frequency=False)}; {timing_words(i)}" for i in items) + after


def _events(status: Record, state: Record, run_days: list[str]) -> dict[str, Event]:
    """The events that hold in `state` (where the plan stood after some of its check-ins), with
    these run days, by UID."""
    uid = f"{status.symptom}-{status.date.isoformat()}"
    decided = state.latest is not None
    ended = not state.running
    events: dict[str, Event] = {}
    if not state.routine_now:  # what to do instead of exercises (or first: a rest), on the day it was decided
        shown = state.latest or status
        advice = "\n".join(f"- {a}" for a in shown.advice)
        events[f"{uid}-decision@runrehab"] = Event(
            state.since, f"runrehab: {now_words(state.status, state.current_level, decided)}",
            state.why + (f"\n\n{advice}" if advice else ""))
    if state.next_review and not ended:
        events[f"{uid}-review@runrehab"] = Event(state.next_review, "runrehab: review your plan",
                                                 f"Check in on the plan: runrehab checkin --symptom {status.symptom}")
    if not ended:
        for key, day, e in checkpoints(state.latest or status):
            events[f"{uid}-checkpoint-{key}@runrehab"] = Event(day, f"runrehab checkpoint: {e.action}",
                                                               f"If {e.if_}: {e.action}")
    return events | (_sessions(state, uid, run_days) if state.routine_now else {})


def plan_calendar(status: Record, kb: KnowledgeBase) -> str:
    """The calendar of a plan as `runrehab plan` sees it on its day (documents.PlanStatus): the
    events that hold now, then, cancelled, those that held after an earlier check-in, or with the
    run days given or not (`runrehab settings` may have changed them since the last export)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    checkins = list(status.checkins or ([status.last_checkin] if status.last_checkin else []))
    sequence = len(checkins)
    run_days = list(status.run_days or [])
    exercised = bool(status.sessions)  # an exercise logged: the rest a plan may ask for first is over
    statuses = statuses_after(checkins)
    now = _events(status, state_of(status, statuses[-1], checkins[-1] if checkins else None, exercised), run_days)
    held: dict[str, Event] = {}
    for n in range(sequence + 1):
        if n and isinstance(checkins[n - 1], CheckinSummary):
            continue  # where the plan stood then, dates aside, it stands again later: those events are sent from there
        for days in ([], run_days or ["mon"]):
            held |= _events(status, state_of(status, statuses[n], checkins[n - 1] if n else None, exercised), days)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//runrehab//runrehab plan//EN", "CALSCALE:GREGORIAN",
             *(line for uid, event in now.items() for line in event.lines(uid, stamp, sequence, False)),
             *(line for uid, event in sorted(held.items()) if uid not in now  # in one order, however found
               for line in event.lines(uid, stamp, sequence, True)),
             "END:VCALENDAR"]
    return "".join(_folded(line) + "\r\n" for line in lines)
