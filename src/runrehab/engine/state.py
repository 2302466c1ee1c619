"""Where a plan stands after its check-ins: one answer for every view (plan, today, history,
handout, calendar). `status_after` is the one step; history.chain keeps its result beside each
check-in, and `statuses_after` replays it over a list (the calendar's earlier exports)."""
from __future__ import annotations

import json
import zlib

from ..documents.kinds import CheckinSummary
from ..documents.record import Record
from ..documents.vocabulary import RED_FLAG_LEVELS

# What each check-in decision makes of the plan; `continue` keeps an upkeep plan in upkeep.
STATUS_AFTER = {"progress": "upkeep", "escalate": "escalated", "stop": "stopped"}


def summary_of(checkin: Record) -> CheckinSummary:
    """A check-in as the views of its plan list it (documents.CheckinSummary)."""
    return CheckinSummary(date=checkin.date, day=checkin.day, progress=checkin.progress, pain_score=checkin.pain_score,
                          answers=dict(checkin.answers), red_flags=list(checkin.red_flags),
                          triage_level=checkin.triage_level, decision=checkin.decision,
                          routine=[item.exercise for item in checkin.routine], prescribed=prescribed(checkin))


def prescribed(checkin: Record) -> int:
    """What a check-in prescribes, its dates aside, as a CRC-32: the level, the routine, the advice,
    the checkpoints (whether each is dated, not when: each check-in counts a plan's checkpoint from
    its own day, so that a day's check-in names it a day sooner than the last) and whether a review
    is set."""
    from ..documents.as_json import to_data

    what = to_data([checkin.triage_level, checkin.routine, checkin.advice, checkin.stop_if, checkin.escalation,
                    checkin.next_review is None])
    what[4] = [{**e, "after_days": e["after_days"] > 0} for e in what[4]]
    return zlib.crc32(json.dumps(what, sort_keys=True).encode())


def status_after(previous: str, decision: str) -> str:
    """The plan's status after a check-in that decided `decision`, from `previous`."""
    return STATUS_AFTER.get(decision, "upkeep" if previous == "upkeep" else "active")


def state_of(plan: Record, status: str, latest: Record | None, exercised: bool = False) -> Record:
    """The state every view reads, from the plan, its `status` and the `latest` check-in (None
    before any): `status` (active, upkeep, escalated, stopped), `current_level`, `since` (the date
    of the decision), `why` (its words), `routine` (what is prescribed: none once escalated or
    stopped), `next_review`, `latest`, `running` (neither escalated nor stopped nor at a warning
    sign's level), `resting` (the plan says rest first and neither a check-in that goes on nor an
    exercise logged, `exercised`, says the rest is done) and `routine_now` (the runner exercises
    now: running, not resting, with a routine). Every view, the session, the calendar and the
    check-in decide "exercise now?" by `routine_now`."""
    if latest is None:
        status, level, since, why, routine, review = "active", plan.triage_level, plan.date, plan.headline, \
            list(plan.routine), plan.review_date
    else:
        level, since, why, review = latest.triage_level, latest.date, latest.message, latest.next_review
        routine = [] if status in ("escalated", "stopped") else list(latest.routine)
    running = status not in ("escalated", "stopped") and level not in RED_FLAG_LEVELS
    resting = running and bool(plan.rest_first) and latest is None and not exercised
    return Record(status=status, current_level=level, since=since, why=why, routine=routine, next_review=review,
                  latest=latest, running=running, resting=resting, routine_now=running and not resting and bool(routine))


def statuses_after(checkins: list[Record]) -> list[str]:
    """The plan's status before any of `checkins` (oldest first) and after each, walked one step at a time."""
    statuses = ["active"]
    for c in checkins:
        statuses.append(status_after(statuses[-1], c.decision))
    return statuses
