"""The interview at a real terminal: each missing question asked on stderr until its answer is
valid, red flags first, stopping at a yes (interview.next_question decides the order)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .conditions import show_value
from .errors import AnswerError
from .interview import allowed, is_required, next_question, parse_answer

if TYPE_CHECKING:
    from .kb import KnowledgeBase
    from .records import Record

_HINTS = {"yes_no": "y/n", "choice": "number or id", "multi": "numbers or ids, comma-separated"}


def prompt_answer(kbase: KnowledgeBase, question: Record) -> Any:
    """Ask one question on the terminal until the answer is valid."""
    from .render.text import Text, stderr_console

    console = stderr_console()
    console.print(Text(question.text, style="bold red" if question.red_flag else "bold"))
    choices = question.choices or []
    for i, choice in enumerate(choices, 1):
        label = (kbase.symptoms[choice].name if question.id == "symptom" and choice in kbase.symptoms
                 else question.labels.get(choice, ""))
        console.print(Text(f"  {i}. {choice}" + (f"  ({label})" if label else "")))
    hint = f"{question.min}–{question.max}" if question.type == "integer" else _HINTS[question.type]
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


def interview(kbase: KnowledgeBase, given: dict[str, Any], stage: str, symptom: str | None = None) -> dict[str, Any]:
    """Ask, on the terminal, every question not answered yet; red flags first, stopping at a yes."""
    answers = dict(given)
    while (question := next_question(kbase, answers, stage, symptom)) is not None:
        answers[question.id] = prompt_answer(kbase, question)
    return answers
