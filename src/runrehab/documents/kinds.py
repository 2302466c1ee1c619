"""Every output document, defined once: frozen, slotted classes (documents/base.py) built by
keyword, in JSON field order.

The engine, tracking, sessions and today build them by keyword, so a misspelt or missing field
fails where a document is built. They import no pydantic: schemas.py turns them into JSON
Schemas (`runrehab schema`) and validators for the tests. Field names that are Python keywords
carry a trailing underscore (documents.vocabulary.KEYWORD_FIELDS); in JSON they do not. Constraints are
markers pydantic reads for the schemas (Limits); nothing checks them at run time.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Optional

from .base import Document, Limits, SchemaOnly
from .record import fields_of
from .vocabulary import SCHEMA_VERSION, Category, Level, Status, Weekday, When, warning_answers
from .dose import Count, Dose, Load, ProgrammeStep, Range, Schedule, Tempo  # noqa: F401  (the parts of a routine)
from .report import Problem, ValidationReport  # noqa: F401  (what `validate` prints)

# Who said the words a citation quotes. A runner's words are context (what they feel, what they
# tried), never advice: no routine or dose may rest on them alone.
Role = Literal["expert", "trainer", "runner", "guideline"]
Decision = Literal["continue", "progress", "escalate", "stop"]
Progress = Literal["symptom-free", "much-better", "better", "same", "worse"]
Side = Literal["left", "right"]


# an id of the rule base: an exercise, a rule, a question, a document
Id = Annotated[str, Limits(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Score = Annotated[int, Limits(ge=0, le=10)]  # pain, 0-10
NonEmpty = Annotated[str, Limits(min_length=1)]


class SourceRef(Document):
    document: str
    title: str
    quote: str
    voice: Optional[Role] = None  # None only in documents saved before citations named their voice
    speaker: Optional[str] = None  # who the voice is, e.g. "Nick Rainey, Doctor of Physical Therapy"
    url: Optional[str] = None


class Escalation(Document):
    """When to get help, as a plan announces it: from day `after_days` (of the plan, or of a
    check-in from its date), if `if`, do `action`. `rules`: the check-in rules that would decide it."""

    after_days: Annotated[int, Limits(ge=0, le=3650)]
    if_: NonEmpty
    action: NonEmpty
    level: Level
    rules: list[str] = ()  # type: ignore[assignment]


class FiredRule(Document):
    id: str
    source: SourceRef


class TraceEntry(Document):
    """Why a rule did or did not shape the plan (`triage --explain`)."""

    rule: str
    fired: bool
    matched: list[str]
    level: Optional[Level]
    overridden_by: Optional[str] = None


class RoutineEntry(Document):
    exercise: str
    name: str
    dose: Dose  # with a `programme`, the first week's; engine.programme.dose_on gives any day's
    timing: Optional[str]
    programme: list[ProgrammeStep] = ()  # type: ignore[assignment]


class Plan(Document):
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
    review_date: Optional[dt.date]
    rules: list[FiredRule]
    disclaimer: str
    trace: Optional[list[TraceEntry]] = None
    rest_first: bool = False  # rest before the routine starts: until a check-in goes on or an exercise is logged


class ExerciseDoc(Document):
    """An exercise as printed: citations carry the document's title."""

    schema_version: int = SCHEMA_VERSION
    id: Id
    name: NonEmpty
    aliases: list[str] = ()  # type: ignore[assignment]
    category: Category
    targets: Annotated[list[str], Limits(min_length=1)]
    equipment: list[str] = ()  # type: ignore[assignment]
    instructions: Annotated[list[str], Limits(min_length=1)]
    dose: Dose
    cautions: list[str] = ()  # type: ignore[assignment]
    sources: Annotated[list[SourceRef], Limits(min_length=1)]
    source_note: Optional[str] = None  # what the sources leave out (a name without a description, a missing picture)


# a check-in's (and its summary's) answers to the warning signs, in the order given
_WARNING_ANSWERS = property(lambda self: warning_answers(self.answers), doc="Its answers to the warning signs.")


