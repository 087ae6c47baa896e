"""Figures for the model card: rules-only, model-only and fused on a labelled split, and COLD offensive-vs-safe.

Why bootstrap intervals: the test split has a few hundred rows, so a macro-F1 of 0.91 can be 0.87 or 0.94 on another
draw of the same size; the card shows the interval next to every headline number. No torch here: the figures are
measured on the ONNX model that ships.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..text.normalize import Normalizer
from ..domain import LABELS
from ..evaluation.metrics import compute_metrics
from ..pipeline.stages import model_text
from .metrics import decisions

__all__ = ["model_probs", "multilabel_summary", "binary_summary", "analyzer_labels", "evaluate_systems", "insult_summary"]


def model_probs(
    scorer, texts: Sequence[str], normalizer: Normalizer | None = None, batch_size: int | None = None
) -> np.ndarray:
    """Scorer probabilities [n, labels] for raw texts (built into model texts first); 0 where nothing is judged."""
    norm = normalizer or Normalizer()
    mts = [model_text(t, norm) for t in texts]
    out = np.zeros((len(texts), len(scorer.labels)), dtype=np.float32)
    todo = [i for i, t in enumerate(mts) if t]
    if todo:
        out[todo] = scorer.predict_array([mts[i] for i in todo], batch_size=batch_size)
    return out


def multilabel_summary(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str] = LABELS, n_boot: int = 1000, seed: int = 0
) -> dict:
    """Per-label P/R/F1 (F1 with a 95% bootstrap CI), macro-F1 and compliant false-positive rate with CIs.

    A view of `evaluation.metrics.compute_metrics`, so the card and `yuefu evaluate` share one implementation.
    """
    m = compute_metrics(y_true, y_pred, n_boot=n_boot, seed=seed, labels=labels)
    return {
        "rows": m.n_rows,
        "compliant_rows": m.n_compliant,
        "per_label": {
            lm.label: {"precision": lm.precision, "recall": lm.recall, "f1": lm.f1, "support": lm.support,
                       "f1_ci95": (lm.f1_ci.low, lm.f1_ci.high)}
            for lm in m.per_label
        },
        "macro_f1": m.macro_f1,
        "macro_f1_ci95": (m.macro_f1_ci.low, m.macro_f1_ci.high),
        "compliant_fpr": m.compliant_fpr if m.compliant_fpr is not None else 0.0,
        "compliant_fpr_ci95": (m.compliant_fpr_ci.low, m.compliant_fpr_ci.high) if m.compliant_fpr_ci else (0.0, 0.0),
    }


def binary_summary(y: np.ndarray, pred: np.ndarray, n_boot: int = 1000, seed: int = 0) -> dict:
    """Macro-F1 of a binary task (mean F1 of the positive and the negative class) with its 95% bootstrap CI."""
    y, pred = np.asarray(y, dtype=bool), np.asarray(pred, dtype=bool)
    m = compute_metrics(np.stack([y, ~y], 1), np.stack([pred, ~pred], 1), n_boot=n_boot, seed=seed,
                        labels=("positive", "negative"))
    return {"macro_f1": m.macro_f1, "macro_f1_ci95": (m.macro_f1_ci.low, m.macro_f1_ci.high),
            "accuracy": float((y == pred).mean()) if len(y) else 0.0}


def analyzer_labels(analyzer, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Boolean [n, labels]: the labels the Analyzer flags."""
    out = np.zeros((len(texts), len(LABELS)), dtype=bool)
    for i, res in enumerate(analyzer.analyze_batch(texts, batch_size=batch_size)):
        for label in res.labels:
            out[i, LABELS.index(label)] = True
    return out


def evaluate_systems(
    texts: Sequence[str], y_true: np.ndarray, scorer, rules_analyzer, fused_analyzer, n_boot: int = 1000
) -> dict:
    """Rules-only, model-only (probability >= dev-tuned threshold) and fused figures on one labelled set."""
    probs = model_probs(scorer, texts)
    th = [scorer.thresholds[label] for label in LABELS]
    return {
        "rules": multilabel_summary(y_true, analyzer_labels(rules_analyzer, texts), n_boot=n_boot),
        "model": multilabel_summary(y_true, decisions(probs, th), n_boot=n_boot),
        "fused": multilabel_summary(y_true, analyzer_labels(fused_analyzer, texts), n_boot=n_boot),
    }


def insult_summary(scorer, rows: Sequence[tuple[str, int]], n_boot: int = 1000) -> dict:
    """A binary corpus (COLD offensive vs safe, SWSR sexist vs not) read from the insult output, at the dev-tuned
    insult threshold and at 0.5."""
    probs = model_probs(scorer, [t for t, _ in rows])[:, list(scorer.labels).index("insult")]
    y = np.asarray([lab for _, lab in rows], dtype=bool)
    out: dict = {"rows": int(len(rows))}
    for name, th in (("at_dev_threshold", scorer.thresholds["insult"]), ("at_0.5", 0.5)):
        out[name] = {"threshold": float(th), **binary_summary(y, probs >= th, n_boot)}
    return out
