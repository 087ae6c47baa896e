"""Fusion policy: how rule scores and model probabilities combine."""
from __future__ import annotations

import pytest

from yuefu_nlp.domain import LABELS
from yuefu_nlp.pipeline.fusion import FLAG_AT, FusionPolicy, fuse_scores, rescale, risk_level

POLICY = FusionPolicy(thresholds={label: 0.4 for label in LABELS})
ZERO = {label: 0.0 for label in LABELS}


def _probs(**kw: float) -> dict[str, float]:
    return {**ZERO, **kw}


@pytest.mark.parametrize("t", [0.1, 0.4, 0.7])
def test_rescale_maps_threshold_to_flag_line(t):
    assert rescale(t, t) == pytest.approx(FLAG_AT)
    assert rescale(0.0, t) == 0.0 and rescale(1.0, t) == pytest.approx(1.0)
    xs = [i / 20 for i in range(21)]
    ys = [rescale(x, t) for x in xs]
    assert ys == sorted(ys)


def test_model_decides_where_no_rule_fires():
    out = fuse_scores(ZERO, _probs(threat=0.5), POLICY)
    assert out["threat"] >= FLAG_AT and out["insult"] < FLAG_AT


def test_strong_rule_flags_even_when_the_model_is_lukewarm():
    out = fuse_scores(_probs(insult=0.95), _probs(insult=0.1), POLICY)
    assert out["insult"] >= 0.95


def test_model_veto_on_a_strong_rule():
    # the model is sure the label is absent (p < model_veto x threshold): quoted or educational wording
    out = fuse_scores(_probs(insult=0.95), _probs(insult=0.01), POLICY)
    assert out["insult"] < FLAG_AT


def test_weak_rule_alone_does_not_flag_against_a_silent_model():
    out = fuse_scores(_probs(threat=0.45), _probs(threat=0.0), POLICY)
    assert out["threat"] < FLAG_AT


def test_rules_only_scores_pass_through():
    assert fuse_scores(_probs(threat=0.7), None, POLICY) == _probs(threat=0.7)


@pytest.mark.parametrize("scores, risk", [
    (_probs(threat=0.9), "high"),
    (_probs(insult=0.9), "medium"),
    (_probs(insult=0.6, privacy_leak=0.6), "high"),
    (_probs(threat=0.3), "low"),
    (ZERO, "none"),
])
def test_risk_levels(scores, risk):
    assert risk_level(scores) == risk


def test_fused_backend_keeps_rule_spans_and_marks_model_only_findings():
    from yuefu_nlp import Analyzer

    an = Analyzer.load()
    res = an.analyze("你这个老赖，再不还钱明天我们就去你单位堵你")
    assert {"insult", "threat"} <= res.labels
    assert all(f.rule_id != "model" for f in res.findings if f.label in {"insult", "threat"})
    for f in res.findings:
        assert res.text[f.span.start:f.span.end] == f.span.text
        if f.rule_id == "model":
            assert "model-only" in f.evidence[0].description
