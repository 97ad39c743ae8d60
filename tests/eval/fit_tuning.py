#!/usr/bin/env python3
"""Fit the fused-ranking weights (`Tuning.fusion`) by 5-fold cross-validation over every question set,
and report the held-out folds, never the fit.

usage: .venv/bin/python tests/eval/fit_tuning.py [--index index] [--sets FILE.jsonl ...]

For each in-scope question the retriever's own candidates and features are computed once (the same
code that serves); a passage is relevant when it holds a gold quote (the scorer's rule). Weights
minimise a listwise softmax loss (-log of the probability mass on relevant candidates) with L2,
by L-BFGS. The printed weights are what `Tuning.fusion` holds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from bot.engine.query import plan  # noqa: E402
from bot.engine.tuning import FEATURES  # noqa: E402
from bot.evaluation import first_hit  # noqa: E402

DEFAULT_SETS = [
    ROOT.parent / "shared" / "eval" / f for f in ("dev.jsonl", "independent-a.jsonl", "independent-b.jsonl")
]
DEFAULT_SETS += [
    ROOT / "tests" / "eval" / f
    for f in ("questions.jsonl", "hard.jsonl", "conversation.jsonl", "conversation-2.jsonl")
]
L2 = 0.01


def collect(engine: Engine, questions: list[dict]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, dict]]:
    r = engine.retriever
    rows = []
    for q in questions:
        p = plan(r.vocabulary, q["question"], q.get("history"))
        cand, feats = r.features(p, r.signals(p, r.embed(p)))
        gold = np.array([first_hit(q["gold_quotes"], [r.chunks[i]["text"]], 1) is not None for i in cand])
        rows.append((cand, feats, gold, q))
    return rows


def loss(w: np.ndarray, rows) -> float:
    # Each set weighs the same, so the 70 paraphrases count as much as the 130 of a larger set.
    sizes: dict[str, int] = {}
    for *_, q in rows:
        sizes[q["set"]] = sizes.get(q["set"], 0) + 1
    total = 0.0
    for _, f, g, q in rows:
        if not g.any():
            continue
        s = f @ w
        m = s.max()
        lse = m + np.log(np.exp(s - m).sum())
        total += (lse - (np.log(np.exp(s[g] - m).sum()) + m)) / sizes[q["set"]]
    return total / len(sizes) + L2 * float(w @ w)


def fit(rows, start: np.ndarray) -> np.ndarray:
    """A smooth fit first, then coordinate ascent on what is reported (R@5 + MRR@10): the softmax
    loss rewards probability mass, the metrics only the first relevant rank."""
    w = minimize(loss, start, args=(rows,), method="L-BFGS-B").x
    best = sum(metrics(ranks(w, rows)))
    for _ in range(3):
        improved = False
        for j in range(len(w)):
            for step in (-0.5, -0.25, 0.25, 0.5):
                cand = w.copy()
                cand[j] += step
                score = sum(metrics(ranks(cand, rows)))
                if score > best + 1e-9:
                    w, best, improved = cand, score, True
        if not improved:
            break
    return w


def ranks(w: np.ndarray, rows) -> list[int | None]:
    out = []
    for _, f, g, _ in rows:
        order = np.argsort(-(f @ w), kind="stable")
        hit = np.flatnonzero(g[order])
        out.append(int(hit[0]) + 1 if len(hit) and hit[0] < 10 else None)
    return out


def metrics(rs: list[int | None]) -> tuple[float, float]:
    n = len(rs) or 1
    return sum(1 for x in rs if x and x <= 5) / n, sum(1 / x for x in rs if x) / n


def coordinate_search(start, grid: dict[str, list], score, rounds: int = 3):
    """Try each value of each knob of `grid` on a `Tuning`, keep what raises `score(tuning)`; repeat
    until a round changes nothing (the decline and composition fits use it)."""
    best, best_s = start, score(start)
    for _ in range(rounds):
        improved = False
        for k, values in grid.items():
            for v in values:
                cand = dataclasses.replace(best, **{k: v})
                s = score(cand)
                if s > best_s + 1e-9:
                    best, best_s, improved = cand, s, True
        if not improved:
            break
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--sets", nargs="*", default=[str(p) for p in DEFAULT_SETS if p.exists()])
    a = ap.parse_args()
    engine = Engine.from_index(Path(a.index))
    questions = []
    for path in a.sets:
        for line in open(path, encoding="utf-8"):
            q = json.loads(line) if line.strip() else None
            if q and q.get("in_scope") and q.get("gold_quotes"):
                questions.append({**q, "set": Path(path).stem})
    rows = collect(engine, questions)
    start = engine.tuning.fusion_vector
    print(
        f"{len(rows)} questions; current weights: R@5 {metrics(ranks(start, rows))[0]:.3f} "
        f"MRR@10 {metrics(ranks(start, rows))[1]:.3f} (pooled, before dedupe)"
    )
    idx = list(range(len(rows)))
    random.Random(13).shuffle(idx)
    held: list[int | None] = [None] * len(rows)
    for f in range(5):
        test = idx[f::5]
        train = [rows[i] for i in idx if i not in set(test)]
        w = fit(train, start)
        for i, rk in zip(test, ranks(w, [rows[i] for i in test]), strict=True):
            held[i] = rk
    print("held-out, pooled: R@5 {:.3f} MRR@10 {:.3f}".format(*metrics(held)))
    for name in dict.fromkeys(q["set"] for q in questions):
        mine = [held[i] for i, q in enumerate(questions) if q["set"] == name]
        r5, mrr = metrics(mine)
        print(f"  held-out {name:22} n={len(mine):3}  R@5 {r5:.3f} MRR@10 {mrr:.3f}")
    w = fit(rows, start)
    print("fit on all: R@5 {:.3f} MRR@10 {:.3f}".format(*metrics(ranks(w, rows))))
    print("fusion = (" + ", ".join(f"{x:.3f}" for x in w) + ")  # " + ", ".join(FEATURES))


if __name__ == "__main__":
    main()
