"""The check-ins of a plan as its views list them (documents.CheckinSummary), kept beside each
link (history.chain writes them in the check-in's transaction): the summary as compact JSON, which
`plan --json` writes out as it is, and since schema 5 its fields as columns too, the lists among
them as compact JSON, with a seal over the text and the columns (since schema 6 a row seal, which
a view checks by one crc32 call). A view reads the columns, parses each distinct list once (a
year of check-ins carries over the same routine) and checks the seal, so that a check-in costs it
a row of a query, never a JSON document; the summaries themselves are made only when a view
looks at them (Listed), and each of their fields when a view reads it (history.columns)."""
from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..documents.kinds import CheckinSummary
from ..documents.record import Record
from ..documents.vocabulary import warning_answers
from ..engine.state import summary_of
from .columns import _LISTS, _SCALARS, COLUMNS, Answers, _pending, allowed, built, kept_list, listed_text

if TYPE_CHECKING:
    from .store import History

_SUMMARY = {**{k: {*kinds} for k, kinds in _SCALARS.items()}, **{k: {kind} for k, kind in _LISTS.items()}}
_KEYS = frozenset(CheckinSummary.__document_fields__)  # type: ignore[attr-defined]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def summary_text(summary: CheckinSummary) -> str:
    """A summary as the links table keeps it: compact JSON."""
    from ..documents.as_json import to_data

    return _compact(to_data(summary))


def kept(summary: CheckinSummary) -> tuple[Any, ...]:
    """What the links table keeps of `summary` (KEPT): no text (since schema 7: a view makes it from
    the columns, columns.listed_text), its COLUMNS, no summary seal (since schema 6), its answers to
    the warning signs apart (since schema 7) and their row seal."""
    values = tuple(_compact(getattr(summary, k)) if k in _LISTS else getattr(summary, k) for k in COLUMNS)
    values = (None, values[0].isoformat(), *values[1:], None, signs_text(summary.answers))
    return (*values, row_seal(values))


KEPT = ("summary", *COLUMNS, "summary_seal", "signs", "row_seal")  # the columns of `links` that `kept` gives, in order


def linked(values: tuple[Any, ...]) -> Any:
    """What the seal of a link covers of the summary kept as `values` (KEPT), which ties it to its
    check-in: its text, or since schema 7, which keeps none, its row seal (history.chain.seal)."""
    return values[-1] if values[0] is None else values[0]


def linked_sql(history: History) -> str:
    """`linked` as SQL over a row of `links`, by the history's schema version."""
    version = schema_version(history)
    return "COALESCE(summary, row_seal)" if version >= 7 else "summary" if version >= 4 else "NULL"


def signs_text(answers: dict[str, Any]) -> str:
    """A check-in's answers to the warning signs (documents.vocabulary.is_red_flag), in the order
    given, as the links table keeps them apart: the handout lists these of every check-in, and a
    year of check-ins answers them alike, so that it parses each distinct text once rather than
    every check-in's answers."""
    return _compact(warning_answers(answers))


_SEALED = "%r\0" * (1 + len(COLUMNS))  # repr: None and the text "None" seal apart


def listed_seal(text: Any, values: tuple[Any, ...]) -> int:
    """The seal of a summary's text with its columns, as kept."""
    return zlib.crc32((_SEALED % (text, *values)).encode("utf-8", "surrogatepass"))


def summaries_of(texts: list[Any]) -> list[CheckinSummary]:
    """Stored summary texts as documents; ValueError naming the first that is not one."""
    try:
        data = json.loads("[" + ",".join(texts) + "]")
    except (TypeError, ValueError, RecursionError):
        raise ValueError("holds a summary that is not one") from None
    if len(data) != len(texts):
        raise ValueError("holds a summary that is not one")
    out = []
    for d in data:
        if type(d) is not dict or d.keys() != _KEYS or not all(type(d[k]) in kinds for k, kinds in _SUMMARY.items()) \
                or not {str} >= {*map(type, d["red_flags"]), *map(type, d["routine"])} or not allowed(d):
            raise ValueError("holds a summary that is not one")
        try:
            out.append(CheckinSummary(**{**d, "date": dt.date.fromisoformat(d["date"])}))
        except ValueError:
            raise ValueError("holds a summary that is not one") from None
    return out


