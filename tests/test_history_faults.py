"""The history under faults: processes writing at once, a process killed mid-write, folders
that refuse files."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import full_answers
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.history.store import History
from runrehab.rules.loader import load

KB = load()
ANSWERS = json.dumps(full_answers(KB, "tight-itb"))
CHECKIN = json.dumps({"progress": "better", "pain_score": 2,
                      **{q.id: "no" for q in KB.questions_for("tight-itb", "checkin") if q.red_flag}})


def runrehab(*args: str, stdin: str | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("RUNREHAB_KB", "RUNREHAB_DB")}
    return subprocess.Popen([sys.executable, "-m", "runrehab", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(procs: list[subprocess.Popen], inputs: list[str]) -> list[tuple[int, str]]:
    out = []
    for proc, given in zip(procs, inputs):
        _, err = proc.communicate(given, timeout=120)
        out.append((proc.returncode, err))
    return out


@pytest.mark.slow
def test_processes_triaging_into_a_new_history_at_once_lose_nothing(tmp_path):
    db = str(tmp_path / "h.db")
    symptoms = list(KB.symptoms) * 3
    procs = [runrehab("triage", "--answers", "-", "--db", db, "--date", "2026-03-01") for _ in symptoms]
    results = finish(procs, [json.dumps(full_answers(KB, s)) for s in symptoms])
    assert all(code == 0 for code, _ in results), results
    with History.open(Path(db)) as history:
        plans = history.plans()
    assert len(plans) == len(symptoms)
    assert sum(p.current for p in plans) == len(KB.symptoms)  # one current plan per symptom


@pytest.mark.slow
def test_processes_checking_in_at_once_lose_no_check_in(tmp_path):
    db = str(tmp_path / "h.db")
    made = CliRunner().invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01"], input=ANSWERS)
    assert made.exit_code == 0
    rounds, width = 4, 6
    for n in range(rounds):  # `width` processes at a time, each a check-in of its own
        procs = [runrehab("checkin", "--answers", "-", "--db", db, "--date", f"2026-03-0{2 + n}",
                          "--note", f"round {n} process {i}") for i in range(width)]
        results = finish(procs, [CHECKIN] * width)
        assert all(code == 0 for code, _ in results), results
    with History.open(Path(db)) as history:
        [plan] = history.plans()
        notes = sorted(c.document["note"] for c in history.checkins(plan.id))
    assert notes == sorted(f"round {n} process {i}" for n in range(rounds) for i in range(width))


WRITER = """
import json, sys
from pathlib import Path
from runrehab.history.store import History
db, plan_id, document = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
note = "x" * 200_000  # a large document, so that a write takes long enough to be killed in the middle
with History.open(db) as history:
    n = 0
    while True:
        history.save_checkin(plan_id, {"progress": "same"}, {**document, "note": f"{n}:{note}:end"})
        n += 1
        print(n, flush=True)
"""


@pytest.mark.slow
def test_a_writer_killed_mid_write_leaves_a_sound_history_with_no_half_check_in(tmp_path):
    db = tmp_path / "h.db"
    made = CliRunner().invoke(app, ["triage", "--answers", "-", "--db", str(db), "--date", "2026-03-01"], input=ANSWERS)
    assert made.exit_code == 0
    first = CliRunner().invoke(app, ["checkin", "--answers", "-", "--json", "--db", str(db), "--date", "2026-03-02"],
                               input=CHECKIN)
    assert first.exit_code == 0
    with History.open(db) as history:
        [plan] = history.plans()
    rng = random.Random(5)
    kills = 12
    for _ in range(kills):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(plan.id), first.stdout], stdout=subprocess.PIPE,
                                  text=True)
        assert writer.stdout is not None
        writer.stdout.readline()  # it is writing
        time.sleep(rng.uniform(0.0, 0.05))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    with History.open(db) as history:
        checkins = history.checkins(plan.id)
    assert len(checkins) >= kills + 1
    for c in checkins[1:]:  # every check-in there is whole
        assert c.document["note"].endswith(":end") and len(c.document["note"].split(":")[1]) == 200_000


def test_a_folder_that_refuses_files_is_reported(tmp_path):
    """/proc exists and refuses new files to every user, root included (permission bits do not)."""
    runner = CliRunner()
    result = runner.invoke(app, ["triage", "--answers", "-", "--db", "/proc/runrehab-h.db"], input=ANSWERS)
    assert result.exit_code == 2 and "/proc" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
