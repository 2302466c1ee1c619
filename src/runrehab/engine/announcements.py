"""What a plan announces: the check-in rules that can escalate or stop, each from the first day
of the plan on which it can fire, and the warning signs grouped by how soon to be seen. Worked
out from the rules alone, so that a plan says beforehand what its check-ins can decide, with the
same thresholds."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..documents.as_json import to_json
from ..documents.kinds import Escalation
from ..documents.record import Record
from ..documents.vocabulary import RED_FLAG_LEVELS, level_rank, unique
from ..rules.conditions import leaves, possible
from ..rules.memo import once

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase


# How the warning signs of one level are announced together: "any of these ...: a; b; c".
SIGNS_IF, SIGNS_BETWEEN = "any of these warning signs comes on: ", "; "

# When a warning sign comes on, what to do is the level's own meaning.
# How soon a red flag is to be seen (its level, and for urgent ones the rule's `see_within`).
_RED_FLAG_ACTIONS = {
    ("emergency", None): "Get help now: call your local emergency number or go to an emergency department. "
                         "Do no exercises.",
    ("urgent", "today"): "Get seen by a doctor today (your doctor's practice or an urgent care service), and stop "
                         "the exercises until you have been seen.",
    ("urgent", "days"): "See a doctor within a day or two, and stop the exercises until you have been seen.",
}


def plan_escalation(kb: KnowledgeBase, answers: dict[str, Any]) -> tuple[Escalation, ...]:
    """What a plan for these triage answers announces, unless a warning sign ends it."""
    return announced(kb, answers["symptom"], onset_of(answers))


def onset_of(answers: dict[str, Any]) -> int:
    """How many days before the plan the symptom started, from triage answers."""
    return int(answers.get("days", 0))


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
    warning signs their check-in questions ask about."""
    def make() -> tuple[Escalation, ...]:
        # the signs a check-in can newly find: how the problem started (`asked_once`) is the
        # triage's answer, and a plan to follow exists only where it was no (a check-in asks it
        # only of a plan made before the question existed)
        asked = {q.id for q in kb.questions_for(symptom, "checkin") if q.red_flag and not q.asked_once}
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
                if rule.when is None or any(leaf.question in asked for leaf, _ in leaves(rule.when)):
                    groups.setdefault(_seen_within(out), []).append((day, rule))
            elif out.announce is not None:
                entries.append(Escalation(after_days=day, if_=out.announce.if_, action=out.announce.action,
                                          level=out.level, rules=[rule.id]))
        for urgency, action in _RED_FLAG_ACTIONS.items():
            if urgency not in groups:
                continue
            signs = unique([kb.questions[leaf.question].sign for _, rule in groups[urgency]
                             for leaf, _ in leaves(rule.when) if leaf.question in asked])
            entries.append(Escalation(after_days=min(day for day, _ in groups[urgency]),
                                      if_=SIGNS_IF + SIGNS_BETWEEN.join(signs),
                                      action=action, level=urgency[0],
                                      rules=[rule.id for _, rule in groups[urgency]]))
        # a stable sort: the red-flag entries of one level keep the order of their urgency
        return tuple(sorted(entries, key=lambda e: (e.after_days, level_rank(e.level))))

    onset = min(onset, onset_settled(kb, symptom))
    return once(kb.shared.announced, (symptom, onset), lambda: _one_of_a_kind(kb, make()))


def onset_settled(kb: KnowledgeBase, symptom: str) -> int:
    """The onset from which a plan's announcements no longer change: one past the largest
    `days_since_onset` threshold of the symptom's check-in rules. From then on every test of
    `days_since_onset` gives the same answer on every day of the plan, so a plan begun later
    announces what one begun then does."""
    def make() -> int:
        cuts = [v for rule in kb.rules_for(symptom, "checkin") if rule.when is not None
                for leaf, _ in leaves(rule.when) if leaf.question == "days_since_onset"
                for v in (leaf.value if isinstance(leaf.value, list) else [leaf.value])]
        return max(cuts, default=-1) + 1

    return once(kb.shared.onset_settled, symptom, make)


def _one_of_a_kind(kb: KnowledgeBase, entries: tuple[Record, ...]) -> tuple[Record, ...]:
    """The one object kept for announcements alike: the thousands of onsets a batch can meet
    announce only a few distinct sets, and a long batch's memory must not grow with the onsets."""
    return once(kb.shared.announcements, to_json(list(entries)), lambda: entries)
