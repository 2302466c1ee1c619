"""The history against another user, names that are not UTF-8, writes cut short and rows no
runrehab wrote: each refused or told in one line, never used as if it were the runner's own."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import full_answers
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.history import store as history
from runrehab.history.store import History
from runrehab.rules.loader import load

KB = load()
ANSWERS = json.dumps(full_answers(KB, "tight-itb"))
CHECKIN = json.dumps({"progress": "better", "pain_score": 2,
                      **{q.id: "no" for q in KB.questions_for("tight-itb", "checkin") if q.red_flag}})
NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a file another user's needs root")


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def triage(db: Path | str, date: str = "2026-03-01"):
    return cli("triage", "--answers", "-", "--json", "--db", str(db), "--date", date, input=ANSWERS)


def checkin(db: Path | str, date: str = "2026-03-03", *args: str):
    return cli("checkin", "--answers", "-", "--json", "--db", str(db), "--date", date, *args, input=CHECKIN)


def one_line(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr


def refused_not_saved(result) -> str:
    """The plan is shown (its advice must reach its reader), then one line: nothing was saved."""
    assert result.exit_code == 2 and "triage_level" in json.loads(result.stdout), (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and result.stderr.rstrip().endswith("nothing was saved")
    return result.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def log_entries(n: int) -> str:
    """n different entries (a log entry's identity is its exercise, date and time: n the same would be kept once)."""
    return json.dumps([{"exercise": "glute-bridge", "date": "2026-03-02", "time": f"{i // 60:02d}:{i % 60:02d}",
                        "sets": 3, "reps": 10, "pain_during": 1} for i in range(n)])


def rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ------------------------------------------------------------------ other users and shared folders


@as_root
def test_a_wal_and_shm_another_user_made_first_in_a_shared_folder_are_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # sticky, like /tmp
    db = shared / "h.db"
    for suffix in ("-wal", "-shm"):
        planted = Path(f"{db}{suffix}")
        planted.touch()
        planted.chmod(0o666)
        os.chown(planted, NOBODY, NOBODY)
    assert "another user" in refused_not_saved(triage(db))
    assert Path(f"{db}-wal").stat().st_size == 0  # nothing of the runner's written into it
    for args in (["history"], ["plan"], ["today"]):
        assert "another user" in one_line(cli(*args, "--db", str(db)))


@as_root
def test_a_wal_another_user_makes_while_the_history_is_being_opened_is_refused(tmp_path, monkeypatch):
    from runrehab.history import file as history_file

    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    recognise = history_file.recognise

    def planted_meanwhile(path):
        trouble = recognise(path)
        for suffix in ("-wal", "-shm"):
            planted = Path(f"{path}{suffix}")
            planted.touch()
            planted.chmod(0o666)
            os.chown(planted, NOBODY, NOBODY)
        return trouble

    monkeypatch.setattr(history_file, "recognise", planted_meanwhile)
    # SQLite run by root gives the files it opens the history's owner; their mode still tells
    error = refused_not_saved(triage(db, "2026-03-02"))
    assert "another user" in error or "other users can write" in error
    assert Path(f"{db}-wal").stat().st_size == 0


@as_root
def test_a_history_another_user_made_is_neither_read_nor_written(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0  # the other user's plan
    os.chown(db, NOBODY, NOBODY)
    db.chmod(0o666)
    assert "another user" in refused_not_saved(triage(db, "2026-03-02"))
    for args in (["history", "--json"], ["plan"], ["today"], ["checkin", "--answers", "-"],
                 ["forget", "--all", "--yes"]):
        assert "another user" in one_line(cli(*args, "--db", str(db), input=CHECKIN)), args
    os.chown(db, os.geteuid(), os.getegid())
    db.chmod(0o600)
    with History.open(db) as kept:
        assert len(kept.plans()) == 1


def test_a_write_ahead_log_that_is_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_text("the runner's own file\n")
    db = tmp_path / "h.db"
    Path(f"{db}-wal").symlink_to(victim)
    assert "symbolic link" in refused_not_saved(triage(db))
    assert "symbolic link" in one_line(cli("history", "--db", str(db)))
    assert victim.read_text() == "the runner's own file\n"


def test_a_history_of_ones_own_that_others_can_write_is_refused(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    db.chmod(0o666)
    assert "other users can write it" in refused_not_saved(triage(db, "2026-03-02"))
    assert "other users can write it" in one_line(cli("history", "--db", str(db)))
    db.chmod(0o600)  # as the message says, once its owner trusts it
    assert cli("history", "--db", str(db)).exit_code == 0


def test_reading_closes_a_history_and_runrehabs_data_folder_to_others(tmp_path, monkeypatch):
    monkeypatch.delenv("RUNREHAB_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert cli("triage", "--answers", "-", "--date", "2026-03-01", input=ANSWERS).exit_code == 0
    db = tmp_path / "data" / "runrehab" / "history.db"
    for args in (["plan"], ["today"], ["history"]):
        db.parent.chmod(0o755)  # as an earlier runrehab, or the runner, left them
        db.chmod(0o644)
        assert cli(*args).exit_code == 0, args
        assert (mode(db.parent), mode(db)) == (0o700, 0o600), args
    elsewhere = tmp_path / "mine"  # a folder the runner chose with --db is theirs to share
    elsewhere.mkdir(mode=0o755)
    assert triage(elsewhere / "h.db").exit_code == 0
    (elsewhere / "h.db").chmod(0o644)
    assert cli("history", "--db", str(elsewhere / "h.db")).exit_code == 0
    assert (mode(elsewhere), mode(elsewhere / "h.db")) == (0o755, 0o600)


@pytest.mark.parametrize("name", ["file:other.db", ":memory:", "file:other.db?mode=memory", "h.db#x"])
def test_a_db_is_a_file_name_never_an_sqlite_uri(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    assert triage(name).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [name]
    shown = cli("history", "--json", "--db", name)
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)["plans"]) == 1


# ------------------------------------------------------------------ names that are not UTF-8


def test_a_db_named_with_a_byte_that_is_not_utf8_is_used(tmp_path):
    db = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9\xff/h.db"))
    assert triage(db).exit_code == 0
    assert checkin(db).exit_code == 0
    for args in (["history"], ["plan"], ["today"], ["forget", "--all", "--yes"]):
        result = cli(*args, "--db", str(db))
        assert result.exit_code == 0 and "Traceback" not in result.stderr, (args, result.stderr)
    assert os.path.exists(bytes(tmp_path) + b"/caf\xe9\xff/h.db")


def run(args: list[str | bytes], env: dict[bytes, bytes]) -> subprocess.CompletedProcess:
    base = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items() if not k.startswith(("RUNREHAB_DB", "LC_", "LANG"))}
    return subprocess.run([sys.executable, "-m", "runrehab", *args], input=ANSWERS.encode(), capture_output=True,
                          env={**base, **env}, timeout=120)


@pytest.mark.slow
def test_a_home_or_data_folder_named_with_a_byte_that_is_not_utf8_keeps_the_history(tmp_path):
    for variable in (b"HOME", b"XDG_DATA_HOME"):
        home = bytes(tmp_path) + b"/" + variable + b"-\xff"
        env = {b"HOME": home, b"XDG_DATA_HOME": home + b"/data"} if variable == b"HOME" else {b"XDG_DATA_HOME": home}
        if variable == b"HOME":
            env.pop(b"XDG_DATA_HOME")
        made = run(["triage", "--answers", "-", "--date", "2026-03-01"], env)
        assert made.returncode == 0, made.stderr
        shown = run(["history", "--json"], env)  # its path is the folder's name: bytes as the system has them
        assert shown.returncode == 0, shown.stderr
        assert len(json.loads(shown.stdout.decode("utf-8", "surrogateescape"))["plans"]) == 1


LOCALEDEF = shutil.which("localedef")


@pytest.mark.slow
@pytest.mark.skipif(LOCALEDEF is None, reason="no localedef to make a Latin-1 locale")
def test_under_a_latin1_locale_a_home_named_jose_keeps_the_history(tmp_path):
    made = subprocess.run([LOCALEDEF, "-i", "en_US", "-f", "ISO-8859-1", str(tmp_path / "en_US.ISO-8859-1")],
                          capture_output=True)
    if made.returncode not in (0, 1) or not (tmp_path / "en_US.ISO-8859-1").exists():
        pytest.skip(f"cannot make a Latin-1 locale: {made.stderr[-200:]!r}")
    home = bytes(tmp_path) + b"/jos\xe9"  # "josé" as Latin-1 writes it
    os.mkdir(home)
    env = {b"HOME": home, b"XDG_DATA_HOME": home + b"/.local/share", b"LOCPATH": os.fsencode(tmp_path),
           b"LC_ALL": b"en_US.ISO-8859-1"}
    probe = subprocess.run([sys.executable, "-c", "import sys; print(sys.getfilesystemencoding())"],
                           capture_output=True, text=True, env={**{os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}, **env})
    assert probe.stdout.strip() == "iso8859-1", probe
    saved = run(["triage", "--answers", "-", "--date", "2026-03-01"], env)
    assert saved.returncode == 0, saved.stderr
    assert os.path.exists(home + b"/.local/share/runrehab/history.db")
    shown = run(["history", "--json"], env)  # written in the locale's encoding
    assert shown.returncode == 0 and len(json.loads(shown.stdout.decode("latin-1"))["plans"]) == 1, shown.stderr


# ------------------------------------------------------------------ interrupted and partial writes


def test_a_session_log_is_kept_whole_or_not_at_all_when_a_write_fails(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    with sqlite3.connect(db) as conn:  # the disk fills after 30 entries
        conn.execute("CREATE TRIGGER full BEFORE INSERT ON exercise_logs WHEN (SELECT count(*) FROM exercise_logs) >= 30"
                     " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    result = cli("session", "--log", "-", "--db", str(db), "--date", "2026-03-02", input=log_entries(100))
    assert one_line(result).rstrip().endswith("nothing was saved")
    assert rows(db, "exercise_logs") == 0


def test_a_session_log_interrupted_keeps_nothing_and_a_retry_keeps_it_once(tmp_path, monkeypatch):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    calls = []
    now = history._now

    def interrupted_at_the_30th():
        calls.append(1)
        if len(calls) == 30:
            raise KeyboardInterrupt
        return now()

    monkeypatch.setattr(history, "_now", interrupted_at_the_30th)
    result = cli("session", "--log", "-", "--db", str(db), "--date", "2026-03-02", input=log_entries(100))
    assert "interrupted; nothing was saved" in one_line(result, 130)
    assert rows(db, "exercise_logs") == 0
    result = cli("session", "--log", "-", "--db", str(db), "--date", "2026-03-02", input=log_entries(100))
    assert result.exit_code == 0, result.stderr
    assert rows(db, "exercise_logs") == 100


@pytest.mark.slow
def test_a_session_log_killed_while_it_is_written_is_all_there_or_not_at_all(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    entries = 3000
    env = {k: v for k, v in os.environ.items() if k != "RUNREHAB_DB"}
    writer = subprocess.Popen([sys.executable, "-m", "runrehab", "session", "--log", "-", "--db", str(db),
                               "--date", "2026-03-02"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)
    writer.stdin.write(log_entries(entries).encode())
    writer.stdin.close()
    seen = 0
    while not seen and writer.poll() is None:  # killed the moment any of it shows
        try:
            seen = rows(db, "exercise_logs")
        except sqlite3.OperationalError:  # busy: look again
            pass
    writer.kill()
    writer.wait()
    assert rows(db, "exercise_logs") in (0, entries)
    assert seen in (0, entries)


class InterruptedCommit(sqlite3.Connection):
    """Ctrl-C pressed while the commit waits on the disk: Python raises it once the commit returns."""

    def commit(self) -> None:
        super().commit()
        raise KeyboardInterrupt


def test_ctrl_c_during_the_commit_of_a_check_in_says_it_was_saved(tmp_path, monkeypatch):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, **k, factory=InterruptedCommit))
    result = checkin(db)
    monkeypatch.setattr(sqlite3, "connect", connect)
    error = one_line(result, 130)
    assert "interrupted, but the check-in was saved to" in error and "nothing was saved" not in error
    assert rows(db, "checkins") == 1


def test_ctrl_c_before_the_commit_of_a_check_in_says_nothing_was_saved(tmp_path, monkeypatch):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(history, "_now", interrupted)
    assert "interrupted; nothing was saved" in one_line(checkin(db), 130)
    assert rows(db, "checkins") == 0


SECRET = b"a note only the runner may read"


def traces(db: Path) -> bool:
    return any(SECRET in Path(f"{db}{suffix}").read_bytes() for suffix in ("", "-wal") if Path(f"{db}{suffix}").exists())


@pytest.fixture
def noted(tmp_path) -> Path:
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    assert checkin(db, "2026-03-03", "--note", SECRET.decode()).exit_code == 0
    return db


def reading(db: Path) -> sqlite3.Connection:
    """Another program in the middle of reading the history: its snapshot holds the pages."""
    reader = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM checkins").fetchone()
    return reader


def test_forget_while_another_program_reads_says_what_is_not_yet_erased(noted, monkeypatch):
    monkeypatch.setattr(history, "ERASE_WAIT_SECONDS", 0.3)
    reader = reading(noted)
    try:
        error = one_line(cli("forget", "--all", "--yes", "--db", str(noted)))
        assert "deleted 1 plan(s)" in error and "stays readable" in error and "again" in error
        assert traces(noted)  # what the message says: not yet erased
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    again = cli("forget", "--all", "--yes", "--db", str(noted))
    assert again.exit_code == 0 and "deleted 0 plan(s)" in again.stderr, again.stderr
    assert not traces(noted)


def test_ctrl_c_while_forget_waits_to_erase_says_the_plans_were_deleted(noted, monkeypatch):
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(History, "_erased", interrupted)
    error = one_line(cli("forget", "--all", "--yes", "--db", str(noted)), 130)
    assert "interrupted, but the plans asked for were deleted from" in error
    assert rows(noted, "plans") == 0


def test_forget_waits_for_a_short_read_to_end_then_erases(noted):
    reader = reading(noted)

    def end_soon():
        time.sleep(0.5)
        reader.execute("ROLLBACK")

    ending = threading.Thread(target=end_soon)
    ending.start()
    try:
        result = cli("forget", "--all", "--yes", "--db", str(noted))
    finally:
        ending.join()
        reader.close()
    assert result.exit_code == 0 and "deleted 1 plan(s)" in result.stderr, result.stderr
    assert not traces(noted)


# ------------------------------------------------------------------ damaged rows


def damaged(db: Path, *statements: str) -> None:
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)
    sqlite3.connect(db).close()


def reported(db: Path, commands: list[list[str]], says: str = "damaged") -> None:
    for args in commands:
        result = cli(*args, "--db", str(db), input=ANSWERS if args[0] == "triage" else CHECKIN)
        if args[0] == "triage":
            assert says in refused_not_saved(result), args
        else:
            assert says in one_line(result) and str(db) in result.stderr, args


CHECKIN_ARGS = ["checkin", "--answers", "-", "--date", "2026-03-05"]


def test_a_check_in_dated_at_the_end_of_the_calendar_is_damage(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0 and checkin(db).exit_code == 0
    damaged(db, "UPDATE checkins SET date = '9999-12-31', document = json_set(document, '$.date', '9999-12-31')")
    reported(db, [CHECKIN_ARGS, ["plan", "--date", "2026-03-05"], ["history"], ["today", "--date", "2026-03-05"]])


def test_a_logged_exercise_nested_deep_is_damage(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    assert cli("session", "--log", "-", "--db", str(db), "--date", "2026-03-02", input=log_entries(1)).exit_code == 0
    damaged(db, "UPDATE exercise_logs SET entry = '" + "[" * 100_000 + "]" * 100_000 + "'")
    reported(db, [["today", "--date", "2026-03-02"], ["plan", "--date", "2026-03-02"],
                  ["checkin", "--answers", "-", "--date", "2026-03-02"]])


@pytest.mark.parametrize("version", [-1, 0])
def test_a_schema_version_runrehab_never_wrote_is_damage(tmp_path, version):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    damaged(db, f"PRAGMA user_version = {version}")
    reported(db, [["triage", "--answers", "-", "--json"], CHECKIN_ARGS, ["forget", "--all", "--yes"], ["history"]])


def test_a_plan_whose_kb_version_is_a_blob_is_damage(tmp_path):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    damaged(db, "UPDATE plans SET kb_version = x'00ff'")
    reported(db, [["history", "--json"], ["history"]])


TEN = [["triage", "--answers", "-", "--json"], CHECKIN_ARGS, ["plan"], ["plan", "--format", "ics"],
       ["plan", "--format", "markdown"], ["today"], ["history"], ["history", "--json"], ["session", "--json"],
       ["forget", "--all", "--yes"]]


@pytest.mark.parametrize("missing", ["plans.kb_hash", "plans.current", "checkins.answers", "exercise_logs.entry",
                                     "checkins"])
def test_a_table_or_column_missing_is_damage_in_every_command(tmp_path, missing):
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    table, _, column = missing.partition(".")
    if column:
        if column == "current":
            damaged(db, "DROP INDEX plans_current")
        damaged(db, f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        damaged(db, f"DROP TABLE {table}")
    reported(db, TEN, f"no {column} column" if column else f"no {table} table")


def test_another_running_plans_symptom_that_is_a_blob_is_damage(tmp_path):
    """The views name the other running plans by their symptom column alone, checked as it is read."""
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    other = json.dumps(full_answers(KB, "posterior-leg-pain"))
    assert cli("triage", "--answers", "-", "--json", "--date", "2026-03-01", "--db", str(db), input=other).exit_code == 0
    damaged(db, "UPDATE plans SET symptom = x'00ff' WHERE symptom = 'posterior-leg-pain'")
    reported(db, [["plan", "--symptom", "tight-itb", "--json"], ["checkin", "--symptom", "tight-itb", "--answers", "-"]])


def damage_first_page(db: Path, name: str) -> None:
    """The root page of table or index `name` given a b-tree header SQLite never writes."""
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    sqlite3.connect(db).close()  # the write-ahead log copied back into the file
    with open(db, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * 12)


def test_a_damaged_page_is_reported_when_read_and_nothing_is_written(tmp_path):
    """Opening a history checks its header and schema, not every page (that would read the whole
    file at every command): a page damaged behind runrehab's back is reported by SQLite when a
    command reads it, in one line, and a check-in saves nothing."""
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        assert checkin(db, day).exit_code == 0
    damage_first_page(db, "links")
    before = db.read_bytes()
    for args in (["plan", "--json"], ["plan", "--format", "markdown"], ["history", "--json"], CHECKIN_ARGS):
        result = cli(*args, "--db", str(db), input=CHECKIN)
        assert "malformed" in one_line(result) and str(db) in result.stderr, args
    assert db.read_bytes() == before


def test_a_damaged_page_no_command_reads_is_found_before_anything_is_written(tmp_path):
    """An index no view reads, damaged behind runrehab's back: the views still read the history,
    but a check-in checks every page before it writes and saves nothing."""
    db = tmp_path / "h.db"
    assert triage(db).exit_code == 0
    assert checkin(db, "2026-03-02").exit_code == 0
    damage_first_page(db, "exercise_logs_uid")
    before = db.read_bytes()
    assert cli("plan", "--json", "--db", str(db)).exit_code == 0
    result = cli(*CHECKIN_ARGS, "--db", str(db), input=CHECKIN)
    assert result.exit_code == 2 and "damaged" in one_line(result) and "nothing was saved" in result.stderr
    assert db.read_bytes() == before
