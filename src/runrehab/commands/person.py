"""The person at the terminal, as the use cases ask and tell them (usecases.person.Person): the
questions are terminal/interview.py's, the messages one line each on stderr (app.say)."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .app import hint, say

if TYPE_CHECKING:
    from ..documents.record import Record
    from ..rules.kb import KnowledgeBase


class AtTerminal:
    """The person running this command; with `quiet` (--quiet), told no hints."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.converses = sys.stdin.isatty() and sys.stderr.isatty()

    def interview(self, kbase: KnowledgeBase, given: dict[str, Any], stage: str,
                  symptom: str | None = None) -> dict[str, Any]:
        from ..terminal.interview import interview

        return interview(kbase, given, stage, symptom)

    def confirm(self, question: str) -> bool:
        from ..terminal.interview import confirm

        return confirm(question)

    def pick_plan(self, kbase: KnowledgeBase, symptoms: list[str]) -> str:
        from ..terminal.interview import pick_plan

        return pick_plan(kbase, symptoms)

    def done_and_felt(self, kbase: KnowledgeBase, routine: list[Record]) -> tuple[list[str], str | None]:
        from ..terminal.interview import done_and_felt

        return done_and_felt(kbase, routine)

    def say(self, message: str) -> None:
        say(message)

    def hint(self, message: str) -> None:
        hint(message, self.quiet)
