#!/usr/bin/env python
"""Throughput and peak memory of the model on ~60-character SMS: torch fp32, ONNX fp32 and ONNX int8 at batch sizes
1, 32 and 128, plus the full `yuefu score` path (rules + int8 model, CSV in, CSV out). Prints a table and writes JSON.

    python scripts/bench_model.py                              # shipped model + the checkpoint it was exported from
    python scripts/bench_model.py --json runs/bench_model.json --n 512
    python scripts/bench_model.py --reference runs/full12       # also torch fp32 of another checkpoint (batch 32)

How it measures (a fresh process per measurement, round-robin rounds, best pass): yuefu_nlp/evaluation/model_bench.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from yuefu_nlp.evaluation.model_bench import bench_model, bench_summary
from yuefu_nlp.runtime.paths import REPO_ROOT, default_model_dir
from yuefu_nlp.training.package import source_checkpoint


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", type=Path, default=default_model_dir())
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="training checkpoint, for torch fp32 and the fp32 ONNX export (default: the one the model "
                        "folder was exported from, its metrics.json config.out_dir)")
    p.add_argument("--n", type=int, default=512, help="messages per model measurement")
    p.add_argument("--n-score", type=int, default=3000, help="messages for the `yuefu score` measurement")
    p.add_argument("--rounds", type=int, default=3,
                   help="round-robin rounds over all backends; each reports the best of its passes")
    p.add_argument("--repeats", type=int, default=1,
                   help="timed passes per child process (the best over all rounds and passes is reported; other "
                        "processes only ever slow a pass)")
    p.add_argument("--json", type=Path, default=REPO_ROOT / "runs" / "bench_model.json")
    p.add_argument("--reference", type=Path, default=None, metavar="CHECKPOINT",
                   help="also time torch fp32 of this checkpoint at batch 32 (context: e.g. a larger predecessor)")
    args = p.parse_args(argv)
    if args.checkpoint is None:
        args.checkpoint = source_checkpoint(args.model_dir)

    if not (args.checkpoint / "checkpoint.json").is_file():
        print(f"no checkpoint at {args.checkpoint}: train one first (scripts/train.py)", file=sys.stderr)
        return 2
    report = bench_model(args.model_dir, args.checkpoint, n=args.n, n_score=args.n_score, rounds=args.rounds,
                         repeats=args.repeats, reference=args.reference, log=lambda m: print(m, file=sys.stderr))
    print(bench_summary(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
