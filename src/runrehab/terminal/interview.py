"""The interview at a real terminal: an opening line, then each missing question asked on stderr
with its place in the interview until its answer is valid, red flags first, stopping at a yes
(engine.interview.next_question decides the order); also the questions a check-in and `forget` ask.
The guided session's loop is terminal/coach.py."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine.interview import OTHER, allowed, is_required, parse_answer, pending, routed
from ..errors import AnswerError, RunrehabError
from ..rules.conditions import show_value

if TYPE_CHECKING:
    from ..documents.record import Record
    from ..rules.kb import KnowledgeBase

_HINTS = {"yes_no": "y/n", "choice": "number or name", "multi": "numbers or names, comma-separated"}
OPENING = {
    "triage": "runrehab asks about {n} questions: which symptom, how long and how much it hurts, and a few "
              "warning signs that need a doctor first. It is not a diagnosis.",
    "checkin": "runrehab asks about {n} questions: how it is going, your pain, and the warning signs that can "
               "newly appear. It is not a diagnosis.",
}
RED_FLAG_INTRO = "A few questions to rule out anything that needs a doctor first."
PERSONAL = ("Some are personal (the saddle area, bladder, bowel, sexual function): together they screen for a "
            "rare nerve emergency that needs help the same day.")
PERSONAL_IDS = {"red_flag_saddle_numbness", "red_flag_bladder", "red_flag_bowel", "red_flag_sexual_dysfunction"}


ANSWER_LIMIT = 4096  # characters of one typed answer: a terminal's line holds at most 4095


class TooLong(RunrehabError):
    """A line at a prompt longer than ANSWER_LIMIT (stdin is no terminal, or one that never ends)."""

    def __init__(self) -> None:
        super().__init__(f"an answer of more than {ANSWER_LIMIT} characters at a prompt; nothing was saved")


def typed(console: Any, prompt: Any) -> str:
    """The line typed after `prompt`, read from stdin up to ANSWER_LIMIT characters (a line
    that never ends is TooLong, not all of the memory); EOFError at the end of input."""
    import sys

    console.print(prompt, end="")
    line = sys.stdin.readline(ANSWER_LIMIT + 1)
    if not line:
        raise EOFError
    if len(line) > ANSWER_LIMIT:
        raise TooLong
    return line.removesuffix("\n")


def _console() -> Any:
    from ..render.text import stderr_console

    return stderr_console()


def _label(kbase: KnowledgeBase, question: Record, choice: str) -> str:
    if question.id == "symptom" and choice in kbase.symptoms:
        return kbase.symptoms[choice].name
    return question.labels.get(choice, "")


def _picked(kbase: KnowledgeBase, question: Record, raw: str) -> str:
    """Numbers and names turned into choice ids (ids stay accepted as typed; a label is accepted
    as shown, in any case, and so are words that name one choice alone)."""
    choices = question.choices or []
    spelled = {c: [c, _label(kbase, question, c)] for c in choices}
    parts = raw.split(",") if question.type == "multi" else [raw]
    return ",".join(_matching(part, spelled, choices) or part.strip() for part in parts)


def prompt_answer(kbase: KnowledgeBase, question: Record, place: str = "") -> Any:
    """Ask one question on the terminal until the answer is valid."""
    from ..render.text import Text

    console = _console()
    console.print(Text(f"{place}{question.text}", style="bold red" if question.red_flag else "bold"))
    choices = question.choices or []
    for i, choice in enumerate(choices, 1):
        label = _label(kbase, question, choice)
        console.print(Text(f"  {i}. {label} ({choice})" if label else f"  {i}. {choice}"))
    hint = f"{question.min}–{question.max}" if question.type == "integer" else _HINTS[question.type]
    if not is_required(question):
        hint += f", Enter for {show_value(question.default)}"
    while True:
        raw = typed(console, Text(f"[{hint}] > ")).strip()
        if not raw and not is_required(question):
            return question.default
        if choices:
            raw = _picked(kbase, question, raw)
        try:
            return parse_answer(question, raw)
        except AnswerError as exc:
            said = _at_terminal(question, exc) if raw else f"an answer is needed (allowed: {allowed(question)})"
            console.print(Text(f"  {said}", style="red"))
            if question.id == "symptom" and raw and OTHER in choices:
                console.print(Text(f"  runrehab does not cover that: choose {choices.index(OTHER) + 1} ({OTHER}) "
                                   "for a check of warning signs and advice on whom to see.", style="red"))


def _at_terminal(question: Record, exc: AnswerError) -> str:
    """An answer refused, said under its question: without the question's id, which a script
    is told, or the question's words, which are just above."""
    text = str(exc).removeprefix(f"{question.id}: ")
    return text.split("; the question: ")[0]


def interview(kbase: KnowledgeBase, given: dict[str, Any], stage: str, symptom: str | None = None) -> dict[str, Any]:
    """Ask, on the terminal, every question not answered yet; red flags first, stopping at a yes."""
    from ..render.text import Text

    answers = dict(given)
    asked = 0
    prefaced = False
    while todo := pending(kbase, answers, stage, symptom):
        question = todo[0]
        if asked == 0:
            _console().print(Text(OPENING[stage].format(n=_expected(kbase, answers, stage, symptom)), style="dim"))
        if question.red_flag and not prefaced:  # why it asks, before the first (and most personal) ones
            personal = any(q.id in PERSONAL_IDS for q in todo)
            _console().print(Text(RED_FLAG_INTRO + (" " + PERSONAL if personal else ""), style="dim"))
            prefaced = True
        asked += 1
        # how many there are is known once the symptom is (the opening line says at most how many)
        count = f"({asked} of {asked - 1 + len(todo)}) " if symptom or answers.get("symptom") else f"({asked}) "
        answers[question.id] = prompt_answer(kbase, question, count)
        if stage == "triage" and not symptom and "symptom" not in answers and (found := routed(kbase, answers)):
            answers["symptom"] = found  # where it hurts has named it
    return answers


