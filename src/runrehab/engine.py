"""Answers -> plan. A pure function of (rule base, answers, date): no I/O, no printing, no clock."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import compiled, leaves, matched_leaves, possible
from .errors import UsageError
from .documents import CheckIn, Dose, Escalation, ExerciseDoc, FiredRule, Plan, Range, RoutineEntry, SourceRef, TraceEntry
from .records import LEVELS, RED_FLAG_LEVELS, Record, fields_of, is_red_flag, level_rank, to_json, updated

if TYPE_CHECKING:
    from .kb import KnowledgeBase

def source_ref(kb: KnowledgeBase, citation: Record) -> SourceRef:
    """A citation as documents print it: with its document's title and who said it."""
    doc = kb.documents[citation.document]
    voice = kb.voice(citation)
    return SourceRef(document=doc.id, title=doc.title, quote=citation.quote, voice=voice.role if voice else None,
                     speaker=voice.name if voice and voice.role != "guideline" else None, url=doc.url)


def _entry(kb: KnowledgeBase, item: Record) -> RoutineEntry:
    """A routine item as it appears in a plan."""
    exercise = kb.exercises[item.exercise]
    return RoutineEntry(exercise=exercise.id, name=exercise.name, dose=printed_dose(kb, item.dose or exercise.dose),
                        timing=item.timing)


def printed_dose(kb: KnowledgeBase, dose: Record) -> Dose:
    """A dose of the rule base as documents print it; made once for each dose."""
    def make() -> Dose:
        ranges = {k: Range(min=v.min, max=v.max) if isinstance(v, Record) else v for k, v in fields_of(dose).items()}
        return Dose(**ranges)

    return kb.shared(("dose", id(dose)), make)


def fired_rule(kb: KnowledgeBase, rule: Record) -> FiredRule:
    """A rule as a document lists it."""
    return kb.shared(("fired", rule.id), lambda: FiredRule(id=rule.id, source=source_ref(kb, rule.source)))


def exercise_doc(kb: KnowledgeBase, exercise: Record) -> ExerciseDoc:
    """The printed form of an exercise: its citations carry the document's title."""
    return ExerciseDoc(**{**vars(exercise), "dose": printed_dose(kb, exercise.dose),
                          "sources": [source_ref(kb, c) for c in exercise.sources]})


