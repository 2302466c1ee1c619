"""Bytes kept in the user's cache folder by key, so that a command can skip work done before.

An entry's name is a hash of the caller's key together with a fingerprint of runrehab's own
code: another version never reads an entry this one wrote. The key is also written at the head of
the entry and checked on reading, so an entry renamed to another name is not used. An entry that
cannot be read is ignored; a cache folder that cannot be written is no error, the run just does
without.

The folder may be shared or writable by others (RUNREHAB_CACHE, a shared XDG_CACHE_HOME): an
entry is only read when it is a regular file owned by this user that nobody else can write, and
its bytes are data to the caller, never code. The folder is made readable by its owner alone.

RUNREHAB_CACHE names another folder; set to an empty value it turns the cache off.
"""
from __future__ import annotations

import os
import stat
import sys
import time
import weakref
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

try:  # CPython's own SHA-256, there unless the build left it out (a module looked for in vain costs a search)
    if sys.version_info >= (3, 12):
        from _sha2 import sha256 as _own_sha256
    else:
        from _sha256 import sha256 as _own_sha256
except ImportError:
    _own_sha256 = None

FORMAT = 3
OWN_SHA256_BYTES = 512 * 1024  # hashed without OpenSSL up to this size (see sha256)
KEEP = 8  # entries kept; older ones are removed when a new one is written
LIMIT = 64 * 1024 * 1024  # bytes: an entry larger than this is not read
SUFFIX = ".json"
T = TypeVar("T")


def sha256(data: bytes = b"") -> Any:
    """hashlib.sha256(data). hashlib loads OpenSSL, about 2 ms of every command's start; CPython's
    own SHA-256, about five times slower, takes less than that on up to OWN_SHA256_BYTES (the
    shipped rule base, a cache key). OpenSSL's is worth loading for more."""
    if _own_sha256 is not None and len(data) <= OWN_SHA256_BYTES:
        return _own_sha256(data)
    import hashlib

    return hashlib.sha256(data)


def folder() -> Path | None:
    configured = os.environ.get("RUNREHAB_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("runrehab", appauthor=False))


@lru_cache(maxsize=None)
def _code_fingerprint() -> str:
    """Changes whenever runrehab's code does (another version, a reinstall, an edited checkout)."""
    package = Path(__file__).parents[1]
    digest = sha256(f"{FORMAT}:{sys.version}".encode())
    folders = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]  # pruned as it walks
        folders.append((folder, os.path.relpath(folder, package), names))
    for _, where, names in sorted(folders):
        for name in sorted(names):
            if name.endswith(".py"):
                info = os.stat(os.path.join(package, where, name))
                digest.update(f"{where}/{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()


def _header(key: str) -> bytes:
    return f"runrehab-cache {_code_fingerprint()} {key}\n".encode()


def entry_path(key: str) -> Path | None:
    where = folder()
    if where is None:
        return None
    name = sha256(_header(key)).hexdigest()[:32]
    return where / f"kb-{name}{SUFFIX}"


def _mine(info: os.stat_result) -> bool:
    """A regular file of this user's that no one else can write."""
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def get(key: str) -> bytes | None:
    """The bytes kept under `key`, or None when there are none this user can trust."""
    return _opened(key, _read)


def held(key: str) -> Held | None:
    """What `get` gives, held open rather than read: a part is read when it is asked for, so a
    large entry of which a command needs little costs little. The file is held, not its name:
    it stays what it was while it is used, even when the entry is replaced or removed meanwhile."""
    return _opened(key, _held)


class Held:
    """An entry's bytes after its header, read where they are asked for (os.pread). Not mapped:
    a mapped file cut short under its reader (`truncate`) ends the process with SIGBUS at the next
    page used, where a read just comes back short."""

    def __init__(self, fd: int, start: int, size: int):
        self._fd, self._start, self.size = fd, start, size - start
        weakref.finalize(self, os.close, fd)  # closed when let go, or at exit at the latest

    def read(self, start: int, end: int) -> bytes:
        """Bytes `start` to `end` of what is kept, fewer when the file was cut short since."""
        parts, at, end = [], self._start + start, self._start + min(end, self.size)
        while at < end and (part := os.pread(self._fd, end - at, at)):
            parts.append(part)
            at += len(part)
        return b"".join(parts)

    def identity(self) -> tuple[int, ...]:
        """Which file this is and which version of it: a file written or cut since has another."""
        st = os.fstat(self._fd)
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns



def _read(fd: int, size: int, header: bytes) -> bytes | None:
    with os.fdopen(fd, "rb", closefd=False) as handle:
        if handle.read(len(header)) != header:
            return None
        data = handle.read(size - len(header) + 1)  # + 1: an entry that grew since is no entry
    return None if len(data) + len(header) != size else data


def _held(fd: int, size: int, header: bytes) -> Held | None:
    if size < len(header) or os.pread(fd, len(header), 0) != header:
        return None
    return Held(os.dup(fd), len(header), size)


def _opened(key: str, take: Callable[[int, int, bytes], T | None]) -> T | None:
    """`take(fd, size, header)` on the entry kept under `key`, when it is there and this user's
    to trust; None otherwise."""
    path = entry_path(key)
    if path is None:
        return None
    try:  # no symlink followed, and no waiting on a FIFO planted under the entry's name
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not _mine(info) or info.st_size > LIMIT:
            return None
        return take(fd, info.st_size, _header(key))
    except OSError:
        return None
    finally:
        os.close(fd)


STALE_SECONDS = 600  # a temporary file this old is no write in progress: its writer was killed


def _clear_stale_temporaries(where: Path) -> None:
    now = time.time()
    for tmp in where.glob(".kb-*.tmp"):
        try:
            info = tmp.lstat()
            if info.st_uid == os.geteuid() and now - info.st_mtime > STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass  # gone already, or not ours to remove


def put(key: str, data: bytes) -> None:
    """Keep `data` under `key`: written whole under a temporary name, then renamed into place."""
    import tempfile  # a warm start only reads

    path = entry_path(key)
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".kb-", suffix=".tmp", delete=False) as out:
            tmp = Path(out.name)  # made 0600 by tempfile
            out.write(_header(key))
            out.write(data)
        os.replace(tmp, path)
        tmp = None
        _prune(path.parent)
        _clear_stale_temporaries(path.parent)
    except OSError:
        pass  # no cache this time; the caller has what it would have kept
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _prune(where: Path) -> None:
    """Remove this user's oldest entries beyond KEEP; other users' files are left alone."""
    mine = []
    for entry in where.glob(f"kb-*{SUFFIX}"):
        try:
            info = entry.lstat()
        except OSError:
            continue
        if _mine(info):
            mine.append((info.st_mtime_ns, entry))
    for _, old in sorted(mine, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)
