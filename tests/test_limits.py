"""Files that are not files, files without end, files too large or too deep, names too long:
every one refused in one line, promptly, without a traceback; streams of answers still work."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import full_answers, tiered

from runrehab import files
from runrehab.answers import file as answers_file
from runrehab.cache import store as cache
from runrehab.commands.run import app
from runrehab.errors import KbError
from runrehab.rules import loader, yaml_source
from runrehab.rules.kb import shipped_dir
from runrehab.rules.loader import load

ENV_KEEP = ("PATH", "HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "RUNREHAB_CACHE")


def run(args: list[str], tmp_path: Path, *, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """runrehab in a process of its own (a hang is a timeout, a crash a signal)."""
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    env["RUNREHAB_DB"] = str(tmp_path / "default.db")
    return subprocess.run([sys.executable, "-m", "runrehab", *args], capture_output=True, timeout=timeout,
                          env=env, text=True, **kwargs)


def one_error_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


# ------------------------------------------------------------------ not regular files


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def test_a_named_pipe_as_the_history_is_refused_without_waiting(tmp_path, fifo):
    result = run(["history", "--db", str(fifo)], tmp_path, timeout=20)
    assert result.returncode == 2
    assert "is a named pipe; expected a regular file" in one_error_line(result.stderr)


# either file is read by the same check; the exercises' pipe, with the rules read too, in the slow tier
@pytest.mark.parametrize("name", ["rules.yaml", pytest.param("exercises.yaml", marks=pytest.mark.slow)])
def test_a_named_pipe_in_the_rule_base_is_refused_without_waiting(tmp_path, kb_copy, name):
    (kb_copy / name).unlink()
    os.mkfifo(kb_copy / name)
    for command in (["symptoms"], ["validate"]):
        result = run([*command, "--kb", str(kb_copy)], tmp_path, timeout=20)
        assert result.returncode == 2, result.stderr
        said = result.stdout + result.stderr  # validate lists problems on stdout
        assert f"{name}:1:1: error: unreadable:" in said and "named pipe" in said


def complete_symptom(kb_dir: Path) -> subprocess.CompletedProcess:
    env = {"RUNREHAB_KB": str(kb_dir), "_RUNREHAB_COMPLETE": "complete_bash",
           "COMP_WORDS": "runrehab questions --symptom ", "COMP_CWORD": "3"}
    return subprocess.run([sys.executable, "-c", "from runrehab.entry import main; main()"], capture_output=True,
                          timeout=20, env={**{k: os.environ[k] for k in ENV_KEEP if k in os.environ}, **env})


def test_shell_completion_over_a_rule_base_with_a_named_pipe_returns_nothing_promptly(tmp_path, kb_copy):
    assert complete_symptom(kb_copy).stdout.split() == [b"tight-itb", b"posterior-leg-pain", b"hand-tingling", b"other", b"achilles", b"heel-pain",
                                                       b"front-knee", b"outside-knee", b"shin"]
    (kb_copy / "rules.yaml").unlink()
    os.mkfifo(kb_copy / "rules.yaml")
    result = complete_symptom(kb_copy)
    assert result.returncode == 0 and result.stdout.strip() == b"" and b"Traceback" not in result.stderr


def test_dev_zero_as_a_rule_base_file_is_refused(kb_copy, monkeypatch):
    (kb_copy / "rules.yaml").unlink()
    (kb_copy / "rules.yaml").symlink_to("/dev/zero")
    with pytest.raises(KbError) as caught:
        load(kb_copy)
    assert "is a device; expected a regular file" in str(caught.value)


def test_dev_zero_as_answers_is_refused(runner, tmp_path):
    result = runner.invoke(app, ["triage", "--answers", "/dev/zero", "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 2
    assert "/dev/zero is a device" in one_error_line(result.stderr)


# ------------------------------------------------------------------ sizes


def test_a_rule_base_file_over_the_limit_is_refused_before_it_is_parsed(kb_copy, monkeypatch):
    limit = (kb_copy / "exercises.yaml").stat().st_size  # the smaller file fits, rules.yaml does not
    assert (kb_copy / "rules.yaml").stat().st_size > limit
    monkeypatch.setattr(loader, "FILE_LIMIT", limit)
    with pytest.raises(KbError) as caught:
        load(kb_copy)
    [problem] = caught.value.problems  # the message shortens a long path in its middle: the file is in `file`
    assert problem.file.endswith("rules.yaml") and problem.code == "unreadable"
    assert problem.message.endswith(f"is larger than {limit} bytes, the most that is read")


def test_a_one_line_answers_file_over_a_lowered_line_limit_is_refused_at_that_limit(runner, tmp_path, monkeypatch):
    """The limit is the module's to set; that the line is never held whole is the next test's
    measure of the process's peak memory."""
    monkeypatch.setattr(answers_file, "LINE_LIMIT", 1000)
    monkeypatch.setattr(answers_file, "DOCUMENT_LIMIT", 1000)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 10_000_000)
    for source in (["--answers", str(big)], ["--answers", "-"]):
        result = runner.invoke(app, ["triage", *source, "--db", str(tmp_path / "h.db")],
                               input=big.read_bytes() if "-" in source else None)
        assert result.exit_code == 2
        assert "line 1 is longer than 1000 bytes, the most one line may take" in one_error_line(result.stderr)


