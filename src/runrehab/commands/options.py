"""The options commands share, and turning their values into what the domain takes."""
from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..documents.vocabulary import LATEST_DAY, LEVELS
from ..errors import UsageError
from . import completion

if TYPE_CHECKING:
    from ..answers.gather import AnswerSources
    from ..rules.kb import KnowledgeBase
    from ..rules.yaml_source import Problem, SourceFile


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
    "-a", "--answer", metavar="ID=VALUE", autocompletion=completion.answers,
    help="One answer; repeat it. Wins over --answers.")]
ExplainOption = Annotated[bool, typer.Option("--explain", help="Show which rules fired, on which answers, and which were overridden.")]
InteractiveOption = Annotated[bool, typer.Option(
    "--interactive", help="Ask missing questions on stdin even when it is not a terminal.")]
LEVEL_HELP = {"emergency": "get help now", "urgent": "see a doctor within a day or two",
              "see-clinician": "book a physical therapist or orthopedic specialist",
              "self-care": "follow the plan (any result reaches it)"}
FailOnOption = Annotated[Optional[str], typer.Option(
    "--fail-on", metavar="LEVEL", autocompletion=lambda incomplete: completion.starting(LEVEL_HELP.items(), incomplete),
    help="Exit 3 when the result is at this triage level or a more urgent one "
         "(emergency, urgent, see-clinician, self-care); for a batch, when any case is, after every line.")]
OutputOption = Annotated[Optional[Path], typer.Option(
    "--output", "-o", metavar="FILE", show_default=False,
    help="Write the document to FILE instead of stdout, whole or not at all (it replaces FILE).")]
QuietOption = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No hints on stderr (where it was saved, what to run next); errors and warnings stay.")]
SymptomOption = Annotated[Optional[str], typer.Option(
    "--symptom", metavar="ID", autocompletion=completion.symptom_ids, help="A symptom id (see `runrehab symptoms`).")]


class FailOn:
    """--fail-on LEVEL: whether a result reached that level or a more urgent one. `seen` passes
    documents through, noting their levels; `end` exits 3 once they are all out, if one reached it."""

    def __init__(self, level: str | None) -> None:
        from ..safe_text import quoted

        if level is not None and level not in LEVELS:
            raise UsageError(f"--fail-on: {quoted(level)} is not a triage level (allowed: {', '.join(LEVELS)})")
        self.rank = LEVELS.index(level) if level is not None else -1
        self.reached = False

    def seen(self, documents: Iterable[Any]) -> Iterator[Any]:
        for document in documents:
            self.note(document.triage_level)
            yield document

    def note(self, level: str) -> None:
        self.reached = self.reached or LEVELS.index(level) <= self.rank

    def end(self) -> None:
        from ..errors import ExitCode

        if self.reached:
            raise typer.Exit(ExitCode.LEVEL_REACHED)


def output_format(json_out: bool, format: str, allowed: list[str]) -> str:
    """The format a document is printed in: `--json`, or `--format` among `allowed`; both at once
    (other than `--format text`) is a usage error."""
    from ..safe_text import quoted

    if format not in allowed:
        raise UsageError(f"--format: {quoted(format)} is not a format (allowed: {', '.join(allowed)})")
    if json_out and format != "text":
        raise UsageError(f"--json and --format {format} ask for two formats: give one of them")
    return "json" if json_out else format


def load_kb(directory: Path | None) -> KnowledgeBase:
    """The rule base a command runs on, refused (KbError, FILE:LINE:COL) for whatever `validate`
    refuses it for: schema, references, worked examples, safety, quotes. The checks run once for
    each content; a warm start takes the vetted rule base from the cache."""
    from ..rules.loader import load

    return load(directory, vet=_refusals)


def _refusals(kbase: KnowledgeBase, sources: dict[str, SourceFile]) -> list[Problem]:
    from ..engine.validation import refusals  # imported only when a rule base is read from its files

    return refusals(kbase, sources)


def text_option(option: str, value: str | None) -> str | None:
    """Text to keep, refused if the shell passed bytes that are not UTF-8 (they could not be
    stored or printed as text)."""
    from ..safe_text import quoted

    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"{option}: {quoted(value)} is not valid UTF-8 text") from None
    return value


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str | None) -> dt.date:
    from ..safe_text import quoted

    if text is None:
        return dt.date.today()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: {quoted(text)} is not a date (expected YYYY-MM-DD)") from None
    if day > LATEST_DAY:
        raise UsageError(f"--date: {text} is too late: a plan's review dates would pass the end of the calendar "
                         f"(allowed: up to {LATEST_DAY})")
    return day


def answer_sources(answers: str | None, answer: list[str] | None, interactive: bool) -> AnswerSources:
    from ..answers.gather import AnswerSources

    return AnswerSources(answers, tuple(answer or ()), interactive or sys.stdin.isatty())


EXAMPLES = {
    "triage": "`runrehab triage` (asks at the terminal); `runrehab triage --symptom tight-itb --answers answers.yaml --json`.",
    "checkin": "`runrehab checkin` (asks at the terminal); `runrehab checkin --symptom tight-itb -a progress=better -a pain_score=2 --done glute-bridge`.",
    "plan": "`runrehab plan`; `runrehab plan --format markdown --output plan.md`; `runrehab plan --format html --output plan.html`; `runrehab plan --format ics > plan.ics` (import it into a calendar).",
    "today": "`runrehab today`; `runrehab today --date 2026-03-04 --json`.",
    "forget": "`runrehab forget --symptom tight-itb`; `runrehab forget --all --yes`.",
    "history": "`runrehab history`; `runrehab history --json > history.json`; `runrehab history --format csv > history.csv`.",
    "export": "`runrehab export --output runrehab.json`; `runrehab export | jq '.plans[].checkins | length'`.",
    "import": "`runrehab import runrehab.json` (twice changes nothing); `runrehab import - < runrehab.json`.",
    "session": "`runrehab session` (at a terminal); `runrehab session --json`; `runrehab session --log done.json`.",
    "done": "`runrehab done glute-bridge`; `runrehab done clamshell --sets 2 --symptom tight-itb --pain 1`.",
    "exercise": "`runrehab exercise glute-bridge`; `runrehab exercise 'figure 4' --json`.",
    "exercises": "`runrehab exercises`; `runrehab exercises --json`.",
    "questions": "`runrehab questions --symptom hand-tingling`; `runrehab questions --stage checkin --json`.",
    "symptoms": "`runrehab symptoms`; `runrehab symptoms --json`.",
    "validate": "`runrehab validate --strict`; `runrehab validate --kb my-rules --json`.",
    "schema": "`runrehab schema plan`; `runrehab schema today > today.schema.json`.",
}


def examples(command: str) -> str:
    """A command's examples, shown at the end of its --help."""
    return "Examples: " + EXAMPLES[command]
