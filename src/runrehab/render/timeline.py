"""Views of plans over time as rich text: the current plan, today's work and the history. Each
opens with where the plan stands now (history.tracking.plan_state): what to do, since when, and why."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from ..documents.record import Record
from ..documents.vocabulary import ORDER
from .text import LEVEL_STYLE, Text, _bullets, _heading, _sections, _unicode_ok
from .words import (
    DECISION_WORDS,
    LEVEL_SHORT,
    REST_FIRST_WORDS,
    adherence_text,
    checkin_summary,
    checkpoint_day,
    dose_text,
    now_words,
    since_words,
    timing_words,
    trend_word,
)

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


def symptom_name(kb: KnowledgeBase, symptom: str) -> str:
    """A symptom's name as the views show it (its id, for a symptom the rule base no longer has)."""
    found = kb.symptoms.get(symptom)
    return found.name if found else symptom


def plan_status_view(status: Record, kb: KnowledgeBase) -> Group:
    """The decision first (a panel), then what goes with it: the routine to follow now, or the
    advice that replaces it; then the plan's facts and the check-in that decided."""
    parts: list[Any] = []
    if status.other_plans:
        parts.append(Text(f"Showing the {status.symptom} plan; also running: "
                          + ", ".join(f"{s} (runrehab plan --symptom {s})" for s in status.other_plans), style="dim"))
    decided = status.last_checkin is not None
    style = LEVEL_STYLE[status.current_level]
    parts.append(Panel(Text(status.why, style=style), title=Text(now_words(status.status, status.current_level, decided),
                                                                 style=style),
                       subtitle=Text(f"{symptom_name(kb, status.symptom)} · since {status.since.isoformat()} · day {status.day}"),
                       box=box.ROUNDED if _unicode_ok() else box.ASCII, expand=True))
    review = f"Next review: {status.next_review.isoformat()}." if status.next_review else None
    shown = status.last_checkin or status
    if not status.running:
        parts.append(Text("\nNo routine to follow now: do what the advice says.", style="bold"))
    elif status.rest_first and not status.routine_now:
        parts.append(Text(f"\n{REST_FIRST_WORDS}", style="bold"))
    heading = "Your upkeep routine" if status.status == "upkeep" else "Your routine"
    parts += _sections(shown, status.current_routine, kb, heading, review)
    facts = f"Day {status.day} of this plan (started {status.date.isoformat()}, {LEVEL_SHORT[status.triage_level]})."
    parts.append(Text(f"\n{facts}", style="bold"))
    if status.adherence is not None:
        parts.append(Text(adherence_text(status.adherence)))
    if decided:
        last = status.last_checkin
        parts.append(Text(f"Decided at the check-in of {last.date.isoformat()} (day {last.day}): "
                          f"{checkin_summary(last, kb)}: {DECISION_WORDS[last.decision]}."))
    if status.due:
        parts += [_heading("Due now"), _bullets(f"Since {checkpoint_day(status.date, e.after_days)}: if {e.if_}: {e.action}"
                                                  for e in status.due)]
    return Group(*parts)


def today_view(doc: Record, kb: KnowledgeBase) -> Group:
    """Every running plan's work for the day, in the order to do it, with what is logged as done."""
    parts: list[Any] = [Text(f"Today, {doc.date.isoformat()}", style="bold")]
    for plan in doc.plans:
        decided = plan.decided_by == "check-in"
        parts += [Text(""), Text(f"{symptom_name(kb, plan.symptom)} · day {plan.day} · "
                                 f"{now_words(plan.status, plan.current_level, decided)}",
                                 style=LEVEL_STYLE[plan.current_level])]
        parts.append(Text(f"  {since_words(plan.status, plan.current_level, plan.since, plan.why, decided)}"))
        if plan.exercises:
            _today_rows(parts, doc, plan)
            left = sum(not i.done for i in plan.exercises)
            parts.append(Text(f"  {len(plan.exercises) - left} of {len(plan.exercises)} logged as done; "
                              f"do them with `runrehab session{_pick(doc, plan)}`, or log one done with "
                              f"`runrehab done ID{_pick(doc, plan)}`"))
        elif plan.resting:
            parts.append(Text(f"  {REST_FIRST_WORDS}"))
        else:
            parts.append(Text("  No exercises to do: follow the advice (runrehab plan --symptom "
                              f"{plan.symptom})."))
        if plan.review_due:
            parts.append(Text(f"  Review due (since {plan.next_review.isoformat()}): "
                              f"runrehab checkin --symptom {plan.symptom}", style="bold"))
        elif plan.next_review:
            parts.append(Text(f"  Next review: {plan.next_review.isoformat()}"))
        for e in plan.due:
            parts.append(Text(f"  Checkpoint since {checkpoint_day(plan.plan_date, e.after_days)}: if {e.if_}: {e.action}",
                              style="bold"))
    if sum(bool(p.exercises) for p in doc.plans) > 1:
        parts += [Text(""), Text("Every plan's exercises, one plan after the other: `runrehab session` at a terminal, "
                                 "then pick \"all that are due today\".")]
    return Group(*parts)


