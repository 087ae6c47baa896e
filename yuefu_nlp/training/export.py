"""Export a fine-tuned checkpoint to ONNX, quantize it to int8, and check both against the original.

Why the checks are library functions: the export script and the tests must apply the same acceptance criteria
(fp32 ONNX vs torch max |diff| <= 1e-4; int8 vs fp32 label agreement >= 99%), measured the same way.
"""
from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import onnx
import onnxruntime as ort
import torch

from .classifier import LabelClassifier, ProbabilityModel
from ..runtime.encoding import length_sorted_batches, pad_batch
from ..runtime.manifest import write_manifest

__all__ = [
    "OPSET",
    "FP32_TOLERANCE",
    "MIN_INT8_AGREEMENT",
    "export_onnx",
    "quantize_int8",
    "QuantInfo",
    "torch_onnx_max_diff",
    "label_agreement",
    "write_model_files",
]

OPSET = 17
FP32_TOLERANCE = 1e-4
MIN_INT8_AGREEMENT = 0.99
INPUTS = ("input_ids", "attention_mask")
OUTPUTS = ("logits", "probs")


def export_onnx(model: LabelClassifier, path: str | Path, opset: int = OPSET) -> Path:
    """(input_ids, attention_mask) int64 [batch, seq] -> logits and sigmoid probs [batch, labels]; both axes dynamic."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = ProbabilityModel(model).eval()
    ids = torch.full((2, 16), 5, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS}
    axes.update({name: {0: "batch"} for name in OUTPUTS})
    with torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter is deprecated but exact and simple for this graph; its tracer warns about a
        # padding_idx check that is a constant here
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            wrapper, (ids, mask), str(path), input_names=list(INPUTS), output_names=list(OUTPUTS),
            dynamic_axes=axes, opset_version=opset, do_constant_folding=True, dynamo=False,
        )
    onnx.checker.check_model(str(path))
    return path


@dataclass(frozen=True)
class QuantInfo:
    """What quantization did: file sizes and which op types got int8 weights."""

    fp32_bytes: int
    int8_bytes: int
    quantized_op_types: tuple[str, ...]
    embedding_gather_quantized: bool


# FFN-output MatMuls of these layers stay fp32: they read GELU outputs whose outlier channels per-tensor activation
# quantization cannot represent. Chosen on the dev split (int8/fp32 decision agreement 0.989 -> 0.995, +10 MB).
FP32_FFN_OUTPUT_LAYERS: tuple[int, ...] = (0, 1, 2, 3, 4, 5)


def quantize_int8(
    src: str | Path, dst: str | Path, quantize_embeddings: bool = True,
    fp32_ffn_output_layers: Sequence[int] = FP32_FFN_OUTPUT_LAYERS,
) -> QuantInfo:
    """onnxruntime dynamic quantization: per-channel int8 weights (QInt8), activations quantized at run time.

    With `quantize_embeddings`, the word-embedding Gather is quantized too (the table is most of the file).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    ops = ["MatMul", "Gather"] if quantize_embeddings else ["MatMul"]
    keep = [
        n.name for n in onnx.load(str(src)).graph.node
        if n.op_type == "MatMul" and "/output/dense/" in n.name and "attention" not in n.name
        and any(f"layer.{i}/" in n.name for i in fp32_ffn_output_layers)
    ]
    quantize_dynamic(
        str(src), str(dst), op_types_to_quantize=ops, weight_type=QuantType.QInt8, per_channel=True,
        nodes_to_exclude=keep, extra_options={"MatMulConstBOnly": True},
    )
    graph = onnx.load(str(dst)).graph
    types = sorted({n.op_type for n in graph.node if n.op_type in ("MatMulInteger", "DynamicQuantizeLinear", "DequantizeLinear")})
    gather_q = any(
        n.op_type == "Gather" and any(i.endswith("_DequantizeLinear_Output") for i in n.input) for n in graph.node
    ) or any(n.op_type == "DequantizeLinear" and "word_embeddings" in n.input[0] for n in graph.node)
    return QuantInfo(Path(src).stat().st_size, Path(dst).stat().st_size, tuple(types), gather_q)


def _session(path: str | Path, threads: int | None = None) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


@torch.no_grad()
def torch_onnx_max_diff(
    model: LabelClassifier, onnx_path: str | Path, seqs: Sequence[np.ndarray], pad_id: int, batch_size: int = 32
) -> dict[str, float]:
    """Max |torch - ONNX| over logits and probabilities, on real id windows batched with padding."""
    model.eval()
    sess = _session(onnx_path)
    worst = {"logits": 0.0, "probs": 0.0}
    for idx in length_sorted_batches([len(s) for s in seqs], batch_size):
        ids, mask = pad_batch([seqs[i] for i in idx], pad_id)
        ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        logits, probs = sess.run(list(OUTPUTS), {"input_ids": ids, "attention_mask": mask})
        worst["logits"] = max(worst["logits"], float(np.abs(logits - ref).max()))
        worst["probs"] = max(worst["probs"], float(np.abs(probs - 1 / (1 + np.exp(-ref))).max()))
    return worst


def label_agreement(a: np.ndarray, b: np.ndarray, thresholds: Sequence[float]) -> dict[str, float]:
    """How often two models' decisions agree: per (row, label) decision, and per row (same label set)."""
    th = np.asarray(thresholds, dtype=np.float32)[None, :]
    da, db = a >= th, b >= th
    return {
        "decision_agreement": float((da == db).mean()) if da.size else 1.0,
        "row_agreement": float((da == db).all(1).mean()) if len(da) else 1.0,
        "max_prob_diff": float(np.abs(a - b).max()) if a.size else 0.0,
        "rows": int(len(a)),
    }


def write_model_files(
    out_dir: str | Path, onnx_path: str | Path, tokenizer_json: str | Path, labels: Sequence[str],
    thresholds: dict[str, float], config: dict, extra_files: dict[str, dict] | None = None,
) -> Path:
    """Lay out a model folder the OnnxScorer loads, and seal it with the sha256 manifest."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    if Path(onnx_path).resolve() != (d / "model.onnx").resolve():
        shutil.copyfile(onnx_path, d / "model.onnx")
    shutil.copyfile(tokenizer_json, d / "tokenizer.json")
    files = {
        "labels.json": list(labels),
        "thresholds.json": {label: float(thresholds[label]) for label in labels},
        "config.json": config,
        **(extra_files or {}),
    }
    for name, obj in files.items():
        (d / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_manifest(d, ["model.onnx", "tokenizer.json", *files], {"name": config.get("name", d.name)})
    return d
