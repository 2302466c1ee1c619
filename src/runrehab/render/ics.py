"""The current plan as an iCalendar file (RFC 5545) a phone calendar imports: review dates and
escalation checkpoints as all-day events, and the routine's sessions as daily recurring events
with the exercises in their description. Written with the standard library; the tests read it
back with the `icalendar` package."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..records import ORDER, RED_FLAG_LEVELS, Record, when
from ..safe_text import visible
from .words import dose_text, now_words

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

SESSION_WEEKS = 1  # sessions repeat until the next review, or for a week when none is set


def _escaped(text: str) -> str:
    """`text` as RFC 5545 TEXT, which holds no control character: a line break is `\\n`, and every
    other control character (a bare CR, ESC, NUL, C1) or bidirectional mark is written out as
    text.visible writes it, so that no reader splits a line or an event on it."""
    return (visible(text.replace("\r\n", "\n")).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _folded(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def _event(uid: str, stamp: str, day: dt.date, summary: str, description: str, rule: str | None = None) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
             f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}", f"SUMMARY:{_escaped(summary)}",
             f"DESCRIPTION:{_escaped(description)}", "TRANSP:TRANSPARENT"]
    if rule:
        lines.append(f"RRULE:{rule}")
    return lines + ["END:VEVENT"]


def plan_calendar(status: Record, kb: KnowledgeBase) -> str:
    """The calendar of a plan as `runrehab plan` sees it on its day (documents.PlanStatus)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    uid = f"{status.symptom}-{status.date.isoformat()}"
    today = status.date + dt.timedelta(days=status.day)
    decided = status.last_checkin is not None
    events: list[list[str]] = []
    if status.status in ("escalated", "stopped") or status.current_level in RED_FLAG_LEVELS:
        events.append(_event(f"{uid}-decision@runrehab", stamp, status.since,
                             f"runrehab: {now_words(status.status, status.current_level, decided)}", status.why))
    if status.next_review:
        events.append(_event(f"{uid}-review-{status.next_review.isoformat()}@runrehab", stamp, status.next_review,
                             "runrehab: review your plan",
                             f"Check in on the plan: runrehab checkin --symptom {status.symptom}"))
    start = status.last_checkin.date if decided else status.date
    if not (status.status in ("escalated", "stopped") or status.current_level in RED_FLAG_LEVELS):
        for e in status.escalation:
            if e.after_days > 0:
                day = start + dt.timedelta(days=e.after_days)
                events.append(_event(f"{uid}-checkpoint-{day.isoformat()}@runrehab", stamp, day,
                                     f"runrehab checkpoint: {e.action}", f"If {e.if_}: {e.action} (level {e.level})"))
    until = status.next_review or today + dt.timedelta(weeks=SESSION_WEEKS)
    for group in ORDER:
        items = [i for i in (status.current_routine if status.routine_now else []) if when(i.timing) == group]
        if not items:
            continue
        description = "\n".join(f"{i.name}: {dose_text(i.dose)}" + (f" ({i.timing})" if i.timing else "") for i in items)
        events.append(_event(f"{uid}-{group.replace(' ', '-')}@runrehab", stamp, today,
                             f"runrehab: exercises {group}", description,
                             f"FREQ=DAILY;UNTIL={max(until, today):%Y%m%d}"))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//runrehab//runrehab plan//EN", "CALSCALE:GREGORIAN",
             *(line for event in events for line in event), "END:VCALENDAR"]
    return "".join(_folded(line) + "\r\n" for line in lines)
