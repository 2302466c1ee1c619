"""What `runrehab validate` checks: everything the loader checks, plus the checks that run the rules.

- every worked example beside the rules gives what it expects;
- safety: every red flag answered yes, for every symptom that asks it, is caught by a rule at
  emergency or urgent; every self-care outcome carries a review date, and plans for every symptom
  with one announce an escalation; every check-in rule that escalates or stops announces it;
- reachability, by enumerating the finite answer space (integers fall into the bands the
  conditions use; engine/reach.py bounds it by the rule base's size): rules that never fire,
  rules always overridden, equal-priority rules that prescribe the same exercise differently;
- exercises that no rule uses;
- quotes: every quote from a document whose text the rule base holds is in that text (spacing
  aside), in a part spoken by the voice the citation names.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..documents.record import Record
from ..documents.vocabulary import RED_FLAG_LEVELS, is_red_flag
from ..errors import FileRefused, KbError
from ..rules.kb import RULES_FILE, KnowledgeBase, shipped_dir
from ..rules.loader import building, check_folder, read_base, read_rule_file
from ..rules.yaml_source import Problem, SourceFile
from .announcements import announced
from .evaluate import checkin, fired_rules, triage
from .interview import AnswerError, carried_over, complete, parse_answers
from .reach import MOST_COMBINATIONS, combinations, evaluated_space, rule_can_fire, too_many

_EXAMPLE_DATE = dt.date(2000, 1, 1)


def validate(directory: Path | None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Every problem of the rule base in `directory` (the shipped one when None), sorted."""
    base = shipped_dir() if directory is None else Path(directory)
    try:
        check_folder(base)
    except KbError as exc:
        return None, exc.problems
    with building():
        kb, problems, sources = read_base(base)
    if kb is None or any(p.severity == "error" for p in problems):
        return kb, sorted(problems)
    problems += refusals(kb, sources)
    problems += check_reachability(kb, sources[RULES_FILE])
    problems += check_unused(kb, sources)
    return kb, sorted(problems)


def refusals(kb: KnowledgeBase, sources: dict[str, SourceFile]) -> list[Problem]:
    """The checks no command runs a rule base without (rules.loader.load's `vet`): its worked examples,
    safety, and its quotes found in their sources. Cheap beside reading the files."""
    rules_src = sources[RULES_FILE]
    return [*run_examples(kb, rules_src), *check_safety(kb, rules_src), *check_quotes(kb, sources)]


# ------------------------------------------------------------------ worked examples


def example_answers(kb: KnowledgeBase, answers: dict[str, Any], stage: str = "triage",
                    symptom: str | None = None) -> dict[str, Any]:
    """Complete answers for a worked example: red flags left out count as no."""
    given = parse_answers(kb, answers)
    for q in kb.questions_for(given.get("symptom", symptom), stage):
        if q.red_flag:
            given.setdefault(q.id, False)
    return complete(kb, given, stage, symptom)


def run_example(kb: KnowledgeBase, example: Any) -> Record:
    """The document a worked example produces: a plan, or for check-in rules a check-in on
    day `day` of the plan made from the example's `plan` answers."""
    if example.plan is None:
        return triage(kb, example_answers(kb, example.answers), _EXAMPLE_DATE)
    plan = triage(kb, example_answers(kb, example.plan), _EXAMPLE_DATE)
    given = {k: v for k, v in example.answers.items() if k not in kb.variables or k in kb.questions}
    day = int(example.answers.get("day", 0))
    answers = example_answers(kb, carried_over(kb, plan.answers, given), "checkin", plan.symptom)
    # the facts earlier check-ins would give (worse_mornings, lowest_dose); the date gives the others
    history = {k: v for k, v in example.answers.items() if k in kb.variables and k not in kb.questions
               and k not in ("day", "days_since_onset")}
    return checkin(kb, plan, {**answers, **history}, _EXAMPLE_DATE + dt.timedelta(days=day))


