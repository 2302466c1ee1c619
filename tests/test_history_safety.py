"""The history as health data: private, made whole under concurrency, damage reported in one
line, and sound files that cannot be written told apart from damaged ones."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import full_answers
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.history import file as history_file
from runrehab.history.store import History
from runrehab.rules.loader import load

KB = load()
ANSWERS = json.dumps(full_answers(KB, "tight-itb"))
CHECKIN = json.dumps({"progress": "better", "pain_score": 2,
                      **{q.id: "no" for q in KB.questions_for("tight-itb", "checkin") if q.red_flag}})


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def triage(db: Path | str, date: str = "2026-03-01"):
    return cli("triage", "--answers", "-", "--json", "--db", str(db), "--date", date, input=ANSWERS)


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    return result.stderr


def shown_not_saved(result, document: str = "plan") -> str:
    """A triage or check-in the history could not take: its document is shown all the same (its
    advice must reach its reader), then one line saying why nothing was saved, exit 2."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    shown = json.loads(result.stdout)
    assert ("triage_level" if document == "plan" else "decision") in shown
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stderr.rstrip().endswith("nothing was saved")
    return result.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ privacy


def test_a_new_history_its_folder_and_its_wal_and_shm_files_are_for_their_owner_alone(tmp_path):
    db = tmp_path / "data" / "runrehab" / "history.db"
    assert triage(db).exit_code == 0
    assert mode(db.parent) == 0o700 and mode(db) == 0o600
    with History.open(db) as history:  # a connection open: the WAL and SHM files exist
        history.save_checkin(1, {}, json.loads(cli("checkin", "--answers", "-", "--json", "--db", str(db),
                                                   "--date", "2026-03-02",
                                                   input=CHECKIN).stdout))
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{db}{suffix}")) == 0o600, suffix
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".history-")]  # no temporary file left


def test_a_history_others_could_read_is_closed_to_them_on_the_next_write(tmp_path):
    db = tmp_path / "history.db"
    assert triage(db).exit_code == 0
    db.chmod(0o644)  # as an earlier runrehab made it
    assert triage(db, "2026-03-02").exit_code == 0
    assert mode(db) == 0o600


# ------------------------------------------------------------------ concurrency


