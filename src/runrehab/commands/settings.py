"""`runrehab settings`: what the runner tells runrehab once and it keeps (history/settings.py),
for now the days they run, on which the calendar puts work done "several times a week"."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from .app import app, guarded, say


@app.command(epilog="Examples: `runrehab settings`; `runrehab settings --run-days mon,wed,sat`; "
                    "`runrehab settings --run-days none`.")
@guarded
def settings(
    run_days: Annotated[Optional[str], typer.Option(
        "--run-days", metavar="DAYS",
        help="The days you run, comma-separated (mon,tue,wed,thu,fri,sat,sun), or none: the calendar "
             "puts work done several times a week on them.")] = None,
) -> None:
    """Show or set what runrehab keeps about you: the days you run."""
    from ..history.settings import Settings, parse_run_days, read_settings, settings_path, write_settings

    path = settings_path()
    if run_days is not None:
        write_settings(Settings(parse_run_days(run_days)), path)
        say(f"settings saved to {path}; export the calendar again (`runrehab plan --format ics`) to update it")
    days = read_settings(path).run_days
    sys.stdout.write(f"run days: {','.join(days) if days else 'not set (runrehab settings --run-days mon,wed,sat)'}\n")
