"""Peak memory of `yuefu score` as the input grows: streaming means it stays flat.

    python scripts/bench_score_memory.py [--rows 10000 100000 1000000] [--backend rules]

Writes each CSV to a temporary folder, scores it in a child process and reads the child's peak RSS.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXTS = (
    "您好，您在抖音月付的账单已逾期{n}天，请尽快还款，以免影响征信。",
    "你这个老赖，再不还钱明天就去你单位找你领导！",
    "催收员：您好，是王先生吗？提醒您今天还款。\n客户：知道了，下午还。",
    "我们已经通知你所有通讯录联系人，你欠钱不还的事大家都知道了。",
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--backend", default="rules")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            src, out = Path(tmp) / f"in_{n}.csv", Path(tmp) / f"out_{n}.csv"
            with open(src, "w", encoding="utf-8", newline="") as fh:
                fh.write("id,text\n")
                for i in range(n):
                    text = TEXTS[i % len(TEXTS)].format(n=i % 90).replace('"', '""')
                    fh.write(f'{i},"{text}"\n')
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "yuefu_nlp.cli", "score", str(src), "-o", str(out), "--backend", args.backend,
                 "--no-progress"], capture_output=True, text=True,
            )
            seconds = time.perf_counter() - t0
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            with open(out, encoding="utf-8") as fh:
                out_rows = sum(1 for _ in fh) - 1  # physical lines; transcripts span 2 lines each
            row = {"rows": n, "seconds": round(seconds, 1), "rows_per_s": round(n / seconds),
                   "peak_rss_mb_max_so_far": round(max(peak_mb, before / 1024), 1), "output_lines": out_rows,
                   "input_mb": round(src.stat().st_size / 2**20, 1)}
            results.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
