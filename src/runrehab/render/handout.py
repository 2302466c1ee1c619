"""What a clinician needs from the handout, at every status: the decision now and the rules and
guidelines behind it, every check-in (newest first), the pain trend, the warning signs asked and
each answer, the other answers given at the triage, and the sessions done with the routine tried
and the doses reached. As Markdown lines (render/markdown.py adds them to the handout; the HTML
handout is that Markdown as a page)."""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..documents.record import Record
from .words import DECISION_WORDS, choice_words, cited, dose_text, now_words, timing_words, trend_word

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

Escape = Callable[[str], str]


def _day(plan_date: dt.date, day: dt.date) -> str:
    return f"{day.isoformat()} (day {(day - plan_date).days})"


def _question(kb: KnowledgeBase, qid: str) -> str:
    question = kb.questions.get(qid)
    return question.text if question else qid


def _is_warning_sign(kb: KnowledgeBase, qid: str) -> bool:
    question = kb.questions.get(qid)
    return bool(question and question.red_flag)


def _decision(status: Record, kb: KnowledgeBase, md: Escape) -> list[str]:
    latest = status.last_checkin
    decided = latest is not None
    what = (f"check-in of {_day(status.date, latest.date)}: {DECISION_WORDS[latest.decision]}" if decided
            else f"triage of {status.date.isoformat()}")
    lines = ["### The decision now", "",
             f"**{md(now_words(status.status, status.current_level, decided))}**, decided at the {md(what)}.", "",
             md(status.why), "", "It rests on:", ""]
    rules = {r.id: r for r in (latest.rules if decided else status.rules)}
    return lines + [f"- {md(cited(r.source))}" for r in rules.values()]


def _checkins(status: Record, checkins: list[Record], days: list[str], kb: KnowledgeBase, md: Escape) -> list[str]:
    lines = ["", "### Check-ins, newest first", ""]
    if not checkins:
        return lines + ["None yet."]
    lines += ["| Date | Progress | Pain | Decision |", "| --- | --- | --- | --- |"]
    said: dict[tuple[Any, Any, str], str] = {}  # each row's cells after its date, once: a year of check-ins repeats a few
    for c, day in zip(reversed(checkins), reversed(days)):
        key = (c.progress, c.pain_score, c.decision)
        cells = said.get(key)
        if cells is None:
            progress = "not asked" if c.progress is None else choice_words(kb, "progress", c.progress)
            pain = "not asked" if c.pain_score is None else f"{c.pain_score}/10"
            cells = said[key] = f" | {md(progress)} | {pain} | {md(DECISION_WORDS[c.decision])} |"
        lines.append(f"| {day} (day {(c.date - status.date).days}){cells}")
    return lines


def _pain(status: Record, checkins: list[Record], days: list[str]) -> list[str]:
    readings = [(status.date.isoformat(), "triage", status.answers.get("pain_score"))]
    readings += [(day, "check-in", c.pain_score) for c, day in zip(checkins, days)]
    shown = [(d, what, p) for d, what, p in readings if isinstance(p, int)]
    trend = " → ".join(f"{p}/10 on {d} ({what})" for d, what, p in shown)
    return ["", "### Pain trend", "", f"{trend or 'no readings'}: {trend_word([p for _, _, p in shown])}."]


def _warning_signs(status: Record, checkins: list[Record], days: list[str], kb: KnowledgeBase, md: Escape) -> list[str]:
    days = [status.date.isoformat(), *days]  # the places' dates: the triage's, then each check-in's
    places: dict[Any, list[int]] = {}  # by what was answered to each warning sign: the places (triage, check-ins)
    given: dict[Any, list[tuple[str, Any]]] = {}  # ... and those answers, in the order first met
    # by each mapping of answers met (answers kept alike are one: CheckinSummary.warning_answers), its
    # places; `met` keeps each alive, so that no id is used again
    by_id: dict[int, list[int]] = {}
    met: list[dict[str, Any]] = []
    for at, answers in enumerate((status.answers, *(c.warning_answers for c in checkins))):
        where = by_id.get(id(answers))
        if where is None:
            met.append(answers)
            key: Any = tuple((q, type(v), v) for q, v in answers.items())  # True and 1 apart: each has its words
            try:
                where = places.get(key)
            except TypeError:  # an answer that is a list
                key = tuple((q, kind, _hashable(v)) for q, kind, v in key)
                where = places.get(key)
            if where is None:
                where = places[key] = []
                given[key] = [(q, v) for q, v in answers.items() if _is_warning_sign(kb, q)]
            by_id[id(answers)] = where
        where.append(at)
    asked: dict[str, dict[str, list[list[int]]]] = {}  # question -> answer -> the places it was given
    for key, where in places.items():
        for qid, value in given[key]:
            asked.setdefault(qid, {}).setdefault(choice_words(kb, qid, value), []).append(where)
    lines = ["", "### Warning signs asked, and each answer", ""]
    if not asked:
        return lines + ["None asked."]
    lines += ["| Warning sign | Answers |", "| --- | --- |"]
    joined: dict[int, str] = {}  # each list of places' dates, joined once (a year: every sign's "no" alike)
    return lines + [f"| {md(_question(kb, q))} | "
                    + "; ".join(f"**{md(v)}** on " + _dates(days, w, joined) for v, w in a.items()) + " |"
                    for q, a in asked.items()]


