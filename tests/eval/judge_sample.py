#!/usr/bin/env python3
"""Write the fixed sample that blind judges score on the rubric (../shared/eval/rubric.md): every 10th
in-scope question by id of the two independent sets, every 4th of the project's own conversation set,
every 6th out-of-scope question of each independent set (55 in scope, 10 out), each with the answer
exactly as the terminal shows it. The sample never changes with the engine, so two engines' files can
be put side by side for a judge who sees only the documents, the rubric and the answers.

usage: .venv/bin/python tests/eval/judge_sample.py OUT.jsonl [--index index]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from bot.engine_cache import example_questions  # noqa: E402
from bot.render_text import render_answer  # noqa: E402
from tests.support.eval_sets import SHARED_EVAL  # noqa: E402

IN_SCOPE_STEPS = [
    (SHARED_EVAL / "independent-a.jsonl", 10),
    (SHARED_EVAL / "independent-b.jsonl", 10),
    (ROOT / "tests" / "eval" / "conversation.jsonl", 4),
]
OUT_OF_SCOPE_STEP = 6  # of each independent set


def load(path: Path) -> list[dict]:
    return sorted((json.loads(line) for line in path.open() if line.strip()), key=lambda q: q["id"])


def sample() -> list[tuple[str, dict]]:
    chosen = [
        (path.stem, q)
        for path, step in IN_SCOPE_STEPS
        for q in [q for q in load(path) if q["in_scope"]][::step]
    ]
    chosen += [
        (path.stem, q)
        for path, _ in IN_SCOPE_STEPS[:2]
        for q in [q for q in load(path) if not q["in_scope"]][::OUT_OF_SCOPE_STEP]
    ]
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    args = ap.parse_args()
    engine = Engine.from_index(args.index, examples=example_questions(ROOT / "prompts"))
    with args.out.open("w") as out:
        for n, (name, q) in enumerate(sample(), 1):
            answer = engine.answer(q["question"], history=q.get("history"))
            record = {
                "n": n,
                "set": name,
                "id": q["id"],
                "in_scope": q["in_scope"],
                "history": q.get("history") or [],
                "question": q["question"],
                "shown": render_answer(answer),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
