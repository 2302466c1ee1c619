from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

# The whole session runs in a home of its own, set before runrehab is imported (test modules load
# the rule base when imported): no test reads or writes the user's history, cache or settings,
# whatever RUNREHAB_ variables the user has set. Each pytest-xdist worker is a process that imports
# this file, so each has a home, a history and a cache of its own.
#
# The tests write thousands of small histories, each commit synced to the disk: where the machine
# has a folder in memory (/dev/shm) with room to spare (a container's may hold only 64 MiB) and
# TMPDIR names no other, every temporary folder (tmp_path, this home, the programs the tests start)
# is made there, so that no test waits for a disk.
MEMORY = Path("/dev/shm")
if "TMPDIR" not in os.environ and MEMORY.is_dir() and os.access(MEMORY, os.W_OK | os.X_OK) \
        and shutil.disk_usage(MEMORY).free >= 1 << 30:
    os.environ["TMPDIR"] = tempfile.tempdir = str(MEMORY)
SESSION_HOME = Path(tempfile.mkdtemp(prefix="runrehab-test-home-"))
XDG_FOLDERS = {"XDG_DATA_HOME": "data", "XDG_CACHE_HOME": "cache", "XDG_CONFIG_HOME": "config",
               "XDG_STATE_HOME": "state", "XDG_RUNTIME_DIR": "runtime", "XDG_DATA_DIRS": "share",
               "XDG_CONFIG_DIRS": "etc"}
for _name in [n for n in os.environ if n.startswith("RUNREHAB_")]:
    del os.environ[_name]
os.environ["HOME"] = str(SESSION_HOME)
for _name, _folder in XDG_FOLDERS.items():
    os.environ[_name] = str(SESSION_HOME / _folder)
    (SESSION_HOME / _folder).mkdir(mode=0o700)
os.environ["RUNREHAB_CACHE"] = str(SESSION_HOME / "runrehab-cache")
# A pytest-xdist worker runs with COLUMNS=80: a program under test at a pseudo-terminal would take
# that over the terminal's own width. Each test that needs a width says it.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)
os.environ["RUNREHAB_DB"] = str(SESSION_HOME / "runrehab-history.db")

import pytest  # noqa: E402
import typer.testing  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from runrehab.rules.kb import KnowledgeBase, shipped_dir  # noqa: E402
from runrehab.rules.loader import load  # noqa: E402


# Whether this run holds the slow tier (`-m slow`, or no marker expression at all): there a test
# hypothesis generates cases for tries all its examples, in the everyday tier a fifth of them.
EXHAUSTIVE = True


def pytest_configure(config: pytest.Config) -> None:
    global EXHAUSTIVE
    from _pytest.mark.expression import Expression

    expression = config.getoption("markexpr")
    EXHAUSTIVE = not expression or Expression.compile(expression).evaluate(lambda name, **_: name == "slow")


def examples(count: int) -> int:
    """`max_examples` for a test hypothesis generates cases for: `count` in the slow tier, a fifth
    (at least 3) in the everyday one. Such a test runs in both tiers (see below)."""
    return count if EXHAUSTIVE else max(count // 5, 3)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the slow tier, the tests hypothesis generates cases for run too, with all their examples
    (marked slow before `-m` selects)."""
    if EXHAUSTIVE and config.getoption("markexpr"):
        for item in items:
            if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
                item.add_marker(pytest.mark.slow)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_HOME, ignore_errors=True)


_COMMANDS: dict[tuple[object, ...], Any] = {}


def _command_of(app: Any) -> Any:
    """The click command typer builds from `app`, built once per set of registered commands.

    CliRunner.invoke builds it afresh at every call by reading every command's signature (half the
    time of an invocation); a program builds it once at its start, as this does once per test
    process. The key holds the app and what is registered on it, so a changed app is built again."""
    key = (app, tuple(map(id, app.registered_commands)), tuple(map(id, app.registered_groups)),
           id(app.registered_callback))
    if key not in _COMMANDS:
        _COMMANDS[key] = typer.main.get_command(app)
    return _COMMANDS[key]


typer.testing._get_command = _command_of

_VALIDATORS: dict[str, Any] = {}


def conforms(instance: Any, schema: dict[str, Any]) -> None:
    """`jsonschema.validate(instance, schema)`, with each schema checked against its meta-schema
    once per test process rather than at every call: raises the same best-matching
    ValidationError."""
    import jsonschema  # here: a test process that checks no document never imports it

    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[key] = cls(schema)
    error = jsonschema.exceptions.best_match(_VALIDATORS[key].iter_errors(instance))
    if error is not None:
        raise error


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped rule base, to break on purpose."""
    target = tmp_path / "kb"
    target.mkdir()
    for name in ("exercises.yaml", "rules.yaml"):
        shutil.copy(shipped_dir() / name, target / name)
    shutil.copytree(shipped_dir() / "sources", target / "sources")
    return target


def full_answers(kb: KnowledgeBase, symptom: str, **changes: Any) -> dict[str, Any]:
    """Answers a script would send: the required ones, every red flag no, then `changes`."""
    answers: dict[str, Any] = {"symptom": symptom, "days": 3, "pain_score": 3, "pain_at_rest": "no"}
    for q in kb.questions_for(symptom, "triage"):
        if q.red_flag:
            answers[q.id] = "no"
    answers.update(changes)
    return answers


@pytest.fixture
def planned(runner: CliRunner, kb: KnowledgeBase, tmp_path: Path) -> str:
    """A history (its path) holding one tight-itb plan of 2026-03-01, every warning sign answered no."""
    from runrehab.commands.run import app

    path = str(tmp_path / "h.db")
    result = runner.invoke(app, ["triage", "--answers", "-", "--db", path, "--date", "2026-03-01"],
                           input=json.dumps(full_answers(kb, "tight-itb")))
    assert result.exit_code == 0, result.stderr
    return path


def tiered(cases: list[Any], fast: Callable[[Any], bool]) -> list[Any]:
    """Parameters of an exhaustive test: the cases `fast` picks run in every tier, the others
    only in the slow one (`pytest -m slow`)."""
    return [pytest.param(*(c if isinstance(c, tuple) else (c,)), marks=() if fast(c) else pytest.mark.slow)
            for c in cases]


def first_of_each(cases: list[tuple[str, str]]) -> Callable[[tuple[str, str]], bool]:
    """Picks the first case of each symptom in (symptom, ...) cases."""
    firsts = {case[0]: case for case in reversed(cases)}
    return lambda case: firsts[case[0]] == case


def red_flag_cases(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [(s, q.id) for s in kb.symptoms for q in kb.questions_for(s, "triage") if q.red_flag]
