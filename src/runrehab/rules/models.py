"""Pydantic models of the rule-base files as authored (exercises.yaml, rules.yaml).

They forbid unknown keys, so a misspelt key in YAML is an error with a line number. A rule base
is checked against them once, when its YAML is read; at run time it is Records (documents/record.py) that
follow these models field for field.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, computed_field, model_validator

from ..documents.kinds import Decision, Id, Level, Role
from ..documents.vocabulary import KEYWORD_FIELDS, MOST_REVIEW_DAYS, Category, Stage, is_red_flag
from .conditions import condition_kind
from .invariants import (document_problem, load_problem, outcome_problem, question_problem, range_problem,
                         routine_item_problem, schedule_problem, where_problem)

QuestionType = Literal["choice", "multi", "yes_no", "integer"]
# A question's stages: `where` questions are asked first, before the symptom is known (where it
# hurts, then what tells neighbours apart); `where:` in rules.yaml turns their answers into it.
QuestionStage = Literal[Stage, "where"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _held(model: Any, problem: Any) -> Any:
    """`model`, or ValueError saying what rules/invariants.py finds wrong with it."""
    why = problem(model)
    if why:
        raise ValueError(why)
    return model


# ------------------------------------------------------------------ shared pieces


class Range(Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        return _held(self, range_problem)


class Schedule(Strict):
    """How often a dose is done, as data beside its `frequency` words: times a day and days a
    week as ranges (null where the source gives no count, as in "several times a week"), before
    or after runs, and a programme of so many weeks."""

    times_per_day: Range | None = None
    days_per_week: Range | None = None
    relative_to_run: Literal["before", "after"] | None = None
    weeks: int | None = Field(default=None, ge=1, le=520)

    @model_validator(mode="after")
    def _a_week(self) -> Schedule:
        return _held(self, schedule_problem)


class Load(Strict):
    """How heavy, where a source says: a repetition maximum (`rm`: the most weight you can lift
    that many times with good form) and what adds the weight, in words (`added`: "a backpack
    with books")."""

    rm: int | None = Field(default=None, ge=1, le=100)
    added: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _something(self) -> Load:
        return _held(self, load_problem)


class Tempo(Strict):
    """Seconds of one repetition: going up, holding at the top, coming down."""

    up: int = Field(ge=0, le=60)
    hold: int = Field(default=0, ge=0, le=60)
    down: int = Field(ge=0, le=60)


class Dose(Strict):
    sets: Range | None = None
    reps: Range | None = None
    hold_seconds: Range | None = None
    duration_seconds: Range | None = None
    per_side: bool = False
    frequency: str | None = None
    schedule: Schedule | None = None  # null: the frequency words only
    load: Load | None = None  # where a source gives one
    tempo_seconds: Tempo | None = None  # where a source gives one
    step_height_cm: Range | None = None  # the height of the step an exercise is done from
    run_seconds: Range | None = None  # graded running: each run of a run/walk set
    walk_seconds: Range | None = None  # graded running: the walk after each run


class Citation(Strict):
    document: Id
    quote: str = Field(min_length=1)
    voice: Role | None = None  # may be left out when the document has one voice


# ------------------------------------------------------------------ exercises.yaml


class Exercise(Strict):
    id: Id
    name: str = Field(min_length=1)
    aliases: list[str] = []
    category: Category
    targets: list[str] = Field(min_length=1)
    equipment: list[str] = []
    instructions: list[str] = Field(min_length=1)
    dose: Dose
    cautions: list[str] = []
    sources: list[Citation] = Field(min_length=1)
    source_note: str | None = None  # what the sources leave out (a name without a description, a missing picture)


class ExercisesFile(Strict):
    schema_version: Literal[1]
    exercises: list[Exercise] = Field(min_length=1)


# ------------------------------------------------------------------ rules.yaml


class Voice(Strict):
    role: Role
    name: str = Field(min_length=1)
    starts: list[str] = []  # the opening words of each of this voice's parts of the document's text


class Document(Strict):
    id: Id
    title: str = Field(min_length=1)
    kind: Literal["seed", "guideline"]
    url: str | None = None
    text: str | None = None  # the document as published: a file in the rule-base folder
    voices: list[Voice] = []  # a guideline without voices speaks as the guideline

    @model_validator(mode="after")
    def _voices(self) -> Document:
        return _held(self, document_problem)


class Symptom(Strict):
    id: Id
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class Leaf(Strict):
    question: Id
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains"] = "eq"
    value: Any


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    not_: Condition = Field(alias=KEYWORD_FIELDS["not_"])
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


Condition = Annotated[
    Union[
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[NotOf, Tag("not")],
        Annotated[Leaf, Tag("leaf")],
    ],
    Discriminator(condition_kind),
]


class Question(Strict):
    id: Id
    text: str = Field(min_length=1)
    sign: str | None = Field(default=None, min_length=1)  # red flags: the warning sign in a few words, as a plan names it
    type: QuestionType
    choices: list[str] | None = None
    labels: dict[str, str] = {}  # choice id -> the words shown for it; ids stay accepted as answers
    min: int | None = None
    max: int | None = None
    default: Any = None
    symptoms: list[Id] = []
    stages: list[QuestionStage] = Field(default=["triage"], min_length=1)
    required: bool = False
    carry_over: bool = False  # at a check-in without a terminal: the plan's answer unless given
    asked_once: bool = False  # cannot change (how it started): a check-in takes the plan's answer, never asks again
    ask_if: Condition | None = None
    source: Citation | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def red_flag(self) -> bool:
        return is_red_flag(self.id)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        return _held(self, question_problem)


class WeekDose(Strict):
    """A programme that changes by the week: from week `from_week` of the plan (week 1 is its
    first seven days), `dose` replaces the dose before it."""

    from_week: int = Field(ge=2, le=520)
    dose: Dose


class RoutineItem(Strict):
    exercise: Id
    dose: Dose | None = None  # None: the exercise's default dose; with `weeks`, week 1's
    timing: str | None = None
    weeks: list[WeekDose] = []  # later weeks' doses, in order

    @model_validator(mode="after")
    def _weeks_in_order(self) -> RoutineItem:
        return _held(self, routine_item_problem)


class Announcement(Strict):
    """What a plan says about a check-in rule that escalates or stops: watch for `if`, then do
    `action`. The day and the level are worked out from the rule itself."""

    if_: str = Field(alias=KEYWORD_FIELDS["if_"], min_length=1)
    action: str = Field(min_length=1)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)