def schema_version(history: History) -> int:
    conn = history._conn
    return 0 if conn is None else conn.execute("PRAGMA user_version").fetchone()[0]


# A row seal (schema 6) is the CRC-32 of the summary's text, its COLUMNS and their older seal (None
# since schema 6) laid out thus: the two texts as they are, the rest as repr writes them (None and
# the text "None", 3 and "3", seal apart). No JSON text is scanned for quotes: a view checks a year of
# check-ins in about a millisecond.
# Since schema 7 there is no text: the COLUMNS, their older seal and the text of the answers to the
# warning signs, kept apart, each as str writes it. The columns' affinity keeps a number a number;
# what this seal does not tell apart, NULL from the text "None", every view tells by the value's kind.
_ROW_SEALED = "\0".join("%s" if c in ("summary", "answers") else "%r" for c in ("summary", *COLUMNS, "summary_seal"))
_KEPT_SEALED = "\0".join("%s" for c in (*COLUMNS, "summary_seal", "signs"))


def row_seal(values: tuple[Any, ...]) -> int:
    """The row seal of a link's summary, COLUMNS, summary seal and warning signs' answers (None
    before schema 7, and the summary since), in that order, as kept."""
    sealed = _ROW_SEALED % values[:-1] if values[-1] is None else _KEPT_SEALED % values[1:]
    return zlib.crc32(sealed.encode("utf-8", "surrogatepass"))


_ROUTINE_AT = 2 + COLUMNS.index("routine")  # in a row of read_summaries' query


class Listed:
    """A plan's check-ins as its views list them, oldest first: their ids and JSON texts (None for
    a view that writes none), every routine they gave (each distinct one once, in the order first
    given, with the position and id of the last check-in to give it), and, built when first asked
    for (summaries, entries), their summaries: `plan --json` writes the texts and reads the
    routines alone."""

    __slots__ = ("ids", "texts", "routines", "_columns", "_signs", "_made", "_answers")

    def __init__(self, ids: list[int], texts: list[Any], routines: list[list[Any]], columns: list[Any],
                 signs: list[Any], made: dict[int, CheckinSummary], answers: Answers) -> None:
        """`columns`: each check-in's COLUMNS as read, None for one whose summary is `made` already;
        `signs`: the text of its answers to the warning signs as kept (None before schema 7)."""
        self.ids, self.texts, self.routines = ids, texts, routines
        self._columns, self._signs, self._made, self._answers = columns, signs, made, answers

    def summaries(self, whole: bool = True) -> list[CheckinSummary]:
        """Every check-in's summary, oldest first; with `whole` False, a summary read from its
        columns has its decision and what it prescribes alone, the rest built when first read
        (columns.KeptSummary)."""
        made, answers, columns, signs = self._made, self._answers, self._columns, self._signs
        if whole and not made:  # the usual: every one read from its columns, built together
            made.update(enumerate(built(columns, self.ids, answers, signs)))
        else:
            pending = [at for at in range(len(columns)) if at not in made]  # its row seal matched
            if whole and pending:
                made.update(zip(pending, built([columns[at] for at in pending], [self.ids[at] for at in pending],
                                               answers, [signs[at] for at in pending])))
            for at in () if whole else pending:
                summary = made[at] = _pending(columns[at], self.ids[at], answers, whole, signs[at])
                if summary is None:
                    raise answers.damaged(self.ids[at], "holds a summary that is not one")
        self._columns = self._signs = []
        return list(map(made.__getitem__, range(len(self.ids))))

    def entries(self, whole: bool = True) -> list[tuple[int, CheckinSummary, str]]:
        """Every check-in as (its id, its summary, its JSON text): `summaries`'."""
        return list(zip(self.ids, self.summaries(whole), self.texts))

    def __iter__(self) -> Iterator[tuple[int, CheckinSummary, str]]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.ids)


