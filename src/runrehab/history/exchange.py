"""The whole history in and out (documents.export.ExportDoc): `export` writes every plan with
its check-ins and logged exercises under their stable ids; `import` checks a whole file before it
writes a row, then merges it by id in one transaction, so that importing the same file twice
changes nothing and a damaged or foreign file changes nothing either."""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ..documents.export import EXPORT_FORMAT
from ..documents.vocabulary import SCHEMA_VERSION
from ..errors import HistoryError, UsageError
from .chain import relink
from .listing import checkin_rows
from .store import History

IMPORT_LIMIT = 1 << 28  # 256 MiB: a check-in a day for decades is a few tens of megabytes
_UID = re.compile(r"[0-9a-f]{32}")


def exported(history: History) -> dict[str, Any]:
    """The export document of `history` (every row checked first, as `history` checks them)."""
    if not history.upgraded():  # a history made before stable ids gets them now
        raise HistoryError(f"history {history.path}: made by an earlier runrehab and cannot be written, so its "
                           "rows have no stable ids to export; copy it somewhere writable and export that")
    plans = []
    for p in history.plans():
        row = history._rows("SELECT uid, saved_at FROM plans WHERE id = ?", (p.id,))[0]
        checkins = [{"id": c["uid"], "saved_at": c["saved_at"], "answers": _answers(history, c),
                     "document": json.loads(c["document"])} for c in checkin_rows(history, p.id)]
        sessions = [{"id": s["uid"], "saved_at": s["saved_at"], "entry": log.entry}
                    for log in history.exercises_logged(dt.date.min, dt.date.max, p.id)
                    for s in history._rows("SELECT uid, saved_at FROM exercise_logs WHERE id = ?", (log.id,))]
        plans.append({"id": row["uid"], "saved_at": row["saved_at"], "current": p.current, "kb_version": p.kb_version,
                      "kb_hash": p.kb_hash, "document": p.document, "checkins": checkins, "sessions": sessions})
    return {"schema_version": SCHEMA_VERSION, "format": EXPORT_FORMAT, "plans": plans}


def _answers(history: History, row: Any) -> Any:
    try:
        answers = json.loads(row["answers"])
        if isinstance(answers, dict):
            return answers
    except (TypeError, ValueError, RecursionError):
        pass
    raise HistoryError(f"history {history.path}: damaged: check-in {row['id']!r} has answers that are not a mapping")


# ------------------------------------------------------------------ import


class _Refused(Exception):
    pass


def _check(ok: bool, where: str, why: str) -> None:
    if not ok:
        raise _Refused(f"{where}: {why}")


