"""Measure runrehab against its speed and memory targets; exit 1 when one is missed.

    python benchmarks/run.py                  # builds the wheel and installs it in a fresh venv
    python benchmarks/run.py --venv .venv     # measures what is installed in an existing venv
    python benchmarks/run.py --quick          # a short sanity run: fewer rounds, smaller batches
    python benchmarks/run.py --only first-runs,per-case   # some groups of figures alone

Every timed figure is a paired ratio. Each round runs the command and, back to back with it, its
reference (importing the stack, `import typer, rich.console, pydantic, yaml`, in the same venv),
in alternating order; the figure is the median of the rounds' ratios, printed with their
interquartile range so that its stability shows. A busy or slow machine slows both sides of a
pair alike, so the ratio holds where absolute times do not. Every command runs with a warm
rule-base cache in a folder of this run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALE_KB = Path(__file__).resolve().parent / "scale_kb.py"  # run with the venv's Python, which has PyYAML
STACK = "import typer, rich.console, pydantic, yaml"

Command = list[str]
GROUPS = ("history", "start-up", "first-runs", "batch", "optional", "per-case", "scale")


@dataclass
class Run:
    seconds: float
    stdout: bytes
    first_line_seconds: float | None


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Run `cmd` to its end: wall time, stdout, and when the first line of stdout arrived."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=cwd)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    first_at = time.perf_counter() - start if first else None
    rest = proc.stdout.read()
    code = proc.wait()
    elapsed = time.perf_counter() - start
    err = proc.stderr.read()
    proc.stderr.close()
    proc.stdout.close()
    if code != 0:
        raise SystemExit(f"benchmark: {' '.join(cmd)} exited {code}: {err.decode(errors='replace').strip()}")
    return Run(elapsed, first + rest, first_at)


def has_command(exe: str, name: str, env: dict[str, str], cwd: Path) -> bool:
    """Whether `runrehab NAME` exists; anything else going wrong with it is an error of the run."""
    proc = subprocess.run([exe, name, "--help"], env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode == 0:
        return True
    if "No such command" in proc.stderr:
        return False
    raise SystemExit(f"benchmark: {exe} {name} --help exited {proc.returncode}: {proc.stderr.strip()}")


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


# ------------------------------------------------------------------ figures


@dataclass
class Figure:
    """The median of per-round ratios, their spread, and what the ratio is measured against."""

    name: str
    ratios: list[float]
    bound: float | None  # None: shown for information
    unit: str = " ×"
    note: str = ""
    seconds: float | None = None  # the median time of the command itself

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        """The interquartile range of the rounds' ratios (both ends the single value for one round)."""
        if len(self.ratios) < 2:
            return self.ratios[0], self.ratios[0]
        q1, _, q3 = statistics.quantiles(self.ratios, n=4, method="inclusive")
        return q1, q3

    @property
    def ok(self) -> bool:
        return self.bound is None or self.median <= self.bound


