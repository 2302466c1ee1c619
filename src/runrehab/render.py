"""Views of the documents: JSON for scripts, rich text for people.

Every string from the rule base goes into a rich Text object, never through markup, so brackets
and escape codes in YAML are shown as written.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .engine import show_value, source_ref
from .interview import allowed
from .kb import KnowledgeBase
from .models import Dose, Exercise, ExerciseDoc, Plan, Question, Range

LEVEL_STYLE = {"emergency": "bold white on red", "urgent": "bold red", "see-clinician": "bold yellow",
               "self-care": "bold green"}
LEVEL_WORDS = {"emergency": "EMERGENCY: get help now", "urgent": "URGENT: see a doctor within a day or two",
               "see-clinician": "SEE A CLINICIAN: book a physical therapist or orthopedic specialist",
               "self-care": "SELF-CARE: follow the plan and review on the date given"}


# ------------------------------------------------------------------ JSON


def to_data(doc: BaseModel | Iterable[BaseModel]) -> Any:
    if isinstance(doc, BaseModel):
        return doc.model_dump(mode="json", exclude={"trace"} if getattr(doc, "trace", 1) is None else None)
    return [to_data(d) for d in doc]


def to_json(doc: BaseModel | Iterable[BaseModel], *, compact: bool = False) -> str:
    return json.dumps(to_data(doc), ensure_ascii=False, indent=None if compact else 2)


# ------------------------------------------------------------------ doses in words


def _span(r: Range) -> str:
    return str(r.min) if r.min == r.max else f"{r.min}–{r.max}"


def _seconds(r: Range) -> str:
    if r.min % 60 == 0 and r.max % 60 == 0 and r.min >= 60:
        return f"{_span(Range(min=r.min // 60, max=r.max // 60))} min"
    return f"{_span(r)} s"


def dose_text(dose: Dose, *, frequency: bool = True) -> str:
    """A dose as a runner reads it: "3 × 15", "hold 30–60 s, 2–4 × each side", "5 min, daily"."""
    side = " each side" if dose.per_side else ""
    parts: list[str] = []
    if dose.reps:
        parts.append(f"{_span(dose.sets)} × {_span(dose.reps)}{side}" if dose.sets else f"{_span(dose.reps)} reps{side}")
    elif dose.hold_seconds:
        hold = f"hold {_seconds(dose.hold_seconds)}"
        parts.append(f"{hold}, {_span(dose.sets)} ×{side}" if dose.sets else hold + side)
    elif dose.duration_seconds:
        spell = _seconds(dose.duration_seconds)
        parts.append(f"{_span(dose.sets)} × {spell}{side}" if dose.sets else spell + side)
    elif dose.sets:
        parts.append(f"{_span(dose.sets)} sets{side}")
    if dose.frequency and frequency:
        parts.append(dose.frequency)
    return ", ".join(parts) or "as comfortable"


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


def _heading(text: str) -> Text:
    return Text(f"\n{text}", style="bold")


# ------------------------------------------------------------------ plan


def plan_view(plan: Plan, kb: KnowledgeBase) -> Group:
    symptom = kb.symptoms.get(plan.symptom)
    style = LEVEL_STYLE[plan.triage_level]
    parts: list[Any] = [
        Panel(Text(plan.headline, style=style), title=Text(LEVEL_WORDS[plan.triage_level], style=style),
              subtitle=Text(f"{symptom.name if symptom else plan.symptom} · {plan.date.isoformat()}"),
              box=box.ASCII if not _unicode_ok() else box.ROUNDED, expand=True),
    ]
    if plan.red_flags:
        parts.append(_heading("Warning signs you answered yes to"))
        parts.append(_bullets(kb.questions[q].text if q in kb.questions else q for q in plan.red_flags))
    if plan.routine:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=False, pad_edge=False)
        table.add_column("Exercise", overflow="fold")
        table.add_column("Dose", overflow="fold")
        table.add_column("When", overflow="fold")
        for item in plan.routine:
            when = ", ".join(x for x in (item.timing, item.dose.frequency) if x) or "any time"
            table.add_row(Text(item.name), Text(dose_text(item.dose, frequency=False)), Text(when))
        parts += [_heading("Your routine"), table,
                  Text("How to do each one: runrehab exercise " + " | ".join(i.exercise for i in plan.routine[:3])
                       + (" ..." if len(plan.routine) > 3 else ""), style="dim")]
    if plan.advice:
        parts += [_heading("Advice"), _bullets(plan.advice)]
    if plan.stop_if:
        parts += [_heading("Stop and rethink if"), _bullets(plan.stop_if)]
    if plan.escalation:
        parts.append(_heading("When to get help"))
        parts.append(_bullets(
            f"{'Any time' if e.after_days == 0 else 'From ' + (plan.date + dt.timedelta(days=e.after_days)).isoformat() + f' (day {e.after_days})'}: "
            f"if {e.if_}: {e.action}" for e in plan.escalation))
    if plan.review_date:
        parts.append(Text(f"\nReview on {plan.review_date.isoformat()}.", style="bold"))
    if plan.trace is not None:
        parts.append(_heading("Why (rules considered)"))
        for entry in plan.trace:
            state = "fired" if entry.fired else "did not fire"
            if entry.overridden_by:
                state += f", overridden by {entry.overridden_by}"
            line = Text(f"  {entry.rule}: {state}")
            if entry.matched:
                line.append(f" ({'; '.join(entry.matched)})", style="dim")
            parts.append(line)
    parts.append(_heading("Sources"))
    parts.append(_bullets(f"{r.id}: {r.source.title}: \u201c{r.source.quote}\u201d" for r in plan.rules))
    parts.append(Text(f"\n{plan.disclaimer}", style="italic"))
    return Group(*parts)


def _unicode_ok() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    return "utf" in encoding


# ------------------------------------------------------------------ exercises, questions, symptoms


def exercise_doc(kb: KnowledgeBase, exercise: Exercise) -> ExerciseDoc:
    """The printed form of an exercise: its citations carry the document's title."""
    data = exercise.model_dump()
    data["sources"] = [source_ref(kb, c) for c in exercise.sources]
    return ExerciseDoc.model_validate(data)


def exercise_view(exercise: Exercise, kb: KnowledgeBase) -> Group:
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
    parts.append(_bullets(f"{kb.documents[c.document].title}: \u201c{c.quote}\u201d" for c in exercise.sources))
    return Group(*parts)


def exercises_view(exercises: Iterable[Exercise]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "name", "category", "default dose"):
        table.add_column(column, overflow="fold")
    for e in exercises:
        table.add_row(Text(e.id), Text(e.name), Text(e.category), Text(dose_text(e.dose)))
    return table


def questions_view(questions: Iterable[Question]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "question", "answer", "default", "asked for"):
        table.add_column(column, overflow="fold")
    for q in questions:
        default = "required" if q.required or q.red_flag else show_value(q.default)
        table.add_row(Text(q.id, style="bold red" if q.red_flag else ""), Text(q.text), Text(allowed(q)),
                      Text(default), Text(", ".join(q.symptoms) or "all"))
    return table


def symptoms_view(kb: KnowledgeBase) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "name", "description"):
        table.add_column(column, overflow="fold")
    for s in kb.rules_file.symptoms:
        table.add_row(Text(s.id), Text(s.name), Text(s.description))
    return table
