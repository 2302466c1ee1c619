"""A check-in's summary (documents.CheckinSummary) as the `links` table keeps it beside the
check-in, one column a field (since schema 5; history.summaries reads them and checks their seal),
and as a view builds it from them: each field checked against the document's own kinds and values
when a view first reads it (KeptSummary), so that a view pays for what it shows."""
from __future__ import annotations

import datetime as dt
import json
from collections import deque
from collections.abc import Callable
from itertools import product, repeat
from operator import itemgetter
from typing import Any, get_args

from ..documents.kinds import CheckinSummary, Decision, Level, Progress, Score

# CheckinSummary's fields, in its order: the columns of `links` that hold them (schema 5)
COLUMNS = ("date", "day", "progress", "pain_score", "answers", "red_flags", "triage_level", "decision", "routine",
           "prescribed")
_LISTS = {"answers": dict, "red_flags": list, "routine": list}  # kept as compact JSON
_NONE = type(None)
_SCALARS = {"date": (str,), "day": (int,), "progress": (str, _NONE), "pain_score": (int, _NONE),
            "triage_level": (str,), "decision": (str,), "prescribed": (int,)}
# the values the document allows beside their kinds (the calendar and the handout look them up)
_DECISIONS = frozenset(get_args(Decision))
_PROGRESSES, _LEVELS = frozenset((*get_args(Progress), None)), frozenset(get_args(Level))
_LOW, _HIGH = (get_args(Score)[1].bounds[k] for k in ("ge", "le"))  # of a pain score
_DAY_AT, _PROGRESS_AT, _PAIN_AT, _LEVEL_AT = (COLUMNS.index(k) for k in ("day", "progress", "pain_score", "triage_level"))


def allowed(fields: dict[str, Any]) -> bool:
    """Whether the fields of a summary, each of its kind, hold values the document allows."""
    return fields["decision"] in _DECISIONS and _allowed(tuple(fields[k] for k in COLUMNS))


def _allowed(values: tuple[Any, ...]) -> bool:
    """Whether a summary's COLUMNS, each of its kind, hold values the document allows (its decision aside)."""
    pain = values[_PAIN_AT]
    return values[_DAY_AT] >= 0 and (pain is None or _LOW <= pain <= _HIGH) and values[_PROGRESS_AT] in _PROGRESSES \
        and values[_LEVEL_AT] in _LEVELS


_ANSWERS = CheckinSummary.answers  # the slot itself: KeptSummary keeps its place among the kept there until read


class Answers:
    """What is kept of a plan's check-ins read from their columns and not yet built whole
    (KeptSummary): the columns of each whose other fields are still to be built, the texts
    of their answers, not parsed yet: all parsed (and checked) at once, by one json.loads over
    them all, when the first is read, and their answers to the warning signs, kept apart (since
    schema 7; None before): each distinct text parsed once, one dict for the check-ins that
    answered them alike."""

    __slots__ = ("texts", "cids", "values", "signs", "lists", "damaged", "parsed")

    def __init__(self, damaged: Callable[[Any, str], Exception], lists: dict[tuple[str, Any], Any]) -> None:
        self.texts: list[Any] = []
        self.cids: list[Any] = []
        self.values: list[tuple[Any, ...] | None] = []
        self.signs: list[dict[str, Any] | None] = []
        self.lists = lists  # each distinct list's text, parsed and checked once (read_summaries')
        self.damaged = damaged
        self.parsed: list[Any] | None = None

    def add(self, text: Any, cid: Any, values: tuple[Any, ...] | None = None,
            signs: dict[str, Any] | None = None) -> _Unread:
        """What a summary keeps in place of the answers `text` of check-in `cid` until read;
        `values`: its COLUMNS, while its other fields are still to be built; `signs`: its answers
        to the warning signs, as kept apart."""
        self.texts.append(text)
        self.cids.append(cid)
        self.values.append(values)
        self.signs.append(signs)
        return _Unread((len(self.texts) - 1, self))

    def extend(self, texts: list[Any], cids: list[Any], signs: list[dict[str, Any] | None]) -> list[_Unread]:
        """`add` for the answers `texts` of whole summaries (their fields all set) of check-ins `cids`."""
        start = len(self.texts)
        self.texts += texts
        self.cids += cids
        self.values += repeat(None, len(texts))
        self.signs += signs
        return list(map(_Unread, zip(range(start, len(self.texts)), repeat(self))))

    def read(self, at: int) -> dict[str, Any]:
        if self.parsed is None:
            try:
                parsed = json.loads("[" + ",".join(self.texts) + "]")
            except (TypeError, ValueError, RecursionError):
                parsed = None
            if type(parsed) is not list or len(parsed) != len(self.texts) or \
                    not all(type(answers) is dict for answers in parsed):
                parsed = [_parsed(text, dict) for text in self.texts]  # each alone: the first that is not one
                for answers, cid in zip(parsed, self.cids):
                    if answers is None:
                        raise self.damaged(cid, "holds a summary that is not one")
            self.parsed = parsed
        return self.parsed[at]  # type: ignore[no-any-return]

    def build(self, summary: CheckinSummary, at: int) -> None:
        """Set the fields of `summary`, the check-in at `at`, that are still to be built."""
        values = self.values[at]
        if values is not None:
            if not _rest(summary, values, self.lists):
                raise self.damaged(self.cids[at], "holds a summary that is not one")
            self.values[at] = None


