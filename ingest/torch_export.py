"""The PyTorch route to the ONNX export, for models `ingest.bert_onnx` cannot write itself, and the
sentence-transformers model that tests compare vectors with. Needs `pip install 'hibot[ingest]'`;
importing sentence-transformers costs ~5-7 s here, so nothing else imports this module."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def load_sentence_transformer(model_dir: Path):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    try:  # transformers' own "Loading weights" bar would cut through ours (and through --json output)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    return SentenceTransformer(str(model_dir), device="cpu")


def export_with_torch(model_dir: Path, target: Path) -> Path:
    """Export the transformer to ONNX (dynamic batch/sequence axes): last hidden state out."""
    import torch

    model = load_sentence_transformer(model_dir)
    transformer = model[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
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
    return target
