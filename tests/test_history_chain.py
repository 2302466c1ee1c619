"""Where a plan stands after each check-in, kept with the check-in (history/chain.py): the same
as walking every check-in, whatever their order, kinds and dates; a history made before it is
read whole and linked at its next check-in; a row changed behind runrehab's back is damage."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import examples, full_answers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runrehab.commands.run import app
from runrehab.engine.progression import before_checkin
from runrehab.engine.state import prescribed, summary_of
from runrehab.documents.as_json import to_data
from runrehab.documents.kinds import CheckinSummary
from runrehab.documents.record import fields_of, updated
from runrehab.documents.vocabulary import warning_answers
from runrehab.history import file as history_file
from runrehab.history.chain import Reader, seal
from runrehab.history.store import History
from runrehab.history.summaries import COLUMNS, KEPT, kept, listed_seal, row_seal, summary_text
from runrehab.history.tracking import Current, before_of, plan_state, plan_status
from runrehab.rules.loader import load

KB = load()
SYMPTOM = "tight-itb"
START = dt.date(2026, 3, 1)
FLAGS = [q.id for q in KB.questions_for(SYMPTOM, "checkin") if q.red_flag]


def triage(runner, db: Path) -> None:
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", START.isoformat(), "--db", str(db)],
                           input=json.dumps(full_answers(KB, SYMPTOM)))
    assert result.exit_code == 0, result.output


def checkin(runner, db: Path, day: int, progress: str = "better", pain: int = 2, *, flag: str | None = None,
            morning: str = "settled", cleared: bool = False):
    answers = {"progress": progress, "pain_score": pain, "morning_after": morning,
               **{q: "yes" if q == flag else "no" for q in FLAGS}}
    args = ["checkin", "--answers", "-", "--json", "--date", (START + dt.timedelta(days=day)).isoformat(),
            "--db", str(db)]
    if cleared:
        args += ["-a", "cleared_by_clinician=yes"]
    return runner.invoke(app, args, input=json.dumps(answers))


def same_as_the_walk(db: Path, days: list[dt.date]) -> None:
    """Every stored link, and what a check-in on each of `days` is told, equal the full walk's."""
    with History.open(db) as history:
        stored = history.current_plan(SYMPTOM)
        reader = Reader(history, stored.id, stored.record)
        everything = [c.record for c in history.checkins(stored.id)]
        for day in [None, *days]:
            assert reader.standing(before=day) == reader.walked(before=day), day
        now = Current(history, stored, stored.record)
        for day in days:
            assert before_of(now, day) == before_checkin(stored.record, everything, day), day
        assert plan_state(stored.record, now.standing()).status == plan_state(
            stored.record, reader.walked()).status
        summaries = reader.summaries()
        assert [json.loads(t) for _, _, t in summaries] == [to_data(s) for _, s, _ in summaries]
        assert [fields_of(s) for _, s, _ in summaries] == [
            {**{k: getattr(c, k) for k in fields_of(s) if k not in ("routine", "prescribed")},
             "routine": [i.exercise for i in c.routine], "prescribed": prescribed(c)}
            for (_, s, _), c in zip(summaries, everything)] and len(summaries) == len(everything)
        tried: dict = {}
        for routine in (stored.record.routine, *(c.routine for c in everything)):
            tried.update((item.exercise, item) for item in routine)
        assert now.routine_tried(summaries) == list(tried.values())
        status = plan_status(now, START + dt.timedelta(days=14), whole=True)
        assert calendar(status) == calendar(updated(status, checkins=everything))
        from runrehab.render.markdown import plan_markdown
        assert plan_markdown(status, KB) == plan_markdown(updated(status, checkins=[summary_of(c) for c in everything]), KB)
        # check-ins whose answers are one object (summaries read from equal texts) or equal ones
        first = summary_of(everything[0])
        shared = [updated(first, date=first.date + dt.timedelta(days=n)) for n in range(4)] + [summary_of(everything[-1])]
        apart = [updated(c, answers=dict(c.answers)) for c in shared]
        assert plan_markdown(updated(status, checkins=shared), KB) == plan_markdown(updated(status, checkins=apart), KB)


def calendar(status) -> list[str]:
    """The calendar of `status`, its time of export aside."""
    from runrehab.render.ics import plan_calendar

    return [line for line in plan_calendar(status, KB).splitlines() if not line.startswith("DTSTAMP")]


CHECKINS = st.lists(st.tuples(
    st.integers(0, 12),  # day (dated in any order, several on a day)
    st.sampled_from(["symptom-free", "much-better", "better", "same", "worse"]),
    st.integers(0, 9),
    st.sampled_from([None, None, None, "red_flag_night_pain"]),
    st.sampled_from(["settled", "worse", "gone"]),
    st.booleans(),
), min_size=1, max_size=7)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(CHECKINS)
def test_the_kept_links_are_the_walk_over_every_check_in(runner, tmp_path_factory, checkins):
    db = tmp_path_factory.mktemp("chain") / "h.db"
    triage(runner, db)
    for day, progress, pain, flag, morning, cleared in checkins:
        result = checkin(runner, db, day, progress, pain, flag=flag, morning=morning, cleared=cleared)
        assert result.exit_code in (0, 2), result.output  # 2: --keep/clearance refused, nothing saved
    same_as_the_walk(db, sorted({START + dt.timedelta(days=d) for d, *_ in checkins} | {START + dt.timedelta(days=13)}))


