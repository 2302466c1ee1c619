"""Write a rule base FACTOR times the shipped one, for load, validate and triage at scale.

    python benchmarks/scale_kb.py 50 /tmp/kb50

Copy 1 keeps the shipped ids; copy k adds `-k<k>` to the ids of symptoms, documents, exercises
and rules and `_k<k>` to the ids of questions asked for particular symptoms, so a rule base FACTOR
times the shipped one has FACTOR times its symptoms, each with its own questions and rules.
Questions asked for every symptom (symptom, days, pain_score, ...) and the check-in facts stay
shared. A rule for every symptom applies, in each copy, to that copy's symptoms, so each symptom
meets exactly the rules it meets in the shipped base and every copy's worked examples still hold.
"""
from __future__ import annotations

import argparse
import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parents[1] / "data"


class _Dumper(yaml.SafeDumper):
    """Writes shared values out in full: rule bases take no YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _header(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return first + "\n" if first.startswith("# yaml-language-server") else ""


def scale(factor: int, source: Path = DATA) -> tuple[dict[str, Any], dict[str, Any]]:
    rules = yaml.safe_load((source / "rules.yaml").read_text(encoding="utf-8"))
    exercises = yaml.safe_load((source / "exercises.yaml").read_text(encoding="utf-8"))
    shared_questions = {q["id"] for q in rules["questions"] if not q.get("symptoms")}
    shared_questions |= {f["id"] for f in rules.get("facts", [])}
    symptom_ids = [s["id"] for s in rules["symptoms"]]

    out_rules = {k: v for k, v in rules.items() if k not in ("documents", "symptoms", "questions", "rules")}
    out_rules.update(documents=[], symptoms=[], questions=[q for q in rules["questions"] if q["id"] in shared_questions],
                     rules=[])
    out_exercises = {**exercises, "exercises": []}

    for k in range(1, factor + 1):
        def dash(i: str) -> str:
            return i if k == 1 else f"{i}-k{k}"

        def question(i: str) -> str:
            return i if k == 1 or i in shared_questions else f"{i}_k{k}"

        def answers(given: dict[str, Any]) -> dict[str, Any]:
            return {question(q): dash(v) if q == "symptom" else v for q, v in given.items()}

        def condition(c: Any) -> Any:
            for key in ("all", "any"):
                if key in c:
                    return {key: [condition(x) for x in c[key]]}
            if "not" in c:
                return {"not": condition(c["not"])}
            value = c.get("value")
            if c["question"] == "symptom":
                value = [dash(v) for v in value] if isinstance(value, list) else dash(value)
            return {**c, "question": question(c["question"]), "value": value}

        def cite(c: dict[str, Any]) -> dict[str, Any]:
            return {**c, "document": dash(c["document"])}

        mine = [dash(s) for s in symptom_ids]
        out_rules["documents"] += [{**d, "id": dash(d["id"])} for d in rules["documents"]]
        out_rules["symptoms"] += [{**s, "id": dash(s["id"]), "name": s["name"] + ("" if k == 1 else f" ({k})")}
                                  for s in rules["symptoms"]]
        for q in rules["questions"]:
            if q["id"] in shared_questions:
                continue
            q = copy.deepcopy(q)
            q["id"] = question(q["id"])
            q["symptoms"] = [dash(s) for s in q["symptoms"]]
            if "ask_if" in q:
                q["ask_if"] = condition(q["ask_if"])
            if "source" in q:
                q["source"] = cite(q["source"])
            out_rules["questions"].append(q)
        for r in rules["rules"]:
            r = copy.deepcopy(r)
            r["id"] = dash(r["id"])
            r["symptoms"] = [dash(s) for s in r.get("symptoms") or []] or mine
            if "when" in r:
                r["when"] = condition(r["when"])
            then = r["then"]
            for item in then.get("routine", []):
                item["exercise"] = dash(item["exercise"])
            then["remove"] = [dash(e) for e in then.get("remove", [])]
            r["source"] = cite(r["source"])
            for example in r["examples"]:
                example["answers"] = answers(example["answers"])
                if example.get("plan") is not None:
                    example["plan"] = answers(example["plan"])
                if example["expect"].get("routine") is not None:
                    example["expect"]["routine"] = [dash(e) for e in example["expect"]["routine"]]
            out_rules["rules"].append(r)
        for e in exercises["exercises"]:
            e = copy.deepcopy(e)
            e["id"] = dash(e["id"])
            if k > 1:
                e["name"] += f" ({k})"
                e["aliases"] = [f"{a} ({k})" for a in e.get("aliases", [])]
            e["sources"] = [cite(c) for c in e["sources"]]
            out_exercises["exercises"].append(e)

    # every copy's symptoms are choices; a choice that is not a symptom of the base (one that
    # only the red flags and the shared rules answer) stays, once
    symptom_q = next(q for q in out_rules["questions"] if q["id"] == "symptom")
    symptom_q["choices"] = [s["id"] for s in out_rules["symptoms"]] + [c for c in symptom_q["choices"]
                                                                      if c not in symptom_ids]
    return out_rules, out_exercises


def write(factor: int, target: Path, source: Path = DATA) -> Path:
    rules, exercises = scale(factor, source)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in (("rules.yaml", rules), ("exercises.yaml", exercises)):
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
        (target / name).write_text(_header(source / name) + text, encoding="utf-8")
    if (source / "sources").is_dir():  # the documents' texts, which validate checks the quotes against
        shutil.copytree(source / "sources", target / "sources", dirs_exist_ok=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("factor", type=int, help="how many copies of the shipped rule base")
    parser.add_argument("target", type=Path, help="the folder to write exercises.yaml and rules.yaml to")
    args = parser.parse_args()
    if args.factor < 1:
        parser.error("factor must be at least 1")
    write(args.factor, args.target)


if __name__ == "__main__":
    main()