def _hashable(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, bool)) else repr(value)


def _dates(days: list[str], where: list[list[int]], joined: dict[int, str]) -> str:
    """The dates of the places `where` (lists of places, one a set of answers alike), in order."""
    if len(where) > 1:  # answers that read alike, given apart
        return ", ".join(map(days.__getitem__, sorted(itertools.chain(*where))))
    text = joined.get(id(where[0]))
    if text is None:
        text = joined[id(where[0])] = ", ".join(map(days.__getitem__, where[0]))
    return text


def _triage_answers(status: Record, kb: KnowledgeBase, md: Escape) -> list[str]:
    shown = {q: v for q, v in status.answers.items() if not _is_warning_sign(kb, q)}
    lines = ["", f"### Answers given at the triage ({status.date.isoformat()})", ""]
    said = {**shown, **({"symptom": kb.symptoms[v].name} if (v := shown.get("symptom")) in kb.symptoms else {})}
    return lines + [f"- {md(_question(kb, q))} **{md(v if q == 'symptom' else choice_words(kb, q, v))}**"
                    for q, v in said.items()]


def _routine_tried(status: Record) -> list[Record]:
    """Every exercise prescribed since the triage, in the order first given, each at its latest
    dose (what a check-in left out or an escalation ended still counts as tried)."""
    tried = getattr(status, "routine_tried", None)  # history.tracking.plan_status reads it; a new plan's is its routine
    return list(status.routine if tried is None else tried)


def _reached(entries: list[Record]) -> str:
    if not entries:
        return "not logged"
    best = max(entries, key=lambda e: (e.sets, e.seconds or 0, e.reps or 0))
    amount = f", {best.seconds} s" if best.seconds else f", {best.reps} reps" if best.reps else ""
    pains = [e.pain_during for e in entries if e.pain_during is not None]
    stopped = sum(e.stopped for e in entries)
    return (f"{len(entries)} time(s); at most {best.sets} set(s){amount}"
            + (f"; pain during up to {max(pains)}/10" if pains else "") + (f"; stopped early {stopped} time(s)" if stopped else ""))


def _sessions(status: Record, md: Escape) -> list[str]:
    logged = list(status.sessions or ())
    days = sorted({e.date for e in logged})
    lines = ["", "### Sessions done, and the routine tried", ""]
    lines.append(f"{len(logged)} exercise(s) logged on {len(days)} day(s)"
                 + (f", from {days[0].isoformat()} to {days[-1].isoformat()}." if days else "."))
    routine = _routine_tried(status)
    if not routine:
        return lines + ["", "No routine was prescribed."]
    lines += ["", "| Exercise | Dose prescribed | Done |", "| --- | --- | --- |"]
    return lines + [f"| {md(i.name)} | {md(dose_text(i.dose, frequency=False) + ', ' + timing_words(i))} | {md(_reached([e for e in logged if e.exercise == i.exercise]))} |"
                    for i in routine]


def clinician_lines(status: Record, kb: KnowledgeBase, md: Escape) -> list[str]:
    """The handout's section for the clinician, as Markdown lines; `md` escapes text."""
    checkins = list(status.checkins or ())
    days = [c.date.isoformat() for c in checkins]
    return (["", "## For the clinician", ""] + _decision(status, kb, md) + _checkins(status, checkins, days, kb, md)
            + _pain(status, checkins, days) + _warning_signs(status, checkins, days, kb, md)
            + _triage_answers(status, kb, md) + _sessions(status, md))
