"""The lexical half of hybrid retrieval: a BM25 index over the shared tokenizer.

bm25s builds and saves the index (ingest). Answering reads bm25s's saved score matrix with numpy
alone: scoring a query is a sum of the matrix's columns for its words, and importing bm25s (with
scipy) would cost a cold start ~0.3 s for those few lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.engine.text import tokenize

# Robertson's usual values (k1 1.2-2.0, b 0.75); k1=1.2 because passages are short (~200 words) and
# a repeated term should saturate early. Changing them changes the index: ingest builds with these.
BM25_K1, BM25_B = 1.2, 0.75
# Lucene's BM25 has no score for a word a passage lacks, so the saved sparse matrix is the whole model.
METHOD = "lucene"


def build(texts: list[str], path: Path) -> None:
    """Index `texts` with bm25s and save the index to `path` (ingest only)."""
    import bm25s

    retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B, method=METHOD)
    retriever.index([tokenize(t) or ["_empty_"] for t in texts], show_progress=False)
    retriever.save(str(path))


class BM25Index:
    """bm25s's saved index: a word x passage matrix of precomputed BM25 term scores (CSC)."""

    def __init__(
        self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int
    ):
        self.vocab = vocab
        self.data, self.indices, self.indptr = data, indices, indptr
        self.n_docs = n_docs

    @classmethod
    def load(cls, path: Path, n_docs: int) -> BM25Index:
        params = json.loads((path / "params.index.json").read_text())
        if params.get("method", METHOD) != METHOD:
            raise ValueError(f"{path}: BM25 method {params['method']!r}, expected {METHOD!r}; re-run ingest")
        vocab = json.loads((path / "vocab.index.json").read_text())
        data, indices, indptr = (
            np.load(path / f"{name}.csc.index.npy") for name in ("data", "indices", "indptr")
        )
        return cls(vocab, data, indices, indptr, n_docs=n_docs)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """Each passage's BM25 score for the query (a repeated word counts each time, as in bm25s)."""
        scores = np.zeros(self.n_docs, dtype="float32")
        for token in query_tokens:
            column = self.vocab.get(token)
            if column is None:
                continue
            start, end = self.indptr[column], self.indptr[column + 1]
            scores[self.indices[start:end]] += self.data[start:end]
        return scores
