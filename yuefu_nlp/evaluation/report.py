"""Evaluate every system on one labelled file and write the result: metrics JSON, figures, worst errors.

Why a single JSON: the CLI's printed tables, the figures, docs/EVALUATION.md and the notebooks are all rendered from
this one structure, so no figure is ever typed by hand and every number can be traced to the run that made it.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import InputError
from ..runtime.manifest import sha256_file
from ..runtime.paths import REPO_ROOT
from ..domain import LABELS
from ..corpus.schema import CorpusRow
from .dataset import label_matrix, load_labelled, subset as take
from .error_analysis import worst_errors
from .openworld import facts, openworld_summary
from .metrics import (
    CONFUSION_COLS, CONFUSION_ROWS, calibration_bins, compute_metrics, expected_calibration_error, label_confusion,
    pr_curve, score_histogram,
)
from .systems import ANALYZER_BACKENDS, SystemOutput, Unavailable, run_systems

__all__ = ["Evaluation", "run_evaluation", "build_report", "write_evaluation", "load_report", "REPORT_FORMAT",
           "display_path"]

REPORT_FORMAT = "yuefu-evaluation/1"


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The rows, each system's raw output, and the JSON-able report built from them."""

    rows: tuple[CorpusRow, ...]
    y_true: np.ndarray
    outputs: tuple[SystemOutput, ...]
    unavailable: tuple[Unavailable, ...]
    report: dict[str, Any]

    def output(self, name: str) -> SystemOutput:
        return next(o for o in self.outputs if o.name == name)


def _sha256(path: Path) -> str:
    """sha256 of the file, or of a folder's data files in name order (what load_labelled reads)."""
    if not path.is_dir():
        return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".jsonl")):
        h.update(f.read_bytes())
    return h.hexdigest()


def display_path(path: str | Path) -> str:
    """A path relative to the checkout when it lies inside it: reports and notebook outputs are committed."""
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _data_summary(path: Path, rows: Sequence[CorpusRow], n_file: int, subset: int | None) -> dict[str, Any]:
    y = label_matrix([r.labels for r in rows])
    summary: dict[str, Any] = {
        "path": display_path(path), "sha256": _sha256(path), "rows_in_file": n_file, "rows": len(rows), "subset": subset,
        "label_counts": dict(zip(LABELS, y.sum(axis=0).tolist())), "compliant": int((y.sum(axis=1) == 0).sum()),
        "mean_chars": round(sum(len(r.text) for r in rows) / max(len(rows), 1), 1),
    }
    for key in ("register", "source"):
        values = [getattr(r, key).split(":")[0] if key == "source" else getattr(r, key)
                  for r in rows if getattr(r, key)]
        if values:
            summary[f"{key}s"] = dict(Counter(values).most_common())
    return summary


def _existing(path: str | Path | None) -> str | None:
    return display_path(path) if path is not None and Path(path).exists() else None


def _environment() -> dict[str, Any]:
    from .. import __version__

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "yuefu_nlp": __version__, "numpy": np.__version__}


def system_report(out: SystemOutput, rows: Sequence[CorpusRow], y_true: np.ndarray, *, n_boot: int, seed: int,
                  worst_k: int) -> dict[str, Any]:
    """Everything measured for one system, as plain JSON types."""
    texts = [r.text for r in rows]
    metrics = compute_metrics(y_true, out.pred, n_boot=n_boot, seed=seed)
    calib = {label: calibration_bins(y_true[:, j], out.scores[:, j]) for j, label in enumerate(LABELS)}
    calib["all"] = calibration_bins(y_true.ravel(), out.scores.ravel())
    return {
        "name": out.name, "kind": out.kind, "notes": out.notes,
        "thresholds": {k: round(float(v), 4) for k, v in out.thresholds.items()},
        "metrics": metrics.to_dict(),
        "pr_curves": {label: asdict(pr_curve(y_true[:, j], out.scores[:, j], label)) for j, label in enumerate(LABELS)},
        "calibration": {k: [asdict(b) for b in v] for k, v in calib.items()},
        "ece": {k: round(expected_calibration_error(v), 4) for k, v in calib.items()},
        "score_histograms": {label: score_histogram(y_true[:, j], out.scores[:, j]) for j, label in enumerate(LABELS)},
        "confusion": {"rows": list(CONFUSION_ROWS), "cols": list(CONFUSION_COLS),
                      "counts": label_confusion(y_true, out.pred)},
        "throughput": out.throughput(texts),
        "info": dict(out.info),
        "worst_errors": worst_errors(rows, out, y_true, k=worst_k),
    }


