"""Fault examples: each is an edit of the shipped rule base and what `validate` must say of it,
the problem's code, file and line, and words of its message."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from runrehab.engine.validation import validate
from runrehab.errors import KbError
from runrehab.rules.loader import load


@dataclass(frozen=True)
class Edit:
    file: str
    old: str
    new: str
    count: int = 1


@dataclass(frozen=True)
class At:
    """Where the problem is reported, found in the edited file: the line of `text` (the first
    after `after`), or of the first edit when `text` is empty, moved by `offset` lines."""
    file: str
    text: str = ""
    after: str = ""
    offset: int = 0
    column: int | None = None


@dataclass(frozen=True)
class Fault:
    name: str
    edits: tuple[Edit, ...]
    code: str
    at: At
    says: tuple[str, ...] = ()
    severity: str = "error"


R, E = "rules.yaml", "exercises.yaml"
ANNOUNCE_HAND = ('      announce: {if: "the tingling has not improved after a week of the mobilization", '
                 'action: "See a physical therapist or doctor."}\n')
CONTINUE = 'source: {document: expert-qa, voice: expert, quote: "Continue the stretching."}'
LEG_HEADLINE = '      headline: "Keep going with the routine until you are symptom free; review on the date given."\n'

FAULTS = [
    Fault("yaml syntax", (Edit(R, "  - id: tight-itb\n", "  - id: [tight-itb\n"),), "yaml", At(R, offset=1)),
    Fault("duplicate key", (Edit(E, "    name: Clamshell\n", "    name: Clamshell\n    name: Clam\n"),),
          "duplicate-key", At(E, "    name: Clam\n", column=5), ("duplicate key 'name'",)),
    Fault("unknown key", (Edit(E, "    name: Clamshell\n", "    name: Clamshell\n    nmae: Clam\n"),),
          "schema", At(E, "    nmae: Clam"), ("unknown key 'nmae'",)),
    Fault("wrong type", (Edit(R, "    max: 3650\n", "    max: lots\n"),), "schema", At(R), ("questions.",)),
    Fault("python tag", (Edit(R, 'version: "1.0.0"', "version: !!python/object/apply:os.system ['echo hacked']"),),
          "yaml", At(R, column=10), ("tag",)),
    Fault("duplicate id", (Edit(E, "  - id: clamshell\n", "  - id: glute-bridge\n"),), "duplicate-id", At(E)),
    Fault("unknown exercise in a routine",
          (Edit(R, "        - exercise: first-rib-mobilization\n", "        - exercise: first-rib\n"),),
          "unknown-exercise", At(R), ("'first-rib'",)),
    Fault("unknown question in a condition",
          (Edit(R, "{question: planks_painful, value: true}", "{question: planks_hurt, value: true}"),),
          "unknown-question", At(R)),
    Fault("unknown document in a citation",
          (Edit(E, "{document: expert-qa, voice: runner,", "{document: expert-q, voice: runner,"),),
          "unknown-document", At(E)),
    Fault("unknown symptom", (Edit(R, "    symptoms: [hand-tingling]\n    then:", "    symptoms: [hand]\n    then:"),),
          "unknown-symptom", At(R)),
    Fault("a value the question cannot take",
          (Edit(R, "{question: days, op: gt, value: 7}", "{question: days, op: gt, value: 7000}"),), "bad-value", At(R)),
    Fault("an operator that does not fit the question",
          (Edit(R, "{question: planks_painful, value: true}", "{question: planks_painful, op: gt, value: true}"),),
          "bad-op", At(R)),
    Fault("a rule that can never fire",
          (Edit(R, "{question: days, op: gt, value: 7}", "{question: days, op: gt, value: 3650}"),), "unreachable",
          At(R, "    when:", after="- id: posterior-leg-rest-pain", offset=1),  # the condition's node
          ("rule posterior-leg-rest-pain never fires",)),
    Fault("a rule always overridden",
          (Edit(R, "    when: {question: planks_painful, value: true}\n",
                "    when: {all: [{question: planks_painful, value: true}, {question: red_flag_fever, value: true}]}\n"),),
          "overridden", At(R, "- id: posterior-leg-planks-painful"), ("posterior-leg-planks-painful is always overridden",),
          severity="warning"),
    Fault("equal priority rules that disagree",
          (Edit(R, "    priority: 10\n    when: {question: low_back_pain", "    when: {question: low_back_pain"),),
          "conflict", At(R, "      routine:", after="- id: posterior-leg-lumbar", offset=1),
          ("prescribe glute-bridge differently",), severity="warning"),
    Fault("a red flag no rule catches", (Edit(R, "        - {question: red_flag_constant_numbness, value: true}\n", ""),),
          "safety", At(R, "- id: red_flag_constant_numbness"),
          ("red flag red_flag_constant_numbness answered yes for hand-tingling",)),
    Fault("a red flag asked at the triage alone",
          (Edit(R, "    symptoms: [shin]\n    stages: [triage, checkin]\n    source: {document: mayo-cecs, quote: \"Numbness",
                "    symptoms: [shin]\n    stages: [triage]\n    source: {document: mayo-cecs, quote: \"Numbness"),),
          "not-asked-again", At(R, "    stages: [triage]", after="- id: red_flag_shin_compartment_nerve"),
          ("'red_flag_shin_compartment_nerve' is asked at the triage but not at check-ins",)),
    Fault("a self-care outcome without escalation",
          (Edit(R, "      review_after_days: 7\n    source: {document: expert-qa, voice: expert, quote: \"Pull it",
                "    source: {document: expert-qa, voice: expert, quote: \"Pull it"),),
          "safety", At(R, "    then:", after="- id: hand-tingling-first-rib", offset=1),
          ("hand-tingling-first-rib: a self-care outcome needs",)),
    Fault("a worked example that fails",
          (Edit(R, "        expect: {level: self-care, routine: [first-rib-mobilization]}\n",
                "        expect: {level: see-clinician, routine: [first-rib-mobilization]}\n"),),
          "example", At(R, offset=-2),
          ("rule hand-tingling-first-rib, example 'tingling on long runs': expected level see-clinician, got self-care",)),
    Fault("an unused exercise",
          (Edit(R, "        - exercise: snow-angel\n          timing: morning and evening\n", ""),
           Edit(R, " snow-angel,", "", count=5)),
          "unused", At(E, "- id: snow-angel"), ("exercise snow-angel is in no rule's routine",), severity="warning"),
    Fault("a situation no rule covers",
          (Edit(R, "    when: {question: progress, value: much-better}\n", "    when: {question: progress, value: symptom-free}\n"),),
          "uncovered", At(R, "  - id: ", after="\nrules:"),  # the rules, from the first
          ("no rule sets a level at checkin", "progress=much-better")),
    Fault("a check-in rule that escalates without announcing it", (Edit(R, ANNOUNCE_HAND, ""),),
          "announce", At(R, "    then:", after="- id: checkin-hand-not-improving", offset=1), ("rule checkin-hand-not-improving",)),
    Fault("announcing from a rule that does not escalate",
          (Edit(R, LEG_HEADLINE, LEG_HEADLINE + '      announce: {if: "always", action: "Nothing."}\n'),),
          "announce", At(R, '      announce: {if: "always"'),
          ("rule checkin-leg-until-symptom-free: only a check-in rule that escalates",)),
    # citations: a document, a voice, the words as the seed has them, more than the runner's word
    Fault("a voice the document does not have",
          (Edit(E, '{document: posterior-leg, voice: trainer, quote: "Lateral', '{document: posterior-leg, voice: expert, quote: "Lateral'),),
          "unknown-voice", At(E), ("document 'posterior-leg' has no expert voice (its voices: trainer)",)),
    Fault("a citation of a document with several voices names none",
          (Edit(R, CONTINUE, 'source: {document: expert-qa, quote: "Continue the stretching."}'),),
          "missing-voice", At(R), ("(runner, expert)",)),
    Fault("the runner's words cited as the expert's",
          (Edit(E, '{document: expert-qa, voice: runner, quote: "I have found', '{document: expert-qa, voice: expert, quote: "I have found'),),
          "wrong-voice", At(E), ("the quote is the runner's words, not the expert's",)),
    Fault("a quote that is not in the seed", (Edit(R, 'quote: "Continue the stretching."}', 'quote: "Continue stretching."}'),),
          "not-in-source", At(R), ("not in sources/expert-qa.txt, word for word",)),
    Fault("a seed text outside the rule-base folder",
          (Edit(R, "text: sources/posterior-leg.txt", "text: ../../etc/passwd"),), "schema",
          At(R, "  - id: posterior-leg\n"),  # the document's entry
          ("a path inside the rule-base folder",)),
    Fault("an exercise on the runner's words alone",
          (Edit(E, '      - {document: expert-qa, voice: expert, quote: "Continue the stretching."}\n'
                   '      - {document: posterior-leg, voice: trainer, quote: "Breathe and hold for :30-:60 seconds, 2-4 sets on both sides."}\n'
                   '    source_note: >-\n      The runner found', '    source_note: >-\n      The runner found'),),
          "runner-only", At(E, "    sources:", after="- id: figure-four-stretch", offset=1),
          ("exercise figure-four-stretch cites only the runner's words",)),
    Fault("a routine on the runner's words alone",
          (Edit(R, CONTINUE, 'source: {document: expert-qa, voice: runner, quote: "I have found the figure 4 stretch to be helpful"}'),),
          "runner-only", At(R), ("rule tight-itb-stretches prescribes a routine on the runner's words alone",)),
]


def broken(kb_dir: Path, fault: Fault) -> int:
    """Apply the fault's edits to a copy of the rule base; return the line the problem is at."""
    first = None
    for edit in fault.edits:
        path = kb_dir / edit.file
        text = path.read_text()
        assert edit.old in text, edit.old
        first = first or text[: text.index(edit.old)].count("\n") + 1
        path.write_text(text.replace(edit.old, edit.new, edit.count))
    if not fault.at.text:
        return first + fault.at.offset
    content = (kb_dir / fault.at.file).read_text()
    start = content.index(fault.at.after) if fault.at.after else 0
    return content[: content.index(fault.at.text, start)].count("\n") + 1 + fault.at.offset


def reported(kb_dir: Path, code: str, severity: str | None = None) -> str:
    """The first problem of this code (and severity) that validating the folder reports."""
    _, problems = validate(kb_dir)
    found = [str(p) for p in problems if p.code == code and severity in (None, p.severity)]
    assert found, [str(p) for p in problems]
    return found[0]


def test_the_shipped_rule_base_is_valid_even_strictly():
    kb, problems = validate(None)
    assert kb is not None and problems == []


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_a_fault_is_reported_with_its_code_file_and_line(kb_copy, fault):
    line = broken(kb_copy, fault)
    problem = reported(kb_copy, fault.code, fault.severity)
    column = fault.at.column if fault.at.column is not None else r"\d+"
    where = rf"^{re.escape(str(kb_copy / fault.at.file))}:{line}:{column}: {fault.severity}: {fault.code}: "
    assert re.match(where, problem), (where, problem)
    for words in fault.says:
        assert words in problem, problem


def test_loading_a_broken_base_raises_the_same_messages(kb_copy):
    broken(kb_copy, FAULTS[1])
    with pytest.raises(KbError) as info:
        load(kb_copy)
    assert str(info.value.problems[0]) == reported(kb_copy, "duplicate-key")
