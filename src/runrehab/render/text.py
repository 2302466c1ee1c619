"""Views of the documents as rich text for people at a terminal or reading a pipe.

Every string from the rule base goes into a Text object (below), never through markup, so
brackets are shown as written, and control characters (terminal escape codes among them) and
bidirectional overrides are written out (text.visible) rather than sent to the terminal. 
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from ..documents.record import Record
from ..documents.vocabulary import RED_FLAG_LEVELS
from ..engine.interview import allowed
from ..rules.conditions import show_value
from ..safe_text import visible
from .words import (
    DECISION_WORDS,
    LEVEL_SHORT,
    LEVEL_WORDS,
    checkin_summary,
    cited,
    dose_text,
    equipment,
    help_groups,
    notation,
    programme_lines,
    timing_words,
)

if TYPE_CHECKING:
    from ..documents.kinds import ExerciseDoc
    from ..rules.kb import KnowledgeBase


class Text(RichText):
    """rich Text that shows control characters instead of sending them to the terminal."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: Any, style: Any = None) -> Text:
        return super().append(visible(text) if isinstance(text, str) else text, style)  # type: ignore[return-value]


LEVEL_STYLE = {"emergency": "bold white on red", "urgent": "bold red", "see-clinician": "bold yellow",
               "self-care": "bold green"}