def _unique(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def fired_rules(kb: KnowledgeBase, answers: dict[str, Any], stage: str) -> tuple[list[Record], list[Record]]:
    """(rules that apply to the symptom and stage, those of them that fired). A warning sign
    answered yes that this symptom's interview does not ask about (one `-a` for a mixed batch)
    brings in the red-flag rules of other symptoms that test it: a red flag is never ignored."""
    symptom = answers["symptom"]
    tests = kb.shared(("tests", symptom, stage), lambda: tuple(
        (r, None if r.when is None else compiled(r.when)) for r in kb.rules_for(symptom, stage)))
    applicable = kb.rules_for(symptom, stage)
    asked = kb.asked(symptom, stage)
    foreign = {qid for qid, value in answers.items() if value is True and is_red_flag(qid) and qid not in asked}
    if foreign:
        extra = [r for r in kb.rules if stage in r.stages and r not in applicable and r.when is not None
                 and r.then.level in RED_FLAG_LEVELS and any(leaf.question in foreign for leaf, _ in leaves(r.when))]
        applicable = (*applicable, *extra)
        tests = (*tests, *((r, compiled(r.when)) for r in extra))
    return applicable, [r for r, holds in tests if holds is None or holds(answers)]


def decide_level(fired: list[Record], red_flags: list[str]) -> tuple[str, Record | None]:
    """The most urgent level among the fired rules and the rule that set it (highest priority,
    then first in the file). A red flag never yields less than `urgent`, whatever the rules say."""
    setters = [r for r in fired if r.then.level is not None]
    leader = min(setters, key=lambda r: (level_rank(r.then.level), -r.priority), default=None)  # type: ignore[arg-type]
    level = leader.then.level if leader else "see-clinician"
    if red_flags and level not in RED_FLAG_LEVELS:
        level, leader = "urgent", None
    return level, leader


@dataclass(frozen=True)
class Evaluation:
    """What the rules of one stage make of a set of answers, before it becomes a document."""

    applicable: list[Record]
    fired: list[Record]
    speaking: list[Record]  # the fired rules whose outcome reaches the document, leader first
    level: str
    leader: Record | None
    red_flags: list[str]

    @property
    def urgent(self) -> bool:
        return self.level in RED_FLAG_LEVELS

    def routine(self, kb: KnowledgeBase, rules: list[Record] | None = None) -> list[Record]:
        """The routine items of `rules` (default: the speaking ones), one per exercise: the rule
        with the higher priority sets the dose; `remove` takes exercises out."""
        chosen: dict[str, tuple[int, Record]] = {}
        for rule in self.speaking if rules is None else rules:
            for item in rule.then.routine:
                entry = kb.shared(("entry", rule.id, item.exercise), lambda: _entry(kb, item))
                if item.exercise not in chosen or rule.priority > chosen[item.exercise][0]:
                    chosen[item.exercise] = (rule.priority, entry)
        removed = self.removed
        return [entry for ex_id, (_, entry) in chosen.items() if ex_id not in removed]

    @property
    def removed(self) -> set[str]:
        return {ex for r in self.speaking for ex in r.then.remove}

    def texts(self, field: str) -> list[str]:
        return _unique([text for r in self.speaking for text in getattr(r.then, field)])

    @property
    def review_after_days(self) -> int | None:
        return min((r.then.review_after_days for r in self.speaking if r.then.review_after_days), default=None)

    def headline(self, fallback: str) -> str:
        if self.leader and self.leader.then.headline:
            return self.leader.then.headline
        return "Urgent: you answered yes to a warning sign. See a doctor within a day or two." if self.urgent else fallback

    def trace(self, answers: dict[str, Any]) -> list[TraceEntry]:
        entries = []
        for rule in self.applicable:
            was_fired = rule in self.fired
            overridden = self.leader.id if self.leader and was_fired and rule not in self.speaking else None
            matched = (matched_leaves(rule.when, answers) if rule.when is not None else ["always"]) if was_fired else []
            entries.append(TraceEntry(rule=rule.id, fired=was_fired, matched=matched, level=rule.then.level,
                                      overridden_by=overridden))
        return entries


def evaluate_stage(kb: KnowledgeBase, answers: dict[str, Any], stage: str) -> Evaluation:
    applicable, fired = fired_rules(kb, answers, stage)
    red_flags = [qid for qid, value in answers.items() if value is True and is_red_flag(qid)]
    level, leader = decide_level(fired, red_flags)
    # When the outcome is emergency or urgent only rules at that level speak: exercise advice,
    # routines and review dates from calmer rules would blur the message.
    speaking = [r for r in fired if r.then.level == level] if level in RED_FLAG_LEVELS else fired
    # The rule that set the level speaks first, then the others from most to least urgent.
    speaking = sorted(speaking, key=lambda r: (r is not leader, level_rank(r.then.level) if r.then.level else len(LEVELS)))
    return Evaluation(applicable, fired, speaking, level, leader, red_flags)


def triage(kb: KnowledgeBase, answers: dict[str, Any], date: dt.date, *, explain: bool = False) -> Plan:
    """The plan for complete, normalised answers (see interview.complete) on `date`."""
    ev = evaluate_stage(kb, answers, "triage")
    review = ev.review_after_days
    return Plan(
        date=date,
        symptom=answers["symptom"],
        answers=answers,
        triage_level=ev.level,  # type: ignore[arg-type]
        headline=ev.headline("See a physical therapist: this rule base has no self-care plan for these answers."),
        red_flags=ev.red_flags,
        routine=[] if ev.urgent else ev.routine(kb),
        advice=ev.texts("advice"),
        stop_if=ev.texts("stop_if"),
        escalation=[] if ev.urgent else list(announced(kb, answers["symptom"], int(answers.get("days", 0)))),
        review_date=None if ev.urgent or not review else date + dt.timedelta(days=review),
        rules=[fired_rule(kb, r) for r in ev.fired],
        disclaimer=kb.rules_file.disclaimer,
        trace=ev.trace(answers) if explain else None,
    )


# ------------------------------------------------------------------ what a plan announces

# When a warning sign comes on, what to do is the level's own meaning.
# How soon a red flag is to be seen (its level, and for urgent ones the rule's `see_within`).
_RED_FLAG_ACTIONS = {
    ("emergency", None): "Get help now: call your local emergency number or go to an emergency department. "
                         "Do no exercises.",
    ("urgent", "today"): "Get seen by a doctor today (your doctor's practice or an urgent care service), and stop "
                         "the exercises until you have been seen.",
    ("urgent", "days"): "See a doctor within a day or two, and stop the exercises until you have been seen.",
}


def _seen_within(outcome: Record) -> tuple[str, str | None]:
    if outcome.level == "emergency":
        return ("emergency", None)
    return ("urgent", outcome.see_within or "days")


def _earliest_day(kb: KnowledgeBase, rule: Record, onset: int) -> int | None:
    """The first day of a plan, begun `onset` days after the symptom started, on which `rule` can
    fire at a check-in whatever else is answered then (None: never). Only `day` and
    `days_since_onset` are known ahead; the condition can change only where one of their
    thresholds falls, so those days are the ones to try."""
    if rule.when is None:
        return 0
    last = kb.variables["day"].max if "day" in kb.variables else 3650
    days = {0}
    for leaf, _ in leaves(rule.when):
        offset = {"day": 0, "days_since_onset": onset}.get(leaf.question)
        if offset is not None:
            for v in leaf.value if isinstance(leaf.value, list) else [leaf.value]:
                days |= {v - offset, v + 1 - offset}
    for day in sorted(d for d in days if 0 <= d <= last):
        if possible(rule.when, {"day": day, "days_since_onset": onset + day}) is not False:
            return day
    return None


def announced(kb: KnowledgeBase, symptom: str, onset: int) -> tuple[Escalation, ...]:
    """The escalations a plan for `symptom` begun `onset` days after it started announces: one
    entry per check-in rule that escalates or stops, from the first day it can fire, at its level
    Red-flag rules are announced together, one entry per level, naming the
    warning signs their questions ask about."""
    def make() -> tuple[Escalation, ...]:
        entries: list[Escalation] = []
        groups: dict[tuple[str, str | None], list[tuple[int, Record]]] = {}
        for rule in kb.rules_for(symptom, "checkin"):
            out = rule.then
            if out.level is None or (out.decision not in ("escalate", "stop") and out.level not in RED_FLAG_LEVELS):
                continue
            day = _earliest_day(kb, rule, onset)
            if day is None:
                continue
            if out.level in RED_FLAG_LEVELS:
                groups.setdefault(_seen_within(out), []).append((day, rule))
            elif out.announce is not None:
                entries.append(Escalation(after_days=day, if_=out.announce.if_, action=out.announce.action,
                                          level=out.level, rules=[rule.id]))
        asked = {q.id for q in kb.questions_for(symptom, "checkin") if q.red_flag}
        for urgency, action in _RED_FLAG_ACTIONS.items():
            if urgency not in groups:
                continue
            signs = _unique([kb.questions[leaf.question].sign for _, rule in groups[urgency]
                             for leaf, _ in leaves(rule.when) if leaf.question in asked])
            entries.append(Escalation(after_days=min(day for day, _ in groups[urgency]),
                                      if_="any of these warning signs comes on: " + "; ".join(signs),
                                      action=action, level=urgency[0],
                                      rules=[rule.id for _, rule in groups[urgency]]))
        # a stable sort: the red-flag entries of one level keep the order of their urgency
        return tuple(sorted(entries, key=lambda e: (e.after_days, level_rank(e.level))))

    return kb.shared(("announced", symptom, onset), lambda: _one_of_a_kind(kb, make()))


def _one_of_a_kind(kb: KnowledgeBase, entries: tuple[Record, ...]) -> tuple[Record, ...]:
    """The one object kept for announcements alike: the thousands of onsets a batch can meet
    announce only a few distinct sets, and a long batch's memory must not grow with the onsets."""
    return kb.shared(("announcement", to_json(list(entries))), lambda: entries)


# ------------------------------------------------------------------ check-ins


class BeforePlan(UsageError, ValueError):
    """A check-in or view dated before its plan."""


def day_of_plan(plan_date: dt.date, date: dt.date, what: str = "the check-in") -> int:
    """Days from a plan's date to `date`; BeforePlan when `date` comes first."""
    if date < plan_date:
        raise BeforePlan(f"--date: {what} ({date}) is before its plan's date ({plan_date}); "
                         "nothing can happen before the plan starts")
    return (date - plan_date).days


def checkin_facts(plan: Record, date: dt.date) -> dict[str, Any]:
    """The numbers a check-in works out rather than asks: days since the plan and since onset."""
    day = day_of_plan(plan.date, date)
    return {"symptom": plan.symptom, "day": day, "days_since_onset": int(plan.answers.get("days", 0)) + day}


# One step of a dose: a set, two repetitions, ten seconds. Up, the repetitions or the time go
# first and the sets last; down, the other way round, so that a step down undoes a step up.
_STEPS = (("reps", 2), ("hold_seconds", 10), ("duration_seconds", 10), ("sets", 1))


def stepped(dose: Dose, end: str) -> Dose:
    """`dose` one step toward the `end` ("lower" or "upper") of its ranges: up, the bottom of the
    first range that is not yet a single number rises one step; down, the top of the last one
    falls one step. Never past the range it had, so never beyond what the source gave."""
    for name, step in _STEPS if end == "upper" else _STEPS[::-1]:
        r = getattr(dose, name)
        if r is None or r.min == r.max:
            continue
        moved = Range(min=min(r.min + step, r.max), max=r.max) if end == "upper" else \
            Range(min=r.min, max=max(r.max - step, r.min))
        return updated(dose, **{name: moved})
    return dose


def checkin(kb: KnowledgeBase, plan: Record, answers: dict[str, Any], date: dt.date, *, explain: bool = False,
            done: list[str] | None = None, note: str | None = None, latest: list[Record] | None = None,
            sessions: int | None = None) -> CheckIn:
    """The check-in document for complete answers on `date`, against `plan`. `latest`: the
    routine as last prescribed (the previous check-in's); doses step from it. Default: the plan's.
    `sessions`: days with exercises logged since the previous check-in, when known."""
    facts = checkin_facts(plan, date)
    full = {**answers, **facts}
    ev = evaluate_stage(kb, full, "checkin")
    decision = ev.leader.then.decision if ev.leader and ev.leader.then.decision else ("escalate" if ev.urgent else "continue")
    if ev.urgent or decision in ("stop", "escalate"):  # someone else decides what to do next
        routine: list[RoutineEntry] = []
    else:
        replacing = [r for r in ev.speaking if r.then.replace_routine]
        if replacing:
            routine = ev.routine(kb, replacing)
        else:
            # an empty latest routine (an escalation, a stop) stays empty: it is not the plan's
            routine = [i for i in (plan.routine if latest is None else latest) if i.exercise not in ev.removed]
            loads = {r.then.load for r in ev.speaking if r.then.load}
            if loads:  # the cautious end wins when the signs disagree
                end = "lower" if "lower" in loads else "upper"
                routine = [updated(i, dose=stepped(i.dose, end)) for i in routine]
    review = ev.review_after_days
    next_review = None
    if review and not ev.urgent and decision != "stop":
        next_review = date + dt.timedelta(days=review)
        if decision == "continue" and plan.review_date and date < plan.review_date:
            next_review = plan.review_date  # keep the one-week review the plan promised
    return CheckIn(
        plan_date=plan.date,
        date=date,
        day=facts["day"],
        symptom=plan.symptom,
        progress=answers.get("progress"),  # not asked when a red flag ended the check-in
        pain_score=answers.get("pain_score"),
        answers=full,
        red_flags=ev.red_flags,
        triage_level=ev.level,  # type: ignore[arg-type]
        decision=decision,  # type: ignore[arg-type]
        message=ev.headline("See a physical therapist: this rule base has no decision for these answers."),
        routine=routine,
        advice=ev.texts("advice"),
        stop_if=ev.texts("stop_if"),
        escalation=[] if ev.urgent or decision == "stop" else [
            updated(e, after_days=max(e.after_days - facts["day"], 0))
            for e in announced(kb, plan.symptom, int(plan.answers.get("days", 0)))
            if not (ev.leader and ev.leader.id in e.rules)],  # counted from the check-in's date
        next_review=next_review,
        done=done or [],
        sessions=sessions,
        note=note,
        rules=[fired_rule(kb, r) for r in ev.fired],
        disclaimer=kb.rules_file.disclaimer,
        trace=ev.trace(full) if explain else None,
    )
