"""The `runrehab` command. `runrehab --version` is answered before the command-line library loads."""
from __future__ import annotations

import sys

from . import version_line
from .streams import guarded_output


def main() -> None:
    with guarded_output():
        if sys.argv[1:] == ["--version"]:
            sys.stdout.write(version_line() + "\n")
            return
        from . import cli

        cli.main()
