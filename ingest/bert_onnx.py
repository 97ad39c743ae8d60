"""A BERT encoder written straight to ONNX from its safetensors weights: no PyTorch needed.

The embedding model (MiniLM, a BERT) is small and its forward pass is a fixed recipe, so the graph
is spelled out here with standard ONNX operators (opset 17) and the model's own weights. This saves
an ingest the ~10 s of importing torch, transformers and sentence-transformers and the torch export;
`tests/test_embedding_vectors.py` checks the vectors against sentence-transformers' to 1e-4. A model
that is not a plain BERT (another architecture, pooling or position scheme) raises
`UnsupportedModel`, and ingest falls back to the PyTorch export (`pip install 'hibot[ingest]'`).
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUT = "last_hidden_state"
_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}


class UnsupportedModel(Exception):
    pass


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The safetensors format is an 8-byte header length, a JSON header, then raw little-endian data."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    data = memoryview(raw)[8 + header_len :]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        if spec["dtype"] == "BF16":  # bfloat16 is the top half of a float32
            half = np.frombuffer(data[start:end], dtype="<u2").astype(np.uint32) << 16
            array = half.view(np.float32)
        elif spec["dtype"] in _DTYPES:
            array = np.frombuffer(data[start:end], dtype=np.dtype(_DTYPES[spec["dtype"]]).newbyteorder("<"))
        else:
            raise UnsupportedModel(f"tensor {name} has dtype {spec['dtype']}")
        out[name] = array.reshape(spec["shape"])
    return out


def check_supported(model_dir: Path) -> dict:
    """The model's config if this module can write it: a BERT with absolute positions, GELU,
    and sentence-transformers mean pooling. Anything else is left to the PyTorch export."""
    try:
        config = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise UnsupportedModel(f"cannot read the model's configuration: {e}") from e
    wanted = {"model_type": "bert", "hidden_act": "gelu"}
    for key, value in wanted.items():
        if config.get(key) != value:
            raise UnsupportedModel(f"{key} is {config.get(key)!r}, not {value!r}")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise UnsupportedModel("only absolute position embeddings are supported")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise UnsupportedModel(f"pooling {modes} is not mean pooling")
    if not (model_dir / "model.safetensors").exists():
        raise UnsupportedModel("no model.safetensors")
    return config


def write_bert_onnx(model_dir: Path, target: Path) -> Path:
    """Write the model's encoder (inputs: ids, mask, token types; output: last hidden state)."""
    import onnx

    config = check_supported(model_dir)
    weights = read_safetensors(model_dir / "model.safetensors")
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
    graph = _Graph({k[len(prefix) :]: v for k, v in weights.items() if k.startswith(prefix)})
    hidden = graph.embeddings(config)
    for layer in range(config["num_hidden_layers"]):
        hidden = graph.layer(hidden, f"encoder.layer.{layer}", config)
    graph.nodes.append(onnx.helper.make_node("Identity", [hidden], [OUTPUT]))
    dims = ["batch", "seq"]
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes,
            "bert_encoder",
            [onnx.helper.make_tensor_value_info(n, onnx.TensorProto.INT64, dims) for n in INPUTS],
            [
                onnx.helper.make_tensor_value_info(
                    OUTPUT, onnx.TensorProto.FLOAT, [*dims, config["hidden_size"]]
                )
            ],
            graph.initializers,
        ),
        opset_imports=[onnx.helper.make_opsetid("", 17)],
        producer_name="hibot.ingest.bert_onnx",
    )
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(target))
    return target


