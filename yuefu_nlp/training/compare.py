"""Choose between training checkpoints on data none of them tuned on the test split: our dev split, COLD dev and the
open-world dev split (any-flag rate on its benign rows, contrast rows, minimal pairs).

Reads no test labels, so the choice of the shipped checkpoint stays honest; the test split is scored once, at export,
after the choice. Scores in torch fp32 (the checkpoint itself, before quantization), every window of a long text, at
each checkpoint's own dev-tuned thresholds. scripts/compare_checkpoints.py is its command line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..corpus.schema import CorpusRow
from ..evaluation.dataset import label_matrix
from ..evaluation.metrics import multilabel_summary
from ..evaluation.openworld import facts, openworld_summary
from ..evaluation.systems import insult_summary, model_labels
from .torch_scorer import TorchScorer

__all__ = ["compare_checkpoint", "comparison_table"]


def compare_checkpoint(ckpt: Path, dev_rows: Sequence[CorpusRow], cold_dev: Sequence[tuple[str, int]], n_boot: int,
                       ow_rows: Sequence[CorpusRow] = ()) -> dict[str, Any]:
    """One checkpoint's dev macro-F1 and compliant FPR, COLD dev macro-F1 of its insult output and, given open-world
    dev rows, its any-flag rate on their benign and contrast rows and its minimal-pair accuracy."""
    scorer = TorchScorer(ckpt)
    y_dev = label_matrix([r.labels for r in dev_rows]).astype(bool)
    dev = multilabel_summary(y_dev, model_labels(scorer, [r.text for r in dev_rows]), n_boot=n_boot)
    cold = insult_summary(scorer, cold_dev, n_boot)["at_dev_threshold"]
    ow: dict = {}
    if ow_rows:
        y_ow = label_matrix([r.labels for r in ow_rows]).astype(bool)
        pred = model_labels(scorer, [r.text for r in ow_rows])
        s = openworld_summary([facts(r.id, vars(r)) for r in ow_rows], y_ow, pred)
        ow = {"openworld_dev_any_flag": s["openworld_benign"]["rate"], "contrast_dev_flag": s["contrast_benign"]["rate"],
              "minimal_pair_dev_accuracy": s["minimal_pairs"]["pair_accuracy"]}
    return {
        **ow,
        "checkpoint": str(ckpt), "layers": scorer.model.n_layers, "best_epoch": scorer.meta["best_epoch"],
        "dev_macro_f1": dev["macro_f1"], "dev_macro_f1_ci95": dev["macro_f1_ci95"],
        "dev_compliant_fpr": dev["compliant_fpr"], "cold_dev_macro_f1": cold["macro_f1"],
        "cold_dev_macro_f1_ci95": cold["macro_f1_ci95"], "distill": scorer.meta["config"].get("distill"),
    }


def comparison_table(rows: Sequence[dict[str, Any]]) -> str:
    """The Markdown table of `compare_checkpoint` results (open-world columns when the rows have them)."""
    with_ow = bool(rows) and "openworld_dev_any_flag" in rows[0]
    ow_cols = " open-world dev any-flag | contrast dev flagged | minimal pairs dev |" if with_ow else ""
    lines = ["| checkpoint | layers | dev macro-F1 [95% CI] | dev compliant FPR | COLD dev macro-F1 [95% CI] |" + ow_cols,
             "|---|---|---|---|---|" + "---|" * (3 if with_ow else 0)]
    for r in rows:
        lo, hi = r["dev_macro_f1_ci95"]
        clo, chi = r["cold_dev_macro_f1_ci95"]
        extra = (f" {r['openworld_dev_any_flag']:.4f} | {r['contrast_dev_flag']:.4f} | "
                 f"{r['minimal_pair_dev_accuracy']:.4f} |" if with_ow else "")
        lines.append(f"| {r['checkpoint']} | {r['layers']} | {r['dev_macro_f1']:.4f} [{lo:.3f}, {hi:.3f}] | "
                     f"{r['dev_compliant_fpr']:.3f} | {r['cold_dev_macro_f1']:.4f} [{clo:.3f}, {chi:.3f}] |" + extra)
    return "\n".join(lines)
