"""Exact (flat) against approximate (HNSW, IVF) dense search on the same vectors: time, memory and
recall@10 against flat. Used by the 1,000-document run and its size sweep (`benchmarks/thousand.py`).

Timings are single-threaded, as the engine pins FAISS. "full" is what the engine asks of a flat
index today (every passage's score, k = n); "top10" is the approximate indexes' job.
"""

from __future__ import annotations

import time

import numpy as np

from ingest.dense_index import hnsw, ivf


def _pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p)) if values else float("nan")


def _timed_search(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    ids, times = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, found = index.search(q[None, :], k)
        times.append((time.perf_counter() - t0) * 1000)
        ids.append(found[0])
    return np.array(ids), times


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    return float(np.mean([len(set(f[:k]) & set(t)) / k for f, t in zip(found, truth, strict=True)]))


def _size_mb(index) -> float:
    import faiss

    return float(len(faiss.serialize_index(index)) / 1e6)


def compare(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> dict:
    """Flat (full scan and top-k), HNSW and IVF on `vectors`: build seconds, size, search ms, recall@k."""
    import faiss

    faiss.omp_set_num_threads(1)
    vectors, queries = np.ascontiguousarray(vectors, "float32"), np.ascontiguousarray(queries, "float32")
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    truth, flat_top = _timed_search(flat, queries, k)
    _, flat_full = _timed_search(flat, queries[:50], len(vectors))
    out: dict = {
        "vectors": len(vectors),
        "flat": {
            "size_mb": _size_mb(flat),
            "full_scan_p50_ms": _pct(flat_full, 50),
            "full_scan_p99_ms": _pct(flat_full, 99),
            "top10_p50_ms": _pct(flat_top, 50),
            "top10_p99_ms": _pct(flat_top, 99),
        },
    }
    for name, build in (("hnsw", hnsw), ("ivf", ivf)):
        t0 = time.perf_counter()
        index = build(vectors)
        built = time.perf_counter() - t0
        found, times = _timed_search(index, queries, k)
        out[name] = {
            "build_s": built,
            "size_mb": _size_mb(index),
            "top10_p50_ms": _pct(times, 50),
            "top10_p99_ms": _pct(times, 99),
            f"recall_at_{k}": _recall(found, truth),
        }
    return out


def tiled(vectors: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """`size` vectors made from real ones plus small noise: for timing at sizes not embedded here
    (recall on near-copies is a harder case than real text, so it is reported but labelled)."""
    rng = np.random.default_rng(seed)
    rows = vectors[rng.integers(0, len(vectors), size)]
    noisy = rows + rng.normal(0, 0.03, rows.shape).astype("float32")
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype("float32")
