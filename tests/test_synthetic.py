"""The synthetic generator: reproducible, covers every label and register, valid rows, checksum-valid fake PII."""
from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from yuefu_nlp.corpus.schema import REGISTERS, load_rows, row_from_dict
from yuefu_nlp.domain import Role
from yuefu_nlp.text.turns import line_speakers, speaker_role
from yuefu_nlp.corpus.synthetic import (
    FAMILIES, fake_bank_card, fake_cn_id, fake_mobile, generate, id_check_digit, is_cn_mobile, is_valid_cn_id,
    luhn_check_digit, luhn_valid,
)
from yuefu_nlp.domain import LABELS

ROOT = Path(__file__).resolve().parents[1]
SYN = ROOT / "data" / "synthetic" / "synthetic.jsonl"


@pytest.fixture(scope="module")
def rows():
    return generate(1500, seed=3)


def test_same_seed_same_rows_other_seed_other_rows():
    a, b = generate(200, seed=11), generate(200, seed=11)
    assert [r.to_dict() for r in a] == [r.to_dict() for r in b]
    c = generate(200, seed=12)
    assert len({r.text for r in a} & {r.text for r in c}) < 20


def test_families_are_many_and_paraphrased():
    assert len(FAMILIES) >= 60
    assert len({f.id for f in FAMILIES}) == len(FAMILIES)
    assert all(len(f.templates) >= 3 for f in FAMILIES)
    assert all(len(set(f.templates)) == len(f.templates) for f in FAMILIES)
    covered = {lab for f in FAMILIES for lab in f.labels}
    assert covered == set(LABELS)
    assert sum(1 for f in FAMILIES if not f.labels) >= 20  # compliant look-alikes matter as much as positives


def test_rows_are_valid_distinct_and_family_consistent(rows):
    assert len({r.text for r in rows}) == len(rows)
    assert len({r.id for r in rows}) == len(rows)
    labels_of = {f.id: f.labels for f in FAMILIES}
    for r in rows:
        assert row_from_dict(r.to_dict()) == r
        assert r.source == "synthetic"
        assert r.labels == labels_of[r.family]
    assert {r.register for r in rows} == set(REGISTERS)
    assert {lab for r in rows for lab in r.labels} == set(LABELS)
    assert any(not r.labels for r in rows)
    assert {r.family for r in rows} == set(labels_of)  # every family used
    assert {r.stage for r in rows} <= {"pre_due", "M1", "M2", "M3+", ""}
    assert {r.collector for r in rows} <= {"bot", "in_house", "outsourced", "law_firm", ""}
    assert {r.tone for r in rows} <= {"polite", "neutral", "firm", "crude"}


def test_transcripts_keep_speaker_prefixes_through_perturbation(rows):
    transcripts = [r for r in rows if r.register == "transcript"]
    assert len(transcripts) > 100
    for r in transcripts:
        speakers = line_speakers(r.text)  # the runtime's own prefix recogniser
        assert len(speakers) == len(r.text.split("\n")), r.id
        assert any(speaker_role(s) is Role.COLLECTOR for s in speakers), r.id
    assert any(r.text.startswith("催收员：") for r in transcripts)


def test_perturbations_present(rows):
    variety = Counter(v for r in rows for v in r.variety)
    for tag in ("obfuscated", "traditional", "typo", "emoji", "mixed", "negation", "quotation", "fake_pii"):
        assert variety[tag] > 0, tag
    trad = [r for r in rows if "traditional" in r.variety]
    assert sum(1 for r in trad if re.search("[這們還錢會說時後個們務裡]", r.text)) > 0.8 * len(trad)
    obf = [r for r in rows if "obfuscated" in r.variety]
    assert all("insult" in r.labels or "mixed" in r.variety for r in obf)


def test_check_digit_algorithms_on_known_values():
    assert id_check_digit("11010519491231002") == "X"  # the GB 11643 worked example
    assert is_valid_cn_id("11010519491231002X") and is_valid_cn_id("11010519491231002x")
    assert not is_valid_cn_id("110105194912310021")
    assert not is_valid_cn_id("110105194902300020")  # 30 February
    assert luhn_check_digit("7992739871") == "3"  # the textbook Luhn example 79927398713
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert is_cn_mobile("13812345678") and not is_cn_mobile("12812345678") and not is_cn_mobile("1381234567")


def test_fake_pii_is_checksum_valid():
    rng = random.Random(0)
    for _ in range(500):
        assert is_valid_cn_id(fake_cn_id(rng))
        card = fake_bank_card(rng)
        assert luhn_valid(card) and len(card) in (16, 19)
        assert is_cn_mobile(fake_mobile(rng))


def test_pii_inside_generated_text_is_valid(rows):
    ids = cards = phones = 0
    for r in rows:
        for m in re.finditer(r"(?<!\d)\d{17}[\dX](?!\d)", r.text):
            assert is_valid_cn_id(m.group()), (r.id, m.group())
            ids += 1
        for m in re.finditer(r"(?<!\d)62\d{14}(?:\d{3})?(?!\d)", r.text):
            assert luhn_valid(m.group()), (r.id, m.group())
            cards += 1
        for m in re.finditer(r"(?<![\d-])1\d{10}(?!\d)", r.text):
            assert is_cn_mobile(m.group()), (r.id, m.group())
            phones += 1
    assert ids and cards and phones


def test_third_party_callbacks_reveal_no_debt(rows):
    """GUIDELINES §4.5: a compliant call-back request names no debt, overdue status, 催收 or 贷后."""
    for r in rows:
        if r.family in ("syn.ok.third_party_callback",):
            assert not re.search("欠|逾期|催收|贷后|还款|借款|账单", r.text), r.text


def test_committed_file_is_what_the_script_makes():
    if not SYN.exists():
        pytest.skip("data/synthetic/synthetic.jsonl not generated")
    stats = json.loads(SYN.with_suffix(".stats.json").read_text(encoding="utf-8"))
    committed = load_rows(SYN)
    assert len(committed) == stats["n"]
    fresh = generate(stats["n"], stats["seed"])
    assert [r.to_dict() for r in committed] == [r.to_dict() for r in fresh]
    per_family = defaultdict(int)
    for r in committed:
        per_family[r.family] += 1
    assert min(per_family.values()) >= stats["n"] // len(FAMILIES) - 1
