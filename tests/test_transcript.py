"""Speaker turns: only collector turns are judged, and turn ranges index the full text."""
from __future__ import annotations

import pytest

from yuefu_nlp.text.turns import split_turns

CALL = "催收员：您好，是张先生吗？\n客户：你个傻逼别打了\n催收员：请您尽快还款\n补充一句\n坐席2：好的"


def test_turns_and_roles():
    turns = split_turns(CALL)
    assert [(t.speaker, t.role) for t in turns] == [
        ("催收员", "collector"), ("客户", "customer"), ("催收员", "collector"), ("坐席", "collector"),
    ]
    assert CALL[turns[1].start:turns[1].end] == "你个傻逼别打了"
    assert CALL[turns[2].start:turns[2].end] == "请您尽快还款\n补充一句"  # unprefixed lines continue the turn
    assert [t.judged for t in turns] == [True, False, True, True]


@pytest.mark.parametrize(
    "text",
    ["您好，您的账单已逾期", "用户：张三，您的账单已逾期3天"],  # one prefix is a salutation, not a transcript
)
def test_plain_messages_are_one_judged_turn(text):
    turns = split_turns(text)
    assert len(turns) == 1 and turns[0].judged and (turns[0].start, turns[0].end) == (0, len(text))


def test_english_prefixes_and_timestamps():
    text = "[00:00:01] agent: hello\n[00:00:03] customer: 滚\nAgent：还钱"
    turns = split_turns(text)
    assert [t.role for t in turns] == ["collector", "customer", "collector"]
    assert text[turns[1].start:turns[1].end] == "滚"


def test_customer_abuse_never_flags(rules_analyzer):
    text = "坐席：您好，提醒您今天是还款日。\n用户：傻逼，老子就不还，你能把我怎么样？你个骗子\n坐席：好的，祝您生活愉快。"
    assert rules_analyzer.analyze(text).labels == frozenset()


def test_collector_abuse_spans_index_full_text(rules_analyzer):
    text = "客户：我下个月还\n催收员：你个老赖，傻逼"
    result = rules_analyzer.analyze(text)
    assert "insult" in result.labels
    for f in result.findings:
        assert f.span.start > text.index("催收员") and text[f.span.start:f.span.end] == f.span.text


def test_empty_and_type_errors():
    assert split_turns("") == []
    with pytest.raises(TypeError):
        split_turns(b"bytes")  # type: ignore[arg-type]
