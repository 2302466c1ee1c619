"""A history file: its tables and their migrations, how it is made (whole, for its owner alone)
and opened, recognised as runrehab's without writing a byte, read as immutable where its folder
or disk takes no new file, closed to other users, and every failure told in words (locked, full,
read-only, no permission) rather than as damage. history/store.py reads and writes what it holds."""
from __future__ import annotations

import errno
import os
import sqlite3
import stat
import tempfile
from functools import lru_cache
from pathlib import Path

from ..errors import HistoryError

APPLICATION_ID = 0x52524842  # "RRHB": marks a SQLite file as runrehab's history
BUSY_TIMEOUT_MS = 10_000

SCHEMA_VERSION = 7

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
    2: """
    CREATE TABLE exercise_logs (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL REFERENCES plans (id),
        date TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        exercise TEXT NOT NULL,
        entry TEXT NOT NULL
    );
    CREATE INDEX exercise_logs_date ON exercise_logs (date, plan_id);
    """,
    # stable ids for export and import; where a plan stands after each check-in and the seal of
    # the check-in's row (history/chain.py: a plan's check-ins kept before get theirs at its next one)
    3: """
    ALTER TABLE plans ADD COLUMN uid TEXT;
    ALTER TABLE checkins ADD COLUMN uid TEXT;
    ALTER TABLE exercise_logs ADD COLUMN uid TEXT;
    UPDATE plans SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
    UPDATE checkins SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
    UPDATE exercise_logs SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
    CREATE UNIQUE INDEX plans_uid ON plans (uid);
    CREATE UNIQUE INDEX checkins_uid ON checkins (uid);
    CREATE UNIQUE INDEX exercise_logs_uid ON exercise_logs (uid);
    CREATE TABLE links (
        checkin_id INTEGER PRIMARY KEY REFERENCES checkins (id),
        plan_id INTEGER NOT NULL REFERENCES plans (id),
        state TEXT NOT NULL,
        seal INTEGER NOT NULL
    );
    CREATE INDEX links_plan ON links (plan_id);
    """,
    # each check-in as the views of its plan list it (documents.CheckinSummary), beside its link:
    # written with the link; a plan whose links lack it is linked whole at its next check-in
    4: "ALTER TABLE links ADD COLUMN summary TEXT;",
    # the summary's fields as columns (history/summaries.py), so that a view reads no JSON a
    # check-in, and their seal: written with the link; a plan whose links lack them is linked
    # whole at its next check-in, its views reading the summaries' text until then
    5: """
    ALTER TABLE links ADD COLUMN date TEXT;
    ALTER TABLE links ADD COLUMN day INTEGER;
    ALTER TABLE links ADD COLUMN progress TEXT;
    ALTER TABLE links ADD COLUMN pain_score INTEGER;
    ALTER TABLE links ADD COLUMN answers TEXT;
    ALTER TABLE links ADD COLUMN red_flags TEXT;
    ALTER TABLE links ADD COLUMN triage_level TEXT;
    ALTER TABLE links ADD COLUMN decision TEXT;
    ALTER TABLE links ADD COLUMN routine TEXT;
    ALTER TABLE links ADD COLUMN prescribed INTEGER;
    ALTER TABLE links ADD COLUMN summary_seal INTEGER;
    """,
    # a seal over the whole row of a summary (history/summaries.py), so that a view checks a
    # check-in by one crc32 call: written with the link; a plan whose links lack it is linked
    # whole at its next check-in, its views checking the summary seal until then
    6: "ALTER TABLE links ADD COLUMN row_seal INTEGER;",
    # the check-in's answers to the warning signs apart, under the row seal, so that the handout
    # parses these rather than every answer: written with the link; a plan whose links lack them
    # is linked whole at its next check-in, the handout reading every answer until then
    7: "ALTER TABLE links ADD COLUMN signs TEXT;",
}

# SQLite's page cache in KiB: a view reads each page once, so SQLite's default (2,000 KiB) only made
# memory to fault in (a megabyte a year of check-ins); a write sets it again (History._writing)
READ_CACHE, WRITE_CACHE = -256, -2000

NEW_UID = "lower(hex(randomblob(16)))"  # SQL for a new row's stable id


