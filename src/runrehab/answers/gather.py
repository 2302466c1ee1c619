"""Answers for a triage or a check-in, from wherever they come: an answers file or stdin
(`--answers`), `-a ID=VALUE` pairs that win over it, and the terminal for what is still missing.

One function gathers them for both stages; what asks at the terminal is passed in, so that this
module never touches one. A batch (JSON Lines) is checked whole before anything is planned.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from ..engine.interview import carried_over, complete, parse_answers
from ..errors import AnswerError, UsageError
from ..safe_text import quoted
from .file import AnswersFile

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

# (rule base, answers so far, stage, symptom) -> the answers with every missing one asked
Asker = Callable[["KnowledgeBase", dict[str, Any], str, "str | None"], dict[str, Any]]


class AnswerSources(NamedTuple):
    """Where a command's answers come from, as its options name them."""

    file: str | None = None  # --answers PATH, or - for stdin
    pairs: tuple[str, ...] = ()  # -a ID=VALUE
    at_terminal: bool = False  # a person can be asked (stdin is a terminal, or --interactive)


class Gathered(NamedTuple):
    """One case's answers: complete and typed, with the ids given that the interview ignores."""

    line: int | None  # of a batch; None for a single case
    answers: dict[str, Any]
    ignored: list[str]


def parse_pairs(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        qid, sep, value = pair.partition("=")
        if not sep or not qid.strip():
            raise UsageError(f"-a: {quoted(pair)} is not ID=VALUE")
        qid = qid.strip()
        if out.get(qid, value) != value:  # which one was meant cannot be told: a yes must not be lost
            raise UsageError(f"-a: {qid} is answered twice, as {quoted(out[qid])} and {quoted(value)}; answer it once")
        out[qid] = value
    return out


# What checks a batch case as parse_answers and complete would, quicker (the decision table): its
# answers complete and typed, or None when it cannot say (the interview checks the case then).
Check = Callable[[dict[str, Any]], "dict[str, Any] | None"]
# What reads a batch line's text as JSON and a Check after it would, quicker: None when it cannot.
ReadLine = Callable[[str], "dict[str, Any] | None"]


class Given(NamedTuple):
    """The answers of a command, open: one case, or a batch (JSON Lines, triage only) whose cases
    are read afresh from the start of its file each time they are iterated."""

    batch: bool
    read: Callable[[Check | None, ReadLine | None], Iterator[Gathered]]  # the cases, read afresh at each call

    def cases(self, check: Check | None = None, read_line: ReadLine | None = None) -> Iterable[Gathered]:
        """The cases complete for their stage; the first bad case raises, a batch's naming its
        line. `check`, for a batch alone: what checks a case quicker than the interview does;
        `read_line`, what reads a line quicker than JSON and `check` together."""
        if not self.batch:
            return self.read(None, None)
        return _Reread(lambda: self.read(check, read_line))


@contextlib.contextmanager
def gathered(kbase: KnowledgeBase, sources: AnswerSources, stage: str, ask: Asker, *,
             plan_answers: dict[str, Any] | None = None, symptom: str | None = None,
             known: dict[str, Any] | None = None) -> Iterator[Given]:
    """The answers of `sources` for `stage`, while their file is open.

    Args:
        kbase: the rule base the answers are checked against.
        sources: where the answers come from (a file or stdin, `-a` pairs, the terminal).
        stage: "triage" or "checkin"; a batch is refused at a check-in.
        ask: asks the missing answers when a person can answer (terminal.interview.interview).
        plan_answers: at a check-in, the plan's answers: those that cannot change (and without a
            person, `carry_over` ones) come from them.
        symptom: the symptom whose interview is asked (at a check-in, the plan's).
        known: answers the history already holds (the pain logged during sessions), never asked;
            what the runner gives wins over them.

    Returns:
        Given: whether it is a batch, and its cases.
    """
    overrides = parse_pairs(sources.pairs)
    with AnswersFile(sources.file) if sources.file else contextlib.nullcontext() as source:
        batch = source is not None and source.is_batch
        if batch and stage != "triage":
            raise UsageError("--answers: a check-in takes one mapping of answers, not JSON Lines")
        asking = not batch and sources.file != "-" and sources.at_terminal

        def cases(check: Check | None, read_line: ReadLine | None) -> Iterator[Gathered]:
            quick = read_line if batch and not (known or overrides) else None  # a line alone is the case
            for line, case, read in source.cases(quick) if source is not None else [(None, {}, False)]:
                if read:
                    yield Gathered(line, case, [])
                    continue
                merged = {**(known or {}), **case, **overrides} if known or overrides else case
                final = check(merged) if check is not None else None
                if final is not None:
                    yield Gathered(line, final, [])
                    continue
                try:
                    given = parse_answers(kbase, merged)
                    if plan_answers is not None:
                        given = carried_over(kbase, plan_answers, given, at_terminal=asking)
                    if asking:
                        given = ask(kbase, given, stage, symptom)
                    final = complete(kbase, given, stage, symptom)
                except AnswerError as exc:
                    raise AnswerError(f"--answers line {line}: {exc}" if batch else str(exc)) from None
                yield Gathered(line if batch else None, final, [qid for qid in given if qid not in final])

        yield Given(batch, cases)


class _Reread:
    """A batch's cases, read and checked from the start of its file on each iteration."""

    def __init__(self, cases: Callable[[], Iterator[Gathered]]):
        self._cases = cases

    def __iter__(self) -> Iterator[Gathered]:
        return self._cases()


def checked_first(cases: Iterable[Gathered]) -> Iterator[Gathered]:
    """Every case checked before the first is given out (a batch with a bad line prints nothing).
    A batch may be larger than memory, so nothing is kept: it is read and checked through once,
    then read and checked again as it is given out (stdin and pipes are read from a copy)."""
    for _ in cases:
        pass
    yield from cases
