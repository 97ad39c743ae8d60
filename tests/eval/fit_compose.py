#!/usr/bin/env python3
"""Fit how answer sentences are scored (`Tuning.unit_*`, the bonuses and penalties) by 5-fold
cross-validation over every question set, and report the held-out folds.

usage: .venv/bin/python tests/eval/fit_compose.py [--index index]

Judged on in-scope questions that the engine answers: does the short answer hold a gold quote
(the deciding sentence, "short"), and does its first sentence ("lead")? Searches are computed once;
a coordinate search over each knob's grid maximises short + 0.5 x lead on the training folds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from bot.evaluation import first_hit  # noqa: E402
from tests.eval.fit_tuning import DEFAULT_SETS, coordinate_search  # noqa: E402

GRID = {
    "unit_similarity_weight": [0.5, 1.0, 2.0],
    "unit_overlap_weight": [0.25, 0.5, 1.0],
    "unit_passage_rank_weight": [0.3, 0.6, 1.0],
    "definition_bonus": [0.0, 0.3, 0.6],
    "unit_context_weight": [0.25, 0.5, 1.0],
    "figure_bonus": [0.0, 0.3, 0.6],
    "unit_heading_weight": [0.0, 0.5, 1.0],
}
MARKER = re.compile(r"\s*\[\d+\]")


def judge(engine: Engine, questions: list[dict]) -> list[tuple[bool, bool]]:
    out = []
    for q in questions:
        a = engine.answer(q["question"], history=q.get("history"))
        if a.abstained:
            out.append((False, False))
            continue
        lines = [MARKER.sub("", x) for x in re.split(r"(?<=\])\s+|\n", a.answer) if x.strip()]
        short = first_hit(q["gold_quotes"], [MARKER.sub("", a.answer)], 1) is not None
        lead = bool(lines) and first_hit(q["gold_quotes"], lines[:1], 1) is not None
        out.append((short, lead))
    return out


def score(rows: list[tuple[bool, bool]]) -> float:
    return sum(s + 0.5 * lead for s, lead in rows) / (len(rows) or 1)


def run(engine: Engine, t, questions):
    engine.tuning = engine.retriever.tuning = t
    return judge(engine, questions)


def fit(engine: Engine, questions: list[dict], start):
    return coordinate_search(start, GRID, lambda t: score(run(engine, t, questions)), rounds=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "index"))
    a = ap.parse_args()
    engine = Engine.from_index(Path(a.index))
    search, memo = engine.retriever.search, {}

    def cached(question, k=10, history=None, doc_filter=None):  # searching does not depend on these knobs
        key = (question, k, tuple(history or ()))
        if key not in memo:
            memo[key] = search(question, k=k, history=history)
        return memo[key]

    engine.retriever.search = cached  # type: ignore[method-assign]
    questions = [
        {**q, "set": p.stem}
        for p in DEFAULT_SETS
        if p.exists()
        for q in map(json.loads, filter(str.strip, open(p, encoding="utf-8")))
        if q.get("in_scope") and q.get("gold_quotes")
    ]
    start = engine.tuning
    base = run(engine, start, questions)
    print(
        f"{len(questions)} questions; current: short {sum(s for s, _ in base) / len(base):.3f} "
        f"lead {sum(x for _, x in base) / len(base):.3f}"
    )
    idx = list(range(len(questions)))
    random.Random(13).shuffle(idx)
    held: dict[int, tuple[bool, bool]] = {}
    for f in range(5):
        test = idx[f::5]
        t = fit(engine, [questions[i] for i in idx if i not in set(test)], start)
        for i, r in zip(test, run(engine, t, [questions[i] for i in test]), strict=True):
            held[i] = r
    for name in dict.fromkeys(q["set"] for q in questions):
        mine = [held[i] for i, q in enumerate(questions) if q["set"] == name]
        print(
            f"  held-out {name:22} n={len(mine):3} short {sum(s for s, _ in mine) / len(mine):.3f} "
            f"lead {sum(x for _, x in mine) / len(mine):.3f}"
        )
    allh = list(held.values())
    print(
        f"held-out pooled: short {sum(s for s, _ in allh) / len(allh):.3f} "
        f"lead {sum(x for _, x in allh) / len(allh):.3f}"
    )
    t = fit(engine, questions, start)
    print({k: getattr(t, k) for k in GRID})


if __name__ == "__main__":
    main()
