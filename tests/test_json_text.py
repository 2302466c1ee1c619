"""Documents as JSON text (records.to_json): the very text json.dumps(indent=2) gives, whatever
the nesting, keys and scalars."""
from __future__ import annotations

import datetime as dt
import json
import sys

from conftest import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from runrehab.documents.as_json import KeptJson, _json_default, to_json
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


KEPT = st.lists(st.dictionaries(st.text(max_size=4), st.integers(), max_size=3), max_size=3).map(
    lambda data: KeptJson([json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in data], lambda: data))
HOLDING_KEPT = st.recursive(st.one_of(SCALARS, KEPT), lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=12)


def kept_laid_out(value):
    """What to_json writes for `value`: json.dumps(indent=2), each KeptJson's texts as they are, a
    line each, at the indentation of the line that holds it."""
    kept = []

    def marked(v):
        if type(v) is KeptJson:
            kept.append(v.texts)
            return f"\0kept{len(kept) - 1}\0"
        if isinstance(v, dict):
            return {k: marked(x) for k, x in v.items()}
        return [marked(x) for x in v] if isinstance(v, list) else v
    text = json.dumps(marked(value), ensure_ascii=False, indent=2, default=_json_default)
    for n, texts in enumerate(kept):
        mark = json.dumps(f"\0kept{n}\0")
        line = next(line for line in text.split("\n") if mark in line)
        pad = line[:len(line) - len(line.lstrip(" "))]
        inner = pad + "  "
        text = text.replace(mark, "[]" if not texts else "[\n" + inner + (",\n" + inner).join(texts) + "\n" + pad + "]")
    return text


@settings(max_examples=examples(300), deadline=None)
@given(HOLDING_KEPT)
@example({"\x85": KeptJson(["{}"], lambda: [{}])})  # a key with a character str.splitlines ends a line at
def test_kept_texts_are_written_as_they_are_wherever_they_sit(value):
    assert to_json(value) == kept_laid_out(value)


def test_a_document_given_in_pieces_is_written_whole_in_blocks(capsys, monkeypatch):
    """A long document (a year of check-ins) leaves stdout in its pieces' order, in blocks of about
    64 KiB rather than joined whole; with no text of its own, a KeptJson is written from its
    documents."""
    from runrehab.documents.as_json import json_parts
    from runrehab.render import write_json

    kept = [json.dumps({"n": n, "note": "é" * (n % 7)}, ensure_ascii=False, separators=(",", ":")) for n in range(3000)]
    doc = {"plan": "x", "checkins": KeptJson(kept, lambda: [json.loads(t) for t in kept])}
    written: list[int] = []
    real = sys.stdout.write
    monkeypatch.setattr(sys.stdout, "write", lambda text: written.append(len(text)) or real(text))
    write_json(json_parts(doc))
    assert capsys.readouterr().out == to_json(doc) + "\n"
    assert len(written) > 1 and max(written) < (1 << 16) + 200
    assert to_json({"checkins": KeptJson(None, lambda: [{"n": 1}])}) == to_json({"checkins": [{"n": 1}]})
