"""What `--answers` names: one mapping (YAML or JSON), or JSON Lines with one case a line.

JSON Lines are read line by line, never held in memory whole, each line at most LINE_LIMIT
bytes; a document at most DOCUMENT_LIMIT. stdin and pipes (`<(command)`) are copied to a temporary
file first, since telling JSON Lines from a document means reading ahead and starting again; the
copy stops at DOCUMENT_LIMIT unless what came so far is JSON Lines (a stream may never end).
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import AnswersFileError, FileRefused
from ..files import MIB, open_input, read_bounded, shorten, size_text, temporary_writes

LINE_LIMIT = MIB  # one case of a batch
DOCUMENT_LIMIT = MIB  # one mapping of answers: a few dozen short values


def _too_long(name: str, line: int) -> AnswersFileError:
    return AnswersFileError(f"--answers: {name} line {line} is longer than {size_text(LINE_LIMIT)}, the most one line may take")


def _too_large(name: str) -> AnswersFileError:
    return AnswersFileError(f"--answers: {name} is larger than {size_text(DOCUMENT_LIMIT)}, the most that is read")


def _is_batch(texts: list[str]) -> bool | None:
    """Whether the first non-blank lines, `texts` (of which the last may be cut short), begin a
    batch: two, each a JSON object; None while the lines so far cannot tell."""
    for text in texts[:2]:
        if not text.lstrip().startswith("{"):
            return False
    return True if len(texts) >= 2 else None


# a line of a batch that is perhaps no JSON object: it begins with neither `{` nor white space
_SUSPECT = re.compile(rb"\n[ \t\r]*[^{ \t\r\n]")


class _Spool:
    """A stream's copy in a temporary file, and what the copy so far says of it."""

    def __init__(self, spool: IO[bytes], name: str):
        self.file, self.name = spool, name
        self.batch: bool | None = None
        self._texts: list[str] = []  # the first non-blank lines
        self._scanned = (0, 0)  # (offset, lines) up to which they were looked for
        self._suspect: tuple[int, int] | None = None  # (offset, number) of a line to check

    def _line_at(self, offset: int) -> bytes:
        self.file.seek(offset)
        raw = self.file.readline(LINE_LIMIT + 1)
        self.file.seek(0, 2)
        return raw

    def decide(self) -> None:
        """Look for the first two non-blank lines further, from where the last look stopped."""
        offset, number = self._scanned
        self.file.seek(offset)
        while len(self._texts) < 2 and (raw := self.file.readline(LINE_LIMIT + 1)):
            text = raw.decode("utf-8-sig" if number == 0 else "utf-8", "replace")
            if not raw.endswith(b"\n"):  # cut short: it tells what it begins with, and is read again later
                self.batch = _is_batch(self._texts + [text] if text.strip() else self._texts)
                break
            if text.strip():
                self._texts.append(text)
            offset, number = offset + len(raw), number + 1
        else:
            self.batch = _is_batch(self._texts)
        self._scanned = (offset, number)
        self.file.seek(0, 2)

    def check(self, chunk: bytes, before: int, lines_before: int) -> None:
        """In a batch, a line of `chunk` (copied at `before`, after `lines_before` lines) that
        cannot be a JSON object ends the copy with what reading it would say."""
        if self._suspect is None:
            found = _SUSPECT.search(chunk)
            if found is None:
                return
            self._suspect = (before + found.start() + 1, lines_before + chunk.count(b"\n", 0, found.start()) + 2)
        offset, number = self._suspect
        raw = self._line_at(offset)
        if not raw.endswith(b"\n"):
            return  # looked at again when the line has ended
        self._suspect = None
        text = _decoded(raw, f"{self.name} line {number}", first=False)
        if text.strip():
            _case(number, text)


def _spooled(stream: IO[bytes], name: str) -> IO[bytes]:
    """A stream copied into a temporary file, which can be read again from the start. A stream
    may never end: a line longer than LINE_LIMIT stops the copy; DOCUMENT_LIMIT does, unless the
    copy is JSON Lines, and then a line that is no JSON object does."""
    import tempfile  # only stdin and pipes need it: not imported on every start

    with temporary_writes(f"a copy of {name}"):
        spool = _Spool(tempfile.TemporaryFile(), name)
    try:
        newlines, run, size = 0, 0, 0  # run: the length of the line being copied
        while chunk := stream.read(64 * 1024):
            with temporary_writes(f"a copy of {name}"):
                spool.file.write(chunk)
            cut = chunk.rfind(b"\n")
            run = run + len(chunk) if cut < 0 else len(chunk) - cut - 1
            if run > LINE_LIMIT:
                raise _too_long(name, newlines + chunk.count(b"\n") + 1)
            if spool.batch is None:
                spool.decide()
            elif spool.batch:
                spool.check(chunk, size, newlines)
            newlines += chunk.count(b"\n")
            size += len(chunk)
            if size > DOCUMENT_LIMIT and not spool.batch and (spool.batch is False or size > DOCUMENT_LIMIT + LINE_LIMIT):
                raise _too_large(name)  # blank lines cannot put off the answer for ever
    except BaseException:
        spool.file.close()
        raise
    return spool.file


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_refuse_duplicates)


_PARTIAL = object()