class _Unread(tuple):  # type: ignore[type-arg]
    """A summary's answers as kept, not parsed yet: (their place among those of `kept`, kept), made
    by tuple's own constructor (a year of check-ins makes one a day)."""

    __slots__ = ()
    at, kept = property(itemgetter(0)), property(itemgetter(1))


_EAGER = ("decision", "prescribed")  # set when a summary is made: the calendar reads them alone of most check-ins
_LATER = frozenset(COLUMNS) - {"answers", *_EAGER}


class KeptSummary(CheckinSummary):
    """A summary read from its columns, their row seal checked. Its decision and what it prescribes
    are set when it is made (all the calendar reads of most check-ins); its other fields are built,
    and checked, when one of them is first read (Answers.build); its answers, which differ at every
    check-in and which only the handout shows, are parsed when first read, with those of every
    other check-in read with it (Answers.read). Damage found then is reported as it would have been
    on reading the row."""

    def __getattr__(self, name: str) -> Any:  # a field not set yet: built now
        if name not in _LATER:
            raise AttributeError(name)
        unread = _ANSWERS.__get__(self)
        unread.kept.build(self, unread.at)
        return object.__getattribute__(self, name)

    @property
    def answers(self) -> dict[str, Any]:
        value = _ANSWERS.__get__(self)
        if type(value) is _Unread:
            value.kept.build(self, value.at)  # the answers' place is kept no more once they are read
            _ANSWERS.__set__(self, value.kept.read(value.at))
            return _ANSWERS.__get__(self)  # type: ignore[no-any-return]
        return value  # type: ignore[no-any-return]

    @answers.setter
    def answers(self, value: dict[str, Any]) -> None:  # Document.__init__ gives it
        _ANSWERS.__set__(self, value)

    @property
    def warning_answers(self) -> dict[str, Any]:
        """As CheckinSummary's: as kept apart (one dict for the check-ins that answered alike, not to
        be changed) while its answers are not read; from its answers otherwise, or when kept before
        they were kept apart."""
        value = _ANSWERS.__get__(self)
        if type(value) is _Unread:
            signs = value.kept.signs[value.at]
            if signs is not None:
                return signs
        return CheckinSummary.warning_answers.fget(self)  # type: ignore[attr-defined, no-any-return]


