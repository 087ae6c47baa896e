"""Splits keep families and near-duplicates together, put only handwritten rows in dev/test, and never leak."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.corpus.splits import (
    SPLITS, TARGET, check_no_leak, jaccard, label_conflicts, make_splits, near_duplicate_pairs, normalize_for_dedup,
    shingles,
)
from yuefu_nlp.corpus.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "corpus" / "handwritten_mini.jsonl"
SPLIT_DIR = ROOT / "data" / "splits"


@pytest.fixture(scope="module")
def rows():
    return load_rows(MINI) + generate(400, seed=5)


@pytest.fixture(scope="module")
def result(rows):
    return make_splits(rows, seed=13)


def test_normalisation_folds_script_width_punctuation_and_prefixes():
    assert normalize_for_dedup("你欠的錢什麼時候還？！😡") == normalize_for_dedup("你欠的钱什么时候还")
    assert normalize_for_dedup("ＡＢＣ，１２３") == "abc123"
    assert normalize_for_dedup("催收员：还钱\n客户：没钱") == "还钱没钱"
    assert shingles("还钱") == frozenset({"还钱"})
    assert jaccard(shingles("请于今日还款请于今日还款"), shingles("請於今日還款，請於今日還款。")) == 1.0


def test_prefix_filter_finds_exactly_the_brute_force_pairs(rows):
    texts = [r.text for r in rows]
    sets = [shingles(t) for t in texts]
    brute = [(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets)) if jaccard(sets[i], sets[j]) >= 0.8]
    assert [(i, j) for i, j, _ in near_duplicate_pairs(texts)] == brute
    assert brute  # the fixture holds near-duplicates on purpose


def test_dev_and_test_are_handwritten_and_families_stay_whole(result):
    splits = result.as_dict()
    for name in ("dev", "test"):
        assert splits[name] and all(r.source == "handwritten" for r in splits[name])
    assert all(r.source == "synthetic" for r in splits["train"] if not r.id.startswith("mini-"))
    split_of = {r.id: s for s, rs in splits.items() for r in rs}
    hand = load_rows(MINI)
    assert sum(1 for r in hand if r.id in split_of) == len(hand)
    by_family: dict[str, set[str]] = {}
    for r in hand:
        by_family.setdefault(r.family, set()).add(split_of[r.id])
    assert all(len(s) == 1 for s in by_family.values())
    # near-duplicates written under different family ids still share a split
    for a, b in (("mini-026", "mini-027"), ("mini-028", "mini-029"), ("mini-030", "mini-031")):
        assert split_of[a] == split_of[b]


def test_no_leak_and_deterministic(rows, result):
    assert check_no_leak(result.as_dict()) == []
    again = make_splits(rows, seed=13)
    assert again == result
    other = make_splits(rows, seed=14)
    assert check_no_leak(other.as_dict()) == []


def test_check_no_leak_catches_every_kind(result):
    splits = {k: list(v) for k, v in result.as_dict().items()}
    test_row = splits["test"][0]
    planted = {
        "train": splits["train"] + [
            dataclasses.replace(test_row, id="leak-exact", family="leak-f1"),
            dataclasses.replace(test_row, id="leak-near", family="leak-f2", text=test_row.text + "？？[微笑]"),
            dataclasses.replace(splits["dev"][0], id="leak-family", text="完全不同的一句话，和任何一行都不像"),
            dataclasses.replace(test_row, text="另一句完全不同的测试文字，用来制造重复编号"),
        ],
        "dev": splits["dev"] + [dataclasses.replace(splits["train"][-1], id="leak-source")],
        "test": splits["test"],
    }
    kinds = {p.kind for p in check_no_leak(planted)}
    assert kinds == {"duplicate_id", "exact_text", "near_duplicate", "family", "source"}


def test_synthetic_rows_that_copy_an_eval_row_are_dropped(rows, result):
    test_row = result.test[0]
    copy = dataclasses.replace(test_row, id="syn-copy", source="synthetic", family="syn.copy")
    res = make_splits(list(rows) + [copy], seed=13)
    assert "syn-copy" in dict(res.dropped)
    assert check_no_leak(res.as_dict()) == []


def test_label_conflicts_flag_near_duplicates_with_other_labels():
    hand = load_rows(MINI)
    assert label_conflicts(hand) == []  # the fixture's near-duplicates agree
    flipped = hand + [dataclasses.replace(hand[27], id="mini-flip", labels=())]
    conflicts = label_conflicts(flipped)
    assert [c["ids"] for c in conflicts] == [["mini-028", "mini-flip"], ["mini-029", "mini-flip"]]


@pytest.mark.skipif(not (SPLIT_DIR / "test.jsonl").exists(), reason="data/splits not written yet")
def test_committed_splits_do_not_leak():
    splits = {s: load_rows(SPLIT_DIR / f"{s}.jsonl") for s in SPLITS}
    assert check_no_leak(splits) == []
    manifest = json.loads((SPLIT_DIR / "manifest.json").read_text(encoding="utf-8"))
    for s in SPLITS:
        assert manifest["splits"][s]["all"]["rows"] == len(splits[s])
        if manifest["splits"]["test"]["handwritten"]["rows"] >= 200:
            assert abs(manifest["splits"][s]["handwritten_fraction"] - TARGET[s]) < 0.03
