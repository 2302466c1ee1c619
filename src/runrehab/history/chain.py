"""Where a plan stands after each of its check-ins, kept beside the check-in (a row of the `links`
table, written in the same transaction) so that a view reads the latest check-in alone rather than
walking every one: the status the decisions leave, which document's routine goes on, the warning
sign still waiting for a clinician, the mornings running that were worse and every warning sign
answered yes. Each step is the engine's own (engine.progression.walk_step, worse_step), so the
stored chain is the walk the engine makes over the whole list, one check-in at a time.

A link's `seal` is the CRC-32 of its check-in's date, answers and document and its state: the document is checked against its
schema once, when it enters the history, and a row changed since is found by its seal and
reported as damaged. Check-ins kept before the chain existed have neither: their plan is walked
whole (and checked whole) until the next check-in writes their links."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, get_args

from ..documents.record import Record
from ..documents.vocabulary import Status
from ..engine.progression import first_warning, walk_step, worse_step
from ..engine.state import status_after, summary_of
from ..errors import HistoryError
from .summaries import KEPT, Listed, linked, linked_sql, read_summaries, schema_version
from .summaries import kept as kept_summary

if TYPE_CHECKING:
    from .store import History


class Link(NamedTuple):
    """Where a plan stands after one of its check-ins (or, first_link, before any)."""

    status: str  # active, upkeep, escalated, stopped
    source: int | str  # the check-in whose routine goes on, or "plan"
    warning: int | str | None  # the warning sign no clinician has cleared yet: a check-in, "plan" or None
    worse: int  # days running, up to this one, whose last check-in said worse the next morning
    signs: dict[str, list[str]]  # every warning sign answered yes so far, with its dates, first met first

    def text(self) -> str:
        return json.dumps(self._asdict(), separators=(",", ":"))


_FIELDS = {"status": str, "source": (int, str), "warning": (int, str, type(None)), "worse": int, "signs": dict}


def link_of(text: Any) -> Link:
    """A stored state as a Link; ValueError when it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or set(data) != set(_FIELDS) or not all(
            isinstance(data[k], kind) for k, kind in _FIELDS.items()) or data["status"] not in get_args(Status):
        raise ValueError("holds a state that is not one")
    return Link(**data)


def seal(row: Any, state: Any, summary: Any = None) -> int:
    """The seal of a check-in's row (its date, answers and document) with `state` and `summary`,
    what ties the summary kept beside it to the check-in (summaries.linked: its text, or its row
    seal since schema 7; None in a link written before summaries were)."""
    kept = f"{row['date']}\0{row['answers']}\0{row['document']}\0{state}" + ("" if summary is None else f"\0{summary}")
    return zlib.crc32(kept.encode("utf-8", "surrogatepass"))


def first_link(plan: Record) -> Link:
    signs: dict[str, list[str]] = {}
    for question in plan.red_flags:
        signs.setdefault(question, [plan.date.isoformat()])
    return Link("active", "plan", "plan" if first_warning(plan) is not None else None, 0, signs)


def next_link(plan: Record, prev: Link, before_day: Link, c: Record, cid: int,
              doc: Callable[[Any], Record | None]) -> Link:
    """The link after a check-in.

    Args:
        plan: the plan.
        prev: the link just before the check-in.
        before_day: the link of the last check-in of an earlier day.
        c: the check-in.
        cid: its row id.
        doc: reads a Ref's document.

    Returns:
        Link: where the plan stands after it.
    """
    source, warning = doc(prev.source), doc(prev.warning)
    new_source, new_warning = walk_step(plan, source, warning, c)

    def ref(r: Record | None) -> Any:
        return None if r is None else cid if r is c else "plan" if r is plan else \
            prev.source if r is source else prev.warning

    signs = {q: list(d) for q, d in prev.signs.items()}
    day = c.date.isoformat()
    for question in c.red_flags:
        if day not in signs.setdefault(question, []):
            signs[question].append(day)
    return Link(status_after(prev.status, c.decision), ref(new_source), ref(new_warning),
                worse_step(before_day.worse, c), signs)


