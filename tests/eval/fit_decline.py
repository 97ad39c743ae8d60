#!/usr/bin/env python3
"""Fit the answer-or-decline thresholds (`Tuning.min_dense` …) by 5-fold cross-validation over every
question set, and report the held-out folds.

usage: .venv/bin/python tests/eval/fit_decline.py [--index index]

Only questions left to the evidence take part: in-scope questions, which should be answered, and
off-topic or adjacent ones (kinds `offtopic`, `adjacent`), which the corpus does not cover and should
be declined as `no_evidence`. The other out-of-scope kinds have rules of their own (safety's scope
rules; the detail and statistics checks) and are measured by the eval, not fitted here. A coordinate
search over each threshold's grid maximises (share of out-of-scope declined) - 2 x (share of
in-scope declined) on the training folds: a wrong refusal of a clinician's real question costs more
than a weak answer that the citations show to be off topic.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot import safety  # noqa: E402
from bot.engine import (  # noqa: E402
    Engine,
    conversation,  # noqa: E402
    decide,
)
from bot.engine.tuning import Tuning  # noqa: E402
from tests.eval.fit_tuning import DEFAULT_SETS, coordinate_search  # noqa: E402

GRID = {
    "min_dense": [0.2, 0.25, 0.3, 0.35],
    "weak_dense": [0.35, 0.4, 0.45, 0.5],
    "min_coverage_when_weak": [0.3, 0.4, 0.5, 0.6, 0.7],
    "min_sentence_when_weak": [0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "max_unknown_share": [0.15, 0.25, 0.35, 0.5, 1.01],
    "max_dense_with_unknown_names": [0.4, 0.5, 0.6, 0.65, 0.7, 1.01],
    "sentence_offset": [0.0, 0.05, 0.1, 0.15, 0.2],
}
FA_COST = 2.0
EVIDENCE_KINDS = {"offtopic", "adjacent"}


def collect(engine: Engine, questions: list[dict]) -> list[tuple[decide.Evidence, bool, str]]:
    r = engine.retriever
    rows = []
    for q in questions:
        if not q["in_scope"] and q.get("kind") not in EVIDENCE_KINDS:
            continue
        g = safety.guard(q["question"])
        if g.scope is not None or g.pii_only or conversation.classify(g.redacted, r.vocabulary.knows):
            continue
        res = r.search(g.policy_text, k=8, history=q.get("history"))
        rows.append(
            (
                decide.evidence(res.hits, res.plan, r.vocabulary, g.policy_text, g.had_pii),
                bool(q["in_scope"]),
                q["set"],
            )
        )
    return rows


def rates(t: Tuning, rows) -> tuple[float, float]:
    ins = [decide.enough(e, t) for e, inside, _ in rows if inside]
    outs = [not decide.enough(e, t) for e, inside, _ in rows if not inside]
    return sum(outs) / (len(outs) or 1), 1 - sum(ins) / (len(ins) or 1)


def objective(t: Tuning, rows) -> float:
    declined, false = rates(t, rows)
    return declined - FA_COST * false


def fit(rows, start: Tuning) -> Tuning:
    return coordinate_search(start, GRID, lambda t: objective(t, rows))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "index"))
    a = ap.parse_args()
    engine = Engine.from_index(Path(a.index))
    questions = [
        {**json.loads(line), "set": p.stem}
        for p in DEFAULT_SETS
        if p.exists()
        for line in open(p, encoding="utf-8")
        if line.strip()
    ]
    rows = collect(engine, questions)
    print(
        f"{len(rows)} questions left to the evidence; current thresholds: "
        "declined {:.3f} of out-of-scope, {:.3f} of in-scope".format(*rates(engine.tuning, rows))
    )
    idx = list(range(len(rows)))
    random.Random(13).shuffle(idx)
    held = {}
    for f in range(5):
        test = set(idx[f::5])
        t = fit([rows[i] for i in idx if i not in test], engine.tuning)
        for i in test:
            held[i] = decide.enough(rows[i][0], t)
    for name in dict.fromkeys(s for *_, s in rows):
        ins = [not held[i] for i, r in enumerate(rows) if r[2] == name and r[1]]
        outs = [not held[i] for i, r in enumerate(rows) if r[2] == name and not r[1]]
        print(
            f"  held-out {name:22} declined out-of-scope {sum(outs)}/{len(outs)}, "
            f"in-scope {sum(ins)}/{len(ins)}"
        )
    t = fit(rows, engine.tuning)
    declined, false = rates(t, rows)
    print(f"fit on all: declined {declined:.3f} of out-of-scope, {false:.3f} of in-scope")
    print({k: getattr(t, k) for k in GRID})


if __name__ == "__main__":
    main()
