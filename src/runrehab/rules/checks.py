"""Cross-checks of a rule base that its schema cannot express: ids that exist and are unique,
citations whose document and voice exist, conditions that fit the questions they test, rules
that test only what their interviews ask, and advice that rests on more than a runner's words."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..documents.record import Record
from .conditions import OPS_BY_TYPE, leaves
from .yaml_source import Loc, Problem, SourceFile

if TYPE_CHECKING:
    from .kb import KnowledgeBase


def check_value(question: Record, value: Any) -> str | None:
    """Why `value` is not an answer `question` can take, or None. Values here are typed
    YAML/JSON data, as in conditions and worked examples."""
    if question.type == "yes_no":
        return None if isinstance(value, bool) else "expected yes or no"
    if question.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        if not question.min <= value <= question.max:  # type: ignore[operator]
            return f"{value} is outside {question.min}..{question.max}"
        return None
    if question.type == "choice":
        return None if value in question.choices else f"{value!r} is not one of {', '.join(question.choices or [])}"
    if not isinstance(value, list) or any(v not in question.choices for v in value):
        return f"expected a list of {', '.join(question.choices or [])}"
    return None


def _check_condition(kb: KnowledgeBase, src: SourceFile, condition: Any, loc: Loc) -> Iterator[Problem]:
    for leaf, leaf_loc in leaves(condition, loc):
        at = (*leaf_loc,)
        question = kb.variables.get(leaf.question)
        if question is None:
            yield src.problem((*at, "question"), "unknown-question", f"no question {leaf.question!r}")
            continue
        if leaf.op not in OPS_BY_TYPE[question.type]:
            allowed = ", ".join(sorted(OPS_BY_TYPE[question.type]))
            yield src.problem((*at, "op"), "bad-op", f"op {leaf.op!r} does not apply to {question.type} question "
                                                     f"{question.id!r} (allowed: {allowed})")
            continue
        values = leaf.value if leaf.op in ("in", "not_in") else [leaf.value]
        if leaf.op in ("in", "not_in") and not isinstance(leaf.value, list):
            yield src.problem((*at, "value"), "bad-value", f"op {leaf.op!r} needs a list of values")
            continue
        if question.type == "multi":
            values = [[leaf.value]]
        for value in values:
            why = check_value(question, value)
            if why:
                yield src.problem((*at, "value"), "bad-value", f"{question.id}: {why}")


def _check_asked(kb: KnowledgeBase, src: SourceFile, rule: Any, loc: Loc) -> Iterator[Problem]:
    """A rule may only test questions that its symptoms' interviews ask at its stages: answers to
    any other question are ignored (engine.interview.outside), so the test could never be met."""
    for leaf, leaf_loc in leaves(rule.when, (*loc, "when")):
        question = kb.questions.get(leaf.question)
        if question is None:
            continue  # a fact, or an unknown id (reported by _check_condition)
        if not any(question in kb.questions_for(symptom, stage)
                   for symptom in rule.symptoms or kb.symptoms for stage in rule.stages):
            yield src.problem((*leaf_loc, "question"), "not-asked",
                              f"rule {rule.id} tests {question.id!r}, which is not asked for "
                              f"{', '.join(rule.symptoms) or 'any symptom'} at {', '.join(rule.stages)}; "
                              "an answer to it is ignored, so the rule could never fire")


def _duplicates(items: list[Any], src: SourceFile, loc: Loc, what: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            yield src.problem((*loc, i, "id"), "duplicate-id", f"{what} id {item.id!r} is used twice")
        seen.add(item.id)


def _check_where(kb: KnowledgeBase, rules: SourceFile) -> Iterator[Problem]:
    """The where-it-hurts routes: each leads to a symptom and tests only `where` questions; the
    first `where` question is required (it is what the interview opens with), and a rule base
    with `where` questions has routes for them."""
    rf = kb.rules_file
    asked = [q for q in rf.questions if "where" in q.stages]
    if rf.where is None:
        if asked:
            yield rules.problem(("questions", rf.questions.index(asked[0]), "stages"), "where",
                                "a `where` question needs `where: routes` to turn its answers into the symptom")
        return
    if not asked or not asked[0].required:
        yield rules.problem(("where",), "where", "the first `where` question (where it hurts) must exist and be required")
    for i, route in enumerate(rf.where.routes):
        loc = ("where", "routes", i)
        if route.symptom not in kb.symptoms:
            yield rules.problem((*loc, "symptom"), "unknown-symptom", f"no symptom {route.symptom!r}")
        if route.when is None:
            continue
        yield from _check_condition(kb, rules, route.when, (*loc, "when"))
        for leaf, leaf_loc in leaves(route.when, (*loc, "when")):
            question = kb.questions.get(leaf.question)
            if question is not None and "where" not in question.stages:
                yield rules.problem((*leaf_loc, "question"), "not-asked",
                                    f"a route tests {question.id!r}, which is not a `where` question: it is not "
                                    "asked before the symptom is known")


def check_references(kb: KnowledgeBase, rules: SourceFile, exercises: SourceFile) -> Iterator[Problem]:
    rf = kb.rules_file
    yield from _duplicates(kb.exercises_file.exercises, exercises, ("exercises",), "exercise")
    yield from _duplicates(rf.documents, rules, ("documents",), "document")
    yield from _duplicates(rf.symptoms, rules, ("symptoms",), "symptom")
    yield from _duplicates(rf.questions, rules, ("questions",), "question")
    yield from _duplicates(rf.facts, rules, ("facts",), "fact")
    for i, fact in enumerate(rf.facts):
        if fact.id in kb.questions:
            yield rules.problem(("facts", i, "id"), "duplicate-id", f"fact {fact.id!r} has the id of a question")
    yield from _duplicates(rf.rules, rules, ("rules",), "rule")

    def cite(src: SourceFile, citation: Any, loc: Loc) -> Iterator[Problem]:
        if citation is None:
            return
        doc = kb.documents.get(citation.document)
        if doc is None:
            yield src.problem((*loc, "document"), "unknown-document", f"no document {citation.document!r} under `documents`")
        elif kb.voice(citation) is None:
            roles = ", ".join(v.role for v in kb.voices(doc.id))
            if citation.voice is None:
                yield src.problem(loc, "missing-voice", f"document {doc.id!r} has several voices; say whose words "
                                                        f"these are with `voice` ({roles})")
            else:
                yield src.problem((*loc, "voice"), "unknown-voice", f"document {doc.id!r} has no {citation.voice} "
                                                                   f"voice (its voices: {roles})")

    def runner_only(citations: list[Any]) -> bool:
        voices = [kb.voice(c) for c in citations if c.document in kb.documents]
        return bool(voices) and all(v is not None and v.role == "runner" for v in voices)

    def symptoms(ids: list[str], loc: Loc) -> Iterator[Problem]:
        for i, sid in enumerate(ids):
            if sid not in kb.symptoms:
                yield rules.problem((*loc, i), "unknown-symptom", f"no symptom {sid!r}")

    for i, ex in enumerate(kb.exercises_file.exercises):
        for j, citation in enumerate(ex.sources):
            yield from cite(exercises, citation, ("exercises", i, "sources", j))
        if runner_only(ex.sources):
            yield exercises.problem(("exercises", i, "sources"), "runner-only",
                                    f"exercise {ex.id} cites only the runner's words: a runner's report is context, "
                                    f"not advice; cite who prescribed it and its dose")

    symptom_q = kb.questions.get("symptom")
    if symptom_q is None:
        yield rules.problem(("questions",), "missing-question", "the `symptom` question is missing")
    elif symptom_q.type != "choice" or set(symptom_q.choices or []) != set(kb.symptoms):
        yield rules.problem(("questions", rf.questions.index(symptom_q), "choices"), "symptom-choices",
                            "the `symptom` question's choices must be exactly the symptom ids")

    for i, q in enumerate(rf.questions):
        loc = ("questions", i)
        yield from symptoms(q.symptoms, (*loc, "symptoms"))
        yield from cite(rules, q.source, (*loc, "source"))
        if q.red_flag and q.source is None:
            yield rules.problem(loc, "missing-source", f"red-flag question {q.id!r} must cite its guideline")
        if q.red_flag and "triage" in q.stages and "checkin" not in q.stages:
            yield rules.problem((*loc, "stages"), "not-asked-again",
                                f"red-flag question {q.id!r} is asked at the triage but not at check-ins: a plan made "
                                "before it existed, or with it answered no, would go on without it (add checkin)")
        if q.required and q.default is not None:
            yield rules.problem((*loc, "default"), "bad-default", "a required question takes no default")
        if not q.required and not q.red_flag and q.default is None:
            yield rules.problem(loc, "missing-default", f"question {q.id!r} is optional, so it needs a `default`")
        if q.default is not None:
            why = check_value(q, q.default)
            if why:
                yield rules.problem((*loc, "default"), "bad-default", f"{q.id}: {why}")
        if q.ask_if is not None:
            yield from _check_condition(kb, rules, q.ask_if, (*loc, "ask_if"))

    yield from _check_where(kb, rules)

    for i, rule in enumerate(rf.rules):
        loc = ("rules", i)
        yield from symptoms(rule.symptoms, (*loc, "symptoms"))
        yield from cite(rules, rule.source, (*loc, "source"))
        if rule.then.routine and runner_only([rule.source]):
            yield rules.problem((*loc, "source"), "runner-only",
                                f"rule {rule.id} prescribes a routine on the runner's words alone: a runner's report "
                                f"is context, not advice; cite who prescribed it")
        if rule.when is not None:
            yield from _check_condition(kb, rules, rule.when, (*loc, "when"))
            yield from _check_asked(kb, rules, rule, loc)
        for j, item in enumerate(rule.then.routine):
            if item.exercise not in kb.exercises:
                yield rules.problem((*loc, "then", "routine", j, "exercise"), "unknown-exercise",
                                    f"no exercise {item.exercise!r} in exercises.yaml")
        for j, ex_id in enumerate(rule.then.remove):
            if ex_id not in kb.exercises:
                yield rules.problem((*loc, "then", "remove", j), "unknown-exercise", f"no exercise {ex_id!r} in exercises.yaml")
        for j, example in enumerate(rule.examples):
            for part, given in (("answers", example.answers), ("plan", example.plan or {})):
                for qid in given:
                    if qid not in (kb.variables if part == "answers" else kb.questions):
                        yield rules.problem((*loc, "examples", j, part, qid), "unknown-question", f"no question {qid!r}")
            if ("checkin" in rule.stages) != (example.plan is not None) and rule.stages != ["triage", "checkin"]:
                yield rules.problem((*loc, "examples", j), "example",
                                    "check-in rules' examples need a `plan` (the triage answers); triage rules' take none")
            for k, ex_id in enumerate(example.expect.routine or []):
                if ex_id not in kb.exercises:
                    yield rules.problem((*loc, "examples", j, "expect", "routine", k), "unknown-exercise",
                                        f"no exercise {ex_id!r} in exercises.yaml")
