"""The guided session at a real terminal: engine/sessions.py's steps one at a time, with countdowns
against the monotonic clock, single-key controls, and each exercise logged as soon as it is done."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..records import Record
    from ..rules.kb import KnowledgeBase


TIME_SCALE_VAR = "RUNREHAB_TIME_SCALE"  # real seconds per session second (tests run whole sessions fast)
TICK = 0.25  # how often a countdown redraws, in real seconds
KEYS_HELP = "Enter go on · s skip exercise · p pause · q end · x pain or symptoms"


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


class Ended(Exception):
    """The runner pressed q: the session ends, keeping what was done."""


class Skipped(Exception):
    """The runner pressed s, or stopped the exercise: on to the next one."""


class Coach:
    """One session at the terminal, following the session document's steps."""

    def __init__(self, doc: Record, keys: Keys, console: Any, scale: float):
        self.doc, self.keys, self.console, self.scale = doc, keys, console, scale
        self.pain: int | None = None
        self.stopped = self.ended = False

    def say(self, text: str, style: str = "") -> None:
        from ..render.text import Text

        self.console.print(Text(text, style=style))

    def key(self, timeout: float | None = None) -> str | None:
        """A key, acting at once on those that leave the step (s, q, x); None after `timeout`."""
        pressed = self.keys.get(timeout)
        if pressed == "q":
            raise Ended
        if pressed == "s":
            self.say("Skipped.", "yellow")
            raise Skipped
        if pressed == "x":
            self.symptoms()
        return pressed

    def wait_enter(self, text: str) -> None:
        self.say(text, "bold")
        while self.key() not in ("enter", "p"):
            pass

    def symptoms(self) -> None:
        """Pain or a stop sign came on: above the plan's limit the exercise ends with its advice."""
        limit = self.doc.pain_limit
        pain = ask_pain(self.keys, self.console, "Pain or symptoms now")
        self.pain = max(pain, self.pain or 0)
        if pain > limit:
            self.stopped = True
            self.say("Stop this exercise." + (f" More than {limit}/10 is more than the plan allows." if limit else
                                              " The plan stops any exercise that brings on your symptoms."), "bold red")
            for text in self.doc.stop_if:
                self.say(f"  • {text}")
            self.say("If something new and serious has come on, stop the session and run `runrehab checkin`.", "bold")
            raise Skipped
        self.say(f"Within the plan's limit ({limit}/10): carry on if it settles by tomorrow morning.", "green")

    def countdown(self, label: str, seconds: int, *, rest: bool = False) -> int:
        """Count `seconds` down against the monotonic clock; the seconds reached. Enter ends it
        early (a rest is skipped), p pauses until Enter or p."""
        import time

        from rich.progress import BarColumn, Progress, TextColumn

        columns = (TextColumn("{task.description}"), BarColumn(bar_width=None), TextColumn("{task.fields[left]:>4}"))
        start = time.monotonic()
        end = start + seconds * self.scale
        paused, stopped = 0.0, self.keys.stopped
        with Progress(*columns, console=self.console, auto_refresh=False, transient=rest) as bar:
            task = bar.add_task(label, total=seconds, left=f"{seconds}s")
            while (now := time.monotonic()) < end:
                done = (now - start - paused) / self.scale
                bar.update(task, completed=done, left=f"{max(seconds - int(done), 0)}s")
                bar.refresh()
                pressed = self.key(min(TICK, end - now))
                if self.keys.stopped > stopped:  # stopped (Ctrl-Z) meanwhile: that time is no hold
                    paused, end = paused + self.keys.stopped - stopped, end + self.keys.stopped - stopped
                    stopped = self.keys.stopped
                if pressed == "enter":
                    return min(int((time.monotonic() - start - paused) / self.scale), seconds)
                if pressed == "p":
                    began = time.monotonic()
                    bar.update(task, description=f"{label} (paused: Enter or p)")
                    bar.refresh()
                    while self.key() not in ("enter", "p"):
                        pass
                    stopped_for = time.monotonic() - began
                    paused, end = paused + stopped_for, end + stopped_for
                    stopped = self.keys.stopped  # a stop during the pause is in it already
                    bar.update(task, description=label)
            bar.update(task, completed=seconds, left="0s")
            bar.refresh()
        if not rest and self.console.is_terminal:
            self.console.bell()
        return seconds

    def counted(self, step: Record) -> int:
        """Count each repetition of a set at its tempo, a second at a time ("Rep 1/12: up 1-2-3,
        hold 1-2, down 1-2-3"); the repetitions finished. Enter ends the set early; p pauses."""
        from ..engine.sessions import tempo_phases

        phases = tempo_phases(step.tempo)
        for rep in range(1, step.target + 1):
            self.console.print(f"  Rep {rep}/{step.target}:", end="")
            for n, (phase, seconds) in enumerate(phases):
                self.console.print(("," if n else "") + f" {phase} ", end="")
                for k in range(1, seconds + 1):
                    pressed = self.key(self.scale)
                    while pressed == "p":
                        pressed = None if self.key() in ("enter", "p") else "p"
                    self.console.print(f"{k}" + ("-" if k < seconds else ""), end="")
                    if pressed == "enter":
                        self.console.print()
                        return rep - 1
            self.console.print()
        return step.target

    def exercise(self, number: int, item: Record, steps: list[Record], kbase: KnowledgeBase) -> dict[str, Any] | None:
        """Coach one exercise; what was done as a log entry (None when nothing was)."""
        from ..render.words import dose_text

        self.pain, self.stopped = None, False
        exercise = kbase.exercises[item.exercise]
        self.say(f"\n{number}/{len(self.doc.exercises)}  {item.name}", "bold underline")
        first = next(s for s in steps if s.kind not in ("rest", "walk"))
        label = "run" if item.dose.run_seconds else first.kind  # graded running: a run, then a walk
        amount = (f"{first.target} repetitions" if first.target else "as described") if first.kind == "reps" \
            else f"{first.target} s {label}"
        sides = ", each side" if first.side else ""
        self.say(f"Today: {max(s.set for s in steps)} set(s), {amount}{sides} (plan: {dose_text(item.dose)})")
        for i, step in enumerate(exercise.instructions, 1):
            self.say(f"  {i}. {step}")
        if self.doc.stop_if:
            self.say("Watch for (press x):", "bold")
            for text in self.doc.stop_if:
                self.say(f"  • {text}")
        sets = max(s.set for s in steps)
        sets_done, sides, reached = 0, set(), []
        try:
            for i, step in enumerate(steps):
                if step.kind == "rest":
                    self.countdown("Rest (Enter skips)", step.seconds, rest=True)
                    continue
                where = f"Set {step.set}/{sets}" + (f" {step.side}" if step.side else "")
                if step.kind == "walk":  # graded running: the walk after each run ends its set
                    self.countdown(f"{where}: walk (Enter skips)", step.seconds, rest=True)
                elif step.kind == "reps" and step.tempo:
                    self.wait_enter(f"{where}: {step.target} repetitions, counted; Enter to start (Enter again ends the set)")
                    reached.append(self.counted(step))
                elif step.kind == "reps":
                    what = f"{step.target} repetitions" if step.target else "as described"
                    self.wait_enter(f"{where}: {what}, then Enter")
                    if step.target:
                        reached.append(step.target)
                else:
                    self.wait_enter(f"{where}: Enter to start the {step.target} s {label}")
                    reached.append(self.countdown(where, step.seconds))
                if step.side:
                    sides.add(step.side)
                after = steps[i + 1] if i + 1 < len(steps) else None
                if after is None or after.set != step.set:
                    sets_done = step.set
                elif step.side and after.side and after.side != step.side:
                    self.say("Switch sides.", "bold cyan")
        except Skipped:
            pass
        except Ended:
            self.ended = True  # what this exercise got through is still kept
        if sets_done == 0 and not self.stopped:
            return None
        timed = steps[0].kind in ("hold", "duration")
        return {"exercise": item.exercise, "date": self.doc.date.isoformat(), "sets": sets_done,
                "sides": sorted(sides), "seconds": min(reached) if timed and reached else None,
                "reps": min(reached) if not timed and reached else None, "pain_during": self.pain,
                "stopped": self.stopped}


