"""The BM25 index answering reads is bm25s's own, scored without importing bm25s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from bot.engine.lexical import BM25Index
from bot.engine.text import tokenize
from ingest.index_store import current_build_dir
from tests.support.eval_sets import all_sets, load


def test_bm25_scores_equal_bm25s_for_every_eval_question(index_dir: Path):
    import bm25s

    bm25_dir = current_build_dir(index_dir) / "bm25"
    reference = bm25s.BM25.load(str(bm25_dir))
    ours = BM25Index.load(bm25_dir, n_docs=reference.scores["num_docs"])
    questions = [q["question"] for path in all_sets() for q in load(path)]
    compared = 0
    for question in questions:
        tokens = tokenize(question) + tokenize(question)[:2]  # repeated words count each time
        known = [t for t in tokens if t in reference.vocab_dict]
        if not known:
            assert not ours.scores(tokens).any()
            continue
        np.testing.assert_allclose(ours.scores(tokens), reference.get_scores(known), rtol=1e-6, atol=1e-6)
        compared += 1
    assert compared > 300


def test_answering_imports_neither_bm25s_nor_scipy(index_dir: Path):
    code = (
        "import sys; from bot.engine import Engine; from ingest.index_store import current_build_dir; "
        f"from pathlib import Path; e = Engine(current_build_dir(Path({str(index_dir)!r}))); "
        "a = e.answer('How should boards use data on health inequalities?'); assert a.citations; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bm25s', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
