#!/usr/bin/env python
"""Write docs/EVALUATION.md from a metrics JSON (and benchmark JSON beside it), so no figure is typed by hand.

    python scripts/make_evaluation_doc.py [--metrics docs/evaluation/metrics.json] [-o docs/EVALUATION.md]

The prose lives in docs/templates/EVALUATION.md.tmpl; the rendering is `yuefu_nlp.evaluation.evaluation_doc.render`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from yuefu_nlp.evaluation.evaluation_doc import DOC, TEMPLATE, render
from yuefu_nlp.runtime.paths import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metrics", type=Path, default=REPO_ROOT / "docs" / "evaluation" / "metrics.json")
    ap.add_argument("--template", type=Path, default=TEMPLATE)
    ap.add_argument("-o", "--output", type=Path, default=DOC)
    args = ap.parse_args(argv)
    args.output.write_text(render(args.metrics, args.template), encoding="utf-8")
    print(f"wrote {args.output} from {args.metrics}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