def ask_pain(keys: Keys, console: Any, what: str) -> int:
    """A pain score 0-10, asked until it is one."""
    from ..render.text import Text

    while True:
        raw = keys.line(console, f"{what} (0-10): ").strip()
        if raw.isdigit() and 0 <= int(raw) <= 10:
            return int(raw)
        console.print(Text(f"  {raw[:20]!r} is not a score (allowed: a whole number 0-10)", style="red"))


def coach(doc: Record, kbase: KnowledgeBase, log: Any) -> None:
    """The session at the terminal: each exercise coached and logged as soon as it is done
    (`log.done(entry)` gives its id), then how each felt (`log.felt(id, pain)`) and a summary.
    q ends early; Ctrl-C (exit 130) and end of input (exit 1) keep what was done."""
    from ..errors import ExitCode, RunrehabError
    from ..render.text import stderr_console, stdout_console
    from .interview import ANSWER_LIMIT, TooLong

    scale = time_scale()
    console = stderr_console()
    done: list[tuple[int, dict[str, Any], str]] = []
    with Keys() as keys:
        c = Coach(doc, keys, console, scale)
        c.say(f"Session for {doc.symptom}, {doc.date}: {len(doc.exercises)} exercise(s).", "bold")
        c.say(f"Keys: {KEYS_HELP}. Ctrl-C ends too.")
        c.say("If something new and serious comes on, stop and run `runrehab checkin`.", "bold")
        try:
            for n, item in enumerate(doc.exercises, 1):
                entry = c.exercise(n, item, [s for s in doc.steps if s.exercise == item.exercise], kbase)
                if entry is not None:
                    done.append((log.done(entry), entry, item.name))
                if c.ended:
                    c.say("Session ended.", "yellow")
                    break
            for i, (log_id, entry, name) in enumerate(done):
                if entry["pain_during"] is None:
                    entry["pain_during"] = ask_pain(keys, console, f"Pain or symptoms during {name}")
                    log.felt(log_id, entry["pain_during"])
                    if entry["pain_during"] > doc.pain_limit:
                        c.say(f"More than the plan allows ({doc.pain_limit}/10): next time stop it when it comes on, "
                              "and tell the next check-in.", "bold red")
        except (KeyboardInterrupt, EOFError, TooLong) as exc:
            console.print()
            why, code = (("interrupted", ExitCode.INTERRUPTED) if isinstance(exc, KeyboardInterrupt)
                         else ("end of input", ExitCode.END_OF_INPUT) if isinstance(exc, EOFError)
                         else (f"an answer of more than {ANSWER_LIMIT} characters", ExitCode.BAD_INPUT))
            raise RunrehabError(f"{why}; {len(done)} exercise(s) done were kept in the history", code) from None
    stdout_console().print(session_summary(doc, [entry for _, entry, _ in done]))


def session_summary(doc: Record, done: list[dict[str, Any]]) -> Any:
    from rich.console import Group
    from rich.table import Table

    from ..render.text import Text

    names = {i.exercise: i.name for i in doc.exercises}
    table = Table()
    for column in ("exercise", "sets", "reached", "pain"):
        table.add_column(column, overflow="fold")
    for e in done:
        reached = f"{e['seconds']} s" if e["seconds"] is not None else f"{e['reps']} reps" if e["reps"] else "-"
        if e["sides"]:
            reached += " " + "+".join(e["sides"])
        pain = "-" if e["pain_during"] is None else f"{e['pain_during']}/10" + (" stopped" if e["stopped"] else "")
        table.add_row(Text(names[e["exercise"]]), str(e["sets"]), Text(reached), pain)
    heading = Text(f"Done on {doc.date}: {len(done)} of {len(doc.exercises)} exercise(s)", style="bold")
    return Group(heading, table) if done else heading
