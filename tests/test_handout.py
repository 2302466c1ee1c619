"""The handout a runner takes to a physical therapist carries, at every status, what the clinician
needs: the decision now and the rules behind it, every check-in, the pain trend, the warning signs
asked with each answer, the triage's answers, the sessions done and the routine tried with the
doses reached. `--format html` is the same handout as one printable page, checked by printing it
to PDF in a real browser."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import full_answers, tiered

from runrehab.commands.run import app
from runrehab.rules.loader import load

KB = load()
LEG = "posterior-leg-pain"
# Two check-ins, the second of which brings the plan to each status.
JOURNEYS = {
    "active": (LEG, {"progress": "better", "pain_score": 2}, "2026-03-05"),
    "upkeep": (LEG, {"progress": "symptom-free", "pain_score": 0}, "2026-03-09"),
    "escalated": ("tight-itb", {"progress": "same", "pain_score": 3}, "2026-03-09"),
    "stopped": (LEG, {"progress": "worse", "pain_score": 6}, "2026-03-05"),
}


def checkin(runner, db, symptom, date, **answers):
    flags = {q.id: "no" for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    result = runner.invoke(app, ["checkin", "--answers", "-", "--json", "--date", date, "--db", db, "--symptom", symptom],
                           input=json.dumps({**flags, **answers}))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def journey(runner, db, status, kb_dir=None):
    symptom, answers, date = JOURNEYS[status]
    kb = ["--kb", str(kb_dir)] if kb_dir else []
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--date", "2026-03-01", "--db", db, *kb],
                           input=json.dumps(full_answers(KB, symptom, pain_score=4)))
    assert result.exit_code == 0, result.stderr
    checkin(runner, db, symptom, "2026-03-03", progress="better", pain_score=3)
    log = [{"exercise": "glute-bridge", "date": "2026-03-03", "sets": 3, "reps": 12, "pain_during": 2},
           {"exercise": "glute-bridge", "date": "2026-03-04", "sets": 4, "reps": 10, "pain_during": 1}]
    logged = runner.invoke(app, ["session", "--log", "-", "--db", db, "--symptom", symptom], input=json.dumps(log))
    assert logged.exit_code == 0, logged.stderr
    last = checkin(runner, db, symptom, date, **answers)
    return symptom, date, last


@pytest.mark.parametrize("status", JOURNEYS)
def test_the_handout_carries_what_the_clinician_needs_at_every_status(runner, tmp_path, status):
    db = str(tmp_path / "h.db")
    symptom, date, last = journey(runner, db, status)
    plan = json.loads(runner.invoke(app, ["plan", "--json", "--db", db, "--date", date]).stdout)
    assert plan["status"] == status
    md = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", date]).stdout
    clinician = md[md.index("## For the clinician"):]
    # the decision now, with the rules behind it
    decision = clinician[clinician.index("### The decision now"):clinician.index("### Check-ins")]
    assert f"check-in of {date}" in decision and all(r["source"]["quote"] in decision for r in last["rules"])
    # every check-in, newest first: date, progress, pain, decision
    rows = [line for line in clinician.splitlines() if re.match(r"\| 2026-03-\d\d \(day \d+\) \|", line)]
    assert [r.split(" ")[1] for r in rows] == [date, "2026-03-03"]
    assert f"| {last['pain_score']}/10 |" in rows[0] and "| 3/10 |" in rows[1]
    # the pain trend from the triage on
    assert f"4/10 on 2026-03-01 (triage) → 3/10 on 2026-03-03 (check-in) → {last['pain_score']}/10 on {date}" in clinician
    # every warning sign asked, with its answer each time
    for q in KB.questions_for(symptom, "triage"):
        if q.red_flag:
            assert q.text.replace("(", "").split("?")[0][:40] in clinician.replace("(", "").replace("\\", ""), q.id
    assert "**no** on 2026-03-01, 2026-03-03, " + date in clinician
    # the triage's other answers
    assert "How many days ago did it start? **3**" in clinician
    # the sessions done and the routine tried, with the dose reached
    sessions = clinician[clinician.index("### Sessions done"):]
    assert "2 exercise(s) logged on 2 day(s), from 2026-03-03 to 2026-03-04" in sessions
    if symptom == LEG:
        assert "| Glute bridge |" in sessions and "2 time(s); at most 4 set(s), 10 reps; pain during up to 2/10" in sessions


def test_the_html_handout_is_the_same_handout_self_contained_and_escaped(runner, tmp_path, kb_copy):
    rules = kb_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        'headline: "Self-care: a week of glute strength work and stretching, then review."',
        "headline: \"Self-care <script>alert('x')</script> & <img src=x onerror=alert(1)> [a](javascript:alert(2))\""),
        encoding="utf-8")
    db = str(tmp_path / "h.db")
    journey(runner, db, "escalated", kb_copy)
    result = runner.invoke(app, ["plan", "--format", "html", "--db", db, "--date", "2026-03-09", "--kb", str(kb_copy)])
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and "@page" in page and "@media print" in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page and "&amp;" in page
    assert not re.search(r"<script|<img|<iframe|<link|<a |\bsrc=|\bhref=|javascript:alert\(2\)\"", page.replace("&lt;img src=x", ""))
    for heading in ("For the clinician", "The decision now", "Check-ins, newest first", "Pain trend",
                    "Warning signs asked, and each answer", "Sessions done, and the routine tried"):
        assert heading in page
    assert "<table>" in page and "<th>Warning sign</th>" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (Debian: apt-get install chromium; .ci/run does)")
@pytest.mark.parametrize("paper, size", tiered([("A4", (595, 842)), ("letter", (612, 792))],
                                              lambda case: case[0] == "A4"))  # the other size with -m slow
def test_a_real_browser_prints_the_html_handout_on_a4_and_letter(runner, tmp_path, paper, size):
    db = str(tmp_path / "h.db")
    journey(runner, db, "stopped")
    page = runner.invoke(app, ["plan", "--format", "html", "--db", db, "--date", "2026-03-05"]).stdout
    assert "size: auto" in page  # the printer's paper; here each paper is asked for in turn
    html = tmp_path / "plan.html"
    html.write_text(page.replace("size: auto", f"size: {paper}"), encoding="utf-8")
    pdf = tmp_path / "plan.pdf"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                           f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", html.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page[^s]", data)
    boxes = {tuple(round(float(n)) for n in box.split()[2:]) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert 2 <= len(pages) <= 8 and boxes == {size}


def test_a_plan_open_on_a_warning_sign_reads_waiting_to_be_seen_never_active(runner, tmp_path):
    db = str(tmp_path / "h.db")
    made = runner.invoke(app, ["triage", "--symptom", "posterior-leg-pain", "-a", "red_flag_saddle_numbness=yes",
                               "--db", db, "--date", "2026-03-01"])
    assert made.exit_code == 0, made.stderr
    handout = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", "2026-03-02"]).stdout
    assert "- **Status:** waiting to be seen (an emergency)" in handout
    today = runner.invoke(app, ["today", "--db", db, "--date", "2026-03-02"]).stdout
    assert "waiting to be seen since 2026-03-01" in " ".join(today.split())
    assert "active" not in handout + today


def test_the_clinician_sees_each_dose_in_the_runner_s_words(runner, kb, tmp_path):
    db = str(tmp_path / "h.db")
    runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01"],
                  input=json.dumps(full_answers(kb, "tight-itb")))
    handout = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", "2026-03-02"]).stdout
    prescribed = re.findall(r"^\| ([^|]+) \| ([^|]+) \| not logged \|$", handout, re.M)
    assert prescribed, handout
    for name, dose in prescribed:
        said = re.search(rf"^\| {re.escape(name)} \| ([^|]+) \| ([^|]+) \|$", handout, re.M)
        assert said and dose == f"{said[1]}, {said[2]}", (name, dose)


@pytest.mark.parametrize("value", [[True], {"yes": True}])
def test_an_answer_no_choice_can_be_is_shown_as_it_is_never_a_crash(value):
    """A warning sign's answer that is a list or a mapping, as only a damaged or hand-made history
    holds, is written out as given rather than ending the handout in a traceback."""
    from runrehab.render.words import choice_words, show_value
    sign = next(q.id for q in KB.questions_for(LEG, "checkin") if q.red_flag)
    assert choice_words(KB, sign, value) == show_value(value)
    assert choice_words(KB, "progress", value) == show_value(value)
