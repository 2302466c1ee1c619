"""The calendar follows the plan: exported again after each check-in, it updates what a calendar
program imported before in place (stable UIDs, SEQUENCE raised, what no longer holds cancelled),
its checkpoints fall on the dates every other view gives, and its sessions recur as the doses'
schedules say. Read back with icalendar, and imported one export after another into khal."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from conftest import full_answers

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "history.db")


@pytest.fixture(autouse=True)
def own_settings(tmp_path, monkeypatch):
    """Each test's settings (run days) in a config folder of its own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def triage(runner, db, symptom, date="2026-03-01"):
    """A plan for `symptom`; one that rests first is started at once (an exercise logged as done),
    so that its calendar holds sessions from the start."""
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", date, "--db", db],
                           input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.stderr
    if json.loads(result.stdout)["rest_first"]:
        first = json.loads(result.stdout)["routine"][0]["exercise"]
        done = runner.invoke(app, ["done", first, "--symptom", symptom, "--db", db, "--date", date])
        assert done.exit_code == 0, done.stderr


def checkin(runner, db, symptom, date, **answers):
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", date, "--db", db,
                                 "--symptom", symptom], input=json.dumps({**flags, **answers}))
    assert result.exit_code == 0, result.stderr


def export(runner, db, symptom, date) -> str:
    result = runner.invoke(app, ["plan", "--format", "ics", "--db", db, "--date", date, "--symptom", symptom])
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode()


def events(ics: str) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")}


def live(ics: str) -> dict[str, str]:
    """What a calendar shows of one export: summary by UID, cancelled events left out."""
    return {uid: str(e["SUMMARY"]) for uid, e in events(ics).items() if e["STATUS"] != "CANCELLED"}


def applied(exports: list[str]) -> dict[str, icalendar.Event]:
    """What a calendar holds after importing `exports` one after another, as RFC 5546 says: an
    event replaces the one of its UID unless its SEQUENCE is lower (equal: the later DTSTAMP wins)."""
    held: dict[str, icalendar.Event] = {}
    for ics in exports:
        for uid, e in events(ics).items():
            old = held.get(uid)
            if old is None or (int(e["SEQUENCE"]), e.decoded("DTSTAMP")) >= (int(old["SEQUENCE"]), old.decoded("DTSTAMP")):
                held[uid] = e
    return {uid: e for uid, e in held.items() if e["STATUS"] != "CANCELLED"}


def test_a_stop_cancels_every_session_review_and_checkpoint_imported_before(runner, db):
    symptom = "posterior-leg-pain"
    triage(runner, db, symptom)
    first = export(runner, db, symptom, "2026-03-01")
    checkin(runner, db, symptom, "2026-03-03", progress="better", pain_score=2)
    second = export(runner, db, symptom, "2026-03-04")
    checkin(runner, db, symptom, "2026-03-05", progress="worse", pain_score=6)
    third = export(runner, db, symptom, "2026-03-05")
    # the same things keep their UIDs, whatever their dates
    assert set(events(first)) == set(events(second)) and set(events(first)) <= set(events(third))
    assert all(not any(c.isdigit() for c in uid.split("2026-03-01-")[1].split("@")[0]) for uid in events(first))
    # each export after a check-in raises SEQUENCE on every event
    assert {int(e["SEQUENCE"]) for e in events(first).values()} == {0}
    assert {int(e["SEQUENCE"]) for e in events(second).values()} == {1}
    assert {int(e["SEQUENCE"]) for e in events(third).values()} == {2}
    assert all("DTSTAMP" in e for e in events(third).values())
    cancelled = {uid for uid, e in events(third).items() if e["STATUS"] == "CANCELLED"}
    assert cancelled == set(events(first)), "everything the triage's calendar held is cancelled"
    remains = applied([first, second, third])
    assert [str(e["SUMMARY"]) for e in remains.values()] == ["runrehab: STOPPED: no exercises for now"]


def test_the_checkpoint_falls_on_one_date_in_the_plan_and_the_calendar(runner, db):
    symptom = "tight-itb"
    triage(runner, db, symptom)
    checkin(runner, db, symptom, "2026-03-03", progress="better", pain_score=2)
    plan = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", "2026-03-04"]).stdout)
    announced = {dt.date.fromisoformat(plan["date"]) + dt.timedelta(days=e["after_days"])
                 for e in plan["escalation"] if e["after_days"] > 0}
    latest = plan["last_checkin"]
    decided = {dt.date.fromisoformat(latest["date"]) + dt.timedelta(days=e["after_days"])
               for e in latest["escalation"] if e["after_days"] > 0}
    assert announced == decided == {dt.date(2026, 3, 8)}
    ics = export(runner, db, symptom, "2026-03-04")
    checkpoints = {e.decoded("DTSTART") for e in events(ics).values() if str(e["SUMMARY"]).startswith("runrehab checkpoint")}
    assert checkpoints == {dt.date(2026, 3, 8)}
    text = runner.invoke(app, ["plan", "--db", db, "--date", "2026-03-04"], env={"COLUMNS": "200"}).stdout
    assert "2026-03-08" in text and "2026-03-10" not in text


def test_an_other_plan_has_a_dated_event_for_seeing_a_clinician(runner, db):
    triage(runner, db, "other", "2026-03-02")
    shown = live(export(runner, db, "other", "2026-03-02"))
    assert list(shown.values()) == ["runrehab: SEE A CLINICIAN: book a physical therapist or orthopedic specialist"]
    (event,) = events(export(runner, db, "other", "2026-03-02")).values()
    assert event.decoded("DTSTART") == dt.date(2026, 3, 2) and "physical therapist" in str(event["DESCRIPTION"])


