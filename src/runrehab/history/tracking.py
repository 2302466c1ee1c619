"""Plans over time: the current plan read back from the history, a check-in made against it,
where it stands on a given day, and the whole timeline. The engine decides; this module reads
and keeps what it decided."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..documents.as_json import KeptJson
from ..documents.kinds import CheckIn, Escalation, LogEntry, Plan, PlanStatus, WarningSign
from ..documents.record import Record, fields_of
from ..engine.evaluate import day_of_plan
from ..engine.programme import on_day
from ..engine.state import state_of
from ..errors import HistoryError, NothingToActOn, UsageError
from .chain import Link, Reader
from .summaries import Listed
from .store import History, StoredPlan

if TYPE_CHECKING:
    from ..engine.progression import Before
    from ..rules.kb import KnowledgeBase

# Between the time zones furthest apart it can be two dates later: a plan made there and checked
# on here without --date may be dated up to two days after today.
ZONE_SPREAD = dt.timedelta(days=2)


def day_on_plan(day: dt.date, given: bool, plan_date: dt.date) -> dt.date:
    """The day of a check-in or view: a plan made today in a time zone ahead of this one is dated
    after today here, and counts as day 0 when no date was `given`."""
    if not given and day < plan_date <= day + ZONE_SPREAD:
        return plan_date
    return day


class Current:
    """The current plan of one symptom (or the most recent), open in its history."""

    __slots__ = ("history", "stored", "plan", "_reader", "_standing")

    def __init__(self, history: History, stored: StoredPlan, plan: Record) -> None:
        self.history, self.stored, self.plan = history, stored, plan
        self._reader: Reader | None = None
        self._standing: tuple[Link, Record | None] | None = None

    def which(self, *, always: bool, chosen: bool = False) -> str | None:
        """Which plan a check-in is about, when several run and none was `chosen` by --symptom
        (or `always`)."""
        others = [] if chosen else [s for s in self.history.current_symptoms() if s != self.plan.symptom]
        if not (others or always):
            return None
        return (f"checking in on the {self.plan.symptom} plan of {self.plan.date}"
                + (f"; also running: {', '.join(others)} (pick one with --symptom ID)" if others else ""))

    def reader(self) -> Reader:
        """Its check-ins, each read once (history.chain)."""
        if self._reader is None:
            self._reader = Reader(self.history, self.stored.id, self.plan)
        return self._reader

    def standing(self) -> tuple[Link, Record | None]:
        """Where it stands after its latest check-in, and that check-in (None before any)."""
        if self._standing is None:
            self._standing = self.reader().standing()
        return self._standing

    def state(self, today: dt.date, rested: bool = False) -> Record:
        """Where the plan stands on `today` (plan_state); `rested`: the runner has just said the rest is done."""
        return plan_state(self.plan, self.standing(),
                          rested or exercised(self.history, self.stored.id, self.plan.date, today))

    def last_checkin(self) -> Record | None:
        """Its latest check-in as a document (None before any)."""
        return self.standing()[1]

    def routine_tried(self, listed: Listed) -> list[Record]:
        """Every exercise prescribed since the triage, in the order first given, each at its latest
        dose (what a check-in left out or an escalation ended still counts as tried): read from the
        latest check-in that gave each, from the routines `listed` (Reader.summaries) gave."""
        given: dict[str, Any] = {item.exercise: "plan" for item in self.plan.routine}
        last: dict[str, tuple[int, int]] = {}
        for routine, at, cid in listed.routines:
            for exercise in routine:
                given.setdefault(exercise, "plan")
                if last.get(exercise, (-1, 0))[0] < at:
                    last[exercise] = at, cid
        given.update((exercise, cid) for exercise, (_, cid) in last.items())
        reader, tried = self.reader(), []
        for exercise, ref in given.items():
            item = next((i for i in reader.doc(ref).routine if i.exercise == exercise), None)
            if item is None:  # a summary's routine is not its check-in's
                raise reader._damaged(ref, f"lists the exercise {exercise!r}, which its routine does not give")
            tried.append(item)
        return tried


def plan_state(plan: Record, standing: tuple[Link, Record | None], exercised: bool = False) -> Record:
    """Where a plan stands after its check-ins (engine.state.state_of), read from the link kept
    with the latest one (history.chain) and that check-in; `exercised`: an exercise is logged
    (the rest a plan may ask for first is over)."""
    link, latest = standing
    return state_of(plan, link.status, latest, exercised)


def exercised(history: History, plan_id: int, plan_date: dt.date, today: dt.date) -> bool:
    """Whether any exercise of the plan `plan_id` is logged up to `today` (the rest is over)."""
    return plan_date <= today and bool(history.exercises_logged(plan_date, today, plan_id))


Choose = Callable[[list[str]], str]  # asks the runner which of the running plans' symptoms


def current(db: Path | None, symptom: str | None, kbase: KnowledgeBase, choose: Choose | None = None,
            command: str = "this command") -> Current:
    """The history with its current plan. Close its history when done.

    Args:
        db: the history file (default: the user's).
        symptom: the plan's symptom; None for the only plan running.
        kbase: the rule base `symptom` is checked against.
        choose: with no `symptom` and several plans running, picks one of their symptoms.
        command: the command's name, as messages say it.

    Returns:
        Current: the history, open, and the plan.

    Raises:
        UsageError: several plans run, no `symptom`, no `choose` (the message names them).
        NothingToActOn: no plan runs.
    """
    kbase.check_symptom(symptom)
    history = History.open(db)
    running = list(dict.fromkeys(history.current_symptoms()))
    if symptom is None and len(running) > 1:
        if choose is None:
            history.close()
            raise UsageError(f"{command}: {len(running)} plans are running; pick one with --symptom ID "
                             f"(allowed: {', '.join(running)})")
        try:
            symptom = choose(running)
        except BaseException:
            history.close()
            raise
    stored = history.current_plan(symptom)
    if stored is None:
        history.close()
        which = f" for {symptom}" if symptom else ""
        raise NothingToActOn(f"no plan yet{which} in {history.path}: run `runrehab triage` first")
    return Current(history, stored, stored.record)


def due_escalations(plan: Plan, state: Record, day: int) -> list[Escalation]:
    """The plan's escalation checkpoints whose day has come, while it still runs (an escalated
    or stopped plan has already been sent elsewhere)."""
    if not state.running:
        return []
    return [e for e in plan.escalation if 0 < e.after_days <= day]


def plan_status(now: Current, today: dt.date, whole: bool = False, texts: bool = True) -> PlanStatus:
    """The plan as `runrehab plan` shows it on `today`: where it
    stands (plan_state), its day, the escalations whose day has come, the other running plans,
    its check-ins as the views list them (each read whole with `whole`: the calendar replays them;
    with `texts`, their JSON texts kept, to be written as they are)."""
    from ..engine.sessions import adherence, rounds_by_day
    from .settings import read_settings

    plan = now.plan
    day = day_of_plan(plan.date, today, "the day")
    link, _ = standing = now.standing()
    state = plan_state(plan, standing, exercised(now.history, now.stored.id, plan.date, today))
    summaries = now.reader().summaries(texts and not whole)
    checkins = replayed(now, summaries.entries(whole=False)) if whole else \
        KeptJson(summaries.texts if texts else None, summaries.summaries)  # made if looked at
    others = [s for s in now.history.current_symptoms() if s != plan.symptom]
    logged = now.history.exercises_logged(plan.date, today, now.stored.id)
    done = rounds_by_day([(e.date, e.exercise, e.entry["sets"]) for e in logged])
    return PlanStatus(**fields_of(plan), day=day, next_review=state.next_review, due=due_escalations(plan, state, day),
                  last_checkin=state.latest, status=state.status, current_level=state.current_level,
                  since=state.since, why=state.why, current_routine=on_day(state.routine, day), other_plans=others,
                  running=state.running, routine_now=state.routine_now,
                  adherence=adherence(plan.date, today, done) if state.routine_now else None,
                  warning_signs=warning_signs(link), checkins=checkins, routine_tried=now.routine_tried(summaries),
                  sessions=[LogEntry(**{**e.entry, "date": e.date}) for e in logged],
                  run_days=list(read_settings().run_days) or None)


def replayed(now: Current, summaries: list[tuple[int, Record, str]]) -> list[Record]:
    """The check-ins as the calendar replays them, oldest first: whole where the plan stood after
    it (its status and what it prescribed, dates aside: engine.state.prescribed) as after no later
    one; as its summary otherwise, a later one standing the same."""
    from ..engine.state import statuses_after

    statuses = statuses_after([summary for _, summary, _ in summaries])[1:]
    later: set[tuple[str, int]] = set()
    out: list[Record] = []
    for (cid, summary, _), status in zip(reversed(summaries), reversed(statuses)):
        key = (status, summary.prescribed)
        out.append(summary if key in later else now.reader().doc(cid))
        later.add(key)
    return out[::-1]


def warning_signs(link: Link) -> list[WarningSign]:
    """Every warning sign answered yes at the triage or a check-in, with the dates it was: what
    the runner tells the clinician they are sent to (history.chain keeps them)."""
    return [WarningSign(question=q, dates=[dt.date.fromisoformat(d) for d in dates]) for q, dates in link.signs.items()]


class Logged(NamedTuple):
    """What the sessions since the last check-in (or the plan's start) tell a check-in."""

    sessions: int  # rounds of exercises done (engine.sessions.rounds_by_day)
    exercises: list[str]
    worst_pain: int | None
    stopped: list[str]  # exercises stopped because they brought on pain or symptoms above the plan's limit


def logged_since_checkin(now: Current, today: dt.date, limit: int = 10) -> Logged:
    """What was logged since the last check-in; `limit`: the pain above which an exercise stops
    (engine.sessions.pain_limit)."""
    last = now.last_checkin()
    first = last.date + dt.timedelta(days=1) if last else now.plan.date
    logs = now.history.exercises_logged(first, today, now.stored.id) if first <= today else []
    pains = [e.entry["pain_during"] for e in logs if e.entry["pain_during"] is not None]
    stopped = [e.exercise for e in logs if e.entry["stopped"] or (e.entry["pain_during"] or 0) > limit]
    from ..engine.sessions import rounds_by_day

    sessions = sum(rounds_by_day([(e.date, e.exercise, e.entry["sets"]) for e in logs]).values())
    return Logged(sessions, list(dict.fromkeys(e.exercise for e in logs if e.entry["sets"] > 0)),
                  max(pains, default=None), list(dict.fromkeys(stopped)))


def replacing(db: Path | None, symptom: str, day: dt.date) -> str | None:
    """What saving a new triage for `symptom` does to its running plan, in words; None when none
    runs, or when the history cannot be read (saving the plan then says why, after showing it)."""
    from ..documents.stored import read_plan

    try:
        with History.open(db) as history:
            stored = history.current_plan(symptom)
            plan = None if stored is None else read_plan(stored.document)
    except (HistoryError, ValueError):
        return None
    if plan is None:
        return None
    day_count = f" (day {(day - plan.date).days})" if day >= plan.date else ""
    return (f"the {symptom} plan running since {plan.date}{day_count} is replaced by a new triage: the new "
            "plan starts again at day 0, and its review date counts from its own date")


def keep_plan(db: Path | None, plan: Plan, kbase: KnowledgeBase) -> Path:
    """Save a triage's plan as its symptom's current one; the history's path."""
    from ..documents.as_json import to_data

    with History.open(db) as history:
        history.save_plan(to_data(plan, trace=False), kbase.version, kbase.content_hash)
    return history.path


def check_in(now: Current, kbase: KnowledgeBase, answers: dict[str, Any], day: dt.date, *, explain: bool = False,
             done: list[str] | None = None, note: str | None = None, sessions: int | None = None,
             left_out: list[str] | None = None, keep: list[str] | None = None) -> CheckIn:
    """The check-in on `now`'s plan, after what its earlier check-ins tell it
    (engine.progression.before_checkin); keep_checkin saves it.

    Args:
        now: the current plan and its history.
        kbase: the rule base.
        answers: the check-in's answers, complete and typed.
        day: the day of the check-in.
        explain: the document carries its trace.
        done: exercises done since the previous check-in, in any spelling.
        note: the runner's note.
        sessions: days with exercises logged since the previous check-in.
        left_out: exercises that brought on symptoms, in any spelling.
        keep: after a warning sign, the exercises a clinician who cleared the runner said to
            keep, in any spelling.

    Returns:
        CheckIn: as engine.evaluate.checkin makes it.

    Raises:
        UsageError: `keep` without a warning sign to clear, or naming an exercise not in the
            routine before it.
        NotFound: a name that is no exercise.
    """
    from ..engine.evaluate import checkin

    before = before_of(now, day)
    ids = {name: kbase.find_exercise(name).id for name in [*(done or []), *(left_out or []), *(keep or [])]}
    if keep and (before.warning is None or not answers.get("cleared_by_clinician")):
        raise UsageError("--keep: only with a clinician's clearance after a warning sign "
                         "(answer yes to cleared_by_clinician)")
    routine = [i.exercise for i in (now.plan.routine if before.latest is None else before.latest)]
    strange = [name for name in keep or [] if ids[name] not in routine]
    if strange:
        raise UsageError(f"--keep: {strange[0][:40]} is not in the routine before the warning sign "
                         + (f"(allowed: {', '.join(routine)})" if routine else "(this plan has no routine)"))
    return checkin(kbase, now.plan, answers, day, explain=explain, done=list(dict.fromkeys(ids[n] for n in done or [])),
                   note=note, before=before, left_out=[ids[n] for n in left_out or []],
                   keep=[ids[n] for n in keep] if keep else None, sessions=sessions)


def awaiting_clearance(now: Current, day: dt.date) -> bool:
    """Whether a warning sign reported at a check-in waits for a clinician's clearance (the
    check-in asks about it only then)."""
    link, _ = now.standing()
    return now.reader().doc(link.warning) is not None


def before_of(now: Current, day: dt.date) -> Before:
    """What the check-ins before one on `day` tell it (engine.progression.before_checkin), from
    the links kept with the latest check-in and the latest of the days before."""
    from ..engine.progression import before_from

    reader = now.reader()
    start, _ = reader.standing(before=day)
    link, _ = now.standing()
    same_day = [reader.record(row) for row in now.history._rows(
        "SELECT * FROM checkins WHERE plan_id = ? AND date = ? ORDER BY id", (now.stored.id, day.isoformat()))]
    return before_from(reader.doc(start.source).routine,
                       (list(reader.doc(link.source).routine), reader.doc(link.warning)), same_day, start.worse)


def keep_checkin(now: Current, answers: dict[str, Any], doc: CheckIn) -> Path:
    """Save a check-in with its answers to `now`'s plan; the history's path."""
    from ..documents.as_json import to_data

    now.history.save_checkin(now.stored.id, answers, to_data(doc, trace=False), now.reader())
    return now.history.path


def forget_plans(db: Path | None, symptom: str | None, confirm: Callable[[str], bool] | None | bool) -> str:
    """Delete `symptom`'s plans and their check-ins (every plan when None); what was done, in
    words. `confirm` asks a person first; None: no need (--yes); False: nobody to ask."""
    what = (f"every plan for the symptom `{symptom}`, with its check-ins" if symptom
            else "the whole history: every plan and check-in")
    with History.open(db) as history:
        if not history.path.exists():
            return f"no history at {history.path}; nothing was deleted"
        if confirm is False:
            raise UsageError("forget: no terminal to confirm at; add --yes to delete without asking")
        if confirm is not None and not confirm(f"Delete {what} from {history.path}? This cannot be undone."):
            return "nothing was deleted"
        deleted, erased = history.forget(symptom)
    if not erased:
        raise HistoryError(f"history {history.path}: deleted {deleted} plan(s) with their check-ins, but another "
                           "program is reading the history, so what was deleted stays readable in its files until "
                           "it ends; run this `runrehab forget` again then to erase it")
    return f"deleted {deleted} plan(s) with their check-ins from {history.path}"
