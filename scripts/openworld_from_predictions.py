"""Add the open-world section to an evaluation written by another version of yuefu_nlp, from its predictions.

    python scripts/openworld_from_predictions.py EVAL_DIR DATA.jsonl -o OUT_DIR [--note "..."]

Why: to compare the model shipped before issue #11 with the current one on the same held-out open-world rows, the
old checkout (its code, lexicons and model: `git worktree add /tmp/old <commit>`) runs its own `yuefu evaluate` on the
rows, and this script computes `evaluation.openworld.openworld_summary` from its `predictions/<system>.jsonl`. The
result is a metrics.json that scripts/make_evaluation_doc.py renders as the "before" table
(docs/evaluation/openworld_before/).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import numpy as np

from yuefu_nlp.domain import LABELS
from yuefu_nlp.evaluation.dataset import label_matrix, load_labelled
from yuefu_nlp.evaluation.openworld import facts, openworld_summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("eval_dir", type=Path, help="folder with metrics.json and predictions/ of the other version")
    ap.add_argument("data", type=Path, help="the labelled rows it was run on")
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--note", default="", help="what produced the predictions (recorded in settings.note)")
    args = ap.parse_args(argv)
    rows = load_labelled(args.data)
    report = json.loads((args.eval_dir / "metrics.json").read_text(encoding="utf-8"))
    y = label_matrix([r.labels for r in rows])
    row_facts = [facts(r.id, vars(r)) for r in rows]
    report["openworld"] = {}
    for s in report["systems"]:
        preds = [json.loads(line) for line in (args.eval_dir / "predictions" / f"{s['name']}.jsonl").read_text(
            encoding="utf-8").splitlines() if line]
        if [p["id"] for p in preds] != [r.id for r in rows]:
            raise SystemExit(f"{s['name']}: predictions are not for the rows of {args.data} (ids differ)")
        pred = np.asarray([[lab in p["predicted"] for lab in LABELS] for p in preds], dtype=bool)
        report["openworld"][s["name"]] = openworld_summary(row_facts, y, pred)
    report.setdefault("settings", {})["note"] = args.note
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output / 'metrics.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
