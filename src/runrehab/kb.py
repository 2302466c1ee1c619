"""Finding, reading and checking a rule base, with FILE:LINE:COL for every problem.

The YAML is composed into nodes (never constructed into Python objects by tag) so that every
value keeps its position, duplicate keys are refused and no tag can build an object.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import MIB, FileRefused, read_regular, shorten, why_not
from .records import Record, condition_kind, record
from .text import visible

if TYPE_CHECKING:
    from pydantic import ValidationError

EXERCISES_FILE = "exercises.yaml"
RULES_FILE = "rules.yaml"
Loc = tuple[Any, ...]

_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "float", "timestamp", "map", "seq")}
FILE_LIMIT = 4 * MIB  # a rule-base file: about 90 times the shipped rules.yaml
MAX_PROBLEMS = 200  # reported of one file; a file with more is beyond repair by a list
_SHALLOW = 200  # see _composer
_DEEP_INDENT = re.compile(r"^[ \t?:-]{%d}" % _SHALLOW, re.MULTILINE)
_BRACKET = re.compile(r"[][{}]")


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    severity: str  # "error" | "warning"
    code: str
    message: str

    def __str__(self) -> str:
        return visible(f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.code}: {self.message}")


class KbError(Exception):
    """A rule base that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"] or problems
        super().__init__(str(errors[0]) + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))


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
            key = "not" if part == "not_" else "if" if part == "if_" else part
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
    seen: set[int] = set()
    constructor = yaml.constructor.SafeConstructor()

    def at(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def fail(node: yaml.Node, code: str, message: str) -> YamlError:
        line, col = at(node)
        return YamlError(Problem(name, line, col, "error", code, message))

    def build(node: yaml.Node, path: Loc) -> Any:
        marks[path] = at(node)
        if id(node) in seen:  # a node met again is an alias: a few lines could expand without end
            raise fail(node, "yaml", "aliases (*name) are not allowed; write the value out")
        seen.add(id(node))
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
        if node.tag not in _PLAIN_TAGS:
            raise fail(node, "yaml", f"tag {node.tag!r} is not allowed; only plain data")
        try:
            return constructor.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            raise fail(node, "yaml", f"cannot read value: {exc}") from None

    try:
        loader = yaml.SafeLoader if untrusted or not _shallow(text) else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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


def _shallow(text: str) -> bool:
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


def read_rule_file(path: Path) -> bytes:
    """The bytes of a rule-base file: a regular file (a named pipe would hang, a device never
    end) of at most FILE_LIMIT bytes. FileNotFoundError and FileRefused say why not."""
    return read_regular(path, FILE_LIMIT)


def read_yaml_file(path: Path, name: str) -> SourceFile:
    try:
        raw = read_rule_file(path)
    except FileNotFoundError:
        raise YamlError(Problem(name, 1, 1, "error", "missing", f"no such file: {shorten(str(path))}")) from None
    except FileRefused as exc:
        raise YamlError(Problem(name, 1, 1, "error", "unreadable", str(exc))) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(Problem(name, line, 1, "error", "encoding", "not valid UTF-8 text")) from None
    source = read_yaml_text(text, name)
    source.sha256 = hashlib.sha256(raw).hexdigest()
    return source


# ------------------------------------------------------------------ the knowledge base


def shipped_dir() -> Path:
    """The rule base shipped inside the package (in a checkout: the top-level data/ folder)."""
    from importlib.resources import files

    packaged = Path(str(files("runrehab") / "data"))
    if (packaged / RULES_FILE).is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "data"
    if (checkout / RULES_FILE).is_file():
        return checkout
    raise KbError([Problem(str(packaged), 1, 1, "error", "missing",
                           "the shipped rule base is missing from this installation; reinstall runrehab")])


@dataclass(frozen=True)
class KnowledgeBase:
    """A checked rule base as Records (see records.py), with look-ups by id."""

    rules_file: Record
    exercises_file: Record
    directory: Path
    content_hash: str
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def exercises(self) -> dict[str, Record]:
        return {e.id: e for e in self.exercises_file.exercises}

    @cached_property
    def questions(self) -> dict[str, Record]:
        return {q.id: q for q in self.rules_file.questions}

    @cached_property
    def variables(self) -> dict[str, Record]:
        """What conditions can test: the questions and the facts worked out at check-ins."""
        return {**self.questions, **{f.id: f for f in self.rules_file.facts}}

    @cached_property
    def symptoms(self) -> dict[str, Record]:
        return {s.id: s for s in self.rules_file.symptoms}

    @cached_property
    def documents(self) -> dict[str, Record]:
        return {d.id: d for d in self.rules_file.documents}

    @property
    def rules(self) -> list[Record]:
        return self.rules_file.rules

    def voices(self, document: str) -> list[Record]:
        """Who speaks in a document (Voices: role, name, starts); a guideline that lists none
        speaks as itself."""
        doc = self.documents[document]
        if doc.voices or doc.kind != "guideline":
            return doc.voices
        return self.shared(("voices", document), lambda: [Record(role="guideline", name=doc.title, starts=[])])

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

    def shared(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """One object per key for the life of the rule base, made on first use: documents then
        share the parts that come from the rule base alone (and serialise them once)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = make()
            return value

    def rules_for(self, symptom: str, stage: str) -> tuple[Record, ...]:
        """The rules of one stage that apply to `symptom`, in file order."""
        return self.shared(("rules", symptom, stage), lambda: tuple(
            r for r in self.rules if stage in r.stages and (not r.symptoms or symptom in r.symptoms)))

    def questions_for(self, symptom: str | None, stage: str) -> tuple[Record, ...]:
        """The questions of one stage that apply to `symptom` (all symptoms when None), in
        interview order: file order, with red flags before everything but `symptom`."""
        def make() -> tuple[Record, ...]:
            qs = [q for q in self.rules_file.questions
                  if stage in q.stages and (symptom is None or not q.symptoms or symptom in q.symptoms)]
            return tuple(sorted(qs, key=lambda q: 0 if q.id == "symptom" else 1 if q.red_flag else 2))

        return self.shared(("questions", symptom, stage), make)


@contextmanager
def building() -> Iterator[None]:
    """Around the making of a rule base: it makes many objects and no garbage, which the cyclic
    garbage collector would otherwise walk again and again (for a large rule base, longer than
    the making takes). What was made lives as long as the process, so later collections skip it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def content_hash(file_digests: Iterable[str]) -> str:
    """One hash for a rule base: of the SHA-256 of each file's bytes, exercises.yaml first."""
    digest = hashlib.sha256()
    for hexdigest in file_digests:
        digest.update(hexdigest.encode())
    return digest.hexdigest()


def load(directory: Path | None = None) -> KnowledgeBase:
    """Read, validate and cross-check a rule base folder; raise KbError listing every error.

    The files are always read and hashed; when the cache holds a rule base built from exactly
    those bytes it is used, otherwise the YAML is checked in full and the result cached."""
    base = shipped_dir() if directory is None else Path(directory)
    if directory is not None:
        check_folder(base)
    try:
        files_hash = content_hash(hashlib.sha256(read_rule_file(base / name)).hexdigest()
                                  for name in (EXERCISES_FILE, RULES_FILE))
    except (OSError, FileRefused):
        files_hash = None  # read_base reports what cannot be read
    cached = _from_cache(files_hash, base) if files_hash else None
    if cached is not None:
        return cached
    with building():
        kb, problems, _ = read_base(base)
    if kb is None or any(p.severity == "error" for p in problems):
        raise KbError(sorted(problems))
    _to_cache(kb)
    return kb


# A rule base is cached as JSON, which cannot run code whoever wrote it: Records become objects,
# and the few plain mappings (worked examples' answers) a one-key object holding their pairs.
_MAPPING = "\0pairs"


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return {name: _plain(v) for name, v in vars(value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_MAPPING: [[k, _plain(v)] for k, v in value.items()]}
    return value


def _rebuilt(obj: dict[str, Any]) -> Any:
    pairs = obj.get(_MAPPING)
    if pairs is not None and len(obj) == 1:
        return {k: v for k, v in pairs}
    return Record(**obj)


def _decode(data: bytes) -> tuple[Any, ...]:
    doc = json.loads(data, object_hook=_rebuilt)
    return doc.content_hash, doc.rules_file, doc.exercises_file


def _to_cache(kb: KnowledgeBase) -> None:
    """Keep `kb` when JSON gives it back exactly (a rule base holding, say, a date is not kept)."""
    from . import cache

    doc = {"content_hash": kb.content_hash, "rules_file": _plain(kb.rules_file),
           "exercises_file": _plain(kb.exercises_file)}
    try:
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        with building():
            exact = _decode(data) == (kb.content_hash, kb.rules_file, kb.exercises_file)
    except (TypeError, ValueError, RecursionError):
        return
    if exact:
        cache.put(kb.content_hash, data)


def _from_cache(files_hash: str, base: Path) -> KnowledgeBase | None:
    from . import cache

    data = cache.get(files_hash)
    if data is None:
        return None
    with building():
        try:
            stored_hash, rules_file, exercises_file = _decode(data)
        except (ValueError, TypeError, AttributeError, RecursionError):  # a damaged entry: rebuilt
            return None
    if stored_hash != files_hash or not isinstance(rules_file, Record) or not isinstance(exercises_file, Record):
        return None
    return KnowledgeBase(rules_file, exercises_file, base, files_hash)


def check_folder(base: Path) -> None:
    """KbError unless `base` is a folder (it may still lack the files: read_base says so)."""
    try:
        if stat.S_ISDIR(os.stat(base).st_mode):
            return
        why = "not a folder holding exercises.yaml and rules.yaml"
    except OSError as exc:
        why = ("not a folder holding exercises.yaml and rules.yaml" if isinstance(exc, (FileNotFoundError, NotADirectoryError))
               else f"cannot use it: {why_not(exc)}")
    raise KbError([Problem(shorten(str(base)), 1, 1, "error", "missing", why)])


def read_base(base: Path) -> tuple[KnowledgeBase | None, list[Problem], dict[str, SourceFile]]:
    """Everything `load` checks, returned rather than raised (for `runrehab validate`), with the
    files as read so that later checks can point at lines."""
    from pydantic import ValidationError

    from .models import ExercisesFile, RulesFile

    problems: list[Problem] = []
    sources: dict[str, SourceFile] = {}
    models: dict[str, Any] = {}
    for filename, model in ((EXERCISES_FILE, ExercisesFile), (RULES_FILE, RulesFile)):
        display = _display(base / filename)
        try:
            src = read_yaml_file(base / filename, display)
        except YamlError as exc:
            problems.append(exc.problem)
            continue
        sources[filename] = src
        if not isinstance(src.data, dict):
            problems.append(src.problem((), "schema", "the file must hold a mapping (key: value pairs)"))
            continue
        try:
            models[filename] = model.model_validate(src.data)
        except ValidationError as exc:
            problems.extend(capped(src.name, _schema_problems(src, exc)))
    if len(models) < 2:
        return None, problems, sources
    digest = content_hash(sources[name].sha256 for name in (EXERCISES_FILE, RULES_FILE))
    kb = KnowledgeBase(record(models[RULES_FILE]), record(models[EXERCISES_FILE]), base, digest)
    problems.extend(capped(sources[RULES_FILE].name, check_references(kb, sources[RULES_FILE], sources[EXERCISES_FILE])))
    return kb, problems, sources


def capped(name: str, problems: Iterable[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS of one file's problems, then one line saying how many more there were."""
    kept: list[Problem] = []
    more = 0
    for problem in problems:
        if len(kept) < MAX_PROBLEMS:
            kept.append(problem)
        else:
            more += 1
    if more:
        kept.append(Problem(name, max(p.line for p in kept) + 1, 1, "error", "too-many",
                            f"{more} more problems not shown; fix the ones above first"))
    return kept


def _display(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _schema_problems(src: SourceFile, exc: ValidationError) -> Iterator[Problem]:
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        shown = ".".join(str(p) for p in loc if p not in ("all", "any", "not", "leaf") or p in ("all", "any"))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif err["type"] == "missing":
            message = f"missing required key {loc[-1]!r}"
        yield src.problem(loc, "schema", f"{shown}: {message}" if shown else message)


# ------------------------------------------------------------------ cross-references


def check_value(question: Record, value: Any) -> str | None:
    """Why `value` is not an answer `question` can take, or None. Values here are typed
    YAML/JSON data, as in conditions and worked examples."""
    if question.type == "yes_no":
        return None if isinstance(value, bool) else "expected yes or no"
    if question.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        if not question.min <= value <= question.max:  # type: ignore[operator]
            return f"{value} is outside {question.min}..{question.max}"
        return None
    if question.type == "choice":
        return None if value in question.choices else f"{value!r} is not one of {', '.join(question.choices or [])}"
    if not isinstance(value, list) or any(v not in question.choices for v in value):
        return f"expected a list of {', '.join(question.choices or [])}"
    return None


def leaves(condition: Any, loc: Loc = ()) -> Iterator[tuple[Record, Loc]]:
    kind = condition_kind(condition)
    if kind in ("all", "any"):
        for i, c in enumerate(getattr(condition, kind)):
            yield from leaves(c, (*loc, kind, i))
    elif kind == "not":
        yield from leaves(condition.not_, (*loc, "not"))
    else:
        yield condition, loc


_OPS_BY_TYPE = {
    "yes_no": {"eq", "ne"},
    "integer": {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"},
    "choice": {"eq", "ne", "in", "not_in"},
    "multi": {"contains"},
}


def _check_condition(kb: KnowledgeBase, src: SourceFile, condition: Any, loc: Loc) -> Iterator[Problem]:
    for leaf, leaf_loc in leaves(condition, loc):
        at = (*leaf_loc,)
        question = kb.variables.get(leaf.question)
        if question is None:
            yield src.problem((*at, "question"), "unknown-question", f"no question {leaf.question!r}")
            continue
        if leaf.op not in _OPS_BY_TYPE[question.type]:
            allowed = ", ".join(sorted(_OPS_BY_TYPE[question.type]))
            yield src.problem((*at, "op"), "bad-op", f"op {leaf.op!r} does not apply to {question.type} question "
                                                     f"{question.id!r} (allowed: {allowed})")
            continue
        values = leaf.value if leaf.op in ("in", "not_in") else [leaf.value]
        if leaf.op in ("in", "not_in") and not isinstance(leaf.value, list):
            yield src.problem((*at, "value"), "bad-value", f"op {leaf.op!r} needs a list of values")
            continue
        if question.type == "multi":
            values = [[leaf.value]]
        for value in values:
            why = check_value(question, value)
            if why:
                yield src.problem((*at, "value"), "bad-value", f"{question.id}: {why}")


def _check_asked(kb: KnowledgeBase, src: SourceFile, rule: Any, loc: Loc) -> Iterator[Problem]:
    """A rule may only test questions that its symptoms' interviews ask at its stages: answers to
    any other question are ignored (interview.outside), so the test could never be met."""
    for leaf, leaf_loc in leaves(rule.when, (*loc, "when")):
        question = kb.questions.get(leaf.question)
        if question is None:
            continue  # a fact, or an unknown id (reported by _check_condition)
        if not any(question in kb.questions_for(symptom, stage)
                   for symptom in rule.symptoms or kb.symptoms for stage in rule.stages):
            yield src.problem((*leaf_loc, "question"), "not-asked",
                              f"rule {rule.id} tests {question.id!r}, which is not asked for "
                              f"{', '.join(rule.symptoms) or 'any symptom'} at {', '.join(rule.stages)}; "
                              "an answer to it is ignored, so the rule could never fire")


def _duplicates(items: list[Any], src: SourceFile, loc: Loc, what: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            yield src.problem((*loc, i, "id"), "duplicate-id", f"{what} id {item.id!r} is used twice")
        seen.add(item.id)


def check_references(kb: KnowledgeBase, rules: SourceFile, exercises: SourceFile) -> Iterator[Problem]:
    rf = kb.rules_file
    yield from _duplicates(kb.exercises_file.exercises, exercises, ("exercises",), "exercise")
    yield from _duplicates(rf.documents, rules, ("documents",), "document")
    yield from _duplicates(rf.symptoms, rules, ("symptoms",), "symptom")
    yield from _duplicates(rf.questions, rules, ("questions",), "question")
    yield from _duplicates(rf.facts, rules, ("facts",), "fact")
    for i, fact in enumerate(rf.facts):
        if fact.id in kb.questions:
            yield rules.problem(("facts", i, "id"), "duplicate-id", f"fact {fact.id!r} has the id of a question")
    yield from _duplicates(rf.rules, rules, ("rules",), "rule")

    def cite(src: SourceFile, citation: Any, loc: Loc) -> Iterator[Problem]:
        if citation is None:
            return
        doc = kb.documents.get(citation.document)
        if doc is None:
            yield src.problem((*loc, "document"), "unknown-document", f"no document {citation.document!r} under `documents`")
        elif kb.voice(citation) is None:
            roles = ", ".join(v.role for v in kb.voices(doc.id))
            if citation.voice is None:
                yield src.problem(loc, "missing-voice", f"document {doc.id!r} has several voices; say whose words "
                                                        f"these are with `voice` ({roles})")
            else:
                yield src.problem((*loc, "voice"), "unknown-voice", f"document {doc.id!r} has no {citation.voice} "
                                                                   f"voice (its voices: {roles})")

    def runner_only(citations: list[Any]) -> bool:
        voices = [kb.voice(c) for c in citations if c.document in kb.documents]
        return bool(voices) and all(v is not None and v.role == "runner" for v in voices)

    def symptoms(ids: list[str], loc: Loc) -> Iterator[Problem]:
        for i, sid in enumerate(ids):
            if sid not in kb.symptoms:
                yield rules.problem((*loc, i), "unknown-symptom", f"no symptom {sid!r}")

    for i, ex in enumerate(kb.exercises_file.exercises):
        for j, citation in enumerate(ex.sources):
            yield from cite(exercises, citation, ("exercises", i, "sources", j))
        if runner_only(ex.sources):
            yield exercises.problem(("exercises", i, "sources"), "runner-only",
                                    f"exercise {ex.id} cites only the runner's words: a runner's report is context, "
                                    f"not advice; cite who prescribed it and its dose")

    symptom_q = kb.questions.get("symptom")
    if symptom_q is None:
        yield rules.problem(("questions",), "missing-question", "the `symptom` question is missing")
    elif symptom_q.type != "choice" or set(symptom_q.choices or []) != set(kb.symptoms):
        yield rules.problem(("questions", rf.questions.index(symptom_q), "choices"), "symptom-choices",
                            "the `symptom` question's choices must be exactly the symptom ids")

    for i, q in enumerate(rf.questions):
        loc = ("questions", i)
        yield from symptoms(q.symptoms, (*loc, "symptoms"))
        yield from cite(rules, q.source, (*loc, "source"))
        if q.red_flag and q.source is None:
            yield rules.problem(loc, "missing-source", f"red-flag question {q.id!r} must cite its guideline")
        if q.required and q.default is not None:
            yield rules.problem((*loc, "default"), "bad-default", "a required question takes no default")
        if not q.required and not q.red_flag and q.default is None:
            yield rules.problem(loc, "missing-default", f"question {q.id!r} is optional, so it needs a `default`")
        if q.default is not None:
            why = check_value(q, q.default)
            if why:
                yield rules.problem((*loc, "default"), "bad-default", f"{q.id}: {why}")
        if q.ask_if is not None:
            yield from _check_condition(kb, rules, q.ask_if, (*loc, "ask_if"))

    for i, rule in enumerate(rf.rules):
        loc = ("rules", i)
        yield from symptoms(rule.symptoms, (*loc, "symptoms"))
        yield from cite(rules, rule.source, (*loc, "source"))
        if rule.then.routine and runner_only([rule.source]):
            yield rules.problem((*loc, "source"), "runner-only",
                                f"rule {rule.id} prescribes a routine on the runner's words alone: a runner's report "
                                f"is context, not advice; cite who prescribed it")
        if rule.when is not None:
            yield from _check_condition(kb, rules, rule.when, (*loc, "when"))
            yield from _check_asked(kb, rules, rule, loc)
        for j, item in enumerate(rule.then.routine):
            if item.exercise not in kb.exercises:
                yield rules.problem((*loc, "then", "routine", j, "exercise"), "unknown-exercise",
                                    f"no exercise {item.exercise!r} in exercises.yaml")
        for j, ex_id in enumerate(rule.then.remove):
            if ex_id not in kb.exercises:
                yield rules.problem((*loc, "then", "remove", j), "unknown-exercise", f"no exercise {ex_id!r} in exercises.yaml")
        for j, example in enumerate(rule.examples):
            for part, given in (("answers", example.answers), ("plan", example.plan or {})):
                for qid in given:
                    if qid not in (kb.variables if part == "answers" else kb.questions):
                        yield rules.problem((*loc, "examples", j, part, qid), "unknown-question", f"no question {qid!r}")
            if ("checkin" in rule.stages) != (example.plan is not None) and rule.stages != ["triage", "checkin"]:
                yield rules.problem((*loc, "examples", j), "example",
                                    "check-in rules' examples need a `plan` (the triage answers); triage rules' take none")
            for k, ex_id in enumerate(example.expect.routine or []):
                if ex_id not in kb.exercises:
                    yield rules.problem((*loc, "examples", j, "expect", "routine", k), "unknown-exercise",
                                        f"no exercise {ex_id!r} in exercises.yaml")
