"""Pydantic models of every output document, for their JSON Schemas (`runrehab schema NAME`)
and for the tests. The engine builds the documents as Records that follow these models field for
field; output documents are versioned by SCHEMA_VERSION.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import Decision, Dose, Exercise, ExercisesFile, Level, Role, RulesFile, Strict
from .records import KEYWORD_FIELDS, SCHEMA_VERSION


class SourceRef(Strict):
    document: str
    title: str
    quote: str
    voice: Role | None = None  # None only in documents saved before citations named their voice
    speaker: str | None = None  # who the voice is, e.g. "Nick Rainey, Doctor of Physical Therapy"
    url: str | None = None


class Escalation(Strict):
    """When to get help, as a plan announces it: from day `after_days` (of the plan, or of a
    check-in from its date), if `if`, do `action`. `rules`: the check-in rules that would decide it."""

    after_days: int = Field(ge=0, le=3650)
    if_: str = Field(alias=KEYWORD_FIELDS["if_"], min_length=1)
    action: str = Field(min_length=1)
    level: Level
    rules: list[str] = []
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


class FiredRule(Strict):
    id: str
    source: SourceRef


class TraceEntry(Strict):
    """Why a rule did or did not shape the plan (`triage --explain`)."""

    rule: str
    fired: bool
    matched: list[str]
    level: Level | None
    overridden_by: str | None = None


class RoutineEntry(Strict):
    exercise: str
    name: str
    dose: Dose
    timing: str | None


class Plan(Strict):
    schema_version: int = SCHEMA_VERSION
    date: dt.date
    symptom: str
    answers: dict[str, Any]
    triage_level: Level
    headline: str
    red_flags: list[str]
    routine: list[RoutineEntry]
    advice: list[str]
    stop_if: list[str]
    escalation: list[Escalation]
    review_date: dt.date | None
    rules: list[FiredRule]
    disclaimer: str
    trace: list[TraceEntry] | None = None


class ExerciseDoc(Exercise):
    """An exercise as printed: citations carry the document's title."""

    sources: list[SourceRef] = Field(min_length=1)  # type: ignore[assignment]


class CheckIn(Strict):
    schema_version: int = SCHEMA_VERSION
    plan_date: dt.date
    date: dt.date
    day: int = Field(ge=0)
    symptom: str
    # Both null when a red flag answered yes ended the check-in before they were asked.
    progress: Literal["symptom-free", "much-better", "better", "same", "worse"] | None
    pain_score: int | None = Field(ge=0, le=10)
    answers: dict[str, Any]
    red_flags: list[str]
    triage_level: Level
    decision: Decision
    message: str
    routine: list[RoutineEntry]
    advice: list[str]
    stop_if: list[str]
    escalation: list[Escalation]
    next_review: dt.date | None
    done: list[str] = []
    sessions: int | None = Field(default=None, ge=0)  # days with exercises logged since the last check-in
    note: str | None = None
    rules: list[FiredRule]
    disclaimer: str
    trace: list[TraceEntry] | None = None


Status = Literal["active", "upkeep", "escalated", "stopped"]


class Adherence(Strict):
    """This week's sessions: one a day planned from `since` (Monday, or the plan's date) to today."""

    since: dt.date
    planned: int = Field(ge=0)
    done: int = Field(ge=0)


class PlanStatus(Plan):
    """`runrehab plan`: the current plan with where it stands today. The fields it adds are
    optional so that one schema (`runrehab schema plan`) covers `triage --json` too."""

    day: int | None = Field(default=None, ge=0)
    next_review: dt.date | None = None
    due: list[Escalation] | None = None  # escalations whose day has come
    last_checkin: CheckIn | None = None
    # where the plan stands after its check-ins (tracking.plan_state): what every view shows first
    status: Status | None = None
    current_level: Level | None = None
    since: dt.date | None = None  # the date of the decision that set the status
    why: str | None = None  # that decision in words
    current_routine: list[RoutineEntry] | None = None  # what to do now: empty once escalated or stopped
    other_plans: list[str] | None = None  # the symptoms of the other running plans
    adherence: Adherence | None = None


class HistoryEntry(Strict):
    plan: Plan
    current: bool  # the symptom's current plan; a later triage replaced it otherwise
    kb_version: str
    status: Status
    current_level: Level
    since: dt.date
    why: str
    checkins: list[CheckIn]


