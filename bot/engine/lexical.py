"""The lexical half of hybrid retrieval: a BM25 index (bm25s) over the shared tokenizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.engine.text import tokenize

# Robertson's usual values (k1 1.2-2.0, b 0.75); k1=1.2 because passages are short (~200 words) and
# a repeated term should saturate early. Changing them changes the index: ingest builds with these.
BM25_K1, BM25_B = 1.2, 0.75


class BM25Index:
    def __init__(self, retriever, n_docs: int):
        self.retriever = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: list[str]) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        corpus_tokens = [tokenize(t) or ["_empty_"] for t in texts]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, path: Path) -> None:
        self.retriever.save(str(path))

    @classmethod
    def load(cls, path: Path, n_docs: int) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(path)), n_docs)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(self.n_docs, dtype="float32")
        return np.asarray(self.retriever.get_scores(query_tokens), dtype="float32")
