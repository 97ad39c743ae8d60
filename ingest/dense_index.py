"""The FAISS index over passage vectors: exact (IndexFlatIP) up to APPROXIMATE_FROM passages, HNSW
above. Both hold normalised vectors, so inner product is cosine.

Why these numbers (`hibot bench --docs 1000` and its size sweep, index/README.md): exact search
answers the engine's question, every passage's score, in well under a millisecond at a trust's
thousand documents, and it grows linearly; HNSW keeps a top-k query under a millisecond at any
size here, at the cost of recall < 1 and a slower build.
"""

from __future__ import annotations

import numpy as np

APPROXIMATE_FROM = 100_000  # passages
HNSW_M = 32  # graph degree: FAISS's usual choice for 384-d text vectors
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64  # stored in the index file; recall@10 against flat in index/README.md


def hnsw(vectors: np.ndarray):
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(vectors)
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def flat(vectors: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


def build_dense_index(vectors: np.ndarray):
    return hnsw(vectors) if len(vectors) >= APPROXIMATE_FROM else flat(vectors)
