"""`hibot bench`: speed, memory and scale on this machine, in one run, as one table.

Cold numbers (ingest, cold start, RSS) run in fresh subprocesses so imports are paid as a user
pays them. Scale runs (10x, 100x) repeat the corpus with perturbed text; the 100x dense vectors are
the real ones with small noise (embedding 19k passages would take ~15 minutes here; BM25, FAISS and
the query path see a real 100x-sized index either way).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.questions import QUESTIONS
from bot.config import get_settings
from bot.engine import Engine, lexical
from bot.engine.index import read_units
from ingest import index_store

ROOT = Path(__file__).resolve().parent.parent  # the checkout: platform bursts run from here


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    f, c = int(k), min(int(k) + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-500:]}")
    return time.perf_counter() - t0, proc.stdout


def hibot_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def warm_numbers(index_dir: Path, n: int) -> dict:
    engine = Engine(index_store.current_build_dir(index_dir))
    engine.warm()
    enc, ret = engine.retriever.encoder, engine.retriever
    # The ten questions repeat: timed without the query-vector cache, as a question asked the first time.
    cache_size, enc.cache_size = enc.cache_size, 0
    embed = timed(lambda i: enc.encode([QUESTIONS[i % len(QUESTIONS)]]), n)
    search = timed(lambda i: ret.search(QUESTIONS[i % len(QUESTIONS)], k=10), n)
    ask = timed(lambda i: engine.answer(QUESTIONS[i % len(QUESTIONS)]), n)
    enc.cache_size = cache_size
    asked_again = timed(lambda i: engine.answer(QUESTIONS[i % len(QUESTIONS)]), n)
    return {
        "embed_p50_ms": pct(embed, 50),
        "search_p50_ms": pct(search, 50),
        "ask_p50_ms": pct(ask, 50),
        "ask_p95_ms": pct(ask, 95),
        "ask_p99_ms": pct(ask, 99),
        "ask_again_p50_ms": pct(asked_again, 50),  # a question asked before: its vector is cached
        "chunks": len(ret.chunks),
    }


def cold_numbers(index_dir: Path) -> dict:
    env = {"HIBOT_INDEX_DIR": str(index_dir)}
    cold, _ = _run(hibot_cmd("ask", "What is Core20PLUS5?", "--json"), env)
    code = (
        "import resource, json; from pathlib import Path; from bot.engine import Engine; "
        "from ingest.index_store import current_build_dir; "
        f"e = Engine(current_build_dir(Path({str(index_dir)!r}))); e.warm(); "
        f"[e.answer(q) for q in {QUESTIONS!r} * 20]; "
        "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))"
    )
    _, rss = _run([sys.executable, "-c", code])
    return {"cold_start_to_first_answer_s": cold, "serving_rss_mb": float(rss.strip().splitlines()[-1])}


def edit_one_document(corpus: Path) -> str:
    """Add a sentence to a paragraph in the middle of the largest document, as an author would."""
    doc = max(corpus.glob("*.md"), key=lambda p: p.stat().st_size)
    lines = doc.read_text(encoding="utf-8").split("\n")
    paragraphs = [i for i, line in enumerate(lines) if len(line) > 200 and not line.startswith(("#", "<!--"))]
    middle = paragraphs[len(paragraphs) // 2]
    lines[middle] += " Trusts should review this guidance with their communities every year."
    doc.write_text("\n".join(lines), encoding="utf-8")
    return doc.name


def ingest_numbers(corpus: Path, work: Path) -> dict:
    copy = work / "corpus"  # a copy, so one document can be edited
    shutil.copytree(corpus, copy)
    index = work / "index-full"
    env = {"HIBOT_CACHE_DIR": str(work / "cache")}  # a truly full build: includes the ONNX export

    cpu: dict[str, float] = {}

    def ingest(name: str, *extra: str) -> float:
        # CPU seconds too: on a shared machine the wall time says as much about the neighbours.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        command = hibot_cmd("ingest", "--corpus", str(copy), "--index", str(index), "--json", *extra)
        wall = _run(command, env)[0]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return wall

    full = ingest("full")
    unchanged = ingest("unchanged")
    edit_one_document(copy)
    one_changed = ingest("one_document_changed")
    rebuild = ingest("rebuild", "--rebuild")
    return {
        "ingest_full_s": full,
        "ingest_rebuild_cached_export_s": rebuild,
        "ingest_one_document_changed_s": one_changed,
        "ingest_unchanged_s": unchanged,
        "ingest_cpu_s": cpu,
        "index": index,
    }


def perturb(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(max(1, len(words) // 15)):
        i = rng.randrange(len(words))
        words[i] = words[i][::-1] if rng.random() < 0.5 else words[i].upper()
    return " ".join(words)


def _scaled_units(units: list[dict], vectors: np.ndarray, factor: int) -> tuple[list[dict], np.ndarray]:
    """Each copy's answer units: the same sentences under the copy's chunk ids, vectors with noise."""
    nrng = np.random.default_rng(factor)
    out_units, out_vecs = list(units), [vectors]
    for copy in range(1, factor):
        out_units += [{**u, "chunk_id": f"{u['chunk_id']}~{copy}"} for u in units]
        noisy = vectors + nrng.normal(0, 0.02, vectors.shape).astype("float32")
        out_vecs.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    return out_units, np.vstack(out_vecs).astype("float32")


def scaled_index(base_index: Path, factor: int, work: Path) -> Path:
    """A factor-x index: chunks repeated with perturbed text, vectors with small noise, BM25 rebuilt."""
    src = index_store.current_build_dir(base_index)
    chunks = index_store.read_chunks(src)
    vecs = np.load(src / "vectors.npy")
    rng, nrng = random.Random(factor), np.random.default_rng(factor)
    all_chunks, all_vecs = [], []
    for copy in range(factor):
        for c, v in zip(chunks, vecs, strict=True):
            c2 = dict(c)
            if copy:
                c2["chunk_id"] = f"{c['chunk_id']}~{copy}"
                c2["text"] = perturb(c["text"], rng)
                c2["embed_text"] = perturb(c["embed_text"], rng)
                v = v + nrng.normal(0, 0.02, v.shape).astype("float32")
                v /= np.linalg.norm(v)
            all_chunks.append(c2)
            all_vecs.append(v)
    idx = work / f"index-{factor}x"
    tmp = index_store.new_build_dir(idx)
    index_store.write_chunks(tmp, all_chunks)
    index_store.write_dense(tmp, np.vstack(all_vecs).astype("float32"))
    lexical.build([c["embed_text"] for c in all_chunks], tmp / "bm25")
    units = read_units(src)
    if units is not None:  # the answer sentences too, so the scaled query path is the real one
        index_store.write_units(tmp, *_scaled_units(*units, factor))
    for name in ("query_encoder.onnx", "tokenizer.json", "library.json"):
        if (src / name).exists():
            shutil.copy2(src / name, tmp / name)
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["build_id"] = f"{manifest['build_id']}-x{factor}"
    manifest["counts"]["chunks"] = len(all_chunks)
    (tmp / "manifest.json").write_text(json.dumps(manifest))
    index_store.publish(idx, tmp, manifest["build_id"])
    return idx


def scale_numbers(base_index: Path, work: Path, factor: int, n: int) -> dict:
    t0 = time.perf_counter()
    idx = scaled_index(base_index, factor, work)
    build_s = time.perf_counter() - t0
    w = warm_numbers(idx, n)
    return {
        "factor": factor,
        "chunks": w["chunks"],
        "index_build_s_excl_embedding": build_s,
        "search_p50_ms": w["search_p50_ms"],
        "ask_p50_ms": w["ask_p50_ms"],
        "ask_p99_ms": w["ask_p99_ms"],
    }


def platform_numbers(name: str, index: Path, quick: bool) -> dict:
    """A platform burst (benchmarks/slack_burst.py, teams_burst.py) in its own process, run as
    `python -m` from the repository root because its fake cloud API lives in tests/support. A failure
    is reported in the table; it never hides the other numbers."""
    cmd = [sys.executable, "-m", f"benchmarks.{name}", "--index", str(index), *(["--quick"] if quick else [])]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    return json.loads(lines[-1])


def main(quick: bool = False, as_json: bool = False) -> dict:
    s = get_settings()
    n = 50 if quick else 300
    work = Path(tempfile.mkdtemp(prefix="hibot-bench-"))
    try:
        ing = ingest_numbers(s.corpus_dir, work)
        index = ing.pop("index")
        warm = warm_numbers(index, n)
        cold = cold_numbers(index)
        scales = [scale_numbers(index, work, f, n) for f in ((10,) if quick else (10, 100))]
        extra = {name: platform_numbers(name, index, quick) for name in ("slack_burst", "teams_burst")}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        **ing,
        **warm,
        **cold,
        "ask_p50_over_embed_p50": warm["ask_p50_ms"] / warm["embed_p50_ms"],
        "scale": scales,
        **extra,
    }
    if as_json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)
    return result


def print_table(r: dict) -> None:
    rows = [
        ("bare query embedding p50", f"{r['embed_p50_ms']:.2f} ms"),
        ("search only p50", f"{r['search_p50_ms']:.2f} ms"),
        (
            "warm ask p50 / p95 / p99",
            f"{r['ask_p50_ms']:.2f} / {r['ask_p95_ms']:.2f} / {r['ask_p99_ms']:.2f} ms",
        ),
        ("ask p50 ÷ embed p50", f"{r['ask_p50_over_embed_p50']:.2f}"),
        ("warm ask p50, a question asked before (cached vector)", f"{r['ask_again_p50_ms']:.2f} ms"),
        (
            "full ingest (incl. writing the ONNX export)",
            f"{r['ingest_full_s']:.1f} s ({r['ingest_cpu_s']['full']:.1f} CPU s)",
        ),
        ("rebuild with cached ONNX export", f"{r['ingest_rebuild_cached_export_s']:.1f} s"),
        ("re-ingest after one edited document", f"{r['ingest_one_document_changed_s']:.2f} s"),
        ("unchanged re-ingest", f"{r['ingest_unchanged_s']:.2f} s"),
        ("cold start to first answer", f"{r['cold_start_to_first_answer_s']:.2f} s"),
        ("serving RSS (max)", f"{r['serving_rss_mb']:.0f} MB"),
    ]
    for sc in r["scale"]:
        rows.append(
            (
                f"{sc['factor']}x corpus ({sc['chunks']} passages) search p50 / ask p50 / ask p99",
                f"{sc['search_p50_ms']:.2f} / {sc['ask_p50_ms']:.2f} / {sc['ask_p99_ms']:.2f} ms",
            )
        )
    for name in ("slack_burst", "teams_burst"):
        if name in r:
            rows.append((name, json.dumps(r[name], default=str)))
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, as_json="--json" in sys.argv)