def _object(value: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    _check(isinstance(value, dict), where, "expected an object")
    missing = [k for k in keys if k not in value]
    _check(not missing, where, f"has no {missing[0] if missing else ''}")
    unknown = [k for k in value if k not in keys]
    _check(not unknown, where, f"{str(unknown[0])[:40]!r} is not a field of it" if unknown else "")
    return value


def _saved(value: Any, where: str) -> None:
    try:
        dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Refused(f"{where}.saved_at: {str(value)[:40]!r} is not a date and time") from None


def checked_export(data: Any) -> list[dict[str, Any]]:
    """The plans of an export document, every part checked as the history checks its own rows;
    UsageError naming the first place that is wrong."""
    from ..documents.stored import checked
    from ..engine.sessions import checked_entry

    try:
        _check(isinstance(data, dict) and data.get("format") == EXPORT_FORMAT, "the file",
               "not a runrehab export (no \"format\": \"runrehab-export\")")
        version = data.get("schema_version")
        _check(type(version) is int and version <= SCHEMA_VERSION, "schema_version",
               f"{str(version)[:20]} is not one this runrehab reads (it reads {SCHEMA_VERSION}; a newer runrehab "
               "made it?)")
        _object(data, "the file", ("schema_version", "format", "plans"))
        _check(isinstance(data["plans"], list), "plans", "expected a list")
        seen: set[str] = set()

        def uid(value: Any, where: str) -> None:
            _check(isinstance(value, str) and bool(_UID.fullmatch(value)), f"{where}.id",
                   f"{str(value)[:40]!r} is not an id (32 hexadecimal digits)")
            _check(value not in seen, f"{where}.id", f"{value} is given twice")
            seen.add(value)

        for i, plan in enumerate(data["plans"]):
            at = f"plans[{i}]"
            _object(plan, at, ("id", "saved_at", "current", "kb_version", "kb_hash", "document", "checkins", "sessions"))
            uid(plan["id"], at)
            _saved(plan["saved_at"], at)
            _check(type(plan["current"]) is bool, f"{at}.current", "expected true or false")
            for key in ("kb_version", "kb_hash"):
                _check(isinstance(plan[key], str), f"{at}.{key}", "expected text")
            document = _document(checked, "plan", plan["document"], f"{at}.document")
            for key in ("checkins", "sessions"):
                _check(isinstance(plan[key], list), f"{at}.{key}", "expected a list")
            for j, c in enumerate(plan["checkins"]):
                where = f"{at}.checkins[{j}]"
                _object(c, where, ("id", "saved_at", "answers", "document"))
                uid(c["id"], where)
                _saved(c["saved_at"], where)
                _check(isinstance(c["answers"], dict), f"{where}.answers", "expected an object")
                record = _document(checked, "check-in", c["document"], f"{where}.document")
                _check(record.plan_date == document.date and record.date >= document.date, f"{where}.document",
                       f"is not a check-in on the plan of {document.date}")
            for j, s in enumerate(plan["sessions"]):
                where = f"{at}.sessions[{j}]"
                _object(s, where, ("id", "saved_at", "entry"))
                uid(s["id"], where)
                _saved(s["saved_at"], where)
                try:
                    checked_entry(s["entry"])
                except (TypeError, ValueError) as exc:
                    raise _Refused(f"{where}.entry: {exc}") from None
    except _Refused as exc:
        raise UsageError(f"import: {exc}; nothing was imported") from None
    return data["plans"]


def _document(checked: Any, kind: str, value: Any, where: str) -> Any:
    from ..documents.vocabulary import LATEST_DAY

    try:
        _, record = checked(kind, json.dumps(value))
    except (TypeError, ValueError, RecursionError) as exc:
        raise _Refused(f"{where}: {str(exc)[:200]}") from None
    _check(record.date <= LATEST_DAY, where, f"is dated {record.date}, after the last day runrehab takes")
    return record


def merge(history: History, plans: list[dict[str, Any]]) -> dict[str, int]:
    """Add what `plans` (checked_export) holds that the history has not, by id, in one transaction;
    how many plans, check-ins and sessions were added. An id already there with other content is
    refused whole."""
    added = {"plans": 0, "checkins": 0, "sessions": 0}
    with history._writing(f"the import was saved to {history.path}") as conn:
        touched: set[int] = set()
        for plan in plans:
            plan_id = _merged(conn, "plans", plan, json.dumps(plan["document"]), lambda: conn.execute(
                "INSERT INTO plans (symptom, date, saved_at, current, answers, document, kb_version, kb_hash, uid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (plan["document"]["symptom"], plan["document"]["date"], plan["saved_at"], int(plan["current"]),
                 json.dumps(plan["document"]["answers"]), json.dumps(plan["document"]), plan["kb_version"],
                 plan["kb_hash"], plan["id"])), added)
            for c in plan["checkins"]:
                if _merged(conn, "checkins", c, json.dumps(c["document"]), lambda: conn.execute(
                        "INSERT INTO checkins (plan_id, date, saved_at, answers, document, uid) VALUES (?, ?, ?, ?, ?, ?)",
                        (plan_id, c["document"]["date"], c["saved_at"], json.dumps(c["answers"]),
                         json.dumps(c["document"]), c["id"])), added, plan_id):
                    touched.add(plan_id)
            for s in plan["sessions"]:
                _merged(conn, "exercise_logs", s, json.dumps(s["entry"]), lambda: conn.execute(
                    "INSERT INTO exercise_logs (plan_id, date, saved_at, exercise, entry, uid) VALUES (?, ?, ?, ?, ?, ?)",
                    (plan_id, s["entry"]["date"], s["saved_at"], s["entry"]["exercise"], json.dumps(s["entry"]),
                     s["id"])), added, plan_id)
        # one current plan a symptom: the latest made, where the file and the history each have one
        conn.execute("UPDATE plans SET current = 0 WHERE current = 1 AND EXISTS (SELECT 1 FROM plans q WHERE"
                     " q.symptom = plans.symptom AND q.current = 1 AND (q.date, q.saved_at, q.id) >"
                     " (plans.date, plans.saved_at, plans.id))")
        for plan_id in touched:
            relink(history, plan_id)  # the whole plan: the file's check-ins may fall anywhere in it
    return added


_CONTENT = {"plans": "document", "checkins": "document", "exercise_logs": "entry"}
_NAMES = {"plans": "plans", "checkins": "checkins", "exercise_logs": "sessions"}


def _merged(conn: Any, table: str, item: dict[str, Any], content: str, insert: Any, added: dict[str, int],
            plan_id: int | None = None) -> Any:
    """The row id of an imported item, inserted when its id is new.

    Args:
        conn: the history's connection, inside the import's transaction.
        table: the table the item belongs in.
        item: the item as exported; its `id` is the row's uid.
        content: its content as stored, compared with the row already there.
        insert: inserts it and returns the cursor.
        added: the count of rows added by name, counted up here.
        plan_id: for a check-in or a log, the row id of its plan.

    Returns:
        The row id; for a row of a plan (`plan_id` given), whether it was added.

    Raises:
        UsageError: the id is there with other content or under another plan.
    """
    row = conn.execute(f"SELECT id, {_CONTENT[table]} AS content{', plan_id' if plan_id else ''} FROM {table}"
                       " WHERE uid = ?", (item["id"],)).fetchone()
    if row is None:
        cursor = insert()
        added[_NAMES[table]] += 1
        return True if plan_id else int(cursor.lastrowid)
    try:
        same = json.loads(row["content"]) == json.loads(content) and (not plan_id or row["plan_id"] == plan_id)
    except (TypeError, ValueError, RecursionError):
        same = False
    if not same:
        raise UsageError(f"import: {item['id']} is already in the history with other content; nothing was imported")
    return False if plan_id else int(row["id"])


def read_export(spec: str) -> Any:
    """The JSON of `import FILE|-`; UsageError naming what is wrong with it."""
    from ..files import read_json

    return read_json(spec, IMPORT_LIMIT, "import", "; nothing was imported")
