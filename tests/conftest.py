from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runrehab.kb import KnowledgeBase, load, shipped_dir


def pytest_configure(config: pytest.Config) -> None:
    """Rule-base cache entries go to a folder of this test run, never the user's cache; set
    before collection, since test modules load the rule base when imported."""
    os.environ["RUNREHAB_CACHE"] = tempfile.mkdtemp(prefix="runrehab-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("RUNREHAB_CACHE", ""), ignore_errors=True)


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


def red_flag_cases(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [(s, q.id) for s in kb.symptoms for q in kb.questions_for(s, "triage") if q.red_flag]