def build_report(rows: Sequence[CorpusRow], outputs: Sequence[SystemOutput], unavailable: Sequence[Unavailable], *,
                 data: dict[str, Any], settings: dict[str, Any], n_boot: int = 1000, seed: int = 0,
                 worst_k: int = 20) -> dict[str, Any]:
    y_true = label_matrix([r.labels for r in rows])
    return {
        "format": REPORT_FORMAT,
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "data": data, "settings": settings, "environment": _environment(),
        "systems": [system_report(o, rows, y_true, n_boot=n_boot, seed=seed, worst_k=worst_k) for o in outputs],
        "unavailable": [asdict(u) for u in unavailable],
    }


def run_evaluation(
    data: str | Path, *, backends: Sequence[str] = ANALYZER_BACKENDS, baselines: bool = True,
    train: str | Path | None = None, dev: str | Path | None = None, subset: int | None = None, seed: int = 0,
    n_boot: int = 1000, batch_size: int = 64, baseline_dir: str | Path | None = None,
    lexicon_dir: str | Path | None = None, model_dir: str | Path | None = None, worst_k: int = 20,
    log: Callable[[str], None] = lambda _: None,
) -> Evaluation:
    """Load `data`, run the systems on it (a seeded `subset` of rows if given), and build the report.

    With `subset`, the TF-IDF baseline is also trained on a subset of the same size (so that CI stays fast).
    """
    path = Path(data)
    all_rows = load_labelled(path)
    rows = tuple(take(all_rows, subset, seed))
    texts = [r.text for r in rows]
    outputs, missing = run_systems(
        texts, backends=backends, baselines=baselines, train=train, dev=dev, baseline_dir=baseline_dir,
        lexicon_dir=lexicon_dir, model_dir=model_dir, batch_size=batch_size, train_subset=subset, log=log,
    )
    settings = {"backends": list(backends), "baselines": baselines, "train": _existing(train), "dev": _existing(dev),
                "batch_size": batch_size, "n_boot": n_boot, "confidence": 0.95,
                "seed": seed, "subset": subset}
    report = build_report(rows, outputs, missing, data=_data_summary(path, rows, len(all_rows), subset),
                          settings=settings, n_boot=n_boot, seed=seed, worst_k=worst_k)
    row_facts = [facts(r.id, vars(r)) for r in rows]
    if any(f.kind != "other" for f in row_facts):  # open-world, contrast, degenerate or hard in-domain rows
        y_true = label_matrix([r.labels for r in rows])
        report["openworld"] = {o.name: openworld_summary(row_facts, y_true, o.pred) for o in outputs}
    for key, extra in (("train_data", train), ("dev_data", dev)):
        if baselines and extra is not None and Path(extra).exists():  # what the TF-IDF baseline learned from
            extra_rows = load_labelled(extra)
            report[key] = _data_summary(Path(extra), take(extra_rows, subset, seed), len(extra_rows), subset)
    return Evaluation(rows, label_matrix([r.labels for r in rows]), tuple(outputs), tuple(missing), report)


def _predictions(ev: Evaluation, out: SystemOutput) -> list[str]:
    lines = []
    for i, row in enumerate(ev.rows):
        lines.append(json.dumps({
            "id": row.id, "gold": list(row.labels),
            "predicted": [label for label, v in zip(LABELS, out.pred[i]) if v],
            "scores": {label: round(float(s), 4) for label, s in zip(LABELS, out.scores[i])},
            "evidence": [dict(f) for f in out.findings[i]],
        }, ensure_ascii=False))
    return lines


def write_evaluation(ev: Evaluation, outdir: str | Path, *, plots: bool = True) -> dict[str, Path]:
    """Write metrics.json, worst_errors.md, predictions/<system>.jsonl and (with plots) the PNG figures."""
    from .summary import worst_errors_markdown

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    metrics = outdir / "metrics.json"
    metrics.write_text(json.dumps(ev.report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written["metrics"] = metrics
    errors = outdir / "worst_errors.md"
    errors.write_text(worst_errors_markdown(ev.report), encoding="utf-8")
    written["worst_errors"] = errors
    pred_dir = outdir / "predictions"
    pred_dir.mkdir(exist_ok=True)
    for out in ev.outputs:
        p = pred_dir / f"{out.name}.jsonl"
        p.write_text("\n".join(_predictions(ev, out)) + "\n", encoding="utf-8")
        written[f"predictions:{out.name}"] = p
    if plots:
        from .plots import save_report_figures

        for name, p in save_report_figures(ev.report, outdir).items():
            written[f"figure:{name}"] = p
    return written


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a metrics.json written by `write_evaluation` (or `yuefu evaluate`)."""
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    if report.get("format") != REPORT_FORMAT:
        raise InputError(f"{path}: not a {REPORT_FORMAT} report; give the metrics.json that `yuefu evaluate` wrote")
    return report
