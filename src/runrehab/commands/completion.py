"""What the shell completes: every set of values an option or argument takes, each value with its
description (zsh, fish and PowerShell show them; bash shows the values), and the shell scripts.

Each completer takes what was typed so far and returns (value, description) pairs; it never
fails (a broken rule base completes nothing). `-a ID=VALUE` completes the question ids, then a
question's values; bash splits words at `=`, which Bash joins again before completing."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

Pairs = list[tuple[str, str]]
SHELLS = {"bash": "Bash", "zsh": "Z shell", "fish": "fish", "powershell": "Windows PowerShell", "pwsh": "PowerShell 7"}
STAGES = {"triage": "the first interview", "checkin": "a follow-up on the plan"}


def starting(pairs: Iterable[tuple[str, str]], incomplete: str) -> Pairs:
    """The values that start with what was typed, each with its description."""
    return [(value, " ".join(words.split())) for value, words in pairs if value.startswith(incomplete)]


def _kb() -> KnowledgeBase | None:
    from ..rules.loader import load

    try:
        return load(Path(os.environ["RUNREHAB_KB"]) if os.environ.get("RUNREHAB_KB") else None)
    except Exception:  # completion must never break the shell
        return None


def exercise_ids(incomplete: str) -> Pairs:
    kb = _kb()
    return starting(((e.id, e.name) for e in kb.exercises.values()), incomplete) if kb else []


def symptom_ids(incomplete: str) -> Pairs:
    kb = _kb()
    return starting(((s.id, s.name) for s in kb.rules_file.symptoms), incomplete) if kb else []


def stages(incomplete: str) -> Pairs:
    return starting(STAGES.items(), incomplete)


def shells(incomplete: str) -> Pairs:
    return starting(SHELLS.items(), incomplete)


def plan_formats(incomplete: str) -> Pairs:
    from ..render import FORMAT_WORDS, formats

    return starting(((f, FORMAT_WORDS.get(f, f)) for f in formats("plan-status") if f != "json"), incomplete)


def schema_names(incomplete: str) -> Pairs:
    from ..schemas import SCHEMAS, described

    return starting(((name, described(name)) for name in SCHEMAS), incomplete)


def answers(ctx: Any, incomplete: str) -> Pairs:
    """`-a ID=VALUE`: the ids of the questions the command asks (`ID=`, with the question), then
    once `ID=` is typed, that question's values (choices with their words, yes or no, a range)."""
    kb = _kb()
    if kb is None:
        return []
    stage = "checkin" if ctx.info_name == "checkin" else "triage"
    qid, equals, typed = incomplete.partition("=")
    if not equals:
        return starting(((f"{q.id}=", q.text) for q in kb.rules_file.questions if stage in q.stages), incomplete)
    question = kb.questions.get(qid)
    if question is None:
        return []
    return [(f"{qid}={value}", words) for value, words in starting(_values(question), typed)]


def _values(question: Any) -> Iterable[tuple[str, str]]:
    if question.type == "yes_no":
        return [("yes", question.text), ("no", question.text)]
    if question.choices:
        return [(choice, question.labels.get(choice, choice)) for choice in question.choices]
    if question.type == "integer" and question.min is not None and question.max is not None \
            and question.max - question.min <= 10:  # a scale (pain 0-10), not a count of days
        return [(str(n), question.text) for n in range(question.min, question.max + 1)]
    return []


def show_script(shell: str | None) -> None:
    """`--show-completion SHELL`: print that shell's completion script, whatever shell runs it."""
    import sys

    import typer
    from typer.completion import get_completion_script

    from ..errors import UsageError
    from ..safe_text import quoted

    if shell is None:
        return
    if shell not in SHELLS:
        raise UsageError(f"--show-completion: {quoted(shell)} is not a shell (allowed: {', '.join(SHELLS)})")
    sys.stdout.write(get_completion_script(prog_name="runrehab", complete_var="_RUNREHAB_COMPLETE", shell=shell) + "\n")
    raise typer.Exit()


def install_script(value: bool) -> None:
    """`--install-completion`: install the script for the shell that runs runrehab."""
    if not value:
        return
    import typer
    from typer.completion import install

    import sys

    shell, path = install()
    sys.stdout.write(f"{shell} completion installed in {path}\nCompletion will take effect once you restart the terminal\n")
    raise typer.Exit()


def prepare() -> None:
    """Before the shell's completion request is answered: typer's completion classes, Bash's
    replaced by one that joins `ID`, `=`, `VALUE` again (Bash splits words at `=`)."""
    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import BashComplete
    from typer.completion import completion_init

    class Bash(BashComplete):
        prefix = ""  # what of the word being completed Bash keeps in the words before it

        def get_completion_args(self) -> tuple[list[str], str]:
            args, incomplete = super().get_completion_args()
            words = joined([*args, incomplete])
            self.prefix = words[-1][:len(words[-1]) - len(incomplete)]
            return words[:-1], words[-1]

        def format_completion(self, item: Any) -> str:
            return item.value[len(self.prefix):] if item.value.startswith(self.prefix) else item.value

    completion_init()
    add_completion_class(Bash, "bash")


def joined(words: list[str]) -> list[str]:
    """Words as typed: `a`, `=`, `b` (Bash's split at `=`) made `a=b` again."""
    out: list[str] = []
    for word in words:
        if out and (word == "=" or out[-1].endswith("=")):
            out[-1] += word
        else:
            out.append(word)
    return out
