"""Regenerate data/DATASHEET.md from the data files.

    python scripts/make_datasheet.py [--check]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from yuefu_nlp.corpus.datasheet import render_datasheet


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if data/DATASHEET.md is out of date")
    args = ap.parse_args()
    text = render_datasheet(REPO)
    path = REPO / "data" / "DATASHEET.md"
    if args.check:
        ok = path.exists() and path.read_text(encoding="utf-8") == text
        print("up to date" if ok else "data/DATASHEET.md is out of date: run python scripts/make_datasheet.py")
        return 0 if ok else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
