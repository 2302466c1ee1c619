"""Shell completion of every value set, driven as the shells drive it: bash sourcing the script
`runrehab --show-completion bash` prints and calling its function with COMP_WORDS split as bash
splits them (at `=` too); zsh and fish through the same protocol with their descriptions."""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tiered

from runrehab.rules.loader import load

KB = load()
RUNREHAB = Path(sys.executable).with_name("runrehab")  # the installed entry point
pytestmark = pytest.mark.skipif(not RUNREHAB.exists() or shutil.which("bash") is None,
                                reason="needs the installed entry point and bash")


@functools.cache
def bash_script() -> str:
    """The completion script `--show-completion bash` prints (the same every time)."""
    return subprocess.run([RUNREHAB, "--show-completion", "bash"], capture_output=True, text=True, check=True).stdout


def bash_completes(line: str) -> list[str]:
    """What bash offers for `line` (the cursor at its end), as bash splits it into COMP_WORDS."""
    driver = (bash_script() + '\nread -ra COMP_WORDS <<< "$LINE"\n'
              'if [[ "$LINE" == *" " ]]; then COMP_WORDS+=(""); fi\n'
              'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n'
              '_runrehab_completion runrehab\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    # bash breaks words at "=" (COMP_WORDBREAKS): "-a symptom=ti" reaches the function as "symptom" "=" "ti"
    split = line.replace("=", " = ").replace("  ", " ")
    env = {**os.environ, "PATH": f"{RUNREHAB.parent}{os.pathsep}{os.environ['PATH']}", "LINE": split}
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", driver], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return [word for word in result.stdout.split("\n") if word]


def described(shell: str, line: str) -> list[tuple[str, str]]:
    """zsh's or fish's completions of `line` with their descriptions (the protocol their scripts use)."""
    env = {**os.environ, "_RUNREHAB_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line,
           "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    out = subprocess.run([RUNREHAB], capture_output=True, text=True, env=env, timeout=60).stdout
    if shell == "fish":
        return [tuple(row.split("\t", 1)) for row in out.splitlines()]  # type: ignore[misc]
    rows = out.split("((", 1)[1].rsplit("))", 1)[0].splitlines()
    return [tuple(re.sub(r"\\+:", ":", part.strip('"')) for part in row.split('":"', 1)) for row in rows]  # type: ignore[misc]


EVERYDAY = {"runrehab plan --format m", "runrehab triage -a symptom=po", "runrehab checkin -a progress=much",
            "runrehab checkin --done cl", "runrehab --show-completion "}


@pytest.mark.parametrize("line, offered", tiered([
    ("runrehab plan --format ", ["text", "markdown", "html", "ics"]),
    ("runrehab plan --format m", ["markdown"]),
    ("runrehab questions --stage ", ["triage", "checkin"]),
    ("runrehab triage --fail-on ", ["emergency", "urgent", "see-clinician", "self-care"]),
    ("runrehab --show-completion ", ["bash", "zsh", "fish", "powershell", "pwsh"]),
    ("runrehab schema exercises", ["exercises", "exercises-file"]),
    ("runrehab checkin --done cl", ["clamshell"]),
    ("runrehab checkin --brought-on piri", ["piriformis-stretch"]),
    ("runrehab exercise first", ["first-rib-mobilization"]),
    ("runrehab questions --symptom ha", ["hand-tingling"]),
    ("runrehab triage -a pain_at", ["pain_at_rest="]),
    ("runrehab triage -a symptom=", [s.id for s in load().rules_file.symptoms]),
    ("runrehab triage -a symptom=po", ["posterior-leg-pain"]),
    ("runrehab checkin -a progress=much", ["much-better"]),
    ("runrehab checkin -a pain_at_rest=", ["yes", "no"]),
    ("runrehab checkin -a pain_score=1", ["1", "10"]),
], lambda case: case[0] in EVERYDAY))
def test_bash_completes_every_value_set(line, offered):
    got = bash_completes(line)
    # after "ID=" bash completes the word after the "=": the value alone; with the cursor on "=", "=VALUE"
    assert got == offered, (line, got)


def test_bash_completes_every_id_and_schema_name():
    assert bash_completes("runrehab exercise ") == list(KB.exercises)
    assert bash_completes("runrehab checkin --symptom ") == list(KB.symptoms)
    from runrehab.schemas import SCHEMAS

    assert bash_completes("runrehab schema ") == list(SCHEMAS)
    triage_ids = [f"{q.id}=" for q in KB.rules_file.questions if "triage" in q.stages]
    assert bash_completes("runrehab triage -a ") == triage_ids
    assert "progress=" in bash_completes("runrehab checkin -a ") and "progress=" not in triage_ids


@pytest.mark.slow  # two more shells started; every tier completes through bash
def test_zsh_and_fish_show_each_value_with_its_description():
    progress = KB.questions["progress"]
    wanted = [(f"progress={c}", " ".join(progress.labels.get(c, c).split())) for c in progress.choices]
    assert described("zsh", "runrehab checkin -a progress=") == wanted
    assert described("fish", "runrehab checkin -a progress=") == wanted
    symptoms = described("fish", "runrehab triage --symptom ")
    assert symptoms == [(s.id, s.name) for s in KB.rules_file.symptoms]
    formats = dict(described("zsh", "runrehab plan --format "))
    assert set(formats) == {"text", "markdown", "html", "ics"} and "handout" in formats["markdown"]
    schemas = dict(described("fish", "runrehab schema "))
    assert schemas["exercises"] == "what `exercises --json` prints: a list"
    assert schemas["exercises-file"] == "the rule-base file exercises.yaml"
    assert dict(described("zsh", "runrehab questions --stage ")) == {"triage": "the first interview",
                                                                      "checkin": "a follow-up on the plan"}
    assert dict(described("fish", "runrehab exercise glute-b")) == {"glute-bridge": KB.exercises["glute-bridge"].name}


@pytest.mark.parametrize("running", tiered(["/bin/zsh", "/bin/bash", "/usr/bin/fish", "/bin/sh"], lambda s: s == "/bin/zsh"))
def test_show_completion_prints_the_named_shells_script_whatever_shell_runs_it(running):
    marks = {"bash": "complete -o default -F _runrehab_completion runrehab", "zsh": "#compdef runrehab",
             "fish": "complete --command runrehab", "powershell": "Register-ArgumentCompleter",
             "pwsh": "Register-ArgumentCompleter"}
    for shell, mark in marks.items():
        result = subprocess.run([RUNREHAB, "--show-completion", shell], capture_output=True, text=True,
                                env={**os.environ, "SHELL": running}, timeout=60)
        assert result.returncode == 0 and mark in result.stdout, (shell, running, result.stdout[:200])
        assert all(other not in result.stdout for name, other in marks.items() if other != mark), shell


def test_show_completion_of_an_unknown_shell_is_one_line_exit_2():
    result = subprocess.run([RUNREHAB, "--show-completion", "tcsh"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("runrehab: error: --show-completion: 'tcsh' is not a shell "
                             "(allowed: bash, zsh, fish, powershell, pwsh)\n")
