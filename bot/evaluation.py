"""`hibot eval`: retrieval and abstention metrics on a question set with verbatim gold quotes.

Same hit rule as shared/eval/score.py: a passage is a hit when it contains a gold quote
(case- and whitespace-normalised) or fuzzy partial ratio >= 90; a passage shorter than the quote
must match it as a whole.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz


def _norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip().lower()


def first_hit(quotes: list[str], texts: list[str], k: int = 10) -> int | None:
    qs = [_norm(q) for q in quotes]
    for rank, t in enumerate(texts[:k], 1):
        t = _norm(t)
        for q in qs:
            if q in t or (fuzz.partial_ratio(q, t) if len(t) >= len(q) else fuzz.ratio(q, t)) >= 90:
                return rank
    return None


def load_questions(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {n} is not valid JSON ({e.msg})") from None
    return rows


def evaluate(engine, questions: list[dict], k: int = 10) -> dict:
    ins = [q for q in questions if q.get("in_scope", True)]
    outs = [q for q in questions if not q.get("in_scope", True)]
    ranks: dict[str, int | None] = {}
    per_doc: dict[str, list[bool]] = defaultdict(list)
    false_abst, abst = [], []
    for q in questions:
        hist = q.get("history")
        ans = engine.answer(q["question"], history=hist)
        if q.get("in_scope", True):
            hits = engine.retriever.search(q["question"], k=k, history=hist).hits
            rank = first_hit(q.get("gold_quotes", []), [h.chunk["text"] for h in hits], k)
            ranks[q["id"]] = rank
            per_doc[q.get("doc", "?")].append(rank is not None and rank <= 5)
            if ans.abstained:
                false_abst.append(q["id"])
        elif ans.abstained:
            abst.append(q["id"])
    n = len(ins) or 1

    def at(k_: int) -> float:
        return round(sum(1 for v in ranks.values() if v is not None and v <= k_) / n, 4)

    return {
        "n_in_scope": len(ins),
        "n_out_scope": len(outs),
        "recall_at_1": at(1),
        "recall_at_5": at(5),
        "recall_at_10": at(10),
        "mrr_at_10": round(sum(1 / v for v in ranks.values() if v is not None and v <= 10) / n, 4),
        "abstention_rate": round(len(abst) / (len(outs) or 1), 4) if outs else None,
        "false_abstention_rate": round(len(false_abst) / n, 4) if ins else None,
        "per_doc_recall_at_5": {d: round(sum(v) / len(v), 3) for d, v in sorted(per_doc.items())},
        "missed_at_5": sorted(i for i, v in ranks.items() if v is None or v > 5),
        "false_abstentions": sorted(false_abst),
        "missed_abstentions": sorted(q["id"] for q in outs if q["id"] not in abst),
    }
