"""Every lexicon rule's own examples, run through the whole pipeline (transcripts, normalization, gates)."""
from __future__ import annotations

import pytest

from yuefu_nlp.domain import LABELS
from yuefu_nlp.rules import load_lexicons

LEXICONS = load_lexicons()
RULES = [r for lex in LEXICONS for r in lex.rules]


def _rule_ids(analyzer, text: str) -> set[str]:
    return {ev.rule_id for f in analyzer.rule_findings(text) for ev in f.evidence}


def test_every_label_has_a_lexicon_with_depth():
    by_label = {lex.label: len(lex.rules) for lex in LEXICONS}
    assert set(by_label) == set(LABELS)
    assert all(n >= 20 for n in by_label.values()), by_label


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(rules_analyzer, rule):
    for text in rule.examples_match:
        assert rule.id in _rule_ids(rules_analyzer, text), f"{rule.id} should match: {text}"
    for text in rule.examples_no_match:
        assert rule.id not in _rule_ids(rules_analyzer, text), f"{rule.id} should not match: {text}"


def test_spans_of_examples_index_the_original(rules_analyzer):
    for rule in RULES:
        for text in rule.examples_match:
            for f in rules_analyzer.rule_findings(text):
                assert text[f.span.start:f.span.end] == f.span.text and f.span.text