def closed_to_others(path: Path, *, folder: bool = False) -> None:
    """Refuse a history whose file, write-ahead log, shared-memory file or journal another user
    owns or can write (in a shared folder another user may make them first, to read what is
    written into them or to plant a plan); close one of this user's own that others can read
    (made by an earlier runrehab), and with `folder` its folder too (runrehab's own data folder).
    Called just before SQLite opens the file (and again once it has)."""
    real = path.resolve()
    for each in (real, *(Path(f"{real}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        try:
            info = each.lstat()  # the file itself is `real`; a companion is never a link SQLite should follow
        except OSError:  # not there (yet): SQLite makes the companions with the file's own mode
            continue
        if stat.S_ISLNK(info.st_mode):
            raise HistoryError(f"history {each}: a symbolic link beside the history, so it is neither read nor "
                               "written; remove the link")
        if info.st_uid != os.geteuid():
            raise HistoryError(f"history {each}: belongs to another user (uid {info.st_uid}), so it is neither "
                               "read nor written; choose another --db")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise HistoryError(f"history {each}: other users can write it, so it is neither read nor written; "
                               "if you trust what it holds, `chmod 600` it")
        _tighten(each, info)
    if folder:
        try:
            _tighten(real.parent, real.parent.stat())
        except OSError:
            pass


def _tighten(path: Path, info: os.stat_result) -> None:
    if info.st_uid == os.geteuid() and info.st_mode & 0o077:
        try:
            path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
        except OSError:  # a read-only file system: it cannot be changed, nor written
            pass


def why_unusable(path: Path, exc: BaseException) -> str:
    """What is wrong, in words, for an error met using the history at `path` (or its folder):
    what the system says about the file and its folder first, then SQLite's own words."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        fs = os.statvfs(folder)
    except OSError:
        fs = None
    if isinstance(exc, sqlite3.IntegrityError):
        return f"the database refused the change: {exc}"
    if fs is not None and fs.f_flag & os.ST_RDONLY:
        return f"{folder} is on a read-only file system"
    if name.startswith("SQLITE_FULL") or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or (fs is not None and fs.f_bavail == 0):
        return f"the disk holding {folder} is full"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
        return "another program has it locked; try again when it is done"
    for each in (path, folder):
        if each.exists() and not os.access(each, os.W_OK if each == folder or name.startswith("SQLITE_READONLY")
                                           else os.R_OK | os.W_OK):
            return f"no permission to {'write in' if each.is_dir() else 'use'} {each}"
    if name.startswith("SQLITE_READONLY"):
        return "the file is read-only"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def uri(path: Path, options: str) -> str:
    """`path` as an SQLite URI: always a file name (never `:memory:` nor another URI), its bytes as
    the system has them (a name that is not UTF-8, a Latin-1 locale's) percent-encoded."""
    # quote is what urllib.request.pathname2url does on POSIX (runrehab's only kind of system),
    # without importing urllib.request and http.client at every start that opens the history
    from urllib.parse import quote

    return f"file:{quote(os.fsencode(path.absolute()))}?{options}"


def read_only(path: Path) -> sqlite3.Connection:
    """A reader for a history whose folder or disk takes no new file (a WAL database's readers
    make a -shm file beside it): SQLite is told the file will not change, which holds on a
    read-only or full file system; the WAL, if one was left, is not read."""
    conn = sqlite3.connect(uri(path, "mode=ro&immutable=1"), uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def recognise(path: Path) -> str | None:
    """Refuse, without writing a byte, a file that is not a runrehab history. A sound history that
    can only be read as if immutable (see `_read_only`) gives the reason it cannot be written."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise HistoryError(f"history {path}: cannot read ({exc.strerror})") from None
    if len(header) == 0:
        raise HistoryError(f"history {path}: the file is empty, not a runrehab history; move it away or choose another --db")
    if not header.startswith(b"SQLite format 3\0") or len(header) < 100:
        raise HistoryError(f"history {path}: not a SQLite database (damaged or a different kind of file)")
    trouble = None
    closed_to_others(path)
    try:
        try:
            application_id, status = probe(sqlite3.connect(uri(path, "mode=ro"), uri=True,
                                                            timeout=BUSY_TIMEOUT_MS / 1000))
        except sqlite3.OperationalError as exc:  # the file may be sound: say what stands in the way
            trouble = why_unusable(path, exc)
            if "locked" in trouble or not os.access(path, os.R_OK):
                raise HistoryError(f"history {path}: cannot read ({trouble})") from None
            application_id, status = probe(read_only(path))
    except sqlite3.OperationalError as exc:
        raise HistoryError(f"history {path}: cannot read ({trouble or why_unusable(path, exc)})") from None
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"history {path}: damaged ({exc})") from None
    if application_id != APPLICATION_ID:
        raise HistoryError(f"history {path}: a SQLite database that is not a runrehab history")
    if status != "ok":
        raise HistoryError(f"history {path}: damaged ({status})")
    return trouble


def probe(conn: sqlite3.Connection) -> tuple[int, str]:
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if application_id != APPLICATION_ID:
            return application_id, "ok"
        # Its header and schema alone, not every page (PRAGMA quick_check reads the whole file, a
        # year of check-ins at every command): SQLite checks each page a view reads, and a damaged
        # one is reported then (History._rows); a write checks every page first (History._writing).
        return application_id, schema_trouble(conn) or "ok"
    finally:
        conn.close()


def schema_trouble(conn: sqlite3.Connection) -> str | None:
    """What differs from the tables runrehab made at the file's schema version (a newer one is
    told apart later): a version it never wrote, a table or a column missing."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < 1:
        return f"schema version {version}, which runrehab never wrote"
    for table, columns in tables(min(version, SCHEMA_VERSION)).items():
        found = {row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))}
        if not found:
            return f"no {table} table"
        missing = [column for column in columns if column not in found]
        if missing:
            return f"the {table} table has no {missing[0]} column"
    return None


@lru_cache(maxsize=None)
def tables(version: int) -> dict[str, tuple[str, ...]]:
    """The tables and columns of a history at schema `version`, as its migrations make them, by
    name: read from their CREATE TABLE and ALTER TABLE ... ADD COLUMN statements, which is what
    SQLite makes of them (tests/test_history.py compares the two) without opening a database at
    every command."""
    import re

    made: dict[str, list[str]] = {}
    for step in range(1, version + 1):
        for statement in MIGRATIONS[step].split(";"):
            if created := re.match(r"\s*CREATE TABLE (\w+) \((.*)\)\s*$", statement, re.S):
                made[created[1]] = [line.split()[0] for line in created[2].split(",\n")]
            elif added := re.match(r"\s*ALTER TABLE (\w+) ADD COLUMN (\w+)", statement):
                made[added[1]].append(added[2])
    return {name: tuple(made[name]) for name in sorted(made)}


def connect(path: Path, *, create: bool, recognised: bool = False) -> sqlite3.Connection:
    """A connection to a recognised (or, with create, new) history, migrated to SCHEMA_VERSION."""
    if create and not path.exists():
        create_file(path)
    trouble = None if recognised else recognise(path)
    if trouble is not None:
        raise HistoryError(f"history {path}: cannot {'write' if create else 'open'} ({trouble})")
    try:
        conn = open_connection(path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        try:  # again, now that SQLite has opened the companion files: none was made meanwhile by another
            closed_to_others(path)
        except HistoryError:
            conn.close()
            raise
        if version > SCHEMA_VERSION:
            raise HistoryError(f"history {path}: made by a newer runrehab (schema {version}); upgrade runrehab")
        if version < SCHEMA_VERSION and create:
            migrate(conn)
        return conn
    except sqlite3.OperationalError as exc:
        raise HistoryError(f"history {path}: cannot open ({why_unusable(path, exc)})") from None
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"history {path}: not a runrehab history or damaged ({exc})") from None


def open_connection(path: Path) -> sqlite3.Connection:
    """A connection to the existing file `path` (a file name, never a URI of SQLite's)."""
    closed_to_others(path)
    conn = sqlite3.connect(uri(path, "mode=rw"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA cache_size = {READ_CACHE}")
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        # read again under the write lock: another process may have migrated the file meanwhile
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def create_file(path: Path) -> None:
    """Make a new history at `path`, whole and readable by its owner alone: built under a
    temporary name (mkstemp makes it 0600; SQLite gives its WAL and SHM files the same mode) and
    hard-linked into place, which fails, leaving the other, if another process was first."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"history {path}: cannot create its folder ({why_unusable(path.parent, exc)})") from None
    tmp = None
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".history-", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        conn = open_connection(tmp)
        try:
            migrate(conn)
            conn.execute("PRAGMA journal_mode = WAL")  # after the migration, so the file header is already marked
        finally:
            conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            if not path.exists():  # a dangling symlink appeared under the name
                raise HistoryError(f"history {path}: a symbolic link to a file that does not exist") from None
    except (OSError, sqlite3.DatabaseError) as exc:
        raise HistoryError(f"history {path}: cannot create it ({why_unusable(path, exc)})") from None
    finally:
        if tmp is not None:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)
