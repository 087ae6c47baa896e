"""Text that is not a collection message, through the default backend (shipped model + rules), and the open-world
split files' invariants and that they are rebuilt byte for byte. The figures over all held-out rows are the export
gate's (training/package.py); these tests keep the behaviour a new user sees first."""
from __future__ import annotations

import json
import random
from collections import defaultdict

import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.corpus.openworld import (
    BUNDLE_SOURCES, HELD_OUT_SOURCES, OPENWORLD_DIR, load_openworld_split, row_group, sample_bundle,
)
from yuefu_nlp.corpus.openworld_splits import HELD_OUT_TEST, SIZES, build_splits, update_review, write_splits
from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.corpus.splits import SPLITS

WRITTEN = OPENWORLD_DIR / "written"


@pytest.fixture(scope="module")
def fused():
    return Analyzer.load()  # the default: shipped model + rules


@pytest.fixture(scope="module")
def splits():
    return {s: load_openworld_split(s) for s in ("train", "dev", "test")}


def test_no_degenerate_input_is_flagged(fused):
    rows = load_rows(WRITTEN / "degenerate.jsonl")
    assert len(rows) >= 300
    flagged = [(r.text, sorted(res.labels)) for r, res in
               zip(rows, fused.analyze_batch([r.text for r in rows]))]
    assert [f for f in flagged if f[1]] == []


# Ordinary messages from the issue that the previous model flagged with high confidence.
ORDINARY = [
    "周六我去你家吃饭，顺便把书还你。",
    "下班我去学校接孩子，你在家等我。",
    "明天单位体检，早上别吃早饭。",
    "新开的火锅店就在你公司楼下，下次一起去。",
    "你孩子真可爱，几岁了？",
    "我把你的电话给了装修师傅，他会联系你。",
    "社区民警今天来小区宣传防诈骗知识。",
    "这家奶茶店的服务员太磨蹭了，等了半小时。",
    "TD", "ok", "a", "test", "R", "😀", "七",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_gets_no_label(fused, text):
    res = fused.analyze(text)
    assert res.labels == frozenset(), (text, dict(res.scores))


def test_a_sample_of_held_out_contrast_rows_stays_clean(fused, splits):
    rows = [r for r in splits["test"] if "contrast" in r.variety and not r.labels]
    sample = random.Random(0).sample(rows, min(80, len(rows)))
    flagged = [r.text for r, res in zip(sample, fused.analyze_batch([r.text for r in sample]))
               if res.labels]
    assert len(flagged) <= 0.03 * len(sample), flagged


def test_minimal_pairs_are_told_apart_mostly(fused, splits):
    rows = [r for r in splits["test"] if "minimal_pair" in r.variety]
    by_family = defaultdict(list)
    for r, res in zip(rows, fused.analyze_batch([r.text for r in rows])):
        by_family[r.family].append((r, res))
    right = sum(all(bool(res.labels & set(r.labels)) if r.labels else not res.labels for r, res in pair)
                for pair in by_family.values())
    assert len(by_family) >= 50 and right / len(by_family) >= 0.6


def test_split_files_keep_pairs_together_and_the_held_out_source_out_of_training(splits):
    where = {}
    for split, rows in splits.items():
        for r in rows:
            assert where.setdefault(r.family, split) == split, f"family {r.family} in {where[r.family]} and {split}"
    for split in ("train", "dev"):
        assert not [r for r in splits[split] if row_group(r) in HELD_OUT_SOURCES]
    assert [r for r in splits["test"] if row_group(r) in HELD_OUT_SOURCES]
    groups = {row_group(r) for r in splits["train"]}
    assert {s for s in BUNDLE_SOURCES if s not in HELD_OUT_SOURCES} <= groups
    assert {"contrast", "minimal_pair", "degenerate", "personal_chat", "notification_sms"} <= groups


def test_every_flagged_bundle_line_was_reviewed_and_positives_are_not_negatives(splits):
    review = [json.loads(line) for line in (OPENWORLD_DIR / "review" / "bundle_review.jsonl").read_text(
        encoding="utf-8").splitlines()]
    labelled = {d["id"]: d["decision"] for d in review if isinstance(d["decision"], list)}
    dropped = {d["id"] for d in review if d["decision"] == "drop"}
    assert all(d["decision"] in ("benign", "drop", "unflagged") or isinstance(d["decision"], list) for d in review)
    rows = {r.id: r for rows in splits.values() for r in rows}
    for rid, labels in labelled.items():
        if rid in rows:
            assert set(rows[rid].labels) == set(labels)
    assert not dropped & set(rows)


def test_written_sets_meet_their_sizes():
    def n(name):
        return len(load_rows(WRITTEN / name))

    assert n("sms_notices.jsonl") + n("chats.jsonl") >= 1500
    contrast = load_rows(WRITTEN / "contrast.jsonl")
    per_word = defaultdict(int)
    for r in contrast:
        per_word[r.scenario.split(":", 1)[1]] += 1
    assert len(per_word) >= 40 and min(per_word.values()) >= 10
    pairs = load_rows(WRITTEN / "minimal_pairs.jsonl")
    assert len({r.family for r in pairs}) >= 300


# In-domain cases of the issue: a collector posing as a court, a lawful notice, a negated slur, reported speech.
@pytest.mark.parametrize("text, labels", [
    ("这里是XX区人民法院，您的借款纠纷已转入执行程序，请立即联系承办法官。", {"false_legal_claim"}),
    ("如逾期未还，我司将依法向人民法院提起诉讼。", set()),
    ("您不是老赖，我们相信您只是暂时困难。", set()),
    ("客户说要去单位堵我，我已上报主管。", set()),
])
def test_hard_in_domain_cases(fused, text, labels):
    assert set(fused.analyze(text).labels) == labels


def test_openworld_splits_rebuild_byte_identical(tmp_path):
    """The committed split files are what the library builds from the committed written rows and review decisions
    (no screening needed: every sampled line is in the review file)."""
    manifest = json.loads((OPENWORLD_DIR / "splits" / "manifest.json").read_text(encoding="utf-8"))
    bundle = sample_bundle(SIZES, HELD_OUT_TEST, seed=manifest["seed"])
    review = update_review(bundle, screen_model=None)
    assert not review.pending
    write_splits(build_splits(bundle, review, manifest["seed"]), tmp_path)
    for name in [f"{s}.jsonl" for s in SPLITS] + ["manifest.json"]:
        assert (tmp_path / name).read_bytes() == (OPENWORLD_DIR / "splits" / name).read_bytes(), name