def test_a_check_in_dated_before_others_relinks_those_after_it(runner, tmp_path):
    db = tmp_path / "h.db"
    triage(runner, db)
    for day, progress in ((2, "better"), (4, "much-better"), (6, "same")):
        assert checkin(runner, db, day, progress).exit_code == 0
    assert checkin(runner, db, 3, "worse", 7, flag="red_flag_night_pain").exit_code == 0
    same_as_the_walk(db, [START + dt.timedelta(days=d) for d in range(8)])
    shown = json.loads(runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-08"]).stdout)
    assert shown["warning_signs"] == [{"question": "red_flag_night_pain", "dates": ["2026-03-04"]}]


def test_a_history_made_before_links_is_read_whole_and_linked_at_its_next_check_in(runner, tmp_path):
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3, 5):
        assert checkin(runner, db, day, morning="worse").exit_code == 0
    before = runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-08"]).stdout
    old = tmp_path / "old.db"
    shutil.copyfile(db, old)
    conn = sqlite3.connect(old)  # what schema 2 held: no uids, no links
    conn.execute("DROP TABLE links")
    for table in ("plans", "checkins", "exercise_logs"):
        conn.execute(f"DROP INDEX {table}_uid")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN uid")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    assert runner.invoke(app, ["plan", "--json", "--db", str(old), "--date", "2026-03-08"]).stdout == before
    with History.open(old) as history:  # reading never migrates
        assert history._conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert checkin(runner, old, 7).exit_code == 0
    with History.open(old) as history:
        assert history._conn.execute("PRAGMA user_version").fetchone()[0] == history_file.SCHEMA_VERSION
        rows = history._rows("SELECT l.state, c.uid FROM checkins c JOIN links l ON l.checkin_id = c.id")
        assert len(rows) == 4 and all(r["state"] and len(r["uid"]) == 32 for r in rows)
    same_as_the_walk(old, [START + dt.timedelta(days=d) for d in range(9)])


def test_links_kept_before_summaries_are_read_whole_and_summarised_at_the_next_check_in(runner, tmp_path):
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3, 5):
        assert checkin(runner, db, day, progress="worse", pain=6).exit_code == 0
    before = runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-08"]).stdout
    conn = sqlite3.connect(db)  # what schema 3 held: links without summaries, sealed without them
    conn.row_factory = sqlite3.Row
    for row in conn.execute("SELECT c.*, l.state FROM checkins c JOIN links l ON l.checkin_id = c.id").fetchall():
        conn.execute("UPDATE links SET seal = ? WHERE checkin_id = ?", (seal(row, row["state"]), row["id"]))
    for column in ("summary", *history_file.tables(history_file.SCHEMA_VERSION)["links"][5:]):
        conn.execute(f"ALTER TABLE links DROP COLUMN {column}")  # and the columns schema 5 added
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    assert runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-08"]).stdout == before
    assert checkin(runner, db, 7).exit_code == 0
    with History.open(db) as history:
        assert history._conn.execute("PRAGMA user_version").fetchone()[0] == history_file.SCHEMA_VERSION
        assert [r["signs"] is not None for r in history._rows("SELECT signs FROM links")] == [True] * 4
    same_as_the_walk(db, [START + dt.timedelta(days=d) for d in range(9)])


@pytest.mark.parametrize("change", [
    "UPDATE links SET state = json_set(state, '$.status', 'upkeep')",
    "UPDATE checkins SET answers = json_set(answers, '$.progress', 'worse')",
    "UPDATE checkins SET document = json_set(document, '$.decision', 'progress')",
    "UPDATE links SET summary = '{}'",
])
def test_a_row_changed_behind_runrehabs_back_is_damage(runner, tmp_path, change):
    db = tmp_path / "h.db"
    triage(runner, db)
    assert checkin(runner, db, 2).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute(change)
    conn.commit()
    conn.close()
    for args in (["plan", "--json"], ["history", "--json"], ["history", "--format", "csv"], ["today"], ["export"]):
        result = runner.invoke(app, [*args, "--db", str(db), "--date", "2026-03-04"] if args[0] in ("plan", "today")
                               else [*args, "--db", str(db)])
        assert result.exit_code == 2 and "damaged" in result.stderr and len(result.stderr.splitlines()) == 1, args
        assert result.stdout == "", args


def test_a_lost_link_is_read_around_and_the_plan_linked_whole_at_its_next_check_in(runner, tmp_path):
    db = tmp_path / "h.db"
    triage(runner, db)
    for day, progress in ((2, "better"), (3, "symptom-free"), (5, "better")):
        assert checkin(runner, db, day, progress).exit_code == 0
    before = runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-08"]).stdout
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM links WHERE checkin_id IN (2, 3)")
    conn.commit()
    conn.close()
    assert runner.invoke(app, ["plan", "--json", "--db", str(db), "--date", "2026-03-08"]).stdout == before
    assert checkin(runner, db, 7).exit_code == 0
    with History.open(db) as history:
        assert history._rows("SELECT count(*) AS n FROM links")[0]["n"] == 4
    same_as_the_walk(db, [START + dt.timedelta(days=d) for d in range(9)])


