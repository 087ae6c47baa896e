"""The `Scorer` protocol on a torch training checkpoint (fp32, before export and quantization).

Why: checkpoints are compared, and export checks run, through the same interface the runtime scores with
(`runtime.scorer.Scorer`), so a checkpoint's figures and the shipped model's figures come from the same code.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..runtime.scorer import ScorerConfig
from .classifier import checkpoint_encoder, load_classifier, window_probs

__all__ = ["TorchScorer"]


class TorchScorer:
    """A checkpoint folder written by `training.train` (checkpoint.json, weights, tokenizer.json), scored in torch."""

    def __init__(self, ckpt: str | Path, batch_size: int = 64) -> None:
        ckpt = Path(ckpt)
        self.model, self.meta = load_classifier(ckpt)
        self.labels = tuple(self.meta["labels"])
        self.thresholds = dict(self.meta["thresholds"])
        self.config = ScorerConfig(max_length=self.meta["max_length"], window_overlap=self.meta["window_overlap"],
                                   batch_size=batch_size, slot_mask=bool(self.meta.get("slot_mask", False)))
        self.encoder = checkpoint_encoder(ckpt, self.meta)

    def predict_array(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """float32 [len(texts), len(labels)]: the maximum over each text's windows, like the ONNX scorer."""
        windows = self.encoder.windows(texts)
        owners = [i for i, ws in enumerate(windows) for _ in ws]
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not owners:
            return out
        probs = window_probs(self.model, [w for ws in windows for w in ws], self.encoder.pad_id,
                             batch_size or self.config.batch_size)
        np.maximum.at(out, np.asarray(owners), probs)
        return out
