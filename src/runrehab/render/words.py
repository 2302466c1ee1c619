"""Documents' parts in words, the same in every human format: doses, citations, escalations,
a check-in's progress."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..documents.kinds import Range
from ..documents.record import Record
from ..rules.conditions import show_value

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

DECISION_WORDS = {"continue": "CONTINUE the routine", "progress": "PROGRESS to upkeep",
                  "escalate": "ESCALATE: get it seen", "stop": "STOP the exercises"}
LEVEL_WORDS = {"emergency": "EMERGENCY: get help now", "urgent": "URGENT: see a doctor",
               "see-clinician": "SEE A CLINICIAN: book a physical therapist or orthopedic specialist",
               "self-care": "SELF-CARE: follow the plan and review on the date given"}
LEVEL_SHORT = {"emergency": "an emergency", "urgent": "urgent", "see-clinician": "see a clinician",
               "self-care": "self-care"}
STATUS_WORDS = {"active": "ACTIVE: follow the routine", "upkeep": "UPKEEP: keep up the upkeep routine",
                "escalated": "ESCALATED: get it seen; no routine to follow",
                "stopped": "STOPPED: no exercises for now"}
REST_FIRST_WORDS = ("Rest first: the plan says to give it a rest before the routine starts (no number of days is "
                    "given). When the rest is done, start with `runrehab session`, or say so at a check-in.")


def now_words(status: str, level: str, decided: bool) -> str:
    """What to do now, as the first line of every view: a warning sign's level wins; before any
    check-in, the plan's own level; after one, the decision it made."""
    from ..documents.vocabulary import RED_FLAG_LEVELS

    if level in RED_FLAG_LEVELS or not decided:
        return LEVEL_WORDS[level]
    return STATUS_WORDS[status]


def status_word(status: str, level: str) -> str:
    """A plan's status as prose: a plan still open on a warning sign is not something to follow
    but to act on, so it reads "waiting to be seen", never "active"."""
    from ..documents.vocabulary import RED_FLAG_LEVELS

    return "waiting to be seen" if status == "active" and level in RED_FLAG_LEVELS else status


def since_words(status: str, level: str, since: dt.date, why: str, decided: bool) -> str:
    """The decision in one line: since when and why."""
    what = "the check-in" if decided else "the triage"
    return f"{status_word(status, level)} since {since.isoformat()}, set by {what} ({LEVEL_SHORT[level]}): {why}"



# ------------------------------------------------------------------ doses in words


def _span(r: Record) -> str:
    return str(r.min) if r.min == r.max else f"{r.min}–{r.max}"


def _seconds(r: Record) -> str:
    if r.min % 60 == 0 and r.max % 60 == 0 and r.min >= 60:
        return f"{_span(Range(min=r.min // 60, max=r.max // 60))} min"
    return f"{_span(r)} s"


def dose_text(dose: Record, *, frequency: bool = True) -> str:
    """A dose as a runner reads it: "3 × 15", "hold 30–60 s, 2–4 × each side", "5 min, daily"."""
    side = " each side" if dose.per_side else ""
    parts: list[str] = []
    if dose.run_seconds:  # graded running: "4 × (run 2 min, walk 2 min)"
        walk = f", walk {_seconds(dose.walk_seconds)}" if dose.walk_seconds else ""
        run = f"run {_seconds(dose.run_seconds)}{walk}"
        parts.append(f"{_span(dose.sets)} × ({run})" if dose.sets else run)
    elif dose.reps:
        parts.append(f"{_span(dose.sets)} × {_span(dose.reps)}{side}" if dose.sets else f"{_span(dose.reps)} reps{side}")
    elif dose.hold_seconds:
        hold = f"hold {_seconds(dose.hold_seconds)}"
        parts.append(f"{hold}, {_span(dose.sets)} ×{side}" if dose.sets else hold + side)
    elif dose.duration_seconds:
        spell = _seconds(dose.duration_seconds)
        parts.append(f"{_span(dose.sets)} × {spell}{side}" if dose.sets else spell + side)
    elif dose.sets:
        parts.append(f"{_span(dose.sets)} sets{side}")
    if dose.step_height_cm:
        high = dose.step_height_cm
        parts.append(f"from a {high.min} cm step" + (f" (later {high.max} cm)" if high.max > high.min else ""))
    if dose.load:
        parts.append(load_text(dose.load))
    if dose.tempo_seconds:
        parts.append(tempo_text(dose.tempo_seconds))
    if dose.frequency and frequency:
        parts.append(dose.frequency)
    return ", ".join(parts) or "as comfortable"