def earlier_summary_changed_is_damage(runner, db: Path, change: str, views: list[list[str]], *,
                                      kept_text: bool = False) -> None:
    """Each of `views` reports damage in one line, and shows nothing, once the summary kept with
    the first of two check-ins is changed by `change` (an SQL SET clause) behind runrehab's back;
    with `kept_text`, on links as schema 6 kept them, with the summary's text."""
    triage(runner, db)
    for day in (2, 3):
        assert checkin(runner, db, day).exit_code == 0
    if kept_text:
        as_schema_6_kept(db)
    conn = sqlite3.connect(db)
    conn.execute(f"UPDATE links SET {change} WHERE checkin_id = (SELECT min(checkin_id) FROM links)")
    conn.commit()
    conn.close()
    for args in views:
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 2 and "damaged" in result.stderr and len(result.stderr.splitlines()) == 1, args
        assert result.stdout == "", args


@pytest.mark.parametrize("summary", ["summary || ',' || summary", "json_set(summary, '$.pain_score', 'x')",
                                     "json_remove(summary, '$.routine')", "'not json'", "'null'"])
def test_an_earlier_check_ins_summary_that_is_not_one_is_damage(runner, tmp_path, summary):
    earlier_summary_changed_is_damage(runner, tmp_path / "h.db", f"summary = {summary}",
                                      [["plan", "--json"], ["plan", "--format", "markdown"], ["history", "--json"]],
                                      kept_text=True)


VIEWS = (["plan", "--json"], ["plan"], ["plan", "--format", "markdown"], ["plan", "--format", "html"],
         ["plan", "--format", "ics"], ["today", "--json"], ["history", "--json"])


def views(runner, db: Path) -> dict[str, str]:
    """What each view shows on day 30 (a calendar's time of export aside)."""
    shown = {}
    for args in VIEWS:
        dated = ["--date", (START + dt.timedelta(days=30)).isoformat()] if args[0] != "history" else []
        result = runner.invoke(app, [*args, "--db", str(db), *dated])
        assert result.exit_code == 0, (args, result.output)
        shown[" ".join(args)] = "\n".join(line for line in result.stdout.split("\n") if not line.startswith("DTSTAMP:"))
    return shown


def test_every_view_reads_the_same_from_columns_from_the_summaries_text_and_from_the_check_ins(runner, tmp_path):
    """A stop, a restart, a warning sign, a clearance and an upkeep: the views of a history whose
    links hold the summary's columns (schema 5), its text alone (schema 4) or nothing (schema 3)
    are the same byte for byte; the next check-in writes the columns of every link."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in range(1, 4):
        assert checkin(runner, db, day, "better", 3).exit_code == 0
    assert checkin(runner, db, 4, "worse", 7).exit_code == 0  # stop
    for day in range(5, 9):
        assert checkin(runner, db, day, "better", 2).exit_code == 0  # and restart
    assert checkin(runner, db, 9, flag=FLAGS[0]).exit_code in (0, 3)  # a warning sign: escalated
    assert checkin(runner, db, 10, cleared=True).exit_code == 0
    for day in range(11, 16):
        assert checkin(runner, db, day, "symptom-free", 0).exit_code == 0
    decisions = {c["decision"] for c in json.loads(views(runner, db)["plan --json"])["checkins"]}
    assert {"stop", "escalate", "continue"} <= decisions
    from_columns = views(runner, db)
    as_schema_6_kept(db)
    assert views(runner, db) == from_columns
    for older in ("row_seal = NULL", "summary_seal = NULL", "summary = NULL"):  # as schema 5, 4 then 3 kept them
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        conn.execute(f"UPDATE links SET {older}")
        if older == "row_seal = NULL":  # their columns under the summary seal alone
            for row in conn.execute(f"SELECT checkin_id, summary, {', '.join(COLUMNS)} FROM links").fetchall():
                conn.execute("UPDATE links SET summary_seal = ? WHERE checkin_id = ?",
                             (listed_seal(row[1], tuple(row)[2:]), row[0]))
        for row in conn.execute("SELECT c.*, l.state, l.summary FROM checkins c JOIN links l ON l.checkin_id = c.id"):
            conn.execute("UPDATE links SET seal = ? WHERE checkin_id = ?", (seal(row, row["state"], row["summary"]), row["id"]))
        conn.commit()
        conn.close()
        assert views(runner, db) == from_columns, older
    assert checkin(runner, db, 16).exit_code == 0
    with History.open(db) as history:
        assert all(r["row_seal"] is not None for r in history._rows("SELECT row_seal FROM links"))
    same_as_the_walk(db, [START + dt.timedelta(days=d) for d in range(18)])


@pytest.mark.parametrize("change", ["pain_score = 9", "decision = 'stop'", "routine = '[1]'", "answers = '[]'",
                                    "date = '2026-02-30'", "day = 'x'", "row_seal = row_seal + 1",
                                    "summary_seal = 1", "signs = '{}'", "signs = NULL"])
def test_an_earlier_check_ins_summary_column_changed_is_damage(runner, tmp_path, change):
    earlier_summary_changed_is_damage(runner, tmp_path / "h.db", change,
                                      [["plan", "--json"], ["plan", "--format", "markdown"], ["plan", "--format", "ics"]])


@pytest.mark.parametrize("change", ["pain_score = 'None'", "progress = 'None'"])
def test_a_null_changed_to_the_text_none_is_damage_in_every_view_that_shows_it(runner, tmp_path, change):
    """The row seal writes each column as str does, so that NULL and the text "None" seal alike:
    where a check-in kept neither progress nor pain (a warning sign ended it before they were
    asked), that text in their place is refused by every view that shows them, in one line,
    nothing shown."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3):
        assert checkin(runner, db, day).exit_code == 0
    changed_and_sealed_again(db, "pain_score = NULL, progress = NULL")  # as such a check-in keeps them
    assert runner.invoke(app, ["plan", "--format", "markdown", "--db", str(db)]).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute(f"UPDATE links SET {change} WHERE pain_score IS NULL AND progress IS NULL")
    conn.commit()
    conn.close()
    for args in ("plan --json", "plan --format markdown", "plan --format html"):
        result = runner.invoke(app, [*args.split(), "--db", str(db)])
        assert result.exit_code == 2 and "damaged: check-in" in result.stderr, (args, result.output)
        assert len(result.stderr.splitlines()) == 1 and result.stdout == "", args


