"""The test session never touches the user's own folders."""
from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import SESSION_HOME, XDG_FOLDERS, full_answers

from runrehab.cache import store as cache
from runrehab.commands.run import app
from runrehab.history.store import default_path
from runrehab.rules.loader import load


def inside_session_home(path: str | Path) -> bool:
    return Path(path).resolve().is_relative_to(SESSION_HOME.resolve())


def test_home_every_xdg_folder_and_every_runrehab_variable_point_into_the_session_home():
    assert inside_session_home(os.environ["HOME"])
    for name in XDG_FOLDERS:
        assert inside_session_home(os.environ[name]), name
    runrehab_vars = {name: value for name, value in os.environ.items() if name.startswith("RUNREHAB_")}
    assert set(runrehab_vars) >= {"RUNREHAB_DB", "RUNREHAB_CACHE"}
    for name, value in runrehab_vars.items():
        assert inside_session_home(value), name


def test_the_default_history_and_cache_lie_in_the_session_home(monkeypatch):
    assert inside_session_home(default_path())
    assert inside_session_home(cache.folder())
    monkeypatch.delenv("RUNREHAB_CACHE")
    assert inside_session_home(cache.folder())


def test_a_triage_without_db_is_kept_in_the_session_home(runner):
    answers = json.dumps(full_answers(load(), "tight-itb"))
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01"], input=answers)
    assert result.exit_code == 0
    assert inside_session_home(os.environ["RUNREHAB_DB"]) and Path(os.environ["RUNREHAB_DB"]).is_file()
