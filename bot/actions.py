"""Pick 1–3 suggested actions (ask / advocate / analyse) for a question from the action library
built at ingest. Each action is verbatim corpus text and keeps its source chunk for the citation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot import lexical

INTENT = {
    "ask": re.compile(r"\b(ask|question|board|lead|who|find out)\b", re.I),
    "analyse": re.compile(r"\b(data|analy[sz]e|analysis|measure|monitor|audit|evidence|ethnicity|record)\b", re.I),
    "advocate": re.compile(r"\b(advocat\w*|ambassador|raise|awareness|champion|case|influence|colleagues)\b", re.I),
}


def load_library(build_dir: Path) -> list[dict]:
    path = build_dir / "library.json"
    if not path.exists():
        return []
    items = json.loads(path.read_text())
    for it in items:
        it["_tokens"] = set(lexical.tokenize(it["text"] + " " + (it.get("section") or "")))
    return items


def pick(library: list[dict], question: str, hits, query_tokens: list[str], idf: dict[str, float],
         limit: int = 3) -> list[dict]:
    if not library:
        return []
    hit_rank = {h.chunk_id: h.rank for h in hits}
    hit_docs = {h.chunk["doc_id"] for h in hits[:3]}
    q = set(query_tokens)
    scored = []
    for it in library:
        overlap = sum(idf.get(t, 1.0) for t in q & it["_tokens"])
        score = overlap
        if it["chunk_id"] in hit_rank:
            score += 3.0 / hit_rank[it["chunk_id"]]
        if it["doc_id"] in hit_docs:
            score += 0.5
        if INTENT[it["type"]].search(question):
            score += 1.0
        if score > 1.0:
            scored.append((score, it))
    scored.sort(key=lambda s: -s[0])
    picked: list[dict] = []
    types: set[str] = set()
    # Prefer one of each kind, so a clinician sees a question to ask, a case to make, data to look at.
    for _, it in scored:
        if it["type"] not in types:
            picked.append(it)
            types.add(it["type"])
        if len(picked) >= limit:
            break
    return [{k: v for k, v in it.items() if not k.startswith("_")} for it in picked]
