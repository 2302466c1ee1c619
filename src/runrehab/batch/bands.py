"""How a symptom's cases fall into the cells of the decision table (batch/table.py): the bands of
the answers its triage rules test, the warning signs raised, and the usual spellings of each
answer the table can check by itself."""
from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import Any

Band = Callable[[Any], "int | None"]  # an answer -> the index of its band; None: no band


def _band(kind: str, values: list[Any], most: int | None) -> Band:
    """The band of an answer to a question of type `kind` whose bands start at `values`
    (band_values); None for an answer outside them (never a checked answer's, but then the
    engine decides)."""
    if kind == "yes_no":
        return lambda v: int(v) if type(v) is bool else None
    if kind == "integer":
        lo, hi = values[0], most

        def integer(v: Any) -> int | None:
            if type(v) is not int or v < lo or (hi is not None and v > hi):
                return None
            return bisect.bisect_right(values, v) - 1
        return integer
    if kind == "multi":
        sets = {frozenset(v): i for i, v in enumerate(values)}
        named = frozenset().union(*sets)  # a set of choices falls into the band of the named ones it holds
        return lambda v: sets.get(frozenset(v) & named) if type(v) is list and all(type(c) is str for c in v) else None
    index = {v: i for i, v in enumerate(values)}
    return lambda v: index.get(v) if type(v) is str else None


