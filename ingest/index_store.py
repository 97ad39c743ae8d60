"""Writing the on-disk index: one directory per build, and an atomically replaced pointer to the
live one (layout: `bot.engine.index`).

An ingest writes a new build directory under a temporary name, renames it, then swaps CURRENT.
Killed at any moment, the previous build stays live. The dense index is exact up to
`ingest.dense_index.APPROXIMATE_FROM` passages and IVF above (measured: index/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from bot.engine.index import (  # noqa: F401  (re-exported: ingest and the CLI read builds too)
    POINTER,
    IndexMissing,
    current_build_dir,
    read_chunks,
    read_manifest,
    read_units,
)
from ingest.dense_index import build_dense_index

KEEP_BUILDS = 2


def new_build_dir(index_dir: Path) -> Path:
    (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=index_dir / "builds"))
    tmp.chmod(0o755)  # mkdtemp is 0700; the serving user (e.g. non-root in Docker) must read builds
    return tmp


def unused_build_id(index_dir: Path, build_id: str) -> str:
    """`build_id`, or with a "-2", "-3"… suffix when a build of the same corpus in the same second
    exists (a --rebuild right after a build): renaming onto it would fail (ENOTEMPTY)."""
    candidate, n = build_id, 1
    while (index_dir / "builds" / candidate).exists():
        n += 1
        candidate = f"{build_id}-{n}"
    return candidate


def publish(index_dir: Path, tmp_dir: Path, build_id: str) -> Path:
    final = index_dir / "builds" / build_id
    os.replace(tmp_dir, final)
    _fsync_dir(final.parent)
    tmp_pointer = index_dir / f".{POINTER}.tmp"
    tmp_pointer.write_text(build_id)
    os.replace(tmp_pointer, index_dir / POINTER)
    _fsync_dir(index_dir)
    _prune(index_dir, keep=build_id)
    return final


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def _prune(index_dir: Path, keep: str) -> None:
    builds = index_dir / "builds"
    dirs = sorted((d for d in builds.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime, reverse=True)
    kept = 0
    for d in dirs:
        if d.name == keep:
            continue
        # Leftovers of killed ingests, and builds older than the previous one, go.
        if d.name.startswith(".tmp-") or kept >= KEEP_BUILDS - 1:
            shutil.rmtree(d, ignore_errors=True)
        else:
            kept += 1


def write_chunks(build: Path, chunks: list[dict]) -> None:
    with open(build / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")


def write_dense(build: Path, vectors: np.ndarray) -> None:
    """The vectors, and the FAISS index over them: exact, or IVF from APPROXIMATE_FROM passages."""
    import faiss

    np.save(build / "vectors.npy", vectors)
    faiss.write_index(build_dense_index(vectors), str(build / "dense.faiss"))


def write_units(build: Path, units: list[dict], vectors: np.ndarray) -> None:
    """Answer units (sentences and list items) of every chunk, with one vector per unit."""
    with open(build / "units.jsonl", "w", encoding="utf-8") as f:
        for u in units:
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    np.save(build / "unit_vectors.npy", vectors)
