#!/usr/bin/env python
"""`yuefu score` on templated, repeated and distinct message streams: today's code (with and without its memo)
against the release of issue #16 (2124c4c), side by side in one run, each system in its own process.

    python scripts/bench_streams.py [--n 3000] [--json docs/evaluation/bench_streams.json]

Targets (issue #16): at least x3 the release's msgs/s on the templated stream and x1.3 on distinct messages, with
the memo's output identical to a run without it. The streams: yuefu_nlp/evaluation/stream_bench.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.evaluation.stream_bench import RELEASE, bench, stream_table
from yuefu_nlp.runtime.paths import REPO_ROOT

TARGETS = {"templated": 3.0, "distinct": 1.3}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=3000, help="messages per stream (default 3000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=3, help="runs of each system, in turn; the best counts (default 3)")
    p.add_argument("--release", default=RELEASE, help=f"the commit to compare with (default {RELEASE})")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    corpus = [r.text for r in load_rows(REPO_ROOT / "data" / "openworld" / "splits" / "test.jsonl")
              if 20 <= len(r.text) <= 80 and "\n" not in r.text]
    figures = bench(args.n, args.seed, corpus, args.release, args.rounds)
    verdicts = {k: figures["streams"][k]["speedup_vs_release"] >= t for k, t in TARGETS.items()}
    figures["targets"] = {k: {"at_least": t, "met": verdicts[k]} for k, t in TARGETS.items()}
    figures["memo_identical"] = all(s["memo_vs_no_memo"]["identical_rows"] == s["memo_vs_no_memo"]["rows"]
                                    for s in figures["streams"].values())
    print(stream_table(figures))
    for k, t in TARGETS.items():
        print(f"target x{t} on {k}: {'meets' if verdicts[k] else 'MISSES'} "
              f"(x{figures['streams'][k]['speedup_vs_release']:.2f})")
    print(f"memo output identical to no memo: {figures['memo_identical']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if figures["memo_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