class Reader:
    """The check-ins of one plan in a history, each read and checked once."""

    def __init__(self, history: History, plan_id: int, plan: Record):
        self.history, self.plan_id, self.plan = history, plan_id, plan
        self._docs: dict[int, Record] = {}
        self.linked = has_links(history)  # a history made before links has no table for them

    def _damaged(self, cid: Any, why: str) -> HistoryError:
        return HistoryError(f"history {self.history.path}: damaged: check-in {cid!r} {why}")

    def doc(self, ref: Any) -> Record | None:
        if ref is None or ref == "plan":
            return None if ref is None else self.plan
        if ref not in self._docs:
            rows = self.history._rows("SELECT * FROM checkins WHERE id = ? AND plan_id = ?", (ref, self.plan_id))
            if not rows:
                raise self._damaged(ref, "is named by a later check-in but is not there")
            self.record(rows[0])
        return self._docs[ref]

    def record(self, row: sqlite3.Row) -> Record:
        if row["id"] not in self._docs:
            self._docs[row["id"]] = self.history._checked("check-in", row)[2]
        return self._docs[row["id"]]

    def _latest_row(self, before: dt.date | None) -> sqlite3.Row | None:
        where, args = ("AND date < ?", (self.plan_id, before.isoformat())) if before else ("", (self.plan_id,))
        rows = self.history._rows(f"SELECT * FROM checkins WHERE plan_id = ? {where} ORDER BY date DESC, id DESC LIMIT 1",
                                  args)
        return rows[0] if rows else None

    def stored_link(self, row: sqlite3.Row) -> Link | None:
        """The link kept with check-in `row`, its seal checked; None for a check-in kept before
        links were."""
        if not self.linked:
            return None
        kept = self.history._rows(f"SELECT state, seal, {linked_sql(self.history)} AS summary FROM links "
                                  "WHERE checkin_id = ?", (row["id"],))
        return self.unsealed(row, kept[0]["state"], kept[0]["seal"], kept[0]["summary"]) if kept else None

    def unsealed(self, row: sqlite3.Row, state: Any, sealed: Any, summary: Any = None) -> Link:
        """The link `state` of check-in `row`, once its seal (with its `summary`) is found to match."""
        if sealed != seal(row, state, summary):
            raise self._damaged(row["id"], "was changed after it was saved (its seal does not match)")
        try:
            return link_of(state)
        except (TypeError, ValueError, RecursionError):
            raise self._damaged(row["id"], "holds a state that is not one") from None

    def standing(self, before: dt.date | None = None) -> tuple[Link, Record | None]:
        """The link after the latest check-in (of the days before `before` when given) and that
        check-in (None before any)."""
        row = self._latest_row(before)
        if row is None:
            return first_link(self.plan), None
        link = self.stored_link(row)
        if link is None:  # kept before links were: walk them all
            return self.walked(before)
        return link, self.record(row)

    def summaries(self, texts: bool = True) -> Listed:
        """Every check-in of the plan as the views list it, oldest first (history.summaries; with
        `texts`, their JSON texts too)."""
        return read_summaries(self.history, self.plan_id, self.doc, self._damaged, texts)

    def walked(self, before: dt.date | None = None) -> tuple[Link, Record | None]:
        """The link made by walking every check-in (of the days before `before`), each checked
        whole, and the latest check-in."""
        where, args = ("AND date < ?", (self.plan_id, before.isoformat())) if before else ("", (self.plan_id,))
        rows = self.history._rows(f"SELECT * FROM checkins WHERE plan_id = ? {where} ORDER BY date, id", args)
        link, latest = first_link(self.plan), None
        for _, link, latest in self.walk(rows, link, link):
            pass
        return link, latest

    def walk(self, rows: list[sqlite3.Row], prev: Link, day_end: Link) -> Iterator[tuple[sqlite3.Row, Link, Record]]:
        """`rows` (check-ins in order) with the link after each: `prev` is the link before the
        first, `day_end` that of the last check-in of a day before the first's."""
        for i, row in enumerate(rows):
            if i and rows[i - 1]["date"] != row["date"]:
                day_end = prev
            c = self.record(row)
            prev = next_link(self.plan, prev, day_end, c, row["id"], self.doc)
            yield row, prev, c


