"""Views of the documents: rich text for people, Markdown for a handout.

Every string from the rule base goes into a Text object (below), never through markup, so
brackets are shown as written, and control characters (terminal escape codes among them) and
bidirectional overrides are written out (text.visible) rather than sent to the terminal. The
Markdown handout escapes what Markdown would read as markup, HTML or links.
"""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from .engine import show_value, source_ref
from .interview import allowed
from .records import RED_FLAG_LEVELS, Record
from .text import visible

if TYPE_CHECKING:
    from .kb import KnowledgeBase


class Text(RichText):
    """rich Text that shows control characters instead of sending them to the terminal."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: Any, style: Any = None) -> Text:
        return super().append(visible(text) if isinstance(text, str) else text, style)  # type: ignore[return-value]


LEVEL_STYLE = {"emergency": "bold white on red", "urgent": "bold red", "see-clinician": "bold yellow",
               "self-care": "bold green"}
LEVEL_WORDS = {"emergency": "EMERGENCY: get help now", "urgent": "URGENT: see a doctor within a day or two",
               "see-clinician": "SEE A CLINICIAN: book a physical therapist or orthopedic specialist",
               "self-care": "SELF-CARE: follow the plan and review on the date given"}


# ------------------------------------------------------------------ doses in words


def _span(r: Record) -> str:
    return str(r.min) if r.min == r.max else f"{r.min}–{r.max}"


def _seconds(r: Record) -> str:
    if r.min % 60 == 0 and r.max % 60 == 0 and r.min >= 60:
        return f"{_span(Record(min=r.min // 60, max=r.max // 60))} min"
    return f"{_span(r)} s"


def dose_text(dose: Record, *, frequency: bool = True) -> str:
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


# ------------------------------------------------------------------ sources

_ROLE_WORDS = {"expert": "the expert", "trainer": "the trainer", "runner": "the runner", "guideline": "the guideline"}


def said_by(source: Record) -> str:
    """Who said a cited quote, in words: "the expert, Nick Rainey, …"; a runner's words are
    marked as a report, since they are never advice. Empty for citations saved without a voice."""
    voice = getattr(source, "voice", None)
    if voice is None:
        return ""
    who = _ROLE_WORDS[voice] + (f", {source.speaker}" if getattr(source, "speaker", None) else "")
    return who + (": what they tried or felt, not advice" if voice == "runner" else "")


def cited(source: Record) -> str:
    """A source as one line: the document's title, the quote, and who said it."""
    who = said_by(source)
    return f"{source.title}: \u201c{source.quote}\u201d" + (f" ({who})" if who else "")


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


def plan_view(plan: Record, kb: KnowledgeBase) -> Group:
    symptom = kb.symptoms.get(plan.symptom)
    style = LEVEL_STYLE[plan.triage_level]
    parts: list[Any] = [
        Panel(Text(plan.headline, style=style), title=Text(LEVEL_WORDS[plan.triage_level], style=style),
              subtitle=Text(f"{symptom.name if symptom else plan.symptom} · {plan.date.isoformat()}"),
              box=box.ASCII if not _unicode_ok() else box.ROUNDED, expand=True),
    ]
    review = f"Review on {plan.review_date.isoformat()}." if plan.review_date else None
    return Group(*parts, *_sections(plan, kb, "Your routine", review))


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
    levels = {r.id: r.then.level for r in kb.rules}
    urgent_rules = [r for r in doc.rules if levels.get(r.id, doc.triage_level) in RED_FLAG_LEVELS]
    parts += [_heading("Based on"),
              _bullets(f"{r.source.title}: \u201c{r.source.quote}\u201d" + (f" ({r.source.url})" if r.source.url else "")
                       for r in urgent_rules),
              Text(f"\n{doc.disclaimer}", style="italic")]
    return parts


def _sections(doc: Record, kb: KnowledgeBase, routine_heading: str, review: str | None) -> list[Any]:
    """What a plan and a check-in show alike: warning signs, routine, advice, stop rules, when to
    get help, the review date, the rule trace, sources and the disclaimer."""
    if doc.triage_level in RED_FLAG_LEVELS:
        return _urgent_sections(doc, kb)
    parts: list[Any] = []
    if doc.red_flags:
        parts += [_heading("Warning signs you answered yes to"),
                  _bullets(kb.questions[q].text if q in kb.questions else q for q in doc.red_flags)]
    if doc.routine:
        parts += [_heading(routine_heading), _routine_table(doc.routine),
                  Text("How to do each one: runrehab exercise " + " | ".join(i.exercise for i in doc.routine[:3])
                       + (" ..." if len(doc.routine) > 3 else ""), style="dim")]
    if doc.advice:
        parts += [_heading("Advice"), _bullets(doc.advice)]
    if doc.stop_if:
        parts += [_heading("Stop and rethink if"), _bullets(doc.stop_if)]
    if doc.escalation:
        parts += [_heading("When to get help"), _bullets(_escalation_lines(doc.date, doc.escalation))]
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


