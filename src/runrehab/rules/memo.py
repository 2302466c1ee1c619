"""What the documents made from one rule base share, kept with it (KnowledgeBase.shared).

Each table holds one kind of object, made on first use and kept for the life of the rule base,
so that documents share the parts that come from the rule base alone (and serialise them once).
A key is made of ids and values, never of an object's address (`id()`): records can be freed and
made again, and another would take the address.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..documents.kinds import Dose, FiredRule, RoutineEntry
    from ..documents.record import Record

    Test = Callable[[dict[str, Any]], bool]  # a rule's condition, compiled (rules.conditions.compiled)

K = TypeVar("K")
V = TypeVar("V")


def once(table: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """table[key], made by `make` and kept the first time it is asked for."""
    try:
        return table[key]
    except KeyError:
        value = table[key] = make()
        return value


class Shared:
    """The tables, by what they hold. Symptoms, stages, rules, exercises and documents are named
    by id."""

    __slots__ = ("voices", "rules", "questions", "asked", "doses", "fired", "tests", "entries", "source_doses",
                 "announced", "onset_settled", "announcements", "typed_answers")

    def __init__(self) -> None:
        # rules.kb: document -> the voice of a guideline that lists none (it speaks as itself)
        self.voices: dict[str, list[Record]] = {}
        # rules.kb: (symptom, stage) -> what applies, in file order; questions in interview order,
        # for every symptom when the symptom is None; the ids of those questions
        self.rules: dict[tuple[str, str], tuple[Record, ...]] = {}
        self.questions: dict[tuple[str | None, str], tuple[Record, ...]] = {}
        self.asked: dict[tuple[str, str], frozenset[str]] = {}
        # engine.evaluate: what a dose says (engine.evaluate._said: its fields as nested tuples) ->
        # the dose as documents print it
        self.doses: dict[tuple[tuple[str, Any], ...], Dose] = {}
        self.fired: dict[str, FiredRule] = {}  # rule -> the rule as a document lists it
        # (symptom, stage) -> each rule that applies with its condition compiled (None: always holds)
        self.tests: dict[tuple[str, str], tuple[tuple[Record, Test | None], ...]] = {}
        self.entries: dict[tuple[str, str], RoutineEntry] = {}  # (rule, exercise) -> its routine entry
        self.source_doses: dict[str, dict[str, Dose]] = {}  # symptom -> exercise -> the source's dose
        # engine.announcements: (symptom, onset no later than it settles) -> what a plan announces;
        # symptom -> the onset from which that no longer changes; announcements as JSON -> the one
        # object kept for all that are alike
        self.announced: dict[tuple[str, int], tuple[Record, ...]] = {}
        self.onset_settled: dict[str, int] = {}
        self.announcements: dict[str, tuple[Record, ...]] = {}
        # engine.interview: (question, type of the answer, answer as given) -> the answer typed
        self.typed_answers: dict[tuple[str, type, Any], Any] = {}
