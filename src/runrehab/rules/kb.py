"""The checked rule base: its parts by id, and the look-ups commands and the engine need.

A KnowledgeBase holds Records (documents/record.py) that rules/loader.py made from the YAML once checked.
"""
from __future__ import annotations

import difflib
import re
from collections import ChainMap
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import get_args

from ..documents.record import Record
from ..documents.vocabulary import Stage
from ..errors import KbError, NotFound, UsageError
from ..safe_text import quoted
from .cached import Stored
from .memo import Shared, once

EXERCISES_FILE = "exercises.yaml"
RULES_FILE = "rules.yaml"
STAGES: tuple[str, ...] = get_args(Stage)


def shipped_dir() -> Path:
    """The rule base shipped inside the package (in a checkout: the top-level data/ folder).
    runrehab is installed as plain files (never run from a zip), so its folder is the package's
    own; importlib.resources would cost every start a few milliseconds to say the same."""
    packaged = Path(__file__).resolve().parents[1] / "data"
    if (packaged / RULES_FILE).is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "data"
    if (checkout / RULES_FILE).is_file():
        return checkout
    from .yaml_source import Problem

    raise KbError([Problem(str(packaged), 1, 1, "error", "missing",
                           "the shipped rule base is missing from this installation; reinstall runrehab")])


