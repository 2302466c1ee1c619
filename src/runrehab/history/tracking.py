"""Plans over time: the current plan read back from the history, a check-in made against it,
where it stands on a given day, and the whole timeline. The engine decides; this module reads
and keeps what it decided."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents.kinds import CheckIn, Escalation, HistoryDoc, HistoryEntry, Plan, PlanStatus, Session, WarningSign
from ..engine.evaluate import day_of_plan
from ..engine.programme import on_day
from ..errors import HistoryError, NothingToActOn, UsageError
from ..records import Record, fields_of
from .store import History, StoredPlan

if TYPE_CHECKING:
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


@dataclass
class Current:
    """The current plan of one symptom (or the most recent), open in its history."""

    history: History
    stored: StoredPlan
    plan: Record

    def which(self, *, always: bool) -> str | None:
        """Which plan a check-in is about, when several run (or `always`)."""
        others = [p.symptom for p in self.history.current_plans() if p.symptom != self.plan.symptom]
        if not (others or always):
            return None
        return (f"checking in on the {self.plan.symptom} plan of {self.plan.date}"
                + (f"; also running: {', '.join(others)} (pick one with --symptom ID)" if others else ""))

    def checkins(self) -> list[Record]:
        """Its check-ins as documents, oldest first."""
        return read_checkins(self.history, self.stored.id)

    def last_checkin(self) -> Record | None:
        """Its latest check-in as a document (None before any)."""
        checkins = self.checkins()
        return checkins[-1] if checkins else None


def read_checkins(history: History, plan_id: int) -> list[Record]:
    from ..documents.stored import read_checkin

    out = []
    for stored in history.checkins(plan_id):
        try:
            out.append(read_checkin(stored.document))
        except ValueError:
            raise HistoryError(f"check-in {stored.id} in the history is damaged") from None
    return out


# What each check-in decision makes of the plan; `continue` keeps an upkeep plan in upkeep.
STATUS_AFTER = {"progress": "upkeep", "escalate": "escalated", "stop": "stopped"}


def plan_state(plan: Record, checkins: list[Record]) -> Record:
    """Where a plan stands after its check-ins (oldest first), the one answer every view gives:
    `status` (active, upkeep, escalated, stopped), `current_level`, `since` (the date of the
    decision), `why` (its words), `routine` (what to do now: none once escalated or stopped),
    `next_review` and `latest` (the deciding check-in, None before any)."""
    state = Record(status="active", current_level=plan.triage_level, since=plan.date, why=plan.headline,
                   routine=plan.routine, next_review=plan.review_date, latest=None)
    for c in checkins:
        status = STATUS_AFTER.get(c.decision, "upkeep" if state.status == "upkeep" else "active")
        state = Record(status=status, current_level=c.triage_level, since=c.date, why=c.message,
                       routine=[] if status in ("escalated", "stopped") else c.routine,
                       next_review=c.next_review, latest=c)
    return state


def current(db: Path | None, symptom: str | None, kbase: KnowledgeBase) -> Current:
    """The history at `db` with its current plan for `symptom` (or the most recent);
    NothingToActOn when there is none. Close its history when done."""
    from ..documents.stored import read_plan

    kbase.check_symptom(symptom)
    history = History.open(db)
    stored = history.current_plan(symptom)
    if stored is None:
        history.close()
        which = f" for {symptom}" if symptom else ""
        raise NothingToActOn(f"no plan yet{which} in {history.path}: run `runrehab triage` first")
    try:
        return Current(history, stored, read_plan(stored.document))
    except ValueError:
        history.close()
        raise HistoryError(f"history {history.path}: plan {stored.id} is damaged") from None


def due_escalations(plan: Plan, state: Record, day: int) -> list[Escalation]:
    """The plan's escalation checkpoints whose day has come, while it still runs (an escalated
    or stopped plan has already been sent elsewhere)."""
    if state.status in ("escalated", "stopped"):
        return []
    return [e for e in plan.escalation if 0 < e.after_days <= day]


def plan_status(now: Current, today: dt.date) -> PlanStatus:
    """The plan as `runrehab plan` shows it on `today`: where it
    stands (plan_state), its day, the escalations whose day has come, the other running plans."""
    from ..engine.sessions import adherence

    plan = now.plan
    day = day_of_plan(plan.date, today, "the day")
    checkins = now.checkins()
    state = plan_state(plan, checkins)
    others = [p.symptom for p in now.history.current_plans() if p.symptom != plan.symptom]
    done = {e.date for e in now.history.exercises_logged(plan.date, today, now.stored.id)}
    return PlanStatus(**fields_of(plan), day=day, next_review=state.next_review, due=due_escalations(plan, state, day),
                  last_checkin=state.latest, status=state.status, current_level=state.current_level,
                  since=state.since, why=state.why, current_routine=on_day(state.routine, day), other_plans=others,
                  adherence=adherence(plan.date, today, done) if state.routine else None,
                  warning_signs=warning_signs(plan, checkins))


def warning_signs(plan: Record, checkins: list[Record]) -> list[WarningSign]:
    """Every warning sign answered yes at the triage or a check-in, with the dates it was: what
    the runner tells the clinician they are sent to."""
    dates: dict[str, list[dt.date]] = {}
    for c in (plan, *checkins):
        for question in c.red_flags:
            if c.date not in dates.setdefault(question, []):
                dates[question].append(c.date)
    return [WarningSign(question=q, dates=d) for q, d in dates.items()]


def todays_session(now: Current, kbase: KnowledgeBase, today: dt.date) -> Session:
    """The session of `today` for `now`'s plan (engine.sessions.session_document); NothingToActOn when
    the latest decision leaves no exercises."""
    from ..engine.sessions import routine_today, session_document

    day_of_plan(now.plan.date, today, "the session")
    last = now.last_checkin()
    routine = routine_today(now.plan, last)
    if not routine:  # a warning sign, an escalation or a stop: its own message says what to do instead
        raise NothingToActOn(f"no exercises to do for {now.plan.symptom}: {last.message if last else now.plan.headline}")
    return session_document(kbase, now.plan, on_day(routine, (today - now.plan.date).days), today)


def keep_logged(now: Current, entries: list[dict[str, Any]]) -> None:
    """Keep the exercises of a session done elsewhere, in one transaction: the whole log or none of it."""
    now.history.log_exercises(now.stored.id, entries)


@dataclass
class SessionLog:
    """Where the coach keeps each exercise as it is done, and later how it felt."""

    now: Current

    def done(self, entry: dict[str, Any]) -> int:
        return self.now.history.log_exercise(self.now.stored.id, entry)

    def felt(self, log_id: int, pain: int) -> None:
        self.now.history.log_pain(log_id, pain)


@dataclass(frozen=True)
class Logged:
    """What the sessions since the last check-in (or the plan's start) tell a check-in."""

    sessions: int  # days with an exercise logged
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
    return Logged(len({e.date for e in logs}), list(dict.fromkeys(e.exercise for e in logs)), max(pains, default=None),
                  list(dict.fromkeys(stopped)))


def timeline(history: History) -> list[HistoryEntry]:
    """Every plan, oldest first, with its check-ins as stored (their JSON data, word for word) and
    where it stands (plan_state)."""
    from ..documents.stored import read_plan

    out = []
    for p in history.plans():
        stored = history.checkins(p.id)
        state = plan_state(read_plan(p.document), read_checkins(history, p.id))
        out.append(HistoryEntry(plan=p.document, current=p.current, kb_version=p.kb_version, status=state.status,
                                current_level=state.current_level, since=state.since, why=state.why,
                                checkins=[c.document for c in stored]))
    return out


def timeline_document(history: History) -> HistoryDoc:
    """`history --json`."""
    return HistoryDoc(path=str(history.path), plans=timeline(history))


def keep_plan(db: Path | None, plan: Plan, kbase: KnowledgeBase) -> Path:
    """Save a triage's plan as its symptom's current one; the history's path."""
    from ..records import to_data

    with History.open(db) as history:
        history.save_plan(to_data(plan, trace=False), kbase.version, kbase.content_hash)
    return history.path


def check_in(now: Current, kbase: KnowledgeBase, answers: dict[str, Any], day: dt.date, *, explain: bool = False,
             done: list[str] | None = None, note: str | None = None, sessions: int | None = None,
             left_out: list[str] | None = None, keep: list[str] | None = None) -> CheckIn:
    """The check-in on `now`'s plan for complete answers on `day` (keep_checkin saves it), after
    what its earlier check-ins tell it (engine.progression.before_checkin). `done`, `left_out` (exercises
    that brought on symptoms) and `keep` (what a clinician who cleared the runner said to keep)
    name exercises in any spelling; UsageError for `keep` without a warning sign to clear."""
    from ..engine.evaluate import checkin
    from ..engine.progression import before_checkin

    before = before_checkin(now.plan, now.checkins(), day)
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
    from ..engine.progression import before_checkin

    return before_checkin(now.plan, now.checkins(), day).warning is not None


def keep_checkin(now: Current, answers: dict[str, Any], doc: CheckIn) -> Path:
    """Save a check-in with its answers to `now`'s plan; the history's path."""
    from ..records import to_data

    now.history.save_checkin(now.stored.id, answers, to_data(doc, trace=False))
    return now.history.path


def forget_plans(db: Path | None, symptom: str | None, confirm: Callable[[str], bool] | None | bool) -> str:
    """Delete `symptom`'s plans and their check-ins (every plan when None); what was done, in
    words. `confirm` asks a person first; None: no need (--yes); False: nobody to ask."""
    what = f"every {symptom} plan and its check-ins" if symptom else "the whole history: every plan and check-in"
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


LOG_LIMIT = 1 << 20  # a session's log is a few hundred bytes; a megabyte is already far too many


def read_log(spec: str) -> Any:
    """The JSON of `session --log FILE|-`; UsageError naming what is wrong with it."""
    import json
    import sys

    from ..files import FileRefused, open_input, read_bounded, shorten

    name = "stdin" if spec == "-" else shorten(spec)
    try:
        if spec == "-":
            raw = read_bounded(sys.stdin.buffer, LOG_LIMIT, name)
        else:
            with open_input(spec, streams=True) as stream:
                raw = read_bounded(stream, LOG_LIMIT, name)
        return json.loads(raw.decode("utf-8"), parse_constant=lambda c: _refuse(f"{c} is not a number"))
    except FileNotFoundError:
        raise UsageError(f"--log: no such file: {name}") from None
    except FileRefused as exc:
        raise UsageError(f"--log: {exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--log: {name} is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--log: {name} is not JSON ({str(exc)[:80]}); expected a list of objects with exercise, "
                         "date, sets, seconds or reps, pain_during") from None
    except OSError as exc:
        raise UsageError(f"--log: cannot read {name}: {exc.strerror}") from None


def _refuse(why: str) -> Any:
    raise ValueError(why)