class Outcome(Strict):
    level: Level | None = None
    headline: str | None = None
    decision: Decision | None = None  # check-ins only
    routine: list[RoutineItem] = []
    replace_routine: bool = False  # check-ins: `routine` replaces the plan's routine
    load: Literal["lower", "upper"] | None = None  # check-ins: every dose one step toward that end of its range
    remove: list[Id] = []
    advice: list[str] = []
    stop_if: list[str] = []
    announce: Announcement | None = None  # check-in rules that escalate or stop: what plans announce
    # urgent outcomes: how soon to be seen, as plans announce it (`days`: within a day or two)
    see_within: Literal["today", "days"] | None = None
    review_after_days: int | None = Field(default=None, ge=1, le=MOST_REVIEW_DAYS)
    # triage: the source says to rest before the routine starts, and gives no number of days
    rest_first: bool = False

    @model_validator(mode="after")
    def _headline_with_level(self) -> Outcome:
        return _held(self, outcome_problem)


class Expectation(Strict):
    fires: bool = True
    level: Level | None = None
    decision: Decision | None = None  # check-in rules
    routine: list[Id] | None = None


class Example(Strict):
    name: str = Field(min_length=1)
    plan: dict[str, Any] | None = None  # check-in rules: the triage answers of the plan checked in on
    answers: dict[str, Any]
    expect: Expectation


class Fact(Strict):
    """A number worked out at a check-in (never asked) that conditions can use."""

    id: Id
    text: str = Field(min_length=1)
    type: Literal["integer"] = "integer"
    min: int
    max: int
    choices: None = None


class Rule(Strict):
    id: Id
    description: str = Field(min_length=1)
    status: Literal["stable", "experimental"] = "stable"
    symptoms: list[Id] = []  # empty: every symptom
    stages: list[Stage] = Field(default=["triage"], min_length=1)
    priority: int = 0
    when: Condition | None = None  # None: always
    then: Outcome
    source: Citation
    examples: list[Example] = Field(min_length=1)


class Route(Strict):
    """Where-it-hurts answers that lead to a symptom: the first route whose `when` holds (a
    route without `when` always holds) sets `symptom`."""

    symptom: Id
    when: Condition | None = None


class Where(Strict):
    """How the answers to the `where` questions become the symptom, when it is not given."""

    routes: list[Route] = Field(min_length=1)

    @model_validator(mode="after")
    def _total(self) -> Where:
        return _held(self, where_problem)


class RulesFile(Strict):
    schema_version: Literal[1]
    version: str = Field(min_length=1)
    disclaimer: str = Field(min_length=1)
    documents: list[Document] = Field(min_length=1)
    symptoms: list[Symptom] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    facts: list[Fact] = []
    rules: list[Rule] = Field(min_length=1)
    where: Where | None = None  # without it, the interview asks `symptom` itself


Route.model_rebuild()
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()