def run_examples(kb: KnowledgeBase, src: SourceFile) -> Iterator[Problem]:
    for i, rule in enumerate(kb.rules):
        for j, example in enumerate(rule.examples):
            loc = ("rules", i, "examples", j)
            try:
                doc = run_example(kb, example)
            except AnswerError as exc:
                yield src.problem((*loc, "answers"), "example", f"rule {rule.id}, example {example.name!r}: {exc}")
                continue
            for what in example_mismatches(rule.id, example.expect, doc):
                yield src.problem(loc, "example", f"rule {rule.id}, example {example.name!r}: {what}")


def example_mismatches(rule_id: str, expect: Any, plan: Record) -> list[str]:
    """How a plan or check-in differs from what a worked example expects (empty when it matches)."""
    out = []
    fired = any(r.id == rule_id for r in plan.rules)
    if fired != expect.fires:
        out.append("expected the rule to fire but it did not" if expect.fires else "expected the rule not to fire but it did")
    if expect.level is not None and plan.triage_level != expect.level:
        out.append(f"expected level {expect.level}, got {plan.triage_level}")
    if expect.decision is not None and getattr(plan, "decision", None) != expect.decision:
        out.append(f"expected decision {expect.decision}, got {getattr(plan, 'decision', 'none (a triage)')}")
    if expect.routine is not None:
        got = sorted(item.exercise for item in plan.routine)
        if got != sorted(expect.routine):
            missing = sorted(set(expect.routine) - set(got))
            extra = sorted(set(got) - set(expect.routine))
            out.append("routine differs: " + "; ".join(
                part for part in (f"missing {', '.join(missing)}" if missing else "",
                                  f"unexpected {', '.join(extra)}" if extra else "") if part))
    return out


# ------------------------------------------------------------------ safety


def check_safety(kb: KnowledgeBase, src: SourceFile) -> Iterator[Problem]:
    for i, rule in enumerate(kb.rules):
        out = rule.then
        if out.level == "self-care" and not out.review_after_days:
            yield src.problem(("rules", i, "then"), "safety",
                              f"rule {rule.id}: a self-care outcome needs `review_after_days`")
        escalates = "checkin" in rule.stages and out.decision in ("escalate", "stop") and out.level not in RED_FLAG_LEVELS
        if escalates and (out.announce is None or out.level is None):
            yield src.problem(("rules", i, "then"), "announce",
                              f"rule {rule.id}: a check-in rule that can {out.decision} needs a `level` and an "
                              f"`announce` ({{if, action}}) so that plans say so beforehand")
        elif out.announce is not None and not escalates:
            yield src.problem(("rules", i, "then", "announce"), "announce",
                              f"rule {rule.id}: only a check-in rule that escalates or stops below urgent announces "
                              f"(red-flag rules are announced from their questions)")
    for symptom in kb.symptoms:
        self_care = any(r.then.level == "self-care" for r in kb.rules_for(symptom, "triage"))
        if self_care and not announced(kb, symptom, 0):
            yield src.problem(("rules",), "safety", f"a self-care plan for {symptom} would announce no escalation: "
                                                    f"no check-in rule for it escalates")
    for stage in ("triage", "checkin"):
        for symptom in kb.symptoms:
            for q in kb.questions_for(symptom, stage):
                if not q.red_flag:
                    continue
                _, fired = fired_rules(kb, {"symptom": symptom, q.id: True}, stage)
                if not any(r.then.level in RED_FLAG_LEVELS for r in fired):
                    yield src.problem(("questions", kb.rules_file.questions.index(q)), "safety",
                                      f"red flag {q.id} answered yes for {symptom} at {stage} fires no rule at "
                                      f"emergency or urgent")


# ------------------------------------------------------------------ reachability


def answer_space(kb: KnowledgeBase, symptom: str, stage: str = "triage") -> Iterator[dict[str, Any]]:
    """Answers standing for every band combination of one symptom's questions (and, at
    check-ins, the facts) with no warning sign, then each warning sign raised where it can
    evaluate differently (engine.reach: why that gives every outcome the full product gives)."""
    return (answers for answers, _ in evaluated_space(kb, symptom, stage))


