"""The history: plans and check-ins in one SQLite file.

One plan per symptom is current; a new triage for the same symptom replaces it (the old one stays
in the history). Every write is one transaction. A file that is not runrehab's history is
reported and never touched: it is opened read-only first and only migrated once recognised.

A history is health data: it is made readable by its owner alone, whole (built under a temporary
name and linked into place, so that processes starting at once never see a half-made file), and
every stored document is checked when read, so a damaged row is reported rather than shown.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import FileRefused, HistoryError
from ..files import check_path
from . import file as history_file
from .rows import LoggedExercise, StoredCheckIn, StoredPlan

WRITE_ATTEMPTS = 3  # a writer still locked out after this many busy timeouts reports it
ERASE_WAIT_SECONDS = 30  # how long `forget` waits for other programs' reads to end


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("runrehab", appauthor=False)) / "history.db"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class History:
    """Open with `History.open(path)`; reads work on a missing file (an empty history)."""

    def __init__(self, path: Path, conn: sqlite3.Connection | None, read_only: str | None = None):
        self.path = path
        self._conn = conn
        self._read_only = read_only  # why the file could only be opened for reading

    @classmethod
    def open(cls, path: Path | None) -> History:
        """The history at `path` (default: in the user data folder, whose folder is then closed to
        others too); HistoryError when it cannot be used."""
        own_folder = path is None
        path = Path(path) if path is not None else default_path()
        try:
            check_path(path)  # a named pipe would hang the connection; a long name would raise
        except FileRefused as exc:
            raise HistoryError(f"history: {exc}") from None
        if path.is_dir():
            raise HistoryError(f"history {path}: is a folder, not a database file")
        history_file.closed_to_others(path, folder=own_folder)
        if not path.exists():
            if path.is_symlink():  # writing would create whatever file the link names
                raise HistoryError(f"history {path}: a symbolic link to {os.readlink(path)}, which does not exist;"
                                   " give the real path")
            return cls(path, None)
        trouble = history_file.recognise(path)
        if trouble is not None:  # a sound file that cannot be written: read what can be read
            return cls(path, history_file.read_only(path), trouble)
        return cls(path, history_file.connect(path, create=False, recognised=True))

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
    def _writing(self, saved: str | None = None) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it or nothing. `saved` (what it keeps, in words) is noted for
        the run's last words (streams.note_saved) once committed; an interrupt that comes during
        the commit or after it then says what was saved rather than that nothing was."""
        from ..streams import note_saved, withdraw_saved

        if self._read_only is not None:
            raise HistoryError(f"history {self.path}: cannot write ({self._read_only}); nothing was saved")
        if self._conn is None:
            self._conn = history_file.connect(self.path, create=True)
        history_file.closed_to_others(self.path)
        conn = self._conn
        conn.execute(f"PRAGMA cache_size = {history_file.WRITE_CACHE}")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < history_file.SCHEMA_VERSION:
                history_file.migrate(conn)  # a history first opened for reading, made before its newest tables
            self._begin()
            try:
                # every page before anything is written: a damaged page a write could reuse (the
                # free list, an index no view reads) is found here, never written over
                status = conn.execute("PRAGMA quick_check").fetchone()[0]
                if status != "ok":
                    raise HistoryError(f"history {self.path}: damaged ({' '.join(str(status).split())[:200]}); "
                                       "nothing was saved")
                yield conn
                if saved:
                    note_saved(saved)  # withdrawn below unless the commit is made
                conn.commit()
            except BaseException as exc:
                # after a Ctrl-C the transaction still open says the commit was not made
                if conn.in_transaction or not isinstance(exc, KeyboardInterrupt):
                    if saved:
                        withdraw_saved(saved)
                    if conn.in_transaction:
                        conn.rollback()
                raise
        except sqlite3.DatabaseError as exc:  # a trigger planted in the file raises IntegrityError
            raise HistoryError(f"history {self.path}: cannot write ({history_file.why_unusable(self.path, exc)}); nothing was saved") \
                from None

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
        with self._writing(f"the plan was saved to {self.path}") as conn:
            conn.execute("UPDATE plans SET current = 0 WHERE symptom = ? AND current = 1", (document["symptom"],))
            cursor = conn.execute(
                "INSERT INTO plans (symptom, date, saved_at, current, answers, document, kb_version, kb_hash, uid)"
                f" VALUES (?, ?, ?, 1, ?, ?, ?, ?, {history_file.NEW_UID})",
                (document["symptom"], document["date"], _now(), json.dumps(document["answers"]),
                 json.dumps(document), kb_version, kb_hash))
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def save_checkin(self, plan_id: int, answers: dict[str, Any], document: dict[str, Any], reader: Any = None) -> int:
        """Keep a check-in and, in the same transaction, where its plan stands after it (chain.relink,
        with the plan's `reader` when given)."""
        from .chain import relink

        with self._writing(f"the check-in was saved to {self.path}") as conn:
            cursor = conn.execute(
                "INSERT INTO checkins (plan_id, date, saved_at, answers, document, uid)"
                f" VALUES (?, ?, ?, ?, ?, {history_file.NEW_UID})",
                (plan_id, document["date"], _now(), json.dumps(answers), json.dumps(document)))
            relink(self, plan_id, (document["date"], int(cursor.lastrowid)), reader)  # type: ignore[arg-type]
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def forget(self, symptom: str | None) -> tuple[int, bool]:
        """Delete the plans of `symptom` (every plan when None) and their check-ins, in one
        transaction: the number of plans deleted, and whether it is erased from the files too.
        Freed pages are overwritten (secure_delete) and the write-ahead log copied back and
        emptied, which waits for other programs' reads, up to ERASE_WAIT_SECONDS."""
        if self._conn is None:  # no file yet: nothing to delete
            return 0, True
        where, args = ("WHERE symptom = ?", (symptom,)) if symptom else ("", ())
        with self._writing(f"the plans asked for were deleted from {self.path}") as conn:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute(f"DELETE FROM links WHERE plan_id IN (SELECT id FROM plans {where})", args)
            conn.execute(f"DELETE FROM checkins WHERE plan_id IN (SELECT id FROM plans {where})", args)
            conn.execute(f"DELETE FROM exercise_logs WHERE plan_id IN (SELECT id FROM plans {where})", args)
            deleted = conn.execute(f"DELETE FROM plans {where}", args).rowcount
        return int(deleted), self._erased()

    def _erased(self) -> bool:
        """Whether the write-ahead log was copied back into the file and emptied within
        ERASE_WAIT_SECONDS (another program's read holds the pages it reads until it ends)."""
        assert self._conn is not None
        deadline = time.monotonic() + ERASE_WAIT_SECONDS
        try:
            while True:
                left = max(0, int((deadline - time.monotonic()) * 1000))
                self._conn.execute(f"PRAGMA busy_timeout = {left}")
                if self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0:
                    return True
                if not left:
                    return False
                time.sleep(0.05)
        except sqlite3.OperationalError:
            return False
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {history_file.BUSY_TIMEOUT_MS}")

    def log_exercise(self, plan_id: int, entry: dict[str, Any]) -> int:
        """Keep one exercise done in a session (`entry`: checked sessions.LogEntry data)."""
        return self._log(plan_id, [entry])[0]

    def log_exercises(self, plan_id: int, entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Keep exercises done elsewhere (checked documents.LoggedEntry data), in one transaction:
        all of them or none. An entry the plan already holds (the same exercise, date and time:
        sessions.entry_key), or one given twice, is kept once. Returns those kept, and the others."""
        already: list[dict[str, Any]] = []
        self._log(plan_id, entries, "the exercises of the log were saved to " + str(self.path), already)
        return [e for e in entries if not any(e is a for a in already)], already

    def _log(self, plan_id: int, entries: list[dict[str, Any]], saved: str | None = None,
             already: list[dict[str, Any]] | None = None) -> list[int]:
        """Insert `entries`; with `already` (a list to fill), only those the plan does not hold yet."""
        from ..engine.sessions import entry_key

        with self._writing(saved) as conn:
            if already is not None:
                dates = sorted({entry["date"] for entry in entries})
                held = {entry_key(self._logged_entry(row)) for row in conn.execute(
                    f"SELECT id, entry FROM exercise_logs WHERE plan_id = ? AND date IN ({', '.join('?' * len(dates))})",
                    (plan_id, *dates))}
                new = []
                for entry in entries:
                    (already if entry_key(entry) in held else new).append(entry)
                    held.add(entry_key(entry))
                entries = new
            return [int(conn.execute(  # type: ignore[arg-type]
                "INSERT INTO exercise_logs (plan_id, date, saved_at, exercise, entry, uid)"
                f" VALUES (?, ?, ?, ?, ?, {history_file.NEW_UID})",
                (plan_id, entry["date"], _now(), entry["exercise"], json.dumps(entry))).lastrowid) for entry in entries]

    def log_pain(self, log_id: int, pain: int) -> None:
        """Add the pain during a logged exercise, asked once the session is over."""
        with self._writing() as conn:
            row = conn.execute("SELECT entry FROM exercise_logs WHERE id = ?", (log_id,)).fetchone()
            conn.execute("UPDATE exercise_logs SET entry = ? WHERE id = ?",
                         (json.dumps({**json.loads(row["entry"]), "pain_during": pain}), log_id))

    def upgraded(self) -> bool:
        """Migrate a history made by an earlier runrehab (reading alone never does); whether it is
        now at the newest schema (False: it can only be read)."""
        if self._conn is None:
            return True
        if self._conn.execute("PRAGMA user_version").fetchone()[0] < history_file.SCHEMA_VERSION:
            if self._read_only is not None:
                return False
            with self._writing():
                pass
        return True

    # -------------------------------------------------------------- reading

    def _rows(self, sql: str, args: tuple[Any, ...] = (), plain: bool = False) -> Any:
        """The rows of a query, as a list of sqlite3.Row; with `plain`, as plain tuples read as they
        are used (a year of check-ins is not fetched into memory whole before its first is read)."""
        rows = self._read(sql, args, plain)
        return rows if plain else list(rows)

    def _read(self, sql: str, args: tuple[Any, ...], plain: bool) -> Iterator[Any]:
        if self._conn is None:
            return
        try:
            cursor = self._conn.cursor()
            cursor.row_factory = None if plain else self._conn.row_factory
            cursor.execute(sql, args)
            while rows := cursor.fetchmany(64):  # 64 at a time (`yield from` a cursor closes it, left half read)
                yield from rows
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"history {self.path}: cannot read ({history_file.why_unusable(self.path, exc)})") from None

    def current_plan(self, symptom: str | None = None) -> StoredPlan | None:
        where, args = ("AND symptom = ?", (symptom,)) if symptom else ("", ())
        rows = self._rows(f"SELECT * FROM plans WHERE current = 1 {where} ORDER BY date DESC, id DESC LIMIT 1", args)
        return self._plan(rows[0]) if rows else None

    def current_symptoms(self) -> list[str]:
        """The symptom of each running plan, the most recent first; no plan read whole."""
        rows = self._rows("SELECT id, symptom FROM plans WHERE current = 1 ORDER BY date DESC, id DESC")
        for row in rows:
            if type(row["symptom"]) is not str:
                raise HistoryError(f"history {self.path}: damaged: plan {row['id']!r} has the symptom "
                                   f"{str(row['symptom'])[:40]!r}")
        return [row["symptom"] for row in rows]

    def current_plans(self) -> list[StoredPlan]:
        """Every symptom's running plan, the most recent first."""
        return [self._plan(r) for r in self._rows("SELECT * FROM plans WHERE current = 1 ORDER BY date DESC, id DESC")]

    def exercises_logged_on(self, day: dt.date, symptom: str | None = None) -> list[str]:
        """The exercise ids logged as done on `day` for the running plans (of `symptom` when
        given), each once: those a check-in's `done` names, then those done in a session."""
        where, args = ("AND p.symptom = ?", (day.isoformat(), symptom)) if symptom else ("", (day.isoformat(),))
        rows = self._rows("SELECT c.* FROM checkins c JOIN plans p ON p.id = c.plan_id"
                          f" WHERE p.current = 1 AND c.date = ? {where} ORDER BY c.id", args)
        done = [exercise for r in rows for exercise in self._checked("check-in", r)[1].get("done", [])]
        running = {r["id"] for r in self._rows("SELECT id FROM plans WHERE current = 1")}
        done += [log.exercise for log in self.exercises_logged(day)
                 if log.plan_id in running and symptom in (None, log.symptom) and log.entry["sets"] > 0]
        return list(dict.fromkeys(done))

    def plans(self) -> list[StoredPlan]:
        return [self._plan(r) for r in self._rows("SELECT * FROM plans ORDER BY date, id")]

    def _plan(self, row: sqlite3.Row) -> StoredPlan:
        day, document, record = self._checked("plan", row)
        for column, kind in (("symptom", str), ("current", int), ("kb_version", str), ("kb_hash", str)):
            if type(row[column]) is not kind:
                raise HistoryError(f"history {self.path}: damaged: plan {row['id']!r} has the {column} "
                                   f"{str(row[column])[:40]!r}")
        return StoredPlan(row["id"], row["symptom"], day, bool(row["current"]), document, row["kb_version"],
                          row["kb_hash"], record)

    def checkins(self, plan_id: int) -> list[StoredCheckIn]:
        rows = self._rows("SELECT * FROM checkins WHERE plan_id = ? ORDER BY date, id", (plan_id,))
        return [StoredCheckIn(r["id"], r["plan_id"], *self._checked("check-in", r)) for r in rows]

    def exercises_logged(self, first: dt.date, last: dt.date | None = None,
                         plan_id: int | None = None) -> list[LoggedExercise]:
        """The exercises logged from day `first` to `last` (default: that one day), oldest first;
        only `plan_id`'s when given. `today` shows them as done, `plan` counts them."""
        if self._conn is None or self._conn.execute("PRAGMA user_version").fetchone()[0] < 2:
            return []  # a history from before sessions were logged has none
        where, args = ("AND l.plan_id = ?", (plan_id,)) if plan_id is not None else ("", ())
        rows = self._rows("SELECT l.*, p.symptom FROM exercise_logs l JOIN plans p ON p.id = l.plan_id"
                          f" WHERE l.date BETWEEN ? AND ? {where} ORDER BY l.date, l.id",
                          (first.isoformat(), (last or first).isoformat(), *args))
        return [self._logged(r) for r in rows]

    def _logged(self, row: sqlite3.Row) -> LoggedExercise:
        entry = self._logged_entry(row)
        return LoggedExercise(row["id"], row["plan_id"], row["symptom"], dt.date.fromisoformat(entry["date"]),
                              entry["exercise"], entry)

    def _logged_entry(self, row: sqlite3.Row) -> dict[str, Any]:
        """A row's logged exercise, checked (documents.LoggedEntry); HistoryError naming the row when damaged."""
        from ..engine.sessions import checked_entry

        try:
            return checked_entry(json.loads(row["entry"]))
        except (TypeError, ValueError, RecursionError) as exc:
            raise HistoryError(f"history {self.path}: damaged: logged exercise {row['id']!r} ({exc})") from None

    def _checked(self, kind: str, row: sqlite3.Row) -> tuple[dt.date, dict[str, Any], Any]:
        """A stored row's date and document, as data and as the engine takes it, checked strictly
        (documents.stored.checked); HistoryError naming the row when it is damaged."""
        from ..documents.stored import checked
        from ..documents.vocabulary import LATEST_DAY

        def damaged(why: str) -> HistoryError:
            return HistoryError(f"history {self.path}: damaged: {kind} {row['id']!r} {why}")

        try:
            day = dt.date.fromisoformat(row["date"])
        except (TypeError, ValueError):
            raise damaged(f"has the date {str(row['date'])[:40]!r}") from None
        try:
            document, record = checked(kind, row["document"])
        except ValueError as exc:
            raise damaged(str(exc)) from None
        latest = max(day, dt.date.fromisoformat(document["date"]))
        if latest > LATEST_DAY:  # runrehab makes no plan or check-in later: the days after it would overflow
            raise damaged(f"has the date {latest}, after the last day runrehab takes ({LATEST_DAY})")
        return day, document, record
