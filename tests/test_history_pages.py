"""What a view makes in memory as a plan's check-ins grow: SQLite's page cache kept small while a
view reads (each page of the check-ins is read once) and set to SQLite's default for a write; a
long JSON document written without one more copy of it, byte for byte as before."""
from __future__ import annotations

import json

from conftest import full_answers

from runrehab.commands.run import app
from runrehab.history import file as history_file
from runrehab.history.store import History
from runrehab.render import write_json
from runrehab.rules.loader import load

KB = load()


def cache_size(history: History) -> int:
    return history._conn.execute("PRAGMA cache_size").fetchone()[0]


def test_a_view_reads_with_a_small_page_cache_and_a_write_with_sqlites_default(runner, tmp_path):
    db = tmp_path / "h.db"
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--db", str(db)],
                           input=json.dumps(full_answers(KB, "tight-itb")))
    assert result.exit_code == 0, result.output
    with History.open(db) as history:
        assert cache_size(history) == history_file.READ_CACHE
        assert history_file.READ_CACHE > history_file.WRITE_CACHE == -2000  # KiB: a quarter MiB, and SQLite's default
        with history._writing():
            assert cache_size(history) == history_file.WRITE_CACHE
    for args in (["plan", "--json"], ["plan", "--format", "markdown"], ["today", "--json"]):
        assert runner.invoke(app, [*args, "--db", str(db)]).exit_code == 0, args


def test_a_json_document_long_or_short_is_written_whole_with_one_newline(capsys):
    for text in ("{}", "[\n" + ",\n".join(f'  {{"day": {n}, "said": "é"}}' for n in range(5_000)) + "\n]"):
        write_json(text)
        assert capsys.readouterr().out == text + "\n"