_SETTERS = tuple(getattr(CheckinSummary, name).__set__ for name in COLUMNS)  # its slots, in COLUMNS' order
_LIST_AT = tuple((COLUMNS.index(k), k, kind) for k, kind in _LISTS.items() if k != "answers")
_ANSWERS_AT = COLUMNS.index("answers")
_DECISION_AT, _PRESCRIBED_AT = (COLUMNS.index(k) for k in _EAGER)
_LATER_SETTERS = tuple((at, setter) for at, (k, setter) in enumerate(zip(COLUMNS, _SETTERS)) if k in _LATER)
_SCALARS_OF = itemgetter(*(COLUMNS.index(k) for k in _SCALARS))  # the scalar COLUMNS, in _SCALARS' order
_SCALAR_KINDS = frozenset(product(*_SCALARS.values()))  # the types they may have, together


def _pending(values: tuple[Any, ...], cid: Any, kept: Answers, whole: bool = True,
             signs: Any = None) -> KeptSummary | None:
    """The summary kept as `values` (COLUMNS) and `signs` (the text of its answers to the warning
    signs, None when not kept apart), its seal checked; None when they are not one. Its
    decision and what it prescribes are set now, its other fields too when `whole` (or else when
    first read), its answers when first read (KeptSummary). Built slot by slot rather than through
    Document's keywords (a year of check-ins makes a summary a day)."""
    decision, prescribed = values[_DECISION_AT], values[_PRESCRIBED_AT]
    warning = _signs(signs, kept.lists)
    if type(decision) is not str or decision not in _DECISIONS or type(prescribed) is not int or warning is False:
        return None
    summary = object.__new__(KeptSummary)
    _SETTERS[_DECISION_AT](summary, decision)
    _SETTERS[_PRESCRIBED_AT](summary, prescribed)
    if whole and not _rest(summary, values, kept.lists):
        return None
    _ANSWERS.__set__(summary, kept.add(values[_ANSWERS_AT], cid, None if whole else values, warning))
    return summary


def _signs(text: Any, lists: dict[tuple[str, Any], Any]) -> dict[str, Any] | None | bool:
    """The answers to the warning signs kept as `text`, parsed once a distinct text (in `lists`);
    None when none were kept apart, False when they are not a mapping of answers."""
    if text is None:
        return None
    parsed = kept_list(lists, "signs", text, dict)
    return False if parsed is None else parsed  # type: ignore[no-any-return]


def _rest(summary: CheckinSummary, values: tuple[Any, ...], lists: dict[tuple[str, Any], Any]) -> bool:
    """Set the fields kept as `values` (COLUMNS) that `_pending` leaves, each checked; False when
    they are not one."""
    if tuple(map(type, _SCALARS_OF(values))) not in _SCALAR_KINDS or not _allowed(values):
        return False
    fields = list(values)
    for at, key, kind in _LIST_AT:
        parsed = kept_list(lists, key, values[at], kind)
        if parsed is None:
            return False
        fields[at] = parsed
    try:
        fields[0] = dt.date.fromisoformat(values[0])
    except ValueError:
        return False
    for at, setter in _LATER_SETTERS:
        setter(summary, fields[at])
    return True


_KINDS_AT = tuple((COLUMNS.index(k), frozenset(kinds)) for k, kinds in _SCALARS.items())  # exact types
_VALUES_AT = ((_DECISION_AT, _DECISIONS), (_PROGRESS_AT, _PROGRESSES), (_LEVEL_AT, _LEVELS))


def built(rows: list[tuple[Any, ...]], cids: list[Any], kept: Answers, signs: list[Any]) -> list[KeptSummary]:
    """The whole summaries kept as `rows` (each a check-in's COLUMNS, its seal checked) and `signs`
    (_pending's) of the check-ins `cids`, their answers parsed when first read (KeptSummary):
    checked a column at a time (a year of check-ins repeats a few values) and set a slot at a time.
    When a column holds what the document does not allow, each row is built alone, which names
    the first check-in that is damaged."""
    columns = list(zip(*rows)) or [()] * len(COLUMNS)
    fields = _checked(columns, kept.lists)
    warning = {text: _signs(text, kept.lists) for text in {*signs}}
    if fields is None or False in warning.values():
        out = []
        for values, cid, text in zip(rows, cids, signs):
            summary = _pending(values, cid, kept, True, text)
            if summary is None:
                raise kept.damaged(cid, "holds a summary that is not one")
            out.append(summary)
        return out
    summaries = [object.__new__(KeptSummary) for _ in rows]
    for at, setter in enumerate(_SETTERS):
        if at != _ANSWERS_AT:
            deque(map(setter, summaries, fields.get(at, columns[at])), maxlen=0)
    unread = kept.extend(list(columns[_ANSWERS_AT]), cids, list(map(warning.__getitem__, signs)))
    deque(map(_ANSWERS.__set__, summaries, unread), maxlen=0)
    return summaries


