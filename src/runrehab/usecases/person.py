"""The person running a command, as a use case asks and tells them. The command layer passes
one (commands/person.py: the terminal and stderr); a use case never touches a terminal itself."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..answers.gather import Gathered
    from ..documents.record import Record
    from ..rules.kb import KnowledgeBase


class Person(Protocol):
    converses: bool  # a person can be asked and offered choices (stdin and stderr are terminals)

    def interview(self, kbase: KnowledgeBase, given: dict[str, Any], stage: str,
                  symptom: str | None = None) -> dict[str, Any]:
        """`given` with every missing answer of the stage's interview asked (answers.gather.Asker)."""

    def confirm(self, question: str) -> bool:
        """Whether the person answers yes."""

    def pick_plan(self, kbase: KnowledgeBase, symptoms: list[str]) -> str:
        """Which of the running plans, named by their symptoms, the person means."""

    def done_and_felt(self, kbase: KnowledgeBase, routine: list[Record]) -> tuple[list[str], str | None]:
        """The exercises of `routine` done since the last check-in, and a note on how they felt."""

    def say(self, message: str) -> None:
        """One line to the person (stderr), whatever else they asked for."""

    def hint(self, message: str) -> None:
        """One line to the person unless they asked for quiet (--quiet)."""


def telling_ignored(cases: Iterable[Gathered], symptom: str | None, batch: bool, person: Person) -> Iterator[Gathered]:
    """The cases, saying (for --explain) which answers had no effect, being outside the symptom's
    interview."""
    for case in cases:
        if case.ignored:
            where = f"--answers line {case.line}: " if batch else ""
            person.say(f"{where}ignored (not asked for {symptom or case.answers['symptom']}): {', '.join(case.ignored)}")
        yield case