def test_a_two_gigabyte_one_line_answers_file_is_refused_in_bounded_memory(tmp_path):
    """Peak memory of the whole process, for a file (sparse: no disk) and the same through a pipe."""
    big = tmp_path / "big.json"
    with open(big, "wb") as out:
        out.truncate(2 * 1024 ** 3)  # NUL bytes: no newline in 2 GB
    # VmHWM: the peak of this process's own memory (ru_maxrss may carry the forking parent's)
    script = ("from runrehab.entry import main\n"
              "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
              "peak = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
              "print(peak, code)\n")
    for how in ("file", "pipe"):
        args = [sys.executable, "-c", script, "triage", "--answers", str(big) if how == "file" else "-",
                "--db", str(tmp_path / "h.db")]
        proc = subprocess.Popen(args, stdin=subprocess.PIPE if how == "pipe" else None, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={k: os.environ[k] for k in ENV_KEEP if k in os.environ})
        if how == "pipe":
            try:
                with open(big, "rb") as source:
                    while chunk := source.read(1 << 20):
                        proc.stdin.write(chunk)
                proc.stdin.close()
            except BrokenPipeError:
                pass  # refused before the end: what is under test
            proc.stdin = None
        out, err = proc.communicate(timeout=60)
        peak_kb, code = out.split()
        assert code == b"2" and b"line 1 is longer than 1 MiB" in err, err
        assert int(peak_kb) < 150_000, f"{how}: {int(peak_kb) // 1024} MB"


def test_answers_from_a_pipe_and_from_dev_stdin_are_read(kb, tmp_path):
    answers = json.dumps(full_answers(kb, "tight-itb"))
    for spec in ("/dev/stdin", "-"):
        result = run(["triage", "--answers", spec, "--json", "--no-save"], tmp_path, input=answers)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["symptom"] == "tight-itb"
    # <(command): a pipe under /dev/fd, not seekable
    result = subprocess.run(["bash", "-c", f'exec "$0" -m runrehab triage --no-save --json --answers <(printf %s "$1")',
                             sys.executable, answers], capture_output=True, timeout=60,
                            env={k: os.environ[k] for k in ENV_KEEP if k in os.environ})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["triage_level"] == "self-care"


def test_a_batch_through_a_pipe_is_read_line_by_line(kb, tmp_path):
    lines = "".join(json.dumps(full_answers(kb, s)) + "\n" for s in ("tight-itb", "hand-tingling"))
    result = run(["triage", "--answers", "/dev/stdin", "--json"], tmp_path, input=lines)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["symptom"] for line in result.stdout.splitlines()] == ["tight-itb", "hand-tingling"]



