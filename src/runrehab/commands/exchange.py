"""The history in and out: `export` (every plan, check-in and session log as one versioned JSON
document with stable ids), `import` (merging such a document by id) and undoing the last check-in
(`checkin --undo`). Each parses its options, makes one call into history.exchange or
history.chain and says what it did (the same shape as commands/followup.py)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Callable

import typer

from ..errors import NothingToActOn, UsageError
from .app import app, guarded, say
from .options import DbOption, OutputOption, examples


@app.command(name="export", epilog=examples("export"))
@guarded
def export_history(output: OutputOption = None, db: DbOption = None) -> None:
    """The whole history (plans, check-ins, session logs) as one versioned JSON document with stable ids."""
    from ..history.exchange import exported
    from ..history.store import History
    from ..render import render

    with History.open(db) as store:
        document = exported(store)
    render("export", "json", document, output=output)


@app.command(name="import", epilog=examples("import"))
@guarded
def import_history(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="An export of runrehab; - reads stdin.")],
    db: DbOption = None,
) -> None:
    """Merge an export by id: importing the same file twice changes nothing; a damaged or foreign file is refused whole."""
    from ..history.exchange import checked_export, merge, read_export
    from ..history.store import History

    plans = checked_export(read_export(file))
    with History.open(db) as store:
        added = merge(store, plans)
    if not any(added.values()):
        say(f"nothing new to import: {store.path} already holds everything in it")
    else:
        say(f"imported {added['plans']} plan(s), {added['checkins']} check-in(s) and {added['sessions']} session "
            f"log(s) into {store.path}")


def undo_checkin(db: Path | None, symptom: str | None, yes: bool, kbase: Any,
                 confirm: Callable[[str], bool] | None = None) -> None:
    """`checkin --undo`: remove the current plan's check-in saved last, after confirmation.

    Args:
        db: the history file (--db; default: the user's).
        symptom: the plan's symptom (--symptom); without it, the only plan running.
        yes: remove it without asking (--yes); without it and without a terminal, refused.
        kbase: the rule base the plan is read against.
        confirm: asks the runner (default: terminal.interview.confirm).
    """
    from ..history.chain import undo_last
    from ..history.tracking import current

    now = current(db, symptom, kbase)
    with now.history:
        last = now.history._rows("SELECT date FROM checkins WHERE plan_id = ? ORDER BY saved_at DESC, id DESC LIMIT 1",
                                 (now.stored.id,))
        if not last:
            raise NothingToActOn(f"no check-in to undo on the {now.plan.symptom} plan of {now.plan.date}")
        what = f"the check-in of {last[0]['date']} on the {now.plan.symptom} plan of {now.plan.date}"
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError("checkin --undo: no terminal to confirm at; add --yes to remove it without asking")
            if confirm is None:
                from ..terminal.interview import confirm
            if not confirm(f"Remove {what} from {now.history.path}? This cannot be undone."):
                say("nothing was removed")
                return
        undo_last(now.history, now.stored.id)
    say(f"removed {what}; check in again with `runrehab checkin` to correct it")