class CheckIn(Document):
    schema_version: int = SCHEMA_VERSION
    plan_date: dt.date
    date: dt.date
    day: Count
    symptom: str
    # Both null when a red flag answered yes ended the check-in before they were asked.
    progress: Optional[Progress]
    pain_score: Optional[Score]
    answers: dict[str, Any]
    red_flags: list[str]
    triage_level: Level
    decision: Decision
    message: str
    routine: list[RoutineEntry]
    advice: list[str]
    stop_if: list[str]
    escalation: list[Escalation]
    next_review: Optional[dt.date]
    done: list[str] = ()  # type: ignore[assignment]
    sessions: Optional[Count] = None  # days with exercises logged since the last check-in
    note: Optional[str] = None
    rules: list[FiredRule]
    disclaimer: str
    trace: Optional[list[TraceEntry]] = None
    warning_answers = _WARNING_ANSWERS


class Adherence(Document):
    """This week's sessions: one a day planned from `since` (Monday, or the plan's date) to today."""

    since: dt.date
    planned: Count
    done: Count


class WarningSign(Document):
    """A warning sign answered yes, at the triage or a check-in, and every date it was."""

    question: str
    dates: Annotated[list[dt.date], Limits(min_length=1)]


class CheckinSummary(Document):
    """A check-in as the views of its plan list it (the handout's table, pain trend and warning
    signs asked): kept beside the check-in in the history (history.chain), so that a view reads
    these rather than every check-in whole."""

    date: dt.date
    day: Count
    progress: Optional[Progress]
    pain_score: Optional[Score]
    answers: dict[str, Any]
    red_flags: list[str]
    triage_level: Level
    decision: Decision
    routine: list[str]  # the exercise ids of the routine it gave
    # CRC-32 of what it prescribes, its dates aside (engine.state.prescribed): equal in two
    # check-ins that leave the runner with the same level, routine, advice and checkpoints ahead
    prescribed: int
    warning_answers = _WARNING_ANSWERS


class PlanStatus(Plan):
    """`runrehab plan`: the current plan with where it stands today. The fields it adds are
    optional so that one schema (`runrehab schema plan`) covers `triage --json` too."""

    day: Optional[Count] = None
    next_review: Optional[dt.date] = None
    due: Optional[list[Escalation]] = None  # escalations whose day has come
    last_checkin: Optional[CheckIn] = None
    # where the plan stands after its check-ins (history.tracking.plan_state): what every view shows first
    status: Optional[Status] = None
    current_level: Optional[Level] = None
    since: Optional[dt.date] = None  # the date of the decision that set the status
    why: Optional[str] = None  # that decision in words
    current_routine: Optional[list[RoutineEntry]] = None  # what to do now: empty once escalated or stopped
    running: Optional[bool] = None  # neither escalated nor stopped nor waiting on a warning sign
    routine_now: Optional[bool] = None  # running, with a routine, and no rest first still to take
    other_plans: Optional[list[str]] = None  # the symptoms of the other running plans
    adherence: Optional[Adherence] = None
    warning_signs: Optional[list[WarningSign]] = None  # every one answered yes since the triage, first met first
    checkins: Optional[list[CheckinSummary]] = None  # every check-in on the plan, oldest first
    # every exercise prescribed since the triage, in the order first given, each at its latest dose
    routine_tried: Optional[list[RoutineEntry]] = None
    sessions: Optional[list[LogEntry]] = None  # every exercise logged as done on the plan, oldest first
    run_days: Optional[list[Weekday]] = None  # the days the runner runs (`runrehab settings`), when given


class HistoryEntry(Document):
    plan: Plan
    current: bool  # the symptom's current plan; a later triage replaced it otherwise
    kb_version: str
    status: Status
    current_level: Level
    since: dt.date
    why: str
    checkins: list[CheckIn]


class HistoryDoc(Document):
    """`runrehab history --json`: every plan, oldest first, with its check-ins."""

    schema_version: int = SCHEMA_VERSION
    path: str
    plans: list[HistoryEntry]


class TodayItem(RoutineEntry):
    when: When  # documents.vocabulary.ORDER: the order to do them in
    done: bool  # logged as done on the day


