"""The gold set meets the corpus issue's requirements, and the datasheet describes the data as it is."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from yuefu_nlp.corpus.datasheet import render_datasheet
from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.domain import LABELS

REPO = Path(__file__).resolve().parents[1]
GOLD = load_rows(sorted((REPO / "data" / "gold" / "raw").glob("*.jsonl")))


def test_size_registers_and_balance():
    assert len(GOLD) >= 2000
    registers = Counter(r.register for r in GOLD)
    assert registers["transcript"] >= 300 and registers["third_party"] >= 150
    positives = Counter(label for r in GOLD for label in r.labels)
    assert all(positives[label] >= 250 for label in LABELS), positives
    assert sum(1 for r in GOLD if not r.labels) / len(GOLD) >= 0.40


def test_robustness_variety():
    positives = [r for r in GOLD if r.labels]
    obfuscated = [r for r in positives if {"obfuscated", "traditional"} & set(r.variety)]
    assert len(obfuscated) / len(positives) >= 0.10
    assert sum(1 for r in GOLD if "fake_pii" in r.variety) >= 50


def test_ids_unique_and_sources_recorded():
    ids = [r.id for r in GOLD]
    assert len(ids) == len(set(ids))
    assert {r.source for r in GOLD} == {"handwritten"}
    assert all(r.family for r in GOLD)


def test_every_row_was_reviewed_and_holds_the_final_labels():
    final = {}
    for path in (REPO / "data" / "gold" / "review").glob("*.review.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            final[row["id"]] = set(row["final"])
    assert {r.id for r in GOLD} <= set(final)
    assert all(set(r.labels) == final[r.id] for r in GOLD)


def test_datasheet_is_up_to_date():
    text = (REPO / "data" / "DATASHEET.md").read_text(encoding="utf-8")
    assert text == render_datasheet(REPO), "run: python scripts/make_datasheet.py"


def test_holdout_is_reviewed_and_overlaps_nothing():
    """The holdout set (written later, without sight of the gold set or the lexicons) shares no text with the splits."""
    from yuefu_nlp.corpus.splits import check_no_leak

    holdout = load_rows(sorted((REPO / "data" / "gold" / "holdout").glob("*.jsonl")))
    assert len(holdout) >= 400 and sum(1 for r in holdout if r.labels) >= 200
    splits = {s: load_rows(REPO / "data" / "splits" / f"{s}.jsonl") for s in ("train", "dev", "test")}
    problems = check_no_leak({**splits, "holdout": holdout}, eval_splits=("dev", "test", "holdout"))
    assert [p for p in problems if "holdout" in (p.split_a, p.split_b)] == []
