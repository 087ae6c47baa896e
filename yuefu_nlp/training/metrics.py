"""What training needs from metrics: decisions at thresholds and per-label F1 for early stopping.

Why so little: reported figures (model card, `yuefu evaluate`) all come from `evaluation.metrics.compute_metrics`,
with bootstrap intervals, and thresholds are tuned by `evaluation.metrics.tune_thresholds`; this module only steers
training, and uses the same conventions (F1 0 when undefined).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = [
    "f1_scores",
    "label_report",
    "decisions",
]


def decisions(probs: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Boolean [n, labels]: probability >= the label's threshold."""
    return probs >= np.asarray(thresholds, dtype=probs.dtype)[None, :]


def f1_scores(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per-column F1 of boolean matrices; 0 where a label has neither true nor predicted positives."""
    tp = (y_true & y_pred).sum(0).astype(float)
    fp = (~y_true & y_pred).sum(0).astype(float)
    fn = (y_true & ~y_pred).sum(0).astype(float)
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1e-12), 0.0)


def label_report(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label."""
    out = {}
    for j, label in enumerate(labels):
        t, p = y_true[:, j], y_pred[:, j]
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[label] = {"precision": prec, "recall": rec, "f1": f1, "support": int(t.sum())}
    return out
