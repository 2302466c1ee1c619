"""The cache of checked rule bases: used when the YAML is unchanged, never trusted over it."""
from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import full_answers, tiered
from typer.testing import CliRunner

from runrehab.cache import store as cache
from runrehab.commands.run import app
from runrehab.documents.as_json import JsonLines, to_data, to_json
from runrehab.engine.evaluate import checkin, triage
from runrehab.engine.validation import run_example
from runrehab.errors import KbError
from runrehab.rules import loader
from runrehab.rules.loader import load


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RUNREHAB_CACHE", str(folder))
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("kb-*.json"))


def refuse_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def read_base(base: Path):
        raise AssertionError("the YAML was read although the cache holds this rule base")
    monkeypatch.setattr(loader, "read_base", read_base)


def test_a_second_load_comes_from_the_cache(kb_copy, cache_dir, monkeypatch):
    first = load(kb_copy)
    assert len(entries(cache_dir)) == 1
    refuse_yaml(monkeypatch)
    second = load(kb_copy)
    assert second.content_hash == first.content_hash
    assert second.rules_file == first.rules_file and second.exercises_file == first.exercises_file
    assert second.directory == kb_copy


@pytest.mark.parametrize("value", [(1, 2), dt.date(2026, 1, 1), float("nan")])
def test_a_rule_base_json_would_not_give_back_as_it_is_is_not_kept(kb_copy, cache_dir, value):
    """A tuple comes back a list, a date and NaN are no JSON: such a rule base is used, not kept."""
    from runrehab.documents.record import updated
    from runrehab.rules.kb import KnowledgeBase

    kb = load(kb_copy)
    for entry in entries(cache_dir):
        entry.unlink()
    rule = kb.rules_file.rules[0]
    example = updated(rule.examples[0], answers={**rule.examples[0].answers, "odd": value})
    rules = updated(kb.rules_file, rules=[updated(rule, examples=[example]), *kb.rules_file.rules[1:]])
    loader._to_cache(KnowledgeBase(rules, kb.exercises_file, kb.directory, kb.content_hash), True)
    assert entries(cache_dir) == []
    loader._to_cache(kb, True)  # as read, it is kept
    assert len(entries(cache_dir)) == 1


def test_an_edited_rule_base_is_read_again_not_taken_from_the_cache(kb_copy, cache_dir):
    load(kb_copy)
    rules = kb_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("disclaimer: ", "disclaimer: Edited. ", 1),
                     encoding="utf-8")
    assert load(kb_copy).rules_file.disclaimer.startswith("Edited. ")
    assert len(entries(cache_dir)) == 2


def test_an_edit_that_breaks_the_rule_base_is_reported_though_the_old_one_is_cached(kb_copy, cache_dir):
    load(kb_copy)
    (kb_copy / "exercises.yaml").write_text("schema_version: 1\nexercises: []\n", encoding="utf-8")
    with pytest.raises(KbError):
        load(kb_copy)


def header_and_body(entry: Path) -> tuple[bytes, bytes]:
    header, _, body = entry.read_bytes().partition(b"\n")
    return header + b"\n", body


