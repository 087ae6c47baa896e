"""Write data/openworld/splits/{train,dev,test}.jsonl and manifest.json: open-world, contrast and degenerate rows.

    python scripts/make_openworld.py                 # sample + screen the bundle, split the written rows
    python scripts/make_openworld.py --screen-only   # refresh data/openworld/review/bundle_review.jsonl only

How the rows are sampled, screened, reviewed and split: yuefu_nlp/corpus/openworld_splits.py. The script refuses to
write splits while any flagged line of the review file has no decision.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from yuefu_nlp.corpus.openworld import OPENWORLD_DIR, sample_bundle
from yuefu_nlp.corpus.openworld_splits import HELD_OUT_TEST, REVIEW, SIZES, build_splits, update_review, write_splits
from yuefu_nlp.corpus.splits import SPLITS
from yuefu_nlp.runtime.paths import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--screen-model", type=Path, default=REPO_ROOT / "models" / "yuefu-e5-small-int8",
                    help="model folder used to screen the bundle (default: the shipped model)")
    ap.add_argument("--screen-only", action="store_true", help="only (re)write the review queue")
    ap.add_argument("--out", type=Path, default=OPENWORLD_DIR / "splits")
    args = ap.parse_args(argv)

    bundle = sample_bundle(SIZES, HELD_OUT_TEST, seed=args.seed)
    review = update_review(bundle, args.screen_model)
    print(f"bundle: {review.sampled} sampled lines, {len(review.flagged)} flagged by rules or model, "
          f"{len(review.pending)} without a valid decision")
    if args.screen_only:
        return 0
    if review.pending:
        print(f"refusing to write splits: review {REVIEW.relative_to(REPO_ROOT)} first (decision: \"benign\", "
              f"\"drop\" or a list of labels); e.g. {review.pending[0]['id']}", file=sys.stderr)
        return 1
    result = build_splits(bundle, review, args.seed)
    write_splits(result, args.out)
    for s in SPLITS:
        print(s, json.dumps(result.manifest["splits"][s]["all"], ensure_ascii=False))
    print(f"dropped written rows: {len(result.manifest['dropped_written_rows'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
