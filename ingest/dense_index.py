"""The FAISS index over passage vectors: exact (IndexFlatIP) below APPROXIMATE_FROM passages, IVF
(IndexIVFFlat) from there. Both hold normalised vectors, so inner product is cosine.

Why these numbers (`hibot bench --docs 1000` and its size sweep; the figures are in index/README.md):
exact search gives the engine every passage's score in well under a millisecond at a trust's
thousand documents (1,369 passages) but grows linearly, past a few milliseconds by ~20k passages.
At 20k and 100k, IVF kept recall@10 against flat at 0.987 and 0.9995 with top-10 queries under
1 and 4 ms (shared 2 cores), and builds 3-5x faster than HNSW, whose recall at efSearch 64 fell to
0.96 and 0.87 on the same vectors. HNSW stays here for comparison.
"""

from __future__ import annotations

import numpy as np

APPROXIMATE_FROM = 20_000  # passages
HNSW_M = 32  # graph degree: FAISS's usual choice for 384-d text vectors
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64


def flat(vectors: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


def ivf(vectors: np.ndarray):
    """4·√n lists, an eighth of them probed per query (nprobe is stored in the index file)."""
    import faiss

    nlist = max(1, int(4 * np.sqrt(len(vectors))))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors)
    index.add(vectors)
    index.nprobe = max(1, nlist // 8)
    return index


def hnsw(vectors: np.ndarray):
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(vectors)
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def build_dense_index(vectors: np.ndarray):
    return ivf(vectors) if len(vectors) >= APPROXIMATE_FROM else flat(vectors)