def _expected(kbase: KnowledgeBase, answers: dict[str, Any], stage: str, symptom: str | None) -> int:
    """How many questions there will be: the longest of the symptoms' interviews until the
    symptom is known."""
    if symptom or answers.get("symptom"):
        return len(pending(kbase, answers, stage, symptom))
    return 1 + max(len(pending(kbase, {**answers, "symptom": s}, stage)) for s in kbase.symptoms)


def done_and_felt(kbase: KnowledgeBase, routine: list[Record]) -> tuple[list[str], str | None]:
    """At a check-in: which of the routine's exercises were done since the last one, and how they felt."""
    from ..render.text import Text

    console = _console()
    console.print(Text("Which exercises did you do since the last check-in?", style="bold"))
    for i, item in enumerate(routine, 1):
        console.print(Text(f"  {i}. {item.name} ({item.exercise})"))
    ids = [item.exercise for item in routine]
    while True:
        raw = typed(console, Text("[numbers or ids, comma-separated, Enter for none] > ")).strip()
        words = [w.strip() for w in raw.split(",") if w.strip()]
        picked = [ids[int(w) - 1] if w.isdigit() and 1 <= int(w) <= len(ids) else w for w in words]
        wrong = [w for w in picked if w not in ids]
        if not wrong:
            break
        console.print(Text(f"  not in the routine: {', '.join(wrong)} (allowed: 1–{len(ids)} or {', '.join(ids)})",
                           style="red"))
    felt = None
    if picked:
        felt = typed(console, Text("How did they feel? [a few words, Enter to skip] > ")).strip() or None
    return list(dict.fromkeys(picked)), felt


EVERY = "*"  # what pick_plan returns for "all that are due today" (no symptom id has a star)
EVERY_LABEL = "All that are due today"


def pick_plan(kbase: KnowledgeBase, symptoms: list[str], every: bool = False) -> str:
    """Which of several running plans, by number, id or name (engine order: the most recent
    first); with `every`, a last choice "all that are due today", returned as EVERY."""
    from ..render.text import Text
    from ..render.timeline import symptom_name

    console = _console()
    console.print(Text("Several plans are running. Which one?", style="bold"))
    names = {s: symptom_name(kbase, s) for s in symptoms}
    spelled = {s: [s, names[s]] for s in symptoms}
    for i, symptom in enumerate(symptoms, 1):
        console.print(Text(f"  {i}. {names[symptom]} ({symptom})"))
    if every:
        console.print(Text(f"  {len(symptoms) + 1}. {EVERY_LABEL}, one after the other (all)"))
        spelled[EVERY] = ["all", EVERY_LABEL]
    order = [*symptoms, EVERY] if every else symptoms
    while True:
        raw = typed(console, Text("[number or name] > ")).strip()
        found = _matching(raw, spelled, order)
        if found:
            return found
        console.print(Text(f"  not a running plan: {raw[:40]} (allowed: 1–{len(order)} or "
                           f"{', '.join(symptoms)}{', all' if every else ''})", style="red"))


def _words(text: str) -> str:
    import re

    return re.sub(r"[\s_/,.-]+", " ", text.strip().lower()).strip()


def _matching(raw: str, spelled: dict[str, list[str]], order: list[str]) -> str | None:
    """The one choice `raw` names: its number, its id or a label as shown (the words before a
    label's colon are enough), or words found in one choice's label alone ("tight hips"); None
    when it names none or several."""
    typed_words = _words(raw)
    if not typed_words:
        return None
    if typed_words.isdigit():
        n = int(typed_words)
        return order[n - 1] if 1 <= n <= len(order) else None
    for choice, spellings in spelled.items():
        if any(typed_words in (_words(text), _words(text.split(":")[0])) for text in spellings):
            return choice
    wanted = set(typed_words.split())
    hits = [c for c, spellings in spelled.items() if wanted <= set(" ".join(_words(t) for t in spellings).split())]
    return hits[0] if len(hits) == 1 else None


def pain_during(exercise: str) -> int | None:
    """The pain or symptoms during `exercise`, 0-10, asked once more until it is a number; Enter: not said."""
    from ..render.text import Text

    console = _console()
    while True:
        raw = typed(console, Text(f"Pain or symptoms during {exercise}, 0 (none) to 10 [Enter to skip] > ")).strip()
        if not raw:
            return None
        if raw.isdigit() and 0 <= int(raw) <= 10:
            return int(raw)
        console.print(Text(f"  {raw[:40]} is not a pain score (allowed: a whole number 0-10)", style="red"))


def confirm(question: str) -> bool:
    """A yes or no at the terminal; anything but yes is no."""
    from ..render.text import Text

    return typed(_console(), Text(f"{question} [y/N] > ")).strip().lower() in ("y", "yes")
