"""The runrehab command line: parse options, call the engine, render, set the exit code.

Documents go to stdout, prompts and messages to stderr. Heavy modules are imported inside the
commands so that `--version` and look-ups start fast.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer

from . import version_line

if TYPE_CHECKING:
    from .kb import KnowledgeBase
    from .models import Question


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1  # also: nothing to act on, end of input at a prompt
    BAD_INPUT = 2  # bad usage, bad answers, an invalid rule base
    INTERRUPTED = 130


class CliError(Exception):
    def __init__(self, message: str, code: ExitCode = ExitCode.BAD_INPUT):
        super().__init__(message)
        self.code = code


app = typer.Typer(
    name="runrehab",
    help="Turn a runner's symptoms into a safe, concrete exercise plan. Not a diagnosis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def shown(value: Any) -> str:
    """A value as quoted in a message: its repr, cut short (an argument may be any size)."""
    from .interview import shown as quoted

    return quoted(value)


def text_option(option: str, value: str | None) -> str | None:
    """Text to keep, refused if the shell passed bytes that are not UTF-8 (they could not be
    stored or printed as text)."""
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CliError(f"{option}: {shown(value)} is not valid UTF-8 text") from None
    return value


def say(message: str) -> None:
    """One line on stderr, shown as text (what it quotes from files or arguments cannot act on
    the terminal)."""
    from .text import visible

    sys.stderr.write(f"runrehab: {visible(message)}\n")


def guarded(command: F) -> F:
    """Turn the domain's errors into one-line messages and the contract's exit codes."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .answers_file import AnswersFileError
        from .files import FileRefused
        from .history import HistoryError
        from .interview import AnswerError
        from .kb import KbError

        try:
            return command(*args, **kwargs)
        except KbError as exc:
            for problem in exc.problems:
                if problem.severity == "error":
                    sys.stderr.write(f"{problem}\n")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except AnswerError as exc:
            say(f"error: {exc}")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except (CliError, HistoryError, AnswersFileError, FileRefused) as exc:
            say(f"error: {exc}")
            raise typer.Exit(getattr(exc, "code", ExitCode.BAD_INPUT)) from None
        except OSError as exc:  # what the checks above did not foresee is still one line
            from .files import shorten, why_not

            where = f": {shorten(str(exc.filename))}" if exc.filename else ""
            say(f"error: {why_not(exc)}{where}")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        except KeyboardInterrupt:
            say("interrupted; nothing was saved")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except EOFError:
            say("end of input before the interview was finished; nothing was saved")
            raise typer.Exit(ExitCode.NOT_FOUND) from None
    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------ shared options


def _complete_kb_ids(kind: str) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        import os

        from .kb import load

        try:
            kb = load(Path(os.environ["RUNREHAB_KB"]) if os.environ.get("RUNREHAB_KB") else None)
        except Exception:  # completion must never break the shell
            return []
        ids = kb.exercises if kind == "exercise" else kb.symptoms
        return [i for i in ids if i.startswith(incomplete)]
    return complete


KbOption = Annotated[Optional[Path], typer.Option(
    "--kb", envvar="RUNREHAB_KB", show_default=False, metavar="DIR",
    help="A folder holding exercises.yaml and rules.yaml, used instead of the shipped rule base.")]
DbOption = Annotated[Optional[Path], typer.Option(
    "--db", envvar="RUNREHAB_DB", show_default=False, metavar="PATH",
    help="The history database (an SQLite file; default: in your user data folder).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
AnswersOption = Annotated[Optional[str], typer.Option(
    "--answers", metavar="PATH",
    help="YAML or JSON mapping of question id to value (for triage also JSON Lines of them); - reads stdin.")]
DateOption = Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="The day it happens (default: today).")]
AnswerOption = Annotated[Optional[list[str]], typer.Option(
    "-a", "--answer", metavar="ID=VALUE", help="One answer; repeat it. Wins over --answers.")]
ExplainOption = Annotated[bool, typer.Option("--explain", help="Show which rules fired, on which answers, and which were overridden.")]
InteractiveOption = Annotated[bool, typer.Option(
    "--interactive", help="Ask missing questions on stdin even when it is not a terminal.")]
SymptomOption = Annotated[Optional[str], typer.Option(
    "--symptom", metavar="ID", autocompletion=_complete_kb_ids("symptom"), help="A symptom id (see `runrehab symptoms`).")]


def load_kb(directory: Path | None) -> KnowledgeBase:
    from .kb import load

    return load(directory)


