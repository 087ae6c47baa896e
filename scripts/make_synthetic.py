"""Write data/synthetic/synthetic.jsonl with the seeded template generator (same n and seed -> same file).

    python scripts/make_synthetic.py                 # 6000 rows, seed 13
    python scripts/make_synthetic.py --n 500 --seed 7 --out /tmp/syn.jsonl
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from yuefu_nlp.corpus.schema import load_rows, write_rows
from yuefu_nlp.corpus.splits import label_summary
from yuefu_nlp.corpus.synthetic import FAMILIES, generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "synthetic" / "synthetic.jsonl")
    args = ap.parse_args(argv)

    rows = generate(args.n, args.seed)
    write_rows(rows, args.out)
    load_rows(args.out)  # the file must pass the same validation as gold files
    stats = {
        "n": args.n,
        "seed": args.seed,
        "families": len(FAMILIES),
        "templates": sum(len(f.templates) for f in FAMILIES),
        "labels": label_summary(rows),
        "label_sets": {"|".join(k) or "compliant": v for k, v in sorted(Counter(r.labels for r in rows).items())},
        "register": dict(sorted(Counter(r.register for r in rows).items())),
        "variety": dict(sorted(Counter(v for r in rows for v in r.variety).items())),
    }
    args.out.with_suffix(".stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