def read_summaries(history: History, plan_id: int, doc: Callable[[int], Record | None],
                   damaged: Callable[[Any, str], Exception], texts: bool = True) -> Listed:
    """Every check-in of the plan `plan_id` as the views list it, oldest first (Listed): from the
    columns kept beside its link, checked by their row seal (schema 6, one crc32 a row; since schema
    7 over its answers to the warning signs too, kept apart) or their
    summary seal; from the kept text alone when its link was written before the columns were; made
    from the check-in itself (`doc` reads it, once) when it has no summary (kept before summaries
    were). A check-in whose row seal matches is built when first asked for. Without `texts`, the
    JSON texts are checked and let go (a view that writes none of them)."""
    version = schema_version(history)
    columns = "".join(f", l.{c}" for c in COLUMNS) + ", l.summary_seal" if version >= 5 else \
        "".join(f", NULL AS {c}" for c in COLUMNS) + ", NULL AS summary_seal"
    columns += ", l.signs" if version >= 7 else ", NULL AS signs"
    columns += ", l.row_seal" if version >= 6 else ", NULL AS row_seal"
    sql = (f"SELECT c.id, l.summary{columns} FROM checkins c LEFT JOIN links l ON l.checkin_id = c.id "
           "WHERE c.plan_id = ? ORDER BY c.date, c.id") if version >= 4 else \
        f"SELECT id, NULL AS summary{columns} FROM checkins WHERE plan_id = ? ORDER BY date, id"
    rows = history._rows(sql, (plan_id,), plain=True)
    lists: dict[tuple[str, Any], Any] = {}  # each distinct list's text, parsed and checked once
    ids, kept, made, answers, columns_of, signs_of = [], [], {}, Answers(damaged, lists), [], []
    given: dict[Any, list[Any]] = {}  # each distinct routine: [it, the last position and id to give it]
    alike: dict[Any, Any] = {}
    crc32, sealed_as, kept_as = zlib.crc32, _ROW_SEALED, _KEPT_SEALED
    for at, row in enumerate(rows):
        cid, text, signs = row[0], row[1], row[-2]
        if row[-1] is not None:  # a row seal: over the text, or since schema 7 the answers to the warning signs
            sealed, whole = (sealed_as % row[1:-2], type(text) is str) if signs is None else \
                (kept_as % row[2:-1], text is None)
            if crc32(sealed.encode("utf-8", "surrogatepass")) != row[-1] or not whole:
                raise damaged(cid, "holds a summary that is not one")
            if texts and text is None:
                text = listed_text(row[2:-3], lists)
                if text is None:
                    raise damaged(cid, "holds a summary that is not one")
            routine = kept_list(lists, "routine", row[_ROUTINE_AT], list)
            if routine is None:
                raise damaged(cid, "holds a summary that is not one")
            columns_of.append(row[2:-3])
        else:
            made[at], text = _older(row, doc, lists, answers)
            routine = made[at].routine
            columns_of.append(None)
        signs_of.append(alike.setdefault(signs, signs))  # one text for those kept alike (a year: a few)
        ids.append(cid)
        kept.append(text if texts else None)
        last = given.get(id(routine))
        if last is None:
            given[id(routine)] = [routine, at, cid]
        else:
            last[1:] = at, cid
    return Listed(ids, kept, list(given.values()), columns_of, signs_of, made, answers)


def _older(row: Any, doc: Callable[[int], Record | None], lists: dict[tuple[str, Any], Any],
           answers: Answers) -> tuple[CheckinSummary, str]:
    """A check-in whose link has no row seal (kept before schema 6), as its summary and text."""
    cid, text, values, sealed, damaged = row[0], row[1], row[2:-3], row[-3], answers.damaged
    if sealed is not None:
        summary = _pending(values, cid, answers) if sealed == listed_seal(text, values) else None
        if summary is None:
            raise damaged(cid, "holds a summary that is not one")
    elif text is not None:  # kept before the columns were
        try:
            [summary] = summaries_of([text])
        except ValueError as exc:
            raise damaged(cid, str(exc)) from None
    else:  # kept before summaries were
        summary = summary_of(doc(cid))
        text = summary_text(summary)
    return summary, text
