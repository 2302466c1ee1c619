"""The history: plans and check-ins in one SQLite file.

One plan per symptom is current; a new triage for the same symptom replaces it (the old one stays
in the history). Every write is one transaction. A file that is not runrehab's history is
reported and never touched: it is opened read-only first and only migrated once recognised.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import FileRefused, check_path

APPLICATION_ID = 0x52524842  # "RRHB": marks a SQLite file as runrehab's history
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
WRITE_ATTEMPTS = 3  # a writer still locked out after this many busy timeouts reports it

MIGRATIONS = {
    1: """
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        symptom TEXT NOT NULL,
        date TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        current INTEGER NOT NULL DEFAULT 1,
        answers TEXT NOT NULL,
        document TEXT NOT NULL,
        kb_version TEXT NOT NULL,
        kb_hash TEXT NOT NULL
    );
    CREATE INDEX plans_current ON plans (symptom, current);
    CREATE TABLE checkins (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL REFERENCES plans (id),
        date TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        answers TEXT NOT NULL,
        document TEXT NOT NULL
    );
    CREATE INDEX checkins_plan ON checkins (plan_id, date);
    """,
}


class HistoryError(Exception):
    """A history file that cannot be used; the message names the path and the reason."""


@dataclass(frozen=True)
class StoredPlan:
    id: int
    symptom: str
    date: dt.date
    current: bool
    document: dict[str, Any]
    kb_version: str
    kb_hash: str


@dataclass(frozen=True)
class StoredCheckIn:
    id: int
    plan_id: int
    date: dt.date
    document: dict[str, Any]


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("runrehab", appauthor=False)) / "history.db"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class History:
    """Open with `History.open(path)`; reads work on a missing file (an empty history)."""

    def __init__(self, path: Path, conn: sqlite3.Connection | None):
        self.path = path
        self._conn = conn

    @classmethod
    def open(cls, path: Path | None) -> History:
        path = Path(path) if path is not None else default_path()
        try:
            check_path(path)  # a named pipe would hang the connection; a long name would raise
        except FileRefused as exc:
            raise HistoryError(f"history: {exc}") from None
        if path.is_dir():
            raise HistoryError(f"history {path}: is a folder, not a database file")
        if not path.exists():
            return cls(path, None)
        return cls(path, _connect(path, create=False))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- writing

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        if self._conn is None:
            self._conn = _connect(self.path, create=True)
        try:
            with self._conn:  # one transaction: all of it or nothing
                self._begin()
                yield self._conn
        except sqlite3.OperationalError as exc:
            raise HistoryError(f"history {self.path}: cannot write ({exc})") from None

    def _begin(self, attempts: int = WRITE_ATTEMPTS) -> None:
        """Take the write lock. Each attempt waits up to the busy timeout for other writers."""
        assert self._conn is not None
        for attempt in range(1, attempts + 1):
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if attempt == attempts or not any(word in str(exc) for word in ("locked", "busy")):
                    raise

    def save_plan(self, document: dict[str, Any], kb_version: str, kb_hash: str) -> int:
        with self._writing() as conn:
            conn.execute("UPDATE plans SET current = 0 WHERE symptom = ? AND current = 1", (document["symptom"],))
            cursor = conn.execute(
                "INSERT INTO plans (symptom, date, saved_at, current, answers, document, kb_version, kb_hash)"
                " VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                (document["symptom"], document["date"], _now(), json.dumps(document["answers"]),
                 json.dumps(document), kb_version, kb_hash))
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def save_checkin(self, plan_id: int, answers: dict[str, Any], document: dict[str, Any]) -> int:
        with self._writing() as conn:
            cursor = conn.execute(
                "INSERT INTO checkins (plan_id, date, saved_at, answers, document) VALUES (?, ?, ?, ?, ?)",
                (plan_id, document["date"], _now(), json.dumps(answers), json.dumps(document)))
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    # -------------------------------------------------------------- reading

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        if self._conn is None:
            return []
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"history {self.path}: damaged or unreadable ({exc})") from None

    def current_plan(self, symptom: str | None = None) -> StoredPlan | None:
        where, args = ("AND symptom = ?", (symptom,)) if symptom else ("", ())
        rows = self._rows(f"SELECT * FROM plans WHERE current = 1 {where} ORDER BY date DESC, id DESC LIMIT 1", args)
        return self._plan(rows[0]) if rows else None

    def plans(self) -> list[StoredPlan]:
        return [self._plan(r) for r in self._rows("SELECT * FROM plans ORDER BY date, id")]

    def _plan(self, row: sqlite3.Row) -> StoredPlan:
        return StoredPlan(row["id"], row["symptom"], dt.date.fromisoformat(row["date"]), bool(row["current"]),
                          _load(self.path, row["document"]), row["kb_version"], row["kb_hash"])

    def checkins(self, plan_id: int) -> list[StoredCheckIn]:
        rows = self._rows("SELECT * FROM checkins WHERE plan_id = ? ORDER BY date, id", (plan_id,))
        return [StoredCheckIn(r["id"], r["plan_id"], dt.date.fromisoformat(r["date"]), _load(self.path, r["document"]))
                for r in rows]


def _load(path: Path, text: str) -> dict[str, Any]:
    try:
        return json.loads(text)
    except ValueError:
        raise HistoryError(f"history {path}: damaged record ({text[:40]!r})") from None


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """A connection to a recognised (or, with create, new) history, migrated to SCHEMA_VERSION."""
    if create and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"history {path}: cannot create its folder ({exc.strerror})") from None
        if not os.access(path.parent, os.W_OK):
            raise HistoryError(f"history {path}: the folder {path.parent} is not writable")
    elif not create:
        _recognise(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"history {path}: made by a newer runrehab (schema {version}); upgrade runrehab")
        if version < SCHEMA_VERSION and os.access(path.parent, os.W_OK):
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                # read again under the write lock: another process may have made the file meanwhile
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[step].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if create:
            conn.execute("PRAGMA journal_mode = WAL")  # after the migration, so the file header is already marked
        return conn
    except sqlite3.OperationalError as exc:
        raise HistoryError(f"history {path}: cannot open ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"history {path}: not a runrehab history or damaged ({exc})") from None


def _recognise(path: Path) -> None:
    """Refuse, without writing a byte, a file that is not a runrehab history."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise HistoryError(f"history {path}: cannot read ({exc.strerror})") from None
    if len(header) == 0:
        raise HistoryError(f"history {path}: the file is empty, not a runrehab history; move it away or choose another --db")
    if not header.startswith(b"SQLite format 3\0") or len(header) < 100:
        raise HistoryError(f"history {path}: not a SQLite database (damaged or a different kind of file)")
    try:
        probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            application_id = probe.execute("PRAGMA application_id").fetchone()[0]
            status = probe.execute("PRAGMA quick_check").fetchone()[0] if application_id == APPLICATION_ID else "ok"
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"history {path}: damaged ({exc})") from None
    if application_id != APPLICATION_ID:
        raise HistoryError(f"history {path}: a SQLite database that is not a runrehab history")
    if status != "ok":
        raise HistoryError(f"history {path}: damaged ({status})")
