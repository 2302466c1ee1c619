"""Running the command line: every command module registers its commands on the one app
(commands.app), in the order `--help` lists them, and `main` runs the one named."""
from __future__ import annotations

import typer

from .app import app

# isort: off
from . import plans, lookups, followup, settings, exchange  # noqa: F401, E402  (each registers its commands, in this order)
# isort: on


def main() -> None:
    """Run a command (entry.main prepares the streams and ends failed output).

    typer turns every registered command into a click command at each start, reading each
    signature: when the first argument names a command, only that one is built (the rest could
    not run anyway). Anything else (help, completion, a mistyped name) gets the whole app."""
    import copy
    import os
    import sys

    wanted = sys.argv[1] if len(sys.argv) > 1 else None
    only = [c for c in app.registered_commands if _command_name(c) == wanted]
    if "_RUNREHAB_COMPLETE" in os.environ:
        from .completion import prepare

        prepare()
    if not only or "_RUNREHAB_COMPLETE" in os.environ:
        app(prog_name="runrehab")
        return
    lean = copy.copy(app)
    lean.registered_commands = only
    lean(prog_name="runrehab")


def _command_name(info: typer.models.CommandInfo) -> str | None:
    from typer.main import get_command_name

    return info.name or (get_command_name(info.callback.__name__) if info.callback else None)
