"""Where a plan stands after its check-ins: one answer for every view (plan, today, history,
handout, calendar). `status_after` is the one step; history.chain keeps its result beside each
check-in, and `state_after` replays it over a list (the calendar's earlier exports)."""
from __future__ import annotations

from ..records import Record

# What each check-in decision makes of the plan; `continue` keeps an upkeep plan in upkeep.
STATUS_AFTER = {"progress": "upkeep", "escalate": "escalated", "stop": "stopped"}


def status_after(previous: str, decision: str) -> str:
    """The plan's status after a check-in that decided `decision`, from `previous`."""
    return STATUS_AFTER.get(decision, "upkeep" if previous == "upkeep" else "active")


def state_of(plan: Record, status: str, latest: Record | None) -> Record:
    """The state every view reads, from the plan, its `status` and the `latest` check-in (None
    before any): `status` (active, upkeep, escalated, stopped), `current_level`, `since` (the date
    of the decision), `why` (its words), `routine` (what to do now: none once escalated or
    stopped), `next_review` and `latest`."""
    if latest is None:
        return Record(status="active", current_level=plan.triage_level, since=plan.date, why=plan.headline,
                      routine=plan.routine, next_review=plan.review_date, latest=None)
    return Record(status=status, current_level=latest.triage_level, since=latest.date, why=latest.message,
                  routine=[] if status in ("escalated", "stopped") else latest.routine,
                  next_review=latest.next_review, latest=latest)


def state_after(plan: Record, checkins: list[Record]) -> Record:
    """Where a plan stands after `checkins` (oldest first), walked one step at a time."""
    status = "active"
    for c in checkins:
        status = status_after(status, c.decision)
    return state_of(plan, status, checkins[-1] if checkins else None)