def _fed_endlessly(stream: str, spec: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """runrehab triage --answers `spec` with the shell command `stream` (which never ends) on its
    stdin, no file of it allowed past 16 MiB (SIGXFSZ: a copy without bound fails the test
    rather than filling the disk)."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    return subprocess.run(["bash", "-c", f'{stream} | exec "$0" -m runrehab triage --no-save --answers {spec}', sys.executable],
                          capture_output=True, text=True, timeout=60, env=env, preexec_fn=limited)


# lines of text and empty lines, by stdin and by a path: each kind of stream and of path every time
@pytest.mark.parametrize("spec, stream", tiered([("-", "yes"), ("-", "yes ''"), ("<(cat)", "yes"), ("<(cat)", "yes ''")],
                                                lambda case: case in (("-", "yes ''"), ("<(cat)", "yes"))))
def test_endless_answers_that_are_no_json_lines_stop_at_the_document_limit(tmp_path, stream, spec):
    done = _fed_endlessly(stream, spec, tmp_path)
    assert done.returncode == 2, done.stderr
    assert one_error_line(done.stderr).endswith("is larger than 1 MiB, the most that is read")


@pytest.mark.parametrize("spec", ["-", "<(cat)"])
def test_endless_json_lines_stop_at_the_first_line_that_is_no_json_object(tmp_path, spec):
    done = _fed_endlessly("{ yes '{}' | head -n 100000; yes; }", spec, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--answers line 100001: not a valid JSON object" in one_error_line(done.stderr)


def test_answers_through_a_pipe_may_be_json_lines_of_any_length(kb, tmp_path):
    case = json.dumps(full_answers(kb, "tight-itb"))
    lines = "\n" * 1000 + (case + "\n") * 3000  # blank lines first, then more than 1 MiB of cases
    assert len(lines) > 1 << 20
    result = run(["triage", "--answers", "-", "--json", "--no-save"], tmp_path, input=lines)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3000



@pytest.mark.parametrize("command", [["triage", "--interactive"], ["triage", "--interactive", "--symptom", "tight-itb"]])
def test_an_endless_line_at_an_interactive_prompt_ends_in_one_line(tmp_path, command):
    """stdin no terminal, its line never ending: refused at ANSWER_LIMIT characters, in bounded
    memory (the address space capped, so that reading it whole is a failure of the test)."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    done = subprocess.run(["bash", "-c", 'yes | tr -d "\\n" | exec "$0" -m runrehab "$@"', sys.executable, *command,
                           "--db", str(tmp_path / "h.db")], capture_output=True, text=True, timeout=60, env=env,
                          preexec_fn=limited)
    assert done.returncode == 2, done.stderr
    assert one_error_line(done.stderr.split("> ")[-1]) == (
        "runrehab: error: an answer of more than 4096 characters at a prompt; nothing was saved")
    assert not (tmp_path / "h.db").exists()


# ------------------------------------------------------------------ hopeless and hostile rule bases


@pytest.mark.slow
def test_a_rule_base_nested_thirty_thousand_deep_is_refused_in_every_command(tmp_path, kb_copy):
    (kb_copy / "rules.yaml").write_text("[" * 30_000 + "\n")
    for command in (["validate"], ["symptoms"], ["exercise", "clamshell"]):
        result = run([*command, "--kb", str(kb_copy)], tmp_path)
        assert result.returncode == 2, (command, result.returncode, result.stderr)
        assert "rules.yaml:1:1: error: yaml: nested too deeply" in result.stdout + result.stderr
    completion = complete_symptom(kb_copy)
    assert completion.returncode == 0 and completion.stdout.strip() == b""
    (kb_copy / "rules.yaml").write_text("rules: " + "[" * 30_000 + "]" * 30_000 + "\n")  # well formed, and as deep
    result = run(["symptoms", "--kb", str(kb_copy)], tmp_path)
    assert result.returncode == 2 and "nested too deeply" in result.stderr