DAMAGE = {"empty": lambda header, body: b"", "text": lambda header, body: b"not an entry",
          "no header": lambda header, body: body, "truncated": lambda header, body: header + body[: len(body) // 2],
          "a list": lambda header, body: header + b"[1, 2]", "a number": lambda header, body: header + b"1e999",
          "nested": lambda header, body: header + b"[" * 100_000 + b"]" * 100_000,
          "bad pairs": lambda header, body: header + body.replace(b'"\\u0000pairs":[[', b'"\\u0000pairs":[[[', 1),
          "no fields": lambda header, body: header + b'{"content_hash": "x", "rules_file": {}, "exercises_file": {}}',
          "a rule's part": lambda header, body: header + body.replace(b'{"id":"', b'{"id":"~', 3),
          "another rule": lambda header, body: header + _swapped_parts(body),
          "a head's index": lambda header, body: header + body.replace(b'"ids":["', b'"ids":[7,"', 1),
          # a changed byte that leaves every part whole JSON of the right record
          "a field renamed": lambda header, body: header + body.replace(b'"stages"', b'"steges"', 1),
          "a level changed": lambda header, body: header + body.replace(b'"emergency"', b'"emergencz"', 1),
          "a head's symptoms": lambda header, body: header + body.replace(b'"symptoms":[["', b'"symptoms":[["x', 1)}


def _rewritten(body: bytes, record: str | None, field: str, value: Any) -> bytes:
    """The entry with a field of `record` (by id; None: the files' own fields, part 0) set to
    `value`, every CRC-32 made anew: only the decoded shape can tell."""
    from runrehab.cache.layout import Layout, laid_out

    layout = Layout(body)
    head = {k: v for k, v in layout.head.items() if k not in ("bounds", "sums")}
    parts = [layout.part(n) for n in range(len(layout))]
    for n, part in enumerate(parts):
        data = json.loads(part)
        if (record is None and n == 0) or (record is not None and n and data.get("id") == record):
            (data["rules_file"] if record is None else data)[field] = value
            parts[n] = json.dumps(data).encode()
    return laid_out(head, parts)


REWRITTEN = {  # (record, field, value): each gave a traceback
    "a rule's stages a number": ("red-flag-cauda-equina", "stages", 1),
    "a rule's condition text": ("red-flag-cauda-equina", "when", "x"),
    "a rule's outcome a list": ("red-flag-cauda-equina", "then", []),
    "an outcome of another record's fields": ("red-flag-cauda-equina", "then", {"id": "x", "quote": "y"}),
    "a question of no kind": ("red_flag_bladder", "type", "maybe"),
    "a question's choices a mapping": ("symptom", "choices", {"\u0000pairs": []}),
    "a field too many": ("red_flag_bladder", "extra", 1),
    "a rule for no stage": ("red-flag-cauda-equina", "stages", []),
    "a red flag without its sign": ("red_flag_bladder", "sign", None),
    "a red flag that is none": ("red_flag_bladder", "red_flag", False),
    "an integer question without its bounds": ("days", "min", None),
    "an exercise's name a number": ("clamshell", "name", 7),
    "the disclaimer a list": (None, "disclaimer", ["x"]),
    "the symptoms text": (None, "symptoms", "x"),
}
DAMAGE.update({name: (lambda header, body, how=how: header + _rewritten(body, *how)) for name, how in REWRITTEN.items()})
# one damage of each kind runs in every tier (the whole entry, its head, one part's bytes, parts
# swapped, a byte that leaves the JSON whole, nesting without end, a part rewritten with its
# checksums made anew); the others with `pytest -m slow`
EVERYDAY_DAMAGE = {"truncated", "a head's index", "a rule's part", "another rule", "a level changed", "nested",
                   "a red flag that is none"}


@pytest.mark.parametrize("how", tiered(list(REWRITTEN), lambda how: how in EVERYDAY_DAMAGE))
def test_an_entry_rewritten_with_valid_checksums_gives_the_plan_the_yaml_gives(kb_copy, cache_dir, tmp_path, how):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(full_answers(load(kb_copy), "posterior-leg-pain")), encoding="utf-8")
    args = ["triage", "--answers", str(answers), "--json", "--no-save", "--date", "2026-03-01", "--kb", str(kb_copy)]
    runner = CliRunner()
    unvetted = set(entries(cache_dir))  # the load above; a command keeps the rule base it vetted
    good = runner.invoke(app, args)
    [entry] = [e for e in entries(cache_dir) if e not in unvetted]
    header, body = header_and_body(entry)
    entry.write_bytes(DAMAGE[how](header, body))
    again = runner.invoke(app, args)
    assert (again.exit_code, again.stderr) == (0, "") and again.stdout == good.stdout
    assert runner.invoke(app, ["exercises", "--json", "--kb", str(kb_copy)]).exit_code == 0


def _swapped_parts(body: bytes) -> bytes:
    """The entry with two records' parts swapped (each still whole JSON), its head unchanged."""
    head, _, parts = body.partition(b"\n")
    bounds = json.loads(head[9:])["bounds"]  # after the head's CRC-32
    a, b, c = bounds[-4:-1]
    return head + b"\n" + parts[:a] + parts[b:c] + parts[a:b] + parts[c:]


