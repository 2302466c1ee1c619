"""YAML (and JSON) read into plain data that remembers where each value was: FILE:LINE:COL.

The YAML is composed into nodes (never constructed into Python objects by tag) so that every
value keeps its position, duplicate keys are refused and no tag can build an object. The rule
base and answers files are both read here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..cache.store import sha256
from ..documents.kinds import Problem
from ..documents.vocabulary import KEYWORD_FIELDS

Loc = tuple[Any, ...]

_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "float", "timestamp", "map", "seq")}
# YAML 1.1 reads 017 as 15, 1:30 as 90 and 1_0 as 10: a whole number is read only when written
# in decimal digits (017 is 17, as in YAML 1.2), and a number written with `_` or `:` is text.
_INT, _FLOAT, _STR = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:str"
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_SHALLOW = 200  # see shallow_enough
_DEEP_INDENT = re.compile(r"^[ \t?:-]{%d}" % _SHALLOW, re.MULTILINE)
_BRACKET = re.compile(r"[][{}]")


class YamlError(Exception):
    """A YAML document that cannot be read; `problem` says where."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class SourceFile:
    """A YAML file read into plain data, with the position of every node."""

    name: str
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    sha256: str = ""  # of the file's bytes, when read from a file

    def locate(self, loc: Iterable[Any]) -> tuple[int, int]:
        """Line and column of the deepest node of `loc` that exists (pydantic's loc may add
        union tags or field names absent from the data; those are skipped)."""
        node, path = self.data, ()
        for part in loc:
            key = KEYWORD_FIELDS.get(part, part) if isinstance(part, str) else part
            if isinstance(node, dict) and key in node:
                node, path = node[key], (*path, key)
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node, path = node[key], (*path, key)
        return self.marks.get(path, (1, 1))

    def problem(self, loc: Iterable[Any], code: str, message: str, severity: str = "error") -> Problem:
        line, col = self.locate(loc)
        return Problem(self.name, line, col, severity, code, message)


def read_yaml_text(text: str, name: str, *, untrusted: bool = False) -> SourceFile:
    """Parse YAML (or JSON) text; raise YamlError naming the line on syntax errors, duplicate keys,
    aliases, or tags that are not plain data. `untrusted` text (answers from anyone) is composed
    by PyYAML's Python code, which stops at Python's recursion limit: libyaml's C composer has no
    limit and overruns the C stack on collections nested tens of thousands deep."""
    import yaml

    marks: dict[Loc, tuple[int, int]] = {}
    seen: set[yaml.Node] = set()  # the nodes themselves (hashed by identity), kept while the file is read
    constructor = yaml.constructor.SafeConstructor()

    def at(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def fail(node: yaml.Node, code: str, message: str) -> YamlError:
        line, col = at(node)
        return YamlError(Problem(name, line, col, "error", code, message))

    def build(node: yaml.Node, path: Loc) -> Any:
        marks[path] = at(node)
        if node in seen:  # a node met again is an alias: a few lines could expand without end
            raise fail(node, "yaml", "aliases (*name) are not allowed; write the value out")
        seen.add(node)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise fail(node, "yaml", f"tag {node.tag!r} is not allowed; only plain data")
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    raise fail(key_node, "yaml", "keys must be plain values (no merge keys or nested keys)")
                key = scalar(key_node)
                if not isinstance(key, (str, int, bool)):
                    raise fail(key_node, "yaml", f"key {key!r} is not text")
                if key in out:
                    raise fail(key_node, "duplicate-key", f"duplicate key {key!r} (the earlier value would be lost)")
                out[key] = build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*path, i)) for i, item in enumerate(node.value)]
        return scalar(node)

    def scalar(node: yaml.Node) -> Any:
        if node.tag == _STR:  # most of a rule base: what PyYAML's constructor would give, without its bookkeeping
            return node.value
        if node.tag not in _PLAIN_TAGS:
            raise fail(node, "yaml", f"tag {node.tag!r} is not allowed; only plain data")
        if (node.tag == _INT and not _DECIMAL.fullmatch(node.value)) \
                or (node.tag == _FLOAT and ("_" in node.value or ":" in node.value)):
            return node.value
        try:
            return int(node.value, 10) if node.tag == _INT else constructor.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            raise fail(node, "yaml", f"cannot read value: {exc}") from None

    try:
        loader = yaml.SafeLoader if untrusted or not shallow_enough(text) else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(Problem(name, line, col, "error", "yaml", str(exc.problem or exc.context))) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(name, 1, 1, "error", "yaml", str(exc).splitlines()[0])) from None
    except RecursionError:
        raise YamlError(Problem(name, 1, 1, "error", "yaml", "nested too deeply")) from None
    try:
        data = None if root is None else build(root, ())
    except RecursionError:
        raise YamlError(Problem(name, 1, 1, "error", "yaml", "nested too deeply")) from None
    return SourceFile(name, data, marks)


def shallow_enough(text: str) -> bool:
    """Whether `text` surely nests less than about 3 x _SHALLOW deep, so that libyaml's C composer
    (which recurses without limit) may read it. A block collection nests deeper only by a deeper
    indent or leading `- `, `? `, `: ` indicators; a flow collection only by an open bracket.
    Brackets inside quoted text count too: a file that fails this merely goes the slower way."""
    if _DEEP_INDENT.search(text):
        return False
    if text.count("[") + text.count("{") < _SHALLOW:
        return True
    depth = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth >= _SHALLOW:
            return False
    return True


def read_yaml_bytes(raw: bytes, name: str) -> SourceFile:
    """A file's bytes as YAML: UTF-8 text or YamlError naming the line; the SourceFile keeps their SHA-256."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(Problem(name, line, 1, "error", "encoding", "not valid UTF-8 text")) from None
    source = read_yaml_text(text, name)
    source.sha256 = sha256(raw).hexdigest()
    return source