def _checked(columns: list[tuple[Any, ...]], lists: dict[tuple[str, Any], Any]) -> dict[int, list[Any]] | None:
    """Whether every value of `columns` (COLUMNS, one check-in each) is of its kind and allowed, as
    `_pending` and `_rest` check a row: the dates and lists among them as values (by their place
    in COLUMNS); None when one is not."""
    if not all({*map(type, columns[at])} <= kinds for at, kinds in _KINDS_AT) or \
            not all({*columns[at]} <= allowed for at, allowed in _VALUES_AT) or min(columns[_DAY_AT], default=0) < 0:
        return None
    pains = {*columns[_PAIN_AT]} - {None}
    if pains and not _LOW <= min(pains) <= max(pains) <= _HIGH:
        return None
    fields: dict[int, list[Any]] = {}
    for at, key, kind in _LIST_AT:
        distinct = {}
        for text in {*columns[at]}:
            parsed = distinct[text] = kept_list(lists, key, text, kind)
            if parsed is None:
                return None
        fields[at] = list(map(distinct.__getitem__, columns[at]))
    try:
        fields[0] = list(map(dt.date.fromisoformat, columns[0]))
    except ValueError:
        return None
    return fields


# a summary's JSON text (summaries.summary_text) laid out from its COLUMNS, in order: the texts
# among them (a date, words the document allows) in quotes, the lists as kept
_TEXT = "{" + ",".join(f'"{c}":"%s"' if c in ("date", "triage_level", "decision") else f'"{c}":%s'
                       for c in COLUMNS) + "}"
_PROGRESS_TEXT = {p: "null" if p is None else f'"{p}"' for p in _PROGRESSES}


def listed_text(values: tuple[Any, ...], lists: dict[tuple[str, Any], Any]) -> str | None:
    """The JSON text of the summary kept as `values` (COLUMNS), its row seal checked, as
    summaries.summary_text writes it; None when a value is not of its kind or not one the document
    allows (its answers are written as kept: parsing them is what keeping the columns avoids).
    Laid out rather than encoded: a year of check-ins is a text a day."""
    date, day, progress, pain, answers, red_flags, level, decision, routine, prescribed = values
    said = _PROGRESS_TEXT.get(progress)
    if said is None or level not in _LEVELS or decision not in _DECISIONS or type(day) is not int or day < 0 or \
            type(prescribed) is not int or type(answers) is not str or \
            not (pain is None or type(pain) is int and _LOW <= pain <= _HIGH):
        return None
    if kept_list(lists, "red_flags", red_flags, list) is None or kept_list(lists, "routine", routine, list) is None:
        return None
    try:
        dt.date.fromisoformat(date)
    except (TypeError, ValueError):
        return None
    return _TEXT % (date, day, said, "null" if pain is None else pain, answers, red_flags, level, decision, routine,
                    prescribed)


def kept_list(lists: dict[tuple[str, Any], Any], key: str, text: Any, kind: type) -> Any:
    """The list (or mapping) kept as `text` in the column `key`, parsed and checked once a distinct
    text (`lists` holds those met); None when it is not one."""
    parsed = lists.get((key, text))
    if parsed is None:
        parsed = lists[key, text] = _parsed(text, kind)
    return parsed


def _parsed(text: Any, kind: type) -> Any:
    """A kept list (or mapping of answers), checked; None when it is not one."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    if type(value) is not kind or (kind is list and not all(type(v) is str for v in value)):
        return None
    return value