_SUMMARY_KEPT = ("summary", *COLUMNS, "summary_seal", "signs", "row_seal")  # all a link keeps of its summary


def test_a_summary_moved_to_another_check_ins_link_is_damage_in_every_view_that_lists_it(runner, tmp_path):
    """Two check-ins' summaries swapped between their links, each with its own row seal: the link's
    seal ties its summary to its check-in (its row seal since schema 7, which keeps no text), so
    every view that lists the check-ins is damage, in one line, nothing shown."""
    db = tmp_path / "h.db"
    triage(runner, db)
    assert checkin(runner, db, 2, "better", 2).exit_code == 0
    assert checkin(runner, db, 5, "better", 1).exit_code == 0  # the same routine: the routine tried tells nothing
    with sqlite3.connect(db) as conn:
        first, second = (conn.execute(f"SELECT {', '.join(_SUMMARY_KEPT)} FROM links WHERE checkin_id = ?",
                                      (cid,)).fetchone() for cid in (1, 2))
        assert first[-2] is not None and first[0] is None  # kept by schema 7
        placed = ", ".join(f"{c} = ?" for c in _SUMMARY_KEPT)
        conn.execute(f"UPDATE links SET {placed} WHERE checkin_id = 1", second)
        conn.execute(f"UPDATE links SET {placed} WHERE checkin_id = 2", first)
    for args in ("plan --json", "plan --format markdown", "plan --format html", "plan", "plan --format ics",
                 "history --json"):
        result = runner.invoke(app, [*args.split(), "--db", str(db)])
        assert result.exit_code == 2 and "damaged: check-in" in result.stderr, (args, result.output)
        assert len(result.stderr.splitlines()) == 1 and result.stdout == "", args


@pytest.mark.parametrize("change", ["day = NULL", "day = -1", "pain_score = 11", "prescribed = NULL",
                                    "answers = NULL", "red_flags = 'x'", "routine = NULL", "date = 'x\"'"])
def test_plan_json_refuses_a_summary_sealed_again_that_the_other_views_refuse(runner, tmp_path, change):
    """`plan --json` lays a summary's text out from its columns: a column changed and sealed again
    with a value not of its kind, or not one the document allows, is damage there too, as in the
    handout (which reads no check-in's answers), never a document that is not JSON."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3):
        assert checkin(runner, db, day).exit_code == 0
    changed_and_sealed_again(db, change)
    for args in ("plan --json", *(("plan --format markdown",) if not change.startswith("answers") else ())):
        result = runner.invoke(app, [*args.split(), "--db", str(db)])
        assert result.exit_code == 2 and "damaged: check-in" in result.stderr, (args, change, result.output)
        assert len(result.stderr.splitlines()) == 1 and result.stdout == "", args


@pytest.mark.parametrize("spelled", [False, True])
def test_the_warning_signs_table_gives_each_answer_its_own_words_whatever_else_was_answered(runner, tmp_path,
                                                                                            spelled):
    """Imported check-ins that answered a warning sign `true`, `1`, `[1]` and "[1]": each answer reads
    as its own words (`1` and `[1]` alike, on both their dates), whether or not another answer of
    those check-ins is spelled differently (`spelled`: "no" for false)."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 4, 6, 8):
        assert checkin(runner, db, day).exit_code == 0
    exported = json.loads(runner.invoke(app, ["export", "--db", str(db)]).stdout)
    fever, other = "red_flag_fever", next(q for q in FLAGS if q != "red_flag_fever")
    for c, value in zip(exported["plans"][0]["checkins"], (True, 1, [1], "[1]")):
        c["document"]["answers"][fever] = value
        if spelled:
            c["document"]["answers"][other] = "no"
    (tmp_path / "x.json").write_text(json.dumps(exported), encoding="utf-8")
    imported = tmp_path / "imported.db"
    assert runner.invoke(app, ["import", str(tmp_path / "x.json"), "--db", str(imported)]).exit_code == 0
    shown = runner.invoke(app, ["plan", "--format", "markdown", "--db", str(imported)]).stdout
    [row] = [line for line in shown.splitlines() if line.startswith(f"| {KB.questions[fever].text[:30]}")]
    day = [(START + dt.timedelta(days=n)).isoformat() for n in range(9)]
    assert row.endswith(f"| **no** on {day[0]}; **yes** on {day[2]}; **1** on {day[4]}, {day[6]}; **\\[1\\]** on {day[8]} |")


