"""What can go wrong, and the exit status each failure ends with.

Every failure the domain foresees is a RunrehabError carrying its exit code; the command layer
reports it in one place (commands.app.guarded) as one line on stderr, or a rule base's problems one a line.
"""
from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from .safe_text import visible


class ExitCode(IntEnum):
    """The contract's exit statuses, named for what they mean (some share a number)."""

    OK = 0
    NOT_FOUND = 1  # no such exercise
    NOTHING_TO_ACT_ON = 1  # no plan yet
    END_OF_INPUT = 1  # stdin ended at a prompt
    BAD_INPUT = 2  # bad usage, bad answers, an invalid rule base, a damaged history
    LEVEL_REACHED = 3  # the triage level named by --fail-on was reached
    INTERRUPTED = 130

    # Shown as its number on every Python (3.10 showed an IntEnum as "ExitCode.BAD_INPUT").
    __str__ = int.__repr__
    __format__ = int.__format__


class RunrehabError(Exception):
    """A failure with a message a user can act on, and the exit status it ends the run with."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, exit_code: ExitCode | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    def report(self) -> list[str]:
        """The lines for stderr, shown as text (what they quote cannot act on the terminal)."""
        return [f"runrehab: error: {visible(str(self))}"]


class UsageError(RunrehabError):
    """An option or argument that cannot be used; the message names it and what is allowed."""


class NotFound(RunrehabError):
    """Something asked for by name or id that is not there."""

    exit_code = ExitCode.NOT_FOUND


class NothingToActOn(RunrehabError):
    """A command that needs a stored plan, run before there is one."""

    exit_code = ExitCode.NOTHING_TO_ACT_ON


class AnswerError(RunrehabError, ValueError):
    """An answer that cannot be used; the message names the question, the value and what is allowed."""


class MissingAnswers(AnswerError):
    def __init__(self, ids: list[str]):
        self.ids = ids
        super().__init__(f"missing answers for: {', '.join(ids)} (give them with --answers or -a ID=VALUE)")


class AnswersFileError(RunrehabError, ValueError):
    """An answers file that cannot be used; the message names the file or line and what was wrong."""


class FileRefused(RunrehabError, ValueError):
    """A path that is not the kind of file needed, cannot be opened, or is too large."""


class HistoryError(RunrehabError):
    """A history file that cannot be used; the message names the path and the reason."""


class KbError(RunrehabError):
    """A rule base that cannot be used; carries every problem found (rules.yaml_source.Problem)."""

    def __init__(self, problems: Sequence[Any]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        super().__init__(str(errors[0]) + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))

    def report(self) -> list[str]:
        return [str(p) for p in self.problems if p.severity == "error"]
