"""The guided session at a real terminal: engine/sessions.py's steps one at a time, with countdowns
against the monotonic clock, single-key controls, and each exercise logged as soon as it is done."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ExitCode, RunrehabError
from ..safe_text import visible

from ..documents.record import Record
from .keys import Keys, time_scale

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


KEYS_HELP = "Enter go on · s skip exercise · p pause · q end · x pain or symptoms · w warning signs"


class Ended(Exception):
    """The runner pressed q: the session ends, keeping what was done."""


class Skipped(Exception):
    """The runner pressed s, or stopped the exercise: on to the next one."""


class Coach:
    """One session at the terminal, following the session document's steps."""

    def __init__(self, doc: Record, keys: Keys, console: Any, scale: float, signs: list[tuple[str, list[str]]],
                 also: dict[str, list[str]] | None = None):
        self.doc, self.keys, self.console, self.scale, self.signs = doc, keys, console, scale, signs
        self.also = also or {}
        self.pain: int | None = None
        self.stopped = self.ended = False

    def say(self, text: str, style: str = "") -> None:
        from ..render.text import Text

        self.console.print(Text(text, style=style))

    def key(self, timeout: float | None = None, *, symptoms: bool = True) -> str | None:
        """A key, acting at once on those that leave the step (s, q) and, unless a countdown
        handles them itself (`symptoms` False), on x and w; None after `timeout`."""
        pressed = self.keys.get(timeout)
        if pressed == "q":
            raise Ended
        if pressed == "s":
            self.say("Skipped.", "yellow")
            raise Skipped
        if pressed == "x" and symptoms:
            self.symptoms()
        if pressed == "w" and symptoms:
            self.warning_signs()
        return pressed

    def warning_signs(self) -> None:
        """The plan's warning signs, grouped by how soon to get help, one a line."""
        self.say("Stop the session and get help if a warning sign comes on:", "bold")
        for line, signs in self.signs:
            self.say(f"  {line}")
            for sign in signs:
                self.say(f"    - {sign}")

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
            self.say("If something new and serious has come on, stop the session and run `runrehab checkin`; "
                     "w shows the warning signs.", "bold")
            raise Skipped
        self.say(f"Within the plan's limit ({limit}/10): carry on if it settles by tomorrow morning.", "green")

    def countdown(self, label: str, seconds: int, *, rest: bool = False) -> int:
        from .countdown import countdown

        return countdown(self, label, seconds, rest=rest)

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
        """Coach one exercise, the whole dose on one side, then the other; what was done as a log
        entry (None when nothing was, and it was not stopped)."""
        from ..render.words import dose_text, step_words

        self.pain, self.stopped = None, False
        exercise = kbase.exercises[item.exercise]
        self.say(f"\n{number} of {len(self.doc.exercises)}  {item.name}", "bold underline")
        if item.exercise in self.also:
            plans = " and ".join(f"the {s} plan" for s in self.also[item.exercise])
            self.say(f"Done already today for {plans}; this is the {self.doc.symptom} plan's dose of it again "
                     "(s skips it).", "bold yellow")
        work = [s for s in steps if s.kind not in ("rest", "walk")]  # graded running: a run, then a walk
        run = " run" if item.dose.run_seconds else ""
        sets = max(s.set for s in work)
        sides = list(dict.fromkeys(s.side for s in work if s.side))
        each = f" on each side, the {sides[0]} side first" if sides else ""
        amount = step_words(work[0]) + run
        counted = f"{sets} set{'s' if sets > 1 else ''} of {amount}" if work[0].target else amount
        self.say(f"Today: {counted}{each} (plan: {dose_text(item.dose, frequency=False)})")
        for i, step in enumerate(exercise.instructions, 1):
            self.say(f"  {i}. {step}")
        if self.doc.stop_if:
            self.say("Watch for (press x):", "bold")
            for text in self.doc.stop_if:
                self.say(f"  • {text}")
        completed: dict[str | None, int] = {}
        reached: list[int] = []
        try:
            for i, step in enumerate(steps):
                if step.kind == "rest":
                    self.countdown("Rest (Enter skips)", step.seconds, rest=True)
                    continue
                where = f"Set {step.set} of {sets}" + (f" · {step.side} side" if step.side else "")
                if step.kind == "walk":  # graded running: the walk after each run ends its set
                    self.countdown(f"{where}: walk (Enter skips)", step.seconds, rest=True)
                elif step.kind == "reps" and step.tempo:
                    self.wait_enter(f"{where}: {step.target} repetitions, counted; Enter to start (Enter again ends the set)")
                    reached.append(self.counted(step))
                elif step.kind == "reps":
                    self.wait_enter(f"{where}: {step_words(step)}, then Enter")
                    if step.target:
                        reached.append(step.target)
                else:
                    self.wait_enter(f"{where}: Enter to start the {step_words(step)}{run}")
                    reached.append(self.countdown(where, step.seconds))
                completed[step.side] = step.set
                after = next((s for s in steps[i + 1:] if s.kind != "rest"), None)
                if after is not None and after.side != step.side:
                    self.say(f"Switch sides: now the {after.side} side.", "bold cyan")
        except Skipped:
            pass
        except Ended:
            self.ended = True  # what this exercise got through is still kept
        sets_done = max(completed.values(), default=0)
        if sets_done == 0 and not self.stopped:
            return None
        timed = work[0].kind in ("hold", "duration")
        return {"exercise": item.exercise, "date": self.doc.date.isoformat(), "sets": sets_done,
                "sides": sorted(side for side in completed if side), "seconds": min(reached) if timed and reached else None,
                "reps": min(reached) if not timed and reached else None, "pain_during": self.pain,
                "stopped": self.stopped}