def changed_and_sealed_again(db: Path, change: str) -> None:
    """Change a column of the earliest check-in's link (`change`: SQL) and seal every row again."""
    conn = sqlite3.connect(db)
    conn.execute(f"UPDATE links SET {change} WHERE checkin_id = (SELECT min(checkin_id) FROM links)")
    columns = ", ".join(KEPT[:-1])
    for row in conn.execute(f"SELECT checkin_id, {columns} FROM links").fetchall():
        conn.execute("UPDATE links SET row_seal = ? WHERE checkin_id = ?", (row_seal(row[1:]), row[0]))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("signs", ["'[]'", "'not json'", "7"])
def test_warning_signs_answers_changed_and_sealed_again_are_damage_where_a_view_shows_them(runner, tmp_path, signs):
    """The answers to the warning signs kept apart are read only by the view that shows them (the
    handout): there a column changed and sealed again is damage, in one line, with nothing shown;
    the views that do not show them show what they showed before."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3):
        assert checkin(runner, db, day).exit_code == 0
    before = {" ".join(args): runner.invoke(app, [*args, "--db", str(db)]).stdout
              for args in (["plan", "--json"], ["today", "--json"], ["plan"])}
    changed_and_sealed_again(db, f"signs = {signs}")
    for args in (["plan", "--format", "markdown"], ["plan", "--format", "html"]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 2 and "damaged: check-in" in result.stderr, args
        assert len(result.stderr.splitlines()) == 1 and result.stdout == "", args
    for args, shown in before.items():
        assert runner.invoke(app, [*args.split(), "--db", str(db)]).stdout == shown, args


def _calendar(runner, db):
    result = runner.invoke(app, ["plan", "--format", "ics", "--db", str(db)])
    return result.exit_code, [line for line in result.stdout.splitlines() if not line.startswith("DTSTAMP:")]


@pytest.mark.parametrize("change, calendar_reads_it", [("pain_score = 'x'", False), ("date = 7", False),
                                                        ("routine = '{}'", True), ("decision = 7", True),
                                                        ("prescribed = 'x'", True)])
def test_a_column_changed_and_sealed_again_is_damage_where_a_view_reads_it(runner, tmp_path, change,
                                                                            calendar_reads_it):
    """A summary's fields are checked when a view first reads them: a column changed and sealed
    again is damage, in one line with nothing shown, in the handout (which reads them all); the
    calendar, which reads of an earlier check-in its decision, what it prescribed and the routine it
    gave (every view lists the routine tried) alone, shows what it showed before unless one of those
    changed."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3, 4):
        assert checkin(runner, db, day).exit_code == 0
    before = _calendar(runner, db)
    changed_and_sealed_again(db, change)
    result = runner.invoke(app, ["plan", "--format", "markdown", "--db", str(db)])
    assert result.exit_code == 2 and "damaged: check-in" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    code, calendar = _calendar(runner, db)
    assert (code, calendar) == ((2, []) if calendar_reads_it else before)


def test_the_handouts_warning_signs_list_every_answer_with_its_dates_as_the_check_ins_gave_them(runner, tmp_path):
    """Each warning sign's answers, each with the dates it was given, whatever the other answers:
    a sign answered yes then no, one not asked at a check-in, two that change at once."""
    from runrehab.render.markdown import plan_markdown

    db = tmp_path / "h.db"
    triage(runner, db)
    assert checkin(runner, db, 1).exit_code == 0
    with History.open(db) as history:
        stored = history.current_plan(SYMPTOM)
        status = plan_status(Current(history, stored, stored.record), START + dt.timedelta(days=5))
    [base] = status.checkins
    one, two = FLAGS[:2]
    gave = [{one: True}, {one: False}, {"pain_score": 5}, {one: False, two: True}, {one: True}]
    checkins = []
    for n, changes in enumerate(gave, 1):
        answers = {k: v for k, v in base.answers.items() if k != one or n != 3}  # the third is not asked `one`
        checkins.append(updated(base, date=START + dt.timedelta(days=n), answers={**answers, **changes, "day": n}))
    shown = plan_markdown(updated(status, checkins=checkins), KB)
    table = shown.split("### Warning signs asked, and each answer")[1].split("\n\n### ")[0]
    day = [(START + dt.timedelta(days=n)).isoformat() for n in range(6)]
    [first] = [line for line in table.splitlines() if one in line or KB.questions[one].text[:20] in line]
    assert f"**yes** on {day[1]}, {day[5]}" in first and f"**no** on {day[0]}, {day[2]}, {day[4]}" in first
    assert day[3] not in first
    [second] = [line for line in table.splitlines() if two in line or KB.questions[two].text[:20] in line]
    assert f"**no** on {day[0]}, {day[1]}, {day[2]}, {day[3]}, {day[5]}; **yes** on {day[4]}" in second