@pytest.mark.parametrize("damage", tiered(list(DAMAGE), lambda damage: damage in EVERYDAY_DAMAGE))
def test_a_damaged_entry_is_rebuilt_from_the_yaml(kb_copy, cache_dir, damage):
    good = load(kb_copy)
    [entry] = entries(cache_dir)
    header, body = header_and_body(entry)
    entry.write_bytes(DAMAGE[damage](header, body))
    again = load(kb_copy)  # a damaged record is found when it is read: here, every one
    assert (again.rules_file, again.exercises_file) == (good.rules_file, good.exercises_file)
    assert entry.read_bytes() == header + body  # written anew


def test_a_cached_rule_base_reads_only_what_is_looked_up_and_gives_what_the_files_give(kb_copy, cache_dir):
    from conftest import full_answers

    from runrehab.engine.interview import complete, parse_answers
    from runrehab.rules.cached import Stored

    fresh = load(kb_copy)  # read from the files, and cached
    cached = load(kb_copy)
    lists = [cached.rules, cached.rules_file.questions, cached.rules_file.documents, cached.exercises_file.exercises]
    assert all(isinstance(stored, Stored) and stored.read == 0 for stored in lists)
    answers = complete(cached, parse_answers(cached, full_answers(cached, "hand-tingling")))
    plan = triage(cached, answers, dt.date(2026, 3, 1))
    assert 0 < sum(stored.read for stored in lists) < sum(len(stored) for stored in lists) / 2
    assert to_json(plan) == to_json(triage(fresh, answers, dt.date(2026, 3, 1)))
    for symptom in fresh.symptoms:
        for stage in ("triage", "checkin"):
            assert cached.questions_for(symptom, stage) == fresh.questions_for(symptom, stage)
            assert cached.rules_for(symptom, stage) == fresh.rules_for(symptom, stage)
    assert dict(cached.questions) == dict(fresh.questions) and dict(cached.exercises) == dict(fresh.exercises)
    assert dict(cached.variables) == dict(fresh.variables) and dict(cached.documents) == dict(fresh.documents)
    assert "no-such-id" not in cached.questions and cached.questions.get("no-such-id") is None

def test_an_entry_for_other_files_under_this_key_is_not_used(kb_copy, cache_dir, tmp_path):
    mine = load(kb_copy)
    [entry] = entries(cache_dir)
    other = tmp_path / "other"
    other.mkdir()
    for name in ("exercises.yaml", "rules.yaml"):
        (other / name).write_bytes((kb_copy / name).read_bytes())
    rules = other / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("disclaimer: ", "disclaimer: Other. ", 1),
                     encoding="utf-8")
    load(other)
    [theirs] = [e for e in entries(cache_dir) if e != entry]
    os.replace(theirs, entry)  # the other rule base's entry, under this one's name
    assert load(kb_copy).rules_file.disclaimer == mine.rules_file.disclaimer


