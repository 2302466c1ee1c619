"""Output that cannot be written, standard streams the shell closed, and locales that cannot
encode every character: each ends in one line (or, for a reader that left, quietly) with the
README's exit status, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import full_answers, tiered

from runrehab.streams import CLOSED_PIPE_EXIT

ENV_KEEP = ("PATH", "HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "RUNREHAB_CACHE")


def environment(**extra: str) -> dict[str, str]:
    return {**{k: os.environ[k] for k in ENV_KEEP if k in os.environ}, "COLUMNS": "100", **extra}


def shell(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`script` in bash, with $R the runrehab command and $D a history in tmp_path; the output
    read in the encoding asked for (strictly: a character it cannot carry fails the test)."""
    return subprocess.run(["bash", "-c", f'R="{sys.executable} -m runrehab"; D={tmp_path / "h.db"}; {script}'],
                          capture_output=True, timeout=120, env=environment(**env),
                          encoding=env.get("PYTHONIOENCODING", "utf-8"))


@pytest.fixture(scope="module")
def made(kb, tmp_path_factory) -> Path:
    """A history with a tight-itb plan, and the answers files for it and for a check-in (the
    tests that save use their own history)."""
    tmp_path = tmp_path_factory.mktemp("made")
    (tmp_path / "a.json").write_text(json.dumps(full_answers(kb, "tight-itb")))
    (tmp_path / "c.json").write_text(json.dumps({"progress": "same", "pain_score": 3, **{
        q.id: "no" for q in kb.questions_for("tight-itb", "checkin") if q.red_flag}}))
    result = shell(f"$R triage --answers {tmp_path / 'a.json'} --db $D --date 2026-03-01 >/dev/null", tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


# Every command ends through the same guard (entry.main); these cover the library's own output
# (--help), the fast path (--version), rich views, JSON, the handout and a saving command.
COMMANDS = ["--version", "--help", "exercises --json", "exercise clamshell", "plan --format markdown --db $D",
            "history --db $D", "triage --no-save --answers a.json"]


@pytest.mark.parametrize("command", tiered(COMMANDS, lambda c: c.startswith("triage")))
def test_a_full_disk_for_stdout_is_one_line_and_exit_2(made, command):
    result = shell(f"cd {made}; $R {command} >/dev/full", made)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr == "runrehab: error: cannot write the output: No space left on device\n"


def test_a_full_disk_after_saving_says_what_was_saved(made, tmp_path):
    result = shell(f"cd {made}; $R triage --answers a.json --db $D --date 2026-03-02 >/dev/full", tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == \
        f"runrehab: error: cannot write the output: No space left on device (the plan was saved to {tmp_path / 'h.db'})"
    result = shell(f"cd {made}; $R checkin --answers c.json --db $D --date 2026-03-04 >/dev/full", tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("runrehab: error: cannot write the output: No space left on device "
                             f"(the check-in was saved to {tmp_path / 'h.db'})\n")


@pytest.mark.parametrize("command", tiered(COMMANDS, lambda c: c.startswith("exercises")))
def test_a_reader_that_leaves_ends_every_command_the_same_quiet_way(made, command):
    result = shell(f"cd {made}; $R {command} | (exec 0<&-; sleep 0.2); exit ${{PIPESTATUS[0]}}", made)
    assert (result.returncode, result.stderr) == (CLOSED_PIPE_EXIT, ""), command


def test_a_batch_into_head_ends_quietly(made, kb, tmp_path):
    # over 2 MB of plans either way: twice what a widened pipe holds
    lines = "".join(json.dumps(full_answers(kb, s)) + "\n" for s in kb.symptoms for _ in range(40))
    (tmp_path / "batch.jsonl").write_text(lines)
    for output in ("--json", ""):
        result = shell(f"cd {tmp_path}; $R triage --answers batch.jsonl {output} | head -1 >/dev/null; "
                       "exit ${PIPESTATUS[0]}", made)
        assert (result.returncode, result.stderr) == (CLOSED_PIPE_EXIT, "")


def test_a_json_batch_reaches_a_pipe_a_file_and_a_file_written_before_whole(made, kb, tmp_path, runner):
    """A JSON batch's plans wait in a temporary file and are copied to stdout by the kernel where
    it can (a pipe, a file) and by reading and writing where not (CliRunner's stdout): the same bytes,
    after whatever stdout held before."""
    from runrehab.commands.run import app

    # past what a widened pipe holds (1 MiB): the kernel copies it in several goes
    lines = "".join(json.dumps(full_answers(kb, s)) + "\n" for s in kb.symptoms for _ in range(25))
    (tmp_path / "batch.jsonl").write_text(lines)
    run = "$R triage --answers batch.jsonl --json --no-save --date 2026-03-01"
    piped = shell(f"cd {tmp_path}; {run}", made)
    written = shell(f"cd {tmp_path}; echo before >out.txt; {run} >>out.txt", made)
    assert (piped.returncode, written.returncode) == (0, 0), (piped.stderr, written.stderr)
    through_python = runner.invoke(app, ["triage", "--answers", str(tmp_path / "batch.jsonl"), "--json",
                                         "--no-save", "--date", "2026-03-01"])
    assert len(piped.stdout.splitlines()) == 25 * len(kb.symptoms)
    assert piped.stdout == through_python.stdout
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "before\n" + piped.stdout
    full = shell(f"cd {tmp_path}; {run} >/dev/full", made)
    assert (full.returncode, full.stderr) == (2, "runrehab: error: cannot write the output: No space left on device\n")

def test_closed_stdout_is_one_line_and_closed_stdin_reads_as_empty(made):
    for command in ("--version", "exercises", "history --db $D"):
        result = shell(f"$R {command} >&-", made)
        assert result.returncode == 2
        assert result.stderr == "runrehab: error: standard output is closed; give it a file, a pipe or a terminal\n"
    result = shell(f"cd {made}; $R exercises <&- | head -1", made)
    assert result.returncode == 0 and result.stdout.startswith("id")
    result = shell("$R triage --db $D <&-", made)
    assert result.returncode == 2 and result.stderr.startswith("runrehab: error: missing answers for: symptom")


def test_a_history_opened_while_stdout_is_closed_never_receives_the_output(made):
    before = (made / "h.db").read_bytes()
    shell("$R plan --db $D >&-", made)
    assert (made / "h.db").read_bytes() == before


def test_a_full_temporary_folder_is_one_line(monkeypatch, runner, kb, tmp_path):
    import errno
    import tempfile

    from runrehab.commands.run import app

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    (tmp_path / "batch.jsonl").write_text("".join(json.dumps(full_answers(kb, "tight-itb")) + "\n" for _ in range(3)))
    result = runner.invoke(app, ["triage", "--answers", "-", "--json"], input="{}\n")  # stdin is copied first
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("runrehab: error: ") and len(result.stderr.splitlines()) == 1
    assert result.stderr.endswith(f"in {tempfile.gettempdir()}: No space left on device\n"), result.stderr
    # a batch's JSON plans wait in a temporary file until the last line has been checked
    result = runner.invoke(app, ["triage", "--answers", str(tmp_path / "batch.jsonl"), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"runrehab: error: cannot write the plans of the batch in {tempfile.gettempdir()}: " \
                            "No space left on device\n"
    # its views are checked whole, then read again: they need no temporary file
    result = runner.invoke(app, ["triage", "--answers", str(tmp_path / "batch.jsonl")])
    assert result.exit_code == 0 and result.stdout.count("is not a diagnosis") == 3, result.stderr


VIEWS = ["plan --db $D --date 2026-03-05", "plan --format markdown --db $D", "history --db $D", "exercises",
         "exercise clamshell", "questions", "symptoms", "triage --no-save --explain --answers a.json",
         "history --json --db $D"]


@pytest.mark.parametrize(("command", "encoding"), tiered([*((v, "ascii") for v in VIEWS), *((v, "latin-1") for v in VIEWS[:3])],
                                                          lambda case: case[1] == "ascii"))
def test_every_view_prints_in_a_locale_that_cannot_encode_it(made, command, encoding):
    result = shell(f"cd {made}; $R {command}", made, PYTHONIOENCODING=encoding)
    assert result.returncode == 0, result.stderr
    if "--json" in command:
        json.loads(result.stdout)
    if encoding == "ascii" and "history" in command and "--json" not in command:
        assert "#" in result.stdout and "day 0" in result.stdout  # pain bars in ASCII


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32-le", "latin-1"])
def test_a_json_batch_in_another_stdout_encoding_holds_the_same_plans(made, kb, encoding):
    """Encodings that mark where they begin or take more than a byte for a newline included."""
    rows = [full_answers(kb, symptom) for symptom in ("tight-itb", "hand-tingling")]
    (made / "two.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    command = f"cd {made}; $R triage --no-save --json --answers two.jsonl --date 2026-03-01"
    plain, other = shell(command, made), shell(command, made, PYTHONIOENCODING=encoding)
    assert other.returncode == 0, other.stderr
    assert [json.loads(line) for line in other.stdout.splitlines()] == [json.loads(line) for line in plain.stdout.splitlines()]
    assert len(other.stdout.splitlines()) == 2


def test_json_in_an_ascii_locale_escapes_what_it_cannot_encode(made):
    plain = shell(f"cd {made}; $R exercises --json", made)  # the doses' ranges are written with an en dash
    ascii_only = shell(f"cd {made}; $R exercises --json", made, PYTHONIOENCODING="ascii")
    assert not plain.stdout.isascii() and ascii_only.stdout.isascii()
    assert json.loads(ascii_only.stdout) == json.loads(plain.stdout)


@pytest.mark.slow
def test_the_interview_in_an_ascii_locale_shows_plain_dashes(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "runrehab", "triage", "--db", str(tmp_path / "h.db")],
                          env=environment(NO_COLOR="1", PYTHONIOENCODING="ascii"), encoding="ascii",
                          codec_errors="replace", timeout=30, dimensions=(40, 100))
    child.expect("Where does it hurt")
    child.sendline("hand")
    index = child.expect([r"\[0-3650\] > ", r"\[y/n\] > "])
    while index == 1:  # red flags come first
        child.sendline("n")
        index = child.expect([r"\[0-3650\] > ", r"\[y/n\] > "])
    assert "\\u2013" not in child.before
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
