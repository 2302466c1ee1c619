"""Where a plan stands after its check-ins: one answer for every view (plan, today, history,
handout, calendar). A pure function of the plan and its check-ins."""
from __future__ import annotations

from ..records import Record

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