def has_links(history: History) -> bool:
    return schema_version(history) >= 3


def relink(history: History, plan_id: int, since: tuple[str, int] | None = None, reader: Reader | None = None) -> None:
    """Write the link (and seal) of every check-in of `plan_id` from position `since` (its date
    and id) on, in the writing transaction: after a new check-in that is that one, and those
    dated after it. The whole plan when `since` is None, or when the check-ins before `since`
    were kept before links were (or lost theirs). `reader`: the plan's, with what it has read
    already (a check-in's, which read where the plan stood)."""
    conn = history._conn
    assert conn is not None
    if reader is None:
        reader = Reader(history, plan_id, history._plan(conn.execute("SELECT * FROM plans WHERE id = ?",
                                                                     (plan_id,)).fetchone()).record)
    plan = reader.plan
    prev = day_end = first_link(plan)
    unsummarised = "SELECT 1 FROM links WHERE plan_id = ? AND (row_seal IS NULL OR signs IS NULL) LIMIT 1"
    if since is not None and conn.execute(unsummarised, (plan_id,)).fetchone():
        since = None  # links kept before summaries (their columns, row seal, warning signs' answers): the whole plan
    if since is not None:
        before = conn.execute("SELECT * FROM checkins WHERE plan_id = ? AND (date, id) < (?, ?) ORDER BY date DESC, "
                              "id DESC LIMIT 1", (plan_id, *since)).fetchone()
        earlier = conn.execute("SELECT * FROM checkins WHERE plan_id = ? AND date < ? ORDER BY date DESC, id DESC "
                               "LIMIT 1", (plan_id, since[0])).fetchone()
        kept = [None if row is None else reader.stored_link(row) for row in (before, earlier)]
        if any(row is not None and link is None for row, link in zip((before, earlier), kept)):
            since = None  # a link missing before it: the whole plan
        else:
            prev, day_end = (link or first_link(plan) for link in kept)
    where, args = ("AND (date, id) >= (?, ?)", (plan_id, *since)) if since else ("", (plan_id,))
    rows = conn.execute(f"SELECT * FROM checkins WHERE plan_id = ? {where} ORDER BY date, id", args).fetchall()
    columns = ", ".join(KEPT)
    for row, link, c in reader.walk(rows, prev, day_end):
        state, summary = link.text(), kept_summary(summary_of(c))
        conn.execute(f"INSERT OR REPLACE INTO links (checkin_id, plan_id, state, seal, {columns}) VALUES (?, ?, ?, ?"
                     f"{', ?' * len(summary)})",
                     (row["id"], plan_id, state, seal(row, state, linked(summary)), *summary))


def undo_last(history: History, plan_id: int) -> sqlite3.Row | None:
    """Delete the check-in of `plan_id` saved last, in one transaction, and write again the links of
    the check-ins dated after it; its row (None when the plan has no check-in)."""
    with history._writing(f"the last check-in was removed from {history.path}") as conn:
        row = conn.execute("SELECT * FROM checkins WHERE plan_id = ? ORDER BY saved_at DESC, id DESC LIMIT 1",
                           (plan_id,)).fetchone()
        if row is None:
            return None
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("DELETE FROM links WHERE checkin_id = ?", (row["id"],))
        conn.execute("DELETE FROM checkins WHERE id = ?", (row["id"],))
        relink(history, plan_id, (row["date"], row["id"]))
        return row