def emit_json(data: str, *, flush: bool = True) -> None:
    """One document on stdout. Lines of a batch are not flushed one by one: they leave in blocks
    of a few lines as the buffer fills (and one by one on a terminal)."""
    from .streams import json_text

    sys.stdout.write(json_text(data) + "\n")
    if flush:
        sys.stdout.flush()


def check_symptom(kb: KnowledgeBase, symptom: str | None) -> None:
    if symptom is not None and symptom not in kb.symptoms:
        raise CliError(f"--symptom: {shown(symptom)} is not a symptom (allowed: {', '.join(kb.symptoms)})")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line() + "\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Turn a runner's symptoms into a safe, concrete exercise plan. Not a diagnosis."""


# ------------------------------------------------------------------ answers


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A plan looks ahead up to 3650 days (escalations' after_days; reviews come sooner): a later day
# would have review and escalation dates past the calendar's end.
LATEST_DAY = dt.date.max - dt.timedelta(days=3650)
# Between the time zones furthest apart it can be two dates later: a plan made there and checked
# on here without --date may be dated up to two days after today.
ZONE_SPREAD = dt.timedelta(days=2)


def parse_day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--date: {shown(text)} is not a date (expected YYYY-MM-DD)") from None
    if day > LATEST_DAY:
        raise CliError(f"--date: {text} is too late: a plan's review dates would pass the end of the calendar "
                       f"(allowed: up to {LATEST_DAY})")
    return day


def day_on_plan(day: dt.date, given: str | None, plan_date: dt.date) -> dt.date:
    """The day of a check-in or view: a plan made today in a time zone ahead of this one is dated
    after today here, and counts as day 0 when no --date was given."""
    if given is None and day < plan_date <= day + ZONE_SPREAD:
        return plan_date
    return day


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        qid, sep, value = pair.partition("=")
        if not sep or not qid.strip():
            raise CliError(f"-a: {shown(pair)} is not ID=VALUE")
        out[qid.strip()] = value
    return out


def say_ignored(given: dict[str, Any], final: dict[str, Any], symptom: str, where: str = "") -> None:
    """For --explain: the answers that had no effect, being outside the symptom's interview."""
    ignored = [qid for qid in given if qid not in final]
    if ignored:
        say(f"{where}ignored (not asked for {symptom}): {', '.join(ignored)}")


def prompt_answer(kb: KnowledgeBase, question: Question) -> Any:
    """Ask one question on the terminal until the answer is valid."""
    from .engine import show_value
    from .interview import AnswerError, allowed, is_required, parse_answer
    from .render import Text, stderr_console

    console = stderr_console()
    console.print(Text(question.text, style="bold red" if question.red_flag else "bold"))
    choices = question.choices or []
    for i, choice in enumerate(choices, 1):
        label = kb.symptoms[choice].name if question.id == "symptom" and choice in kb.symptoms else question.labels.get(choice, "")
        console.print(Text(f"  {i}. {choice}" + (f"  ({label})" if label else "")))
    hint = {"yes_no": "y/n", "integer": f"{question.min}–{question.max}", "choice": "number or id",
            "multi": "numbers or ids, comma-separated"}[question.type]
    if not is_required(question):
        hint += f", Enter for {show_value(question.default)}"
    while True:
        raw = console.input(Text(f"[{hint}] > ")).strip()
        if not raw and not is_required(question):
            return question.default
        if choices:
            picked = [choices[int(p) - 1] if p.strip().isdigit() and 1 <= int(p) <= len(choices) else p
                      for p in raw.split(",")]
            raw = ",".join(picked)
        try:
            return parse_answer(question, raw)
        except AnswerError as exc:
            console.print(Text(f"  {exc}" if raw else f"  an answer is needed ({allowed(question)})", style="red"))


def interview(kb: KnowledgeBase, given: dict[str, Any], stage: str, symptom: str | None = None) -> dict[str, Any]:
    """Ask, on the terminal, every question not answered yet; red flags first, stopping at a yes."""
    from .interview import next_question

    answers = dict(given)
    while (question := next_question(kb, answers, stage, symptom)) is not None:
        answers[question.id] = prompt_answer(kb, question)
    return answers


# ------------------------------------------------------------------ commands


@app.command()
@guarded
def triage(
    answers: AnswersOption = None,
    answer: AnswerOption = None,
    json_out: JsonOption = False,
    date: DateOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Keep this triage out of the history.")] = False,
    explain: ExplainOption = False,
    interactive: InteractiveOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """The interview: asks questions (red flags first), applies the rules, prints the plan."""
    from .answers_file import AnswersFile
    from .engine import triage as make_plan
    from .interview import AnswerError, complete, parse_answers
    from .records import RED_FLAG_LEVELS, JsonLines, to_data, to_json

    kbase = load_kb(kb)
    day = parse_day(date)
    overrides = parse_pairs(answer or [])
    with AnswersFile(answers) if answers else contextlib.nullcontext() as source:
        batch = source is not None and source.is_batch
        ask = not batch and answers != "-" and (interactive or sys.stdin.isatty())

        def resolved() -> Iterator[dict[str, Any]]:
            """Complete answers for each case; the first bad one raises, naming its line."""
            for line, case in source.cases() if source is not None else [(None, {})]:
                try:
                    given = parse_answers(kbase, {**case, **overrides})
                    final = complete(kbase, interview(kbase, given, "triage") if ask else given)
                    if explain:
                        say_ignored(given, final, final["symptom"], f"--answers line {line}: " if batch else "")
                    yield final
                except AnswerError as exc:
                    raise CliError(f"--answers line {line}: {exc}" if batch else str(exc)) from None

        if batch:  # every line is checked, then planned: nothing is printed for a batch with a bad line
            from .files import temporary_writes

            with temporary_writes("the checked answers"), tempfile.TemporaryFile("w+", encoding="utf-8") as checked:
                for complete_answers in resolved():
                    checked.write(json.dumps(complete_answers) + "\n")
                checked.seek(0)
                if not json_out:
                    from .render import plan_view, stdout_console
                console, line_json = (None, JsonLines()) if json_out else (stdout_console(), None)
                for text in checked:
                    plan = make_plan(kbase, json.loads(text), day, explain=explain)
                    if console is None:
                        emit_json(line_json(plan), flush=False)
                    else:
                        console.print(plan_view(plan, kbase))
                        console.rule()
            return
        [complete_answers] = resolved()
        plan = make_plan(kbase, complete_answers, day, explain=explain)
        if not no_save:  # saved before it is shown: what is shown is what is kept
            from .history import History

            from .streams import note_saved

            with History.open(db) as history:
                history.save_plan(to_data(plan, trace=False), kbase.version, kbase.content_hash)
            note_saved(f"the plan was saved to {history.path}")
            # after a warning sign the only next step is the one the plan gives: no check-in
            say(f"saved to {history.path}" if plan.triage_level in RED_FLAG_LEVELS
                else f"plan saved to {history.path}; check in with `runrehab checkin`")
    if json_out:
        emit_json(to_json(plan))
    else:
        from .render import plan_view, stdout_console

        stdout_console().print(plan_view(plan, kbase))


def _stored_plan(db: Path | None, symptom: str | None, kb: KnowledgeBase) -> tuple[Any, Any]:
    """(the history, the current plan for `symptom` or the most recent); exit 1 when there is none."""
    from .history import History, HistoryError
    from .models import Plan
    from .records import record

    check_symptom(kb, symptom)
    history = History.open(db)
    stored = history.current_plan(symptom)
    if stored is None:
        history.close()
        which = f" for {symptom}" if symptom else ""
        raise CliError(f"no plan yet{which} in {history.path}: run `runrehab triage` first", ExitCode.NOT_FOUND)
    try:
        return history, (stored, record(Plan.model_validate(stored.document)))
    except ValueError:
        raise HistoryError(f"history {history.path}: plan {stored.id} is damaged") from None


@app.command()
@guarded
def checkin(
    answers: AnswersOption = None,
    answer: AnswerOption = None,
    symptom: SymptomOption = None,
    done: Annotated[Optional[list[str]], typer.Option(
        "--done", metavar="EXERCISE", help="An exercise you did since the last check-in; repeat it.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="A note to keep with the check-in.")] = None,
    json_out: JsonOption = False,
    date: DateOption = None,
    explain: ExplainOption = False,
    interactive: InteractiveOption = False,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """A follow-up on the current plan: progress, pain, red flags again; applies the escalation rules by date."""
    from .records import to_data, to_json
    from .render import checkin_view, stdout_console
    from .streams import note_saved

    note = text_option("--note", note)
    kbase = load_kb(kb)
    day = parse_day(date)
    history, (stored, plan) = _stored_plan(db, symptom, kbase)
    day = day_on_plan(day, date, plan.date)
    with history:
        latest = _latest_routine(history.checkins(stored.id))
        doc, final = _checkin(kbase, plan, day, answers, answer, interactive, done, note, explain, latest)
        history.save_checkin(stored.id, final, to_data(doc, trace=False))
    note_saved(f"the check-in was saved to {history.path}")
    if json_out:
        emit_json(to_json(doc))
    else:
        stdout_console().print(checkin_view(doc, kbase))


def _latest_routine(checkins: list[Any]) -> list[Any] | None:
    """The routine the last check-in prescribed (None before any): the next one steps from it."""
    from .history import HistoryError
    from .models import CheckIn
    from .records import record

    if not checkins:
        return None
    try:
        return record(CheckIn.model_validate(checkins[-1].document)).routine
    except ValueError:
        raise HistoryError(f"check-in {checkins[-1].id} in the history is damaged") from None


def _checkin(kbase: KnowledgeBase, plan: Any, day: dt.date, answers: str | None, answer: list[str] | None,
             interactive: bool, done: list[str] | None, note: str | None, explain: bool,
             latest: list[Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """The check-in document and the answers it was made from; nothing is saved here."""
    from .answers_file import AnswersFile
    from .engine import checkin as make_checkin
    from .interview import carried_over, complete, parse_answers

    if day < plan.date:
        raise CliError(f"--date: the check-in ({day}) is before its plan's date ({plan.date})")
    case: dict[str, Any] = {}
    if answers:
        with AnswersFile(answers) as source:
            if source.is_batch:
                raise CliError("--answers: a check-in takes one mapping of answers, not JSON Lines")
            [(_, case)] = source.cases()
    given = parse_answers(kbase, {**case, **parse_pairs(answer or [])})
    if answers != "-" and (interactive or sys.stdin.isatty()):
        given = interview(kbase, given, "checkin", plan.symptom)
    else:
        given = carried_over(kbase, plan.answers, given)
    final = complete(kbase, given, "checkin", plan.symptom)
    if explain:
        say_ignored(given, final, plan.symptom)
    done_ids = list(dict.fromkeys(find_exercise(kbase, name).id for name in done or []))
    return make_checkin(kbase, plan, final, day, explain=explain, done=done_ids, note=note, latest=latest), final


@app.command()
@guarded
def plan(
    symptom: SymptomOption = None,
    json_out: JsonOption = False,
    format: Annotated[str, typer.Option("--format", metavar="text|markdown",
                                        help="markdown: a handout to print or send to your physical therapist.")] = "text",
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD", help="Count the days to this date (default: today).")] = None,
    kb: KbOption = None,
    db: DbOption = None,
) -> None:
    """The current plan, its day count, next review date and what is due today."""
    from .models import CheckIn
    from .records import Record, record, to_json
    from .render import plan_markdown, plan_status_view, stdout_console

    if format not in ("text", "markdown"):
        raise CliError(f"--format: {shown(format)} is not a format (allowed: text, markdown)")
    kbase = load_kb(kb)
    history, (stored, current) = _stored_plan(db, symptom, kbase)
    today = day_on_plan(parse_day(date), date, current.date)
    if today < current.date:
        raise CliError(f"--date: {today} is before the plan's date ({current.date})")
    with history:
        checkins = history.checkins(stored.id)
    last = record(CheckIn.model_validate(checkins[-1].document)) if checkins else None
    day = (today - current.date).days
    status = Record(**vars(current), day=day,  # models.PlanStatus
                    next_review=last.next_review if last else current.review_date,
                    due=[e for e in current.escalation if 0 < e.after_days <= day], last_checkin=last)
    if json_out:
        emit_json(to_json(status))
    elif format == "markdown":
        sys.stdout.write(plan_markdown(status, kbase))
    else:
        stdout_console().print(plan_status_view(status, kbase))


@app.command()
@guarded
def history(json_out: JsonOption = False, kb: KbOption = None, db: DbOption = None) -> None:
    """Every plan and check-in, with a pain trend."""
    from .history import History
    from .render import history_view, stdout_console

    with History.open(db) as store:
        timeline = [{"plan": p.document, "current": p.current, "kb_version": p.kb_version,
                     "checkins": [c.document for c in store.checkins(p.id)]} for p in store.plans()]
    if json_out:
        emit_json(json.dumps({"schema_version": 1, "path": str(store.path), "plans": timeline}, indent=2, ensure_ascii=False))
    else:
        kbase = load_kb(kb)
        stdout_console().print(history_view(timeline, kbase))


def find_exercise(kb: KnowledgeBase, name: str) -> Any:
    """An exercise by id, name or alias in any case and spacing; CliError with suggestions if none."""
    import difflib

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())

    index: dict[str, str] = {}
    for e in kb.exercises.values():
        for label in (e.id, e.name, *e.aliases):
            index.setdefault(norm(label), e.id)
    wanted = norm(name)
    if wanted in index:
        return kb.exercises[index[wanted]]
    close = list(dict.fromkeys(index[m] for m in difflib.get_close_matches(wanted, index, n=6, cutoff=0.6)))[:3]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `runrehab exercises` lists them all"
    raise CliError(f"no exercise called {shown(name)}{hint}", ExitCode.NOT_FOUND)


@app.command()
@guarded
def exercise(
    name: Annotated[str, typer.Argument(help="An exercise id, name or alias, in any case.",
                                        autocompletion=_complete_kb_ids("exercise"))],
    json_out: JsonOption = False,
    kb: KbOption = None,
) -> None:
    """One exercise: how to do it, default dose, cautions, what it is for, sources."""
    from .engine import exercise_doc
    from .records import to_json

    kbase = load_kb(kb)
    found = find_exercise(kbase, name)
    if json_out:
        emit_json(to_json(exercise_doc(kbase, found)))
    else:
        from .render import exercise_view, stdout_console

        stdout_console().print(exercise_view(found, kbase))


@app.command()
@guarded
def exercises(json_out: JsonOption = False, kb: KbOption = None) -> None:
    """Every exercise, one line each."""
    from .engine import exercise_doc
    from .records import to_json
    from .render import exercises_view, stdout_console

    kbase = load_kb(kb)
    if json_out:
        emit_json(to_json([exercise_doc(kbase, e) for e in kbase.exercises.values()]))
    else:
        stdout_console().print(exercises_view(kbase.exercises.values()))


@app.command()
@guarded
def questions(
    symptom: SymptomOption = None,
    stage: Annotated[Optional[str], typer.Option("--stage", metavar="triage|checkin",
                                                 help="Only the questions of one stage.")] = None,
    json_out: JsonOption = False,
    kb: KbOption = None,
) -> None:
    """Every question (`--symptom ID` narrows to one symptom's interview)."""
    from .records import to_json
    from .render import questions_view, stdout_console

    kbase = load_kb(kb)
    check_symptom(kbase, symptom)
    if stage not in (None, "triage", "checkin"):
        raise CliError(f"--stage: {shown(stage)} is not a stage (allowed: triage, checkin)")
    chosen = [q for q in kbase.rules_file.questions
              if (symptom is None or not q.symptoms or symptom in q.symptoms) and (stage is None or stage in q.stages)]
    if json_out:
        emit_json(to_json(chosen))
    else:
        stdout_console().print(questions_view(chosen))


@app.command()
@guarded
def symptoms(json_out: JsonOption = False, kb: KbOption = None) -> None:
    """The symptoms the rule base covers, with a one-line description."""
    from .records import to_json
    from .render import stdout_console, symptoms_view

    kbase = load_kb(kb)
    if json_out:
        emit_json(to_json(kbase.rules_file.symptoms))
    else:
        stdout_console().print(symptoms_view(kbase))


@app.command()
@guarded
def validate(
    kb: KbOption = None,
    json_out: JsonOption = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
) -> None:
    """Check a rule base: schema, references, reachability, safety, worked examples."""
    from .validate import validate as check

    _, problems = check(kb)
    failed = [p for p in problems if p.severity == "error" or strict]
    if json_out:
        emit_json(json.dumps({"ok": not failed, "problems": [p.__dict__ for p in problems]}, indent=2))
    else:
        for problem in problems:
            sys.stdout.write(f"{problem}\n")
        errors = sum(p.severity == "error" for p in problems)
        say(f"{errors} error(s), {len(problems) - errors} warning(s)" + ("" if failed else ": the rule base is valid"))
    if failed:
        raise typer.Exit(ExitCode.BAD_INPUT)


@app.command()
@guarded
def schema(
    name: Annotated[str, typer.Argument(metavar="NAME", help="plan, exercise, checkin (documents) or exercises, rules (files).")],
) -> None:
    """JSON Schema (draft 2020-12) of an output document or of a rule-base file."""
    from .models import SCHEMAS, json_schema

    if name not in SCHEMAS:
        raise CliError(f"no schema called {shown(name)} (allowed: {', '.join(SCHEMAS)})")
    emit_json(json.dumps(json_schema(name), indent=2, ensure_ascii=False))


def main() -> None:
    """Run a command (entry.main prepares the streams and ends failed output)."""
    app(prog_name="runrehab")
