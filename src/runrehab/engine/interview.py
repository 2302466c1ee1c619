"""Which question comes next, and turning what a person or a script typed into typed answers.

The interview is stateless: given the answers so far it says what to ask next, so it can be
replayed from its answers and driven by a terminal or an answers file alike.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..documents.record import Record
from ..documents.vocabulary import is_red_flag
from ..errors import AnswerError, MissingAnswers
from ..rules.conditions import evaluate
from ..safe_text import quoted

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

YES = ("yes", "y", "true")
NO = ("no", "n", "false")
OTHER = "other"  # the symptom of a problem the rule base does not cover: warning signs, then whom to see
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,12}")


def allowed(question: Record) -> str:
    if question.type == "yes_no":
        return "yes or no"
    if question.type == "integer":
        return f"a whole number from {question.min} to {question.max}"
    if question.type == "choice":
        return "one of " + ", ".join(question.choices or [])
    return "any of " + ", ".join(question.choices or []) + " (comma-separated)"


def named(question: Record) -> str:
    """A question in words, cut short: \u201cWorst pain or discomfort in the…\u201d."""
    words = question.text
    return f"\u201c{words if len(words) <= 60 else words[:59].rstrip() + '…'}\u201d"


def _refused(question: Record, raw: Any, why: str = "is not allowed") -> AnswerError:
    return AnswerError(f"{question.id}: {quoted(raw)} {why} (allowed: {allowed(question)}); "
                       f"the question: {named(question)}")


def parse_answer(question: Record, raw: Any) -> Any:
    """The typed value of one answer, or AnswerError naming the id, the value and what is allowed."""
    kind = question.type
    if kind == "yes_no":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in YES:
                return True
            if word in NO:
                return False
        raise _refused(question, raw)
    if kind == "integer":
        if isinstance(raw, bool):
            raise _refused(question, raw)
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw.strip()):
            value = int(raw.strip())
        else:
            raise _refused(question, raw, "is not a whole number")
        if not question.min <= value <= question.max:
            raise _refused(question, raw, "is out of range")
        return value
    if kind == "choice":
        if isinstance(raw, str) and raw.strip().lower() in (question.choices or []):
            return raw.strip().lower()
        raise _refused(question, raw)
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _refused(question, raw)
    picked = {i.strip().lower() for i in items if i.strip()}
    if picked - set(question.choices or []):
        raise _refused(question, raw)
    return [c for c in question.choices or [] if c in picked]


_TYPED_KEPT = 1 << 16  # answers remembered as typed: every usual spelling of a large rule base


def parse_answers(kb: KnowledgeBase, given: dict[str, Any]) -> dict[str, Any]:
    """Typed answers for every given id; unknown ids and bad values raise AnswerError. What
    parse_answer made of (id, type of the value, value) is remembered for the next case (the type
    is part of the key since True == 1); what it refused is not."""
    typed_before = kb.shared.typed_answers
    try:  # every answer met before (the usual case of a batch): no checking left to do
        return {qid: typed_before[qid, type(raw), raw] for qid, raw in given.items()}
    except (KeyError, TypeError):  # TypeError: a list or a mapping, never remembered
        pass
    typed = {}
    for qid, raw in given.items():
        try:
            typed[qid] = typed_before[qid, type(raw), raw]
        except (KeyError, TypeError):  # TypeError: a list or a mapping, never remembered
            question = kb.questions.get(qid)
            try:
                if question is None:
                    raise AnswerError(qid)
                value = typed[qid] = parse_answer(question, raw)
            except AnswerError:
                unknown = [u for u in given if u not in kb.questions]  # named before any value refused
                if unknown:
                    raise AnswerError(f"no question with id {', '.join(quoted(u) for u in unknown)} "
                                      f"(see `runrehab questions` for the ids)") from None
                raise
            if len(typed_before) < _TYPED_KEPT and (type(raw) in (bool, int) or type(raw) is str and len(raw) <= 64):
                typed_before[qid, type(raw), raw] = value
    return typed


def outside(kb: KnowledgeBase, answers: dict[str, Any], stage: str, symptom: str | None = None) -> list[str]:
    """The ids answered that the symptom's interview at `stage` does not ask. Such answers have
    no effect (see `complete`), so that one `-a` can serve every case of a mixed batch; a rule
    that tests such a question is refused when the rule base is loaded (rules.checks.check_references).
    A warning sign answered yes is never among them: it is honoured whatever the symptom
    (engine.evaluate.fired_rules)."""
    symptom = symptom or answers.get("symptom")
    if symptom not in kb.symptoms:
        return []
    asked = kb.asked(symptom, stage)
    return [qid for qid, value in answers.items() if qid not in asked and not (value is True and is_red_flag(qid))
            and not (stage == "triage" and is_where(kb, qid))]


def where_pending(kb: KnowledgeBase, answers: dict[str, Any]) -> list[Record]:
    """The where-it-hurts questions still to ask before the symptom is known, in order: those
    not answered whose `ask_if` holds."""
    return [q for q in kb.questions_for(None, "where")
            if q.id not in answers and (q.ask_if is None or evaluate(q.ask_if, answers))]


def routed(kb: KnowledgeBase, answers: dict[str, Any]) -> str | None:
    """The symptom the where-it-hurts answers lead to: the first route whose `when` holds, once
    every `where` question that applies is answered; None before, and in a rule base without
    routes."""
    where = kb.rules_file.where
    if where is None or where_pending(kb, answers):
        return None
    return next(r.symptom for r in where.routes if r.when is None or evaluate(r.when, answers))


def _with_route(kb: KnowledgeBase, answers: dict[str, Any]) -> dict[str, Any]:
    """Without `symptom` but with where it hurts given (a file, `-a`): the `where` questions
    still open take their defaults, then the route sets the symptom. Unchanged otherwise."""
    if "symptom" in answers or kb.rules_file.where is None:
        return answers
    first = kb.questions_for(None, "where")
    if not first or first[0].id not in answers:
        return answers
    answers = dict(answers)
    while todo := [q for q in where_pending(kb, answers) if not is_required(q)]:
        answers.update((q.id, q.default) for q in todo)
    found = routed(kb, answers)
    return answers if found is None else {"symptom": found, **answers}


def regions(kb: KnowledgeBase) -> dict[str, list[str]]:
    """For each symptom, the answers to where it hurts that lead to it when the questions that
    tell neighbours apart take their defaults (`symptoms --json` shows them)."""
    asked = kb.questions_for(None, "where")
    found: dict[str, list[str]] = {s: [] for s in kb.symptoms}
    if kb.rules_file.where is None or not asked:
        return found
    for place in asked[0].choices or []:
        symptom = routed(kb, _with_route(kb, {asked[0].id: place}))
        if symptom in found:
            found[symptom].append(place)
    return found


def is_where(kb: KnowledgeBase, qid: str) -> bool:
    """Whether a question is asked before the symptom is known (where it hurts)."""
    question = kb.questions.get(qid)
    return question is not None and "where" in question.stages


def is_required(question: Record) -> bool:
    return question.required or question.red_flag


def red_flag_raised(answers: dict[str, Any]) -> bool:
    return any(value is True and is_red_flag(qid) for qid, value in answers.items())


def pending(kb: KnowledgeBase, answers: dict[str, Any], stage: str, symptom: str | None = None) -> list[Record]:
    """The questions still to ask, in order. Empty once any red flag is answered yes (the symptom
    comes first: without it no red flag can be weighed). At a check-in, an `asked_once` question
    is left out because carried_over filled in the plan's answer; one the plan never answered is
    asked."""
    symptom = symptom or answers.get("symptom")
    if stage == "triage" and symptom is None:
        todo = where_pending(kb, answers)
        symptom = None if todo else routed(kb, answers)
        if symptom is None:
            return todo or [kb.questions["symptom"]]
        answers = {"symptom": symptom, **answers}  # the places answered name it
    asked = kb.questions_for(symptom, stage)
    if red_flag_raised(answers):
        return []
    return [q for q in asked if q.id not in answers and applies(q, answers)]


def applies(q: Record, answers: dict[str, Any]) -> bool:
    """Whether question `q` is asked after `answers` (its ask_if holds, or it has none)."""
    return q.ask_if is None or evaluate(q.ask_if, answers)


def next_question(kb: KnowledgeBase, answers: dict[str, Any], stage: str, symptom: str | None = None) -> Record | None:
    todo = pending(kb, answers, stage, symptom)
    return todo[0] if todo else None


def complete(kb: KnowledgeBase, answers: dict[str, Any], stage: str = "triage", symptom: str | None = None) -> dict[str, Any]:
    """Typed answers with defaults filled in, without those outside the symptom's interview;
    MissingAnswers names every required id not given. A warning sign answered yes ends a triage
    even before the symptom is known: its advice does not wait for it (the symptom is then
    `other`, the problem not yet named)."""
    if symptom is None and stage == "triage":
        answers = _with_route(kb, answers)
    symptom = symptom or answers.get("symptom")
    if symptom is None and stage == "triage" and red_flag_raised(answers) and OTHER in kb.symptoms:
        symptom = OTHER
        answers = {"symptom": OTHER, **answers}
    if symptom in kb.symptoms and answers.keys() == kb.asked(symptom, stage):
        return dict(answers)  # every question of the interview answered and nothing else: all there
    ignored = set(outside(kb, answers, stage, symptom))
    answers = {qid: value for qid, value in answers.items() if qid not in ignored}
    while True:
        todo = pending(kb, answers, stage, symptom)
        missing = [q.id for q in todo if is_required(q)]
        if missing:
            if stage == "triage" and symptom is None and not red_flag_raised(answers):
                # without a person to ask, the symptom is what is missing (where it hurts is asked at a terminal)
                missing = ["symptom"] + [q.id for q in kb.questions.values() if stage in q.stages and is_required(q)
                                         and not q.symptoms and q.id != "symptom" and q.id not in answers]
            raise MissingAnswers(missing)
        if not todo:
            return answers
        for q in todo:  # defaults may make further questions applicable (ask_if)
            answers[q.id] = q.default


def carried_over(kb: KnowledgeBase, plan_answers: dict[str, Any], given: dict[str, Any], *,
                 at_terminal: bool = False) -> dict[str, Any]:
    """Check-in answers with the plan's answers filled in for questions not given: `asked_once`
    ones always (what cannot change is not asked again), `carry_over` ones when no person is asked."""
    carried = {q.id: plan_answers[q.id] for q in kb.questions.values()
               if (q.asked_once or (q.carry_over and not at_terminal)) and "checkin" in q.stages and q.id in plan_answers}
    return {**carried, **given}
