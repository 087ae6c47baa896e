#!/usr/bin/env python
"""Choose between training checkpoints on dev, COLD dev and open-world dev only (never the test split); the scoring
is `yuefu_nlp.training.compare`.

    python scripts/compare_checkpoints.py runs/small6 runs/cold15 runs/distill runs/default
    python scripts/compare_checkpoints.py runs/* --json runs/compare.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tqdm.auto import tqdm

from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.runtime.paths import REPO_ROOT
from yuefu_nlp.training.compare import compare_checkpoint, comparison_table
from yuefu_nlp.training.train_data import read_cold


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+", type=Path)
    p.add_argument("--dev", type=Path, default=REPO_ROOT / "data" / "splits" / "dev.jsonl")
    p.add_argument("--openworld-dev", type=Path, default=REPO_ROOT / "data" / "openworld" / "splits" / "dev.jsonl",
                   help="open-world dev rows (skipped if absent)")
    p.add_argument("--cold-dir", type=Path, default=REPO_ROOT / "data" / "external" / "cold")
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
    rows = [compare_checkpoint(c, dev_rows, cold_dev, args.n_boot, ow_rows) for c in tqdm(ckpts, desc="checkpoints")]
    print(f"dev: {args.dev.name} ({len(dev_rows)} rows); COLD dev: {len(cold_dev)} rows; torch fp32, dev-tuned thresholds")
    print(comparison_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