def step_words(step: Record) -> str:
    """One step of a session, in the words of its dose (dose_text): "10 repetitions", "30 s hold",
    "5 min", "as comfortable" where the source gives no count."""
    if step.kind == "reps":
        return f"{step.target} repetitions" if step.target else "as comfortable"
    amount = _seconds(Range(min=step.target, max=step.target))
    return f"{amount} hold" if step.kind == "hold" else amount


def load_text(load: Record) -> str:
    """How heavy, in words: "12RM", "12RM with a backpack with books", "with a backpack"."""
    rm = f"{load.rm}RM" if load.rm else ""
    added = f"with {load.added}" if load.added else ""
    return " ".join(x for x in (rm, added) if x)


def tempo_text(tempo: Record) -> str:
    """One repetition's seconds: "3 s up, 2 s hold, 3 s down" (no hold when there is none)."""
    hold = f", {tempo.hold} s hold" if tempo.hold else ""
    return f"{tempo.up} s up{hold}, {tempo.down} s down"


def programme_lines(routine: list[Record]) -> list[str]:
    """Each routine item whose dose changes by the week, with every step of its programme: "High-load
    heel raise: from day 0 (week 1): 3 × 12, …; from day 14 (week 3): 4 × 10, …"."""
    from ..engine.programme import week_of

    return [f"{item.name}: " + "; ".join(f"from day {step.from_day} (week {week_of(step.from_day)}): {dose_text(step.dose)}"
                                         for step in item.programme)
            for item in routine if getattr(item, "programme", None)]


_SAID_ALIKE = (("every day", "daily"), ("morning and evening", "twice a day"))


def notation(routine: list[Record]) -> list[str]:
    """The dose notation the routine uses, explained once, on its own first examples."""
    out = []
    reps = next((i.dose for i in routine if i.dose.reps and i.dose.sets), None)
    if reps:
        out.append(f"{_span(reps.sets)} × {_span(reps.reps)}: {_span(reps.sets).replace('–', ' to ')} sets of "
                   f"{_span(reps.reps).replace('–', ' to ')} repetitions")
    hold = next((i.dose for i in routine if i.dose.hold_seconds), None)
    if hold:
        sets = f", {_span(hold.sets).replace('–', ' to ')} times" if hold.sets else ""
        out.append(f"hold {_seconds(hold.hold_seconds)}: hold the position {_seconds(hold.hold_seconds).replace('–', ' to ')}"
                   f"{sets}{' on each side' if hold.per_side else ''}")
    run = next((i.dose for i in routine if i.dose.run_seconds), None)
    if run:
        walk = f", then walk {_seconds(run.walk_seconds).replace('–', ' to ')}" if run.walk_seconds else ""
        out.append(f"{dose_text(run, frequency=False)}: run {_seconds(run.run_seconds).replace('–', ' to ')}{walk}, "
                   f"{_span(run.sets).replace('–', ' to ') if run.sets else 1} times; the check-ins lengthen the runs")
    rm = next((i.dose.load.rm for i in routine if i.dose.load and i.dose.load.rm), None)
    if rm:
        out.append(f"{rm}RM: a load you can lift {rm} times with good form, but not {rm + 1}")
    tempo = next((i.dose.tempo_seconds for i in routine if i.dose.tempo_seconds), None)
    if tempo:
        out.append(f"{tempo_text(tempo)}: the seconds of each repetition, counted going up, held at the top "
                   "and coming down")
    if any(i.dose.per_side for i in routine):
        from ..engine.sessions import SIDES

        out.append(f"each side: the whole dose on the {SIDES[0]}, then on the {SIDES[1]}")
    return out


def equipment(kb: KnowledgeBase, routine: list[Record]) -> list[str]:
    """What the routine needs, each thing once, in routine order."""
    return list(dict.fromkeys(thing for i in routine if i.exercise in kb.exercises
                              for thing in kb.exercises[i.exercise].equipment))


def timing_words(item: Record) -> str:
    """When to do a routine item, saying each thing once: its timing, then its frequency unless
    the timing already says it ("every day" with "daily for a week" is "every day, for a week")."""
    timing, frequency = item.timing, item.dose.frequency
    if timing and frequency:
        for said, same in _SAID_ALIKE:
            if said in timing and frequency.startswith(same):
                frequency = frequency.removeprefix(same).strip(" ,;") or None
                break
    return ", ".join(x for x in (timing, frequency) if x) or "any time"


# ------------------------------------------------------------------ sources

_ROLE_WORDS = {"expert": "the expert", "trainer": "the trainer", "runner": "the runner", "guideline": "the guideline"}


def said_by(source: Record) -> str:
    """Who said a cited quote, in words: "the expert, Nick Rainey, …"; a runner's words are
    marked as a report, since they are never advice. Empty for citations saved without a voice."""
    voice = getattr(source, "voice", None)
    if voice is None:
        return ""
    who = _ROLE_WORDS[voice] + (f", {source.speaker}" if getattr(source, "speaker", None) else "")
    return who + (": what they tried or felt, not advice" if voice == "runner" else "")


