"""The public API: Analyzer.load/analyze/analyze_batch and the frozen result types."""
from __future__ import annotations

import dataclasses

import pytest

from yuefu_nlp import LABELS, Analyzer, Result


def test_result_shape(rules_analyzer):
    res = rules_analyzer.analyze("你这个老赖，明天我们就去你家找你！")
    assert isinstance(res, Result)
    assert set(res.scores) == set(LABELS)
    assert res.labels <= set(LABELS) and res.labels
    assert res.risk in {"high", "medium", "low", "none"}
    for f in res.findings:
        assert res.text[f.span.start:f.span.end] == f.span.text
        assert f.evidence and f.evidence[0].citations


def test_results_are_frozen(rules_analyzer):
    res = rules_analyzer.analyze("你个骗子")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.risk = "none"  # type: ignore[misc]


@pytest.mark.parametrize("bad", [None, 1, 3.5, b"bytes", ["text"]])
def test_non_string_raises_type_error(rules_analyzer, bad):
    with pytest.raises(TypeError):
        rules_analyzer.analyze(bad)


@pytest.mark.parametrize("empty", ["", "   ", "\n"])
def test_empty_text_gives_empty_result(rules_analyzer, empty):
    res = rules_analyzer.analyze(empty)
    assert res.labels == frozenset() and res.findings == () and res.risk == "none"
    assert all(v == 0.0 for v in res.scores.values())


def test_analyze_batch_streams_and_carries_context(rules_analyzer):
    rows = [("你个骗子", "a"), ("请按时还款，谢谢", "b"), ("", "c")]
    out = list(rules_analyzer.analyze_batch(iter(rows), batch_size=2, as_tuples=True))
    assert [ctx for _, ctx in out] == ["a", "b", "c"]
    assert out[0][0].labels == rules_analyzer.analyze("你个骗子").labels == {"insult"}
    plain = list(rules_analyzer.analyze_batch(["你个骗子", "好"], batch_size=1))
    assert [r.text for r in plain] == ["你个骗子", "好"] and plain[0].labels == {"insult"}
    # a text that happens to be a pair is never guessed to be (text, context): the caller says so
    with pytest.raises(TypeError, match="str"):
        list(rules_analyzer.analyze_batch([("你个骗子", "a")]))
    with pytest.raises(TypeError, match="as_tuples"):
        list(rules_analyzer.analyze_batch(["你个骗子"], as_tuples=True))


def test_analyze_batch_is_lazy(rules_analyzer):
    def rows():
        yield "第一条"
        raise RuntimeError("the second batch must not be read before the first is consumed")

    gen = rules_analyzer.analyze_batch(rows(), batch_size=1)
    assert next(gen).text == "第一条"


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend"):
        Analyzer.load(backend="magic")  # type: ignore[arg-type]


def test_result_to_dict_is_json_ready(rules_analyzer):
    import json

    d = rules_analyzer.analyze("你个傻逼").to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["labels"] == ["insult"]
