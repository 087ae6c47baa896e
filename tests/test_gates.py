"""Each gate on its own, and how the matcher assembles them per rule (real lexicons, real negation/reported files)."""
from __future__ import annotations

import inspect

import pytest

import yuefu_nlp.rules.gates as gate_module
from yuefu_nlp.rules import (
    ChecksumGate, ContextGate, MatchContext, NegationGate, ReportedSpeechGate, RuleMatcher, UnlessGate,
    WordBoundaryGate, load_lexicons, load_negation, load_reported_speech,
)
from yuefu_nlp.rules.gates import MessageContextGate
from yuefu_nlp.text.normalize import Normalizer
from yuefu_nlp.text.segment import Segmenter

LEXICONS = load_lexicons()
NEGATION = load_negation()
REPORTED = load_reported_speech()


def _passes(gate, text: str, hit: str, boundaries=None) -> bool:
    start = text.index(hit)
    return gate.passes(start, start + len(hit), MatchContext(text, boundaries))


def test_context_must_lie_outside_the_hit_and_within_the_window():
    gate = ContextGate(("你",), 2)
    assert _passes(gate, "找你上门", "上门")
    assert not _passes(gate, "上门你", "上门你")  # the hit's own 你 is not context
    assert not _passes(gate, "你在家吗我们上门", "上门")  # too far
    assert _passes(ContextGate(("你",), 0), "你在家吗我们上门", "上门")  # 0 = anywhere


def test_unless_may_overlap_the_hit():
    gate = UnlessGate(("不构成",), 3)
    assert not _passes(gate, "这不构成犯罪", "构成犯罪")
    assert _passes(gate, "你已构成犯罪", "构成犯罪")


@pytest.mark.parametrize("text, passes", [
    ("我们不会上门", False),
    ("我们不会打电话，明天上门", True),  # the cue is in another clause
    ("别以为我们不会上门", True),  # an override undoes the negation
])
def test_negation_is_clause_bound(text, passes):
    assert _passes(NegationGate(NEGATION), text, "上门") is passes


def test_reported_speech():
    gate = ReportedSpeechGate(REPORTED)
    assert not _passes(gate, "投诉：催收员说“明天上门找你”", "上门")
    assert _passes(gate, "“明天上门找你”", "上门")  # quotation marks alone are not reporting


def test_checksum_and_word_boundary():
    assert _passes(ChecksumGate("cn_mobile"), "电话13812345678", "13812345678")
    assert not _passes(ChecksumGate("cn_mobile"), "编号12812345678", "12812345678")
    text = "你就是条狗，热狗"
    ctx = MatchContext(text, lambda: Segmenter().boundaries(text))
    assert WordBoundaryGate().passes(4, 5, ctx)  # 狗
    assert not WordBoundaryGate().passes(7, 8, ctx)  # the 狗 of 热狗


def test_word_boundary_segments_only_when_asked():
    calls = []
    ctx = MatchContext("热狗", lambda: calls.append(1) or frozenset({0, 2}))
    assert calls == []
    assert not WordBoundaryGate().passes(1, 2, ctx) and not WordBoundaryGate().passes(1, 2, ctx)
    assert calls == [1]


def test_gate_types_are_listed_once_cheapest_first():
    declared = {c for _, c in inspect.getmembers(gate_module, inspect.isclass)
                if c.__name__.endswith("Gate") and c is not gate_module.Gate}
    assert set(gate_module.GATE_TYPES) == declared
    orders = [c.order for c in gate_module.GATE_TYPES]
    assert orders == sorted(set(orders))


def test_matcher_adds_the_shared_gates():
    with_reported = RuleMatcher(LEXICONS, NEGATION, REPORTED)
    without = RuleMatcher(LEXICONS, NEGATION)
    for rule in with_reported.rules:
        kinds = [type(g) for g in with_reported.gates[rule.id]]
        assert kinds.count(ReportedSpeechGate) == 1
        assert (NegationGate in kinds) is rule.negation
        assert set(rule.gates) <= set(with_reported.gates[rule.id])
        assert [g.order for g in with_reported.gates[rule.id]] == sorted(g.order for g in with_reported.gates[rule.id])
        assert ReportedSpeechGate not in [type(g) for g in without.gates[rule.id]]
    assert any(not r.negation for r in with_reported.rules) and any(r.gates for r in with_reported.rules)