def test_sessions_recur_as_the_schedule_says_daily_only_for_daily_work(runner, db):
    triage(runner, db, "tight-itb")
    triage(runner, db, "posterior-leg-pain")
    itb = events(export(runner, db, "tight-itb", "2026-03-01"))
    daily = [e for e in itb.values() if "RRULE" in e and e["STATUS"] != "CANCELLED"]
    assert daily and all(e["RRULE"]["FREQ"] == ["DAILY"] for e in daily)
    assert any("2–3 times a day" in str(e["DESCRIPTION"]) for e in daily)
    leg = events(export(runner, db, "posterior-leg-pain", "2026-03-01"))
    sessions = [e for e in leg.values() if str(e["SUMMARY"]).startswith("runrehab: exercises") and e["STATUS"] != "CANCELLED"]
    assert sessions and all("RRULE" not in e and "several times a week" in str(e["SUMMARY"]) for e in sessions)
    assert all(e.decoded("DTEND") - e.decoded("DTSTART") == dt.timedelta(days=8) for e in sessions)
    # given run days, the same work falls on them, and the next export replaces the note
    set_days = runner.invoke(app, ["settings", "--run-days", "mon,wed,Saturday"])
    assert set_days.exit_code == 0 and "run days: mon,wed,sat" in set_days.stdout
    again = events(export(runner, db, "posterior-leg-pain", "2026-03-01"))
    weekly = [e for e in again.values() if e["STATUS"] != "CANCELLED" and "RRULE" in e]
    assert len(weekly) == 2 and all(e["RRULE"]["FREQ"] == ["WEEKLY"] and e["RRULE"]["BYDAY"] == ["MO", "WE", "SA"]
                                    for e in weekly)
    assert all(e.decoded("DTSTART") == dt.date(2026, 3, 2) for e in weekly)  # the first Monday, a run day
    notes = {uid for uid, e in leg.items() if e in sessions}
    assert notes and all(again[uid]["STATUS"] == "CANCELLED" for uid in notes), "the notes the calendar holds are dropped"


def test_settings_refuse_a_day_that_is_not_one_and_keep_the_last(runner):
    assert runner.invoke(app, ["settings", "--run-days", "tue,fri"]).exit_code == 0
    bad = runner.invoke(app, ["settings", "--run-days", "mon,funday"])
    assert bad.exit_code == 2 and "'funday' is not a day (allowed: mon, tue" in bad.stderr and "Traceback" not in bad.output
    assert "run days: tue,fri" in runner.invoke(app, ["settings"]).stdout
    assert "not set" in runner.invoke(app, ["settings", "--run-days", "none"]).stdout


def test_a_damaged_settings_file_is_one_line_naming_it(runner):
    from runrehab.history.settings import settings_path

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"run_days": ["someday"]}')
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 2 and str(path) in result.stderr and "damaged" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


KHAL = shutil.which("khal", path=str(Path(sys.executable).parent))


@pytest.mark.slow  # two runs of another program; every tier checks the calendar with icalendar
@pytest.mark.skipif(KHAL is None, reason="khal is not installed (pip install -e '.[test]' brings it)")
def test_khal_importing_one_export_after_another_keeps_only_what_still_holds(runner, db, tmp_path):
    symptom = "posterior-leg-pain"
    triage(runner, db, symptom)
    exports = [export(runner, db, symptom, "2026-03-01")]
    checkin(runner, db, symptom, "2026-03-03", progress="better", pain_score=2)
    exports.append(export(runner, db, symptom, "2026-03-04"))
    checkin(runner, db, symptom, "2026-03-05", progress="worse", pain_score=6)
    exports.append(export(runner, db, symptom, "2026-03-05"))
    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(f"[calendars]\n[[runrehab]]\npath = {tmp_path / 'cal'}\n[locale]\ndateformat = %Y-%m-%d\n"
                      f"longdateformat = %Y-%m-%d\ntimeformat = %H:%M\ndatetimeformat = %Y-%m-%d %H:%M\n"
                      f"longdatetimeformat = %Y-%m-%d %H:%M\n[sqlite]\npath = {tmp_path / 'khal.db'}\n")

    def khal(*args: str) -> str:
        done = subprocess.run([KHAL, "-c", str(config), *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = []
    for n, ics in enumerate(exports):
        path = tmp_path / f"{n}.ics"
        path.write_text(ics)
        khal("import", "--batch", str(path))
        shown = khal("list", "--format", "{start-date}|{status}|{title}", "2026-03-01", "30d").splitlines()
        listed.append({line.replace(" ", "") for line in shown if "|" in line and "CANCELLED" not in line})
    assert any("exercisesbeforearun" in line for line in listed[0]), listed[0]
    assert "2026-03-08|CONFIRMED|runrehab:reviewyourplan" in listed[1], listed[1]
    assert listed[2] == {"2026-03-05|CONFIRMED|runrehab:STOPPED:noexercisesfornow"}, listed[2]


@pytest.mark.parametrize("char", ["a", "é", "→", "😀"])
def test_a_content_line_is_folded_at_75_octets_whole_characters_and_every_piece_full(char):
    """RFC 5545 3.1: pieces of at most 75 octets (74 after the first, whose fold adds a space),
    never inside a UTF-8 character, each as long as that allows; unfolded, the line as it was."""
    from runrehab.render.ics import _folded

    for length in range(0, 400, 7):
        line = "DESCRIPTION:" + ("x" + char) * (length // 2) + "y" * (length % 2)
        pieces = _folded(line).split("\r\n ")
        assert "".join(pieces) == line
        limits = [75, *[74] * (len(pieces) - 1)]
        assert all(len(p.encode()) <= limit for p, limit in zip(pieces, limits)), line
        nxt = [p[0] for p in pieces[1:]]
        assert all(len((p + c).encode()) > limit for p, c, limit in zip(pieces, nxt, limits)), line