def test_a_schema_5_history_reads_the_same_and_its_next_check_in_seals_every_row(runner, tmp_path):
    """A history kept by schema 5 (no row seal: each summary under its summary seal) shows every
    view as before, byte for byte; the next check-in migrates it to the schema of today and writes
    the row seal of every link of the plan."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in range(1, 6):
        assert checkin(runner, db, day, "better", 3).exit_code == 0
    shown = views(runner, db)
    as_schema_6_kept(db)
    conn = sqlite3.connect(db)
    for row in conn.execute(f"SELECT checkin_id, summary, {', '.join(COLUMNS)} FROM links").fetchall():
        conn.execute("UPDATE links SET summary_seal = ? WHERE checkin_id = ?", (listed_seal(row[1], tuple(row)[2:]), row[0]))
    conn.execute("ALTER TABLE links DROP COLUMN row_seal")
    conn.execute("ALTER TABLE links DROP COLUMN signs")
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    assert views(runner, db) == shown
    assert checkin(runner, db, 6).exit_code == 0
    with History.open(db) as history:
        assert history._conn.execute("PRAGMA user_version").fetchone()[0] == history_file.SCHEMA_VERSION == 7
        assert [r["row_seal"] is not None for r in history._rows("SELECT row_seal FROM links")] == [True] * 6


def as_schema_6_kept(db: Path, *, migrated_back: bool = False) -> None:
    """Every link as schema 6 kept it: the summary's text beside its columns (and under the link's
    seal), no answers to the warning signs apart, the row seal over the text and the columns; with
    `migrated_back`, the file itself at schema 6 (no column for those answers)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    for row in conn.execute(f"SELECT c.*, l.state, {', '.join(f'l.{c} AS kept_{c}' for c in COLUMNS)} FROM checkins c "
                            "JOIN links l ON l.checkin_id = c.id").fetchall():
        kept = [row[f"kept_{c}"] for c in COLUMNS]
        fields = {c: json.loads(v) if c in ("answers", "red_flags", "routine") else v for c, v in zip(COLUMNS, kept)}
        text = summary_text(CheckinSummary(**{**fields, "date": dt.date.fromisoformat(fields["date"])}))
        conn.execute("UPDATE links SET summary = ?, signs = NULL, row_seal = ?, seal = ? WHERE checkin_id = ?",
                     (text, row_seal((text, *kept, None, None)), seal(row, row["state"], text), row["id"]))
    if migrated_back:
        conn.execute("ALTER TABLE links DROP COLUMN signs")
        conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()


