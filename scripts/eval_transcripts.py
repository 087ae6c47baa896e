#!/usr/bin/env python
"""Call transcripts: role decisions, call-level figures and localisation on the held-out gold calls
(data/gold/transcripts/), written to docs/evaluation/transcripts/metrics.json and printed as a table.

    python scripts/eval_transcripts.py
    python scripts/eval_transcripts.py --backend rules --json /tmp/t.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from yuefu_nlp import Analyzer
from yuefu_nlp.domain import BACKENDS
from yuefu_nlp.evaluation.transcripts import (
    compare_localisation,
    load_transcript_cases,
    transcript_report,
    transcript_table,
)
from yuefu_nlp.runtime.paths import REPO_ROOT

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gold", type=Path, default=REPO_ROOT / "data" / "gold" / "transcripts" / "transcripts.jsonl")
    p.add_argument("--dev", type=Path, default=REPO_ROOT / "data" / "gold" / "transcripts" / "dev.jsonl",
                   help="dev calls, on which the localisation method was chosen (compared there and on --gold)")
    p.add_argument("--backend", choices=BACKENDS, default="fused")
    p.add_argument("--json", type=Path, default=REPO_ROOT / "docs" / "evaluation" / "transcripts" / "metrics.json")
    p.add_argument("--n-boot", type=int, default=1000)
    args = p.parse_args(argv)
    cases = load_transcript_cases(args.gold)
    gold = args.gold.relative_to(REPO_ROOT) if args.gold.is_relative_to(REPO_ROOT) else args.gold
    command = " ".join(["python scripts/eval_transcripts.py", *(argv if argv is not None else sys.argv[1:])])
    analyzer = Analyzer.load(args.backend)
    report = {"gold": str(gold), "backend": args.backend, "command": command,
              **transcript_report(analyzer, cases, n_boot=args.n_boot)}
    if args.backend != "rules":  # how the model's decisions are located: each method, on dev (the choice) and test
        report["localisation_methods"] = {"test": compare_localisation(analyzer, cases)}
        if args.dev.is_file():
            report["localisation_methods"]["dev"] = compare_localisation(analyzer, load_transcript_cases(args.dev))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(cases)} gold calls from {report['gold']}, backend {args.backend}\n")
    print(transcript_table(report))
    print(f"\nwrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