def check_reachability(kb: KnowledgeBase, src: SourceFile) -> Iterator[Problem]:
    fired_ever: set[str] = set()
    spoke_ever: set[str] = set()
    disagreements: dict[tuple[str, str, str], str] = {}
    uncovered: dict[tuple[str, str], dict[str, Any]] = {}
    bounded: list[tuple[str, str]] = []
    for stage in ("triage", "checkin"):
        for symptom in kb.symptoms:
            if too_many(kb, symptom, stage):
                bounded.append((stage, symptom))
                rules = kb.rules_for(symptom, stage)  # a search that gives up counts as firing: not shown never to
                fired_ever.update(r.id for r in rules if rule_can_fire(kb, symptom, stage, [r]) is not False)
                _conflicts(kb, symptom, stage, disagreements)
                continue
            for answers, ev in evaluated_space(kb, symptom, stage):
                if ev.leader is None and not ev.red_flags:
                    uncovered.setdefault((stage, symptom), answers)
                fired_ever.update(r.id for r in ev.fired)
                spoke_ever.update(r.id for r in ev.speaking)
            _conflicts(kb, symptom, stage, disagreements)
    partly = {r.id for stage, symptom in bounded for r in kb.rules_for(symptom, stage)}
    for i, rule in enumerate(kb.rules):
        if rule.id not in fired_ever:
            yield src.problem(("rules", i, "when"), "unreachable", f"rule {rule.id} never fires for any answers")
        elif rule.id not in spoke_ever and rule.id not in partly:
            yield src.problem(("rules", i), "overridden", f"rule {rule.id} is always overridden by a more urgent rule",
                              severity="warning")
    for (stage, symptom), answers in sorted(uncovered.items()):
        shown = ", ".join(f"{k}={v}" for k, v in answers.items() if k != "symptom" and not is_red_flag(k))
        yield src.problem(("rules",), "uncovered", f"no rule sets a level at {stage} for {symptom} when {shown}")
    index = {r.id: n for n, r in enumerate(kb.rules)}
    for (a, b, exercise), symptom in sorted(disagreements.items()):
        yield src.problem(("rules", index[b], "then", "routine"), "conflict",
                          f"rules {a} and {b} have equal priority and prescribe {exercise} differently ({symptom}); "
                          f"give one a higher `priority`", severity="warning")
    for stage, symptom in bounded:
        yield src.problem(("rules",), "bounded",
                          f"the answers for {symptom} at {stage} fall into {combinations(kb, symptom, stage)} band "
                          f"combinations, more than the {MOST_COMBINATIONS} validate runs through: each rule was "
                          f"checked to fire and each pair of equal-priority rules for a conflict, but not that every "
                          f"combination gets a level or that no rule is always overridden", severity="warning")


def _dosed_differently(ra: Record, rb: Record) -> Iterator[str]:
    """The exercises two rules of equal priority both prescribe, at different doses or times."""
    if ra.priority != rb.priority:
        return
    for item_a in ra.then.routine:
        for item_b in rb.then.routine:
            if item_a.exercise == item_b.exercise and (item_a.dose, item_a.timing) != (item_b.dose, item_b.timing):
                yield item_a.exercise


def _conflicts(kb: KnowledgeBase, symptom: str, stage: str, disagreements: dict[tuple[str, str, str], str]) -> None:
    """Each pair of a symptom's equal-priority rules at `stage` that dose an exercise differently
    and can fire together (engine.reach.satisfying: every band, one warning sign at most)."""
    for ra, rb in itertools.combinations(kb.rules_for(symptom, stage), 2):
        differ = list(_dosed_differently(ra, rb))
        if differ and rule_can_fire(kb, symptom, stage, [ra, rb]):
            for exercise in differ:
                disagreements[(ra.id, rb.id, exercise)] = symptom


def check_unused(kb: KnowledgeBase, sources: dict[str, SourceFile]) -> Iterator[Problem]:
    used = {item.exercise for r in kb.rules for item in r.then.routine}
    src = sources["exercises.yaml"]
    for i, exercise in enumerate(kb.exercises_file.exercises):
        if exercise.id not in used:
            yield src.problem(("exercises", i, "id"), "unused", f"exercise {exercise.id} is in no rule's routine",
                              severity="warning")


