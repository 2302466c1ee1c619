"""Opening the files a user names, so that nothing hangs and nothing is read without end.

A named pipe opened for reading blocks until someone writes to it, and a device such as
/dev/zero never ends: files are opened without blocking, checked for what they are, and read
up to a limit. The messages say what the file is and what was expected.
"""
from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import FileRefused, UsageError

MIB = 1024 * 1024


def size_text(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def why_not(exc: OSError) -> str:
    """An OS error in words a user can act on."""
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def check_path(path: Path | str) -> None:
    """Refuse, without opening it, a path that exists and is not a regular file (a pipe would
    block whoever opens it). Names that are too long or cannot be looked up are refused too."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            return
        raise FileRefused(f"cannot use {shorten(str(path))}: {why_not(exc)}") from None
    if not stat.S_ISREG(mode):
        raise FileRefused(f"{shorten(str(path))} is {_kind(mode)}; expected a regular file")


def open_input(path: Path | str, *, streams: bool = False) -> IO[bytes]:
    """`path` opened for reading: a regular file, or with `streams` also a pipe or socket
    (`<(command)`, /dev/stdin). FileRefused says why not; a missing file is FileNotFoundError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket file cannot be opened
            raise FileRefused(f"{shorten(str(path))} is a socket; expected a regular file") from None
        raise FileRefused(f"cannot read {shorten(str(path))}: {why_not(exc)}") from None
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISREG(mode) or (streams and (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)))):
        os.close(fd)
        expected = "a regular file or a pipe" if streams else "a regular file"
        raise FileRefused(f"{shorten(str(path))} is {_kind(mode)}; expected {expected}")
    if not stat.S_ISREG(mode):  # a stream is read as it comes, waiting for the writer
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return os.fdopen(fd, "rb")


def read_bounded(stream: IO[bytes], limit: int, name: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(f"{shorten(name)} is larger than {size_text(limit)}, the most that is read")
    return data


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes."""
    with open_input(path) as stream:
        return read_bounded(stream, limit, str(path))


def shorten(text: str, limit: int = 80) -> str:
    """`text` cut to about `limit` characters for a message, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit - 20]}... ({len(text) - limit + 20} more characters)"


@contextmanager
def temporary_writes(what: str) -> Iterator[None]:
    """Around writing `what` to temporary files: a full or unwritable temporary folder is
    FileRefused naming the folder."""
    try:
        yield
    except OSError as exc:
        import tempfile

        raise FileRefused(f"cannot write {what} in {tempfile.gettempdir()}: {why_not(exc)}") from None


def write_atomically(path: Path | str, data: bytes | str) -> None:
    """`data` (text as UTF-8) written to the file `path` whole or not at all: into a temporary file beside
    it, then renamed over it, so that a reader never sees half of it and a failure leaves what was
    there. Through a symbolic link, the file it names is replaced. The file keeps its mode, or a
    new one gets what the umask allows. FileRefused naming the file and why."""
    import tempfile

    target = Path(os.path.realpath(path))
    name = shorten(str(path))
    try:
        mode = os.stat(target).st_mode
        if not stat.S_ISREG(mode):
            raise FileRefused(f"cannot write {name}: it is {_kind(mode)}; expected a regular file")
        keep = stat.S_IMODE(mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        keep = 0o666 & ~umask
    except OSError as exc:
        raise FileRefused(f"cannot write {name}: {why_not(exc)}") from None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, keep)
        os.replace(tmp, target)
        tmp = None
    except FileNotFoundError:
        raise FileRefused(f"cannot write {name}: its folder does not exist") from None
    except OSError as exc:
        raise FileRefused(f"cannot write {name}: {why_not(exc)}; nothing was written") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def read_json(spec: str, limit: int, label: str, hint: str = "") -> Any:
    """The JSON a user names for `label` (FILE, or - for stdin), at most `limit` bytes; UsageError
    saying what is wrong with it (`hint`: what was expected, after a text that is not JSON)."""
    import json
    import sys

    name = "stdin" if spec == "-" else shorten(spec)
    try:
        if spec == "-":
            raw = read_bounded(sys.stdin.buffer, limit, name)
        else:
            with open_input(spec, streams=True) as stream:
                raw = read_bounded(stream, limit, name)
        return json.loads(raw.decode("utf-8"), parse_constant=lambda c: _refuse(f"{c} is not a number"))
    except FileNotFoundError:
        raise UsageError(f"{label}: no such file: {name}") from None
    except FileRefused as exc:
        raise UsageError(f"{label}: {exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{label}: {name} is not UTF-8 text{hint}") from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{label}: {name} is not JSON ({str(exc)[:80]}){hint}") from None
    except OSError as exc:
        raise UsageError(f"{label}: cannot read {name}: {exc.strerror}") from None


def _refuse(why: str) -> Any:
    raise ValueError(why)
