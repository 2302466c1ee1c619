"""Single keys from the terminal for the guided session, and the time scale tests run it at."""
from __future__ import annotations

from typing import Any


TIME_SCALE_VAR = "RUNREHAB_TIME_SCALE"  # real seconds per session second (tests run whole sessions fast)


def time_scale() -> float:
    import math
    import os

    from ..errors import UsageError

    text = os.environ.get(TIME_SCALE_VAR, "1")
    try:
        scale = float(text)
        if not (math.isfinite(scale) and 0 < scale <= 10):
            raise ValueError
    except ValueError:
        raise UsageError(f"{TIME_SCALE_VAR}: {text[:40]!r} is not a time scale (allowed: a number above 0, up to 10;"
                         " 1 is real time)") from None
    return scale


class Keys:
    """Single key presses from the terminal, unechoed (cbreak: Ctrl-C still interrupts). Ctrl-Z
    gives the terminal back as it was before stopping, and takes it again on `fg`; `stopped`
    counts the seconds spent stopped, which no countdown counts."""

    def __init__(self) -> None:
        import sys

        self.fd = sys.stdin.fileno()
        self.stopped = 0.0

    def __enter__(self) -> Keys:
        import signal
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        self._handler = signal.signal(signal.SIGTSTP, self._stop)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal
        import termios

        signal.signal(signal.SIGTSTP, self._handler)
        termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def _stop(self, *_: object) -> None:
        """Ctrl-Z: the terminal as it was, stopped as Ctrl-Z stops any program, then (on `fg`,
        which a shell may have left in its own mode) the terminal as this session had it."""
        import os
        import signal
        import termios
        import time

        mode = termios.tcgetattr(self.fd)
        termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
        began = time.monotonic()
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        try:
            os.kill(os.getpid(), signal.SIGTSTP)  # stopped here until continued
        finally:
            signal.signal(signal.SIGTSTP, self._stop)
            self.stopped += time.monotonic() - began
            termios.tcsetattr(self.fd, termios.TCSADRAIN, mode)

    def get(self, timeout: float | None = None) -> str | None:
        """The next key ("enter", a letter), None when `timeout` passed first; EOFError at end of input."""
        import os
        import select

        if not select.select([self.fd], [], [], timeout)[0]:
            return None
        data = os.read(self.fd, 1)
        if data in (b"", b"\x04"):  # closed, or Ctrl-D (which cbreak mode passes through as a byte)
            raise EOFError
        return "enter" if data in (b"\r", b"\n") else data.decode("latin-1").lower()

    def line(self, console: Any, prompt: str) -> str:
        """A line typed with echo, for the pain scores."""
        import termios

        from ..render.text import Text
        from .interview import typed

        cbreak = termios.tcgetattr(self.fd)
        termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
        try:
            return typed(console, Text(prompt))
        finally:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, cbreak)
