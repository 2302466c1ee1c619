"""Finding, reading and checking a rule base folder, with FILE:LINE:COL for every problem, and
keeping what was checked in the cache (as JSON, keyed by the files' bytes)."""
from __future__ import annotations

import gc
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache.store import sha256
from ..documents.record import record
from ..errors import FileRefused, KbError
from ..files import MIB, read_regular, shorten, why_not
from .kb import EXERCISES_FILE, RULES_FILE, KnowledgeBase, shipped_dir

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .yaml_source import Problem, SourceFile

# A warm start takes the rule base from the cache: the YAML reader and the checks are imported
# only when the files are read and checked.

FILE_LIMIT = 4 * MIB  # a rule-base file: about 90 times the shipped rules.yaml
MAX_PROBLEMS = 200  # reported of one file; a file with more is beyond repair by a list
# The rule bases opened from the cache by this process, by entry and version: a command that loads
# its rule base twice (a triage that becomes a check-in) reads and checks the entry once.
_OPENED: dict[tuple[Any, ...], KnowledgeBase] = {}


def read_rule_file(path: Path) -> bytes:
    """The bytes of a rule-base file: a regular file (a named pipe would hang, a device never
    end) of at most FILE_LIMIT bytes. FileNotFoundError and FileRefused say why not."""
    return read_regular(path, FILE_LIMIT)


def read_yaml_file(path: Path, name: str) -> SourceFile:
    from .yaml_source import Problem, YamlError, read_yaml_bytes

    try:
        raw = read_rule_file(path)
    except FileNotFoundError:
        raise YamlError(Problem(name, 1, 1, "error", "missing", f"no such file: {shorten(str(path))}")) from None
    except FileRefused as exc:
        raise YamlError(Problem(name, 1, 1, "error", "unreadable", str(exc))) from None
    return read_yaml_bytes(raw, name)


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


@contextmanager
def batching(threshold: int = 20_000) -> Iterator[None]:
    """Around a batch: what was made before it (the rule base, the modules) is left out of the
    cyclic garbage collector's walks, and the collector runs after `threshold` new objects rather
    than 700. A batch makes many short-lived objects that reference counting frees and few cycles;
    with a large rule base, whose records are read as cases need them, the default walks took a
    fifth of the time."""
    first, *rest = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(first, threshold), *rest)
    try:
        yield
    finally:
        gc.set_threshold(first, *rest)


def content_hash(file_digests: Iterable[str]) -> str:
    """One hash for a rule base: of the SHA-256 of each file's bytes, exercises.yaml first."""
    digest = sha256()
    for hexdigest in file_digests:
        digest.update(hexdigest.encode())
    return digest.hexdigest()


# Checks that run the rules (engine.validation.refusals, handed in by the command layer, which comes
# after the engine): the problems of a rule base read and cross-checked, with its files as read.
Vet = Callable[[KnowledgeBase, "dict[str, SourceFile]"], "list[Problem]"]


def load(directory: Path | None = None, vet: Vet | None = None) -> KnowledgeBase:
    """Read, validate and cross-check a rule base folder, and `vet` it when given; raise KbError
    listing every error.

    The files are always read and hashed; when the cache holds a rule base built from exactly
    those bytes (and vetted, with `vet`) it is used, otherwise the YAML is checked in full and the
    result cached: the checks run once for each content."""
    base = shipped_dir() if directory is None else Path(directory)
    if directory is not None:
        check_folder(base)
    try:
        files_hash = content_hash(sha256(read_rule_file(base / name)).hexdigest()
                                  for name in (EXERCISES_FILE, RULES_FILE))
    except (OSError, FileRefused):
        files_hash = None  # read_base reports what cannot be read
    cached = _from_cache(files_hash, base, vet is not None) if files_hash else None
    if cached is not None:
        return cached
    with building():
        kb, problems, sources = read_base(base)
    if kb is None or any(p.severity == "error" for p in problems):
        raise KbError(sorted(problems))
    if vet is not None:
        problems += vet(kb, sources)
        if any(p.severity == "error" for p in problems):
            raise KbError(sorted(problems))
    _to_cache(kb, vet is not None)
    return kb


def _key(files_hash: str, vetted: bool) -> str:
    """The cache key of a rule base: one vetted is kept apart from one only read and cross-checked."""
    return f"vetted {files_hash}" if vetted else files_hash


