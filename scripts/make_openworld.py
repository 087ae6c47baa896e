"""Write data/openworld/splits/{train,dev,test}.jsonl and manifest.json: open-world, contrast and degenerate rows.

    python scripts/make_openworld.py                 # sample + screen the bundle, split the written rows
    python scripts/make_openworld.py --screen-only   # refresh data/openworld/review/bundle_review.jsonl only

1. The third-party bundle (data/external/openworld) is sampled per source with a seed (corpus/openworld.py);
   held-out sources go to test only.
2. Screening: the rules and the screening model (default: the shipped model) run over every sampled line. Each line
   that either flags is written to data/openworld/review/bundle_review.jsonl, where a reviewer records a decision:
   "benign" (a negative), a list of labels (a positive: the line really threatens or insults), or "drop"
   (unreadable, or not judgeable out of context). Decisions are kept by row id across reruns. The script refuses to
   write splits while any flagged line has no decision.
3. Rows we wrote (data/openworld/written/*.jsonl) are split ~60/15/25 by family and near-duplicate group
   (corpus/splits.make_splits), separately per file and row group; a written row that nearly duplicates a gold row of
   another split is dropped. data/openworld/fresh_test/*.jsonl (rows written after a model was built, to measure it
   afresh) go to test only.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parents[1]

from yuefu_nlp.corpus.openworld import HELD_OUT_SOURCES, OPENWORLD_DIR, row_group, sample_bundle  # noqa: E402
from yuefu_nlp.corpus.schema import CorpusRow, load_rows, write_rows  # noqa: E402
from yuefu_nlp.corpus.splits import SPLITS, check_no_leak, label_summary, make_splits  # noqa: E402
from yuefu_nlp.runtime.manifest import sha256_file  # noqa: E402
from yuefu_nlp.domain import LABELS  # noqa: E402

SIZES = {"train": 1000, "dev": 250, "test": 600}  # per trained source
HELD_OUT_TEST = 2000  # per held-out source
REVIEW = OPENWORLD_DIR / "review" / "bundle_review.jsonl"


def screen(rows: list[CorpusRow], model_dir: Path | None, batch_size: int = 64) -> dict[str, dict]:
    """Flags of the rules and of the screening model per row id, for rows where either flags."""
    from yuefu_nlp import Analyzer

    rules = Analyzer.load("rules")
    model = Analyzer.load("fused", model_dir=model_dir)
    out: dict[str, dict] = {}
    pairs = [(r.text, r.id) for r in rows]
    by_rules = {i: res for res, i in tqdm(rules.analyze_batch(pairs, batch_size=batch_size, as_tuples=True),
                                          total=len(pairs), desc="screen: rules")}
    for res, rid in tqdm(model.analyze_batch(pairs, batch_size=batch_size, as_tuples=True), total=len(pairs),
                         desc="screen: model"):
        r_labels = sorted(by_rules[rid].labels, key=LABELS.index)
        m_labels = sorted(res.labels, key=LABELS.index)
        if r_labels or m_labels:
            out[rid] = {"rules": r_labels, "model": m_labels,
                        "model_scores": {k: round(v, 3) for k, v in res.scores.items() if v >= 0.25}}
    return out


def _read_review(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    return {d["id"]: d for d in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)}


def _valid_decision(d: object) -> bool:
    return d in ("benign", "drop") or (isinstance(d, list) and bool(d) and all(x in LABELS for x in d))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--screen-model", type=Path, default=ROOT / "models" / "yuefu-e5-small-int8",
                    help="model folder used to screen the bundle (default: the shipped model)")
    ap.add_argument("--screen-only", action="store_true", help="only (re)write the review queue")
    ap.add_argument("--out", type=Path, default=OPENWORLD_DIR / "splits")
    args = ap.parse_args(argv)

    bundle = sample_bundle(SIZES, HELD_OUT_TEST, seed=args.seed)
    sampled = [r for s in SPLITS for r in bundle[s]]
    review = _read_review(REVIEW)
    todo = [r for r in sampled if r.id not in review]
    if todo:
        flags = screen(todo, args.screen_model)
        for r in todo:
            if r.id in flags:
                review[r.id] = {"id": r.id, "text": r.text, "source": r.source, **flags[r.id], "decision": None,
                                "note": ""}
        # lines that nothing flags are recorded too, so a rerun does not screen them again
        for r in todo:
            review.setdefault(r.id, {"id": r.id, "text": r.text, "source": r.source, "rules": [], "model": [],
                                     "model_scores": {}, "decision": "unflagged", "note": ""})
        REVIEW.parent.mkdir(parents=True, exist_ok=True)
        with REVIEW.open("w", encoding="utf-8") as fh:
            for d in sorted(review.values(), key=lambda d: d["id"]):
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    sampled_ids = {r.id for r in sampled}
    flagged = [d for d in review.values() if d["id"] in sampled_ids and d["decision"] != "unflagged"]
    pending = [d for d in flagged if not _valid_decision(d["decision"])]
    print(f"bundle: {len(sampled)} sampled lines, {len(flagged)} flagged by rules or model, {len(pending)} "
          f"without a valid decision")
    if args.screen_only:
        return 0
    if pending:
        print(f"refusing to write splits: review {REVIEW.relative_to(ROOT)} first (decision: \"benign\", \"drop\" "
              f"or a list of labels); e.g. {pending[0]['id']}", file=sys.stderr)
        return 1

    decided: dict[str, list[CorpusRow]] = {s: [] for s in SPLITS}
    for split in SPLITS:
        for r in bundle[split]:
            d = review[r.id]["decision"]
            if d == "drop":
                continue
            labels = tuple(x for x in LABELS if isinstance(d, list) and x in d)
            decided[split].append(CorpusRow(**{**r.__dict__, "labels": labels}))

    written_files = sorted((OPENWORLD_DIR / "written").glob("*.jsonl"))
    # rows written after a model was built, to measure it afresh: test only, never trained or tuned on
    fresh_files = sorted((OPENWORLD_DIR / "fresh_test").glob("*.jsonl"))
    rows_of = {p: load_rows(p) for p in written_files + fresh_files}
    ids = [r.id for rows in rows_of.values() for r in rows]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"duplicate row ids across {OPENWORLD_DIR}: {sorted({i for i in ids if ids.count(i) > 1})[:5]}")
    # one stratified split per group (contrast, minimal pairs, each register, ...): a single greedy pass places the
    # largest families first and would put a whole kind in train
    parts: dict[tuple[str, str], list[CorpusRow]] = {}
    for path in written_files:  # by file and group, so a file added later never moves the rows of earlier ones
        for r in rows_of[path]:
            parts.setdefault((path.name, row_group(r)), []).append(r)
    results = [make_splits(rows, seed=args.seed) for _, rows in sorted(parts.items())]
    result_splits = {s: [r for res in results for r in res.as_dict()[s]] for s in SPLITS}
    result_dropped = [d for res in results for d in res.dropped]
    result_splits["test"] += [r for p in fresh_files for r in rows_of[p]]
    gold = {s: load_rows(ROOT / "data" / "splits" / f"{s}.jsonl") for s in SPLITS}
    combined = {s: list(gold[s]) + result_splits[s] for s in SPLITS}
    written_ids = {r.id for p in written_files for r in rows_of[p]}
    dropped: dict[str, str] = {}
    for p in check_no_leak(combined):
        if p.kind == "source":
            continue  # gold train holds synthetic rows by design
        for rid in (p.id_a, p.id_b):
            if rid in written_ids:
                dropped.setdefault(rid, str(p))
    splits = {s: [r for r in decided[s] + result_splits[s] if r.id not in dropped] for s in SPLITS}

    args.out.mkdir(parents=True, exist_ok=True)
    for s in SPLITS:
        write_rows(splits[s], args.out / f"{s}.jsonl")
    manifest = {
        "seed": args.seed,
        "bundle_sizes_per_source": SIZES,
        "held_out_sources": list(HELD_OUT_SOURCES),
        "held_out_test_rows_per_source": HELD_OUT_TEST,
        "inputs": [{"path": str(p.relative_to(ROOT)), "rows": len(rows_of[p]), "sha256": sha256_file(p)}
                   for p in written_files + fresh_files]
        + [{"path": str(REVIEW.relative_to(ROOT)), "sha256": sha256_file(REVIEW)}],
        "screening": {
            "sampled": len(sampled), "flagged": len(flagged),
            "decisions": dict(Counter(d["decision"] if isinstance(d["decision"], str) else "labelled"
                                      for d in flagged)),
        },
        "splits": {s: {"all": label_summary(splits[s]),
                       "by_group": dict(sorted(Counter(row_group(r) for r in splits[s]).items()))} for s in SPLITS},
        "dropped_written_rows": [{"id": i, "reason": why} for i, why in sorted(dropped.items())]
        + [{"id": i, "reason": why} for i, why in result_dropped],
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for s in SPLITS:
        print(s, json.dumps(manifest["splits"][s]["all"], ensure_ascii=False))
    print(f"dropped written rows: {len(manifest['dropped_written_rows'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
