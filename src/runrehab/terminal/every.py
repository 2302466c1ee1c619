"""A guided session of every running plan due today, one after the other: a header for each plan,
its session coached and logged to that plan (terminal/coach.py), q or Ctrl-C ending them all
with what each plan got done."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..documents.record import Record
from .coach import Stopped, coach

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


@dataclass
class Part:
    """One plan's session in a session of all that are due."""

    symptom: str
    name: str  # the symptom's name, as the plan shows it
    doc: Record  # its session (documents.Session)
    log: Any  # where its exercises are kept as they are done (history.sessions.SessionLog)
    signs: list[tuple[str, list[str]]]  # its warning signs, grouped by how soon
    done_before: list[str]  # its exercises done already in today's round
    also: Callable[[], dict[str, list[str]]]  # asked when its turn comes: its exercises done today for other plans
    ending: str | None = None  # what its part says at its end ("go for your run now")


def coach_every(parts: list[Part], kbase: KnowledgeBase, left_out: list[str]) -> None:
    """Coach each of `parts` in turn, under a header naming the plan; `left_out` says why each
    other running plan is not in it. q ends the plan under way and the rest; Ctrl-C stops all,
    reported with what the finished plans and the stopped one got done (exit 130)."""
    from ..render.text import Text, stderr_console

    console = stderr_console()
    console.print(Text("All that are due today, one plan after the other: "
                       + ", then ".join(f"{p.symptom} ({len(p.doc.exercises)} exercise(s))" for p in parts),
                       style="bold"))
    for why in left_out:
        console.print(Text(f"  Not in this session: {why}"))
    coached: list[str] = []  # each plan coached before: "hand-tingling 1 of 1"
    for n, part in enumerate(parts, 1):
        console.print(Text(f"\n== Plan {n} of {len(parts)}: {part.name} ({part.symptom}) ==", style="bold reverse"))
        try:
            ended, done = coach(part.doc, kbase, part.log, signs=part.signs, done_before=part.done_before,
                                also=part.also())
        except Stopped as exc:
            before = f"; before it, done today: {', '.join(coached)}" if coached else ""
            rest = [p.symptom for p in parts[n:]]
            not_started = f"; not started: {', '.join(rest)}" if rest else ""
            raise Stopped(f"session stopped during the {part.symptom} plan: {exc.done}{before}{not_started}",
                          exc.done) from None
        coached.append(f"{part.symptom} {done} of {len(part.doc.exercises)}")
        if ended:
            rest = [p.symptom for p in parts[n:]]
            if rest:
                console.print(Text(f"Not started: {', '.join(rest)} (`runrehab session --symptom ID` does one).",
                                   style="yellow"))
            return
    for part in parts:
        if part.ending:
            console.print(Text(f"The {part.symptom} plan: {part.ending}", style="bold"))
