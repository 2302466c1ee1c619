"""A countdown at the terminal against the monotonic clock: a bar redrawn in place, or, where the
terminal cannot redraw (TERM=dumb), a line every few seconds. Enter ends it early, p pauses it, x
asks about pain or symptoms with the bar put away first, and the time stopped or spent answering
is no part of a hold."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .coach import Coach

TICK = 0.25  # how often a countdown redraws, in real seconds
PLAIN_EVERY = 5  # session seconds between the lines of a countdown on a terminal that cannot redraw


def clock_words(seconds: int) -> str:
    """Seconds as a countdown shows what is left: "45s", "4:05" from a minute up."""
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds}s"


class _Bar:
    """The bar of one countdown (rich's Progress), or plain lines where the terminal cannot redraw."""

    def __init__(self, coach: Coach, label: str, seconds: int, rest: bool):
        self.coach, self.label, self.seconds, self.rest = coach, label, seconds, rest
        self.plain = coach.console.is_dumb_terminal or not coach.console.is_terminal
        self.shown = -1  # the mark last shown
        self.progress: Any = None

    def start(self) -> None:
        if self.plain:
            return
        from rich.progress import BarColumn, Progress, TextColumn

        columns = (TextColumn("{task.description}"), BarColumn(bar_width=None), TextColumn("{task.fields[left]:>5}"))
        self.progress = Progress(*columns, console=self.coach.console, auto_refresh=False, transient=self.rest)
        self.progress.start()
        self.task = self.progress.add_task(self.label, total=self.seconds, left=clock_words(self.seconds))

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def show(self, done: float, note: str = "") -> None:
        left = max(self.seconds - int(done), 0)
        if self.plain:  # a line at each multiple of PLAIN_EVERY seconds left, and at the end
            mark = -(-left // PLAIN_EVERY) * PLAIN_EVERY if left else 0
            if mark != self.shown or note:
                self.shown = mark
                self.coach.say(f"{self.label}{note}: {clock_words(mark)} left")
            return
        if self.progress is None:
            self.start()
        self.progress.update(self.task, completed=min(done, self.seconds), left=clock_words(left),
                             description=self.label + note)
        self.progress.refresh()


def countdown(coach: Coach, label: str, seconds: int, *, rest: bool = False) -> int:
    """Count `seconds` down; the seconds reached. Enter ends it early (a rest is skipped), p
    pauses until Enter or p, x asks about symptoms (coach.symptoms) with the bar put away."""
    import time

    keys, scale = coach.keys, coach.scale
    start = time.monotonic()
    end = start + seconds * scale
    paused, stopped = 0.0, keys.stopped
    bar = _Bar(coach, label, seconds, rest)
    bar.start()

    def held_for(began: float) -> None:
        nonlocal paused, end, stopped
        stopped_for = time.monotonic() - began
        paused, end = paused + stopped_for, end + stopped_for
        stopped = keys.stopped  # a stop meanwhile is in it already

    try:
        while (now := time.monotonic()) < end:
            bar.show((now - start - paused) / scale)
            pressed = coach.key(min(TICK, end - now), symptoms=False)
            if keys.stopped > stopped:  # stopped (Ctrl-Z) meanwhile: that time is no hold
                paused, end = paused + keys.stopped - stopped, end + keys.stopped - stopped
                stopped = keys.stopped
            if pressed == "enter":
                return min(int((time.monotonic() - start - paused) / scale), seconds)
            if pressed == "p":
                began = time.monotonic()
                bar.show((began - start - paused) / scale, " (paused: Enter or p)")
                while coach.key(symptoms=False) not in ("enter", "p"):
                    pass
                held_for(began)
            elif pressed in ("x", "w"):
                began = time.monotonic()
                bar.stop()  # the question is asked below the bar, never under it
                coach.symptoms() if pressed == "x" else coach.warning_signs()
                held_for(began)
                bar.start()
        bar.show(seconds)
    finally:
        bar.stop()
    if not rest and coach.console.is_terminal:
        coach.console.bell()
    return seconds