class KnowledgeBase:
    """A checked rule base as Records (see documents/record.py), with look-ups by id. Two are
    equal when their files, folder and content are; `shared` is what documents made from it
    share (rules/memo.py)."""

    def __init__(self, rules_file: Record, exercises_file: Record, directory: Path, content_hash: str) -> None:
        self.rules_file, self.exercises_file = rules_file, exercises_file
        self.directory, self.content_hash = directory, content_hash
        self.shared = Shared()

    def _identity(self) -> tuple[object, ...]:
        return self.rules_file, self.exercises_file, self.directory, self.content_hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KnowledgeBase) and self._identity() == other._identity()

    __hash__ = None  # type: ignore[assignment]  (its Records are not hashable)

    def __repr__(self) -> str:
        return f"KnowledgeBase(directory={self.directory!r}, content_hash={self.content_hash!r})"

    @cached_property
    def exercises(self) -> Mapping[str, Record]:
        return _by_id(self.exercises_file.exercises)

    @cached_property
    def questions(self) -> Mapping[str, Record]:
        return _by_id(self.rules_file.questions)

    @cached_property
    def variables(self) -> Mapping[str, Record]:
        """What conditions can test: the questions and the facts worked out at check-ins."""
        return ChainMap(self.questions, {f.id: f for f in self.rules_file.facts})

    @cached_property
    def symptoms(self) -> dict[str, Record]:
        return {s.id: s for s in self.rules_file.symptoms}

    @cached_property
    def documents(self) -> Mapping[str, Record]:
        return _by_id(self.rules_file.documents)

    @cached_property
    def rules_by_id(self) -> Mapping[str, Record]:
        return _by_id(self.rules)

    @property
    def rules(self) -> list[Record]:
        return self.rules_file.rules

    def voices(self, document: str) -> list[Record]:
        """Who speaks in a document (Voices: role, name, starts); a guideline that lists none
        speaks as itself."""
        doc = self.documents[document]
        if doc.voices or doc.kind != "guideline":
            return doc.voices
        return once(self.shared.voices, document, lambda: [Record(role="guideline", name=doc.title, starts=[])])

    def voice(self, citation: Record) -> Record | None:
        """Who said what a citation quotes: the voice it names, or its document's only voice.
        None when that voice is not the document's, or when the citation does not say and the
        document has several (validation refuses both)."""
        voices = self.voices(citation.document)
        if citation.voice is not None:
            return next((v for v in voices if v.role == citation.voice), None)
        return voices[0] if len(voices) == 1 else None

    @property
    def version(self) -> str:
        return self.rules_file.version

    @cached_property
    def _question_positions(self) -> dict[str, int]:
        return {qid: i for i, qid in enumerate(self.questions)}

    def in_question_order(self, ids: list[str]) -> list[str]:
        """Question ids in the order the rule base lists its questions, which is the order an
        interview asks its warning signs in (ids it does not list come last, as given): what a
        plan says does not depend on the order a file gives its answers in."""
        if len(ids) < 2:
            return ids
        where = self._question_positions
        return sorted(ids, key=lambda qid: where.get(qid, len(where)))

    @cached_property
    def _by_symptom(self) -> dict[tuple[str, str | None], list[int]]:
        """("rules" or "questions", symptom or None for every symptom) -> positions in the file:
        one pass over the symptoms each record names (a cached rule base keeps them beside its
        records), so that a symptom's first case reads only its own part of a large rule base."""
        index: dict[tuple[str, str | None], list[int]] = {}
        for kind, records in (("rules", self.rules), ("questions", self.rules_file.questions)):
            named = records.symptoms if isinstance(records, Stored) else [r.symptoms for r in records]
            for position, symptoms in enumerate(named):
                for symptom in dict.fromkeys(symptoms) or [None]:
                    index.setdefault((kind, symptom), []).append(position)
        return index

    def _of_symptom(self, kind: str, symptom: str | None) -> list[Record]:
        """The rules or questions that apply to `symptom` (all of them when None), in file order."""
        records = self.rules if kind == "rules" else self.rules_file.questions
        if symptom is None:
            return list(records)
        index = self._by_symptom
        return [records[i] for i in sorted(index.get((kind, None), []) + index.get((kind, symptom), []))]

    def rules_for(self, symptom: str, stage: str) -> tuple[Record, ...]:
        """The rules of one stage that apply to `symptom`, in file order."""
        return once(self.shared.rules, (symptom, stage), lambda: tuple(
            r for r in self._of_symptom("rules", symptom) if stage in r.stages))

    def questions_for(self, symptom: str | None, stage: str) -> tuple[Record, ...]:
        """The questions of one stage that apply to `symptom` (all symptoms when None), in
        interview order: file order, with red flags before everything but `symptom`."""
        def make() -> tuple[Record, ...]:
            qs = [q for q in self._of_symptom("questions", symptom) if stage in q.stages]
            return tuple(sorted(qs, key=lambda q: 0 if q.id == "symptom" else 1 if q.red_flag else 2))

        return once(self.shared.questions, (symptom, stage), make)

    def asked(self, symptom: str, stage: str) -> frozenset[str]:
        """The ids of the questions of `questions_for`."""
        return once(self.shared.asked, (symptom, stage), lambda: frozenset(q.id for q in self.questions_for(symptom, stage)))

    def listed_questions(self, symptom: str | None = None, stage: str | None = None) -> list[Record]:
        """The questions as `runrehab questions` lists them: file order, narrowed to those asked
        for `symptom` and at `stage` when given."""
        self.check_symptom(symptom)
        if stage not in (None, *STAGES):
            raise UsageError(f"--stage: {quoted(stage)} is not a stage (allowed: {', '.join(STAGES)})")
        return [q for q in self.rules_file.questions
                if (symptom is None or not q.symptoms or symptom in q.symptoms) and (stage is None or stage in q.stages)]

    def check_symptom(self, symptom: str | None) -> None:
        """UsageError unless `symptom` is None or a symptom of this rule base."""
        if symptom is not None and symptom not in self.symptoms:
            raise UsageError(f"--symptom: {quoted(symptom)} is not a symptom (allowed: {', '.join(self.symptoms)})")

    @cached_property
    def _exercise_names(self) -> dict[str, str]:
        exercises = self.exercises_file.exercises
        named = getattr(exercises, "names", None)  # a cached list's, from its head: none decoded
        index: dict[str, str] = {}
        for labels in named if named is not None else ([e.id, e.name, *e.aliases] for e in exercises):
            for label in labels:
                index.setdefault(_name_key(label), labels[0])
        return index

    def find_exercise(self, name: str) -> Record:
        """An exercise by id, name or alias in any case and spacing; NotFound suggesting the
        closest ids when there is none."""
        index, wanted = self._exercise_names, _name_key(name)
        if wanted in index:
            return self.exercises[index[wanted]]
        close = list(dict.fromkeys(index[m] for m in difflib.get_close_matches(wanted, index, n=6, cutoff=0.6)))[:3]
        hint = f"; did you mean {', '.join(close)}?" if close else "; `runrehab exercises` lists them all"
        raise NotFound(f"no exercise called {quoted(name)}{hint}")


def _by_id(records: Sequence[Record]) -> Mapping[str, Record]:
    """Records by id: a cached list's decoded as they are looked up."""
    return records.by_id() if isinstance(records, Stored) else {r.id: r for r in records}


def _name_key(text: str) -> str:
    """A name as looked up: lower case, every run of other characters one space."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
