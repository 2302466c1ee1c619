"""The `runrehab` command. `runrehab --version` is answered before the command-line library loads."""
from __future__ import annotations

import gc
import sys

from . import collector, version_line
from .streams import guarded_output


def main() -> None:
    collector.hold()  # until the command begins (commands.app.guarded)
    try:
        with guarded_output():
            if sys.argv[1:] == ["--version"]:
                sys.stdout.write(version_line() + "\n")
                return
            from .commands import run

            run.main()
    finally:
        # What the run made lives until the process ends: the interpreter's last collection at
        # exit need not walk it (about a tenth of a short command's time).
        gc.freeze()
