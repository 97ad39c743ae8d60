"""The 1,000-document benchmark's inputs and measures, on a small scale (the run itself is
`hibot bench --docs 1000`, never part of the test suite): the synthetic documents are reworded
guidance, not copies and not noise, and the approximate indexes report recall against flat."""

from __future__ import annotations

import re

import numpy as np

from benchmarks import ann
from benchmarks.synthetic_corpus import source_passages, write_corpus
from ingest.index_store import current_build_dir

WORD = re.compile(r"[a-z]+")


def test_synthetic_documents_are_reworded_corpus_guidance(index_dir, tmp_path):
    write_corpus(index_dir, tmp_path, 20)
    docs = sorted(tmp_path.glob("*.md"))
    assert len(docs) == 20
    passages = [p["text"] for p in source_passages(index_dir)]
    corpus_words = set(WORD.findall(" ".join(passages).lower()))
    corpus_sentences = {s.strip() for p in passages for s in re.split(r"(?<=[.!?])\s+", p)}
    new_sentences = 0
    for doc in docs:
        text = doc.read_text()
        assert text.startswith("---\ntitle: ") and "\n# " in text
        body = text.split("\n## ", 1)[1]
        words = WORD.findall(body.lower())
        assert sum(w in corpus_words for w in words) / len(words) > 0.9  # the corpus's own language
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s.split()) > 5]
        new_sentences += sum(s not in corpus_sentences for s in sentences)
    assert new_sentences >= 20  # reworded: new text for the model to embed
    assert write_corpus(index_dir, tmp_path / "again", 20) == write_corpus(index_dir, tmp_path / "third", 20)


def test_approximate_indexes_are_measured_against_flat(index_dir):
    vectors = np.load(current_build_dir(index_dir) / "vectors.npy")
    result = ann.compare(vectors, vectors[:20])
    assert result["vectors"] == len(vectors)
    assert result["hnsw"]["recall_at_10"] > 0.9
    assert 0 < result["ivf"]["recall_at_10"] <= 1
    assert result["flat"]["full_scan_p50_ms"] > 0
    bigger = ann.tiled(vectors, 1000)
    assert bigger.shape == (1000, vectors.shape[1])
    assert np.allclose(np.linalg.norm(bigger, axis=1), 1, atol=1e-5)
