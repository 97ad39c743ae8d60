"""Hybrid retrieval over one index build: dense (FAISS, ONNX query encoder) + BM25, fused by RRF.

Query clean-up happens here because both halves need it: chat spellings ("wot r"), acronyms and
their expansions learned from the corpus at ingest ("ICB" <-> "integrated care board"), and
typos corrected against the corpus vocabulary (BM25 only matches words it has seen).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from bot import lexical

CHAT_SPELLINGS = {
    "wot": "what", "wat": "what", "wht": "what", "r": "are", "u": "you", "ur": "your", "abt": "about",
    "pls": "please", "plz": "please", "govt": "government", "nhse": "NHS England", "b4": "before",
    "2day": "today", "hw": "how", "y": "why", "shld": "should", "wrt": "with regard to", "dept": "department",
    "ppl": "people", "info": "information", "thx": "thanks", "im": "I am", "dont": "do not", "doesnt": "does not",
}
# Chat shorthand of the field, matched case-sensitively ("HI" is health inequalities, "hi" a greeting).
DOMAIN_SHORTHAND = {
    "HI": "health inequalities", "HIs": "health inequalities", "exec": "executive", "execs": "executives",
    "NEDs": "non-executive directors", "NED": "non-executive director", "C20P5": "Core20PLUS5",
}
ACRONYM_DEF = re.compile(r"\b([A-Z][A-Za-z&'’\-]+(?:\s+(?:and|of|for|the|in|&)?\s*[A-Z][A-Za-z&'’\-]+){1,7})\s*\(([A-Z][A-Za-z0-9+]{1,11}s?)\)")


@dataclass
class Hit:
    rank: int
    chunk: dict
    score: float  # fused score, rescaled to 0..1 for display
    dense: float  # cosine similarity of the query to the chunk
    bm25: float
    dense_rank: int
    bm25_rank: int

    @property
    def chunk_id(self) -> str:
        return self.chunk["chunk_id"]


@dataclass
class RetrievalSettings:
    depth: int = 50  # candidates taken from each ranker before fusion
    rrf_k: int = 10
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    dedupe_jaccard: float = 0.6
    reference_weight: float = 0.3  # reference lists and link dumps rank below prose that answers
    rerank_depth: int = 30
    coverage_weight: float = 0.5  # share of the query's (IDF-weighted) terms found in the passage
    document_weight: float = 0.3  # share of the query's terms that name the passage's document
    # Best single sentence's similarity: a passage with one sentence that answers outranks one
    # that is only broadly on topic (a passage vector averages all its sentences).
    sentence_weight: float = 0.3


@dataclass
class QueryPlan:
    original: str
    text: str  # cleaned text for the dense encoder
    bm25_tokens: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)


class Retriever:
    def __init__(self, build_dir: Path, settings: RetrievalSettings | None = None, threads: int = 1):
        from ingest.index_store import read_chunks

        self.build_dir = build_dir
        self.settings = settings or RetrievalSettings()
        self.manifest = json.loads((build_dir / "manifest.json").read_text())
        self.chunks = read_chunks(build_dir)
        self.documents: dict[str, dict] = self.manifest.get("documents", {})
        self.threads = threads
        self.timing: dict[str, float] = {}
        self.is_reference = np.array([_looks_like_references(c) for c in self.chunks], dtype=bool)
        self.last_plan: QueryPlan | None = None
        self.last_unit_similarities: np.ndarray | None = None  # question vs every answer unit, last search
        self._corrections: dict[tuple[str, int], str | None] = {}
        self._shingle_cache: dict[int, set] = {}

    # --- loaded on first use, so `hibot search` pays only for what it needs -------------------
    @cached_property
    def dense_index(self):
        import faiss

        # Default OpenMP threads next to onnxruntime cost ~30x on 2 cores (measured); one is fastest
        # at this size.
        faiss.omp_set_num_threads(self.threads)
        return faiss.read_index(str(self.build_dir / "dense.faiss"))

    @cached_property
    def encoder(self):
        from bot.query_encoder import QueryEncoder

        return QueryEncoder(self.build_dir / "query_encoder.onnx", self.build_dir / "tokenizer.json",
                            threads=self.threads)

    @cached_property
    def bm25(self) -> lexical.BM25Index:
        return lexical.BM25Index.load(self.build_dir / "bm25", len(self.chunks))

    @cached_property
    def chunk_tokens(self) -> list[set[str]]:
        return [set(lexical.tokenize(c["embed_text"])) for c in self.chunks]

    @cached_property
    def document_tokens(self) -> dict[str, set[str]]:
        """Words that name a document ("Hunt letter", "board guide", "RCP"): its title, publisher,
        year and description, less the words every document shares."""
        docs = {d: set(lexical.tokenize(" ".join(str(m.get(k) or "") for k in
                                                 ("doc_id", "title", "publisher", "year", "description"))))
                for d, m in self.documents.items()}
        common = set.intersection(*docs.values()) if len(docs) > 1 else set()
        return {d: toks - common for d, toks in docs.items()}

    @cached_property
    def idf(self) -> dict[str, float]:
        import math

        df: dict[str, int] = {}
        for toks in self.chunk_tokens:
            for t in toks:
                df[t] = df.get(t, 0) + 1
        n = len(self.chunks) or 1
        return {t: math.log(1 + n / d) for t, d in df.items()}

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.chunks:
            for w in lexical.words(c["embed_text"]):
                counts[w] = counts.get(w, 0) + 1
        return counts

    @cached_property
    def acronyms(self) -> dict[str, str]:
        """Acronym -> expansion, learned from "Long Form (ACR)" in the corpus itself."""
        found: dict[str, str] = {}
        for c in self.chunks:
            for long, short in ACRONYM_DEF.findall(c["text"]):
                key = short.rstrip("s").lower() if short.endswith("s") and len(short) > 2 else short.lower()
                initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", long) if w[0].isupper()).lower()
                # Keep only the words the initials actually cover ("... of the Integrated Care Board (ICB)").
                words = long.split()
                if initials and key[:1] == initials[:1] or key[:1] in initials:
                    start = next((i for i, w in enumerate(words) if w[:1].lower() == key[:1]), 0)
                    found.setdefault(key, " ".join(words[start:]))
        return found

    @cached_property
    def units(self) -> tuple[dict[str, list[tuple[str, bool, int]]], np.ndarray | None]:
        """Answer units (text, is list item, vector row) by chunk id, and their vectors; empty for
        builds made before units were stored."""
        from ingest.index_store import read_units

        stored = read_units(self.build_dir)
        by_chunk: dict[str, list[tuple[str, bool, int]]] = {}
        for row, u in enumerate(stored[0] if stored else []):
            by_chunk.setdefault(u["chunk_id"], []).append((u["text"], u["item"], row))
        return by_chunk, (stored[1] if stored else None)

    @cached_property
    def unit_rows(self) -> list[np.ndarray]:
        """Rows of each chunk's units in the unit-vector matrix, by chunk position."""
        by_chunk = self.units[0]
        return [np.array([r for _, _, r in by_chunk.get(c["chunk_id"], [])], dtype=np.int64) for c in self.chunks]

    def warm(self) -> None:
        self.dense_index, self.bm25, self.vocabulary, self.acronyms, self.idf, self.document_tokens, self.unit_rows  # noqa: B018
        self.encoder.encode(["warm up"])

    # --- query ------------------------------------------------------------------------------
    def plan(self, question: str, history: list[str] | None = None) -> QueryPlan:
        raw_words = re.findall(r"[A-Za-z0-9+']+|[^A-Za-z0-9+'\s]+", question)
        fixed = [DOMAIN_SHORTHAND.get(w) or CHAT_SPELLINGS.get(w.lower(), w) for w in raw_words]
        text = " ".join(fixed)
        vocab = self.vocabulary
        expansions: list[str] = []
        corrected: list[str] = []
        for w in lexical.words(text):
            acronym = w if w in self.acronyms else w[:-1] if w.endswith("s") and w[:-1] in self.acronyms else None
            if acronym:
                expansions.append(self.acronyms[acronym])
            if w in vocab or w in lexical.STOPWORDS or len(w) < 4 or w.isdigit():
                corrected.append(w)
                continue
            corrected.append(self._correct(w) or w)
        dense_text = text
        if corrected != lexical.words(text):
            dense_text = " ".join(corrected)
        if history:
            # A follow-up ("and for children?") is read with the previous question for context.
            dense_text = f"{history[-1]} {dense_text}"
        bm25_text = " ".join(corrected + expansions + (lexical.words(history[-1]) if history else []))
        return QueryPlan(original=question, text=dense_text + (" " + " ".join(expansions) if expansions else ""),
                         bm25_tokens=lexical.tokenize(bm25_text), expansions=expansions)

    def _correct(self, word: str, cutoff: int = 80) -> str | None:
        key = (word, cutoff)
        if key not in self._corrections:
            self._corrections[key] = self._closest(word, cutoff)
        return self._corrections[key]

    def _closest(self, word: str, cutoff: int) -> str | None:
        from rapidfuzz import fuzz, process

        best = process.extractOne(word, self.vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=cutoff)
        return best[0] if best else None

    def search(self, question: str, k: int = 10, history: list[str] | None = None,
               doc_filter: set[str] | None = None) -> list[Hit]:
        s = self.settings
        t0 = time.perf_counter()
        plan = self.last_plan = self.plan(question, history)
        qv = self.encoder.encode([plan.text])
        t1 = time.perf_counter()
        n = len(self.chunks)
        depth = min(n, max(s.depth, k))
        dense_scores, dense_ids = self.dense_index.search(qv, n if doc_filter else depth)
        dense_scores, dense_ids = dense_scores[0], dense_ids[0]
        bm25_all = self.bm25.scores(plan.bm25_tokens)
        # Only the top `depth` need ordering: argpartition keeps a 100x corpus cheap.
        top_idx = np.argpartition(-bm25_all, depth - 1)[:depth] if depth < n else np.arange(n)
        bm25_order = top_idx[np.argsort(-bm25_all[top_idx], kind="stable")]
        fused: dict[int, float] = {}
        dense_rank: dict[int, int] = {}
        dense_sim: dict[int, float] = {}
        for r, (i, sc) in enumerate(zip(dense_ids, dense_scores, strict=False), 1):
            if i < 0:
                continue
            dense_rank[int(i)] = r
            dense_sim[int(i)] = float(sc)
        bm25_rank: dict[int, int] = {}
        for r, i in enumerate(bm25_order[:depth], 1):
            if bm25_all[i] <= 0:
                break
            bm25_rank[int(i)] = r
        for i, r in dense_rank.items():
            if r <= depth:
                fused[i] = fused.get(i, 0.0) + s.dense_weight / (s.rrf_k + r)
        for i, r in bm25_rank.items():
            fused[i] = fused.get(i, 0.0) + s.bm25_weight / (s.rrf_k + r)
        for i in fused:
            if self.is_reference[i]:
                fused[i] *= s.reference_weight
        top = (s.dense_weight + s.bm25_weight) / (s.rrf_k + 1)
        order = sorted(fused, key=lambda i: -fused[i])
        if doc_filter:
            order = [i for i in order if self.chunks[i]["doc_id"] in doc_filter]
        # Rerank the head: rank fusion ignores how much of the question a passage actually covers.
        head = order[: s.rerank_depth]
        qset = set(plan.bm25_tokens)
        qmass = sum(self.idf.get(t, 1.0) for t in qset) or 1.0
        doc_match = {d: sum(self.idf.get(t, 1.0) for t in qset & toks) / qmass
                     for d, toks in self.document_tokens.items()}
        unit_vectors = self.units[1]
        # One product for every sentence of the corpus (~1k) is cheaper than one per passage.
        self.last_unit_similarities = unit_sims = unit_vectors @ qv[0] if unit_vectors is not None else None
        for i in head:
            covered = sum(self.idf.get(t, 1.0) for t in qset & self.chunk_tokens[i]) / qmass
            rows = self.unit_rows[i]
            sentence = float(unit_sims[rows].max()) if unit_sims is not None and len(rows) else 0.0
            fused[i] = (fused[i] / top + s.coverage_weight * covered
                        + s.document_weight * doc_match.get(self.chunks[i]["doc_id"], 0.0)
                        + s.sentence_weight * max(sentence, 0.0))
        for i in order[s.rerank_depth:]:
            fused[i] = fused[i] / top
        order = sorted(head, key=lambda i: -fused[i]) + order[s.rerank_depth:]
        top = 1.0 + s.coverage_weight + s.document_weight + s.sentence_weight
        hits: list[Hit] = []
        kept_shingles: list[set] = []
        for i in order:
            sh = self._shingle_cache.get(i)
            if sh is None:
                sh = self._shingle_cache[i] = _shingles(self.chunks[i]["text"])
            if any(_jaccard(sh, other) >= s.dedupe_jaccard for other in kept_shingles):
                continue
            kept_shingles.append(sh)
            if i not in dense_sim:
                dense_sim[i] = float(self.dense_index.reconstruct(int(i)) @ qv[0])
            hits.append(Hit(rank=len(hits) + 1, chunk=self.chunks[i], score=round(fused[i] / top, 4),
                            dense=dense_sim[i], bm25=float(bm25_all[i]),
                            dense_rank=dense_rank.get(i, 0), bm25_rank=bm25_rank.get(i, 0)))
            if len(hits) >= k:
                break
        t2 = time.perf_counter()
        self.timing = {"embed": (t1 - t0) * 1000, "search": (t2 - t1) * 1000}
        return hits


def _looks_like_references(chunk: dict) -> bool:
    from bot.compose import REFERENCE_SECTION, is_reference

    if REFERENCE_SECTION.search(chunk.get("section") or ""):
        return True
    lines = [ln for ln in chunk["text"].split("\n") if ln.strip()]
    return bool(lines) and sum(1 for ln in lines if is_reference(ln)) / len(lines) >= 0.5


def _shingles(text: str, n: int = 5) -> set:
    w = lexical.words(text)
    return {tuple(w[i:i + n]) for i in range(max(1, len(w) - n + 1))}


def _jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
