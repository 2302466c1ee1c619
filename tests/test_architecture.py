"""The shape of the package: data flows one way, with no import cycle, and no module too long
to read in one sitting."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "runrehab"
MODULES = {".".join(f.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): f
           for f in sorted(PACKAGE.rglob("*.py"))}
# The edges: the history, the terminal, rendering and the command line. The core never reaches them.
EDGES = {name for name in MODULES if name.split(".")[1:2] in (["commands"], ["terminal"], ["history"], ["render"],
                                                               ["entry"], ["streams"])}
CORE = sorted(name for name in MODULES if name.split(".")[1:2] in (["rules"], ["engine"], ["documents"],
                                                                   ["errors"], ["safe_text"], ["answers"], ["cache"]))
MOST_LINES = 360


def imports(name: str) -> set[str]:
    """The runrehab modules `name` imports, at its top or inside functions (not for type checking)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = list(ast.walk(tree))
    typing_only = {id(n) for node in nodes if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for n in ast.walk(node)}
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level and id(node) not in typing_only:
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {m for m in found if m in MODULES and m != name}


class _Graph(dict):
    """What each module imports, read when a test first asks (a test process may need few)."""

    def __missing__(self, name: str) -> set[str]:
        self[name] = found = imports(name)
        return found


GRAPH = _Graph()


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in GRAPH[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_no_module_imports_itself_back_through_others():
    cycles = sorted(name for name in MODULES if name in reachable(name))
    assert not cycles, f"import cycles through: {', '.join(cycles)}"


@pytest.mark.parametrize("name", CORE)
def test_the_core_never_reaches_the_history_the_terminal_or_the_views(name):
    assert not reachable(name) & EDGES, sorted(reachable(name) & EDGES)


def test_the_cache_imports_nothing_of_runrehab():
    assert GRAPH["runrehab.cache.store"] == set()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_reads_in_one_sitting(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_LINES, f"{name} has {lines} lines"


HEAVY = ("pydantic", "yaml", "rich")
PROBE = """
import sys
from runrehab.entry import main
sys.argv = ["runrehab", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
finally:
    print("loaded:", *sorted(m for m in %r if m in sys.modules), file=sys.stderr)
""" % (HEAVY,)


def heavy_imports(tmp_path: Path, *args: str) -> str:
    import os
    import subprocess
    import sys

    env = {**os.environ, "RUNREHAB_CACHE": str(tmp_path / "cache"), "RUNREHAB_DB": str(tmp_path / "h.db")}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()[-1].removeprefix("loaded:").strip()


def test_commands_that_only_apply_rules_or_read_the_history_never_load_pydantic_yaml_or_rich(tmp_path, kb):
    import json

    from conftest import full_answers

    (tmp_path / "triage.json").write_text(json.dumps(full_answers(kb, "tight-itb")))
    checkin = {q.id: False for q in kb.questions_for("tight-itb", "checkin") if q.red_flag}
    (tmp_path / "checkin.json").write_text(json.dumps({**checkin, "progress": "better", "pain_score": 2}))
    triage = ["triage", "--date", "2026-03-01", "--answers", str(tmp_path / "triage.json"), "--json"]
    heavy_imports(tmp_path, *triage)  # the first run reads the YAML and fills the cache
    for args in (["--version"], ["exercise", "clamshell", "--json"], triage, ["plan", "--json", "--date", "2026-03-04"],
                 ["checkin", "--json", "--date", "2026-03-04", "--answers", str(tmp_path / "checkin.json")],
                 ["history", "--json"]):
        assert heavy_imports(tmp_path, *args) == "", args


# The folders by layer, lowest first: a module may import from its own folder and from any folder of
# a lower layer, never from one of its own layer or above. Top-level modules count as folders of
# their own; `runrehab` is the package itself (its version).
LAYERS = [
    {"runrehab", "safe_text", "cache", "collector"},
    {"errors", "documents"},
    {"files"},
    {"streams", "rules"},
    {"engine"},
    {"batch", "history", "answers", "schemas", "render"},
    {"terminal", "usecases"},  # side by side: a use case asks through the Person it is handed, never a terminal
    {"commands"},
    {"entry", "__main__"},
]
LAYER_OF = {folder: rank for rank, folders in enumerate(LAYERS) for folder in folders}


def folder_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_every_module_lives_in_a_folder_of_a_layer():
    assert {folder_of(name) for name in MODULES} <= set(LAYER_OF), sorted({folder_of(n) for n in MODULES} - set(LAYER_OF))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_the_layers(name):
    upward = sorted(target for target in GRAPH[name] if folder_of(target) != folder_of(name)
                    and LAYER_OF[folder_of(target)] >= LAYER_OF[folder_of(name)])
    assert not upward, f"{name} imports {upward}: a folder of its own layer or above"


def test_only_the_use_cases_and_the_commands_reach_the_batch_machinery():
    reaching = sorted(name for name in MODULES if folder_of(name) not in {"batch", "usecases", "commands", "entry"}
                      and any(folder_of(m) == "batch" for m in reachable(name)))
    assert not reaching, reaching