# ------------------------------------------------------------------ quotes


def normalised(text: str) -> str:
    """Text with every run of whitespace (line breaks, no-break spaces) as one space."""
    return " ".join(text.split())


def voice_parts(voices: list[Any], text: str) -> tuple[list[tuple[int, int, str]], list[str]]:
    """The parts of a normalised text as (start, end, role), and the `starts` found nowhere in it.
    A part runs from the opening words of one voice's part to the next part of any voice; one
    voice without `starts` speaks the whole text."""
    if len(voices) == 1 and not voices[0].starts:
        return [(0, len(text), voices[0].role)], []
    openings, missing = [], []
    for voice in voices:
        for words in voice.starts:
            at, needle = text.find(normalised(words)), normalised(words)
            if at < 0 or not needle:
                missing.append(words)
            while at >= 0 and needle:
                openings.append((at, voice.role))
                at = text.find(needle, at + 1)
    openings.sort()
    ends = [at for at, _ in openings[1:]] + [len(text)]
    return [(at, end, role) for (at, role), end in zip(openings, ends)], missing


def spoken_by(parts: list[tuple[int, int, str]], text: str, quote: str) -> list[str]:
    """The roles in whose parts `quote` (normalised) lies whole; empty when it is in no part."""
    roles, at = [], text.find(quote)
    while at >= 0 and quote:
        roles += [role for start, end, role in parts if start <= at and at + len(quote) <= end]
        at = text.find(quote, at + 1)
    return roles


def check_quotes(kb: KnowledgeBase, sources: dict[str, SourceFile]) -> Iterator[Problem]:
    rules_src, exercises_src = sources[RULES_FILE], sources["exercises.yaml"]
    texts: dict[str, tuple[str, list[tuple[int, int, str]]]] = {}
    for i, doc in enumerate(kb.rules_file.documents):
        if doc.text is None:
            continue
        try:  # a regular file, bounded as the rule-base files are: a FIFO would hang, /dev/zero never end
            text = normalised(read_rule_file(kb.directory / doc.text).decode("utf-8"))
        except FileRefused as exc:
            yield rules_src.problem(("documents", i, "text"), "source-text", f"document {doc.id}: {exc}")
            continue
        except (OSError, UnicodeError) as exc:
            yield rules_src.problem(("documents", i, "text"), "source-text",
                                    f"document {doc.id}: cannot read {doc.text} ({getattr(exc, 'strerror', None) or exc})")
            continue
        parts, missing = voice_parts(doc.voices, text)
        for words in missing:
            yield rules_src.problem(("documents", i, "voices"), "source-text",
                                    f"document {doc.id}: the opening words {words!r} are not in {doc.text}")
        texts[doc.id] = (text, parts)
    citations = [(exercises_src, ("exercises", i, "sources", j), c)
                 for i, e in enumerate(kb.exercises_file.exercises) for j, c in enumerate(e.sources)]
    citations += [(rules_src, ("questions", i, "source"), q.source)
                  for i, q in enumerate(kb.rules_file.questions) if q.source is not None]
    citations += [(rules_src, ("rules", i, "source"), r.source) for i, r in enumerate(kb.rules)]
    for src, loc, citation in citations:
        if citation.document not in texts:
            continue
        text, parts = texts[citation.document]
        voice = kb.voice(citation)
        roles = spoken_by(parts, text, normalised(citation.quote))
        if normalised(citation.quote) not in text:
            yield src.problem((*loc, "quote"), "not-in-source",
                              f"the quote is not in {kb.documents[citation.document].text}, word for word")
        elif voice is not None and voice.role not in roles:
            whose = f"the {roles[0]}'s words" if roles else "in no voice's part (or runs across two)"
            yield src.problem((*loc, "quote"), "wrong-voice",
                              f"the quote is {whose}, not the {voice.role}'s")
