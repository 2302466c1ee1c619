"""Start-up: what a command does before its own work begins, watched in a process of its own."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import full_answers

from runrehab import collector
from runrehab.cache.store import OWN_SHA256_BYTES, sha256

# Runs the command as the `runrehab` script does, and reports on stderr, as JSON: how many times the
# cyclic collector ran between the start of entry.main and the command's beginning (collector.release),
# whether it was on again after that, and how many objects start-up set aside for good.
PROBE = """
import gc, json, sys
from runrehab import collector
from runrehab.entry import main

def collections():
    return sum(s["collections"] for s in gc.get_stats())

seen = {}
held_off = collector.release

def release():  # the first call counts: later ones (a command run from another) find nothing held
    if "on while starting" not in seen:
        seen["during start-up"] = collections() - seen["at start"]
        seen["on while starting"] = gc.isenabled()
    held_off()
    seen.setdefault("on in the command", gc.isenabled())
    seen.setdefault("set aside", gc.get_freeze_count())
    seen.setdefault("young", gc.get_threshold()[0])

collector.release = release
sys.argv = ["runrehab", *sys.argv[1:]]
seen["at start"] = collections()
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
finally:
    seen["on at the end"] = gc.isenabled()
    seen["openssl loaded"] = "_hashlib" in sys.modules
    print(json.dumps(seen), file=sys.stderr)
"""


def watched(tmp_path: Path, *args: str) -> dict:
    env = {**os.environ, "RUNREHAB_CACHE": str(tmp_path / "cache"), "RUNREHAB_DB": str(tmp_path / "h.db")}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.splitlines()[-1])


def test_the_collector_waits_for_the_command_then_runs_as_ever(tmp_path, kb):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(full_answers(kb, "tight-itb")), encoding="utf-8")
    batch = tmp_path / "b.jsonl"
    batch.write_text("".join(json.dumps(full_answers(kb, s)) + "\n" for s in kb.symptoms), encoding="utf-8")
    for args in (["triage", "--answers", str(answers), "--json", "--no-save"], ["exercise", "clamshell", "--json"],
                 ["triage", "--answers", str(batch), "--json", "--no-save"], ["validate"]):
        seen = watched(tmp_path, *args)
        assert seen["during start-up"] == 0 and not seen["on while starting"], (args, seen)
        assert seen["on in the command"] and seen["on at the end"], (args, seen)  # a long batch collects its cycles
        assert seen["set aside"] > 10_000, (args, seen)  # the modules, typer's among them
        assert seen["young"] == collector.YOUNG, (args, seen)  # the young generation walked less often


def test_a_command_line_that_reaches_no_command_still_ends_well(tmp_path):
    env = {**os.environ, "RUNREHAB_CACHE": str(tmp_path / "cache"), "RUNREHAB_DB": str(tmp_path / "h.db")}
    for args, code in ((["--help"], 0), (["triage", "--no-such-option"], 2), (["--version"], 0)):
        done = subprocess.run([sys.executable, "-m", "runrehab", *args], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == code and "Traceback" not in done.stderr, (args, done.stderr)


def test_a_warm_command_hashes_the_shipped_rule_base_without_loading_openssl(tmp_path, kb):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(full_answers(kb, "tight-itb")), encoding="utf-8")
    triage = ["triage", "--answers", str(answers), "--json", "--no-save"]
    watched(tmp_path, *triage[:-1])  # fills the cache, and saves a plan
    for args in (triage, ["exercise", "clamshell", "--json"], ["plan", "--json"]):
        assert not watched(tmp_path, *args)["openssl loaded"], args


def test_sha256_is_hashlibs_on_either_side_of_the_size_openssl_is_loaded_for():
    import hashlib

    for size in (0, 1, OWN_SHA256_BYTES - 1, OWN_SHA256_BYTES, OWN_SHA256_BYTES + 1, 3 * OWN_SHA256_BYTES):
        data = bytes(range(251)) * (size // 251) + b"x" * (size % 251)
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest(), size
    grown = sha256()
    grown.update(b"rules")
    assert grown.hexdigest() == hashlib.sha256(b"rules").hexdigest()


def test_an_exercise_is_found_by_id_name_alias_or_case_decoding_only_itself(kb_copy, tmp_path, monkeypatch):
    from runrehab.rules import loader

    monkeypatch.setenv("RUNREHAB_CACHE", str(tmp_path / "cache"))
    from_yaml = loader.load(kb_copy)  # read from the files, and cached
    for wanted in ("clamshell", "CLAMSHELL", from_yaml.exercises["clamshell"].name,
                   *from_yaml.exercises["piriformis-stretch"].aliases):
        loader._OPENED.clear()  # the entry opened afresh, as by a new command
        warm = loader.load(kb_copy)
        found = warm.find_exercise(wanted)
        assert found == from_yaml.find_exercise(wanted), wanted
        assert type(warm.exercises_file.exercises).__name__ == "Stored"
        assert warm.exercises_file.exercises.read <= 1, wanted


def test_names_in_an_entrys_head_that_do_not_fit_its_ids_are_damage():
    from runrehab.cache.layout import Damaged, laid_out, Layout
    from runrehab.rules.cached import Stored

    layout = Layout(laid_out({}, [b"{}", b"{}"]))
    shape = [{"record": ["Exercise"]}]
    Stored(layout, 0, ["a", "b"], [[], []], None, shape, [["a", "A"], ["b", "B", "bee"]])
    for names in ([["b", "A"], ["a", "B"]], [["a", "A"]], [["a"], ["b", "B"]], [["a", 1], ["b", "B"]], "ab"):
        with pytest.raises(Damaged):
            Stored(layout, 0, ["a", "b"], [[], []], None, shape, names)
