"""Multi-label metrics with bootstrap confidence intervals, PR curves and calibration bins.

Why bootstrap: our test split has a few hundred rows and some labels have a few dozen positives, so a point F1 alone
hides how much it would move on another sample of the same size. Rows are resampled whole (a row's labels stay
together), and every statistic is computed on the same resamples, so intervals are comparable across systems when the
same seed is used.

Conventions (the same as scikit-learn's zero_division=0): precision is 0 when nothing is predicted, recall is 0 when
there is nothing to find, F1 is 0 when both are 0.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from ..domain import LABELS
from ..errors import InputError

__all__ = [
    "Interval", "LabelMetrics", "MetricSet", "compute_metrics", "pr_curve", "PRCurve", "calibration_bins",
    "CalibrationBin", "expected_calibration_error", "score_histogram", "label_confusion", "CONFUSION_ROWS",
    "CONFUSION_COLS", "tune_thresholds", "decisions", "multilabel_summary", "binary_summary",
]

CONFUSION_ROWS: tuple[str, ...] = LABELS + ("compliant",)
CONFUSION_COLS: tuple[str, ...] = LABELS + ("none",)


@dataclass(frozen=True)
class Interval:
    """A two-sided bootstrap percentile interval."""

    low: float
    high: float

    def contains(self, x: float, tol: float = 1e-12) -> bool:
        return self.low - tol <= x <= self.high + tol


@dataclass(frozen=True)
class LabelMetrics:
    """Precision, recall and F1 of one label, with counts and 95% intervals."""

    label: str
    support: int
    predicted: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    precision_ci: Interval
    recall_ci: Interval
    f1_ci: Interval


@dataclass(frozen=True)
class MetricSet:
    """Everything `compute_metrics` measures on one system's predictions."""

    n_rows: int
    n_compliant: int
    per_label: tuple[LabelMetrics, ...]
    macro_f1: float
    macro_f1_ci: Interval
    micro_f1: float
    micro_f1_ci: Interval
    exact_match: float
    exact_match_ci: Interval
    compliant_fpr: float | None  # share of compliant rows given any label; None when there are no compliant rows
    compliant_fpr_ci: Interval | None
    n_boot: int
    confidence: float
    seed: int

    def label(self, name: str) -> LabelMetrics:
        return next(m for m in self.per_label if m.label == name)

    def to_dict(self) -> dict[str, Any]:
        return _rounded(asdict(self))


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v) for v in obj]
    return obj


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def _stats(w: np.ndarray, parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All statistics for row weights `w` of shape (B, n): a resample is a vector of row counts."""
    tp, fp, fn = w @ parts["tp"], w @ parts["fp"], w @ parts["fn"]  # (B, L)
    precision, recall = _div(tp, tp + fp), _div(tp, tp + fn)
    f1 = _div(2 * tp, 2 * tp + fp + fn)
    tps, fps, fns = tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)
    n = w.sum(axis=1)
    compliant = w @ parts["compliant"]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = np.where(compliant > 0, (w @ parts["compliant_fp"]) / np.where(compliant > 0, compliant, 1), np.nan)
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "macro_f1": f1.mean(axis=1), "micro_f1": _div(2 * tps, 2 * tps + fps + fns),
        "exact_match": _div(w @ parts["exact"], n), "compliant_fpr": fpr,
    }


def _interval(samples: np.ndarray, confidence: float) -> Interval:
    a = (1.0 - confidence) / 2.0
    lo, hi = np.nanpercentile(samples, [100 * a, 100 * (1 - a)])
    return Interval(float(lo), float(hi))


def compute_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, *, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0,
    labels: Sequence[str] = LABELS,
) -> MetricSet:
    """Metrics of 0/1 predictions `y_pred` against 0/1 gold `y_true`, both (n_rows, n_labels)."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    if y_true.shape != y_pred.shape or y_true.ndim != 2 or y_true.shape[1] != len(labels):
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must both be (n, {len(labels)})")
    n = y_true.shape[0]
    if n == 0:
        raise InputError("no rows to evaluate")
    compliant = ~y_true.any(axis=1)
    parts = {
        "tp": (y_true & y_pred).astype(float), "fp": (~y_true & y_pred).astype(float),
        "fn": (y_true & ~y_pred).astype(float), "exact": (y_true == y_pred).all(axis=1).astype(float),
        "compliant": compliant.astype(float), "compliant_fp": (compliant & y_pred.any(axis=1)).astype(float),
    }
    point = _stats(np.ones((1, n)), parts)
    rng = np.random.default_rng(seed)
    boots: dict[str, list[np.ndarray]] = {k: [] for k in point}
    chunk = max(1, min(n_boot, 2_000_000 // max(n, 1)))  # keeps the (B, n) weight matrix small
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        w = rng.multinomial(n, np.full(n, 1.0 / n), size=b).astype(float)
        for k, v in _stats(w, parts).items():
            boots[k].append(v)
        done += b
    boot = {k: np.concatenate(v, axis=0) for k, v in boots.items()}
    per_label = []
    for j, label in enumerate(labels):
        per_label.append(LabelMetrics(
            label=label, support=int(y_true[:, j].sum()), predicted=int(y_pred[:, j].sum()),
            tp=int(parts["tp"][:, j].sum()), fp=int(parts["fp"][:, j].sum()), fn=int(parts["fn"][:, j].sum()),
            precision=float(point["precision"][0, j]), recall=float(point["recall"][0, j]), f1=float(point["f1"][0, j]),
            precision_ci=_interval(boot["precision"][:, j], confidence),
            recall_ci=_interval(boot["recall"][:, j], confidence),
            f1_ci=_interval(boot["f1"][:, j], confidence),
        ))
    has_compliant = bool(compliant.any())
    return MetricSet(
        n_rows=n, n_compliant=int(compliant.sum()), per_label=tuple(per_label),
        macro_f1=float(point["macro_f1"][0]), macro_f1_ci=_interval(boot["macro_f1"], confidence),
        micro_f1=float(point["micro_f1"][0]), micro_f1_ci=_interval(boot["micro_f1"], confidence),
        exact_match=float(point["exact_match"][0]), exact_match_ci=_interval(boot["exact_match"], confidence),
        compliant_fpr=float(point["compliant_fpr"][0]) if has_compliant else None,
        compliant_fpr_ci=_interval(boot["compliant_fpr"], confidence) if has_compliant else None,
        n_boot=n_boot, confidence=confidence, seed=seed,
    )


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per label, the threshold that maximises F1 on these rows (dev only, never test); the one tuner of the project.

    The shipped model's thresholds and the TF-IDF baseline's are both tuned here, so the two are comparable.

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


def decisions(probs: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Boolean [n, labels]: probability >= the label's threshold (the model's own rule, fusion aside)."""
    return probs >= np.asarray(thresholds, dtype=probs.dtype)[None, :]


def multilabel_summary(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str] = LABELS, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Per-label P/R/F1 (F1 with a 95% CI), macro-F1 and compliant false-positive rate with CIs, as plain JSON types.

    The model card's (and checkpoint comparison's) view of `compute_metrics`, so they and `yuefu evaluate` share one
    implementation; a set without compliant rows reports a compliant FPR of 0.
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


def binary_summary(y: np.ndarray, pred: np.ndarray, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Macro-F1 of a binary task (mean F1 of the positive and the negative class) with its 95% CI, and accuracy.

    Computed by `compute_metrics` on the two-column (positive, negative) view, so the intervals follow the same
    bootstrap as every other figure.
    """
    y, pred = np.asarray(y, dtype=bool), np.asarray(pred, dtype=bool)
    m = compute_metrics(np.stack([y, ~y], 1), np.stack([pred, ~pred], 1), n_boot=n_boot, seed=seed,
                        labels=("positive", "negative"))
    return {"macro_f1": m.macro_f1, "macro_f1_ci95": (m.macro_f1_ci.low, m.macro_f1_ci.high),
            "accuracy": float((y == pred).mean()) if len(y) else 0.0}


# -- curves ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PRCurve:
    """Precision/recall pairs over every distinct score threshold (highest threshold first), and average precision.

    `average_precision` is the step-wise area (scikit-learn's definition); None when the label has no positives.
    """

    label: str
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    thresholds: tuple[float, ...]
    average_precision: float | None
    positives: int


def pr_curve(y_true: np.ndarray, scores: np.ndarray, label: str = "", max_points: int = 200) -> PRCurve:
    """PR curve of one label's scores; kept to about `max_points` points so it fits in a JSON report."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    positives = int(y.sum())
    if positives == 0 or len(y) == 0:
        return PRCurve(label, (), (), (), None, positives)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    last_of_run = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1]  # last index of each distinct score
    tp = np.cumsum(y_sorted)[last_of_run]
    fp = (last_of_run + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / positives
    thresholds = s_sorted[last_of_run]
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    if len(thresholds) > max_points:
        keep = np.unique(np.linspace(0, len(thresholds) - 1, max_points).round().astype(int))
        precision, recall, thresholds = precision[keep], recall[keep], thresholds[keep]
    return PRCurve(
        label, tuple(np.round(precision, 4).tolist()), tuple(np.round(recall, 4).tolist()),
        tuple(np.round(thresholds, 4).tolist()), round(ap, 4), positives,
    )


@dataclass(frozen=True)
class CalibrationBin:
    """Scores in [low, high): how many, their mean, and the share that were truly positive."""

    low: float
    high: float
    count: int
    mean_score: float | None
    positive_rate: float | None


def calibration_bins(y_true: np.ndarray, scores: np.ndarray, n_bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Equal-width reliability bins over [0, 1] (a score of exactly 1.0 goes in the last bin)."""
    y = np.asarray(y_true, dtype=float).ravel()
    s = np.clip(np.asarray(scores, dtype=float).ravel(), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.minimum((s * n_bins).astype(int), n_bins - 1)
    out = []
    for b in range(n_bins):
        mask = idx == b
        c = int(mask.sum())
        out.append(CalibrationBin(
            float(edges[b]), float(edges[b + 1]), c,
            round(float(s[mask].mean()), 4) if c else None, round(float(y[mask].mean()), 4) if c else None,
        ))
    return tuple(out)


def expected_calibration_error(bins: Sequence[CalibrationBin]) -> float:
    """Count-weighted mean |mean score - positive rate| over non-empty bins."""
    total = sum(b.count for b in bins)
    if total == 0:
        return 0.0
    return float(sum(b.count * abs(b.mean_score - b.positive_rate) for b in bins if b.count) / total)


def score_histogram(y_true: np.ndarray, scores: np.ndarray, n_bins: int = 20) -> dict[str, list]:
    """Counts of positive and negative rows' scores in equal-width bins over [0, 1]."""
    y = np.asarray(y_true, dtype=bool)
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return {
        "edges": np.round(edges, 4).tolist(),
        "positive": np.histogram(s[y], bins=edges)[0].tolist(),
        "negative": np.histogram(s[~y], bins=edges)[0].tolist(),
    }


def label_confusion(y_true: np.ndarray, y_pred: np.ndarray) -> list[list[int]]:
    """Rows: each gold label, then compliant; columns: each predicted label, then none. Multi-label rows count once
    in every row/column they belong to, so the view shows which labels get mistaken for which."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    t = np.c_[y_true, ~y_true.any(axis=1)].astype(int)
    p = np.c_[y_pred, ~y_pred.any(axis=1)].astype(int)
    return (t.T @ p).tolist()