def lowered(name: str) -> str:
    """An exercise's name inside a sentence ("the figure-4 stretch")."""
    return name[0].lower() + name[1:]


def ask_pain(keys: Keys, console: Any, what: str) -> int:
    """A pain score 0-10, asked until it is one."""
    from ..render.text import Text

    while True:
        raw = keys.line(console, f"{what} (0-10): ").strip()
        if raw.isdigit() and 0 <= int(raw) <= 10:
            return int(raw)
        console.print(Text(f"  {raw[:20]!r} is not a score (allowed: a whole number 0-10)", style="red"))


def coach(doc: Record, kbase: KnowledgeBase, log: Any, *, signs: list[tuple[str, list[str]]] = (),
          done_before: list[str] = (), ending: str | None = None,
          also: dict[str, list[str]] | None = None) -> tuple[bool, int]:
    """The session at the terminal: the plan's warning signs first (`signs`, again on w); when
    some of its exercises are done already this round (`done_before`), an offer to continue
    after them; each exercise coached and logged as soon as it is done (`log.done(entry)` gives
    its id), saying first when it is done already today for other plans (`also`: id → their
    symptoms), then how each felt (`log.felt(id, pain)`), a summary and `ending` (what comes next).
    Returns whether q ended it early, and how many of its exercises are done this round. Ctrl-C
    (exit 130, reported as stopped) and end of input (exit 1) keep what was done."""
    from ..render.text import stderr_console, stdout_console
    from .interview import ANSWER_LIMIT, TooLong

    scale = time_scale()
    console = stderr_console()
    done: list[tuple[int, dict[str, Any], str]] = []
    items = list(doc.exercises)
    with Keys() as keys:
        c = Coach(doc, keys, console, scale, list(signs), also)
        c.say(f"Session for {doc.symptom}, {doc.date}: {len(doc.exercises)} exercise(s).", "bold")
        c.say(f"Keys: {KEYS_HELP}. Ctrl-C stops too.")
        if signs:
            c.warning_signs()
        try:
            if done_before and len(done_before) < len(items):
                after = next(i for i in items if i.exercise not in done_before)
                if keys.line(console, f"{len(done_before)} of {len(items)} done today: continue from the "
                                      f"{lowered(after.name)}? [Y/n] ").strip().lower() in ("", "y", "yes"):
                    items = [i for i in items if i.exercise not in done_before]
                else:
                    done_before = []
            for item in items:
                n = doc.exercises.index(item) + 1
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
        except KeyboardInterrupt:
            console.print()
            raise Stopped.during(doc, [*done_before, *_counted(done)]) from None
        except (EOFError, TooLong) as exc:
            console.print()
            why, code = (("end of input", ExitCode.END_OF_INPUT) if isinstance(exc, EOFError)
                         else (f"an answer of more than {ANSWER_LIMIT} characters", ExitCode.BAD_INPUT))
            raise RunrehabError(f"{why}; {len(_counted(done))} exercise(s) done were kept in the history", code) from None
    stdout_console().print(session_summary(doc, [entry for _, entry, _ in done], len(done_before)))
    if ending and not c.ended:
        c.say(ending, "bold")
    return c.ended, len(done_before) + len(set(_counted(done)))


def _counted(done: list[tuple[int, dict[str, Any], str]]) -> list[str]:
    """The exercises done: logged with a set or more (one stopped before its first set is kept
    for the check-in, but is not done)."""
    return [entry["exercise"] for _, entry, _ in done if entry["sets"] > 0]


class Stopped(RunrehabError):
    """Ctrl-C during a session: reported as stopped, not as an error (exit 130). `done`: the
    words for what the session stopped had done ("1 of 5 exercise(s) done today were kept...")."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, message: str, done: str = ""):
        super().__init__(message)
        self.done = done

    @classmethod
    def during(cls, doc: Record, done: list[str]) -> Stopped:
        left = [i for i in doc.exercises if i.exercise not in done]
        then = f"; `runrehab session` continues from the {lowered(left[0].name)}" if left else ""
        words = f"{len(set(done))} of {len(doc.exercises)} exercise(s) done today were kept{then}"
        return cls(f"session stopped: {words}", words)

    def report(self) -> list[str]:
        return [f"runrehab: {visible(str(self))}"]


def session_summary(doc: Record, done: list[dict[str, Any]], before: int = 0) -> Any:
    """What this session did, and how many of the day's exercises are done (`before`: done
    earlier this round); an exercise stopped before its first set is shown, not counted."""
    from rich.console import Group
    from rich.table import Table

    from ..render.text import Text
    from ..render.words import step_words

    names = {i.exercise: i.name for i in doc.exercises}
    kinds = {s.exercise: s.kind for s in doc.steps if s.kind != "rest"}
    table = Table()
    for column in ("exercise", "sets", "reached", "pain"):
        table.add_column(column, overflow="fold")
    for e in done:
        target = e["seconds"] if e["seconds"] is not None else e["reps"]
        reached = step_words(Record(kind=kinds[e["exercise"]], target=target)) if target else "-"
        if e["sides"]:
            reached += " each side" if len(e["sides"]) == 2 else f" ({e['sides'][0]} side)"
        pain = "-" if e["pain_during"] is None else f"{e['pain_during']}/10" + (" stopped" if e["stopped"] else "")
        table.add_row(Text(names[e["exercise"]]), str(e["sets"]), Text(reached), pain)
    counted = before + sum(e["sets"] > 0 for e in done)
    heading = Text(f"Done on {doc.date}: {counted} of {len(doc.exercises)} exercise(s)", style="bold")
    return Group(heading, table) if done else heading
