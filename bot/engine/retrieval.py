"""Hybrid retrieval over one index build: passage vectors (FAISS), best-sentence vectors and BM25,
fused by reciprocal rank, then the head reranked by what each passage covers of the question.

`search()` returns everything it found in a `SearchResult`; it leaves nothing on the retriever,
so one retriever serves many threads at once.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.engine import text as T
from bot.engine.index import read_chunks, read_units
from bot.engine.lexical import BM25Index
from bot.engine.query import QueryPlan, Vocabulary, plan
from bot.engine.query_encoder import QueryEncoder
from bot.engine.tuning import DEFAULT, FEATURES, Tuning

QUERY_CACHE_SIZE = 2048  # texts; 1.5 KB each


@dataclass
class Hit:
    rank: int
    chunk: dict
    score: float  # fused score, rescaled to 0..1 for display
    dense: float  # cosine similarity of the query to the passage
    bm25: float
    dense_rank: int
    bm25_rank: int
    sentence: float = 0.0  # cosine of the query to the passage's closest sentence

    @property
    def chunk_id(self) -> str:
        return self.chunk["chunk_id"]

    @classmethod
    def cited(cls, chunk: dict) -> Hit:
        """A passage cited without having been searched for (an action's source, a summary's)."""
        return cls(rank=0, chunk=chunk, score=0.0, dense=0.0, bm25=0.0, dense_rank=0, bm25_rank=0)


@dataclass
class Signals:
    dense: np.ndarray  # cosine of the question to each passage vector
    bm25: np.ndarray
    sentence: np.ndarray  # cosine of the question to each passage's closest sentence
    unit_sims: np.ndarray | None  # cosine of the question to every sentence


@dataclass
class SearchResult:
    hits: list[Hit]
    plan: QueryPlan
    # The question's cosine to every answer unit of the build (None for builds without unit vectors).
    unit_similarities: np.ndarray | None = None
    timing: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None  # the query vector searched with


TALKED_OF_KEPT = 256  # conversations whose document is remembered (a plain bound: it is cheap to find again)


class Retriever:
    def __init__(self, build_dir: Path, tuning: Tuning = DEFAULT, threads: int = 1):
        self.build_dir = build_dir
        self.tuning = tuning
        self.manifest = json.loads((build_dir / "manifest.json").read_text())
        self.chunks = read_chunks(build_dir)
        self.documents: dict[str, dict] = self.manifest.get("documents", {})
        self.threads = threads
        self.vocabulary = Vocabulary(self.chunks, self.documents)
        self.is_reference = np.array([T.looks_like_references(c) for c in self.chunks], dtype=bool)
        self.position = self.vocabulary.position
        self._talked_of: dict[tuple[str, ...], str | None] = {}  # conversation_document, per last two turns
        # The query encoder (a 90 MB ONNX graph) is the slowest thing to load and every question needs
        # it: start loading it now, beside the rest of the start-up, rather than on the first question.
        # Not a daemon thread: a process leaving while onnxruntime builds its session aborts.
        self._encoder: Future[QueryEncoder] = Future()
        threading.Thread(target=self._load_encoder, name="hibot-encoder-load").start()

    # --- loaded on first use, so `hibot search` pays only for what it needs -------------------
    @cached_property
    def dense_index(self):
        import faiss

        # Default OpenMP threads next to onnxruntime cost ~30x on 2 cores (measured); one is fastest
        # at this size.
        faiss.omp_set_num_threads(self.threads)
        return faiss.read_index(str(self.build_dir / "dense.faiss"))

    def _load_encoder(self) -> None:
        try:
            self._encoder.set_result(
                QueryEncoder(
                    self.build_dir / "query_encoder.onnx",
                    self.build_dir / "tokenizer.json",
                    threads=self.threads,
                    cache_size=QUERY_CACHE_SIZE,
                )
            )
        except BaseException as e:  # raised again, in the caller's thread, by the first question
            self._encoder.set_exception(e)

    @property
    def encoder(self) -> QueryEncoder:
        return self._encoder.result()

    @cached_property
    def bm25(self) -> BM25Index:
        return BM25Index.load(self.build_dir / "bm25", len(self.chunks))

    @cached_property
    def shingles(self) -> list[frozenset]:
        return [_shingles(c["text"]) for c in self.chunks]

    @cached_property
    def document_tokens(self) -> dict[str, set[str]]:
        """Words that name a document ("Hunt letter", "board guide", "RCP"): its title, publisher,
        year, aliases and description, less the words every document shares."""
        keys = ("doc_id", "title", "publisher", "year", "description", "aliases")
        docs = {
            d: set(T.tokenize(" ".join(_flat(m.get(k)) for k in keys))) for d, m in self.documents.items()
        }
        common = set.intersection(*docs.values()) if len(docs) > 1 else set()
        return {d: toks - common for d, toks in docs.items()}

    @cached_property
    def units(self) -> tuple[dict[str, list[tuple[str, bool, int]]], np.ndarray | None]:
        """Answer units (text, is list item, vector row) by chunk id, and their vectors."""
        stored = read_units(self.build_dir)
        by_chunk: dict[str, list[tuple[str, bool, int]]] = {}
        for row, u in enumerate(stored[0] if stored else []):
            by_chunk.setdefault(u["chunk_id"], []).append((u["text"], u["item"], row))
        return by_chunk, (stored[1] if stored else None)

    @cached_property
    def unit_chunk(self) -> np.ndarray:
        """The chunk position of each unit-vector row."""
        by_chunk = self.units[0]
        out = np.zeros(sum(len(v) for v in by_chunk.values()), dtype=np.int64)
        for cid, rows in by_chunk.items():
            out[[r for _, _, r in rows]] = self.position[cid]
        return out

    def warm(self) -> None:
        _ = (self.dense_index, self.bm25, self.vocabulary.idf, self.vocabulary.acronyms, self.shingles)
        _ = (self.document_tokens, self.unit_chunk)
        self.encoder.encode(["warm up"])

    # --- query ------------------------------------------------------------------------------
    def embed(self, p: QueryPlan) -> np.ndarray:
        """The query vector. A follow-up ("and for children?") means little alone, so it is read with
        the question it follows; its own vector keeps a follow-up that changes topic on its topic."""
        if not p.context:
            return self.encoder.encode([p.text])[0]
        own, joint = self.encoder.encode([p.text, f"{p.context} {p.text}"])
        v = own + self.tuning.history_weight * joint
        return v / (np.linalg.norm(v) or 1.0)

    def search(
        self, question: str, k: int = 10, history: list[str] | None = None, doc_filter: set[str] | None = None
    ) -> SearchResult:
        t0 = time.perf_counter()
        p = plan(self.vocabulary, question, history)
        qv = self.embed(p)
        t1 = time.perf_counter()
        sig = self.signals(p, qv)
        cand, feats = self.features(p, sig)
        scores = feats @ self.tuning.fusion_vector
        if history and self.tuning.conversation_document_weight:
            talked_of = self.conversation_document(history)
            scores += self.tuning.conversation_document_weight * np.array(
                [self.chunks[i]["doc_id"] == talked_of for i in cand], dtype="float64"
            )
        order = [int(cand[j]) for j in np.argsort(-scores, kind="stable")]
        if doc_filter:
            order = [i for i in order if self.chunks[i]["doc_id"] in doc_filter]
        score_of = dict(zip(cand.tolist(), scores.tolist(), strict=True))
        hits = self._hits(order, k, sig, score_of)
        timing = {"embed": (t1 - t0) * 1000, "search": (time.perf_counter() - t1) * 1000}
        return SearchResult(hits=hits, plan=p, unit_similarities=sig.unit_sims, timing=timing, vector=qv)

    def conversation_document(self, history: list[str]) -> str | None:
        """The document the conversation is about: where the previous question's best passage is. A
        follow-up ("anything about GPs in there?", "what's OHID's role then?") stays with it unless
        its own words and meaning point clearly elsewhere."""
        key = tuple(history[-2:])  # the engine asks it again for the same turns, as search does
        known = self._talked_of.get(key, ...)  # one lookup: another thread may clear it meanwhile
        if known is not ...:
            return known
        hits = self.search(history[-1], k=1, history=history[-2:-1] or None).hits
        doc_id = hits[0].chunk["doc_id"] if hits else None
        if len(self._talked_of) >= TALKED_OF_KEPT:
            self._talked_of.clear()
        self._talked_of[key] = doc_id
        return doc_id

    def signals(self, p: QueryPlan, qv: np.ndarray) -> Signals:
        """Every passage's closeness to the question by meaning (its vector, its closest sentence)
        and by words (BM25)."""
        n = len(self.chunks)
        unit_vectors = self.units[1]
        unit_sims = unit_vectors @ qv if unit_vectors is not None else None
        best_sentence = np.zeros(n, dtype="float32")
        if unit_sims is not None and len(unit_sims):
            best_sentence.fill(-1.0)
            np.maximum.at(best_sentence, self.unit_chunk, unit_sims)
        return Signals(
            self.passage_similarities(qv), self.bm25.scores(p.bm25_tokens), best_sentence, unit_sims
        )

    def features(self, p: QueryPlan, sig: Signals) -> tuple[np.ndarray, np.ndarray]:
        """Candidates (the union of each ranking's top `depth`) and their features (`FEATURES`)."""
        t = self.tuning
        n = len(self.chunks)
        depth = min(n, t.depth)
        ranks = [
            _rrf(sig.dense, depth, t.rrf_k),
            _rrf(sig.bm25, depth, t.rrf_k, positive_only=True),
            _rrf(sig.sentence, depth, t.rrf_k),
        ]
        cand = np.flatnonzero((ranks[0] > 0) | (ranks[1] > 0) | (ranks[2] > 0))
        vocab = self.vocabulary
        qset = set(p.bm25_tokens)
        coverage = np.array([vocab.share(qset, vocab.chunk_tokens[i]) for i in cand])
        doc_match = {d: vocab.share(qset, toks) for d, toks in self.document_tokens.items()}
        document = np.array([doc_match.get(self.chunks[i]["doc_id"], 0.0) for i in cand])
        conf = self.lexical_confidence(p, sig.bm25)
        # 1 when words cannot see the question at all, 0 once BM25's best passages hold enough of it.
        doubt = float(np.clip((t.confident_at - conf) / t.confidence_ramp, 0.0, 1.0))
        bm25_rank = ranks[1][cand]
        columns = {
            "dense": sig.dense[cand],
            "sentence": np.maximum(sig.sentence[cand], 0.0),
            "dense_rank": ranks[0][cand],
            "bm25_rank": bm25_rank,
            "sentence_rank": ranks[2][cand],
            "coverage": coverage,
            "document": document,
            "reference": self.is_reference[cand].astype("float64"),
            "bm25_rank_if_confident": bm25_rank * conf,
            "coverage_if_confident": coverage * conf,
            "dense_if_doubtful": sig.dense[cand] * doubt,
            "sentence_if_doubtful": np.maximum(sig.sentence[cand], 0.0) * doubt,
            "dense_rank_if_doubtful": ranks[0][cand] * doubt,
            "sentence_rank_if_doubtful": ranks[2][cand] * doubt,
        }
        return cand, np.column_stack([columns[f] for f in FEATURES]).astype("float64")

    def lexical_confidence(self, p: QueryPlan, bm25: np.ndarray) -> float:
        """How far words can be trusted for this question: the IDF-weighted share of its terms that
        BM25's best passages hold. A paraphrase shares only generic words with the passage that
        answers it, and then BM25's top passages cover little of the question."""
        vocab = self.vocabulary
        qset = set(T.tokenize(p.text))
        rarest = max(vocab.idf.values(), default=1.0)  # a word the corpus never uses counts fully against
        top = np.argsort(-bm25)[: self.tuning.confidence_passages]
        return max((vocab.share(qset, vocab.chunk_tokens[i], unknown=rarest) for i in top), default=0.0)

    def _hits(self, order: list[int], k: int, sig: Signals, score_of: dict[int, float]) -> list[Hit]:
        dense_rank, bm25_rank = _ranks(sig.dense), _ranks(sig.bm25)
        hits: list[Hit] = []
        kept: list[frozenset] = []
        for i in order:
            if any(_jaccard(self.shingles[i], other) >= self.tuning.dedupe_jaccard for other in kept):
                continue  # the same text twice (a repeated paragraph) is one result
            kept.append(self.shingles[i])
            hits.append(
                Hit(
                    rank=len(hits) + 1,
                    chunk=self.chunks[i],
                    score=round(score_of[i], 4),
                    dense=float(sig.dense[i]),
                    bm25=float(sig.bm25[i]),
                    dense_rank=int(dense_rank[i]),
                    bm25_rank=int(bm25_rank[i]) if sig.bm25[i] > 0 else 0,
                    sentence=float(sig.sentence[i]),
                )
            )
            if len(hits) >= k:
                break
        return hits

    def passage_similarities(self, qv: np.ndarray) -> np.ndarray:
        """The question's cosine to every passage, from an exact FAISS search over all of them."""
        n = len(self.chunks)
        out = np.zeros(n, dtype="float32")
        if n:
            scores, ids = self.dense_index.search(qv[None, :].astype("float32"), n)
            keep = ids[0] >= 0
            out[ids[0][keep]] = scores[0][keep]
        return out


def _rrf(scores: np.ndarray, depth: int, k: int, positive_only: bool = False) -> np.ndarray:
    """Reciprocal rank (k + 1) / (k + rank) for the top `depth` of one ranking (1 at rank 1), else 0."""
    out = np.zeros(len(scores), dtype="float64")
    if not len(scores):
        return out
    top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    if positive_only:
        top = top[scores[top] > 0]
    out[top] = (k + 1) / (k + np.arange(1, len(top) + 1))
    return out


def _ranks(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def _flat(value) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value or "")


def _shingles(text: str, n: int = 5) -> frozenset:
    w = T.words(text)
    return frozenset(tuple(w[i : i + n]) for i in range(max(1, len(w) - n + 1)))


def _jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
