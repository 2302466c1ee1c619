"""The whole history as it is listed (`history`, text, JSON or CSV): every plan, oldest first,
headed by where it stands now (tracking.plan_state, from the link kept with its latest check-in),
then its check-ins and logged exercises read a row at a time, so that the listing of a long
history is written as it is read rather than built whole in memory.

Every row is checked before anything is written (a sealed check-in by its seal, history.chain;
one kept before seals were, whole), so a damaged history is one line and no partial listing."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import HistoryError
from .chain import Reader
from .store import History, StoredPlan


@dataclass(frozen=True)
class Entry:
    """One plan of the listing: its stored document and where it stands; `checkins` and `logs`
    read its rows when called, oldest first."""

    stored: StoredPlan
    status: str
    current_level: str
    since: dt.date
    why: str
    decided: bool  # a check-in made the latest decision
    texts: Callable[[], Iterator[str]]  # the check-ins' JSON text as stored (checked: see checkin_rows)
    logs: Callable[[], Iterator[dict[str, Any]]]

    def checkins(self) -> Iterator[dict[str, Any]]:
        return (json.loads(text) for text in self.texts())


@dataclass(frozen=True)
class Listing:
    """What `history` lists: the history's path and its plans."""

    path: Any
    entries: list[Entry]


def listing(history: History) -> Listing:
    return Listing(history.path, entries(history))


def entries(history: History) -> list[Entry]:
    """Every plan, oldest first, its rows checked first (HistoryError naming a damaged one)."""
    from .tracking import plan_state

    out = []
    for stored in history.plans():
        reader = Reader(history, stored.id, stored.record)
        for _ in checkin_rows(history, stored.id):  # every row checked before anything is written
            pass
        history.exercises_logged(dt.date.min, dt.date.max, stored.id)
        state = plan_state(stored.record, reader.standing())
        out.append(Entry(stored, state.status, state.current_level, state.since, state.why, state.latest is not None,
                         lambda plan_id=stored.id: (row["document"] for row in checkin_rows(history, plan_id)),
                         lambda plan_id=stored.id: (log.entry for log in history.exercises_logged(
                             dt.date.min, dt.date.max, plan_id))))
    return out


def checkin_rows(history: History, plan_id: int) -> Iterator[Any]:
    """The check-in rows of a plan, oldest first, each checked: by the seal of its link, or whole
    when it has none (kept before links were)."""
    from .chain import has_links
    from .summaries import linked_sql

    if history._conn is None:
        return
    reader = Reader(history, plan_id, None)  # type: ignore[arg-type]  # for its words on damage alone
    sql = (f"SELECT c.*, l.state AS link_state, l.seal AS link_seal, {linked_sql(history)} AS link_summary "
           "FROM checkins c LEFT JOIN links l ON l.checkin_id = c.id WHERE c.plan_id = ? ORDER BY c.date, c.id") \
        if has_links(history) \
        else "SELECT *, NULL AS link_state, NULL AS link_seal FROM checkins WHERE plan_id = ? ORDER BY date, id"
    try:
        for row in history._conn.execute(sql, (plan_id,)):
            if row["link_seal"] is not None:
                reader.unsealed(row, row["link_state"], row["link_seal"], row["link_summary"])
            else:
                history._checked("check-in", row)
            yield row
    except Exception as exc:
        import sqlite3

        from . import file as history_file

        if isinstance(exc, sqlite3.DatabaseError):
            raise HistoryError(f"history {history.path}: cannot read "
                               f"({history_file.why_unusable(history.path, exc)})") from None
        raise
