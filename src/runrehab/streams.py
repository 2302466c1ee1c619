"""The standard streams, whatever state the shell left them in.

- A closed stdin, stdout or stderr (`<&-`, `>&-`) is held open on /dev/null, so that no file
  opened later (the history among them) takes its number and receives the output; a closed
  stdout is refused, since every command has something to say there.
- Output that cannot be written (a full disk, /dev/full, a pipe whose reader left) raises
  OutputError, which the command-line library does not catch on its own, so every command ends
  the same way: a reader that left is not an error (exit 0, nothing more said); any other failure
  is one line on stderr and exit 2, saying what was already saved.
- In a locale that cannot encode some characters (Latin-1, ASCII), dashes, arrows, bars and box
  lines are written in ASCII and anything else as `?`; JSON escapes them as `\\uXXXX`.
"""
from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, TextIO

from .files import why_not

CLOSED_PIPE_EXIT = 0  # the reader had what it wanted (`| head`); documented in the README
WRITE_FAILED_EXIT = 2

_ASCII = {"\u2013": "-", "\u2014": "--", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
          "\u2026": "...", "\u00b7": "-", "\u2022": "*", "\u2192": "->", "\u2190": "<-", "\u00d7": "x",
          "\u2265": ">=", "\u2264": "<=", "\u00a0": " ", "\u2588": "#", "\u2591": ".", "\u2592": ":", "\u2593": "#",
          **dict(zip("\u2581\u2582\u2583\u2584\u2585\u2586\u2587", "_.:-=+*"))}


def _ascii_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for char in exc.object[exc.start:exc.end]:
        if char in _ASCII:
            out.append(_ASCII[char])
        elif "\u2500" <= char <= "\u257f":  # box drawing: light and heavy lines, corners, joints
            name = f"{ord(char):x}"
            out.append("-" if name in ("2500", "2501", "2550", "254c", "254d", "2504", "2505")
                       else "|" if name in ("2502", "2503", "2551", "254e", "254f", "2506", "2507") else "+")
        else:
            out.append("?")
    return "".join(out), exc.end


def _json_escape(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    units = exc.object[exc.start:exc.end].encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)), exc.end


codecs.register_error("runrehab-ascii", _ascii_fallback)
codecs.register_error("runrehab-json", _json_escape)


class OutputError(Exception):
    """Output that could not be written. Not an OSError on purpose: the command-line library
    turns a broken pipe (an OSError) into its own exit status before runrehab could see it."""

    def __init__(self, error: OSError):
        super().__init__(why_not(error))
        self.closed_pipe = error.errno in (errno.EPIPE, errno.ECONNRESET)


class _Checked:
    """A text stream whose write errors raise OutputError."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputError(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_saved: list[str] = []


def start_saving() -> None:
    """A command begins: nothing saved yet."""
    _saved.clear()


def note_saved(what: str) -> None:
    """Something was kept for good: a failure to print afterwards, or an interrupt, says so."""
    _saved.append(what)


def withdraw_saved(what: str) -> None:
    """What note_saved announced was not kept after all (its commit was not made)."""
    if what in _saved:
        _saved.remove(what)


def saved_so_far() -> str:
    """What this run has kept for good, in words ("nothing was saved" when nothing)."""
    return ", ".join(_saved) or "nothing was saved"


def copy_to_stdout(source: BinaryIO) -> None:
    """The bytes of the file `source` from where it stands, after what stdout holds already (by
    the kernel, file to stdout, where it can); a failure to write raises OutputError as a text
    write's does."""
    try:
        sys.stdout.flush()
        sys.stdout.buffer.flush()
        if not _sent(source):
            import shutil

            shutil.copyfileobj(source, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    except OSError as exc:
        raise OutputError(exc) from None


def _sent(source: BinaryIO) -> bool:
    """Whether os.sendfile copied the rest of `source` to stdout; False, with nothing sent, where
    it cannot (another system, stdout not a descriptor, a descriptor it refuses)."""
    try:
        send, out, start = os.sendfile, sys.stdout.buffer.fileno(), source.tell()
        end = os.fstat(source.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return False
    _widen_pipe(out, end - start)
    at = start
    while at < end:
        try:
            sent = send(out, source.fileno(), at, end - at)
        except OSError as exc:
            if at == start and exc.errno in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF):
                return False
            raise
        if sent == 0:
            break
        at += sent
    source.seek(at)
    return True


def _widen_pipe(fd: int, size: int) -> None:
    """A pipe on `fd` made to hold up to 1 MiB (the most Linux gives any user by default) when
    `size` bytes are to pass through it: a sixteenth of the switches between writer and reader."""
    try:
        import fcntl

        if size > 64 * 1024 and stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1024 * 1024)
    except (ImportError, AttributeError, OSError):  # another system, or a smaller limit: as it is
        pass


def json_bytes() -> Callable[[str], bytes] | None:
    """JSON text to the bytes stdout takes: json_text, encoded. None when stdout's encoding
    cannot be written a piece at a time with lines ending in the byte 10: one that marks where
    it begins (UTF-16, UTF-32, utf-8-sig) or takes more than a byte for a newline."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if codecs.lookup(encoding).name == "utf-8":
        return str.encode
    if "\n".encode(encoding) != b"\n":  # each piece encoded alone would carry the mark
        return None
    return lambda text: text.encode(encoding, "runrehab-json")


def json_text(text: str) -> str:
    """JSON text that the stdout encoding can carry: characters it cannot are `\\uXXXX` escapes."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if codecs.lookup(encoding).name == "utf-8":
        return text
    return text.encode(encoding, "runrehab-json").decode(encoding)


def _prepare() -> bool:
    """Hold closed standard descriptors on /dev/null and make the streams safe; False when stdout
    was closed."""
    stdout_open = True
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # takes the lowest free number: this one
            stdout_open = stdout_open and fd != 1
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:  # Python found it closed at start
            setattr(sys, name, open({"stdin": 0, "stdout": 1, "stderr": 2}[name], mode, closefd=False))  # noqa: SIM115
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # a prompt's answer in another encoding is refused, not a crash
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and codecs.lookup(stream.encoding).name != "utf-8":
            stream.reconfigure(errors="runrehab-ascii")
    sys.stdout = _Checked(sys.stdout)  # type: ignore[assignment]
    sys.stderr = _Checked(sys.stderr)  # type: ignore[assignment]
    return stdout_open


def _quiet_stdout() -> None:
    """Send what is still buffered for stdout nowhere, so that leaving does not fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


@contextmanager
def guarded_output() -> Iterator[None]:
    """Around a whole run: the standard streams prepared, and output failures ended as above."""
    start_saving()
    if not _prepare():
        sys.stderr.write("runrehab: error: standard output is closed; give it a file, a pipe or a terminal\n")
        sys.exit(WRITE_FAILED_EXIT)
    try:
        try:
            yield
        finally:
            sys.stdout.flush()  # inside: a failure to write the last block is reported like any other
    except OutputError as exc:
        _quiet_stdout()
        if exc.closed_pipe:
            sys.exit(CLOSED_PIPE_EXIT)
        saved = f" ({', '.join(_saved)})" if _saved else ""
        try:
            sys.stderr.write(f"runrehab: error: cannot write the output: {exc}{saved}\n")
            sys.stderr.flush()
        except OutputError:
            pass
        sys.exit(WRITE_FAILED_EXIT)
