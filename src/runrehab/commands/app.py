"""What every command shares: the typer app, one-line messages, and the guard that turns the
domain's errors into the contract's exit codes."""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, Optional, TypeVar

import typer

from .. import collector, version_line
from ..errors import ExitCode, RunrehabError

app = typer.Typer(
    name="runrehab",
    help="Turn a runner's symptoms into a safe, concrete exercise plan. Not a diagnosis.",
    no_args_is_help=True,
    add_completion=False,  # commands/completion.py: --show-completion takes the shell it is for
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def say(message: str) -> None:
    """One line on stderr, shown as text (what it quotes from files or arguments cannot act on
    the terminal)."""
    from ..safe_text import visible

    sys.stderr.write(f"runrehab: {visible(message)}\n")


def hint(message: str, quiet: bool) -> None:
    """A hint on stderr (where something was saved, what to run next), left out with --quiet."""
    if not quiet:
        say(message)


def guarded(command: F) -> F:
    """Turn the domain's errors into one-line messages and the contract's exit codes."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..streams import start_saving

        collector.release()  # start-up is over: what it made stays to the end (runrehab.collector)
        start_saving()
        try:
            return command(*args, **kwargs)
        except RunrehabError as exc:
            for line in exc.report():
                sys.stderr.write(line + "\n")
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:  # what the checks above did not foresee is still one line
            from ..files import shorten, why_not

            where = f": {shorten(str(exc.filename))}" if exc.filename else ""
            say(f"error: {why_not(exc)}{where}")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except KeyboardInterrupt:
            from ..streams import saved_so_far

            if sys.stderr.isatty():  # the terminal echoed ^C where the cursor was: start a new line
                sys.stderr.write("\n")
            saved = saved_so_far()  # what the history committed before the interrupt, if anything
            say(f"interrupted; {saved}" if saved == "nothing was saved" else f"interrupted, but {saved}")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except EOFError:
            say("end of input before the interview was finished; nothing was saved")
            raise typer.Exit(ExitCode.END_OF_INPUT) from None
    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line() + "\n")
        raise typer.Exit()


def _install_completion(value: bool) -> None:
    from .completion import install_script

    install_script(value)


@guarded
def _show_completion(value: Optional[str]) -> None:
    from .completion import show_script

    show_script(value)


def _shells(incomplete: str) -> list[tuple[str, str]]:
    from .completion import shells

    return shells(incomplete)


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    install_completion: Annotated[bool, typer.Option(
        "--install-completion", callback=_install_completion, is_eager=True, expose_value=False,
        help="Install completion for the current shell.")] = False,
    show_completion: Annotated[Optional[str], typer.Option(
        "--show-completion", metavar="SHELL", callback=_show_completion, is_eager=True, expose_value=False,
        autocompletion=_shells, help="Print the completion script of SHELL (bash, zsh, fish, powershell, pwsh).")] = None,
) -> None:
    """Turn a runner's symptoms into a safe, concrete exercise plan. Not a diagnosis."""
