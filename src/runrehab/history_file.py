"""What a history file is and why it cannot be used: recognised as runrehab's without writing a
byte, read as immutable where its folder or disk takes no new file, closed to other users, and
every failure told in words (locked, full, read-only, no permission) rather than as damage."""
from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from .errors import HistoryError

APPLICATION_ID = 0x52524842  # "RRHB": marks a SQLite file as runrehab's history
BUSY_TIMEOUT_MS = 10_000


def owner_only(path: Path) -> None:
    """A history of this user's that others can read (made by an earlier runrehab) is closed to them."""
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            info = each.stat()
            if info.st_uid == os.geteuid() and info.st_mode & 0o077:
                each.chmod(info.st_mode & 0o700)
        except OSError:
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
    from urllib.request import pathname2url

    return f"file:{pathname2url(str(path.absolute()))}?{options}"


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
        return application_id, conn.execute("PRAGMA quick_check").fetchone()[0] if application_id == APPLICATION_ID else "ok"
    finally:
        conn.close()
