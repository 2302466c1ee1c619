"""The built wheel carries the rule base: installed outside the checkout, every command works."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import full_answers

from runrehab.rules.loader import load

pytestmark = pytest.mark.slow  # builds and installs a wheel
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    work = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("runrehab-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(work / "site"), str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(work / "site"), "NO_COLOR": "1"}
    env.pop("RUNREHAB_KB", None)
    return {"cwd": str(work), "env": env}


def run(installed, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "runrehab", *args], input=stdin, capture_output=True, text=True,
                          cwd=installed["cwd"], env=installed["env"])


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    where = subprocess.run([sys.executable, "-c", "import runrehab, runrehab.rules.kb as k; print(runrehab.__file__); print(k.shipped_dir())"],
                           capture_output=True, text=True, cwd=installed["cwd"], env=installed["env"]).stdout.split()
    assert all(path.startswith(installed["cwd"]) for path in where), where


@pytest.mark.parametrize("args", [["validate", "--strict"], ["exercises", "--json"], ["exercise", "figure 4"],
                                  ["questions"], ["symptoms"], ["--version"]])
def test_commands_work_from_the_wheel(installed, args):
    result = run(installed, *args)
    assert result.returncode == 0, result.stderr


def test_triage_works_from_the_wheel(installed):
    result = run(installed, "triage", "--answers", "-", "--json", "--no-save",
                 stdin=json.dumps(full_answers(load(), "hand-tingling")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["routine"][0]["exercise"] == "first-rib-mobilization"


def test_the_wheel_metadata_names_its_licence_pythons_and_description(installed):
    import email.parser
    import zipfile

    wheel = next((Path(installed["cwd"]) / "dist").glob("runrehab-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = email.parser.Parser().parsestr(archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    assert meta["License-Expression"] == "MIT" and any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    claimed = {c.rpartition(":: ")[2] for c in meta.get_all("Classifier") if c.startswith("Programming Language :: Python :: 3.")}
    assert claimed == {"3.10", "3.11", "3.12", "3.13"} and meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown" and "## Quick start" in meta.get_payload()