class Bands:
    """How a symptom's cases map to cells, from its spec: the questions its triage rules test
    with the first value of each band, its warning signs, and each question its interview asks
    with the spellings of its answers."""

    def __init__(self, spec: dict[str, Any], spellings: Callable[[Any], dict[Any, Any]] | None = None,
                 asks: Callable[[str, dict[str, Any]], bool] | None = None):
        """`spellings` makes the index of a question's usual spellings from what its spec holds
        for them (in a part read from the cache, the number of the list its symptoms share);
        `asks` says whether a question with an ask_if is asked after the answers given (without
        it, a case leaving one out goes to the engine)."""
        spellings = spellings or spelling_index
        self.spec = spec
        self.symptom: str = spec["symptom"]
        self.usable: bool = spec["usable"]
        self.flags: list[str] = spec["flags"]
        self._flag_index = {qid: i + 1 for i, qid in enumerate(self.flags)}
        _whole_numbers(spec)
        self.questions = [(qid, values, _band(kind, values, most)) for qid, kind, values, most in spec["questions"]]
        self.spellings = {qid: (lo, hi) if kind == "integer" else spellings(known)
                           for qid, kind, lo, hi, known in spec["answers"]}
        self._defaults = {qid: value for qid, value in spec["defaults"]}
        self._asked_if = {qid: value for qid, value in spec["asked_if"]} if asks is not None else {}
        self._defaults.update(self._asked_if)
        self.asks_after = bool(self._asked_if)  # whether a default can make a question asked
        self.asked_if = list(self._asked_if)  # the optional questions asked only if their ask_if holds
        self._asks = asks
        if not all(self._answers(qid, value) for qid, value in self._defaults.items()):
            raise ValueError(f"the defaults {spec['defaults']!r}")
        self.value_cells = math.prod(len(values) for _, values, _ in self.questions)
        self.states = states(len(self.flags))
        # The optional questions the rules test, which a case may leave out: the interview fills in
        # nothing after a warning sign. Cells past the first value_cells * states hold the cases
        # with a warning sign or two that leave out every one of them (a script that leaves
        # optional answers to their defaults), by the bands of the others.
        left_out = set(spec["left_out"])
        self.left_out = [qid for qid, _, _ in self.questions if qid in left_out]
        self._kept = [question for question in self.questions if question[0] not in left_out]
        self.kept_cells = math.prod(len(values) for _, values, _ in self._kept)
        self.all_out = self.value_cells * self.states  # the first cell of those

    def checked(self, given: dict[str, Any]) -> dict[str, Any] | None:
        """`given` typed as engine.interview.parse_answers and complete type it, when it answers
        this interview, each answer in a spelling the table knows (a whole number in range, or
        one parse_answer was shown when the table was made), leaving out only optional answers
        whose defaults the table holds (`defaults`); else None."""
        spellings = self.spellings
        typed = {}
        try:
            for qid, raw in given.items():
                known = spellings[qid]  # KeyError: not asked
                if type(known) is dict:
                    typed[qid] = known[raw] if type(raw) is str else known[type(raw), raw]  # TypeError: a list
                elif type(raw) is int and known[0] <= raw <= known[1]:
                    typed[qid] = raw
                else:
                    return None
        except (KeyError, TypeError):
            return None
        return typed if len(typed) == len(spellings) else self.defaulted(typed)

    def defaulted(self, typed: dict[str, Any]) -> dict[str, Any] | None:
        """Typed answers with the defaults of those left out, as engine.interview.complete adds
        them: in the interview's order, round by round while a default makes another question
        asked (its ask_if, by `asks`), and none once a warning sign is raised (the interview ends
        there); None when one left out has no default the table holds (required, a warning sign)."""
        if any(typed.get(f) is True for f in self.flags):
            return typed  # a warning sign ends the interview: nothing is filled in
        return self.filled(typed)

    def filled(self, typed: dict[str, Any]) -> dict[str, Any] | None:
        """defaulted, for answers that raise no warning sign."""
        defaults, asked_if, asks = self._defaults, self._asked_if, self._asks
        while True:  # a default may make another question asked (its ask_if), as in engine.interview.complete
            todo = [qid for qid in self.spellings
                    if qid not in typed and (qid not in asked_if or asks(qid, typed))]  # type: ignore[misc]
            if not todo:
                return typed
            if not all(qid in defaults for qid in todo):
                return None
            for qid in todo:
                typed[qid] = defaults[qid]

    def _answers(self, qid: str, value: Any) -> bool:
        """Whether `value` is an answer to `qid` the interview could have typed (a default read
        from the cache is checked so: it goes into the plan's text)."""
        known = self.spellings.get(qid)
        if type(known) is dict:
            return any(type(typed) is type(value) and typed == value for typed in known.values()) or (
                not known and type(value) is list and all(type(c) is str for c in value))
        return known is not None and type(value) is int and known[0] <= value <= known[1]

    def cell_of(self, answers: dict[str, Any]) -> int | None:
        """The cell a case's complete answers fall into; None when it fits none."""
        if not self.usable or not self.spellings.keys() >= answers.keys():
            return None  # no table, or a warning sign from outside the interview
        index = kept = out = 0
        for qid, values, band in self.questions:
            b = band(answers.get(qid))
            if b is None:
                if qid not in answers and qid in self.left_out:
                    out += 1
                    continue
                return None
            index = index * len(values) + b
            if qid not in self.left_out:
                kept = kept * len(values) + b
        if out and out < len(self.left_out):
            return None  # some left out, not all
        first = second = 0
        for qid in self.flags:
            v = answers.get(qid)
            if v is True:
                if second:
                    return None  # three warning signs
                if first:
                    second = self._flag_index[qid]
                else:
                    first = self._flag_index[qid]
            elif v is not False:
                return None  # left out: the answers stopped at a warning sign
        if out:
            return self.all_out + (self.state(first, second) - 1) * self.kept_cells + kept if first else None
        return self.state(first, second) * self.value_cells + index

    def met(self, answers: dict[str, Any]) -> tuple[Any, ...] | None:
        """For answers no cell holds (an answer left out after a warning sign, three signs): what
        the rules can tell of them, the band of each tested answer or -1 where it is left out,
        and each warning sign's answer (True, False, None: left out); None when an answer is
        outside the interview or its bands. Answers with the same get the same plan."""
        if not self.usable or not self.spellings.keys() >= answers.keys():
            return None
        key: list[Any] = []
        for qid, _, band in self.questions:
            if qid in answers:
                b = band(answers[qid])
                if b is None:
                    return None
                key.append(b)
            else:
                key.append(-1)
        for qid in self.flags:
            v = answers.get(qid)
            if v is not True and v is not False and v is not None:
                return None
            key.append(v)
        return tuple(key)

    def state(self, first: int, second: int) -> int:
        """The number of the warning signs raised: 0 for none, i for the i-th alone, then each
        pair i < j in turn (1-based, in the interview's order; 0 where none)."""
        if not second:
            return first
        f, i = len(self.flags), first - 1
        return 1 + f + i * f - i * (i + 1) // 2 + (second - first - 1)

    def _raised(self, state: int) -> tuple[int, ...]:
        """The warning signs (1-based) of state number `state`."""
        f = len(self.flags)
        if state <= f:
            return (state,) if state else ()
        pair = state - 1 - f
        for i in range(1, f):
            if pair < f - i:
                return (i, i + 1 + pair)
            pair -= f - i
        raise ValueError(f"no state {state}")

    def representative(self, index: int) -> dict[str, Any]:
        """Answers that fall into cell `index`: the first value of each of its bands (those
        left out, past all_out)."""
        questions = self.questions if index < self.all_out else self._kept
        state, rest = divmod(index, self.value_cells) if index < self.all_out else \
            divmod(index - self.all_out + self.kept_cells, self.kept_cells)  # from state 1
        raised = self._raised(state)
        picked = []
        for _, values, _ in reversed(questions):
            rest, b = divmod(rest, len(values))
            picked.append(values[b])
        answers: dict[str, Any] = {"symptom": self.symptom}
        answers.update((qid, i + 1 in raised) for i, qid in enumerate(self.flags))
        answers.update(zip((qid for qid, _, _ in reversed(questions)), picked))
        return answers

    def cells(self) -> range:
        every = self.all_out + (self.kept_cells * (self.states - 1) if self.left_out else 0)
        return range(every) if self.usable else range(0)


def states(flags: int) -> int:
    """How many sets of warning signs a cell can have raised, of `flags`: none, each one, each two."""
    return 1 + flags + flags * (flags - 1) // 2


def _whole_numbers(spec: dict[str, Any]) -> None:
    """ValueError unless every band of a number and every range of one is of whole numbers (a
    spec read from the cache may be damaged: a band or a range of texts would fail a case)."""
    for _, kind, values, most in spec["questions"]:
        if type(values) is not list or not values or (
                kind == "integer" and not all(type(v) is int for v in [*values, *([] if most is None else [most])])):
            raise ValueError(f"the bands {values!r}")
    for _, kind, lo, hi, _ in spec["answers"]:
        if kind == "integer" and not (type(lo) is int and type(hi) is int):
            raise ValueError(f"the range {lo!r} to {hi!r}")


def spelling_index(known: list[list[Any]]) -> dict[Any, Any]:
    """A spelling -> what parse_answer makes of it, from compile._spellings' pairs: a text by itself,
    anything else with its type (so that 1 is not taken for true)."""
    return {raw if type(raw) is str else (type(raw), raw): typed for raw, typed in known}
