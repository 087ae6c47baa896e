"""Shortcut audit of a training set: the words and characters that predict each label by co-occurrence alone.

    python scripts/shortcut_audit.py                                   # the training rows the default config uses
    python scripts/shortcut_audit.py --train data/splits/train.jsonl --json audit.json
    python scripts/shortcut_audit.py --before data/splits/train.jsonl  # before/after table (Markdown)

The same audit, before and after the open-world data, is a section of data/DATASHEET.md (scripts/make_datasheet.py).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.corpus.shortcuts import render_audit, shortcut_audit

DEFAULT_TRAIN = [ROOT / "data" / "splits" / "train.jsonl", ROOT / "data" / "openworld" / "splits" / "train.jsonl"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, nargs="+", default=DEFAULT_TRAIN, help="training rows (corpus JSONL)")
    ap.add_argument("--before", type=Path, nargs="+", default=None,
                    help="rows before a data change: print the before/after Markdown table")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--min-rows", type=int, default=20, help="ignore tokens in fewer rows")
    ap.add_argument("--json", type=Path, default=None, help="write the full audit here")
    args = ap.parse_args(argv)
    rows = load_rows([p for p in args.train if p.exists()])
    if args.json:
        args.json.write_text(json.dumps(shortcut_audit(rows, args.top, args.min_rows), ensure_ascii=False, indent=1)
                             + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    before = load_rows(args.before) if args.before else rows
    print(render_audit(before, rows, args.top, min_rows=args.min_rows), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