class _Graph:
    """Nodes and initializers of the encoder, named after the weights they use."""

    def __init__(self, weights: dict[str, np.ndarray]):
        self.weights = weights
        self.nodes: list = []
        self.initializers: list = []
        self._n = 0

    def _name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, name: str, value: np.ndarray | np.generic) -> str:
        import onnx.numpy_helper

        self.initializers.append(onnx.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        if name not in self.weights:
            raise UnsupportedModel(f"weight {name} missing")
        value = self.weights[name].astype(np.float32)
        return self.const(name, value.T if transpose else value)

    def op(self, op_type: str, inputs: list[str], hint: str = "", **attrs) -> str:
        import onnx.helper

        out = self._name(hint or op_type.lower())
        self.nodes.append(onnx.helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(self, x: str, name: str) -> str:
        """x @ W.T + b, with W stored [out, in] as PyTorch does."""
        y = self.op("MatMul", [x, self.weight(f"{name}.weight", transpose=True)], name)
        return self.op("Add", [y, self.weight(f"{name}.bias")], name)

    def layer_norm(self, x: str, name: str, eps: float) -> str:
        gamma, beta = self.weight(f"{name}.weight"), self.weight(f"{name}.bias")
        return self.op("LayerNormalization", [x, gamma, beta], name, axis=-1, epsilon=eps)

    def embeddings(self, config: dict) -> str:
        words = self.op("Gather", [self.weight("embeddings.word_embeddings.weight"), "input_ids"])
        types = self.op("Gather", [self.weight("embeddings.token_type_embeddings.weight"), "token_type_ids"])
        # Positions 0..seq-1 are the first rows of the position table.
        seq = self.op("Shape", ["input_ids"], start=1, end=2)
        zero = self.const("zero", np.array([0], dtype=np.int64))
        where = self.op("Slice", [self.weight("embeddings.position_embeddings.weight"), zero, seq, zero])
        summed = self.op("Add", [self.op("Add", [words, types]), where])
        # Padding is masked out of attention with a large negative bias, as BERT's extended mask does.
        keep = self.op("Cast", ["attention_mask"], to=1)
        masked = self.op(
            "Mul",
            [self.op("Sub", [self.const("f_one", np.float32(1)), keep]), self.const("neg", np.float32(-1e9))],
        )
        self.mask_bias = self.op("Unsqueeze", [masked, self.const("axes_1_2", np.array([1, 2]))])
        return self.layer_norm(summed, "embeddings.LayerNorm", config["layer_norm_eps"])

    def layer(self, x: str, name: str, config: dict) -> str:
        heads, width = config["num_attention_heads"], config["hidden_size"]
        split = self.const(f"{name}.split", np.array([0, 0, heads, width // heads]))
        merge = self.const(f"{name}.merge", np.array([0, 0, width]))

        def project(kind: str, perm: list[int]) -> str:
            y = self.linear(x, f"{name}.attention.self.{kind}")
            return self.op("Transpose", [self.op("Reshape", [y, split])], perm=perm)

        q, k, v = project("query", [0, 2, 1, 3]), project("key", [0, 2, 3, 1]), project("value", [0, 2, 1, 3])
        scale = self.const(f"{name}.scale", np.float32(1 / math.sqrt(width // heads)))
        scores = self.op("Add", [self.op("Mul", [self.op("MatMul", [q, k]), scale]), self.mask_bias])
        context = self.op("MatMul", [self.op("Softmax", [scores], axis=-1), v])
        context = self.op("Reshape", [self.op("Transpose", [context], perm=[0, 2, 1, 3]), merge])
        attended = self.linear(context, f"{name}.attention.output.dense")
        eps = config["layer_norm_eps"]
        x = self.layer_norm(self.op("Add", [attended, x]), f"{name}.attention.output.LayerNorm", eps)
        inner = self.linear(x, f"{name}.intermediate.dense")
        # GELU, the exact (erf) form BERT's "gelu" uses.
        erf = self.op(
            "Erf", [self.op("Mul", [inner, self.const(f"{name}.rsqrt2", np.float32(1 / math.sqrt(2)))])]
        )
        gelu = self.op(
            "Mul",
            [
                self.op("Mul", [inner, self.const(f"{name}.half", np.float32(0.5))]),
                self.op("Add", [erf, self.const(f"{name}.one", np.float32(1))]),
            ],
        )
        out = self.linear(gelu, f"{name}.output.dense")
        return self.layer_norm(self.op("Add", [out, x]), f"{name}.output.LayerNorm", eps)