@pytest.mark.slow
def test_eight_first_triages_at_once_into_a_new_history_are_all_kept(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RUNREHAB_DB"}
    rounds, writers = 3, 8
    for n in range(rounds):
        db = tmp_path / f"round-{n}" / "h.db"
        procs = [subprocess.Popen([sys.executable, "-m", "runrehab", "triage", "--answers", "-", "--db", str(db),
                                   "--date", f"2026-03-0{1 + i % 9}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env) for i in range(writers)]
        results = [(p.communicate(ANSWERS, timeout=120)[1], p.returncode) for p in procs]
        assert all(code == 0 for _, code in results), results
        with History.open(db) as history:
            assert len(history.plans()) == writers
        assert mode(db) == 0o600


# ------------------------------------------------------------------ the path itself


def test_a_dangling_symlink_as_db_is_refused_and_its_target_not_created(tmp_path):
    link = tmp_path / "h.db"
    link.symlink_to(tmp_path / "elsewhere" / "target.db")
    (tmp_path / "elsewhere").mkdir()
    assert "symbolic link" in shown_not_saved(triage(link))
    for result in (cli("history", "--db", str(link)), cli("plan", "--db", str(link))):
        assert "symbolic link" in one_line_error(result)
    assert not (tmp_path / "elsewhere" / "target.db").exists()


def test_a_symlink_to_a_history_is_followed(tmp_path):
    real = tmp_path / "real.db"
    assert triage(real).exit_code == 0
    link = tmp_path / "link.db"
    link.symlink_to(real)
    assert triage(link, "2026-03-02").exit_code == 0
    assert len(History.open(real).plans()) == 2


# ------------------------------------------------------------------ damaged rows


def damage_plan(doc: dict) -> None:
    doc["answers"]["pain_score"] = 2_000_000_000


DAMAGE = {
    "plan date": "UPDATE plans SET date = 'yesterday'",
    "plan date impossible": "UPDATE plans SET date = '2026-02-30'",
    "document a list": "UPDATE plans SET document = '[1,2]'",
    "document empty": "UPDATE plans SET document = '{}'",
    "document a huge number": "UPDATE plans SET document = '1e999'",
    "document nested": "UPDATE plans SET document = '" + "[" * 100_000 + "]" * 100_000 + "'",
    "document a blob": "UPDATE plans SET document = x'00ff'",
    "plan pain as text": "UPDATE plans SET document = json_set(document, '$.answers.pain_score', '7')",
    "plan pain huge": "UPDATE plans SET document = json_set(document, '$.answers.pain_score', 2000000000)",
    "plan date in document": "UPDATE plans SET document = json_set(document, '$.date', 'yesterday')",
    "check-in pain as text": "UPDATE checkins SET document = json_set(document, '$.pain_score', '7')",
    "check-in pain huge": "UPDATE checkins SET document = json_set(document, '$.pain_score', 2000000000)",
    "check-in date": "UPDATE checkins SET date = 'yesterday'",
    "check-in nested": "UPDATE checkins SET document = '" + "{\"a\":" * 50_000 + "1" + "}" * 50_000 + "'",
}


@pytest.fixture
def stored(tmp_path) -> Path:
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    assert cli("checkin", "--answers", "-", "--db", str(db), "--date", "2026-03-03", input=CHECKIN).exit_code == 0
    return db


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_row_is_reported_in_one_line_by_every_command_that_reads_it(stored, damage):
    conn = sqlite3.connect(stored)
    conn.execute(DAMAGE[damage])
    conn.commit()
    conn.close()
    commands = [["history"], ["history", "--json"], ["plan", "--date", "2026-03-04"]]
    if not damage.startswith("check-in"):  # a check-in reads the plan alone
        commands.append(["checkin", "--answers", "-", "--date", "2026-03-04"])
    for args in commands:
        result = cli(*args, "--db", str(stored), input=CHECKIN)
        assert "damaged" in one_line_error(result) and str(stored) in result.stderr, args


def test_a_trigger_that_aborts_a_write_is_reported_and_nothing_is_saved(stored):
    conn = sqlite3.connect(stored)
    conn.execute("CREATE TRIGGER no BEFORE INSERT ON checkins BEGIN SELECT RAISE(ABORT, 'planted'); END")
    conn.execute("CREATE TRIGGER no_plans BEFORE INSERT ON plans BEGIN SELECT RAISE(FAIL, 'planted'); END")
    conn.commit()
    conn.close()
    result = cli("checkin", "--answers", "-", "--json", "--db", str(stored), "--date", "2026-03-04", input=CHECKIN)
    assert "planted" in shown_not_saved(result, "checkin")
    assert "planted" in shown_not_saved(triage(stored, "2026-03-05"))
    with History.open(stored) as history:
        assert len(history.plans()) == 1 and len(history.checkins(1)) == 1


def test_a_warning_sign_is_shown_whatever_stands_in_the_way_of_saving_it(tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_text("not a history\n")
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "nowhere" / "h.db")
    for db in (damaged, link):
        result = cli("triage", "-a", "symptom=hand-tingling", "-a", "red_flag_chest_pain=yes", "--db", str(db))
        assert result.exit_code == 2 and "EMERGENCY" in result.stdout, (db, result.stdout)
        assert len(result.stderr.splitlines()) == 1 and result.stderr.rstrip().endswith("nothing was saved")
    assert damaged.read_text() == "not a history\n" and not (tmp_path / "nowhere").exists()


# ------------------------------------------------------------------ sound files that cannot be written


def test_a_locked_rollback_journal_history_is_called_locked_not_damaged(stored, monkeypatch):
    conn = sqlite3.connect(stored, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(history_file, "BUSY_TIMEOUT_MS", 100)
    try:
        for args in (["history"], ["plan"]):
            error = one_line_error(cli(*args, "--db", str(stored)))
            assert "locked" in error and "damaged" not in error
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert cli("history", "--db", str(stored)).exit_code == 0


UNSHARE = shutil.which("unshare")


def in_private_mount(script: str) -> subprocess.CompletedProcess:
    """Run `script` (sh) in a mount namespace of its own, where it may mount a small tmpfs at $M."""
    return subprocess.run([UNSHARE, "-rm", "sh", "-ec", f"M=$(mktemp -d)\nmount -t tmpfs -o size=256k tmpfs $M\n{script}"],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "RUNREHAB_DB"})


def has_private_mounts() -> bool:
    return UNSHARE is not None and in_private_mount("true").returncode == 0


needs_mounts = pytest.mark.skipif(not has_private_mounts(), reason="no mount namespaces here")
RUN = f"{sys.executable} -m runrehab"


@needs_mounts
def test_a_full_disk_is_called_full_and_the_history_is_still_read():
    out = in_private_mount(f"""
echo '{ANSWERS}' | {RUN} triage --answers - --db $M/h.db --date 2026-03-01 >/dev/null 2>&1
dd if=/dev/zero of=$M/fill bs=4k 2>/dev/null || true
echo '{ANSWERS}' | {RUN} triage --answers - --db $M/h.db --date 2026-03-02 >/dev/null 2>$M/../err1 || echo "triage $?"
echo '{ANSWERS}' | {RUN} triage --answers - --db $M/new.db --date 2026-03-02 >/dev/null 2>>$M/../err1 || echo "new $?"
cat $M/../err1 >&2
{RUN} history --db $M/h.db --json
""")
    assert "triage 2" in out.stdout and "new 2" in out.stdout, out.stderr
    errors = out.stderr.splitlines()
    assert len(errors) == 2 and all("is full" in e and "damaged" not in e for e in errors), errors
    assert "nothing was saved" in errors[0]
    history = json.loads(out.stdout[out.stdout.index("{"):])
    assert [p["plan"]["date"] for p in history["plans"]] == ["2026-03-01"]


@needs_mounts
def test_a_read_only_mount_is_called_read_only_and_the_history_is_still_read():
    out = in_private_mount(f"""
echo '{ANSWERS}' | {RUN} triage --answers - --db $M/h.db --date 2026-03-01 >/dev/null 2>&1
mount -o remount,ro $M
echo '{ANSWERS}' | {RUN} triage --answers - --db $M/h.db --date 2026-03-02 >/dev/null || echo "triage $?"
{RUN} plan --db $M/h.db --json --date 2026-03-03
""")
    assert "triage 2" in out.stdout
    [error] = out.stderr.splitlines()
    assert "read-only file system" in error and "damaged" not in error
    assert json.loads(out.stdout[out.stdout.index("{"):])["day"] == 2


def runs_as_nobody() -> bool:
    """Root can run this interpreter as another user (not when it lives in root's own home)."""
    if os.geteuid() != 0:
        return False
    try:
        return subprocess.run([sys.executable, "-c", "import runrehab"], user=65534, group=65534,
                              capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not runs_as_nobody(), reason="needs root and an interpreter another user can run")
def test_another_users_history_is_refused_and_ones_own_in_a_folder_one_cannot_write_is_read():
    shared = Path(tempfile.mkdtemp(prefix="runrehab-shared-"))
    try:
        shared.chmod(0o755)
        db = shared / "h.db"
        assert triage(db).exit_code == 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNREHAB_")}
        env.update(HOME=str(shared), RUNREHAB_CACHE="")

        def as_nobody(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "runrehab", *args, "--db", str(db)], input=ANSWERS,
                                  capture_output=True, text=True, env=env, user=65534, group=65534, timeout=60)

        for shared_mode in (0o600, 0o644):  # readable by others or not, it is not theirs to use
            db.chmod(shared_mode)
            refused = as_nobody("history", "--json")
            assert refused.returncode == 2 and "another user" in refused.stderr and refused.stdout == "", refused.stderr
        written = as_nobody("triage", "--answers", "-", "--date", "2026-03-02")
        assert written.returncode == 2 and "another user" in written.stderr and "damaged" not in written.stderr
        assert len(written.stderr.splitlines()) == 1
        os.chown(db, 65534, 65534)  # now it is theirs, in a folder they cannot write: read, not written
        db.chmod(0o600)
        shown = as_nobody("history", "--json")
        assert shown.returncode == 0, shown.stderr
        assert len(json.loads(shown.stdout)["plans"]) == 1
        written = as_nobody("triage", "--answers", "-", "--date", "2026-03-02")
        assert written.returncode == 2 and "no permission" in written.stderr and "damaged" not in written.stderr
        assert len(written.stderr.splitlines()) == 1
    finally:
        shutil.rmtree(shared)
