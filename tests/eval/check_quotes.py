#!/usr/bin/env python3
"""Check an eval set's gold quotes against the curated corpus: each must occur verbatim (case- and
whitespace-normalised, markdown emphasis and curly quotes ignored) in the document named by `doc`.

usage: python3 tests/eval/check_quotes.py tests/eval/*.jsonl     (prints each bad quote; exit 1 if any)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def normalise(text: str) -> str:
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [label](link) -> label
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"^\s*(?:[-*•]|\d{1,2}[.)]|#+)\s+", " ", text, flags=re.M)  # list markers, headings
    return re.sub(r"\s+", " ", text).strip().lower()


def main(paths: list[str]) -> int:
    docs = {
        p.stem: normalise(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.md") if p.stem != "README"
    }
    bad = 0
    for path in paths:
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                continue
            q = json.loads(line)
            if not q.get("in_scope") and not q.get("gold_quotes"):
                continue
            if q.get("in_scope") and not q.get("gold_quotes"):
                print(f"{path}:{n} {q.get('id')}: in scope but no gold quotes")
                bad += 1
            for quote in q.get("gold_quotes") or []:
                where = [q["doc"]] if q.get("doc") in docs else list(docs)
                if not any(normalise(quote) in docs[d] for d in where):
                    print(f"{path}:{n} {q.get('id')}: not verbatim in {q.get('doc')}: {quote!r}")
                    bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