def exercise_view(exercise: Record, kb: KnowledgeBase) -> Group:
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
    parts.append(_bullets(cited(source_ref(kb, c)) for c in exercise.sources))
    if exercise.source_note:
        parts += [_heading("What the sources leave out"), _bullets([exercise.source_note])]
    return Group(*parts)


def exercises_view(exercises: Iterable[Record]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "name", "category", "default dose"):
        table.add_column(column, overflow="fold")
    for e in exercises:
        table.add_row(Text(e.id), Text(e.name), Text(e.category), Text(dose_text(e.dose)))
    return table


def questions_view(questions: Iterable[Record]) -> Table:
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


# ------------------------------------------------------------------ check-ins, the current plan, the history

DECISION_WORDS = {"continue": "CONTINUE the routine", "progress": "PROGRESS to upkeep",
                  "escalate": "ESCALATE: get it seen", "stop": "STOP the exercises"}


def _routine_table(routine: list[Record]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=False, pad_edge=False)
    for column in ("Exercise", "Dose", "When"):
        table.add_column(column, overflow="fold")
    for item in routine:
        when = ", ".join(x for x in (item.timing, item.dose.frequency) if x) or "any time"
        table.add_row(Text(item.name), Text(dose_text(item.dose, frequency=False)), Text(when))
    return table


def _escalation_lines(start: dt.date, escalation: list[Record]) -> list[str]:
    return [f"{'Any time' if e.after_days == 0 else 'From ' + (start + dt.timedelta(days=e.after_days)).isoformat() + f' (day {e.after_days})'}"
            f" ({e.level}): if {e.if_}: {e.action}" for e in escalation]


def choice_words(kb: KnowledgeBase, qid: str, value: Any) -> str:
    """A choice as the rule base words it ("much better: significantly better than ..."), else its id."""
    question = kb.questions.get(qid)
    labels = getattr(question, "labels", None) or {}
    return labels.get(value) or show_value(value)


def checkin_summary(doc: Record, kb: KnowledgeBase) -> str:
    """Progress and pain in words; a red flag may have ended the check-in before they were asked."""
    progress = "not asked" if doc.progress is None else choice_words(kb, "progress", doc.progress)
    pain = "not asked" if doc.pain_score is None else f"{doc.pain_score}/10"
    return f"progress: {progress} · pain: {pain}"


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
        parts.append(Text(f"{checkin_summary(doc, kb).capitalize()} · level {doc.triage_level}"))
    review = f"Next check-in: {doc.next_review.isoformat()}." if doc.next_review else None
    return Group(*parts, *_sections(doc, kb, "Your routine from now on", review))


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


def plan_status_view(status: Record, kb: KnowledgeBase) -> Group:
    parts: list[Any] = [plan_view(status, kb)]
    facts = f"Day {status.day} of this plan (started {status.date.isoformat()})."
    if status.next_review:
        facts += f" Next review: {status.next_review.isoformat()}."
    parts.append(Text(f"\n{facts}", style="bold"))
    last = status.last_checkin
    if last:
        parts.append(Text(f"Last check-in: {last.date.isoformat()} (day {last.day}): {checkin_summary(last, kb)}: "
                          f"{DECISION_WORDS[last.decision]}. {last.message}"))
        if last.routine != status.routine:
            parts += [_heading("Routine since that check-in"), _routine_table(last.routine) if last.routine
                      else Text("  none: see the check-in's advice")]
    if status.due:
        parts += [_heading("Due now"), _bullets(f"Day {e.after_days} has come: if {e.if_}: {e.action}" for e in status.due)]
    return Group(*parts)


_MD_ESCAPES = {ord(c): f"\\{c}" for c in "\\`*_[]<>&|~!#"}  # as text: no emphasis, link, image, HTML or entity


def _md(text: str) -> str:
    """Text from the rule base made safe inside Markdown (tables and inline)."""
    return visible(text).translate(_MD_ESCAPES).replace("\n", " ")


