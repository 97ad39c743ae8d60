"""Lexical side of hybrid retrieval: one tokenizer for corpus and queries, and the BM25 index (bm25s)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

TOKEN = re.compile(r"[a-z0-9]+(?:[+'][a-z0-9]+)*")
STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
tell say says said mean means please thanks hi hello hey whats
""".split())


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english").stemWord
    except ImportError:  # PyStemmer is a declared dependency; this only keeps a broken install usable
        return lambda w: w


def words(text: str) -> list[str]:
    return TOKEN.findall(text.lower().replace("’", "'"))


def tokenize(text: str) -> list[str]:
    stem = _stemmer()
    return [stem(w) for w in words(text) if w not in STOPWORDS]


class BM25Index:
    def __init__(self, retriever, n_docs: int):
        self.retriever = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: list[str]) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
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
