#!/usr/bin/env python
"""Rules-only cost against text length on pathological inputs: seconds per pattern and length, and the growth factor.

    python scripts/bench_pathological.py [--lengths 1000 5000 20000 40000] [--repeat 3] [--json out.json]

Linear matching doubles its time from 20k to 40k characters; quadratic matching quadruples it. The patterns and how
they are timed: yuefu_nlp/evaluation/rules_bench.py.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from yuefu_nlp.evaluation.rules_bench import LENGTHS, PATTERNS, bench_pathological

MAX_SECONDS = 1.0  # issue #14: '傻逼' * 20000 (40k characters) in under a second, and so every pattern at 40k
MAX_GROWTH_PER_LENGTH_RATIO = 1.5  # linear growth equals the length ratio, quadratic its square


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--patterns", nargs="+", choices=tuple(PATTERNS), default=tuple(PATTERNS))
    p.add_argument("--lengths", nargs="+", type=int, default=LENGTHS)
    p.add_argument("--repeat", type=int, default=3, help="runs per cell; the best is kept")
    p.add_argument("--budget", type=float, default=10.0, help="seconds after which a pattern skips longer lengths")
    p.add_argument("--json", type=Path, help="also write the records to this JSON file")
    args = p.parse_args(argv)

    records = bench_pathological(args.patterns, args.lengths, repeat=args.repeat, budget_s=args.budget)
    lengths = sorted(args.lengths)
    print(f"{'pattern':<18}" + "".join(f"{n:>10,}" for n in lengths) + "   growth (last step)   findings (longest)")
    failures = []
    for name in args.patterns:
        rs = {r["chars"]: r for r in records if r["pattern"] == name}
        cells = "".join(f"{rs[n]['seconds']:>9.3f}s" if "seconds" in rs[n] else f"{'skipped':>10}" for n in lengths)
        timed = [n for n in lengths if "seconds" in rs[n]]
        last, prev = rs[timed[-1]], rs[timed[-2]] if len(timed) > 1 else None
        ratio = timed[-1] / timed[-2] if prev else None
        growth = f"x{last['growth']:.2f} for x{ratio:g} chars" if prev and last["growth"] else "-"
        print(f"{name:<18}{cells}   {growth:<20} {last['findings']:>8}")
        if len(timed) < len(lengths) or last["seconds"] > MAX_SECONDS:
            failures.append(f"{name}: over {MAX_SECONDS} s at {lengths[-1]:,} characters")
        elif prev and last["growth"] and last["growth"] > MAX_GROWTH_PER_LENGTH_RATIO * ratio:
            failures.append(f"{name}: time grew x{last['growth']} for x{ratio:g} characters (superlinear)")
    print(f"target: every pattern under {MAX_SECONDS} s at {lengths[-1]:,} characters, growth at most "
          f"{MAX_GROWTH_PER_LENGTH_RATIO} x the length ratio: " + ("meets" if not failures else "MISSES"))
    for f in failures:
        print("  " + f)
    if args.json:
        args.json.write_text(json.dumps({"records": records, "max_seconds": MAX_SECONDS,
                                         "meets": not failures, "failures": failures}, indent=2) + "\n",
                             encoding="utf-8")
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
