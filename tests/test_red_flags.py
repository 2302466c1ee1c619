"""Red flags: a yes is honoured in every path with nothing else answered, never crashes, and reads
as an emergency; the questions are worded so that the ordinary runner can honestly say no."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import first_of_each, full_answers, red_flag_cases, tiered
from typer.testing import CliRunner

from runrehab.commands.run import app
from runrehab.documents.as_json import to_data
from runrehab.documents.kinds import CheckIn, Plan
from runrehab.documents.vocabulary import RED_FLAG_LEVELS
from runrehab.engine.evaluate import checkin, triage
from runrehab.engine.interview import MissingAnswers, complete, parse_answers
from runrehab.errors import KbError
from runrehab.rules.loader import load
from runrehab.schemas import validated

KB = load()
DAY = dt.date(2026, 3, 1)
CASES = red_flag_cases(KB)
CHECKIN_CASES = [(s, q.id) for s in KB.symptoms for q in KB.questions_for(s, "checkin") if q.red_flag]
LEVEL_OF = {q: r.then.level for r in KB.rules if r.then.level in RED_FLAG_LEVELS and r.when is not None
            for q in [getattr(r.when, "question", None), *[getattr(c, "question", None) for c in getattr(r.when, "any", [])]]
            if q}


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def a_plan(db: str, symptom: str) -> None:
    result = invoke("triage", "--answers", "-", "--db", db, "--date", DAY.isoformat(),
                    input=json.dumps(full_answers(KB, symptom)))
    assert result.exit_code == 0, result.stderr


def assert_honoured(doc: dict, flag: str) -> None:
    assert doc["triage_level"] == LEVEL_OF[flag], (flag, doc["triage_level"])
    assert doc["red_flags"] == [flag] and doc["routine"] == []


# ------------------------------------------------------------------ the engine


def test_every_red_flag_question_has_a_rule_that_sets_its_level():
    flags = {q.id for q in KB.questions.values() if q.red_flag}
    assert flags <= set(LEVEL_OF), flags - set(LEVEL_OF)


@pytest.mark.parametrize("symptom", list(KB.symptoms))
def test_every_warning_sign_the_triage_asks_is_asked_again_at_every_check_in(symptom):
    """A plan made before a warning sign was added to the rule base, or when it was answered no,
    meets the sign at its next check-in: no plan goes on with a sign it was never asked."""
    at_triage = {q.id for q in KB.questions_for(symptom, "triage") if q.red_flag}
    at_checkin = {q.id for q in KB.questions_for(symptom, "checkin") if q.red_flag}
    assert at_triage <= at_checkin, sorted(at_triage - at_checkin)


def test_a_scripted_check_in_without_a_warning_sign_the_plan_never_answered_is_refused(tmp_path):
    db = str(tmp_path / "h.db")
    a_plan(db, "shin")
    answers = {"progress": "same", "pain_score": 3, **{q.id: "no" for q in KB.questions_for("shin", "checkin")
                                                        if q.red_flag and q.id != "red_flag_shin_compartment_nerve"}}
    result = invoke("checkin", "--answers", "-", "--json", "--db", db, "--date", "2026-03-04", input=json.dumps(answers))
    assert result.exit_code == 2 and "red_flag_shin_compartment_nerve" in result.stderr, result.stderr
    assert json.loads(invoke("history", "--json", "--db", db).stdout)["plans"][0]["checkins"] == []


@pytest.mark.parametrize(("symptom", "flag"), CASES)
def test_triage_with_only_the_symptom_and_a_red_flag(symptom, flag):
    answers = complete(KB, parse_answers(KB, {"symptom": symptom, flag: "yes"}))
    assert answers == {"symptom": symptom, flag: True}, "nothing else is required after a yes"
    plan = triage(KB, answers, DAY)
    assert_honoured(to_data(validated(Plan, to_data(plan))), flag)


@pytest.mark.parametrize(("symptom", "flag"), CHECKIN_CASES)
def test_check_in_with_a_red_flag_and_nothing_else(symptom, flag):
    plan = triage(KB, complete(KB, parse_answers(KB, full_answers(KB, symptom))), DAY)
    answers = complete(KB, {flag: True}, "checkin", symptom)
    doc = checkin(KB, plan, answers, DAY + dt.timedelta(days=3))
    data = to_data(validated(CheckIn, to_data(doc)))
    assert_honoured(data, flag)
    assert (data["progress"], data["pain_score"], data["decision"], data["next_review"]) == (None, None, "escalate", None)


def test_a_red_flag_without_the_symptom_ends_the_triage_as_a_problem_not_yet_named():
    assert complete(KB, {"red_flag_bladder": True}) == {"symptom": "other", "red_flag_bladder": True}
    with pytest.raises(MissingAnswers) as caught:  # no warning sign: the symptom comes first
        complete(KB, {"red_flag_bladder": False})
    assert caught.value.ids[0] == "symptom"


# ------------------------------------------------------------------ every input path


@pytest.mark.parametrize(("symptom", "flag"), tiered(CASES, first_of_each(CASES)))
def test_triage_with_a_red_flag_by_file_stdin_and_dash_a(tmp_path, symptom, flag):
    given = {"symptom": symptom, flag: "yes"}
    path = tmp_path / "answers.yaml"
    path.write_text(f"symptom: {symptom}\n{flag}: yes\n", encoding="utf-8")
    for args, stdin in ((["--answers", str(path)], None), (["--answers", "-"], json.dumps(given)),
                        (["-a", f"symptom={symptom}", "-a", f"{flag}=yes"], "")):
        result = invoke("triage", *args, "--json", "--no-save", input=stdin)
        assert result.exit_code == 0, (args, result.stderr)
        assert_honoured(json.loads(result.stdout), flag)


def test_triage_batch_with_every_red_flag_alone_one_a_line(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps({"symptom": s, f: True}) + "\n" for s, f in CASES), encoding="utf-8")
    result = invoke("triage", "--answers", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(docs) == len(CASES)
    for doc, (_, flag) in zip(docs, CASES):
        assert_honoured(doc, flag)


def test_triage_with_a_red_flag_but_no_symptom_gives_its_advice():
    result = invoke("triage", "-a", "red_flag_bladder=yes", "--no-save", input="")
    assert result.exit_code == 0 and "EMERGENCY" in result.stdout, result.stderr
    batch = invoke("triage", "--answers", "-", "--json",
                   input='{"red_flag_bladder": true}\n{"symptom": "tight-itb", "red_flag_fever": "yes"}\n')
    assert batch.exit_code == 0, batch.stderr
    assert [(p["symptom"], p["triage_level"]) for p in map(json.loads, batch.stdout.splitlines())] == \
        [("other", "emergency"), ("tight-itb", "urgent")]
    without = invoke("triage", "-a", "red_flag_bladder=no", "--no-save", input="")  # no warning sign: asked first
    assert without.exit_code == 2 and without.stderr.startswith("runrehab: error: missing answers for: symptom")


@pytest.mark.parametrize(("symptom", "flag"), tiered(CHECKIN_CASES, first_of_each(CHECKIN_CASES)))
def test_check_in_with_a_red_flag_by_file_stdin_and_dash_a_is_saved(tmp_path, symptom, flag):
    db = str(tmp_path / "h.db")
    a_plan(db, symptom)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({flag: "yes"}), encoding="utf-8")
    paths = ((["--answers", str(path)], None), (["--answers", "-"], json.dumps({flag: True})), (["-a", f"{flag}=yes"], ""))
    for n, (args, stdin) in enumerate(paths):
        result = invoke("checkin", *args, "--json", "--db", db, "--date", "2026-03-04", input=stdin)
        assert result.exit_code == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
        doc = json.loads(result.stdout)
        assert_honoured(doc, flag)
        assert (doc["progress"], doc["pain_score"]) == (None, None)
    saved = json.loads(invoke("history", "--json", "--db", db).stdout)["plans"][0]["checkins"]
    assert [c["red_flags"] for c in saved] == [[flag]] * len(paths)
    for view in (invoke("history", "--db", db), invoke("plan", "--db", db, "--date", "2026-03-05"),
                 invoke("plan", "--db", db, "--date", "2026-03-05", "--format", "markdown")):
        assert view.exit_code == 0, view.stderr


def test_the_handout_lists_every_warning_sign_answered_yes_with_its_dates_and_the_guideline(tmp_path):
    """The handout is what the runner takes to the clinician the advice sends them to ("tell the
    doctor which of the warning signs you have"): every sign answered yes, each date, and the
    guideline behind the decision now in force among its sources."""
    db = str(tmp_path / "h.db")
    a_plan(db, "tight-itb")
    for date, flags in (("2026-03-04", ["red_flag_night_pain"]), ("2026-03-08", ["red_flag_fever", "red_flag_night_pain"])):
        result = invoke("checkin", *[f"-a{flag}=yes" for flag in flags], "--json", "--db", db, "--date", date, input="")
        assert result.exit_code == 0, result.stderr
    deciding = json.loads(result.stdout)
    status = json.loads(invoke("plan", "--json", "--db", db, "--date", "2026-03-09").stdout)
    assert status["warning_signs"] == [{"question": "red_flag_night_pain", "dates": ["2026-03-04", "2026-03-08"]},
                                       {"question": "red_flag_fever", "dates": ["2026-03-08"]}]
    handout = invoke("plan", "--format", "markdown", "--db", db, "--date", "2026-03-09").stdout.replace("\\", "")
    signs = handout.split("## Warning signs answered yes")[1].split("\n## ")[0]
    assert f"Answered yes on 2026-03-04 (day 3), 2026-03-08 (day 7): {KB.questions['red_flag_night_pain'].text}" in signs
    assert f"Answered yes on 2026-03-08 (day 7): {KB.questions['red_flag_fever'].text}" in signs
    sources = handout.split("## Sources")[1]
    assert deciding["rules"] and all(r["source"]["voice"] == "guideline" for r in deciding["rules"])
    for rule in deciding["rules"]:
        assert f'{rule["source"]["title"]}: \u201c{rule["source"]["quote"]}\u201d (the guideline)' in sources


def test_the_handout_of_a_plan_begun_with_a_warning_sign_lists_it_on_the_plans_day(tmp_path):
    db = str(tmp_path / "h.db")
    answers = full_answers(KB, "posterior-leg-pain", red_flag_fever="yes")
    result = invoke("triage", "--answers", "-", "--db", db, "--date", DAY.isoformat(), input=json.dumps(answers))
    assert result.exit_code == 0, result.stderr
    handout = invoke("plan", "--format", "markdown", "--db", db, "--date", "2026-03-02").stdout.replace("\\", "")
    assert f"Answered yes on 2026-03-01 (day 0): {KB.questions['red_flag_fever'].text}" in handout


def test_the_check_in_crashes_of_old_now_give_the_emergency(tmp_path):
    db = str(tmp_path / "h.db")
    a_plan(db, "tight-itb")
    for extra in ([], ["-a", "progress=same"]):
        result = invoke("checkin", "-a", "red_flag_bladder=yes", *extra, "--db", db, "--date", "2026-03-04", input="")
        assert result.exit_code == 0, result.stderr
        assert "Call your local emergency number" in " ".join(result.stdout.split())


# ------------------------------------------------------------------ read as emergencies


def red_flag_rules():
    return [r for r in KB.rules if r.then.level in RED_FLAG_LEVELS]


@pytest.mark.parametrize("rule", red_flag_rules(), ids=lambda r: r.id)
def test_each_red_flag_rule_says_what_to_do_now_whom_to_see_how_soon_and_why(rule):
    headline = rule.then.headline
    said = " ".join([headline, *rule.then.advice])
    if rule.then.level == "emergency":
        assert headline.startswith(("Call your local emergency number", "Go to an emergency department")), headline
    else:
        assert headline.startswith("Urgent:") and any(who in headline for who in ("doctor", "GP", "urgent care")), headline
        assert any(when in headline for when in ("today", "day or two")), headline
    assert " can " in headline, "the headline says in plain words what the signs can mean"
    assert "No exercises and no check-in" in said
    assert KB.documents[rule.source.document].kind == "guideline"


def test_cauda_equina_is_explained_in_lay_words():
    rule = next(r for r in KB.rules if r.id == "red-flag-cauda-equina")
    assert "nerves at the bottom of the spine" in rule.then.headline and "bladder, bowel and legs" in rule.then.headline


@pytest.mark.parametrize(("symptom", "flag"), [("tight-itb", "red_flag_bladder"), ("hand-tingling", "red_flag_faint")])
def test_the_text_view_opens_with_what_to_do_and_offers_no_check_in_or_exercise(tmp_path, symptom, flag):
    db = str(tmp_path / "h.db")
    result = invoke("triage", "-a", f"symptom={symptom}", "-a", f"{flag}=yes", "--db", db, "--date", "2026-03-01", input="")
    assert result.exit_code == 0
    assert "checkin" not in result.stderr and "check in" not in result.stderr
    a_plan(db, symptom)
    later = invoke("checkin", "-a", f"{flag}=yes", "--db", db, "--date", "2026-03-02", input="")
    for out in (result.stdout, later.stdout):
        flat = " ".join(out.split())
        headline = KB.questions[flag].text  # shown among the warning signs
        first = flat.split("│ ", 1)[1][:40]
        assert first.startswith(("Call your local", "Urgent:")), first
        assert "What to do now" in flat and " ".join(headline.split()) in flat
        assert "runrehab checkin" not in flat and "Your routine" not in flat and "Review on" not in flat
        assert "Next check-in" not in flat and "runrehab exercise" not in flat
        assert "Based on" in flat and "https://" in flat


# ------------------------------------------------------------------ wording a runner can answer


# The seeds' runners in their own words: neither complaint is a red flag.
TIGHT_HIPS_RUNNER = "sore and tight in my lower back, hips and outer quads"
HAND_RUNNER = "pins and needles feeling in your hand (or other part) during a run"


@pytest.mark.parametrize(("flag", "must_say", "not_this"), [
    ("red_flag_both_legs", ["from your back down both legs", "past the knee"], "Tight or sore hips"),
    ("red_flag_stroke_signs", ["sudden weakness or numbness of the face, arm or leg on one side"], "Pins and needles in one hand"),
    ("red_flag_constant_numbness", ["stay between runs", "over days"], None),
    ("red_flag_fever", ["needed antibiotics", "fever or chills"], "A cold without a fever is not this"),
    # a strained hamstring makes a runner limp: the sign is bone pain on hopping or standing on it
    ("red_flag_groin_pain", ["hopping on that leg", "putting your weight on it"], "a strained muscle at the back of the thigh"),
    # the outside of the knee or hip, where the IT band rubs or the gluteus medius attaches, is the
    # complaint itself, not a stress fracture
    ("red_flag_bone_pain", ["one spot on a bone", "hop on that leg or press on it"],
     "bony bump on the outside of the knee or of the hip, where the IT band rubs or the buttock muscles attach"),
    # a strain with no swelling is not a clot, on hormone medicines or not: a painful calf counts
    # only with no strain to explain it
    ("red_flag_calf_clot", ["swollen compared with the other", "no strain to explain it"],
     "A sore spot in a muscle you strained on a run, with no swelling, warmth or redness"),
    # a thickened Achilles tendon is the complaint itself, not a clot
    ("red_flag_calf_clot", ["warm and red"], "A thickened or swollen tendon just above the heel is not this."),
    # a catch that frees itself at once is not a locked knee; a sore kneecap edge is not bone stress
    ("red_flag_knee_locked", ["cannot straighten it"], "A brief catch or click that frees itself at once is not this."),
    ("red_flag_bone_pain", ["one spot on a bone"], "tenderness around the edge of the kneecap"),
    ("red_flag_shin_night_or_hop", ["at night", "hop on that leg"],
     "An ache along the inner edge of the shin during or after runs, which settles once you stop, is not this."),
    ("red_flag_knee_hot_swollen", ["hot, red and swollen all round"], "A knee that only feels warm after a run is not this."),
    # Raynaud's in the cold takes both hands; the sign is one arm or one hand after effort
    ("red_flag_arm_circulation", ["one arm", "one hand", "after effort"], "Both hands turning white, numb or cold in cold weather"),
])
def test_red_flags_are_worded_so_the_ordinary_runner_can_say_no(flag, must_say, not_this):
    text = KB.questions[flag].text
    for words in must_say:
        assert words in text, (flag, words)
    if not_this:
        assert not_this in text and text.rstrip(")").endswith("not this.")


def test_the_seed_runners_own_words_are_not_what_the_red_flags_ask():
    hips = [q.text for q in KB.questions_for("tight-itb", "triage") if q.red_flag]
    hand = [q.text for q in KB.questions_for("hand-tingling", "triage") if q.red_flag]
    # the hips runner's sore, tight hips and quads are named as not a red flag, and nothing asks
    # about soreness or tightness of the back, hips or thighs alone
    assert any("Tight or sore hips" in t for t in hips)
    assert not any(w in t.lower() for t in hips for w in ("sore and tight", "outer quads", "tight hips"))
    # the hand runner's one-handed pins and needles on runs are named as not a stroke sign, and no
    # hand question is answered yes by tingling that comes on during a run and goes
    assert any("Pins and needles in one hand on runs is not this" in t for t in hand)
    assert not any("numbness on one side" in t.lower() and "face" not in t.lower() for t in hand)
    assert not any(t.lower().startswith(("do you get pins and needles", "is your hand tingling")) for t in hand)
    assert "hips" in TIGHT_HIPS_RUNNER and "hand" in HAND_RUNNER


TIME_FRAMED = ["red_flag_chest_pain", "red_flag_chest_pain_eased", "red_flag_stroke_signs", "red_flag_arm_circulation"]


@pytest.mark.parametrize("flag", TIME_FRAMED)
def test_heart_stroke_and_arm_signs_ask_about_now_and_the_recent_past(flag):
    """A heart attack or a stroke years ago is history, not a sign to call about now."""
    text = KB.questions[flag].text
    assert text.startswith(("Now or in the past month, ", "In the past month, ")), text
    assert " ever " not in f" {text} "


def test_a_question_that_asks_about_ever_says_which_history_counts():
    asked_ever = [q for q in KB.questions.values() if q.red_flag and " ever " in f" {q.text} "]
    assert {q.id for q in asked_ever} == {"red_flag_cancer_or_weight_loss", "red_flag_neck_serious"}
    for q in asked_ever:
        # a skin cancer that was only cut out, not a melanoma, is not the cancer history asked about
        assert "other than a skin cancer that was only cut out and was not a melanoma" in q.text, q.id
    assert "in the last few months" in KB.questions["red_flag_cancer_or_weight_loss"].text


def test_sexual_dysfunction_is_asked_about_the_last_two_weeks_and_leaves_numbness_to_the_saddle_question():
    text = KB.questions["red_flag_sexual_dysfunction"].text
    assert text.startswith("In the last two weeks,") and "genital sensation" not in text
    assert "genitals" in KB.questions["red_flag_saddle_numbness"].text
    assert LEVEL_OF["red_flag_sexual_dysfunction"] == "urgent" and LEVEL_OF["red_flag_saddle_numbness"] == "emergency"


@pytest.mark.parametrize("symptom", list(KB.symptoms))
def test_a_plan_announces_each_warning_sign_at_the_level_its_check_in_gives(symptom):
    """What a plan lists under "call now" and under "urgent" is what a yes at a check-in gives
    (how it started is the triage's answer, not asked again, so not announced)."""
    plan = triage(KB, complete(KB, parse_answers(KB, full_answers(KB, symptom))), DAY)
    for q in KB.questions_for(symptom, "checkin"):
        if not q.red_flag or q.asked_once:
            continue
        levels = {e.level for e in plan.escalation if q.sign in e.if_}
        assert levels == {LEVEL_OF[q.id]}, (q.id, levels)
        doc = checkin(KB, plan, complete(KB, {q.id: True}, "checkin", symptom), DAY + dt.timedelta(days=2))
        assert doc.triage_level == LEVEL_OF[q.id], q.id


def test_chest_pain_that_does_not_ease_is_an_emergency_on_its_own():
    text = KB.questions["red_flag_chest_pain"].text
    assert "did not ease within a few minutes of stopping" in text and "even if you felt nothing else" in text
    on_its_own = text.split(", or pain spreading")[0]
    assert "sweating" not in on_its_own, "no second symptom is required for chest pain that does not ease"
    assert "pain spreading into the arm, neck, jaw or back with sweating" in text


# ------------------------------------------------------------------ choices in words


def test_progress_choices_are_labelled_at_the_prompt_and_in_views_and_ids_still_work(tmp_path):
    db = str(tmp_path / "h.db")
    a_plan(db, "hand-tingling")
    flags = {q.id: "no" for q in KB.questions_for("hand-tingling", "checkin") if q.red_flag}
    asked = [q for q in flags if not KB.questions[q].asked_once]  # how it started is not asked again
    typed = "\n".join([*["n"] * len(asked), "1", "n", "2", "", "", ""]) + "\n"  # 2: much-better by number; no exercises
    result = invoke("checkin", "--interactive", "--db", db, "--date", "2026-03-08", input=typed)
    assert result.exit_code == 0, result.stderr
    assert "much better: significantly better than when you started (much-better)" in result.stderr
    assert "much better: significantly better than when you started" in " ".join(result.stdout.split())
    by_id = invoke("checkin", "--answers", "-", "--json", "--db", db, "--date", "2026-03-08",
                   input=json.dumps({**flags, "progress": "much-better", "pain_score": 1}))
    assert by_id.exit_code == 0 and json.loads(by_id.stdout)["progress"] == "much-better"
    status = invoke("plan", "--db", db, "--date", "2026-03-09")
    assert "significantly better than when you started" in " ".join(status.stdout.split())


def test_a_label_for_a_choice_that_does_not_exist_is_refused(kb_copy):
    rules = kb_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("      much-better: \"much better", "      much-bettr: \"much better"), encoding="utf-8")
    with pytest.raises(KbError, match="much-bettr"):
        load(kb_copy)


@pytest.mark.parametrize("symptom", list(KB.symptoms))
def test_a_plan_names_every_warning_sign_of_its_check_ins_in_a_few_words(symptom):
    """Every sign a check-in asks about, and none it does not: how the problem started is the
    triage's answer (no for a plan to follow), and cannot come on later."""
    plan = triage(KB, complete(KB, parse_answers(KB, full_answers(KB, symptom))), DAY)
    announced = " ".join(e.if_ for e in plan.escalation if e.level in RED_FLAG_LEVELS)
    for q in KB.questions_for(symptom, "checkin"):
        if q.red_flag:
            assert (q.sign in announced) != q.asked_once, q.id
    assert "?" not in announced  # the signs, not the questions asked about them


def test_a_plan_announces_each_urgent_sign_with_its_own_rule_s_timing():
    plan = triage(KB, complete(KB, parse_answers(KB, full_answers(KB, "posterior-leg-pain"))), DAY)
    urgent = [e for e in plan.escalation if e.level == "urgent"]
    today = [e for e in urgent if "today" in e.action]
    later = [e for e in urgent if "within a day or two" in e.action]
    assert len(today) == 1 and len(later) == 1 and len(urgent) == 2
    assert KB.questions["red_flag_calf_clot"].sign in today[0].if_
    assert KB.questions["red_flag_calf_clot"].sign not in later[0].if_
    asked = {q.id for q in KB.questions_for("posterior-leg-pain", "checkin") if q.red_flag and not q.asked_once}
    for rule in KB.rules:
        if rule.then.level == "urgent":
            entry = today[0] if rule.then.see_within == "today" else later[0]
            can_fire = (not rule.symptoms or "posterior-leg-pain" in rule.symptoms) and any(
                getattr(c, "question", None) in asked for c in [rule.when, *getattr(rule.when, "any", [])])
            # a rule only of other symptoms (by its signs or its `symptoms`) is not named
            assert (rule.id in entry.rules) == can_fire, rule.id


URGENT_CASES = [(s, f) for s, f in CASES if LEVEL_OF.get(f) == "urgent"]
# each sign whose rule says today, once, in every tier (the same rule's words for every symptom)
SEEN_TODAY = {q: (s, q) for s, q in reversed(URGENT_CASES) for r in KB.rules if r.then.see_within == "today"
              and q in (getattr(r.when, "question", None),
                        *(getattr(c, "question", None) for c in getattr(r.when, "any", [])))}


@pytest.mark.parametrize(("symptom", "flag"), tiered(URGENT_CASES, lambda case: case in SEEN_TODAY.values()))
def test_an_urgent_sign_to_be_seen_today_is_never_put_off_by_a_view(tmp_path, symptom, flag):
    """What every view titles an urgent plan does not say "a day or two" where its rule says today."""
    db = str(tmp_path / "h.db")
    result = invoke("triage", "-a", f"symptom={symptom}", "-a", f"{flag}=yes", "--db", db, "--date", DAY.isoformat())
    assert result.exit_code == 0, result.stderr
    views = [result.stdout, *(invoke("plan", "--db", db, "--format", f, "--date", DAY.isoformat()).stdout
                              for f in ("text", "markdown", "ics"))]
    if "today" in json.loads(invoke("plan", "--json", "--db", db).stdout)["why"]:
        assert not any("day or two" in view for view in views), flag
