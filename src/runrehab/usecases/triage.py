"""A triage: the answers gathered, the engine's plan made from them and kept in the history; a
batch's plans one case at a time; or, at a terminal where a plan for the symptom runs already,
the check-in the runner takes instead."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from ..answers.gather import AnswerSources, Given, checked_first, gathered
from ..documents.vocabulary import RED_FLAG_LEVELS
from ..engine import evaluate as engine
from .kept import Kept, keeping
from .person import Person, telling_ignored

if TYPE_CHECKING:
    from ..answers.gather import Gathered
    from ..batch.table import DecisionTable
    from ..documents.kinds import Plan
    from ..rules.kb import KnowledgeBase

T = TypeVar("T")


class TriageRequest(NamedTuple):
    """A triage as its options ask for it."""

    sources: AnswerSources
    day: dt.date
    save: bool = True  # kept in the history (not --no-save)
    explain: bool = False  # plans carry their trace, and answers without effect are named
    json_lines: bool = False  # a batch's plans are wanted as JSON Lines and nothing else: the decision table may make them
    db: Path | None = None


class Plans(NamedTuple):
    """A batch's plans, made one case at a time once every case has been checked."""

    documents: Iterator[Plan]


class Lines(NamedTuple):
    """A batch's plans as the decision table makes them: JSON Lines, encoded for stdout."""

    lines: Iterator[bytes]


class CheckInInstead(NamedTuple):
    """The runner took the check-in offered on the plan running for `symptom`: nothing was made."""

    symptom: str


def triage(kbase: KnowledgeBase, request: TriageRequest, person: Person) -> Kept | Plans | Lines | CheckInInstead:
    """The plan for one case, kept unless asked not to (Kept); a batch's plans as a stream, which
    holds the answers file open until it has been read to its end (Plans, Lines); or, when the
    runner takes the check-in offered instead of a new plan, that (a warning sign's plan is kept
    without asking)."""
    offer = request.save and person.converses  # a check-in instead of a new plan
    named = [p.split("=", 1)[1].strip() for p in request.sources.pairs if p.split("=", 1)[0].strip() == "symptom"]
    if offer and named and named[-1] in kbase.symptoms:
        if offered_check_in(request.db, named[-1], request.day, person):
            return CheckInInstead(named[-1])
        offer = False  # asked once
    with contextlib.ExitStack() as held:
        given = held.enter_context(gathered(kbase, request.sources, "triage", person.interview))
        if given.batch:
            return _batch(kbase, request, person, given, held)
        [case] = telling_ignored(given.cases(), None, False, person) if request.explain else given.cases()
    plan = engine.triage(kbase, case.answers, request.day, explain=request.explain)
    if not request.save:
        return Kept(plan)
    if offer and plan.triage_level not in RED_FLAG_LEVELS and offered_check_in(request.db, plan.symptom, request.day, person):
        return CheckInInstead(plan.symptom)
    from ..history.tracking import keep_plan, replacing

    replaced = None if offer else replacing(request.db, plan.symptom, request.day)  # asked about already at a terminal
    return keeping(plan, lambda: keep_plan(request.db, plan, kbase), replaced)


def _batch(kbase: KnowledgeBase, request: TriageRequest, person: Person, given: Given,
           held: contextlib.ExitStack) -> Plans | Lines:
    """A batch's plans; nothing is made for a batch with a bad line.

    Args:
        kbase: the rule base.
        request: the triage's options.
        person: told which answers had no effect (--explain).
        given: the batch's answers, open.
        held: what holds them open (the answers file): it passes to the stream, which closes it
            once the plans have all been read.

    Returns:
        Lines when the decision table makes the plans, else Plans.
    """
    table = _decision_table(kbase) if request.json_lines else None
    if table is not None:
        lines = _table_lines(table, given.cases(table.checked, table.read_line), request.day)
        return Lines(_holding(held.pop_all(), lines))
    checked = checked_first(given.cases())  # every line checked, then read again and planned
    cases = telling_ignored(checked, None, True, person) if request.explain else checked
    plans = (engine.triage(kbase, case.answers, request.day, explain=request.explain) for case in cases)
    return Plans(_holding(held.pop_all(), plans))


def _decision_table(kbase: KnowledgeBase) -> DecisionTable | None:
    """The decision table for a JSON batch, byte for byte the engine's plans: made for it alone,
    and for a stdout whose encoding takes its lines a piece at a time (None: the engine plans)."""
    from ..batch.table import DecisionTable
    from ..streams import json_bytes

    encode = json_bytes()
    return None if encode is None else DecisionTable(kbase, encode)


def _table_lines(table: DecisionTable, cases: Iterable[Gathered], day: dt.date) -> Iterator[bytes]:
    from ..rules.loader import batching

    with batching():
        yield from table.lines((case.answers for case in cases), day)


def _holding(held: contextlib.ExitStack, items: Iterator[T]) -> Iterator[T]:
    with held:
        yield from items


def offered_check_in(db: Path | None, symptom: str, day: dt.date, person: Person) -> bool:
    """At a terminal, with a plan for `symptom` running: say what a new triage does to it, and
    whether the runner takes the check-in offered instead."""
    from ..history.tracking import replacing

    replaced = replacing(db, symptom, day)
    if replaced is None:
        return False
    person.say("Saving this triage: " + replaced + ".")
    return person.confirm(f"Check in on the running plan instead (nothing new is saved)? Answer n to start a new "
                          f"{symptom} plan")
