"""Measure runrehab against its speed and memory targets; exit 1 when one is missed.

    python benchmarks/run.py                  # builds the wheel and installs it in a fresh venv
    python benchmarks/run.py --venv .venv     # measures what is installed in an existing venv

Start-up times are medians of interleaved runs (stack, A, B, C, stack, A, ...), each compared with
importing the stack alone (`import typer, rich.console, pydantic, yaml`) in the same venv, so the
figures hold on a slower or busier machine too. Every command runs with a warm rule-base cache in
a folder of this run; the cold figure (no cache) is shown for information.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALE_KB = Path(__file__).resolve().parent / "scale_kb.py"  # run with the venv's Python, which has PyYAML
STACK = "import typer, rich.console, pydantic, yaml"


@dataclass
class Run:
    seconds: float
    stdout: bytes
    first_line_seconds: float | None


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Run `cmd` to its end: wall time, stdout, and when the first line of stdout arrived."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, cwd=cwd)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    first_at = time.perf_counter() - start if first else None
    rest = proc.stdout.read()
    code = proc.wait()
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"benchmark: {' '.join(cmd)} exited {code}")
    return Run(elapsed, first + rest, first_at)


_RSS_PROBE = """
import os, subprocess, sys
with open(os.devnull, "wb") as null:
    proc = subprocess.Popen(sys.argv[1:], stdout=null, stderr=null)
    _, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_rss_kb(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> int:
    """Peak memory of `cmd` in KiB. A child's peak includes what its parent held when it forked,
    so the command is started by a small process of its own rather than by this one."""
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE, *cmd], env=env, cwd=cwd, check=True,
                         capture_output=True, text=True)
    code, rss = map(int, out.stdout.split())
    if code != 0:
        raise SystemExit(f"benchmark: {' '.join(cmd)} exited {code}")
    return rss


def interleaved(commands: dict[str, list[str]], rounds: int, env: dict[str, str], cwd: Path) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            times[name].append(run(cmd, env, cwd).seconds)
    return {name: statistics.median(t) for name, t in times.items()}


# ------------------------------------------------------------------ cases


def make_cases(questions: list[dict], count: int, seed: int = 7) -> list[dict]:
    """`count` distinct, complete triage answer sets: every symptom, every band, a few red flags."""
    rng = random.Random(seed)
    symptoms = next(q for q in questions if q["id"] == "symptom")["choices"]
    asked = {s: [q for q in questions if "triage" in q["stages"] and q["id"] != "symptom"
                 and (not q["symptoms"] or s in q["symptoms"])] for s in symptoms}

    def answer(q: dict) -> object:
        if q["red_flag"]:
            return "yes" if rng.random() < 0.02 else "no"
        if q["type"] == "yes_no":
            return rng.choice(["yes", "no"])
        if q["type"] == "integer":
            return rng.randint(q["min"], q["max"])
        if q["type"] == "choice":
            return rng.choice(q["choices"])
        return ",".join(c for c in q["choices"] if rng.random() < 0.5)

    seen: set[str] = set()
    cases: list[dict] = []
    while len(cases) < count:
        symptom = rng.choice(symptoms)
        case = {"symptom": symptom, **{q["id"]: answer(q) for q in asked[symptom]}}
        key = json.dumps(case, sort_keys=True)
        if key not in seen:
            seen.add(key)
            cases.append(case)
    return cases


def write_jsonl(cases: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


# ------------------------------------------------------------------ report


@dataclass
class Row:
    target: str
    figure: float
    bound: float | None
    unit: str

    @property
    def ok(self) -> bool:
        return self.bound is None or self.figure <= self.bound


def report(rows: list[Row]) -> bool:
    width = max(len(r.target) for r in rows)
    print(f"\n{'target':<{width}}  {'figure':>10}  {'bound':>10}")
    for r in rows:
        bound = f"{r.bound:.2f}{r.unit}" if r.bound is not None else "-"
        verdict = "" if r.bound is None else "ok" if r.ok else "MISSED"
        print(f"{r.target:<{width}}  {r.figure:>9.2f}{r.unit}  {bound:>10}  {verdict}")
    return all(r.ok for r in rows)


# ------------------------------------------------------------------ setup


def install(work: Path) -> Path:
    """Build the wheel of this checkout and install it in a fresh venv; return the venv."""
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(wheels.glob("runrehab-*.whl"))
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True)
    return venv


