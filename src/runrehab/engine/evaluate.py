"""Answers -> plan. A pure function of (rule base, answers, date): no I/O, no printing, no clock."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from ..documents.kinds import (
    CheckIn,
    Dose,
    ExerciseDoc,
    FiredRule,
    Load,
    Plan,
    ProgrammeStep,
    Range,
    RoutineEntry,
    Schedule,
    SourceRef,
    Tempo,
    TraceEntry,
)
from ..documents.record import Record, fields_of, updated
from ..documents.vocabulary import LEVELS, RED_FLAG_LEVELS, is_red_flag, level_rank, unique
from ..errors import UsageError
from ..rules.conditions import compiled, leaves, matched_leaves
from ..rules.memo import once
from .announcements import announced, plan_escalation
from .progression import Before, cleared_message, left_out_advice, stepped, waiting_message

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

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
                        timing=item.timing, programme=programme(kb, item))


def programme(kb: KnowledgeBase, item: Record) -> list[ProgrammeStep]:
    """A routine item's programme as a plan prints it, by the plan's day: its first week's dose
    from day 0, then each later week's; none for an item whose dose does not change."""
    if not item.weeks:
        return []
    first = printed_dose(kb, item.dose or kb.exercises[item.exercise].dose)
    return [ProgrammeStep(from_day=0, dose=first),
            *(ProgrammeStep(from_day=7 * (w.from_week - 1), dose=printed_dose(kb, w.dose)) for w in item.weeks)]


def printed_dose(kb: KnowledgeBase, dose: Record) -> Dose:
    """A dose of the rule base as documents print it; made once for each dose it says. The memo
    is keyed by what the dose says, never by the record's address: a record freed (a damaged
    cache part made afresh) leaves its address to another."""
    said = _said(dose)
    return once(kb.shared.doses, said, lambda: Dose(**_built(said)))


def _said(value: Any) -> Any:
    """A dose as nested tuples of its fields, each part of it (a range, a load, a schedule) the
    same way, so that equal doses share one document."""
    if isinstance(value, (Record, Dose, *_PARTS.values())):
        return tuple((k, _said(v)) for k, v in fields_of(value).items())
    return value