def plan_markdown(status: Record, kb: KnowledgeBase) -> str:
    """A handout a runner can print or send to their physical therapist."""
    symptom = kb.symptoms.get(status.symptom)
    name = symptom.name if symptom else status.symptom
    lines = [f"# Exercise plan: {_md(name)}", "",
             f"- **Started:** {status.date.isoformat()} (today is day {status.day})",
             f"- **Level:** {status.triage_level}: {_md(status.headline)}"]
    if status.next_review:
        lines.append(f"- **Next review:** {status.next_review.isoformat()}")
    if status.red_flags:
        lines.append("- **Warning signs answered yes:** " + "; ".join(_md(kb.questions[q].text) if q in kb.questions else q
                                                                    for q in status.red_flags))
    routine = status.last_checkin.routine if status.last_checkin else status.routine
    if routine:
        lines += ["", "## Routine", "", "| Exercise | Dose | When |", "| --- | --- | --- |"]
        lines += [f"| {_md(i.name)} | {_md(dose_text(i.dose, frequency=False))} | "
                  f"{_md(', '.join(x for x in (i.timing, i.dose.frequency) if x) or 'any time')} |" for i in routine]
        lines += ["", "## How to do each exercise"]
        for item in routine:
            exercise = kb.exercises.get(item.exercise)
            if exercise is None:
                continue
            lines += ["", f"### {_md(exercise.name)}", ""]
            lines += [f"{n}. {_md(step)}" for n, step in enumerate(exercise.instructions, 1)]
            if exercise.cautions:
                lines += ["", "Cautions: " + " ".join(_md(c) for c in exercise.cautions)]
            lines += ["", "Sources:", ""] + [f"- {_md(cited(source_ref(kb, c)))}" for c in exercise.sources]
            if exercise.source_note:
                lines += ["", f"What the sources leave out: {_md(exercise.source_note)}"]
    if status.stop_if:
        lines += ["", "## Stop if", ""] + [f"- {_md(s)}" for s in status.stop_if]
    if status.escalation:
        lines += ["", "## When to get help", ""] + [f"- {_md(x)}" for x in _escalation_lines(status.date, status.escalation)]
    if status.advice:
        lines += ["", "## Advice", ""] + [f"- {_md(a)}" for a in status.advice]
    if status.last_checkin:
        c = status.last_checkin
        lines += ["", "## Last check-in", "",
                  f"{c.date.isoformat()} (day {c.day}): {_md(checkin_summary(c, kb))}. "
                  f"Decision: {c.decision}. {_md(c.message)}"]
    lines += ["", "## Sources", ""]
    lines += [f"- {_md(cited(r.source))}" for r in status.rules]
    lines += ["", "---", "", f"*{_md(status.disclaimer)}*", ""]
    return "\n".join(lines)


SPARKS = "▁▂▃▄▅▆▇█"


def pain_style(score: int) -> str:
    return "green" if score <= 3 else "yellow" if score <= 6 else "red"


def trend_word(scores: list[int]) -> str:
    if len(scores) < 2:
        return "one reading so far" if scores else "no pain readings"
    change = scores[-1] - scores[0]
    return "improving" if change < 0 else "getting worse" if change > 0 else "no change"


def history_view(timeline: list[dict[str, Any]], kb: KnowledgeBase) -> Group:
    """Every plan with its check-ins: one bar per reading, coloured by pain band, with day numbers."""
    if not timeline:
        return Group(Text("No plans yet: run `runrehab triage` to make one."))
    parts: list[Any] = []
    for entry in timeline:
        plan = entry["plan"]
        symptom = kb.symptoms.get(plan["symptom"])
        state = "current" if entry["current"] else "replaced"
        parts.append(Text(f"{symptom.name if symptom else plan['symptom']} · from {plan['date']} · "
                          f"{plan['triage_level']} ({state})", style="bold"))
        # pain is None where a red flag ended the interview before it was asked
        readings = [(0, plan["date"], plan["answers"].get("pain_score"), "triage", plan["triage_level"])]
        readings += [(c["day"], c["date"], c["pain_score"], c["progress"] or "warning sign", c["decision"])
                     for c in entry["checkins"]]
        grid = Table.grid(padding=(0, 1))
        for column in ("day", "date", "bar", "pain", "what"):
            grid.add_column(justify="right" if column in ("day", "pain") else "left", no_wrap=column != "what")
        for day, date, pain, what, outcome in readings:
            bar = Text("·" * 10, style="dim") if pain is None else Text("█" * pain + "·" * (10 - pain), style=pain_style(pain))
            grid.add_row(Text(f"day {day}"), Text(date), bar, Text("—" if pain is None else f"{pain}/10"),
                         Text(f"{what}: {outcome}"))
        parts.append(grid)
        scores = [r[2] for r in readings if r[2] is not None]
        spark = Text("  trend ")
        for score in scores:
            spark.append(SPARKS[min(score * len(SPARKS) // 11, len(SPARKS) - 1)], style=pain_style(score))
        spark.append(f"  {trend_word(scores)}")
        parts += [spark, Text("")]
    return Group(*parts)
