"""What the pipeline needs from a model: the `Scorer` protocol.

The shipped ONNX model (`runtime.onnx_scorer.OnnxScorer`) and a training checkpoint (`training.torch_scorer.TorchScorer`)
both implement it, so checkpoint comparison, export checks and the Analyzer score through one interface.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from .encoding import TextEncoder

__all__ = ["Scorer", "ScorerConfig"]


@dataclass(frozen=True)
class ScorerConfig:
    """How texts become model inputs and how the model's scores are fused; written by the exporter into config.json."""

    max_length: int = 128
    window_overlap: int = 32
    batch_size: int = 32
    output: str = "probs"
    slot_mask: bool = False  # the model reads text.slots.mask_slots of its input (runtime.encoding.TextEncoder)
    # What a model-only finding (no rule evidence for its label) needs, chosen on dev at export (pipeline/fusion.py):
    # at least this many Chinese characters in the judged text, and at least this fused score (0.5 = threshold).
    model_only_min_cjk: int = 0
    model_only_min_score: float = 0.5
    # when a high-precision rule decides alone, and how sure the model must be that the label is absent to veto it
    rule_decides: float = 0.9
    model_veto: float = 0.1
    weak_rule_weight: float = 0.5


@runtime_checkable
class Scorer(Protocol):
    """Per-label probabilities for model texts (see `pipeline.stages.model_text`), at per-label thresholds."""

    labels: tuple[str, ...]
    thresholds: dict[str, float]
    config: ScorerConfig
    encoder: TextEncoder  # its `canonical` says which texts the model cannot tell apart (the memo's key)

    def predict_array(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """float32 [len(texts), len(labels)]; a long text gets the maximum over its overlapping windows."""
        ...
