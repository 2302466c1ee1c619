"""A condition leaf, compiled, holds as its operator says, and never on a question left unanswered."""
from __future__ import annotations

import pytest

from runrehab.documents.record import Record
from runrehab.rules.conditions import compiled, possible

LEAVES = [  # op, value, the answers, whether the leaf holds
    ("eq", True, {"q": True}, True),
    ("eq", True, {"q": False}, False),
    ("eq", True, {}, False),  # unanswered
    ("eq", True, {"other": True}, False),
    ("eq", 3, {"q": "3"}, False),  # an answer of another type
    ("eq", 3, {"q": 3}, True),
    ("eq", "calf", {"q": "calf"}, True),
    ("eq", ["a", "b"], {"q": ["a", "b"]}, True),
    ("ne", True, {}, False),
    ("ne", True, {"q": False}, True),
    ("lt", 3, {"q": "x"}, False),
    ("ge", 3, {"q": 3}, True),
    ("contains", "a", {}, False),
]


@pytest.mark.parametrize("op, value, answers, holds", LEAVES)
def test_a_leaf_holds_as_its_operator_says_and_not_when_unanswered(op, value, answers, holds):
    leaf = Record(question="q", op=op, value=value)
    assert compiled(leaf)(answers) is holds
    assert compiled(Record(all=[leaf]))(answers) is holds
    assert compiled(Record(not_=leaf))(answers) is not holds
    if "q" in answers:  # three-valued: what is known settles it alike
        assert possible(leaf, answers) is holds