class TodayItem(RoutineEntry):
    when: Literal["before a run", "after a run", "during the day"]  # the order to do them in
    done: bool  # logged as done on the day


class TodayPlan(Strict):
    symptom: str
    plan_date: dt.date
    day: int = Field(ge=0)
    status: Status
    current_level: Level
    since: dt.date
    why: str
    decided_by: Literal["triage", "check-in"]  # what set the status: the plan itself or its latest check-in
    exercises: list[TodayItem]  # empty when the plan has no routine to follow now
    done: list[str]  # every exercise logged as done on the day, in the routine or not
    next_review: dt.date | None
    review_due: bool  # the review date has come: time for `runrehab checkin`
    due: list[Escalation]  # escalation checkpoints whose day has come


class TodayDoc(Strict):
    """`runrehab today --json`: what is due on `date` for every running plan, the most recent first."""

    schema_version: int = SCHEMA_VERSION
    date: dt.date
    plans: list[TodayPlan]


class HistoryDoc(Strict):
    """`runrehab history --json`: every plan, oldest first, with its check-ins."""

    schema_version: int = SCHEMA_VERSION
    path: str
    plans: list[HistoryEntry]


class SessionStep(Strict):
    """One thing to do: a set of an exercise on one side (or both: null), or a rest between sets.
    `target`: repetitions for `reps` (null when the source gives no count), else seconds."""

    exercise: str
    set: int = Field(ge=1)
    side: Literal["left", "right"] | None
    kind: Literal["reps", "hold", "duration", "rest"]
    target: int | None = Field(ge=0)
    seconds: int | None = Field(ge=0)


class SessionExercise(Strict):
    exercise: str
    name: str
    dose: Dose


class Session(Strict):
    """`runrehab session --json`: today's routine as ordered steps. `pain_limit`: pain during an
    exercise (0-10) above which it stops."""

    schema_version: int = SCHEMA_VERSION
    date: dt.date
    symptom: str
    plan_date: dt.date
    pain_limit: int = Field(ge=0, le=10)
    stop_if: list[str]
    exercises: list[SessionExercise]
    steps: list[SessionStep]


class LogEntry(Strict):
    """One exercise done in a session, as kept in the history and read by `session --log`."""

    exercise: str
    date: dt.date
    sets: int = Field(ge=0, le=99)
    sides: list[Literal["left", "right"]] = []
    seconds: int | None = Field(default=None, ge=0, le=3600)  # hold or duration reached
    reps: int | None = Field(default=None, ge=0, le=999)
    pain_during: int | None = Field(default=None, ge=0, le=10)
    stopped: bool = False  # ended early: pain above the limit, or a sign the stop rules name


class ProblemDoc(Strict):
    file: str
    line: int = Field(ge=1)
    col: int = Field(ge=1)
    severity: Literal["error", "warning"]
    code: str
    message: str


class ValidationReport(Strict):
    """`runrehab validate --json`: `ok` is false when an error (or with --strict a warning) was found."""

    schema_version: int = SCHEMA_VERSION
    ok: bool
    problems: list[ProblemDoc]


def json_schema(name: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of an output document or of a rule-base file."""
    model, mode = SCHEMAS[name]
    schema = model.model_json_schema(mode=mode)  # type: ignore[attr-defined]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"runrehab:{name}", **schema}


SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "plan": (PlanStatus, "serialization"),
    "exercise": (ExerciseDoc, "serialization"),
    "checkin": (CheckIn, "serialization"),
    "exercises": (ExercisesFile, "validation"),
    "rules": (RulesFile, "validation"),
    "history": (HistoryDoc, "serialization"),
    "today": (TodayDoc, "serialization"),
    "validate": (ValidationReport, "serialization"),
    "session": (Session, "serialization"),
    "log": (LogEntry, "validation"),
}


def stored_shapes() -> dict[str, Any]:
    """The JSON Schemas of the documents the history keeps, sharing one `$defs`: what
    stored.py checks rows against without loading pydantic (written to stored_shapes.json)."""
    out: dict[str, Any] = {"$defs": {}}
    for model in (Plan, CheckIn):
        schema = model.model_json_schema(mode="validation")
        out["$defs"].update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out
