#!/usr/bin/env python
"""Choose between training checkpoints on data none of them tuned on the test split: our dev split, COLD dev and the
open-world dev split (any-flag rate on its benign rows, contrast rows, minimal pairs).

Reads no test labels, so the choice of the shipped checkpoint stays honest; the test split is scored once, by
`scripts/export_onnx.py`, after the choice. Scores in torch fp32 (the checkpoint itself, before quantization), every
window of a long text, at each checkpoint's own dev-tuned thresholds.

    python scripts/compare_checkpoints.py runs/small6 runs/cold15 runs/distill runs/default
    python scripts/compare_checkpoints.py runs/* --json runs/compare.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def compare(ckpt: Path, dev_rows, cold_dev: list[tuple[str, int]], n_boot: int, ow_rows=()) -> dict:
    from yuefu_nlp.training.evaluate import binary_summary, model_probs, multilabel_summary
    from yuefu_nlp.training.metrics import decisions
    from yuefu_nlp.types import LABELS

    from yuefu_nlp.training.torch_scorer import TorchScorer

    scorer = TorchScorer(ckpt)
    th = [scorer.thresholds[label] for label in LABELS]
    y_dev = np.asarray([[label in r.labels for label in LABELS] for r in dev_rows], dtype=bool)
    dev = multilabel_summary(y_dev, decisions(model_probs(scorer, [r.text for r in dev_rows]), th), n_boot=n_boot)
    insult = model_probs(scorer, [t for t, _ in cold_dev])[:, LABELS.index("insult")]
    cold = binary_summary(np.asarray([y for _, y in cold_dev], dtype=bool), insult >= scorer.thresholds["insult"], n_boot)
    ow: dict = {}
    if ow_rows:
        from yuefu_nlp.evaluation.openworld import facts, openworld_summary

        y_ow = np.asarray([[label in r.labels for label in LABELS] for r in ow_rows], dtype=bool)
        pred = decisions(model_probs(scorer, [r.text for r in ow_rows]), th)
        s = openworld_summary([facts(r.id, r.__dict__) for r in ow_rows], y_ow, pred)
        ow = {"openworld_dev_any_flag": s["openworld_benign"]["rate"], "contrast_dev_flag": s["contrast_benign"]["rate"],
              "minimal_pair_dev_accuracy": s["minimal_pairs"]["pair_accuracy"]}
    return {
        **ow,
        "checkpoint": str(ckpt), "layers": scorer.model.n_layers, "best_epoch": scorer.meta["best_epoch"],
        "dev_macro_f1": dev["macro_f1"], "dev_macro_f1_ci95": dev["macro_f1_ci95"],
        "dev_compliant_fpr": dev["compliant_fpr"], "cold_dev_macro_f1": cold["macro_f1"],
        "cold_dev_macro_f1_ci95": cold["macro_f1_ci95"], "distill": scorer.meta["config"].get("distill"),
    }


def main(argv: list[str] | None = None) -> int:
    from tqdm.auto import tqdm

    from yuefu_nlp.corpus.schema import load_rows
    from yuefu_nlp.training.train_data import read_cold

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+", type=Path)
    p.add_argument("--dev", type=Path, default=ROOT / "data" / "splits" / "dev.jsonl")
    p.add_argument("--openworld-dev", type=Path, default=ROOT / "data" / "openworld" / "splits" / "dev.jsonl",
                   help="open-world dev rows (skipped if absent)")
    p.add_argument("--cold-dir", type=Path, default=ROOT / "data" / "external" / "cold")
    p.add_argument("--cold-rows", type=int, default=None, help="score only the first N COLD dev rows (smoke tests)")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)

    ckpts = [c for c in args.checkpoints if (c / "checkpoint.json").is_file()]
    for c in sorted(set(args.checkpoints) - set(ckpts)):
        print(f"skipping {c}: no checkpoint.json", file=sys.stderr)
    if not ckpts:
        print("no checkpoints to compare: train one with scripts/train.py", file=sys.stderr)
        return 2
    dev_rows, cold_dev = load_rows([args.dev]), read_cold(args.cold_dir, "dev")[: args.cold_rows]
    ow_rows = load_rows([args.openworld_dev]) if args.openworld_dev.is_file() else []
    rows = [compare(c, dev_rows, cold_dev, args.n_boot, ow_rows) for c in tqdm(ckpts, desc="checkpoints")]
    print(f"dev: {args.dev.name} ({len(dev_rows)} rows); COLD dev: {len(cold_dev)} rows; torch fp32, dev-tuned thresholds")
    ow_cols = " open-world dev any-flag | contrast dev flagged | minimal pairs dev |" if ow_rows else ""
    print("| checkpoint | layers | dev macro-F1 [95% CI] | dev compliant FPR | COLD dev macro-F1 [95% CI] |" + ow_cols)
    print("|---|---|---|---|---|" + "---|" * (3 if ow_rows else 0))
    for r in rows:
        lo, hi = r["dev_macro_f1_ci95"]
        clo, chi = r["cold_dev_macro_f1_ci95"]
        extra = (f" {r['openworld_dev_any_flag']:.4f} | {r['contrast_dev_flag']:.4f} | "
                 f"{r['minimal_pair_dev_accuracy']:.4f} |" if ow_rows else "")
        print(f"| {r['checkpoint']} | {r['layers']} | {r['dev_macro_f1']:.4f} [{lo:.3f}, {hi:.3f}] | "
              f"{r['dev_compliant_fpr']:.3f} | {r['cold_dev_macro_f1']:.4f} [{clo:.3f}, {chi:.3f}] |" + extra)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