def test_a_cache_folder_that_cannot_be_written_is_no_error(kb_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("RUNREHAB_CACHE", str(blocker / "cache"))
    assert load(kb_copy).rules
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_an_empty_runrehab_cache_turns_the_cache_off(kb_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("RUNREHAB_CACHE", "")
    monkeypatch.chdir(tmp_path)
    assert cache.entry_path("x") is None
    assert load(kb_copy).rules
    assert not list(tmp_path.rglob("kb-*"))


def test_old_entries_are_removed_beyond_the_limit(kb_copy, cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)  # the rule, not the number: fewer rule bases to read
    rules = kb_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    for n in range(cache.KEEP + 3):
        rules.write_text(text.replace("disclaimer: ", f"disclaimer: Version {n}. ", 1), encoding="utf-8")
        load(kb_copy)
    assert len(entries(cache_dir)) == cache.KEEP


def test_the_cli_prints_the_same_plan_with_the_cache_cold_warm_and_damaged(kb_copy, cache_dir, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(full_answers(load(kb_copy), "tight-itb")), encoding="utf-8")
    args = ["triage", "--answers", str(answers), "--json", "--no-save", "--date", "2026-03-01", "--kb", str(kb_copy)]
    runner = CliRunner()
    for entry in entries(cache_dir):
        entry.unlink()
    cold = runner.invoke(app, args)
    warm = runner.invoke(app, args)
    [entry] = entries(cache_dir)
    entry.write_bytes(b"damaged")
    damaged = runner.invoke(app, args)
    assert cold.exit_code == warm.exit_code == damaged.exit_code == 0
    assert cold.stdout == warm.stdout == damaged.stdout


def _damage_part(entry: Path, list_name: str, index: int) -> None:
    """One byte changed in the part of record `index` of a list of a rule base's entry."""
    header, body = header_and_body(entry)
    head_line, _, parts = body.partition(b"\n")
    head = json.loads(head_line[9:])  # after the head's CRC-32
    at = head["bounds"][head["lists"][list_name]["first"] + index] + 2
    entry.write_bytes(header + head_line + b"\n" + parts[:at] + bytes([parts[at] ^ 1]) + parts[at + 1:])


@pytest.mark.slow  # a rule base eight times the size; every tier meets damage mid-batch in the test above
def test_every_printed_dose_is_its_own_when_an_exercise_part_is_damaged_mid_batch(cache_dir, tmp_path):
    """The records read before a damaged part are freed when the list is made afresh, and later
    records take their addresses: a memo keyed by address printed one exercise's dose for another.
    Every dose printed by a batch that meets the damage is the one a fresh reading prints."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import scale_kb

    from runrehab.engine.evaluate import exercise_doc, printed_dose

    folder = scale_kb.write(8, tmp_path / "kb8")  # enough doses that freed addresses are taken again
    fresh, _, _ = loader.read_base(folder)
    assert fresh is not None

    def doses(kb) -> list[str]:
        printed = [printed_dose(kb, item.dose or kb.exercises[item.exercise].dose)
                   for rule in kb.rules for item in rule.then.routine]
        return [to_json(d) for d in (*printed, *(exercise_doc(kb, e).dose for e in kb.exercises_file.exercises))]

    expected = doses(fresh)
    load(folder)
    [entry] = entries(cache_dir)
    count = len(fresh.exercises_file.exercises)
    for index in (count // 4, count // 2, 3 * count // 4):
        _damage_part(entry, "exercises_file.exercises", index)
        assert doses(load(folder)) == expected


# ------------------------------------------------------------------ JSON Lines


def test_json_lines_write_what_json_dumps_writes_for_every_worked_example(kb):
    write = JsonLines()
    docs = [run_example(kb, example) for rule in kb.rules for example in rule.examples]
    docs += [triage(kb, full_answers(kb, "posterior-leg-pain", days=10), dt.date(2026, 3, 1), explain=True)]
    assert any(doc.escalation for doc in docs)  # keys spelt differently in Python (`if_`) are covered
    for _ in range(2):  # the second time from remembered lists
        for doc in docs:
            assert write(doc) == json.dumps(to_data(doc), ensure_ascii=False)
            assert json.loads(write(doc)) == json.loads(to_json(doc))


def test_json_lines_keep_up_when_their_memory_is_full(kb, monkeypatch):
    write = JsonLines()
    monkeypatch.setattr(JsonLines, "LIMIT", 2)
    plan = triage(kb, full_answers(kb, "tight-itb"), dt.date(2026, 3, 1))
    later = checkin(kb, plan, {"progress": "same", "pain_score": 3, **{k: v for k, v in plan.answers.items()
                                                                      if k.startswith("red_flag_")}},
                    dt.date(2026, 3, 9))
    for doc in (plan, later, plan, later):
        assert write(doc) == json.dumps(to_data(doc), ensure_ascii=False)


def test_json_lines_remember_a_bounded_amount_of_text_whatever_the_batch(kb):
    """Lists made afresh for every case (dated escalations) never recur: a long batch must not
    keep more text for them than the limit."""
    write = JsonLines()
    for day in range(400):
        doc = triage(kb, full_answers(kb, "posterior-leg-pain", days=10), dt.date(2026, 3, 1) + dt.timedelta(days=day))
        assert write(doc) == json.dumps(to_data(doc), ensure_ascii=False)
    remembered = sum(len(text) for _, text in write._texts.values())
    assert 0 < remembered <= JsonLines.LIMIT and write._size == remembered


# ------------------------------------------------------------------ entries planted by others


def planted_pickle(marker: Path) -> bytes:
    """What an attacker would plant for a cache that unpickles: it runs `touch marker` when loaded."""
    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    return pickle.dumps(Payload())


def test_a_planted_pickle_runs_nothing_and_is_replaced(kb_copy, cache_dir, tmp_path):
    good = load(kb_copy)
    [entry] = entries(cache_dir)
    header, body = header_and_body(entry)
    marker = tmp_path / "ran"
    for planted in (planted_pickle(marker), header + planted_pickle(marker)):
        entry.write_bytes(planted)
        assert load(kb_copy).rules_file == good.rules_file
        assert not marker.exists()
    assert entry.read_bytes() == header + body


def test_the_cache_folder_is_made_for_its_owner_alone(kb_copy, cache_dir):
    load(kb_copy)
    assert cache_dir.stat().st_mode & 0o777 == 0o700
    [entry] = entries(cache_dir)
    assert entry.stat().st_mode & 0o077 == 0


def test_entries_others_own_or_can_write_are_ignored_and_others_are_not_deleted(kb_copy, cache_dir, monkeypatch):
    load(kb_copy)
    [entry] = entries(cache_dir)
    refuse_yaml(monkeypatch)
    entry.chmod(0o620)
    with pytest.raises(AssertionError, match="YAML was read"):
        load(kb_copy)
    entry.chmod(0o602)
    with pytest.raises(AssertionError, match="YAML was read"):
        load(kb_copy)
    entry.chmod(0o600)
    assert load(kb_copy).rules  # the very same entry, now only its owner can write it
    os.chown(entry, 65534, 65534)  # another user's (the tests run as root, who can give files away)
    with pytest.raises(AssertionError, match="YAML was read"):
        load(kb_copy)
    monkeypatch.undo()
    monkeypatch.setattr(cache, "KEEP", 2)  # the rule, not the number: fewer rule bases to read
    theirs = entry.read_bytes()
    rules = kb_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    for n in range(cache.KEEP + 2):  # enough new entries to prune the other user's, were it ours
        rules.write_text(text.replace("disclaimer: ", f"disclaimer: Version {n}. ", 1), encoding="utf-8")
        load(kb_copy)
    assert entry.exists() and entry.read_bytes() == theirs and entry.stat().st_uid == 65534


@pytest.mark.parametrize("kind", ["symlink", "fifo", pytest.param("folder", marks=pytest.mark.slow)])
def test_an_entry_that_is_not_a_regular_file_is_ignored_without_waiting(kb_copy, cache_dir, tmp_path, kind,
                                                                        monkeypatch):
    good = load(kb_copy)
    [entry] = entries(cache_dir)
    real = tmp_path / "real-entry"
    os.replace(entry, real)
    if kind == "symlink":
        entry.symlink_to(real)  # a good entry, but a link planted by whoever can write the folder
    elif kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.mkdir()
    with monkeypatch.context() as patched:
        refuse_yaml(patched)
        with pytest.raises(AssertionError, match="YAML was read"):
            load(kb_copy)
    assert load(kb_copy).rules_file == good.rules_file


def test_the_cache_keeps_bytes_and_imports_nothing_of_runrehab():
    code = "import sys, runrehab.cache.store; print(sorted(m for m in sys.modules if m.startswith('runrehab')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['runrehab', 'runrehab.cache', 'runrehab.cache.store']"


def whole(held: cache.Held | None) -> bytes | None:
    return None if held is None else held.read(0, held.size)


def test_a_held_entry_is_what_get_reads_and_none_where_get_finds_none(cache_dir):
    cache.put("k", b"what is kept\n" * 1000)
    assert whole(cache.held("k")) == cache.get("k") == b"what is kept\n" * 1000
    assert cache.held("other key") is None
    [entry] = entries(cache_dir)
    header, body = header_and_body(entry)
    for damaged in (b"", header[:5], b"runrehab-cache another " + body, header):
        entry.write_bytes(damaged)
        assert whole(cache.held("k")) == cache.get("k") == (b"" if damaged == header else None)


def test_a_held_entry_stays_whole_when_the_entry_is_replaced_or_removed(cache_dir):
    cache.put("k", b"first" * 10_000)
    held = cache.held("k")
    cache.put("k", b"second")  # written anew and renamed over the first
    assert whole(cache.held("k")) == b"second"
    for path in entries(cache_dir):
        path.unlink()
    assert whole(held) == b"first" * 10_000


_CUT_SHORT = """
import os, sys
from runrehab.cache import store as cache
from runrehab.cache.layout import Damaged, Layout, laid_out

cache.put("k", laid_out({}, [b"part %d " % n * 1000 for n in range(1000)]))
layout = Layout(cache.held("k"))
os.truncate(cache.entry_path("k"), 4096)  # cut short under its reader, as another process may
try:
    layout.parts(0, len(layout))
except Damaged as exc:
    print("Damaged:", exc)
"""


def test_an_entry_cut_short_while_it_is_read_is_damaged_not_a_crash(cache_dir):
    """A mapped file cut short faults (SIGBUS) at the next page read: the process would end
    without a word. Run apart, so that such an end fails the test rather than the run."""
    done = subprocess.run([sys.executable, "-c", _CUT_SHORT], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "RUNREHAB_CACHE": str(cache_dir)})
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stdout == "Damaged: the entry was cut short\n"


_BATCH_CUT_SHORT = """
import os, sys
from runrehab.cache import store as cache
from runrehab.entry import main

held = cache.held
def cut_short(key):
    found = held(key)
    if found is not None:
        os.truncate(cache.entry_path(key), 100)  # cut short under its reader, as another process may
    return found
cache.held = cut_short
main()
"""


def test_a_batch_whose_cache_entries_are_cut_short_under_it_gives_every_plan(kb, cache_dir, tmp_path):
    cases = tmp_path / "cases.jsonl"
    from runrehab.batch.table import ENGINE_FIRST

    # past the cases the engine plans first, for two symptoms whose parts compile quickest: each part
    # compiled, then each met cut short
    symptoms = ["hand-tingling", "other"]
    count = len(symptoms) * (ENGINE_FIRST + 36)
    cases.write_text("".join(json.dumps(full_answers(kb, symptoms[n % len(symptoms)])) + "\n" for n in range(count)))
    args = ["triage", "--answers", str(cases), "--json", "--no-save", "--date", "2026-03-01"]
    env = {**os.environ, "RUNREHAB_CACHE": str(cache_dir)}
    expected = subprocess.run([sys.executable, "-m", "runrehab", *args], capture_output=True, env=env, timeout=120)
    assert expected.returncode == 0 and len(entries(cache_dir)) == 2  # the rule base's and the table's
    done = subprocess.run([sys.executable, "-c", _BATCH_CUT_SHORT, *args], capture_output=True, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == expected.stdout


def test_a_rule_base_json_cannot_give_back_exactly_is_not_cached(kb_copy, cache_dir, monkeypatch):
    from runrehab.rules import cached as kb_entry

    monkeypatch.setattr(kb_entry, "_plain", lambda value: value)  # Records as they are: not JSON data
    assert load(kb_copy).rules
    assert entries(cache_dir) == []


def test_temporaries_left_by_a_killed_writer_are_cleared_and_live_ones_kept(kb_copy, cache_dir):
    import os
    import time

    cache_dir.mkdir(parents=True)
    stale, live = cache_dir / ".kb-stale.tmp", cache_dir / ".kb-live.tmp"
    stale.write_bytes(b"half")
    live.write_bytes(b"half")
    old = time.time() - cache.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    load(kb_copy)
    assert not stale.exists() and live.exists()


def test_a_process_opens_each_version_of_a_cache_entry_once(cache_dir):
    load(None)  # the entry is made
    first = load(None)
    assert load(None) is first  # a second load in the same process reads and checks nothing again
    [entry] = entries(cache_dir)
    os.truncate(entry, entry.stat().st_size // 2)  # damaged since: it is read again, found damaged, made afresh
    again = load(None)
    assert again is not first and again.content_hash == first.content_hash
    assert [r.id for r in again.rules] == [r.id for r in first.rules]
