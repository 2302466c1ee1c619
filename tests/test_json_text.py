"""Documents as JSON text (records.to_json): the very text json.dumps(indent=2) gives, whatever
the nesting, keys and scalars."""
from __future__ import annotations

import datetime as dt
import json

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from runrehab.documents.as_json import _json_default, to_json
from runrehab.documents.record import Record

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8),
                    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)))
KEYS = st.one_of(st.text(max_size=6), st.integers(-5, 5), st.booleans(), st.none(), st.floats(allow_nan=False))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple), st.dictionaries(KEYS, inner, max_size=4),
    st.builds(lambda a, b: Record(value=a, if_=b), inner, inner)), max_leaves=25)


@settings(max_examples=examples(400), deadline=None)
@given(VALUES)
def test_to_json_writes_what_json_dumps_writes(value):
    assert to_json(value) == json.dumps(value, ensure_ascii=False, indent=2, default=_json_default)