def test_the_shipped_rule_base_is_composed_by_libyaml(monkeypatch):
    """The depth check lets ordinary files take the fast way."""
    text = (shipped_dir() / "rules.yaml").read_text(encoding="utf-8")
    assert yaml_source.shallow_enough(text)
    assert not yaml_source.shallow_enough("a: " + "[" * 300 + "]" * 300)
    assert not yaml_source.shallow_enough("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(0, 400, 2)))
    assert not yaml_source.shallow_enough('a: "' + "[" * 300 + '"')  # quoted brackets go the slow, safe way


@pytest.mark.slow
def test_a_rule_base_with_a_hundred_thousand_unknown_keys_reports_a_capped_list(kb_copy, tmp_path):
    with open(kb_copy / "rules.yaml", "a", encoding="utf-8") as out:
        out.writelines(f"unknown_{i}: 1\n" for i in range(100_000))
    result = run(["validate", "--kb", str(kb_copy)], tmp_path)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert len(lines) == loader.MAX_PROBLEMS + 1
    assert lines[-1].endswith(f"error: too-many: {100_000 - loader.MAX_PROBLEMS} more problems not shown; "
                              "fix the ones above first")
    result = run(["symptoms", "--kb", str(kb_copy)], tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == loader.MAX_PROBLEMS + 1


# ------------------------------------------------------------------ names and permissions


LONG = "x" * 300


def test_a_name_too_long_for_the_history_or_the_rule_base_is_one_line(runner, tmp_path):
    for args in (["history", "--db", str(tmp_path / LONG)], ["plan", "--db", str(tmp_path / LONG / "h.db")],
                 ["symptoms", "--kb", str(tmp_path / LONG)],
                 ["triage", "--answers", str(tmp_path / LONG), "--db", str(tmp_path / "h.db")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        line = one_error_line(result.stderr)
        assert ("too long" in line or "no such file" in line) and len(line) < 300, line
    result = runner.invoke(app, ["validate", "--kb", str(tmp_path / LONG)])
    assert result.exit_code == 2 and "the name is too long" in one_error_line(result.stdout)


def test_paths_that_may_not_be_read_are_one_line(runner, tmp_path, kb_copy, monkeypatch):
    """As root every file can be read, so the refusal is made by the system call itself."""
    real_open, real_stat = os.open, os.stat

    def denied_open(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def denied_stat(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "locked")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)
    monkeypatch.setattr(files.os, "open", denied_open)
    monkeypatch.setattr(files.os, "stat", denied_stat)
    monkeypatch.setattr(cache, "get", lambda digest: None)
    answers = tmp_path / "a.json"
    answers.write_text("{}")
    for args, expected in ((["symptoms", "--kb", str(kb_copy)], "cannot read"),
                           (["triage", "--answers", str(answers)], "--answers: cannot read"),
                           (["history", "--db", str(tmp_path / "locked" / "h.db")], "history: cannot use")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        line = result.stderr.splitlines()[0]
        assert expected in line and "permission denied" in line, line
        assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ arguments


def test_error_lines_quote_huge_arguments_shortened(runner, tmp_path):
    for args in (["exercise", "y" * 126_000], ["plan", "--date", "2" * 100_000, "--db", str(tmp_path / "h.db")],
                 ["triage", "-a", "z" * 100_000, "--db", str(tmp_path / "h.db")],
                 ["questions", "--symptom", "s" * 100_000], ["schema", "q" * 100_000]):
        result = runner.invoke(app, args)
        assert result.exit_code in (1, 2)
        line = one_error_line(result.stderr)
        assert len(line) < 300, (args[0], len(line))


def test_json_answers_with_a_key_over_1024_characters_are_read_as_json(runner, kb, tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({**full_answers(kb, "tight-itb"), "k" * 2000: 1}))
    result = runner.invoke(app, ["triage", "--answers", str(answers), "--no-save"])
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "no question with id 'kkkk" in line and "not valid YAML" not in line
    answers.write_text("{days: 3}")  # a YAML flow mapping still reads as YAML
    result = runner.invoke(app, ["triage", "--answers", str(answers), "--no-save"])
    assert "missing answers for: symptom" in one_error_line(result.stderr)


def test_a_note_that_is_not_utf8_is_refused_before_anything_is_saved(kb, tmp_path):
    db = tmp_path / "h.db"
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(full_answers(kb, "tight-itb")))
    assert run(["triage", "--answers", str(answers), "--db", str(db), "--date", "2026-03-01"], tmp_path).returncode == 0
    checkin = ["checkin", "--db", str(db), "--date", "2026-03-04", "-a", "progress=same", "-a", "pain_score=3",
               *[f"-a{q.id}=no" for q in kb.questions_for("tight-itb", "checkin") if q.red_flag]]
    result = run([*checkin, "--note", os.fsdecode(b"bad \xff\xfe note")], tmp_path)
    assert result.returncode == 2
    assert "--note: 'bad \\udcff\\udcfe note' is not valid UTF-8 text" in one_error_line(result.stderr)
    history = run(["history", "--json", "--db", str(db)], tmp_path)
    assert json.loads(history.stdout)["plans"][0]["checkins"] == []
