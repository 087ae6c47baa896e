"""Write data/splits/{train,dev,test}.jsonl and manifest.json from the gold and synthetic files.

    python scripts/make_splits.py
    python scripts/make_splits.py --gold data/gold/raw --synthetic data/synthetic/synthetic.jsonl --seed 13

dev/test: handwritten rows only; train: the remaining handwritten rows plus synthetic/external rows that neither
share a family with nor nearly duplicate a dev/test row. The script refuses to write splits that leak.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from yuefu_nlp.corpus.schema import load_rows, write_rows
from yuefu_nlp.corpus.splits import (
    NEAR_DUP_THRESHOLD,
    SHINGLE_SIZE,
    SPLITS,
    TARGET,
    check_no_leak,
    label_conflicts,
    label_summary,
    make_splits,
)
from yuefu_nlp.runtime.manifest import sha256_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, default=ROOT / "data" / "gold" / "raw")
    ap.add_argument("--synthetic", type=Path, nargs="*", default=[ROOT / "data" / "synthetic" / "synthetic.jsonl"])
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "splits")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    gold_files = sorted(args.gold.glob("*.jsonl")) if args.gold.is_dir() else [args.gold]
    inputs = [p for p in gold_files + list(args.synthetic) if p.exists()]
    rows = load_rows(inputs)
    result = make_splits(rows, seed=args.seed)
    problems = check_no_leak(result.as_dict())
    if problems:
        for p in problems[:50]:
            print(p, file=sys.stderr)
        print(f"refusing to write: {len(problems)} leak problem(s)", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    for name, split_rows in result.as_dict().items():
        write_rows(split_rows, args.out / f"{name}.jsonl")
    hand_total = sum(1 for r in rows if r.source == "handwritten")
    manifest = {
        "seed": args.seed,
        "near_duplicate": {"shingle": SHINGLE_SIZE, "jaccard_threshold": NEAR_DUP_THRESHOLD, "method": "exact all-pairs"},
        "target_handwritten_fraction": TARGET,
        "inputs": [{"path": str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p), "rows": len(load_rows(p)),
                    "sha256": sha256_file(p)} for p in inputs],
        "handwritten_groups": result.n_groups,
        "splits": {},
        "dropped": [{"id": i, "reason": why} for i, why in result.dropped],
        # handwritten near-duplicates with different labels: minimal pairs or slips, worth a second look
        "handwritten_near_duplicate_label_conflicts": label_conflicts([r for r in rows if r.source == "handwritten"]),
    }
    for name, split_rows in result.as_dict().items():
        hand = [r for r in split_rows if r.source == "handwritten"]
        manifest["splits"][name] = {
            "all": label_summary(split_rows),
            "handwritten": label_summary(hand),
            "handwritten_fraction": round(len(hand) / hand_total, 4) if hand_total else 0.0,
        }
    (args.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in SPLITS:
        print(name, json.dumps(manifest["splits"][name], ensure_ascii=False))
    print(f"groups={result.n_groups} dropped={len(result.dropped)} "
          f"label_conflicts={len(manifest['handwritten_near_duplicate_label_conflicts'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
