"""Checked rule bases kept in the user's cache folder, so that a command can skip YAML and pydantic.

An entry is found by the hash of the rule-base files' bytes, read afresh on every run, together
with a fingerprint of runrehab's own code: it is only ever used for exactly the files and the code
it was built from, so the YAML always wins. An entry that cannot be read is ignored and rebuilt;
a cache folder that cannot be written is no error, the run just does without.

RUNREHAB_CACHE names another folder; set to an empty value it turns the cache off.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kb import KnowledgeBase

FORMAT = 1
KEEP = 8  # entries kept; older ones are removed when a new one is written


def folder() -> Path | None:
    configured = os.environ.get("RUNREHAB_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("runrehab", appauthor=False))


@lru_cache(maxsize=None)
def _code_fingerprint() -> str:
    """Changes whenever runrehab's code does (another version, a reinstall, an edited checkout)."""
    package = Path(__file__).parent
    digest = hashlib.sha256(f"{FORMAT}:{sys.version}".encode())
    for entry in sorted(os.scandir(package), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            stat = entry.stat()
            digest.update(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def entry_path(content_hash: str) -> Path | None:
    where = folder()
    if where is None:
        return None
    key = hashlib.sha256(f"{_code_fingerprint()}:{content_hash}".encode()).hexdigest()[:32]
    return where / f"kb-{key}.pickle"


def get(content_hash: str) -> KnowledgeBase | None:
    """The cached rule base built from files with this content hash, or None."""
    from .kb import KnowledgeBase, building

    path = entry_path(content_hash)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    with building():
        try:
            kb = pickle.loads(data)
        except Exception:  # a damaged entry can fail in any way unpickling can; it is rebuilt
            return None
    if not isinstance(kb, KnowledgeBase) or kb.content_hash != content_hash:
        return None
    return kb


STALE_SECONDS = 600  # a temporary file this old is no write in progress: its writer was killed


def _clear_stale_temporaries(where: Path) -> None:
    now = time.time()
    for tmp in where.glob(".kb-*.tmp"):
        try:
            if now - tmp.lstat().st_mtime > STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass  # gone already, or not ours to remove


def put(kb: KnowledgeBase) -> None:
    """Keep `kb` for later runs: written whole under a temporary name, then renamed into place."""
    path = entry_path(kb.content_hash)
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".kb-", suffix=".tmp", delete=False) as out:
            tmp = Path(out.name)
            pickle.dump(kb, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        entries = sorted(path.parent.glob("kb-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
        _clear_stale_temporaries(path.parent)
    except OSError:
        pass  # no cache this time; the rule base was checked and is used all the same
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