_SCALE_PROBE = """
import json, sys, time
from pathlib import Path
from runrehab.kb import building, load, read_base
from runrehab.validate import validate
what, base, warm = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

def cold(where):
    with building():
        read_base(where)

cold(warm)  # imports and pydantic's validators are made once per process: not part of the figure
steps = {"load": lambda: cold(base), "cached_load": lambda: load(base), "validate": lambda: validate(base)}
if what == "cached_load":
    load(base)
start = time.perf_counter()
steps[what]()
print(time.perf_counter() - start)
"""


def probe_scale(python: Path, base: Path, warm: Path, repeat: int, env: dict[str, str], cwd: Path) -> dict:
    """Load (YAML read and checked), cached load and validate of one rule base: each in a fresh
    process (one run would slow the next as the heap grows), the best of `repeat`."""
    out: dict[str, float] = {}
    for what in ("load", "cached_load", "validate"):
        times = [float(subprocess.run([str(python), "-c", _SCALE_PROBE, what, str(base), str(warm)], env=env, cwd=cwd,
                                      check=True, capture_output=True, text=True).stdout) for _ in range(repeat)]
        out[what] = min(times)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="an existing venv with runrehab installed (default: build one)")
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds for start-up times (default 21)")
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the batch (default 10000)")
    parser.add_argument("--factor", type=int, default=50, help="size of the large rule base (default 50)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="runrehab-bench-") as tmp:
        work = Path(tmp)
        venv = args.venv.resolve() if args.venv else install(work)
        python, exe = venv / "bin" / "python", str(venv / "bin" / "runrehab")
        env = {**os.environ, "RUNREHAB_CACHE": str(work / "cache"), "RUNREHAB_DB": str(work / "history.sqlite")}
        env.pop("RUNREHAB_KB", None)
        version = run([exe, "--version"], env, work).stdout.decode().strip()
        print(f"{version}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, venv {venv}")

        questions = json.loads(run([exe, "questions", "--json"], env, work).stdout)
        cases = make_cases(questions, args.cases)
        one = work / "case.json"
        one.write_text(json.dumps(cases[0]), encoding="utf-8")
        batch = write_jsonl(cases, work / "cases.jsonl")
        triage_one = [exe, "triage", "--answers", str(one), "--json", "--no-save"]
        triage_batch = [exe, "triage", "--answers", str(batch), "--json", "--no-save"]
        commands = {
            "stack": [str(python), "-c", STACK],
            "version": [exe, "--version"],
            "exercise": [exe, "exercise", "piriformis-stretch", "--json"],
            "triage": triage_one,
        }
        for cmd in commands.values():  # warm the file cache and the rule-base cache
            run(cmd, env, work)

        print(f"start-up: {args.rounds} interleaved rounds ...", flush=True)
        med = interleaved(commands, args.rounds, env, work)
        stack = med["stack"]
        no_cache = {**env, "RUNREHAB_CACHE": ""}
        cold = statistics.median(run(triage_one, no_cache, work).seconds for _ in range(5))
        single_rss = max(peak_rss_kb(triage_one, env, work) for _ in range(3))

        print(f"batch: {args.cases} cases as JSON Lines ...", flush=True)
        batch_runs = [run(triage_batch, env, work) for _ in range(3)]
        batch_run = sorted(batch_runs, key=lambda r: r.seconds)[1]
        lines = batch_run.stdout.splitlines()
        if len(lines) != args.cases or any(json.loads(line)["symptom"] != c["symptom"] for line, c in zip(lines, cases)):
            raise SystemExit("benchmark: the batch did not print one plan per case, in order")
        batch_rss = max(peak_rss_kb(triage_batch, env, work) for _ in range(2))

        print(f"scale: rule bases 1, 10 and {args.factor} times the shipped one ...", flush=True)
        bases = {f: work / f"kb{f}" for f in (1, 10, args.factor)}
        for f, base in bases.items():
            subprocess.run([str(python), str(SCALE_KB), str(f), str(base)], check=True)
        sizes = {f: sum((b / n).stat().st_size for n in ("rules.yaml", "exercises.yaml")) for f, b in bases.items()}
        scale: dict[int, dict] = {}
        for f, base in bases.items():
            scale[f] = probe_scale(python, base, bases[1], 3, env, work)
        # The same cases (of the shipped symptoms, which keep their ids in every copy) against both
        # bases: the time a case takes should not depend on how much else the rule base holds.
        many = make_cases(questions, 2000, seed=11)
        path, first = write_jsonl(many, work / "many.jsonl"), write_jsonl(many[:1], work / "first.jsonl")
        per_case: dict[int, float] = {}
        for f in (1, args.factor):
            kb_env = {**env, "RUNREHAB_KB": str(bases[f])}
            batch_cmd = [exe, "triage", "--answers", str(path), "--json", "--no-save"]
            run(batch_cmd, kb_env, work)  # fills the rule-base cache
            full = statistics.median(run(batch_cmd, kb_env, work).seconds for _ in range(5))
            single = statistics.median(run([exe, "triage", "--answers", str(first), "--json", "--no-save"],
                                           kb_env, work).seconds for _ in range(5))
            per_case[f] = (full - single) / (len(many) - 1)

    big, mid = args.factor, 10
    growth = math.log(sizes[big] / sizes[mid])

    def exponent(key: str) -> float:
        """How time grows with the files' size: 1.0 is linear."""
        return math.log(scale[big][key] / scale[mid][key]) / growth

    print(f"\nstack import: {stack * 1000:.0f} ms (median); python -c pass is not part of any figure")
    print(f"triage with no cache (YAML read and checked): {cold * 1000:.0f} ms = {cold / stack:.2f} × stack")
    print(f"batch: {batch_run.seconds * 1000:.0f} ms for {args.cases} cases = {args.cases / batch_run.seconds:,.0f} cases/s "
          f"with start-up; first line after {batch_run.first_line_seconds * 1000:.0f} ms; "
          f"peak memory {batch_rss / 1024:.1f} MiB against {single_rss / 1024:.1f} MiB for one case")
    for f in bases:
        s = scale[f]
        print(f"rule base {f:>2}×: {sizes[f] / 1024:,.0f} KiB, load {s['load'] * 1000:,.0f} ms, cached load "
              f"{s['cached_load'] * 1000:,.1f} ms, validate {s['validate'] * 1000:,.0f} ms"
              + (f", {per_case[f] * 1e6:.0f} µs per triage case" if f in per_case else ""))
    print(f"size growth {mid}× → {big}×: files {sizes[big] / sizes[mid]:.2f} ×")
    rows = [
        Row("runrehab --version", med["version"] / stack, 0.6, " ×"),
        Row("exercise piriformis-stretch --json", med["exercise"] / stack, 1.0, " ×"),
        Row("triage --answers case.json --json --no-save", med["triage"] / stack, 1.2, " ×"),
        Row(f"triage of {args.cases} JSON Lines cases, all in", batch_run.seconds / stack, 8.0, " ×"),
        Row("batch: first line, share of its run", batch_run.first_line_seconds / batch_run.seconds, 0.5, "  "),
        Row("batch peak memory / one case's", batch_rss / single_rss, 1.5, " ×"),
        Row(f"load growth exponent, {mid}× → {big}×", exponent("load"), 1.1, "  "),
        Row(f"validate growth exponent, {mid}× → {big}×", exponent("validate"), 1.1, "  "),
        Row(f"per-case triage time, {big}× / 1×", per_case[big] / per_case[1], 1.25, " ×"),
    ]
    ok = report(rows)
    print("\nall targets met" if ok else "\nsome targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
