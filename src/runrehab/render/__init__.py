"""One renderer per document and format, looked up in RENDERERS; each writes to stdout.

Formats: `text` (rich, for people), `markdown` (a handout), `html` (the handout as a printable page),
`ics` (a calendar), `json` (one document for machines).
rich is imported only by the text renderers, so that JSON output starts fast.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..documents.as_json import JsonLines, json_parts, to_data

if TYPE_CHECKING:
    from pathlib import Path

    from ..rules.kb import KnowledgeBase

Renderer = Callable[[Any, "KnowledgeBase | None"], None]


def write_json(text: str | list[str], *, flush: bool = True) -> None:
    """One document on stdout, whole or in its pieces (as_json.json_parts), which leave in blocks
    of about 64 KiB: a long document (a year of check-ins) is never joined whole, nor encoded whole
    once more. Lines of a batch are not flushed one by one: they leave in blocks of a few lines as
    the buffer fills (and one by one on a terminal)."""
    from ..streams import json_text

    if isinstance(text, str):
        text = json_text(text)
        if len(text) < 1 << 16:
            sys.stdout.write(text + "\n")
        else:  # not copied once more for its newline
            sys.stdout.write(text)
            sys.stdout.write("\n")
    else:
        block: list[str] = []
        size = 0
        for piece in text:
            block.append(piece)
            size += len(piece)
            if size >= 1 << 16:
                sys.stdout.write(json_text("".join(block)))
                block.clear()
                size = 0
        block.append("\n")
        sys.stdout.write(json_text("".join(block)))
    if flush:
        sys.stdout.flush()


def _json(build: Callable[[Any, Any], Any] = lambda doc, kbase: doc) -> Renderer:
    return lambda doc, kbase: write_json(json_parts(build(doc, kbase)))


def _dumped(**options: Any) -> Renderer:
    """A document of plain data written by json.dumps (schemas)."""
    return lambda doc, kbase: write_json(json.dumps(doc, indent=2, **options))


def _text(view: str, module: str = "text") -> Renderer:
    def show(doc: Any, kbase: Any) -> None:
        import importlib

        from .text import stdout_console

        views = importlib.import_module(f"{__name__}.{module}")
        console = stdout_console()
        with console.capture() as captured:
            console.print(getattr(views, view)(doc, kbase))
        # rich pads every line to the width; a file or a pipe gets the text without the padding
        sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    return show


def _listing(name: str) -> Renderer:
    def show(doc: Any, kbase: Any) -> None:
        from . import listing

        getattr(listing, name)(doc, kbase)
    return show


def _markdown(doc: Any, kbase: Any) -> None:
    from .markdown import markdown_lines

    write_joined(markdown_lines(doc, kbase))


def write_joined(lines: list[str]) -> None:
    """`lines` joined by newlines on stdout, in blocks of about 64 KiB: a long handout (a year of
    check-ins) is never joined whole, nor encoded whole once more."""
    start = size = 0
    for at, line in enumerate(lines[:-1]):
        size += len(line) + 1
        if size >= 1 << 16:
            sys.stdout.write("\n".join(lines[start:at + 1]) + "\n")
            start, size = at + 1, 0
    sys.stdout.write("\n".join(lines[start:]))


def _html(doc: Any, kbase: Any) -> None:
    from .html import plan_html

    sys.stdout.write(plan_html(doc, kbase))


def _ics(doc: Any, kbase: Any) -> None:
    from .ics import plan_calendar

    sys.stdout.write(plan_calendar(doc, kbase))


def _versioned(records: list[Any]) -> list[dict[str, Any]]:
    """Rule-base records listed as output: each item carries the schema version, as every document does."""
    from ..documents.vocabulary import SCHEMA_VERSION

    return [{"schema_version": SCHEMA_VERSION, **vars(record)} for record in records]


def _validate_text(report: Any, kbase: Any) -> None:
    from ..safe_text import visible

    problems = report.problems
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    errors = sum(p.severity == "error" for p in problems)
    summary = f"{errors} error(s), {len(problems) - errors} warning(s)" + (": the rule base is valid" if report.ok else "")
    sys.stderr.write(f"runrehab: {visible(summary)}\n")


def _validate_json(report: Any, kbase: Any) -> None:
    write_json(json.dumps(to_data(report), indent=2))


RENDERERS: dict[tuple[str, str], Renderer] = {
    ("plan", "text"): _text("plan_view"),
    ("plan", "json"): _json(),
    ("plan-status", "text"): _text("plan_status_view", "timeline"),
    ("plan-status", "markdown"): _markdown,
    ("plan-status", "html"): _html,
    ("plan-status", "ics"): _ics,
    ("plan-status", "json"): _json(),
    ("checkin", "text"): _text("checkin_view"),
    ("checkin", "json"): _json(),
    ("exercise", "text"): _text("exercise_view"),
    ("exercise", "json"): _json(),
    ("exercises", "text"): _text("exercises_view"),
    ("exercises", "json"): _json(),
    ("questions", "text"): _text("questions_view"),
    ("questions", "json"): _json(lambda questions, kbase: _versioned(questions)),
    ("symptoms", "text"): _text("symptoms_view"),
    ("symptoms", "json"): _json(lambda symptoms, kbase: _versioned(symptoms)),
    ("session", "json"): _json(),
    ("session-log", "json"): _json(),
    ("history", "text"): _listing("history_text"),
    ("history", "csv"): _listing("history_csv"),
    ("today", "text"): _text("today_view", "timeline"),
    ("today", "json"): _json(),
    ("history", "json"): _listing("history_json"),
    ("validate", "text"): _validate_text,
    ("validate", "json"): _validate_json,
    ("schema", "json"): _dumped(ensure_ascii=False),
    ("export", "json"): _dumped(ensure_ascii=False),
}


# what each format is, as completion describes it
FORMAT_WORDS = {"text": "for reading at the terminal", "markdown": "a handout to print or send to your physical therapist",
                "ics": "an iCalendar file of sessions, reviews and checkpoints", "html": "one self-contained printable page",
                "csv": "a table for a spreadsheet", "json": "one JSON document"}


def formats(kind: str) -> list[str]:
    return [f for k, f in RENDERERS if k == kind]


def render(kind: str, fmt: str, document: Any, kbase: KnowledgeBase | None = None, output: Path | None = None) -> None:
    """Write `document` (a `kind` of document) in format `fmt` to stdout, or with `output` to that
    file, whole or not at all (files.write_atomically), as it would reach a file through `>`."""
    if output is None:
        RENDERERS[kind, fmt](document, kbase)
        return
    import contextlib
    import io

    from ..files import write_atomically

    made = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")  # UTF-8, as a file's text is
    with contextlib.redirect_stdout(made):
        RENDERERS[kind, fmt](document, kbase)
    made.flush()
    write_atomically(output, made.buffer.getvalue())  # type: ignore[attr-defined]


def write_lines(lines: Iterable[str]) -> None:
    """JSON Lines made elsewhere, one document a line."""
    for line in lines:
        write_json(line, flush=False)


def write_when_whole(lines: Iterable[bytes], what: str = "the plans of the batch") -> None:
    """Lines of bytes (each without its newline) written to stdout only once the last has been
    made: until then they wait in a temporary file, so that memory stays flat however many there
    are, and nothing is printed when making one of them fails (a batch with a bad line)."""
    import tempfile

    from ..files import temporary_writes
    from ..streams import copy_to_stdout

    with temporary_writes(what):
        spool = tempfile.TemporaryFile()
    with spool:
        block: list[bytes] = []
        size = 0
        for line in lines:
            block.append(line)
            size += len(line)
            if size >= 64 * 1024:  # written in blocks of about 64 KiB: few writes, little held
                block.append(b"")
                with temporary_writes(what):
                    spool.write(b"\n".join(block))
                block.clear()
                size = 0
        block.append(b"")
        with temporary_writes(what):
            spool.write(b"\n".join(block))
            spool.flush()
        spool.seek(0)
        copy_to_stdout(spool)


def render_batch(kind: str, fmt: str, documents: Iterable[Any], kbase: KnowledgeBase | None = None) -> None:
    """Documents one after another: JSON Lines (each list that recurs serialised once), or views
    divided by a rule."""
    if fmt == "json":
        write_lines(map(JsonLines(), documents))
        return
    from . import text

    console = text.stdout_console()
    view = {"plan": text.plan_view}[kind]
    for doc in documents:
        console.print(view(doc, kbase))
        console.rule()
