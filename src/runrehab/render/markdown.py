"""The plan as a Markdown handout a runner can print or send to their physical therapist.

Text from the rule base is escaped where Markdown would read it as markup, HTML or a link."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..documents.record import Record
from ..engine.evaluate import source_ref
from ..safe_text import visible
from .handout import clinician_lines
from .words import (
    LEVEL_SHORT,
    adherence_text,
    cited,
    dose_text,
    equipment,
    escalation_lines,
    notation,
    programme_lines,
    now_words,
    status_word,
    timing_words,
)

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


# As text in every common renderer (CommonMark, GitHub's, Python-Markdown): no emphasis, link,
# image, HTML, entity or table cell. A backslash escapes only the characters every one of them
# takes it before; the others become character references, which every one of them shows as the
# character (Python-Markdown would show the backslash of "\\&" or "\\|").
_MD_ESCAPES = {**{ord(c): f"\\{c}" for c in "\\`*_[]>!#"}, **{ord(c): f"&#{ord(c)};" for c in "&<|~"}}


def _md(text: str) -> str:
    """Text from the rule base made safe inside Markdown (tables and inline)."""
    return visible(text).translate(_MD_ESCAPES).replace("\n", " ")


def plan_markdown(status: Record, kb: KnowledgeBase) -> str:
    """A handout a runner can print or send to their physical therapist."""
    return "\n".join(markdown_lines(status, kb))


def markdown_lines(status: Record, kb: KnowledgeBase) -> list[str]:
    """The handout's lines (plan_markdown)."""
    symptom = kb.symptoms.get(status.symptom)
    name = symptom.name if symptom else status.symptom
    decided = status.last_checkin is not None
    lines = [f"# Exercise plan: {_md(name)}", "",
             f"**Now: {_md(now_words(status.status, status.current_level, decided))}** since "
             f"{status.since.isoformat()}: {_md(status.why)}", "",
             f"- **Status:** {status_word(status.status, status.current_level)} ({LEVEL_SHORT[status.current_level]})",
             f"- **Started:** {status.date.isoformat()} (today is day {status.day}) by the triage "
             f"({LEVEL_SHORT[status.triage_level]}): {_md(status.headline)}"]
    if status.next_review:
        lines.append(f"- **Next review:** {status.next_review.isoformat()}")
    if status.adherence is not None:
        lines.append(f"- **Sessions:** {_md(adherence_text(status.adherence))}")
    if status.warning_signs:
        lines += ["", "## Warning signs answered yes", "", "Tell the clinician you see about each of these.", ""]
        lines += ["- Answered yes on " + ", ".join(f"{d.isoformat()} (day {(d - status.date).days})" for d in s.dates)
                  + f": {_md(kb.questions[s.question].text if s.question in kb.questions else s.question)}"
                  for s in status.warning_signs]
    routine = status.current_routine
    if not routine:
        lines += ["", "No routine to follow now: do what the advice says."]
    if routine:
        lines += ["", "## Upkeep routine" if status.status == "upkeep" else "## Routine", "",
                  "| Exercise | Dose | When |", "| --- | --- | --- |"]
        lines += [f"| {_md(i.name)} | {_md(dose_text(i.dose, frequency=False))} | {_md(timing_words(i))} |" for i in routine]
        lines += [f"\nProgramme by the week: {_md(line)}" for line in programme_lines(routine)]
        lines += ["", "Notation: " + "; ".join(_md(n) for n in notation(routine)),
                  "", "You need: " + (", ".join(_md(e) for e in equipment(kb, routine)) or "no equipment")]
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
    shown = status.last_checkin or status  # the advice of the latest decision
    if shown.advice:
        lines += ["", "## Advice", ""] + [f"- {_md(a)}" for a in shown.advice]
    if shown.stop_if:
        lines += ["", "## Stop if", ""] + [f"- {_md(s)}" for s in shown.stop_if]
    if shown.escalation:
        lines += ["", "## When to get help", ""] + [f"- {_md(x)}" for x in escalation_lines(shown.date, shown.escalation, getattr(shown, "plan_date", None))]
    lines += clinician_lines(status, kb, _md)
    lines += ["", "## Sources", ""]  # the current decision's first: what a check-in decided rests on its own rules
    rules = {r.id: r for r in (*(status.last_checkin.rules if status.last_checkin else ()), *status.rules)}
    lines += [f"- {_md(cited(r.source))}" for r in rules.values()]
    lines += ["", "---", "", f"*{_md(status.disclaimer)}*", ""]
    return lines
