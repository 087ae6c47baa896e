"""Multi-label metrics, per-label threshold tuning and bootstrap confidence intervals (numpy only).

Why here: training (early stopping, thresholds on dev) and the model card (test figures with 95% CIs) must compute
the same numbers the same way.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = [
    "f1_scores",
    "label_report",
    "tune_thresholds",
    "decisions",
    "compliant_fpr",
    "bootstrap_ci",
    "binary_macro_f1",
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


def compliant_fpr(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of compliant rows (no gold label) that get any label: the false-alarm rate reviewers feel."""
    compliant = ~y_true.any(1)
    return float(y_pred[compliant].any(1).mean()) if compliant.any() else 0.0


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per label, the threshold that maximises F1 on these rows (dev only, never test).

    Candidates are midpoints between sorted distinct probabilities, so the choice does not sit on a training point;
    ties go to the candidate closest to `default`. A label without positives keeps `default`.
    """
    out = np.full(probs.shape[1], default, dtype=float)
    for j in range(probs.shape[1]):
        t = y_true[:, j].astype(bool)
        if not t.any():
            continue
        p = np.unique(probs[:, j].astype(float))
        cands = np.concatenate([[p[0] / 2], (p[:-1] + p[1:]) / 2, [(p[-1] + 1) / 2]])
        cands = np.clip(cands, 1e-4, 1 - 1e-4)
        pred = probs[:, j][:, None] >= cands[None, :]
        tp = (pred & t[:, None]).sum(0)
        fp = (pred & ~t[:, None]).sum(0)
        fn = (~pred & t[:, None]).sum(0)
        f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
        best = np.flatnonzero(np.isclose(f1, f1.max()))
        out[j] = float(cands[best[np.argmin(np.abs(cands[best] - default))]])
    return out


def binary_macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Macro-F1 over the two classes of a binary task (COLD: offensive vs safe)."""
    t, p = y_true.astype(bool), y_pred.astype(bool)
    both = np.stack([t, ~t], 1), np.stack([p, ~p], 1)
    return float(f1_scores(*both).mean())


def bootstrap_ci(
    y_true: np.ndarray, y_pred: np.ndarray, stat, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> tuple[float, float]:
    """Percentile bootstrap (1 - alpha) interval of `stat(y_true, y_pred)` over resampled rows."""
    rng = np.random.default_rng(seed)
    n = len(y_true)
    vals = np.array([stat(y_true[idx], y_pred[idx]) for idx in rng.integers(0, n, size=(n_boot, n))])
    lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)
