"""Loaders of the copied third-party data return the documented counts, offline, from data/external only."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from yuefu_nlp.corpus import external as ext
from yuefu_nlp.corpus.schema import row_from_dict
from yuefu_nlp.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
MINE = ("cold", "swsr", "collection_bot_yilongdai_rasa", "lexicons")


def test_copies_live_in_the_repo_with_licence_and_source():
    assert ext.EXTERNAL_DIR == ROOT / "data" / "external"
    total = 0
    for name in MINE:
        d = ext.EXTERNAL_DIR / name
        assert (d / "SOURCE.md").is_file(), name
        files = [p for p in d.rglob("*") if p.is_file()]
        total += sum(p.stat().st_size for p in files)
        if name != "lexicons":
            assert any(p.name.startswith("LICENSE") for p in files), name
    for sub in ("ldnoobw_zh", "ldnoobw_v2_zh", "konsheng_sensitive_lexicon", "houbb_sensitive_word"):
        assert any((ext.EXTERNAL_DIR / "lexicons" / sub).glob("LICENSE*")), sub
    assert total < 10 * 1024 * 1024
    src = (ROOT / "yuefu_nlp" / "corpus" / "external.py").read_text(encoding="utf-8")
    assert "/work/shared" not in src


def test_cold_official_splits():
    cold = {split: ext.load_cold(split) for split in ("train", "dev", "test")}
    assert {k: len(v) for k, v in cold.items()} == ext.COLD_COUNTS == {"train": 25_726, "dev": 6_431, "test": 5_323}
    assert Counter(r.offensive for r in cold["train"]) == {0: 13_003, 1: 12_723}
    assert Counter(r.offensive for r in cold["dev"]) == {0: 3_220, 1: 3_211}
    assert Counter(r.offensive for r in cold["test"]) == {0: 3_216, 1: 2_107}
    assert Counter(r.fine_grained for r in cold["test"]) == {0: 2_548, 1: 288, 2: 1_819, 3: 668}
    assert {r.fine_grained for r in cold["train"]} == {None}  # train and dev have no fine-grained column
    assert {r.topic for r in cold["train"]} == {"race", "region", "gender"}
    assert all(isinstance(r.text, str) and r.text.strip() for rows in cold.values() for r in rows)
    assert cold["test"][0] == ext.ColdRow("只要不来中国的外国人就是好外国人[机智]", 1, "race", 2)  # first line, BOM dropped


def test_swsr_seeded_stratified_split():
    ds = ext.load_swsr(seed=13)
    sizes = {k: len(v) for k, v in ds.items()}
    assert sum(sizes.values()) == ext.SWSR_UNIQUE_ROWS == 8_963
    assert sizes == {"train": 7_170, "dev": 896, "test": 897}
    overall = sum(sum(v["label"]) for v in ds.values()) / ext.SWSR_UNIQUE_ROWS
    for split in ds.values():
        assert abs(sum(split["label"]) / len(split) - overall) < 0.01  # stratified
    texts = [set(v["text"]) for v in ds.values()]
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])
    assert ds["train"].features["label"].names == ["not_sexist", "sexist"]
    assert "gender" not in ds["train"].column_names and "location" not in ds["train"].column_names
    again = ext.load_swsr(seed=13)
    assert again["test"]["text"] == ds["test"]["text"]


def test_lexicons_counts_and_content():
    for name, count in ext.LEXICON_COUNTS.items():
        terms = ext.load_lexicon(name)
        assert len(terms) == count, name
        assert all(t == t.strip() and t for t in terms)
    assert len(ext.load_sexhatelex()) == ext.SEXHATELEX_TERMS == 3_016
    union = set(ext.generic_filter_terms())
    assert {"傻逼", "操你妈", "王八蛋"} <= union
    assert "老赖" not in union  # the collection slur a generic filter misses; the baseline should show it
    with pytest.raises(ConfigError, match="unknown lexicon"):
        ext.load_lexicon("nope")


def test_yilongdai_script_and_transcripts():
    script = ext.load_yilongdai()
    assert len(script.collector_turns) == 10
    assert len(script.customer_turns) == 131
    assert len(script.stories) == 51
    assert "傻B" in {r.text for r in script.customer_turns if r.intent == "refuse"}
    leak = {t.action for t in script.collector_turns if t.labels}
    assert leak == set(ext.YILONGDAI_LABELS)
    rows = ext.yilongdai_transcripts(seed=0)
    assert len(rows) == 90 and len({r.family for r in rows}) == 30
    assert rows == ext.yilongdai_transcripts(seed=0)
    for r in rows:
        assert row_from_dict(r.to_dict()) == r
        assert "XXX" not in r.text and "X月X日" not in r.text
        if "麻烦请您通知他" in r.text:  # told to a family member / colleague
            assert r.labels == ("privacy_leak",)
    assert any(not r.labels for r in rows) and any(r.labels for r in rows)
