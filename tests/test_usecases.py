"""The use cases as the commands call them, with a scripted person in place of the terminal: what
they ask and tell goes through the Person they are handed."""
from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import full_answers

from runrehab.answers.gather import AnswerSources
from runrehab.history.tracking import current
from runrehab.usecases.checkin import CheckinRequest, checkin
from runrehab.usecases.triage import CheckInInstead, TriageRequest, triage

DAY = dt.date(2026, 3, 1)


class Scripted:
    """A person who answers from a script, and keeps what they were asked and told."""

    def __init__(self, answers: dict[str, Any], *, converses: bool = True, confirms: bool = False) -> None:
        self.answers, self.converses, self.confirms = answers, converses, confirms
        self.asked: list[str] = []
        self.told: list[str] = []

    def interview(self, kbase, given, stage, symptom=None):
        self.asked.append(stage)
        return {**self.answers, **given}

    def confirm(self, question):
        self.asked.append(question)
        return self.confirms

    def pick_plan(self, kbase, symptoms):
        raise AssertionError("one plan runs: nothing to pick")

    def done_and_felt(self, kbase, routine):
        self.asked.append("done")
        return [routine[0].exercise], "stiff at first"

    def say(self, message):
        self.told.append(message)

    def hint(self, message):
        self.told.append(message)


def typed_triage(kb) -> dict[str, Any]:
    return {**full_answers(kb, "tight-itb"), **{q.id: False for q in kb.questions_for("tight-itb", "triage") if q.red_flag},
            "pain_at_rest": False}


def at_terminal(*pairs: str) -> AnswerSources:
    return AnswerSources(None, pairs, at_terminal=True)


def test_a_triage_asks_through_the_person_and_keeps_the_plan(kb, tmp_path):
    person = Scripted(typed_triage(kb))
    out = triage(kb, TriageRequest(at_terminal("symptom=tight-itb"), DAY, db=tmp_path / "h.db"), person)
    assert person.asked == ["triage"]
    assert out.refused is None and out.path == tmp_path / "h.db" and out.document.symptom == "tight-itb"
    assert current(tmp_path / "h.db", "tight-itb", kb, None, "plan").plan.date == DAY


def test_a_second_triage_offers_the_check_in_and_taking_it_saves_nothing(kb, tmp_path):
    db = tmp_path / "h.db"
    triage(kb, TriageRequest(at_terminal("symptom=tight-itb"), DAY, db=db), Scripted(typed_triage(kb)))
    person = Scripted(typed_triage(kb), confirms=True)
    out = triage(kb, TriageRequest(at_terminal("symptom=tight-itb"), DAY + dt.timedelta(days=3), db=db), person)
    assert out == CheckInInstead("tight-itb")
    assert person.told[0].startswith("Saving this triage: the tight-itb plan running since 2026-03-01")
    assert person.asked[-1].startswith("Check in on the running plan instead")
    assert current(db, "tight-itb", kb, None, "plan").plan.date == DAY  # nothing new was saved


def test_without_a_person_to_ask_a_second_triage_replaces_the_plan_and_says_so(kb, tmp_path):
    db = tmp_path / "h.db"
    triage(kb, TriageRequest(at_terminal("symptom=tight-itb"), DAY, db=db), Scripted(typed_triage(kb)))
    person = Scripted(typed_triage(kb), converses=False, confirms=True)
    later = DAY + dt.timedelta(days=3)
    out = triage(kb, TriageRequest(at_terminal("symptom=tight-itb"), later, db=db), person)
    assert "is replaced by a new" in out.replaced and not [q for q in person.asked if q.startswith("Check in")]
    assert current(db, "tight-itb", kb, None, "plan").plan.date == later


def test_a_check_in_asks_through_the_person_what_was_done_and_keeps_it(kb, tmp_path):
    db = tmp_path / "h.db"
    triage(kb, TriageRequest(at_terminal("symptom=tight-itb"), DAY, db=db), Scripted(typed_triage(kb)))
    answers = {**{q.id: False for q in kb.questions_for("tight-itb", "checkin") if q.red_flag},
               "progress": "better", "pain_score": 2, "pain_at_rest": False}
    person = Scripted(answers)
    out = checkin(kb, CheckinRequest(at_terminal(), DAY + dt.timedelta(days=3), dated=True, db=db), person)
    assert person.asked == ["checkin", "done"]
    assert out.refused is None and out.path == db
    assert out.document.done == [out.document.routine[0].exercise] and out.document.note == "stiff at first"
    assert current(db, "tight-itb", kb, None, "plan").last_checkin is not None