def _to_cache(kb: KnowledgeBase, vetted: bool) -> None:
    """Keep `kb` when the entry gives it back exactly (a rule base holding, say, a date is not kept)."""
    from ..cache import store as cache
    from .cached import encoded

    try:
        data = encoded(kb.content_hash, {"rules_file": kb.rules_file, "exercises_file": kb.exercises_file})
    except (TypeError, ValueError, RecursionError):
        return
    cache.put(_key(kb.content_hash, vetted), data)


def _from_cache(files_hash: str, base: Path, vetted: bool) -> KnowledgeBase | None:
    """The rule base of these files as the cache keeps it (vetted or not), its records read as
    they are needed; None when there is none, or what there is is damaged."""
    from ..cache import store as cache
    from .cached import Damaged, opened

    data = cache.held(_key(files_hash, vetted))
    if data is None:
        return None
    seen = (_key(files_hash, vetted), str(base), data.identity())
    if (kb := _OPENED.get(seen)) is not None:  # this very entry, opened before by this process
        return kb
    try:
        files = opened(data, files_hash, _recovery(base, files_hash, vetted))
    except Damaged:
        return None
    if len(_OPENED) >= 4:
        _OPENED.clear()
    kb = _OPENED[seen] = KnowledgeBase(files["rules_file"], files["exercises_file"], base, files_hash)
    return kb


def _recovery(base: Path, files_hash: str, vetted: bool) -> Callable[[str, str], Any]:
    """What makes a list of the rule base afresh from its files, for a cached record found
    damaged: the files read and checked once more (and cached again; the same bytes were vetted
    when the entry was made)."""
    made: list[KnowledgeBase] = []

    def recover(file: str, field: str) -> Any:
        if not made:
            with building():
                kb, problems, _ = read_base(base)
            if kb is None or any(p.severity == "error" for p in problems):
                raise KbError(sorted(problems))
            if kb.content_hash != files_hash:
                raise KbError([_changed(base)])
            _to_cache(kb, vetted)
            made.append(kb)
        return getattr(getattr(made[0], file), field)
    return recover


def _changed(base: Path) -> Problem:
    from .yaml_source import Problem

    return Problem(shorten(str(base)), 1, 1, "error", "changed",
                   "the rule base changed while it was being read; run the command again")


def check_folder(base: Path) -> None:
    """KbError unless `base` is a folder (it may still lack the files: read_base says so)."""
    try:
        if stat.S_ISDIR(os.stat(base).st_mode):
            return
        why = "not a folder holding exercises.yaml and rules.yaml"
    except OSError as exc:
        why = ("not a folder holding exercises.yaml and rules.yaml" if isinstance(exc, (FileNotFoundError, NotADirectoryError))
               else f"cannot use it: {why_not(exc)}")
    from .yaml_source import Problem

    raise KbError([Problem(shorten(str(base)), 1, 1, "error", "missing", why)])


def read_base(base: Path) -> tuple[KnowledgeBase | None, list[Problem], dict[str, SourceFile]]:
    """Everything `load` checks, returned rather than raised (for `runrehab validate`), with the
    files as read so that later checks can point at lines."""
    from .authored import records
    from .checks import check_references
    from .yaml_source import YamlError

    problems: list[Problem] = []
    sources: dict[str, SourceFile] = {}
    made: dict[str, Any] = {}
    for filename, file in ((EXERCISES_FILE, "exercises_file"), (RULES_FILE, "rules_file")):
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
        made[filename] = records(file, src.data)  # None: the models read it, and say what is wrong
        if made[filename] is None:
            made[filename] = _modelled(file, src, problems)
    if len(made) < 2 or None in made.values():
        return None, problems, sources
    digest = content_hash(sources[name].sha256 for name in (EXERCISES_FILE, RULES_FILE))
    kb = KnowledgeBase(made[RULES_FILE], made[EXERCISES_FILE], base, digest)
    problems.extend(capped(sources[RULES_FILE].name, check_references(kb, sources[RULES_FILE], sources[EXERCISES_FILE])))
    return kb, problems, sources


def _modelled(file: str, src: SourceFile, problems: list[Problem]) -> Any:
    """The Records of a file as its pydantic model reads it; None, and its problems added to
    `problems`, when the model refuses it."""
    from pydantic import ValidationError

    from .models import ExercisesFile, RulesFile

    try:
        return record((RulesFile if file == "rules_file" else ExercisesFile).model_validate(src.data))
    except ValidationError as exc:
        problems.extend(capped(src.name, _schema_problems(src, exc)))
        return None


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
        from .yaml_source import Problem

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


