"""A rule base read without pydantic (rules/authored.py) is the one pydantic reads, or left to it."""
from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
import sys

import pytest
from test_stored_shapes import DELETE, changed

from runrehab.documents.record import record
from runrehab.rules import authored, models
from runrehab.rules.kb import EXERCISES_FILE, RULES_FILE, shipped_dir
from runrehab.rules.yaml_source import read_yaml_bytes

FILES = {EXERCISES_FILE: ("exercises_file", models.ExercisesFile), RULES_FILE: ("rules_file", models.RulesFile)}
# what a value is replaced by: each kind of value YAML gives, at and beyond the bounds
MUTATIONS = [None, "", "x", "Not An Id", "ok\n", 0, -1, 1, 8, 521, 10**9, True, False, 1.0, 2.5, [], ["x"], [1],
             {}, {"x": 1}, {"question": "days"}, {"all": []}]


@functools.lru_cache(maxsize=None)
def _read(name: str) -> dict:
    return read_yaml_bytes((shipped_dir() / name).read_bytes(), name).data


def _data(name: str) -> dict:
    return copy.deepcopy(_read(name))


def _small(name: str) -> dict:
    """The file with one record in each list: the models check each record on its own."""
    return {key: value[:1] if isinstance(value, list) else value for key, value in _read(name).items()}


def _pydantic(model, data):
    """pydantic's Records of `data`, or None when it refuses them."""
    from pydantic import ValidationError

    try:
        return record(model.model_validate(data))
    except ValidationError:
        return None


def test_the_authored_shapes_match_the_rule_base_models():
    from runrehab.rules.record_shapes import authored_shapes

    assert json.loads(authored.SHAPES_FILE.read_text(encoding="utf-8")) == authored_shapes(), (
        "regenerate: python -c \"import json; from runrehab.rules.record_shapes import authored_shapes; "
        "from runrehab.rules.authored import SHAPES_FILE; SHAPES_FILE.write_text(json.dumps(authored_shapes(), indent=1) + '\\n')\"")


def test_every_checked_model_has_its_invariant_and_every_computed_field_its_function():
    from runrehab.rules.invariants import COMPUTED, PROBLEMS

    shapes = authored._shapes()["models"]
    assert {name for name, spec in shapes.items() if spec["checked"]} == set(PROBLEMS)
    assert {c for spec in shapes.values() for c, _ in spec["computed"]} == set(COMPUTED)


@pytest.mark.parametrize("check", ["field", "model before"])
def test_a_model_checked_otherwise_than_after_its_fields_has_no_authored_shape(check):
    """rules/authored.py runs only the checks made once a model's fields are read: a model with any
    other stops the shapes from being written, rather than being read past its check."""
    from pydantic import field_validator, model_validator

    from runrehab.rules.record_shapes import _authored_model

    class Checked(models.Range):
        if check == "field":
            @field_validator("min")
            @classmethod
            def _positive(cls, value: int) -> int:
                return value
        else:
            @model_validator(mode="before")
            @classmethod
            def _before(cls, data):
                return data

    with pytest.raises(TypeError, match="only model validators after"):
        _authored_model(Checked, {})
    _authored_model(models.Range, {})  # checked after its fields alone: it has a shape


@pytest.mark.parametrize("name", [EXERCISES_FILE, RULES_FILE])
def test_the_shipped_files_read_without_pydantic_are_the_records_pydantic_makes(name):
    file, model = FILES[name]
    fast, slow = authored.records(file, _data(name)), _pydantic(model, _data(name))
    assert fast is not None and slow is not None
    assert fast == slow and repr(fast) == repr(slow)  # field order too: it is the JSON's


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


def _pattern(path):
    return tuple("#" if isinstance(p, int) else p for p in path)


def _covering(items):
    """Few items that between them hold every path (lists' indexes aside) that any item holds."""
    chosen, seen = [], set()
    for item in sorted(items, key=lambda i: -len(list(_paths(i)))):
        patterns = {_pattern(p) for p in _paths(item)}
        if patterns - seen:
            chosen.append(item)
            seen |= patterns
    return chosen


def _cases():
    cases = []
    for name, (file, model) in FILES.items():
        for key, items in _read(name).items():
            if not isinstance(items, list) or not items or not isinstance(items[0], dict):
                continue
            seen = set()
            for item in _covering(items):
                for path in _paths(item):
                    if _pattern(path) not in seen:
                        seen.add(_pattern(path))
                        cases.append((name, key, item, path))
    return cases


def _mutated(item, path, new):
    """`item` with the value at `path` replaced by `new` (Ellipsis: the key removed; at the top,
    an unknown key added)."""
    if not path:
        return {**item, "unknown": 1}
    return changed(item, path, DELETE if new is Ellipsis else copy.deepcopy(new))


def test_a_changed_value_anywhere_is_read_as_pydantic_reads_it_or_left_to_pydantic():
    """Each field of each kind of record (a record chosen so that every field occurs), each
    value replaced by every kind YAML gives, and removed: what is read without pydantic is what
    pydantic makes; what pydantic refuses is never read without it."""
    taken = left = 0
    for name, key, item, path in _cases():
        file, model = FILES[name]
        whole = _small(name)
        for new in [*MUTATIONS, Ellipsis] if path else [None]:
            data = {**whole, key: [_mutated(item, path, new)]}
            fast = authored.records(file, data)
            if fast is None:
                left += 1
                continue
            slow = _pydantic(model, data)
            assert slow is not None, (name, path, new)
            assert fast == slow and repr(fast) == repr(slow), (name, path, new)
            taken += 1
    assert taken > 100 and left > 1000  # both ways were taken, many times


def test_a_first_run_reads_the_shipped_rule_base_without_importing_pydantic(tmp_path):
    code = ("import sys; from runrehab.commands.options import load_kb; kb = load_kb(None); "
            "print(len(kb.rules), 'pydantic' in sys.modules)")
    env = {**os.environ, "RUNREHAB_CACHE": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split()[1] == "False"
    assert (tmp_path / "cache").is_dir() and any((tmp_path / "cache").iterdir())  # and cached it
