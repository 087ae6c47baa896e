"""Build data/openworld/splits/{train,dev,test}.jsonl and manifest.json: open-world, contrast and degenerate rows.

1. The third-party bundle (data/external/openworld) is sampled per source with a seed (openworld.sample_bundle);
   held-out sources go to test only.
2. Screening: the rules and the screening model (default: the shipped model) run over every sampled line. Each line
   that either flags is written to data/openworld/review/bundle_review.jsonl, where a reviewer records a decision:
   "benign" (a negative), a list of labels (a positive: the line really threatens or insults), or "drop"
   (unreadable, or not judgeable out of context). Decisions are kept by row id across reruns; no split is built
   while a flagged line has no decision.
3. Rows we wrote (data/openworld/written/*.jsonl) are split ~60/15/25 by family and near-duplicate group
   (splits.make_splits), separately per file and row group; a written row that nearly duplicates a gold row of
   another split is dropped. data/openworld/fresh_test/*.jsonl (rows written after a model was built, to measure it
   afresh) go to test only.

Why in the library: the split files are committed data, so how they are made must be readable and testable in one
place; scripts/make_openworld.py is only its command line.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..domain import LABELS
from ..errors import SchemaError
from ..runtime.manifest import sha256_file
from .openworld import HELD_OUT_SOURCES, OPENWORLD_DIR, row_group
from .schema import CorpusRow, load_rows, write_rows
from .splits import SPLITS, check_no_leak, label_summary, make_splits

__all__ = ["SIZES", "HELD_OUT_TEST", "REVIEW", "Review", "screen", "update_review", "build_splits",
           "OpenworldSplits", "write_splits"]

_ROOT = OPENWORLD_DIR.parents[1]
SIZES: Mapping[str, int] = {"train": 1000, "dev": 250, "test": 600}  # bundle lines per trained source
HELD_OUT_TEST = 2000  # bundle lines per held-out source
REVIEW = OPENWORLD_DIR / "review" / "bundle_review.jsonl"


def screen(rows: Sequence[CorpusRow], model_dir: str | Path | None, batch_size: int = 64) -> dict[str, dict]:
    """Flags of the rules and of the screening model per row id, for rows where either flags."""
    from tqdm.auto import tqdm

    from ..analyzer import Analyzer

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


def _valid_decision(d: object) -> bool:
    return d in ("benign", "drop") or (isinstance(d, list) and bool(d) and all(x in LABELS for x in d))


@dataclass(frozen=True)
class Review:
    """The review queue as it stands for one bundle sample: every decision by row id, and the flagged sampled lines
    (those rules or model flagged), of which `pending` still lack a valid decision."""

    decisions: Mapping[str, dict]
    sampled: int
    flagged: tuple[dict, ...]
    pending: tuple[dict, ...]


def update_review(bundle: Mapping[str, Sequence[CorpusRow]], screen_model: str | Path | None,
                  path: Path = REVIEW) -> Review:
    """Screen the sampled lines the review file does not hold yet, rewrite it (sorted by id) if any were new, and
    return where the review stands. Lines that nothing flags are recorded as "unflagged", so reruns skip them."""
    sampled = [r for s in SPLITS for r in bundle[s]]
    review: dict[str, dict] = {}
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        review = {d["id"]: d for d in (json.loads(line) for line in lines if line)}
    todo = [r for r in sampled if r.id not in review]
    if todo:
        flags = screen(todo, screen_model)
        for r in todo:
            if r.id in flags:
                review[r.id] = {"id": r.id, "text": r.text, "source": r.source, **flags[r.id], "decision": None,
                                "note": ""}
        for r in todo:
            review.setdefault(r.id, {"id": r.id, "text": r.text, "source": r.source, "rules": [], "model": [],
                                     "model_scores": {}, "decision": "unflagged", "note": ""})
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for d in sorted(review.values(), key=lambda d: d["id"]):
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    sampled_ids = {r.id for r in sampled}
    flagged = tuple(d for d in review.values() if d["id"] in sampled_ids and d["decision"] != "unflagged")
    return Review(review, len(sampled), flagged, tuple(d for d in flagged if not _valid_decision(d["decision"])))


@dataclass(frozen=True)
class OpenworldSplits:
    """The rows of each split and the manifest that records how they were made."""

    splits: Mapping[str, tuple[CorpusRow, ...]]
    manifest: Mapping[str, Any]


def build_splits(bundle: Mapping[str, Sequence[CorpusRow]], review: Review, seed: int,
                 review_path: Path = REVIEW) -> OpenworldSplits:
    """The decided bundle lines plus the written rows split by group, minus written rows that leak into gold rows of
    another split. Raises SchemaError on duplicate ids among the written rows."""
    decided: dict[str, list[CorpusRow]] = {s: [] for s in SPLITS}
    for split in SPLITS:
        for r in bundle[split]:
            d = review.decisions[r.id]["decision"]
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
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise SchemaError([f"{OPENWORLD_DIR}: row id {i!r} is used more than once; give each row its own id"
                           for i in dupes])
    # one stratified split per group (contrast, minimal pairs, each register, ...): a single greedy pass places the
    # largest families first and would put a whole kind in train
    parts: dict[tuple[str, str], list[CorpusRow]] = {}
    for path in written_files:  # by file and group, so a file added later never moves the rows of earlier ones
        for r in rows_of[path]:
            parts.setdefault((path.name, row_group(r)), []).append(r)
    results = [make_splits(rows, seed=seed) for _, rows in sorted(parts.items())]
    result_splits = {s: [r for res in results for r in res.as_dict()[s]] for s in SPLITS}
    result_dropped = [d for res in results for d in res.dropped]
    result_splits["test"] += [r for p in fresh_files for r in rows_of[p]]
    gold = {s: load_rows(_ROOT / "data" / "splits" / f"{s}.jsonl") for s in SPLITS}
    combined = {s: list(gold[s]) + result_splits[s] for s in SPLITS}
    written_ids = {r.id for p in written_files for r in rows_of[p]}
    dropped: dict[str, str] = {}
    for p in check_no_leak(combined):
        if p.kind == "source":
            continue  # gold train holds synthetic rows by design
        for rid in (p.id_a, p.id_b):
            if rid in written_ids:
                dropped.setdefault(rid, str(p))
    splits = {s: tuple(r for r in decided[s] + result_splits[s] if r.id not in dropped) for s in SPLITS}

    manifest = {
        "seed": seed,
        "bundle_sizes_per_source": dict(SIZES),
        "held_out_sources": list(HELD_OUT_SOURCES),
        "held_out_test_rows_per_source": HELD_OUT_TEST,
        "inputs": [{"path": str(p.relative_to(_ROOT)), "rows": len(rows_of[p]), "sha256": sha256_file(p)}
                   for p in written_files + fresh_files]
        + [{"path": str(review_path.relative_to(_ROOT)), "sha256": sha256_file(review_path)}],
        "screening": {
            "sampled": review.sampled, "flagged": len(review.flagged),
            "decisions": dict(Counter(d["decision"] if isinstance(d["decision"], str) else "labelled"
                                      for d in review.flagged)),
        },
        "splits": {s: {"all": label_summary(splits[s]),
                       "by_group": dict(sorted(Counter(row_group(r) for r in splits[s]).items()))} for s in SPLITS},
        "dropped_written_rows": [{"id": i, "reason": why} for i, why in sorted(dropped.items())]
        + [{"id": i, "reason": why} for i, why in result_dropped],
    }
    return OpenworldSplits(splits, manifest)


def write_splits(result: OpenworldSplits, out: Path) -> None:
    """`<split>.jsonl` for each split and manifest.json under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for s in SPLITS:
        write_rows(list(result.splits[s]), out / f"{s}.jsonl")
    (out / "manifest.json").write_text(json.dumps(result.manifest, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")

