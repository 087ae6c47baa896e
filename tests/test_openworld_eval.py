"""Open-world figures and the export gate, on hand-made prediction matrices (the real rows run in test_openworld.py)."""
from __future__ import annotations

import numpy as np
import pytest

from yuefu_nlp.evaluation.openworld import GATE, RowFacts, facts, gate_failures, openworld_summary, wilson
from yuefu_nlp.pipeline.fusion import FusionPolicy, cjk_count, fuse_scores

Z = {"threat": 0.0, "insult": 0.0, "privacy_leak": 0.0, "false_legal_claim": 0.0}


def test_row_kinds_come_from_id_source_register_and_variety():
    assert facts("ow-hsk-000001", {"source": "external:hsk", "register": "everyday"}).kind == "openworld"
    assert facts("ow-hsk-000001", {"source": "external:hsk", "register": "everyday"}).group == "hsk"
    assert facts("ow-deg-0001", {"source": "handwritten", "register": "degenerate"}).kind == "degenerate"
    assert facts("ow-con-0001", {"source": "handwritten", "register": "sms", "variety": ["contrast"]}).kind == "contrast"
    f = facts("ow-in-0001", {"source": "handwritten", "register": "sms", "scenario": "impersonation: court"})
    assert (f.kind, f.group) == ("indomain", "indomain:impersonation")
    assert facts("ga-0001", {"source": "handwritten", "register": "sms"}).kind == "other"


def test_wilson_interval_is_not_zero_width_at_zero():
    lo, hi = wilson(0, 300)
    assert lo == 0.0 and 0.01 < hi < 0.015
    assert wilson(5, 10)[0] < 0.5 < wilson(5, 10)[1]


def _rows():
    rows = [RowFacts(f"b{i}", "hsk", "everyday", "openworld", f"b{i}") for i in range(10)]
    rows += [RowFacts("c1", "contrast", "sms", "contrast", "c1"), RowFacts("c2", "contrast", "sms", "contrast", "c2")]
    rows += [RowFacts("d1", "degenerate", "degenerate", "degenerate", "d1")]
    rows += [RowFacts("p1a", "minimal_pair", "sms", "minimal_pair", "p1"),
             RowFacts("p1b", "minimal_pair", "sms", "minimal_pair", "p1"),
             RowFacts("p2a", "minimal_pair", "sms", "minimal_pair", "p2"),
             RowFacts("p2b", "minimal_pair", "sms", "minimal_pair", "p2")]
    y = np.zeros((len(rows), 4), dtype=bool)
    y[13, 0] = y[15, 0] = True  # p1a, p2a are threats
    return rows, y


def test_summary_counts_flags_pairs_and_degenerate_inputs():
    rows, y = _rows()
    pred = np.zeros_like(y)
    pred[0, 0] = True      # one benign hsk row flagged
    pred[11, 3] = True     # one contrast row flagged
    pred[13, 0] = True     # p1 right; p2: violating side missed
    s = openworld_summary(rows, y, pred)
    assert s["openworld_benign"]["flagged"] == 1 and s["openworld_benign"]["rows"] == 10
    assert s["by_register"]["everyday"]["rate"] == 0.1
    assert s["contrast_benign"]["flagged"] == 1 and s["degenerate"]["flagged"] == 0
    assert s["minimal_pairs"]["pairs"] == 2 and s["minimal_pairs"]["pair_accuracy"] == 0.5
    assert s["minimal_pairs"]["violating_recall"]["flagged"] == 1


def test_gate_names_every_failed_condition_and_passes_a_clean_model():
    rows, y = _rows()
    clean = openworld_summary(rows, y, y.copy())
    good = {"macro_f1": 0.93, "compliant_fpr": 0.02}
    assert gate_failures(clean, good) == []
    pred = y.copy()
    pred[0, 0] = pred[11, 1] = pred[12, 2] = True
    fails = gate_failures(openworld_summary(rows, y, pred), {"macro_f1": 0.90, "compliant_fpr": 0.05})
    text = " ".join(fails)
    for needle in ("open-world any-flag rate", "register everyday", "contrast", "degenerate", "macro-F1", "FPR"):
        assert needle in text
    assert GATE["openworld_any_flag_max"] == 0.01


def test_model_only_bars_need_chinese_text_and_a_margin():
    policy = FusionPolicy(model_only_min_cjk=3, model_only_min_score=0.7)
    probs = {**Z, "threat": 0.8}  # rescaled 0.8 -> 0.8 at threshold 0.5
    assert fuse_scores(Z, probs, policy, judged_cjk=10)["threat"] >= 0.5
    assert fuse_scores(Z, probs, policy, judged_cjk=2)["threat"] < 0.5      # "TD", "七": nothing to read
    assert fuse_scores(Z, {**Z, "threat": 0.6}, policy, judged_cjk=10)["threat"] < 0.5  # below the margin
    # rule evidence lifts the bars: a decisive rule still flags a short text
    assert fuse_scores({**Z, "threat": 0.95}, probs, policy, judged_cjk=2)["threat"] >= 0.5
    assert cjk_count("TD 好的ok 😀") == 2


@pytest.mark.parametrize("text", ["TD", "ok", "😀", "。。。"])
def test_no_chinese_no_model_only_flag(text):
    assert cjk_count(text) == 0
