"""Matcher gates on a small fixture lexicon: context, veto, negation, word boundaries, validators, reported speech."""
from __future__ import annotations

from pathlib import Path

import pytest

from yuefu_nlp.analyzer import Analyzer
from yuefu_nlp.text.normalize import Normalizer
from yuefu_nlp.rules import RuleMatcher, load_lexicons, load_negation, load_reported_speech
from yuefu_nlp.rules.matcher import first_chars
from yuefu_nlp.text.segment import Segmenter

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    lexicons = load_lexicons(FIXTURES / "mini_lexicons", citations_path=FIXTURES / "broken_lexicons" / "citations.yaml")
    matcher = RuleMatcher(lexicons, load_negation(), load_reported_speech())
    return Analyzer(normalizer=Normalizer(), segmenter=Segmenter(), matcher=matcher)


def _ids(an: Analyzer, text: str) -> set[str]:
    return {ev.rule_id for f in an.rule_findings(text) for ev in f.evidence}


def test_fixture_examples(mini):
    for rule in mini.matcher.rules:
        for text in rule.examples_match:
            assert rule.id in _ids(mini, text), text
        for text in rule.examples_no_match:
            assert rule.id not in _ids(mini, text), text


def test_veto_may_overlap_the_hit_but_context_may_not(mini):
    assert "false_legal_claim.fixture.001" not in _ids(mini, "这不构成犯罪")
    # 上门 followed by nothing: the 你 of a longer hit would not count, only context around it
    assert "threat.fixture.001" not in _ids(mini, "上门")


@pytest.mark.parametrize("text, fires", [
    ("我们不会上门找你", False),  # negation cue before the hit, same clause
    ("我们不会打电话，明天上门找你", True),  # the cue is in another clause
    ("别以为我们不会上门找你", True),  # an override undoes the negation
])
def test_negation_is_clause_bound(mini, text, fires):
    assert ("threat.fixture.001" in _ids(mini, text)) is fires


def test_reported_speech(mini):
    assert "threat.fixture.001" not in _ids(mini, "投诉：催收员说“明天上门找你”，请处理")
    assert "threat.fixture.001" in _ids(mini, "“明天上门找你”")  # quotation marks alone are not reporting


def test_spans_map_through_normalization(mini):
    text = "你已構成犯罪"
    f = mini.rule_findings(text)[0]
    assert text[f.span.start:f.span.end] == "構成犯罪"


@pytest.mark.parametrize("pattern, expected", [
    ("去你(家|单位)", {"去"}),
    ("(去|到)?找你", {"去", "到", "找"}),
    ("[你您]家", {"你", "您"}),
    (r"\d{11}", None),
    ("x?", None),
])
def test_regex_prefilter_first_chars(pattern, expected):
    got = first_chars(pattern)
    assert (set(got) if got is not None else None) == expected


def test_a_repeated_slur_keeps_every_hit():
    """Issue #14: '傻逼' * 5000 gave 5000 hits of one rule when the gates scanned back per hit; the per-text look-ups
    keep them all (the benchmark, scripts/bench_pathological.py, times it)."""
    an = Analyzer.load(backend="rules")
    hits = an.matcher.match(Normalizer().normalize("傻逼" * 5000))
    assert len(hits) == 5000 and {h.rule.id for h in hits} == {"insult.profanity.002"}
    assert len(an.analyze("傻逼" * 5000).findings) == 5000