def _today_rows(parts: list[Any], doc: Record, plan: Record) -> None:
    """A plan's exercises by when to do them. An exercise that several plans prescribe is listed
    once, under the first of them, with each plan's dose attributed; the others name it."""
    first = {e.exercise: e for e in doc.exercises if e.doses[0].symptom == plan.symptom}
    for group in ORDER:
        items = [e for e in first.values() if e.doses[0].when == group]
        if not items:
            continue
        parts.append(Text(f"  {group.capitalize()}:", style="bold"))
        table = Table.grid(padding=(0, 2))
        for column in range(4):
            table.add_column(no_wrap=column < 2, overflow="fold")
        for item in items:
            for n, dose in enumerate(item.doses):
                whose = f"{dose.symptom} plan: " if len(item.doses) > 1 else ""
                table.add_row(Text("    [x]" if dose.done else "    [ ]"), Text("" if n else item.exercise),
                              Text(whose + dose_text(dose.dose, frequency=False)), Text(timing_words(dose)))
        parts.append(table)
    elsewhere = [f"{e.exercise} (under the {e.doses[0].symptom} plan)" for e in doc.exercises
                 if e.doses[0].symptom != plan.symptom and any(d.symptom == plan.symptom for d in e.doses)]
    if elsewhere:
        parts.append(Text(f"  Also in this plan, listed once above with each plan's dose: {', '.join(elsewhere)}"))


def _pick(doc: Record, plan: Record) -> str:
    """` --symptom ID` where several plans run (the commands ask which otherwise)."""
    return f" --symptom {plan.symptom}" if len(doc.plans) > 1 else ""


SPARKS = "▁▂▃▄▅▆▇█"


def pain_style(score: int) -> str:
    return "green" if score <= 3 else "yellow" if score <= 6 else "red"


NO_PLANS = "No plans yet: run `runrehab triage` to make one."


def plan_history_view(plan: dict[str, Any], current: bool, status: str, level: str, since: Any, why: str,
                      checkins: Iterable[dict[str, Any]], kb: KnowledgeBase) -> Group:
    """One plan headed by where it stands now, then its readings: one bar each, coloured by pain
    band, with day numbers."""
    parts: list[Any] = []
    # pain is None where a red flag ended the interview before it was asked
    readings = [(0, plan["date"], plan["answers"].get("pain_score"), "triage", plan["triage_level"])]
    readings += [(c["day"], c["date"], c["pain_score"], c["progress"] or "warning sign", c["decision"]) for c in checkins]
    decided = len(readings) > 1
    if current:
        parts.append(Text(f"{symptom_name(kb, plan['symptom'])} · from {plan['date']} · {now_words(status, level, decided)}",
                          style=LEVEL_STYLE[level]))
        parts.append(Text("  " + since_words(status, level, since, why, decided)))
    else:  # a later triage for the symptom made a new plan: this one no longer runs
        parts.append(Text(f"{symptom_name(kb, plan['symptom'])} · from {plan['date']} · REPLACED by a later triage",
                          style="dim"))
        parts.append(Text("  where it stood when replaced: " + since_words(status, level, since, why, decided)))
    grid = Table.grid(padding=(0, 1))
    for column in ("day", "date", "bar", "pain", "what"):
        grid.add_column(justify="right" if column in ("day", "pain") else "left", no_wrap=column != "what")
    for day, date, pain, what, outcome in readings:
        bar = Text("·" * 10, style="dim") if pain is None else Text("█" * pain + "·" * (10 - pain), style=pain_style(pain))
        grid.add_row(Text(f"day {day}"), Text(date), bar, Text("—" if pain is None else f"{pain}/10"),
                     Text(f"{what}: {outcome}"))
    parts.append(grid)
    scores = [r[2] for r in readings if r[2] is not None]
    spark = Text("  pain trend ")
    for score in scores:
        spark.append(SPARKS[min(score * len(SPARKS) // 11, len(SPARKS) - 1)], style=pain_style(score))
    spark.append(f"  {trend_word(scores)}")
    parts += [spark, Text("")]
    return Group(*parts)