def _whole_line(text: str) -> Any:
    """The JSON document `text` holds when the line is that document alone (white space at most
    after it), as decode reads it; _PARTIAL otherwise, for decode to read or say what is wrong.
    It calls raw_decode from the depth decode would, so the two meet the nesting limit alike."""
    try:
        value, end = _DECODER.raw_decode(text)
    except ValueError:
        return _PARTIAL
    return value if end == len(text) or not text[end:].strip(" \t\n\r") else _PARTIAL  # JSON's white space


def _case(number: int, text: str) -> dict[str, Any]:
    """Line `number` of a batch, `text`, as the mapping it holds; AnswersFileError otherwise."""
    try:
        case = _whole_line(text)
        if case is _PARTIAL:  # white space before the document, or something wrong: decode says what
            case = _DECODER.decode(text)
    except ValueError as exc:
        raise AnswersFileError(f"--answers line {number}: not a valid JSON object ({exc})") from None
    except RecursionError:
        raise AnswersFileError(f"--answers line {number}: nested too deeply") from None
    if not isinstance(case, dict):
        raise AnswersFileError(f"--answers line {number}: expected a JSON object of question id to value")
    return case


def _decoded(raw: bytes, where: str, *, first: bool) -> str:
    """The text of `raw`, read from `where`: UTF-8 (with a byte-order mark at the `first`)."""
    if b"\0" in raw:
        raise AnswersFileError(f"--answers: {where} contains NUL bytes; expected YAML or JSON text")
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        raise AnswersFileError(f"--answers: {where} is not UTF-8 text") from None


class AnswersFile:
    def __init__(self, spec: str):
        self.name = "stdin" if spec == "-" else shorten(spec)
        self._file = self._open(spec)
        try:
            first_two = [line for _, line in zip(range(2), self._lines())]
        except BaseException:
            self.close()
            raise
        self.is_batch = _is_batch([text for _, text in first_two]) is True

    @staticmethod
    def _open(spec: str) -> IO[bytes]:
        try:
            if spec == "-":
                return _spooled(sys.stdin.buffer, "stdin")
            stream = open_input(spec, streams=True)
            if stream.seekable():
                return stream
            with stream:
                return _spooled(stream, shorten(spec))
        except FileNotFoundError:
            raise AnswersFileError(f"--answers: no such file: {shorten(spec)}") from None
        except FileRefused as exc:
            raise AnswersFileError(f"--answers: {exc}") from None
        except OSError as exc:
            raise AnswersFileError(f"--answers: cannot read {shorten(spec)}: {exc.strerror}") from None

    def __enter__(self) -> AnswersFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def _decode(self, raw: bytes, line: int | None = None) -> str:
        return _decoded(raw, f"{self.name} line {line}" if line else self.name, first=line in (None, 1))

    def _lines(self) -> Iterator[tuple[int, str]]:
        """(line number, text) of every non-blank line, from the start of the file."""
        self._file.seek(0)
        for number, raw in enumerate(iter(lambda: self._file.readline(LINE_LIMIT + 1), b""), 1):
            if len(raw) > LINE_LIMIT:
                raise _too_long(self.name, number)
            text = self._decode(raw, number)
            if text.strip():
                yield number, text

    def cases(self, read_line: Callable[[str], dict[str, Any] | None] | None = None
              ) -> Iterator[tuple[int | None, dict[str, Any], bool]]:
        """(line number, mapping, False) for each case of a batch; (None, mapping, False) for a
        single document. `read_line` reads a line's text quicker than JSON and a check after it
        would: its answers as the check gives them (then (line number, those, True)), or None, and
        the line is read as JSON (which says what is wrong with it)."""
        if not self.is_batch:
            yield None, self._document(), False
            return
        for number, text in self._lines():
            read = None if read_line is None else read_line(text)
            if read is not None:
                yield number, read, True
            else:
                yield number, _case(number, text), False

    def _document(self) -> dict[str, Any]:
        self._file.seek(0)
        try:
            text = self._decode(read_bounded(self._file, DOCUMENT_LIMIT, self.name))
        except FileRefused as exc:
            raise AnswersFileError(f"--answers: {exc}") from None
        if not text.strip():
            return {}
        if text.lstrip("\ufeff \t\r\n").startswith("{"):  # JSON as JSON: YAML limits keys to 1,024 characters
            try:
                data = _DECODER.decode(text.strip("\ufeff \t\r\n"))
            except RecursionError:
                raise AnswersFileError(f"--answers: {self.name} is nested too deeply") from None
            except ValueError:
                data = None  # perhaps YAML's own {key: value}; YAML names the problem if not
            if isinstance(data, dict):
                return data
        from ..rules.yaml_source import YamlError, read_yaml_text  # JSON answers start without the YAML reader

        try:
            data = read_yaml_text(text, self.name, untrusted=True).data
        except YamlError as exc:
            p = exc.problem
            raise AnswersFileError(f"--answers: {p.file}:{p.line}:{p.col}: not valid YAML or JSON: {p.message}") from None
        if not isinstance(data, dict):
            kind = ("nothing" if data is None else "a list" if isinstance(data, list) else "text" if isinstance(data, str)
                    else "yes or no" if isinstance(data, bool) else "a number" if isinstance(data, (int, float))
                    else f"a {type(data).__name__}")
            raise AnswersFileError(f"--answers: {self.name} holds {kind}; expected a mapping of question id to value")
        return data
