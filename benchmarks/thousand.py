"""`hibot bench --docs 1000`: a trust's thousand documents, ingested and searched for real.

The corpus is written by `benchmarks/synthetic_corpus.py` (real guidance, reworded: really embedded,
not noise), ingested by `hibot ingest` in a fresh process, then measured as served: search and ask
p50/p99 on the warm engine, serving RSS, index size, and flat against HNSW/IVF (`benchmarks/ann.py`)
on its vectors, plus a size sweep on tiled copies of them to show where flat stops being enough.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import ann
from benchmarks.questions import QUESTIONS
from benchmarks.synthetic_corpus import write_corpus
from bot.config import get_settings
from bot.engine import Engine
from bot.engine.index import current_build_dir, read_units

MODEL_FILES = {"query_encoder.onnx", "tokenizer.json"}
SWEEP = (20_000, 100_000)  # passages: ~10x and ~50x this run, from its own vectors plus noise


def _pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def _timed(fn, items: list[str]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def ingest(corpus: Path, index: Path) -> dict:
    """`hibot ingest` in its own process, as an operator runs it (the model's export cached)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", "--corpus", str(corpus), "--index", str(index), "--json"],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-500:])
    build = current_build_dir(index)
    counts = json.loads((build / "manifest.json").read_text())["counts"]
    units = counts.get("units", 0)
    return {
        "documents": counts["documents"],
        "passages": counts["chunks"],
        "sentences": units,
        "ingest_s": seconds,
        "ingest_passages_per_s": counts["chunks"] / seconds,
        "ingest_texts_per_s": (counts["chunks"] + units) / seconds,
        "ingest_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        # The passages, vectors, BM25 and sentences; the model's export (~90 MB) is the same at any size.
        "index_mb": sum(
            p.stat().st_size for p in build.rglob("*") if p.is_file() and p.name not in MODEL_FILES
        )
        / 1e6,
    }


def served(index: Path, n: int) -> tuple[dict, Engine]:
    engine = Engine(current_build_dir(index))
    engine.warm()
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(n)]
    search = _timed(lambda q: engine.retriever.search(q, k=10), questions)
    ask = _timed(engine.answer, questions)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "search_p50_ms": _pct(search, 50),
        "search_p99_ms": _pct(search, 99),
        "ask_p50_ms": _pct(ask, 50),
        "ask_p99_ms": _pct(ask, 99),
        "serving_rss_mb": rss,
    }, engine


def query_vectors(engine: Engine, index: Path, n: int = 200) -> np.ndarray:
    """The bench questions and sentences of the corpus itself, embedded as queries."""
    units = read_units(current_build_dir(index))
    texts = list(QUESTIONS)
    if units:
        texts += [u["text"] for u in random.Random(7).sample(units[0], min(n, len(units[0])))]
    return engine.retriever.encoder.encode(texts)


def main(n_docs: int = 1000, n: int = 200, sweep: tuple[int, ...] = SWEEP, as_json: bool = False) -> dict:
    s = get_settings()
    work = Path(tempfile.mkdtemp(prefix="hibot-bench-docs-"))
    try:
        words = write_corpus(s.index_dir, work / "corpus", n_docs)
        result = {"words": words, **ingest(work / "corpus", work / "index")}
        numbers, engine = served(work / "index", n)
        result.update(numbers)
        vectors = np.load(current_build_dir(work / "index") / "vectors.npy")
        queries = query_vectors(engine, work / "index")
        result["ann"] = ann.compare(vectors, queries)
        result["sweep"] = [ann.compare(ann.tiled(vectors, size), queries) for size in sweep]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return result


def print_table(r: dict) -> None:
    print(
        f"{r['documents']} documents, {r['passages']} passages, {r['sentences']} sentences "
        f"({r['words']} words)"
    )
    print(
        f"ingest {r['ingest_s']:.1f} s: {r['ingest_passages_per_s']:.1f} passages/s, "
        f"{r['ingest_texts_per_s']:.1f} texts/s (passages + sentences); "
        f"peak RSS {r['ingest_peak_rss_mb']:.0f} MB"
    )
    print(
        f"index {r['index_mb']:.1f} MB (+ the model's export); search p50/p99 {r['search_p50_ms']:.2f}/"
        f"{r['search_p99_ms']:.2f} ms; ask p50/p99 {r['ask_p50_ms']:.2f}/{r['ask_p99_ms']:.2f} ms; "
        f"serving RSS {r['serving_rss_mb']:.0f} MB"
    )
    for row in [r["ann"], *r["sweep"]]:
        f, h, i = row["flat"], row["hnsw"], row["ivf"]
        print(
            f"{row['vectors']:>7} vectors  flat full scan p50 {f['full_scan_p50_ms']:.2f} ms, top10 "
            f"{f['top10_p50_ms']:.3f} ms | HNSW top10 {h['top10_p50_ms']:.3f} ms recall@10 "
            f"{h['recall_at_10']:.3f} (build {h['build_s']:.1f} s) | IVF top10 {i['top10_p50_ms']:.3f} ms "
            f"recall@10 {i['recall_at_10']:.3f}"
        )


if __name__ == "__main__":
    docs = next((int(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--docs=")), 1000)
    main(n_docs=docs, as_json="--json" in sys.argv)