# ------------------------------------------------------------------ consoles


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def _bullets(items: Iterable[str], marks: Iterable[str] | None = None) -> Table:
    """A list with a hanging indent, so wrapped lines stay clear of the bullets."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    items = list(items)
    for mark, item in zip(marks or ["  •"] * len(items), items):
        grid.add_row(Text(mark), Text(item))
    return grid


def _help(groups: list[tuple[str, list[str]]]) -> list[Any]:
    """When to get help: each group of warning signs under what to do, one sign a line."""
    return [_bullets([line]) if not signs else Group(_bullets([line]), _bullets(signs, marks=["      -"] * len(signs)))
            for line, signs in groups]


def _heading(text: str) -> Text:
    return Text(f"\n{text}", style="bold")


# ------------------------------------------------------------------ plan


def plan_view(plan: Record, kb: KnowledgeBase) -> Group:
    symptom = kb.symptoms.get(plan.symptom)
    style = LEVEL_STYLE[plan.triage_level]
    parts: list[Any] = [
        Panel(Text(plan.headline, style=style), title=Text(LEVEL_WORDS[plan.triage_level], style=style),
              subtitle=Text(f"{symptom.name if symptom else plan.symptom} · {plan.date.isoformat()}"),
              box=box.ASCII if not _unicode_ok() else box.ROUNDED, expand=True),
    ]
    review = f"Review on {plan.review_date.isoformat()}." if plan.review_date else None
    return Group(*parts, *_sections(plan, plan.routine, kb, "Your routine", review))


def _urgent_sections(doc: Record, kb: KnowledgeBase) -> list[Any]:
    """After a red flag: what to do now, the warning signs, the guideline behind it. Nothing
    about exercises, reviews or check-ins, which would blur the message."""
    parts: list[Any] = []
    if doc.advice:
        parts += [_heading("What to do now"), _bullets(doc.advice)]
    if doc.red_flags:
        parts += [_heading("Warning signs you answered yes to"),
                  _bullets(kb.questions[q].text if q in kb.questions else q for q in doc.red_flags)]
    if doc.trace is not None:
        parts += [_heading("Why (rules considered)"), *_trace_lines(doc.trace)]
    rules = kb.rules_by_id
    urgent_rules = [r for r in doc.rules if (rules[r.id].then.level if r.id in rules else doc.triage_level) in RED_FLAG_LEVELS]
    parts += [_heading("Based on"),
              _bullets(f"{r.source.title}: \u201c{r.source.quote}\u201d" + (f" ({r.source.url})" if r.source.url else "")
                       for r in urgent_rules),
              Text(f"\n{doc.disclaimer}", style="italic")]
    return parts


def _sections(doc: Record, routine: list[Record], kb: KnowledgeBase, routine_heading: str,
              review: str | None) -> list[Any]:
    """What a plan and a check-in show alike: warning signs, routine, advice, stop rules, when to
    get help, the review date, the rule trace, sources and the disclaimer.

    Args:
        doc: the plan, the check-in or where a plan stands.
        routine: the routine shown, as the document gives it for the day it is shown on.
        kb: the rule base (question texts, equipment).
        routine_heading: the routine's heading.
        review: the line saying when to review, if any.
    """
    if doc.triage_level in RED_FLAG_LEVELS:
        return _urgent_sections(doc, kb)
    parts: list[Any] = []
    if doc.red_flags:
        parts += [_heading("Warning signs you answered yes to"),
                  _bullets(kb.questions[q].text if q in kb.questions else q for q in doc.red_flags)]
    if routine:
        needs = equipment(kb, routine)
        parts += [_heading(routine_heading), _routine_table(routine),
                  *(Text("Programme by the week: " + line) for line in programme_lines(routine)),
                  Text("Notation: " + "; ".join(notation(routine)), style="dim"),
                  Text("You need: " + (", ".join(needs) if needs else "no equipment"), style="dim"),
                  Text(f"How to do each one, for example: runrehab exercise {routine[0].exercise}", style="dim")]
    if doc.advice:
        parts += [_heading("Advice"), _bullets(doc.advice)]
    if doc.stop_if:
        parts += [_heading("Stop and rethink if"), _bullets(doc.stop_if)]
    if doc.escalation:
        parts += [_heading("When to get help"), *_help(help_groups(doc.date, doc.escalation, getattr(doc, "plan_date", None)))]
    if review:
        parts.append(Text(f"\n{review}", style="bold"))
    if doc.trace is not None:
        parts += [_heading("Why (rules considered)"), *_trace_lines(doc.trace)]
    parts += [_heading("Sources"), _bullets(f"{r.id}: {cited(r.source)}" for r in doc.rules),
              Text(f"\n{doc.disclaimer}", style="italic")]
    return parts


def _unicode_ok() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    return "utf" in encoding


# ------------------------------------------------------------------ exercises, questions, symptoms


def exercise_view(exercise: ExerciseDoc, kb: KnowledgeBase) -> Group:
    parts: list[Any] = [Text(exercise.name, style="bold"), Text(f"id: {exercise.id} · {exercise.category}", style="dim")]
    if exercise.aliases:
        parts.append(Text("Also called: " + ", ".join(exercise.aliases)))
    parts.append(Text("Works: " + ", ".join(exercise.targets)))
    parts.append(Text("Equipment: " + (", ".join(exercise.equipment) or "none")))
    parts.append(_heading("How to do it"))
    parts.append(_bullets(exercise.instructions, marks=[f"  {i}." for i in range(1, len(exercise.instructions) + 1)]))
    parts += [_heading("Default dose"), Text(f"  {dose_text(exercise.dose)}")]
    if exercise.cautions:
        parts += [_heading("Cautions"), _bullets(exercise.cautions)]
    parts.append(_heading("Sources"))
    parts.append(_bullets(cited(c) for c in exercise.sources))
    if exercise.source_note:
        parts += [_heading("What the sources leave out"), _bullets([exercise.source_note])]
    return Group(*parts)


def exercises_view(exercises: Iterable[ExerciseDoc], kb: KnowledgeBase | None = None) -> Table:
    exercises = list(exercises)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "default dose", "category", "name"):  # one line each: ids whole, the rest cut short
        table.add_column(column, no_wrap=True, overflow="fold" if column == "id" else "ellipsis",
                         min_width=max((len(e.id) for e in exercises), default=2) if column == "id" else None)
    for e in exercises:
        table.add_row(Text(e.id), Text(dose_text(e.dose)), Text(e.category), Text(e.name))
    return table


def questions_view(questions: Iterable[Record], kb: KnowledgeBase | None = None) -> Group:
    """One block per question: its id on a line of its own, then the question and what it takes,
    wrapped between words, so that no id is ever broken across lines."""
    parts: list[Any] = []
    for q in questions:
        default = "required" if q.required or q.red_flag else f"default {show_value(q.default)}"
        parts += [Text(q.id, style="bold red" if q.red_flag else "bold"),
                  _bullets([q.text, f"answer: {allowed(q)}; {default}; asked for: {', '.join(q.symptoms) or 'all'}"
                            f" at {', '.join(q.stages)}"], marks=["   ", "   "])]
    return Group(*parts)


def symptoms_view(symptoms: Iterable[Record], kb: KnowledgeBase | None = None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "name", "where it hurts", "description"):
        table.add_column(column, overflow="fold")
    for s in symptoms:
        table.add_row(Text(s.id), Text(s.name), Text(getattr(s, "region", None) or ""), Text(s.description))
    return table


# ------------------------------------------------------------------ check-ins, the current plan, the history

def _routine_table(routine: list[Record]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=False, pad_edge=False)
    for column in ("Exercise", "Dose", "When"):
        table.add_column(column, overflow="fold")
    for item in routine:
        table.add_row(Text(item.name), Text(dose_text(item.dose, frequency=False)), Text(timing_words(item)))
    return table


def checkin_view(doc: Record, kb: KnowledgeBase) -> Group:
    style = LEVEL_STYLE[doc.triage_level]
    urgent = doc.triage_level in RED_FLAG_LEVELS
    title = LEVEL_WORDS[doc.triage_level] if urgent else DECISION_WORDS[doc.decision]
    parts: list[Any] = [
        Panel(Text(doc.message, style=style), title=Text(title, style=style),
              subtitle=Text(f"check-in · day {doc.day} · {doc.date.isoformat()}"),
              box=box.ROUNDED if _unicode_ok() else box.ASCII, expand=True),
    ]
    if not urgent:
        parts.append(Text(f"{checkin_summary(doc, kb).capitalize()} · {LEVEL_SHORT[doc.triage_level]}"))
    review = f"Next check-in: {doc.next_review.isoformat()}." if doc.next_review else None
    from ..engine.programme import on_day

    this_week = on_day(doc.routine, doc.day)  # a programme by the week: the dose of this week
    return Group(*parts, *_sections(doc, this_week, kb, "Your routine from now on", review))


def _trace_lines(trace: list[Any]) -> list[Text]:
    lines = []
    for entry in trace:
        state = "fired" if entry.fired else "did not fire"
        if entry.overridden_by:
            state += f", overridden by {entry.overridden_by}"
        line = Text(f"  {entry.rule}: {state}")
        if entry.matched:
            line.append(f" ({'; '.join(entry.matched)})", style="dim")
        lines.append(line)
    return lines