def _built(said: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return {k: _PARTS[k](**_built(v)) if isinstance(v, tuple) else v for k, v in said}


# The parts of a dose that are documents of their own (the rest are plain values).
_PARTS = {"sets": Range, "reps": Range, "hold_seconds": Range, "duration_seconds": Range,
          "load": Load, "tempo_seconds": Tempo, "schedule": Schedule, "times_per_day": Range, "days_per_week": Range,
          "step_height_cm": Range, "run_seconds": Range, "walk_seconds": Range}


def fired_rule(kb: KnowledgeBase, rule: Record) -> FiredRule:
    """A rule as a document lists it."""
    return once(kb.shared.fired, rule.id, lambda: FiredRule(id=rule.id, source=source_ref(kb, rule.source)))


def exercise_doc(kb: KnowledgeBase, exercise: Record) -> ExerciseDoc:
    """The printed form of an exercise: its citations carry the document's title."""
    return ExerciseDoc(**{**vars(exercise), "dose": printed_dose(kb, exercise.dose),
                          "sources": [source_ref(kb, c) for c in exercise.sources]})


def fired_rules(kb: KnowledgeBase, answers: dict[str, Any], stage: str) -> tuple[list[Record], list[Record]]:
    """(rules that apply to the symptom and stage, those of them that fired). A warning sign
    answered yes that this symptom's interview does not ask about (one `-a` for a mixed batch)
    brings in the red-flag rules of other symptoms that test it: a red flag is never ignored."""
    symptom = answers["symptom"]
    tests = once(kb.shared.tests, (symptom, stage), lambda: tuple(
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


class Evaluation(NamedTuple):
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
                entry = once(kb.shared.entries, (rule.id, item.exercise), lambda: _entry(kb, item))
                if item.exercise not in chosen or rule.priority > chosen[item.exercise][0]:
                    chosen[item.exercise] = (rule.priority, entry)
        removed = self.removed
        return [entry for ex_id, (_, entry) in chosen.items() if ex_id not in removed]

    @property
    def removed(self) -> set[str]:
        return {ex for r in self.speaking for ex in r.then.remove}

    def texts(self, field: str) -> list[str]:
        return unique([text for r in self.speaking for text in getattr(r.then, field)])

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
    red_flags = kb.in_question_order([qid for qid, value in answers.items() if value is True and is_red_flag(qid)])
    level, leader = decide_level(fired, red_flags)
    # When the outcome is emergency or urgent only rules at that level speak: exercise advice,
    # routines and review dates from calmer rules would blur the message.
    speaking = [r for r in fired if r.then.level == level] if level in RED_FLAG_LEVELS else fired
    # The rule that set the level speaks first, then the others from most to least urgent.
    speaking = sorted(speaking, key=lambda r: (r is not leader, level_rank(r.then.level) if r.then.level else len(LEVELS)))
    return Evaluation(applicable, fired, speaking, level, leader, red_flags)


def triage(kb: KnowledgeBase, answers: dict[str, Any], date: dt.date, *, explain: bool = False) -> Plan:
    """The plan for complete, normalised answers (see engine.interview.complete) on `date`."""
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
        escalation=[] if ev.urgent else list(plan_escalation(kb, answers)),
        review_date=None if ev.urgent or not review else date + dt.timedelta(days=review),
        rules=[fired_rule(kb, r) for r in ev.fired],
        disclaimer=kb.rules_file.disclaimer,
        trace=ev.trace(answers) if explain else None,
        rest_first=not ev.urgent and any(r.then.rest_first for r in ev.speaking),
    )


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


def source_doses(kb: KnowledgeBase, plan: Record) -> dict[str, Dose]:
    """The dose each exercise a plan's check-ins can prescribe started from, as the source gave
    it: the plan's, else the upkeep routine's. A step down never goes below it."""
    def make() -> dict[str, Dose]:
        doses = {ex.id: printed_dose(kb, ex.dose) for ex in kb.exercises.values()}
        for rule in kb.rules_for(plan.symptom, "checkin"):
            doses |= {item.exercise: _entry(kb, item).dose for item in rule.then.routine}
        return doses

    return {**once(kb.shared.source_doses, plan.symptom, make), **{i.exercise: i.dose for i in plan.routine}}


def checkin(kb: KnowledgeBase, plan: Record, answers: dict[str, Any], date: dt.date, *, explain: bool = False,
            done: list[str] | None = None, note: str | None = None, before: Before | None = None,
            left_out: list[str] | None = None, keep: list[str] | None = None,
            sessions: int | None = None) -> CheckIn:
    """The check-in document for complete answers on `date`, against `plan`. Doses step from the
    routine the day began with, once a day and not up before the first morning.

    Args:
        kb: the rule base.
        plan: the plan checked in on, as stored.
        answers: the check-in's answers, complete and typed.
        date: the day of the check-in.
        explain: the document carries its trace.
        done: exercise ids done since the previous check-in.
        note: the runner's note, kept with it.
        before: what the earlier check-ins tell this one (progression.before_checkin; default: none).
        left_out: exercise ids that brought on symptoms: left out of the routine.
        keep: after a warning sign, the ids a clinician who cleared the runner said to keep (default: all).
        sessions: days with exercises logged since the previous check-in, when known.

    Returns:
        CheckIn: the decision, the level, the routine to go on with and the next review.
    """
    before = before or Before()
    facts = checkin_facts(plan, date)
    going = plan.routine if before.latest is None else before.latest
    out = {i.exercise for i in going} & set(left_out or [])
    base = [i for i in going if i.exercise not in out]
    floors = source_doses(kb, plan)
    start = {i.exercise: before.day_start.get(i.exercise, i.dose) for i in base}
    facts |= {"worse_mornings": before.worse_mornings + 1 if answers.get("morning_after") == "worse" else 0,
              # the doses in force: an earlier check-in today may already have brought them down
              "lowest_dose": int(not any(stepped(i.dose, "lower", floors.get(i.exercise)) != i.dose for i in base))}
    full = {**answers, **facts, **{k: v for k, v in answers.items() if k in facts and k not in ("day", "days_since_onset")}}
    ev = evaluate_stage(kb, full, "checkin")
    decision = ev.leader.then.decision if ev.leader and ev.leader.then.decision else ("escalate" if ev.urgent else "continue")
    pending = before.warning
    if ev.urgent and pending is not None and level_rank(pending.triage_level) < level_rank(ev.level):
        # a milder sign now does not soften the graver one still waiting for a clinician
        return waiting(kb, plan, pending, full, date, red_flags=ev.red_flags, done=done, note=note,
                       sessions=sessions)
    warning = pending if not ev.urgent else None
    cleared = warning is not None and bool(answers.get("cleared_by_clinician"))
    if warning is not None and not cleared:  # the exercises wait for a clinician
        return waiting(kb, plan, warning, full, date, done=done, note=note, sessions=sessions)
    if ev.urgent or decision in ("stop", "escalate"):  # someone else decides what to do next
        routine: list[RoutineEntry] = []
    else:
        replacing = [r for r in ev.speaking if r.then.replace_routine]
        if replacing:
            routine = ev.routine(kb, replacing)
        elif cleared:  # back at the dose before the warning sign, as much of it as the clinician kept
            routine = [i for i in base if keep is None or i.exercise in keep]
        else:
            routine = [i for i in base if i.exercise not in ev.removed]
            loads = {r.then.load for r in ev.speaking if r.then.load}
            # the cautious end wins when the signs disagree, and for the rest of a day it went down
            end = "lower" if "lower" in loads or before.lowered_today else "upper" if loads else None
            if end == "lower" or (end == "upper" and facts["day"] > 0):  # no morning after on day 0
                routine = [updated(i, dose=stepped(start[i.exercise], end, floors.get(i.exercise))) for i in routine]
    headline = ev.headline("See a physical therapist: this rule base has no decision for these answers.")
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
        message=cleared_message(warning, routine, keep, headline) if cleared else headline,
        routine=routine,
        advice=[*left_out_advice([kb.exercises[ex].name for ex in sorted(out)]), *ev.texts("advice")],
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


def waiting(kb: KnowledgeBase, plan: Record, warning: Record, answers: dict[str, Any], date: dt.date,
            red_flags: list[str] | None = None, **kept: Any) -> CheckIn:
    """A check-in after a warning sign no clinician has cleared yet, with none answered yes now or
    only milder ones: the warning's decision stands, at its level, with its advice, and no routine.

    Args:
        warning: the check-in (or the plan) whose warning sign waits for a clinician.
        red_flags: the milder warning signs answered yes now.
        **kept: what a check-in keeps whatever it decides (done, note, sessions); the rest as `checkin`.
    """
    rules = [kb.rules_by_id[r.id] for r in warning.rules if r.id in kb.rules_by_id]
    return CheckIn(plan_date=plan.date, date=date, day=day_of_plan(plan.date, date), symptom=plan.symptom,
                   progress=answers.get("progress"), pain_score=answers.get("pain_score"), answers=answers,
                   red_flags=red_flags or [], triage_level=warning.triage_level, decision="escalate",
                   message=waiting_message(warning), routine=[], advice=list(warning.advice), stop_if=[], escalation=[],
                   next_review=None, done=kept["done"] or [], sessions=kept["sessions"], note=kept["note"],
                   rules=[fired_rule(kb, r) for r in rules if r.then.level in RED_FLAG_LEVELS],
                   disclaimer=kb.rules_file.disclaimer, trace=None)