class TodayPlan(Document):
    symptom: str
    plan_date: dt.date
    day: Count
    status: Status
    current_level: Level
    since: dt.date
    why: str
    decided_by: Literal["triage", "check-in"]  # what set the status: the plan itself or its latest check-in
    exercises: list[TodayItem]  # empty when the plan has no routine to follow now
    resting: bool = False  # the plan says rest first, and nothing says the rest is done yet
    done: list[str]  # every exercise logged as done on the day, in the routine or not
    next_review: Optional[dt.date]
    review_due: bool  # the review date has come: time for `runrehab checkin`
    due: list[Escalation]  # escalation checkpoints whose day has come


class TodayDose(Document):
    """One running plan's dose of an exercise on the day."""

    symptom: str
    dose: Dose
    timing: Optional[str]
    when: When
    done: bool  # logged as done on the day for that plan


class TodayExercise(Document):
    """An exercise due on the day, once however many plans prescribe it. No source says which of
    two doses wins, so each plan's is given, attributed, in the order of the plans."""

    exercise: str
    name: str
    doses: list[TodayDose]


class TodayDoc(Document):
    """`runrehab today --json`: what is due on `date` for every running plan, the most recent first;
    `exercises`: the day's list, each exercise once, in the order to do them."""

    schema_version: int = SCHEMA_VERSION
    date: dt.date
    plans: list[TodayPlan]
    exercises: list[TodayExercise]


class SessionStep(Document):
    """One thing to do: a set of an exercise on one side (or both: null), or a rest between sets.
    `target`: repetitions for `reps` (null when the source gives no count), else seconds; `seconds`
    of `reps` at a tempo: the whole set, counted."""

    exercise: str
    set: Annotated[int, Limits(ge=1)]
    side: Optional[Side]
    kind: Literal["reps", "hold", "duration", "walk", "rest"]
    target: Optional[Count]
    seconds: Optional[Count]
    tempo: Optional[Tempo] = None  # `reps` at a tempo: each repetition counted up, held, down


class SessionExercise(Document):
    exercise: str
    name: str
    dose: Dose


class Session(Document):
    """`runrehab session --json`: today's routine as ordered steps. `pain_limit`: pain during an
    exercise (0-10) above which it stops."""

    schema_version: int = SCHEMA_VERSION
    date: dt.date
    symptom: str
    plan_date: dt.date
    pain_limit: Score
    stop_if: list[str]
    exercises: list[SessionExercise]
    steps: list[SessionStep]


class LoggedEntry(Document):
    """One exercise done in a session, as the history keeps it: `pain_during` is null until it is
    asked (the coach asks once the session is over). Its identity is its exercise, date and time:
    an entry logged again is not kept twice. `seconds` or `reps`, not both."""

    __schema_extra__ = {"not": {"required": ["seconds", "reps"],
                                "properties": {"seconds": {"type": "integer"}, "reps": {"type": "integer"}}}}

    exercise: NonEmpty
    date: Annotated[dt.date, SchemaOnly(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    time: Optional[Annotated[str, Limits(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]] = None  # HH:MM, when given
    sets: Annotated[int, Limits(ge=0, le=99)]
    sides: Annotated[list[Side], SchemaOnly(uniqueItems=True)] = ()  # type: ignore[assignment]
    seconds: Optional[Annotated[int, Limits(ge=0, le=3600)]] = None  # hold or duration reached
    reps: Optional[Annotated[int, Limits(ge=0, le=999)]] = None
    pain_during: Optional[Score] = None
    stopped: bool = False  # ended early: pain above the limit, or a sign the stop rules name


class LogEntry(LoggedEntry):
    """What `session --log` reads: one object a done exercise, its pain during given."""

    pain_during: Score


class LogSummary(Document):
    """`session --log FILE --json`: what was logged, and what the history already held (the same
    exercise, date and time), kept once."""

    schema_version: int = SCHEMA_VERSION
    date: dt.date
    symptom: str
    plan_date: dt.date
    path: str
    logged: list[LoggedEntry]
    already: list[LoggedEntry]
