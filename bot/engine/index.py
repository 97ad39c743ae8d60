"""Reading an index build: the layout ingest writes and the engine serves from.

    index/CURRENT              -> build id (replaced with os.replace, so readers never see half a build)
    index/builds/<id>/manifest.json, chunks.jsonl, vectors.npy, dense.faiss, bm25/, library.json,
                     units.jsonl + unit_vectors.npy (the sentences answers are cut from),
                     query_encoder.onnx, tokenizer.json

Writing lives in `ingest.index_store`; it imports the names from here so both agree on the layout.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

POINTER = "CURRENT"


class IndexMissing(Exception):
    pass


def current_build_dir(index_dir: Path) -> Path:
    pointer = index_dir / POINTER
    if not pointer.exists():
        raise IndexMissing(f"no index in {index_dir}: run `hibot ingest`")
    build = index_dir / "builds" / pointer.read_text().strip()
    if not (build / "manifest.json").exists():
        raise IndexMissing(f"index pointer {pointer} names a missing build; run `hibot ingest --rebuild`")
    return build


def read_manifest(index_dir: Path) -> dict | None:
    try:
        return json.loads((current_build_dir(index_dir) / "manifest.json").read_text())
    except (IndexMissing, OSError, json.JSONDecodeError):
        return None


def read_chunks(build: Path) -> list[dict]:
    with open(build / "chunks.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_units(build: Path) -> tuple[list[dict], np.ndarray] | None:
    """The build's units and their vectors, or None for a build made before units were stored."""
    try:
        with open(build / "units.jsonl", encoding="utf-8") as f:
            units = [json.loads(line) for line in f if line.strip()]
        vectors = np.load(build / "unit_vectors.npy")
    except (OSError, ValueError):
        return None
    return (units, vectors) if len(units) == len(vectors) else None


def read_library(build: Path) -> list[dict]:
    path = build / "library.json"
    return json.loads(path.read_text()) if path.exists() else []
