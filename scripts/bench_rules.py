"""Rules-only throughput on SMS-length texts (~60 characters), one process, against a naive regex baseline.

    python scripts/bench_rules.py [--n 20000] [--json out.json]

The naive baseline is what a generic sensitive-word filter does: one regex alternation over the same lexicon keywords,
run on the raw text (no normalization, no gates, no spans back through an offset map).
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from yuefu_nlp import Analyzer
from yuefu_nlp.text.normalize import Normalizer
from yuefu_nlp.text.segment import Segmenter


def sms_texts(n: int) -> list[str]:
    """SMS/app-length texts (40-90 chars) from the gold set if present, else the sample CSV, cycled to n."""
    pool: list[str] = []
    for path in sorted((REPO / "data" / "gold" / "raw").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("register") in ("sms", "chat") and 40 <= len(row["text"]) <= 90:
                pool.append(row["text"])
    if not pool:
        with open(REPO / "data" / "samples" / "messages.csv", encoding="utf-8", newline="") as fh:
            pool = [r["text"] for r in csv.DictReader(fh) if "\n" not in r["text"] and len(r["text"]) <= 120]
    return [pool[i % len(pool)] for i in range(n)]


def rate(fn, texts: list[str]) -> float:
    t0 = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()

    texts = sms_texts(args.n)
    analyzer = Analyzer.load(backend="rules", memo_size=0)  # no memo: every text is matched, as if new
    normalizer, segmenter = Normalizer(), Segmenter()
    keywords = sorted({kw for r in analyzer.matcher.rules for kw in r.keywords}, key=len, reverse=True)
    naive = re.compile("|".join(re.escape(k) for k in keywords))
    analyzer.analyze(texts[0])  # warm caches

    def full(ts):
        for _ in analyzer.analyze_batch(ts, batch_size=256):
            pass

    def full_with_segmentation(ts):
        for t in ts:
            segmenter.tokens(normalizer.normalize(t).text)
            analyzer.analyze(t)

    def normalize_only(ts):
        for t in ts:
            normalizer.normalize(t)

    def segment_only(ts):
        for t in ts:
            segmenter.tokens(t)

    def naive_regex(ts):
        for t in ts:
            [m.span() for m in naive.finditer(t)]

    figures = {
        "texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "rules": len(analyzer.matcher.rules),
        "keywords": len(keywords),
        "full_pipeline_msgs_per_s": round(rate(full, texts)),
        "full_pipeline_forced_segmentation_msgs_per_s": round(rate(full_with_segmentation, texts)),
        "normalize_only_msgs_per_s": round(rate(normalize_only, texts)),
        "jieba_segment_only_msgs_per_s": round(rate(segment_only, texts)),
        "naive_regex_alternation_msgs_per_s": round(rate(naive_regex, texts)),
    }
    width = max(map(len, figures))
    for k, v in figures.items():
        print(f"{k:<{width}}  {v}")
    target = 5000
    verdict = "meets" if figures["full_pipeline_msgs_per_s"] >= target else "MISSES"
    print(f"target >= {target} msgs/s for the full rules pipeline: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