def paired(commands: dict[str, Callable[[], Command]], rounds: int, env: dict[str, str],
           cwd: Path) -> dict[str, list[float]]:
    """Seconds of each command over `rounds` rounds, run back to back, the order reversed every
    other round so that neither side always runs first. Each callable makes its command line
    afresh (copying a history, say) before the round's timing starts."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for i in range(rounds):
        order = names if i % 2 == 0 else names[::-1]
        lines = {name: commands[name]() for name in order}
        for name in order:
            times[name].append(run(lines[name], env, cwd).seconds)
    return times


def against_stack(name: str, cmd: Callable[[], Command], stack: Command, rounds: int, env: dict[str, str],
                  cwd: Path, bound: float | None) -> Figure:
    times = paired({"stack": lambda: stack, "cmd": cmd}, rounds, env, cwd)
    ratios = [c / s for c, s in zip(times["cmd"], times["stack"])]
    seconds = statistics.median(times["cmd"])
    return Figure(name, ratios, bound, note=f"{seconds * 1000:.0f} ms", seconds=seconds)


def report(figures: list[Figure | tuple[str, str]]) -> bool:
    """Print every figure with its spread, bound and verdict; True when none is missed.
    A (name, text) pair is a figure that could not be measured, shown as such."""
    width = max(len(f.name if isinstance(f, Figure) else f[0]) for f in figures)
    print(f"\n{'figure':<{width}}  {'median':>8}  {'IQR':>13}  {'bound':>7}")
    for f in figures:
        if not isinstance(f, Figure):
            print(f"{f[0]:<{width}}  {f[1]}")
            continue
        q1, q3 = f.spread
        places = 3 if f.bound is not None and f.bound < 0.1 else 2  # a growth bound of 0.05: 0.054 is over it
        bound = f"{f.bound:.{places}f}{f.unit}" if f.bound is not None else "-"
        verdict = "info" if f.bound is None else "ok" if f.ok else "MISS"
        print(f"{f.name:<{width}}  {f.median:>6.{places}f}{f.unit}  {q1:>5.{places}f}–{q3:<5.{places}f}{f.unit}  "
              f"{bound:>7}  {verdict:<4}" + (f"  ({f.note})" if f.note else ""))
    return all(f.ok for f in figures if isinstance(f, Figure))


# ------------------------------------------------------------------ cases


def make_cases(questions: list[dict], count: int, seed: int = 7, red_flag_rate: float = 0.02) -> list[dict]:
    """`count` distinct, complete triage answer sets, the symptoms taken in turn so that every
    symptom the rule base offers is met; every band, and a few red flags."""
    rng = random.Random(seed)
    symptoms = next(q for q in questions if q["id"] == "symptom")["choices"]
    asked = {s: [q for q in questions if "triage" in q["stages"] and q["id"] != "symptom"
                 and (not q["symptoms"] or s in q["symptoms"])] for s in symptoms}

    def answer(q: dict) -> object:
        if q["red_flag"]:
            return "yes" if rng.random() < red_flag_rate else "no"
        if q["type"] == "yes_no":
            return rng.choice(["yes", "no"])
        if q["type"] == "integer":
            return rng.randint(q["min"], q["max"])
        if q["type"] == "choice":
            return rng.choice(q["choices"])
        return ",".join(c for c in q["choices"] if rng.random() < 0.5)

    seen: set[str] = set()
    cases: list[dict] = []
    tries = 0
    while len(cases) < count:
        tries += 1
        if tries > 20 * count:
            raise SystemExit(f"benchmark: the rule base's questions do not allow {count} distinct cases")
        symptom = symptoms[tries % len(symptoms)]
        case = {"symptom": symptom, **{q["id"]: answer(q) for q in asked[symptom]}}
        key = json.dumps(case, sort_keys=True)
        if key not in seen:
            seen.add(key)
            cases.append(case)
    return cases


def checkin_answers(questions: list[dict], symptom: str) -> dict:
    """A check-in that is going well: better, little pain, no warning sign."""
    flags = {q["id"]: "no" for q in questions if q["red_flag"] and "checkin" in q["stages"]
             and (not q["symptoms"] or symptom in q["symptoms"])}
    return {"progress": "better", "pain_score": 2, **flags}


def write_jsonl(cases: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


def write_json(case: dict, path: Path) -> Path:
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


def questions_of(exe: str, env: dict[str, str], cwd: Path) -> list[dict]:
    return json.loads(run([exe, "questions", "--json"], env, cwd).stdout)


def check_batch(out: bytes, cases: list[dict]) -> None:
    lines = out.splitlines()
    if len(lines) != len(cases) or any(json.loads(line)["symptom"] != c["symptom"] for line, c in zip(lines, cases)):
        raise SystemExit("benchmark: the batch did not print one plan per case, in order")


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


def machine() -> str:
    """What the absolute figures came from: cores, CPU model, Python."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {model}, Python {sys.version.split()[0]}"


@dataclass
class Sizes:
    rounds: int  # start-up figures
    batch_rounds: int
    cases: int
    scale_rounds: int
    scale_cases: int
    memory_rounds: int
    memory_cases: int
    growth_rounds: int