def test_a_schema_6_history_reads_the_same_and_its_next_check_in_keeps_the_warning_signs_answers_apart(runner,
                                                                                                        tmp_path):
    """A history kept by schema 6 (the answers to the warning signs not kept apart) shows every view
    as before, byte for byte, the handout reading every check-in's answers; the next check-in
    migrates it to schema 7 and keeps those answers apart, under the row seal, for every link of
    the plan; the handout that reads them is the one that reads every answer."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in range(1, 5):
        assert checkin(runner, db, day, "better", 3, flag=FLAGS[0] if day == 2 else None).exit_code in (0, 3)
    assert checkin(runner, db, 5, cleared=True).exit_code == 0
    shown = views(runner, db)
    assert "**yes** on" in shown["plan --format markdown"]
    as_schema_6_kept(db, migrated_back=True)
    assert views(runner, db) == shown
    assert checkin(runner, db, 6).exit_code == 0
    with History.open(db) as history:
        assert history._conn.execute("PRAGMA user_version").fetchone()[0] == history_file.SCHEMA_VERSION == 7
        kept = history._rows("SELECT answers, signs FROM links ORDER BY checkin_id")
    assert len(kept) == 6 and [json.loads(r["signs"]) for r in kept] == [
        {q: v for q, v in json.loads(r["answers"]).items() if q.startswith("red_flag_")} for r in kept]
    assert {FLAGS[0]} <= {q for r in kept for q in json.loads(r["signs"])}
    kept_apart = views(runner, db)
    as_schema_6_kept(db, migrated_back=False)
    assert views(runner, db) == kept_apart


def test_plan_json_writes_the_kept_texts_without_making_a_summary_of_each(runner, tmp_path, monkeypatch):
    """`plan --json` writes each check-in's kept text and reads its routine alone; the summaries
    are made only by a view that looks at them, whole by the handout, and by the calendar with the
    fields it reads of each alone (its decision and what it prescribed)."""
    from runrehab.history import columns, summaries

    db = tmp_path / "h.db"
    triage(runner, db)
    for day in range(1, 4):
        assert checkin(runner, db, day, "better", 3).exit_code == 0
    made, whole = [], []
    pending, rest, built = summaries._pending, columns._rest, summaries.built
    monkeypatch.setattr(summaries, "_pending", lambda *a: made.append(1) or pending(*a))
    monkeypatch.setattr(columns, "_rest", lambda *a: whole.append(1) or rest(*a))
    monkeypatch.setattr(summaries, "built", lambda rows, *a: whole.append(len(rows)) or built(rows, *a))
    result = runner.invoke(app, ["plan", "--json", "--db", str(db)])
    assert result.exit_code == 0 and len(json.loads(result.stdout)["checkins"]) == 3 and made == []
    # the calendar reads each check-in's decision and what it prescribed alone
    assert runner.invoke(app, ["plan", "--format", "ics", "--db", str(db)]).exit_code == 0
    assert (len(made), whole) == (3, [])
    assert runner.invoke(app, ["plan", "--format", "markdown", "--db", str(db)]).exit_code == 0
    assert (len(made), whole) == (3, [3])  # all three whole at once


@pytest.mark.parametrize("field, value", [("decision", "carry-on"), ("progress", "fine"), ("triage_level", "soon"),
                                          ("pain_score", 11), ("day", -1)])
def test_a_kept_summary_of_its_kinds_with_a_value_the_document_does_not_allow_is_not_one(field, value):
    """A summary read from its text or its columns holds only the values its document allows (a
    decision the views have no words for would end a view in a traceback), checked when it is made
    or, for a field left to be built, when that field is first read."""
    from runrehab.history import columns
    from runrehab.history.summaries import summaries_of

    summary = CheckinSummary(date=START, day=3, progress="better", pain_score=2, answers={"pain_score": 2},
                             red_flags=[], triage_level="self-care", decision="continue", routine=["calf-raise"],
                             prescribed=7)
    text, values = summary_text(summary), list(kept(summary)[1:-3])
    assert summaries_of([text]) == [summary]
    read = columns._pending(tuple(values), 1, columns.Answers(lambda *a: ValueError(a), {}))
    assert [getattr(read, k) for k in COLUMNS] == [getattr(summary, k) for k in COLUMNS]
    changed = {**json.loads(text), field: value}
    with pytest.raises(ValueError, match="not one"):
        summaries_of([json.dumps(changed, separators=(",", ":"))])
    values[COLUMNS.index(field)] = value
    assert columns._pending(tuple(values), 1, columns.Answers(lambda *a: ValueError(a), {})) is None
    later = columns._pending(tuple(values), 1, columns.Answers(lambda *a: ValueError(a), {}), whole=False)
    if field == "decision":
        assert later is None
    else:
        assert later.decision == "continue"
        with pytest.raises(ValueError, match="not one"):
            getattr(later, field)


# values a kept column may hold: those the document allows, and others a hand edit sealed again may leave
_ALLOWED = {"date": ["2026-03-04", "2026-03-05"], "day": [3, 0], "progress": ["better", None, "worse"],
            "pain_score": [2, None, 0, 10], "answers": ['{"pain_score":2}', '{"red_flag_fever":true}'],
            "red_flags": ["[]", '["red_flag_fever"]'],
            "triage_level": ["self-care", "urgent"], "decision": ["continue", "stop"],
            "routine": ['["calf-raise"]', "[]"], "prescribed": [7, 0]}
_OTHERS = {"date": ["2026-02-30", 7, None], "day": [-1, "3", None], "progress": ["fine", 2],
           "pain_score": [11, -1, "2", 2.0],
           "answers": [], "red_flags": ["[1]", "{}", "x"], "triage_level": ["soon", None],
           "decision": ["carry-on", 7], "routine": ["[1]", None], "prescribed": ["7", None, 7.0]}
_SIGNS, _OTHER_SIGNS = ['{}', '{"red_flag_fever":false}', '{"red_flag_fever":true}', None], ["[]", "x", 7]
_ROW = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _ALLOWED.items()})  # a row the document allows


def _built_as_alone(values: list[tuple], signs: list) -> None:
    """columns.built makes of `values` (COLUMNS) and `signs` what columns._pending makes of each row
    alone, and where a row is not one, the same damage, naming the first such check-in."""
    from runrehab.history import columns

    def kept():
        return columns.Answers(lambda *a: ValueError(*a), {})

    alone = [columns._pending(v, cid, kept(), True, s) for cid, (v, s) in enumerate(zip(values, signs))]
    damaged = [cid for cid, summary in enumerate(alone) if summary is None]
    if damaged:
        with pytest.raises(ValueError) as error:
            columns.built(values, list(range(len(values))), kept(), signs)
        assert error.value.args[0] == damaged[0]
        return
    together = columns.built(values, list(range(len(values))), kept(), signs)
    # as kept apart (read before the answers are)
    assert [s.warning_answers for s in together] == [s.warning_answers for s in alone] == [
        warning_answers(json.loads(v[COLUMNS.index("answers")])) if t is None else json.loads(t)
        for v, t in zip(values, signs)]
    assert [[getattr(s, k) for k in COLUMNS] for s in together] == [[getattr(s, k) for k in COLUMNS] for s in alone]
    assert [type(getattr(s, k)) for s in together for k in COLUMNS] == \
        [type(getattr(s, k)) for s in alone for k in COLUMNS]


@settings(max_examples=examples(200), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_ROW, st.sampled_from(_SIGNS)), max_size=6))
def test_summaries_built_a_column_at_a_time_are_those_built_a_row_at_a_time(rows):
    """The handout builds a plan's summaries a column at a time (columns.built): the same summaries,
    the same answers to the warning signs, as building each row alone (columns._pending)."""
    _built_as_alone([tuple(v[k] for k in COLUMNS) for v, _ in rows], [s for _, s in rows])


@pytest.mark.parametrize("column, value", [(None, None), *((k, v) for k, others in _OTHERS.items() for v in others),
                                           *(("signs", s) for s in _OTHER_SIGNS)])
@pytest.mark.parametrize("at", range(len(_SIGNS)))
def test_a_summary_built_a_column_at_a_time_with_a_value_not_allowed_is_damage_named_as_alone(column, value, at):
    """Every value a hand edit sealed again may leave, in each place of a plan's check-ins (each
    answering the warning signs differently, one of them kept before they were kept apart):
    building them a column at a time is damage naming the check-in, as building each alone is;
    with none, the same summaries."""
    rows = [{k: v[n % len(v)] for k, v in _ALLOWED.items()} for n in range(len(_SIGNS))]
    signs = list(_SIGNS)
    if column == "signs":
        signs[at] = value
    elif column is not None:
        rows[at][column] = value
    _built_as_alone([tuple(r[k] for k in COLUMNS) for r in rows], signs)


_ANSWER = st.one_of(st.booleans(), st.none(), st.integers(-5, 400), st.text(max_size=8),
                   st.lists(st.text(max_size=5), max_size=3))


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(st.builds(CheckinSummary, date=st.dates(), day=st.integers(0, 5000),
                 progress=st.sampled_from(_ALLOWED["progress"]), pain_score=st.sampled_from(_ALLOWED["pain_score"]),
                 answers=st.dictionaries(st.text(max_size=12), _ANSWER, max_size=6),
                 red_flags=st.lists(st.text(max_size=12), max_size=3),
                 triage_level=st.sampled_from(_ALLOWED["triage_level"]),
                 decision=st.sampled_from(["continue", "progress", "escalate", "stop"]),
                 routine=st.lists(st.text(max_size=12), max_size=3), prescribed=st.integers(0, 2**32 - 1)))
def test_the_text_a_view_lays_out_from_a_summarys_columns_is_the_one_it_was_kept_as_before(summary):
    """Since schema 7 a link keeps no summary text: `plan --json` lays it out from the columns, the
    same text, character for character, as encoding the summary (which schema 6 kept)."""
    from runrehab.history.columns import listed_text

    assert listed_text(tuple(kept(summary)[1:-3]), {}) == summary_text(summary)


def test_the_calendar_replays_whole_only_the_check_ins_that_prescribed_apart_dates_aside(runner, tmp_path):
    """A check-in a day names the plan's checkpoint a day sooner each time: the calendar reads
    whole only the latest of those that prescribe the same, dates aside, and apart those before and
    after the checkpoint's day (when it is no longer ahead); what it writes is what reading every
    check-in whole writes."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in range(1, 21):
        assert checkin(runner, db, day, "much-better", 1).exit_code == 0
    with History.open(db) as history:
        stored = history.current_plan(SYMPTOM)
        everything = [c.record for c in history.checkins(stored.id)]
        dated = [[e.after_days > 0 for e in c.escalation] for c in everything]
        assert len({json.dumps(d) for d in dated}) > 1  # a checkpoint that passed among them
        now = Current(history, stored, stored.record)
        status = plan_status(now, START + dt.timedelta(days=21), whole=True)
        assert calendar(status) == calendar(updated(status, checkins=everything))
        # the runner's answers alike each day: what sets them apart is whether the checkpoint is ahead
        read = [c for c in status.checkins if not isinstance(c, CheckinSummary)]
        assert len(read) == len({json.dumps(d) for d in dated}) == 2, (len(read), len(everything))


@pytest.mark.parametrize("change", ["summary = '{}'", "summary = x'7b7d'", """routine = '["no-such-exercise"]'"""])
def test_a_summary_sealed_again_that_a_view_cannot_use_is_damage_in_one_line(runner, tmp_path, change):
    """A kept text that is not text (`plan --json` writes it as it is), or a routine naming an
    exercise its check-in never gave (every view lists the routine tried), changed and sealed again:
    one line and nothing shown, in every view that lists the check-ins."""
    db = tmp_path / "h.db"
    triage(runner, db)
    for day in (2, 3):
        assert checkin(runner, db, day).exit_code == 0
    changed_and_sealed_again(db, change)
    for args in ("plan --json", "plan", "plan --format markdown", "plan --format ics"):
        result = runner.invoke(app, [*args.split(), "--db", str(db)])
        assert result.exit_code == 2 and "damaged: check-in" in result.stderr, (args, result.output)
        assert len(result.stderr.splitlines()) == 1 and result.stdout == "", args