def cited(source: Record) -> str:
    """A source as one line: the document's title, the quote, and who said it."""
    who = said_by(source)
    return f"{source.title}: \u201c{source.quote}\u201d" + (f" ({who})" if who else "")


def checkpoints(decided: Record) -> list[tuple[str, dt.date, Record]]:
    """The dated checkpoints a plan or its latest check-in (`decided`) announces, each with a key
    that names it whatever its date (the rules that decide it) and the date it falls on: the
    decision's date and its days, the one date every view gives."""
    return [("+".join(e.rules) or f"n{n}", decided.date + dt.timedelta(days=e.after_days), e)
            for n, e in enumerate(decided.escalation) if e.after_days > 0]


def checkpoint_words(start: dt.date, after_days: int, plan_date: dt.date | None = None) -> str:
    """When a checkpoint counted `after_days` from `start` (a plan's date, or a check-in's)
    comes, the same way in every view: its date and the plan's day then ("from 2026-03-08, day 7
    of the plan")."""
    if after_days == 0:
        return "Any time"
    return f"From {checkpoint_day(start, after_days, plan_date)}"


def checkpoint_day(start: dt.date, after_days: int, plan_date: dt.date | None = None) -> str:
    """The day a checkpoint comes, as every view says it: "2026-03-08, day 7 of the plan"."""
    day = start + dt.timedelta(days=after_days)
    return f"{day.isoformat()}, day {(day - (plan_date or start)).days} of the plan"


def escalation_lines(start: dt.date, escalation: list[Record], plan_date: dt.date | None = None) -> list[str]:
    """A plan's or check-in's escalations, one a line: when, how urgent in words, if what, what to do.
    `plan_date`: the plan's date, when `start` is a check-in's."""
    return [f"{checkpoint_words(start, e.after_days, plan_date)} ({LEVEL_SHORT[e.level]}): if {e.if_}: {e.action}"
            for e in escalation]


def help_groups(start: dt.date, escalation: list[Record], plan_date: dt.date | None = None) -> list[tuple[str, list[str]]]:
    """When to get help, grouped by how soon: each group of warning signs as (what to do, the
    signs, one a line), the most urgent first; every other escalation as (its line, [])."""
    from ..engine.announcements import SIGNS_BETWEEN, SIGNS_IF

    out = []
    for e, line in zip(escalation, escalation_lines(start, escalation, plan_date)):
        if e.if_.startswith(SIGNS_IF):
            when = checkpoint_words(start, e.after_days, plan_date)
            out.append((f"{when}, if any of these comes on: {e.action}", e.if_[len(SIGNS_IF):].split(SIGNS_BETWEEN)))
        else:
            out.append((line, []))
    return out


def choice_words(kb: KnowledgeBase, qid: str, value: Any) -> str:
    """A choice as the rule base words it ("much better: significantly better than ..."), else its id."""
    question = kb.questions.get(qid)
    labels = getattr(question, "labels", None) or {}
    try:
        label = labels.get(value)
    except TypeError:  # a list or a mapping, which a damaged or hand-made history may hold: no label names it
        label = None
    return label or show_value(value)


def checkin_summary(doc: Record, kb: KnowledgeBase) -> str:
    """Progress and pain in words; a red flag may have ended the check-in before they were asked."""
    progress = "not asked" if doc.progress is None else choice_words(kb, "progress", doc.progress)
    pain = "not asked" if doc.pain_score is None else f"{doc.pain_score}/10"
    sessions = "" if getattr(doc, "sessions", None) is None else f" · sessions done since the last check-in: {doc.sessions}"
    return f"progress: {progress} · pain: {pain}{sessions}"


def trend_word(scores: list[int]) -> str:
    """How pain readings went, oldest first, in a word."""
    if len(scores) < 2:
        return "one reading so far" if scores else "no pain readings"
    change = scores[-1] - scores[0]
    return "improving" if change < 0 else "getting worse" if change > 0 else "no change"


def adherence_text(adherence: Record) -> str:
    """This week's sessions, done against planned (one a day)."""
    return (f"This week: {adherence.done} of {adherence.planned} planned session(s) done "
            f"(one a day since {adherence.since.isoformat()}; `runrehab session` logs them)")


def logged_words(summary: Record) -> str:
    """What `session --log` kept, and what the history already held (kept once)."""
    words = f"{len(summary.logged)} exercise(s) logged to {summary.path}"
    if summary.already:
        words += ("; already logged, so not kept again: "
                  + ", ".join(f"{e.exercise} on {e.date.isoformat()}" + (f" at {e.time}" if e.time else "")
                              for e in summary.already))
    return words
