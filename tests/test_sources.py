"""Sources: the seeds kept as published, every quote found in them word for word and in the part
of the person the citation names, who said it shown in every view, and the exercises and doses
that rest on them."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from conftest import full_answers
from test_validate import reported

from runrehab.commands.run import app
from runrehab.engine.evaluate import triage
from runrehab.engine.validation import answer_space, example_answers, validate
from runrehab.rules.kb import shipped_dir
from runrehab.rules.loader import load

KB = load()
SOURCES = shipped_dir() / "sources"

# The seeds as published (the SHA-256 of the files the rule base was built from).
PUBLISHED = {"expert-qa": "98f03b36966a730c2687a1836c3cb055d20a55f71aa7475e94fa22822e776f09",
             "posterior-leg": "77ba067136248494b3d18d20232b2bc4d7312b86b43659010f58b08ff9e13b97"}

# Who speaks where, read off the seeds by hand: each marker opens a part that runs to the next.
# The page around the answers (titles, the expert's profile) is nobody's words.
MARKERS = {
    "expert-qa": [("QUESTION:", "runner"), ("ANSWER:", "expert"),
                  ("1st rib mobilization 1st rib mobilization", "expert"), ("Jogging & Running All Answers", "page")],
    "posterior-leg": [("Reader Question - ", "trainer")],
}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def parts(doc: str) -> list[tuple[str, str]]:
    """(role, text) of each part of a seed, in order."""
    text = flat((SOURCES / f"{doc}.txt").read_text(encoding="utf-8"))
    pattern = "|".join(re.escape(marker) for marker, _ in MARKERS[doc])
    roles = dict(MARKERS[doc])
    found = list(re.finditer(pattern, text))
    return [(roles[m.group()], text[m.start(): found[n + 1].start() if n + 1 < len(found) else len(text)])
            for n, m in enumerate(found)]


def seed_citations() -> list[tuple[str, object]]:
    out = []
    for e in KB.exercises_file.exercises:
        out += [(f"exercise {e.id} #{j}", c) for j, c in enumerate(e.sources)]
    out += [(f"rule {r.id}", r.source) for r in KB.rules]
    out += [(f"question {q.id}", q.source) for q in KB.rules_file.questions if q.source is not None]
    return [(where, c) for where, c in out if c.document in PUBLISHED]


@pytest.mark.parametrize("doc", sorted(PUBLISHED))
def test_the_seeds_are_kept_as_published(doc):
    assert KB.documents[doc].text == f"sources/{doc}.txt"
    assert hashlib.sha256((SOURCES / f"{doc}.txt").read_bytes()).hexdigest() == PUBLISHED[doc]


@pytest.mark.parametrize("where, citation", seed_citations(), ids=[w for w, _ in seed_citations()])
def test_every_seed_quote_is_in_the_seed_word_for_word_and_in_the_part_of_the_voice_it_names(where, citation):
    quote = flat(citation.quote)
    spoken = [role for role, text in parts(citation.document) if quote in text]
    assert quote in flat((SOURCES / f"{citation.document}.txt").read_text(encoding="utf-8")), f"{where}: not in the seed"
    assert KB.voice(citation).role in spoken, f"{where}: said by {spoken}, cited as {KB.voice(citation).role}"


def test_the_shipped_rule_base_cites_every_voice_of_the_seeds():
    roles = {KB.voice(c).role for _, c in seed_citations()}
    assert roles == {"expert", "trainer", "runner"}


def test_no_exercise_and_no_routine_rests_on_the_runners_words_alone():
    for e in KB.exercises_file.exercises:
        assert {KB.voice(c).role for c in e.sources} - {"runner"}, e.id
    for r in KB.rules:
        if r.then.routine:
            assert KB.voice(r.source).role != "runner", r.id


def test_the_runners_figure_4_report_is_cited_as_the_runners():
    figure4 = KB.exercises["figure-four-stretch"]
    said = {c.quote: KB.voice(c).role for c in figure4.sources}
    assert said["I have found the figure 4 stretch to be helpful"] == "runner"
    assert said["Continue the stretching."] == "expert"
    bridge = KB.exercises["glute-bridge"]
    assert all("figure 4" not in c.quote and "2-3x a day" not in c.quote for c in bridge.sources)


# ------------------------------------------------------------------ who said it, in every view


def test_json_sources_name_the_voice_and_the_speaker(runner):
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--no-save"],
                           input=json.dumps(full_answers(KB, "tight-itb")))
    sources = {r["id"]: r["source"] for r in json.loads(result.stdout)["rules"]}
    assert sources["tight-itb-stretches"]["voice"] == "expert"
    assert sources["tight-itb-stretches"]["speaker"] == "Nick Rainey, Doctor of Physical Therapy"
    doc = json.loads(runner.invoke(app, ["exercise", "figure 4", "--json"]).stdout)
    assert {"voice": "runner", "speaker": "Len"}.items() <= doc["sources"][0].items()
    assert {s["voice"] for s in doc["sources"]} == {"runner", "expert", "trainer"}
    exercises = json.loads(runner.invoke(app, ["exercises", "--json"]).stdout)
    assert all(s["voice"] in ("expert", "trainer", "runner", "guideline") for e in exercises for s in e["sources"])
    assert {s["voice"] for e in exercises if e["id"] == "heel-raise-towel" for s in e["sources"]} == {"guideline"}


def test_a_guideline_citation_speaks_as_the_guideline(runner):
    answers = full_answers(KB, "hand-tingling", red_flag_stroke_signs="yes")
    result = runner.invoke(app, ["triage", "--answers", "-", "--json", "--no-save"], input=json.dumps(answers))
    source = next(r["source"] for r in json.loads(result.stdout)["rules"] if r["id"] == "red-flag-stroke")
    assert source["voice"] == "guideline" and source["speaker"] is None


def test_the_exercise_view_says_who_said_each_source_and_what_the_sources_leave_out(runner):
    out = " ".join(runner.invoke(app, ["exercise", "figure 4"], env={"COLUMNS": "400"}).stdout.split())
    assert "\u201cI have found the figure 4 stretch to be helpful\u201d (the runner, Len: what they tried or felt, not advice)" in out
    assert "\u201cContinue the stretching.\u201d (the expert, Nick Rainey, Doctor of Physical Therapy)" in out
    assert "neither describes the stretch" in out
    chain = " ".join(runner.invoke(app, ["exercise", "posterior-chain-stretch"], env={"COLUMNS": "400"}).stdout.split())
    assert "(the trainer, Train Daly)" in chain and "does not describe it" in chain


def test_the_plan_text_and_the_handout_say_who_said_each_source(runner, tmp_path):
    db = str(tmp_path / "h.db")
    result = runner.invoke(app, ["triage", "--answers", "-", "--db", db, "--date", "2026-03-01"],
                           input=json.dumps(full_answers(KB, "tight-itb")), env={"COLUMNS": "400"})
    text = " ".join(result.stdout.split())
    assert "tight-itb-stretches: " in text and "\u201cContinue the stretching.\u201d (the expert, Nick Rainey" in text
    handout = runner.invoke(app, ["plan", "--format", "markdown", "--db", db, "--date", "2026-03-02"]).stdout
    assert "\u201cContinue the stretching.\u201d (the expert, Nick Rainey, Doctor of Physical Therapy)" in handout
    # each exercise in the handout lists its own sources, the runner's words marked as such
    assert "\u201cI have found the figure 4 stretch to be helpful\u201d (the runner, Len: what they tried or felt, not advice)" in handout


# ------------------------------------------------------------------ validate


def test_line_breaks_and_no_break_spaces_in_the_seed_do_not_count(kb_copy):
    # the seed has a space and a no-break space between "each day." and "Let me know"
    assert "each day. \xa0Let me know" in (kb_copy / "sources" / "expert-qa.txt").read_text(encoding="utf-8")
    assert validate(kb_copy)[1] == []


def test_a_missing_seed_text(kb_copy):
    (kb_copy / "sources" / "posterior-leg.txt").unlink()
    rules = (kb_copy / "rules.yaml").read_text()
    line = rules[: rules.index("text: sources/posterior-leg.txt")].count("\n") + 1
    problem = reported(kb_copy, "source-text")
    assert f"rules.yaml:{line}:" in problem and "cannot read sources/posterior-leg.txt" in problem



# a device is refused as a named pipe is, no regular file: in the slow tier
@pytest.mark.parametrize("kind", [pytest.param("a symlink to /dev/zero", marks=pytest.mark.slow), "a named pipe",
                                  "larger than a rule-base file"])
def test_a_seed_text_that_is_no_bounded_regular_file_is_refused_without_hanging(kb_copy, kind):
    """A device never ends and a named pipe waits for a writer: validate reads only a regular
    file, and at most what a rule-base file may hold. Run apart, so that a hang or a memory
    error fails the test rather than the run."""
    import os
    import subprocess
    import sys

    seed = kb_copy / "sources" / "posterior-leg.txt"
    seed.unlink()
    if kind == "a symlink to /dev/zero":
        seed.symlink_to("/dev/zero")
    elif kind == "a named pipe":
        os.mkfifo(seed)
    else:
        seed.write_bytes(b"words " * (4 * 1024 * 1024 // 6 + 1))
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31)); "
            "from runrehab.commands.run import main; sys.argv = ['runrehab', 'validate', '--kb', sys.argv[1]]; main()")
    done = subprocess.run([sys.executable, "-c", code, str(kb_copy)], capture_output=True, text=True, timeout=60)
    says = {"a symlink to /dev/zero": "is a device; expected a regular file",
            "a named pipe": "is a named pipe; expected a regular file",
            "larger than a rule-base file": "is larger than 4 MiB, the most that is read"}[kind]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "source-text: document posterior-leg: " in done.stdout and says in done.stdout, done.stdout


# ------------------------------------------------------------------ the exercises the sources give


def plans(symptom):
    for answers in answer_space(KB, symptom):
        if not any(v is True for k, v in answers.items() if k.startswith("red_flag_")):
            yield answers, triage(KB, example_answers(KB, answers), dt.date(2026, 3, 1))


def test_the_posterior_chain_stretch_stays_out_of_lumbar_and_nerve_presentations():
    seen = set()
    for answers, plan in plans("posterior-leg-pain"):
        nerve = answers.get("low_back_pain") or answers.get("leg_nerve_symptoms")
        given = "posterior-chain-stretch" in [i.exercise for i in plan.routine]
        assert given == (not nerve), answers
        seen.add(given)
    assert seen == {True, False}


def test_the_posterior_chain_stretch_does_not_pull_on_the_nerve():
    chain = KB.exercises["posterior-chain-stretch"]
    steps = " ".join(chain.instructions).lower()
    assert not chain.equipment or chain.equipment == ["cushion"]
    assert "knee slightly bent" in steps and "do not pull the toes up" in steps and "back straight" in steps
    assert not re.search(r"\b(strap|belt|towel)\b", steps)
    assert "does not describe it" in chain.source_note


def test_the_supine_twist_the_expert_never_prescribed_is_given_to_nobody():
    assert "supine-twist" not in KB.exercises
    for symptom in KB.symptoms:
        for _, plan in plans(symptom):
            assert "supine-twist" not in [i.exercise for i in plan.routine]


def test_the_hip_stretches_run_2_to_3_times_a_day_as_the_endorsed_routine_did():
    _, plan = next(plans("tight-itb"))
    doses = {i.exercise: i.dose for i in plan.routine}
    for ex in ("figure-four-stretch", "cross-body-leg-stretch"):
        assert doses[ex].frequency == "2–3 times a day"
        quotes = [c.quote for c in KB.exercises[ex].sources]
        assert "Continue the stretching." in quotes and any("2-3x a day" in q for q in quotes)


def test_the_lumbar_plan_says_where_the_hamstring_work_is():
    plan = triage(KB, example_answers(KB, {"symptom": "posterior-leg-pain", "days": 5, "pain_score": 4,
                                          "pain_at_rest": False, "low_back_pain": True}), dt.date(2026, 3, 1))
    advice = " ".join(plan.advice)
    assert "bridges are the hamstring work" in advice
    assert "hamstrings" in KB.exercises["glute-bridge"].targets
    assert not any("hamstring" in i.name.lower() for i in plan.routine)  # no hamstring exercise nobody gave