def test_gate_order_does_not_change_the_hits():
    """Gates are pure filters: every rule's gates run in reverse order keep the same candidates."""
    matcher = RuleMatcher(LEXICONS, NEGATION, REPORTED)
    normalizer, segmenter = Normalizer(), Segmenter()
    texts = [t for lex in LEXICONS for r in lex.rules for t in (*r.examples_match, *r.examples_no_match)]
    rejected_any = False
    for text in texts:
        norm = normalizer.normalize(text)
        ctx = MatchContext(norm.text, lambda t=norm.text: segmenter.boundaries(t))
        candidates = matcher.candidates(norm.text)
        forward = [h for h in candidates if all(g.passes(h.start, h.end, ctx) for g in matcher.gates[h.rule.id])]
        backward = [h for h in candidates if all(g.passes(h.start, h.end, ctx) for g in matcher.gates[h.rule.id][::-1])]
        assert forward == backward, text
        assert set(matcher.match(norm, lambda t=norm.text: segmenter.boundaries(t))) <= set(forward), text
        rejected_any |= len(forward) < len(candidates)
    assert rejected_any  # some gate rejected something, so the comparison meant something


# The gates look beyond their hit through per-text look-ups (MatchContext.where); these references scan the text per
# hit, as the gates once did, and every gate must agree with its reference on every short span of crafted texts.
CRAFTED = (
    "催收说“明天上门找你”，别以为我们不会上门。投诉：催收员说“傻逼”",
    "示例“傻逼“傻逼”傻逼”\n话术「上门」找你「老赖」比如『上门",
    "\"上门\"他说\"傻逼\"找你家人\"上门",
    "我们不会上门找你，难道不会上门吗？禁止上门，也没有上门。你以为我们不会去你家",
    "有人在微信里说要上门。你刚才说我们是骗子，傻逼\n‘上门’他们的人扬言‘找你’",
    "上门" * 40 + "不会" + "上门" * 10,
)


def _spans(text: str):
    return [(s, s + n) for s in range(len(text)) for n in (1, 2, 3) if s + n <= len(text)]


def _reference_clause_start(text: str, pos: int) -> int:
    i = pos - 1
    while i >= 0 and text[i] not in gate_module.CLAUSE_END:
        i -= 1
    return i + 1


def _reference_negation(neg, text: str, start: int) -> bool:
    clause = _reference_clause_start(text, start)
    if not any(cue in text[max(clause, start - neg.window):start] for cue in neg.cues):
        return True
    return any(o in text[clause:start] for o in neg.overrides)


def _reference_reported(rs, text: str, start: int, end: int) -> bool:
    sentence_start = start - 1
    while sentence_start >= 0 and text[sentence_start] not in gate_module.SENTENCE_END:
        sentence_start -= 1
    sentence_start += 1
    if rs.reporter.search(text[max(sentence_start, start - rs.reporter_window):start]):
        return False
    for opening, closing in rs.quote_pairs:
        if opening == closing:
            marks = [i for i in range(start) if text[i] == opening]
            q = marks[-1] if len(marks) % 2 == 1 else -1
        else:
            q = text.rfind(opening, 0, start)
        if q < 0 or (opening != closing and text.find(closing, q + 1, start) >= 0) or text.find(closing, end) < 0:
            continue
        if any(word in text[max(0, q - rs.introducer_window):q] for word in rs.introducers):
            return False
    return True


@pytest.mark.parametrize("text", CRAFTED)
def test_negation_gate_agrees_with_a_scan_per_hit(text):
    gate, ctx = NegationGate(NEGATION), MatchContext(text)
    for s, e in _spans(text):
        assert gate.passes(s, e, ctx) is _reference_negation(NEGATION, text, s), (text, s, e)


@pytest.mark.parametrize("text", CRAFTED)
def test_reported_speech_gate_agrees_with_a_scan_per_hit(text):
    gate, ctx = ReportedSpeechGate(REPORTED), MatchContext(text)
    for s, e in _spans(text):
        assert gate.passes(s, e, ctx) is _reference_reported(REPORTED, text, s, e), (text, s, e)


@pytest.mark.parametrize("text", CRAFTED)
def test_terms_anywhere_agree_with_a_scan_per_hit(text):
    """Window 0 (context, unless) and the message-wide context look the terms up once per text."""
    terms = ("上门", "傻逼傻逼", "骗子", "“傻")
    message = "你欠款三个月了" if "上门" in text else ""
    ctx = MatchContext(text, message=message)
    anywhere = any(t in text for t in terms)
    for s, e in _spans(text):
        assert ContextGate(terms, 0).passes(s, e, ctx) is anywhere
        assert UnlessGate(terms, 0).passes(s, e, ctx) is not anywhere
        assert MessageContextGate(("欠款",)).passes(s, e, ctx) is ("欠款" in (message or text))


def test_where_finds_overlapping_occurrences_and_character_sets():
    ctx = MatchContext("啊啊啊，啊。")
    assert ctx.where("啊啊") == (0, 1)
    assert ctx.where(frozenset("，。")) == (3, 5)
    assert ctx.span_start(frozenset("，。"), 4) == 4 and ctx.span_start(frozenset("，。"), 3) == 0