FULL = Sizes(rounds=31, batch_rounds=21, cases=10_000, scale_rounds=21, scale_cases=3_000,
             memory_rounds=2, memory_cases=100_000, growth_rounds=3)
QUICK = Sizes(rounds=5, batch_rounds=3, cases=2_000, scale_rounds=3, scale_cases=600,
              memory_rounds=1, memory_cases=10_000, growth_rounds=1)


# ------------------------------------------------------------------ measures


def start_up(exe: str, stack: Command, work: Path, env: dict[str, str], questions: list[dict],
             rounds: int) -> list[Figure | tuple[str, str]]:
    """The commands a person runs one at a time, each against the stack import."""
    one = {**make_cases(questions, 1, seed=3, red_flag_rate=0)[0], "pain_score": 3, "pain_at_rest": "no"}
    case = write_json(one, work / "case.json")
    checkin_file = write_json(checkin_answers(questions, one["symptom"]), work / "checkin.json")

    # A history holding one plan a week old; every check-in starts from a copy of it, so each
    # round measures the same first check-in rather than a history that grows with the rounds.
    pristine = work / "pristine"
    pristine.mkdir()
    week_ago = (dt.date.today() - dt.timedelta(days=7)).isoformat()
    run([exe, "triage", "--answers", str(case), "--date", week_ago, "--db", str(pristine / "history.sqlite")], env, work)
    reader = work / "reader"
    shutil.copytree(pristine, reader)

    def fresh_history() -> Command:
        shutil.rmtree(work / "checking", ignore_errors=True)
        shutil.copytree(pristine, work / "checking")
        return [exe, "checkin", "--answers", str(checkin_file), "--json", "--db", str(work / "checking" / "history.sqlite")]

    def fixed(cmd: Command) -> Callable[[], Command]:
        return lambda: cmd

    db = ["--db", str(reader / "history.sqlite")]
    commands: list[tuple[str, Callable[[], Command], float | None]] = [
        ("runrehab --version", fixed([exe, "--version"]), None),
        ("triage --answers case.json --json --no-save", fixed([exe, "triage", "--answers", str(case), "--json", "--no-save"]), 0.7),
        ("exercise piriformis-stretch --json", fixed([exe, "exercise", "piriformis-stretch", "--json"]), 0.65),
        ("plan --json", fixed([exe, "plan", "--json", *db]), 0.9),
        ("checkin --answers checkin.json --json", fresh_history, 0.9),
        ("today --json", fixed([exe, "today", "--json", *db]), 0.9),
    ]
    figures: list[Figure | tuple[str, str]] = []
    for name, cmd, bound in commands:
        if name.startswith("today") and not has_command(exe, "today", env, work):
            figures.append((name, "not available: this runrehab has no `today` command"))
            continue
        run(cmd(), env, work)  # warms the file cache and the rule-base cache
        print(f"  {name} ...", flush=True)
        figures.append(against_stack(name, cmd, stack, rounds, env, work, bound))
    return figures


