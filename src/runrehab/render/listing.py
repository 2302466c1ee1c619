"""`runrehab history` written as it is read (history.listing), a plan and a check-in at a time,
so that a long history never stands whole in memory: JSON (the text the HistoryDoc document
would give), text (a plan at a time) and CSV (a row per reading, for a spreadsheet)."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..documents.as_json import to_data

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

# what json.dumps(to_data(HistoryEntry)) holds, in its order; `checkins` comes last
ENTRY_FIELDS = ("plan", "current", "kb_version", "status", "current_level", "since", "why")


class _Buffered:
    """Pieces of text written to stdout in blocks of about 64 KiB."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= 1 << 16:
            self.flush()

    def flush(self) -> None:
        from ..streams import json_text

        sys.stdout.write(json_text("".join(self.pieces)))
        self.pieces, self.size = [], 0


def _dumped(value: Any, level: int) -> str:
    return json.dumps(to_data(value), ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


def _streamed(fields: dict[str, Any], key: str, items: Iterable[Any], level: int,
              each: Any = None) -> Iterator[str]:
    """The text of an object of `fields` then `key`: `items`, as json.dumps(indent=2) lays it out
    at `level` of indentation, a piece at a time; `each` turns an item into its pieces (default:
    the item is JSON text already, written on one line)."""
    pad = "  " * (level + 1)
    yield "{"
    for name, value in fields.items():
        yield f"\n{pad}{json.dumps(name)}: {_dumped(value, level + 1)},"
    yield f"\n{pad}{json.dumps(key)}: ["
    first = True
    for item in items:
        yield f"{'' if first else ','}\n{pad}  "
        first = False
        if each is None:
            yield item
        else:
            yield from each(item, level + 2)
    yield ("]" if first else f"\n{pad}]") + f"\n{'  ' * level}}}"


def history_json(listing: Any, kbase: KnowledgeBase | None) -> None:
    """The HistoryDoc document, each check-in on a line of its own, as the history keeps it."""
    from ..documents.kinds import SCHEMA_VERSION

    def entry(e: Any, level: int) -> Iterator[str]:
        fields = dict(zip(ENTRY_FIELDS, (e.stored.document, e.stored.current, e.stored.kb_version, e.status,
                                         e.current_level, e.since, e.why)))
        return _streamed(fields, "checkins", e.texts(), level)

    out = _Buffered()
    for piece in _streamed({"schema_version": SCHEMA_VERSION, "path": str(listing.path)}, "plans", listing.entries,
                           0, entry):
        out.write(piece)
    out.write("\n")
    out.flush()
    sys.stdout.flush()


def history_text(listing: Any, kbase: KnowledgeBase) -> None:
    from .text import stdout_console
    from .timeline import NO_PLANS, plan_history_view

    console = stdout_console()
    if not listing.entries:
        sys.stdout.write(NO_PLANS + "\n")
    for e in listing.entries:
        with console.capture() as captured:
            console.print(plan_history_view(e.stored.document, e.stored.current, e.status, e.current_level,
                                            e.since, e.why, e.checkins(), kbase))
        # rich pads every line to the width; a file or a pipe gets the text without the padding
        sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    sys.stdout.flush()


# `history --format csv`: one row per reading, oldest first within each plan (README lists them)
CSV_COLUMNS = ("symptom", "plan_date", "plan_status", "kind", "date", "day", "pain_score", "progress", "decision",
               "triage_level", "exercise", "sets", "reps", "seconds", "pain_during")


def csv_rows(listing: Any) -> Iterator[dict[str, Any]]:
    """Every plan's triage, check-ins and logged exercises as rows of CSV_COLUMNS."""
    import datetime as dt

    for e in listing.entries:
        plan = e.stored.document
        base = {"symptom": plan["symptom"], "plan_date": plan["date"], "plan_status": e.status}
        start = dt.date.fromisoformat(plan["date"])
        yield {**base, "kind": "triage", "date": plan["date"], "day": 0, "pain_score": plan["answers"].get("pain_score"),
               "triage_level": plan["triage_level"]}
        for c in e.checkins():
            yield {**base, "kind": "check-in", "date": c["date"], "day": c["day"], "pain_score": c["pain_score"],
                   "progress": c["progress"], "decision": c["decision"], "triage_level": c["triage_level"]}
        for log in e.logs():
            yield {**base, "kind": "session", "date": log["date"],
                   "day": (dt.date.fromisoformat(log["date"]) - start).days, "exercise": log["exercise"],
                   "sets": log["sets"], "reps": log["reps"], "seconds": log["seconds"],
                   "pain_during": log["pain_during"]}


def history_csv(listing: Any, kbase: KnowledgeBase | None) -> None:
    """RFC 4180 CSV with a header row; an empty cell where a reading has no such value."""
    import csv

    from ..safe_text import visible

    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in csv_rows(listing):
        writer.writerow({k: visible(v) if isinstance(v, str) else v for k, v in row.items()})
    sys.stdout.flush()