def batch(exe: str, stack: Command, work: Path, env: dict[str, str], questions: list[dict],
          sizes: Sizes) -> list[Figure]:
    """A JSON Lines batch, start-up included, against the stack import; then its peak memory
    against that of one case."""
    cases = make_cases(questions, sizes.cases)
    path = write_jsonl(cases, work / "cases.jsonl")
    cmd = [exe, "triage", "--answers", str(path), "--json", "--no-save"]
    cold = run(cmd, env, work)  # compiles the decision table and keeps it in the cache
    check_batch(cold.stdout, cases)
    warm = run(cmd, env, work)
    check_batch(warm.stdout, cases)
    timed = against_stack(f"triage of {sizes.cases:,} JSON Lines cases, all in", lambda: cmd, stack,
                          sizes.batch_rounds, env, work, 3.0)
    assert timed.seconds is not None
    timed.note += (f", {sizes.cases / timed.seconds:,.0f} cases/s; first line after {warm.first_line_seconds * 1000:.0f} ms"
                   f", {cold.first_line_seconds * 1000:.0f} ms when the table is compiled")

    many = write_jsonl(make_cases(questions, sizes.memory_cases, seed=13), work / "memory.jsonl")
    one = write_json(cases[0], work / "one.json")
    big = [exe, "triage", "--answers", str(many), "--json", "--no-save"]
    small = [exe, "triage", "--answers", str(one), "--json", "--no-save"]
    # its first run: the engine plans the cases no cell holds, which later runs read from the cache
    first = peak_rss_kb(big, env, work) / peak_rss_kb(small, env, work)
    ratios, peaks = [], []
    for i in range(sizes.memory_rounds):
        pair = (big, small) if i % 2 == 0 else (small, big)
        rss = {tuple(c): peak_rss_kb(c, env, work) for c in pair}
        ratios.append(rss[tuple(big)] / rss[tuple(small)])
        peaks.append((rss[tuple(big)], rss[tuple(small)]))
    b, s = peaks[len(peaks) // 2]
    memory = Figure(f"peak memory, {sizes.memory_cases:,}-case batch / one case", ratios, 1.2,
                    note=f"{b / 1024:.1f} against {s / 1024:.1f} MiB")
    return [timed, memory, Figure("peak memory, its first run / one case", [first], None)]


def scale(exe: str, python: Path, stack: Command, work: Path, env: dict[str, str], factor: int,
          sizes: Sizes) -> list[Figure]:
    """A rule base `factor` times the shipped one (written by scale_kb.py, so it has `factor`
    times the symptoms): one triage against the stack import, and how loading and `validate` grow."""
    bases = {f: work / f"kb{f}" for f in (1, 10, factor)}
    for f, base in bases.items():
        subprocess.run([str(python), str(SCALE_KB), str(f), str(base)], check=True)
    kb_env = {f: {**env, "RUNREHAB_KB": str(b)} for f, b in bases.items()}
    one_cmd = {}
    for f in (1, factor):
        questions = questions_of(exe, kb_env[f], work)  # also fills the rule base's cache
        cases = make_cases(questions, sizes.scale_cases, seed=11)
        one_cmd[f] = [exe, "triage", "--answers", str(write_json(cases[-1], work / f"scale{f}.json")), "--json", "--no-save"]

    # one case of the last copy's symptoms: the one a scan in order meets last
    single = against_stack(f"triage --answers case.json, {factor}× rule base", lambda: one_cmd[factor], stack,
                           sizes.rounds, kb_env[factor], work, 0.9)

    # How the cold load (YAML read and checked) and `validate` grow from 10× to `factor`×: each
    # round times both sizes back to back, less a warm start of the same size, so start-up is
    # not counted; 1.0 is linear in the files' size.
    size = {f: sum((bases[f] / name).stat().st_size for name in ("rules.yaml", "exercises.yaml")) for f in bases}
    cold_env = {f: {**kb_env[f], "RUNREHAB_CACHE": ""} for f in bases}
    run([exe, "symptoms", "--json"], kb_env[10], work)  # fills the 10× cache for the warm starts
    growth = math.log(size[factor] / size[10])
    exponents: dict[str, list[float]] = {"load": [], "validate": []}
    for i in range(sizes.growth_rounds):
        work_done: dict[str, dict[int, float]] = {"load": {}, "validate": {}}
        for f in ((10, factor) if i % 2 == 0 else (factor, 10)):
            warm = run([exe, "symptoms", "--json"], kb_env[f], work).seconds
            work_done["load"][f] = run([exe, "symptoms", "--json"], cold_env[f], work).seconds - warm
            work_done["validate"][f] = run([exe, "validate"], cold_env[f], work).seconds - warm
        for what, t in work_done.items():
            exponents[what].append(math.log(t[factor] / t[10]) / growth)
    info = [Figure(f"{what} growth exponent, 10× → {factor}×", e, None, unit="  ",
                   note=f"files {size[factor] / size[10]:.2f} × larger; 1.0 is linear") for what, e in exponents.items()]
    return [single, *info]


# ------------------------------------------------------------------ first runs, batches and bases


def first_runs(exe: str, stack: Command, work: Path, env: dict[str, str], questions: list[dict],
               rounds: int) -> list[Figure]:
    """What runs on an empty cache, right after install (each round empties it first): a batch of
    two cases (their symptoms' parts of the decision table compiled then), and one triage (the
    rule base read, checked and cached); then `validate` of the shipped base."""
    cold_cache = work / "cold-cache"
    cold_env = {**env, "RUNREHAB_CACHE": str(cold_cache)}
    two = write_jsonl(make_cases(questions, 2, seed=5), work / "two.jsonl")
    one = write_json({**make_cases(questions, 1, seed=3, red_flag_rate=0)[0], "pain_score": 3, "pain_at_rest": "no"},
                     work / "first.json")

    def emptied(cmd: Command) -> Callable[[], Command]:
        def make() -> Command:
            shutil.rmtree(cold_cache, ignore_errors=True)
            return cmd
        return make

    figures = []
    for name, cmd, bound, where in [
        ("triage of 2 JSON Lines cases, empty cache", [exe, "triage", "--answers", str(two), "--json", "--no-save"], 2.5,
         cold_env),
        ("first run after install (triage, empty cache)", [exe, "triage", "--answers", str(one), "--json", "--no-save"],
         5.0, cold_env),
        ("validate (the shipped rule base)", [exe, "validate"], 3.0, env),
    ]:
        print(f"  {name} ...", flush=True)
        run(cmd, where, work)  # warms the file cache
        figures.append(against_stack(name, emptied(cmd) if where is cold_env else (lambda c=cmd: c), stack, rounds,
                                     where, work, bound))
    return figures


def optional_left_out(exe: str, stack: Command, work: Path, env: dict[str, str], questions: list[dict],
                      sizes: Sizes) -> Figure:
    """A batch whose cases leave every optional answer to its default, as a script would."""
    optional = {q["id"] for q in questions if not q["required"] and not q["red_flag"] and q["id"] != "symptom"}
    cases = [{k: v for k, v in c.items() if k not in optional} for c in make_cases(questions, sizes.cases, seed=17)]
    cmd = [exe, "triage", "--answers", str(write_jsonl(cases, work / "optional.jsonl")), "--json", "--no-save"]
    check_batch(run(cmd, env, work).stdout, cases)  # compiles what the table needs
    left = sum(1 for c in cases if any(q["id"] in optional and "triage" in q["stages"]
                                       and (not q["symptoms"] or c["symptom"] in q["symptoms"]) for q in questions))
    timed = against_stack(f"triage of {sizes.cases:,} cases, optional answers left out", lambda: cmd, stack,
                          sizes.batch_rounds, env, work, 3.0)
    timed.note += f", {left:,} cases leave one out"
    return timed


def per_case(exe: str, python: Path, work: Path, env: dict[str, str], sizes: Sizes, factor: int = 5) -> Figure:
    """The cost of one more case, in batches of `sizes.cases` cases over every symptom, on a rule
    base `factor` times the shipped one against the shipped one. Each round runs both bases, each
    as its batch and its one case back to back (start-up taken off within the pair), the order of
    bases and of the runs in a pair turning by round."""
    base = work / f"kb{factor}-per-case"
    subprocess.run([str(python), str(SCALE_KB), str(factor), str(base)], check=True)
    kb_env = {1: env, factor: {**env, "RUNREHAB_KB": str(base)}}
    batch_cmd, one_cmd, counts = {}, {}, {}
    for f in (1, factor):
        questions = questions_of(exe, kb_env[f], work)
        cases = make_cases(questions, sizes.cases, seed=11)
        counts[f] = len({c["symptom"] for c in cases})
        batch_cmd[f] = [exe, "triage", "--answers", str(write_jsonl(cases, work / f"per{f}.jsonl")), "--json", "--no-save"]
        one_cmd[f] = [exe, "triage", "--answers", str(write_json(cases[-1], work / f"per{f}.json")), "--json", "--no-save"]
        check_batch(run(batch_cmd[f], kb_env[f], work).stdout, cases)  # every part compiled and cached
    ratios, costs = [], {1: [], factor: []}
    for i in range(sizes.scale_rounds):
        cost = {}
        for f in ((1, factor) if i % 2 == 0 else (factor, 1)):
            pair = (batch_cmd[f], one_cmd[f]) if (i // 2) % 2 == 0 else (one_cmd[f], batch_cmd[f])
            t = {tuple(c): run(c, kb_env[f], work).seconds for c in pair}
            cost[f] = (t[tuple(batch_cmd[f])] - t[tuple(one_cmd[f])]) / (sizes.cases - 1)
            costs[f].append(cost[f])
        ratios.append(cost[factor] / cost[1])
    return Figure(f"per-case cost, {sizes.cases:,} cases, {factor}× / 1× rule base", ratios, 1.1,
                  note=f"{statistics.median(costs[factor]) * 1e6:.0f} against {statistics.median(costs[1]) * 1e6:.0f} µs, "
                       f"cases over {counts[factor]} and {counts[1]} symptoms")


# ------------------------------------------------------------------ a history that grows


def runner_checkins(questions: list[dict], symptom: str, count: int, seed: int) -> list[dict]:
    """`count` check-ins' answers as a runner's go: the pain (3 at the triage) eases or flares a
    point at a time, never past where it started, and progress, compared with the start, follows
    it; now and then exercising hurts or the next morning is worse; no warning sign."""
    rng = random.Random(seed)
    asked = {q["id"] for q in questions if "checkin" in q["stages"] and (not q["symptoms"] or symptom in q["symptoms"])}
    pain, out = 3, []
    for _ in range(count):
        pain = min(3, max(0, pain + rng.choice((-1, -1, 0, 0, 0, 1))))
        answers = {**checkin_answers(questions, symptom), "pain_score": pain,
                   "progress": ("symptom-free", "much-better", "better", "same")[pain]}
        if "exercise_pain" in asked:
            answers["exercise_pain"] = rng.choice((0, 0, 1, 2, 3))
        if "morning_after" in asked:
            answers["morning_after"] = rng.choice(("settled", "settled", "settled", "gone", "worse"))
        out.append(answers)
    return out


HISTORY_COUNTS = (0, 365, 3_000)  # check-ins on one plan: none, one a day for a year, for eight years
REAL_CHECKINS = 14  # check-ins made by the `checkin` command, whose decisions the longer histories repeat


def grown_history(exe: str, work: Path, env: dict[str, str], questions: list[dict], count: int) -> Path:
    """A history of one plan with `count` check-ins, one a day up to yesterday, built through the
    public commands: a triage and the first REAL_CHECKINS check-ins a day at a time, each with a
    runner's answers of that day (runner_checkins), exported; the check-ins after them repeat
    those in turn, each moved to its own day (its date, day count, days since onset and review
    date: no two check-ins answer alike), and the whole imported into a new history."""
    one = {**make_cases(questions, 1, seed=3, red_flag_rate=0)[0], "pain_score": 3, "pain_at_rest": "no"}
    case = write_json(one, work / "case.json")
    today = dt.date.today()
    start = today - dt.timedelta(days=count + 1)
    seed = work / f"seed-{count}.sqlite"
    seed.unlink(missing_ok=True)
    db = ["--db", str(seed)]
    run([exe, "triage", "--answers", str(case), "--date", start.isoformat(), *db], env, work)
    for day, answers in enumerate(runner_checkins(questions, one["symptom"], min(count, REAL_CHECKINS), count), 1):
        given = write_json(answers, work / "day.json")
        run([exe, "checkin", "--answers", str(given), "--date", (start + dt.timedelta(days=day)).isoformat(), *db],
            env, work)
    export = json.loads(run([exe, "export", *db], env, work).stdout)
    [plan] = export["plans"]
    real = plan["checkins"]
    rng = random.Random(count)
    checkins = list(real)
    for day in range(len(real) + 1, count + 1):
        like = real[(day - 1) % len(real)]
        moved = dt.timedelta(days=day - like["document"]["day"])
        document = {**like["document"], "date": (start + dt.timedelta(days=day)).isoformat(), "day": day,
                    "answers": {**like["document"]["answers"], "day": day}}
        if "days_since_onset" in document["answers"]:
            document["answers"]["days_since_onset"] += moved.days
        if document.get("next_review"):
            document["next_review"] = (dt.date.fromisoformat(document["next_review"]) + moved).isoformat()
        checkins.append({**like, "id": f"{rng.getrandbits(128):032x}", "document": document})
    plan["checkins"] = checkins
    path = work / f"history-{count}.sqlite"
    path.unlink(missing_ok=True)
    (work / f"export-{count}.json").write_text(json.dumps(export), encoding="utf-8")
    run([exe, "import", str(work / f"export-{count}.json"), "--db", str(path)], env, work)
    return path


def history_growth(exe: str, stack: Command, work: Path, env: dict[str, str], questions: list[dict],
                   rounds: int) -> list[Figure | tuple[str, str]]:
    """Each view of a plan on histories of 0, 365 and 3,000 check-ins, in the same rounds as the
    stack import: at 365 against its bound, and the difference 365 − 0 against 0.05 ×; at 3,000
    for information. Then the peak memory of `history --json` at 365 (and 3,000) over that at none."""
    if not has_command(exe, "export", env, work):
        return [("history growth", "not available: this runrehab has no `export` command")]
    dbs = {n: grown_history(exe, work, env, questions, n) for n in HISTORY_COUNTS}
    symptom = make_cases(questions, 1, seed=3, red_flag_rate=0)[0]["symptom"]
    answers = str(write_json(checkin_answers(questions, symptom), work / "checkin.json"))

    def view(args: list[str]) -> Callable[[int], Callable[[], Command]]:
        return lambda n: lambda: [exe, *args, "--db", str(dbs[n])]

    def checkin(n: int) -> Callable[[], Command]:
        def fresh() -> Command:  # every round checks in on the same history, copied afresh
            copy = work / f"checking-{n}.sqlite"
            shutil.copyfile(dbs[n], copy)
            return [exe, "checkin", "--answers", answers, "--json", "--db", str(copy)]
        return fresh

    views: list[tuple[str, Callable[[int], Callable[[], Command]], float, float | None]] = [
        ("plan --json", view(["plan", "--json"]), 0.9, 0.05),
        ("today --json", view(["today", "--json"]), 0.9, 0.05),
        ("checkin --json", checkin, 0.9, 0.05),
        ("plan --format ics", view(["plan", "--format", "ics"]), 0.9, 0.05),
        ("plan --format markdown", view(["plan", "--format", "markdown"]), 0.9, 0.05),
        ("history --json", view(["history", "--json"]), 1.5, None),
    ]
    figures: list[Figure | tuple[str, str]] = []
    for name, make, bound, growth in views:
        print(f"  {name} at {', '.join(map(str, HISTORY_COUNTS))} check-ins ...", flush=True)
        for n in HISTORY_COUNTS:
            run(make(n)(), env, work)  # warms the file cache
        times = paired({"stack": lambda: stack, **{str(n): make(n) for n in HISTORY_COUNTS}}, rounds, env, work)
        ratio = {n: [t / s for t, s in zip(times[str(n)], times["stack"])] for n in HISTORY_COUNTS}
        for n in HISTORY_COUNTS:
            figures.append(Figure(f"{name}, {n:,} check-ins", ratio[n], bound if n == 365 else None,
                                  note=f"{statistics.median(times[str(n)]) * 1000:.0f} ms"))
        figures.append(Figure(f"{name}, 365 − 0 check-ins", [a - b for a, b in zip(ratio[365], ratio[0])], growth,
                              note="growth against the stack import"))
    peak = {n: peak_rss_kb([exe, "history", "--json", "--db", str(dbs[n])], env, work) for n in HISTORY_COUNTS}
    for n in HISTORY_COUNTS[1:]:
        figures.append(Figure(f"peak memory, history --json, {n:,} / 0 check-ins", [peak[n] / peak[0]],
                              1.5 if n == 365 else None, note=f"{peak[n] / 1024:.1f} MiB / {peak[0] / 1024:.1f} MiB"))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="an existing venv with runrehab installed (default: build one)")
    parser.add_argument("--quick", action="store_true", help="a short sanity run: few rounds, small batches")
    # 15: a rule base whose rules.yaml (about 3.2 MB) stays under the 4 MiB a rule-base file may
    # hold; the shipped rules.yaml is about 210 KB, and scale_kb.py writes about 213 KB per copy
    parser.add_argument("--factor", type=int, default=15, help="size of the large rule base (default 15)")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"the groups of figures to measure, comma-separated (default all: {','.join(GROUPS)})")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if not only <= set(GROUPS):
        parser.error(f"--only: no group {', '.join(sorted(only - set(GROUPS)))} (the groups: {', '.join(GROUPS)})")
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="runrehab-bench-") as tmp:
        work = Path(tmp)
        venv = args.venv.resolve() if args.venv else install(work)
        python, exe = venv / "bin" / "python", str(venv / "bin" / "runrehab")
        env = {**os.environ, "RUNREHAB_CACHE": str(work / "cache"), "RUNREHAB_DB": str(work / "history.sqlite")}
        env.pop("RUNREHAB_KB", None)
        # Each command's modules compiled once, as an installed wheel has them: a shell that sets
        # PYTHONDONTWRITEBYTECODE would otherwise time the compiling of an editable checkout's changes.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        stack = [str(python), "-c", STACK]
        version = run([exe, "--version"], env, work).stdout.decode().strip()
        stack_ms = statistics.median(run(stack, env, work).seconds for _ in range(5)) * 1000
        print(f"{version}; {machine()}; stack import about {stack_ms:.0f} ms; venv {venv}")
        questions = questions_of(exe, env, work)

        figures: list[Figure | tuple[str, str]] = []
        if "history" in only:
            print(f"history: one plan with {', '.join(map(str, HISTORY_COUNTS))} check-ins, {sizes.rounds} rounds ...",
                  flush=True)
            figures += history_growth(exe, stack, work, env, questions, sizes.rounds)
        if "start-up" in only:
            print(f"start-up: {sizes.rounds} paired rounds each ...", flush=True)
            figures += start_up(exe, stack, work, env, questions, sizes.rounds)
        if "first-runs" in only:
            print(f"first runs on an empty cache, and validate: {sizes.rounds} paired rounds each ...", flush=True)
            figures += first_runs(exe, stack, work, env, questions, sizes.rounds)
        if "batch" in only:
            print(f"batch: {sizes.cases:,} cases, {sizes.batch_rounds} paired rounds; peak memory of "
                  f"{sizes.memory_cases:,} cases, {sizes.memory_rounds} rounds ...", flush=True)
            figures += batch(exe, stack, work, env, questions, sizes)
        if "optional" in only:
            print(f"batch leaving optional answers out: {sizes.cases:,} cases, {sizes.batch_rounds} paired rounds ...",
                  flush=True)
            figures.append(optional_left_out(exe, stack, work, env, questions, sizes))
        if "per-case" in only:
            print(f"per-case cost: {sizes.cases:,} cases, 5× and 1× rule bases, {sizes.scale_rounds} rounds ...", flush=True)
            figures.append(per_case(exe, python, work, env, sizes))
        if "scale" in only:
            print(f"scale: rule bases 1, 10 and {args.factor} times the shipped one ...", flush=True)
            figures += scale(exe, python, stack, work, env, args.factor, sizes)

    ok = report(figures)
    print(f"\n{'all targets met' if ok else 'some targets MISSED'} ({time.perf_counter() - began:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
