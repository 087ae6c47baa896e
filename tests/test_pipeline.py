"""The message object through the stages: what each stage adds, and that backends are stage lists."""
from __future__ import annotations

import dataclasses

import pytest

from yuefu_nlp import Analyzer, Message
from yuefu_nlp.domain import Label, Role
from yuefu_nlp.pipeline.fusion import FusionPolicy
from yuefu_nlp.pipeline.stages import model_text

CALL = "催收员：你这个老 赖，再不还钱\n客户：你才是骗子\n坐席：明天我们就去你家"


@pytest.fixture(scope="module")
def fused():
    return Analyzer.load("fused")


def test_backends_are_stage_lists(fused, rules_analyzer):
    assert [s.name for s in fused.stages] == ["turns", "normalize", "rules", "model", "fuse", "locate"]
    assert [s.name for s in rules_analyzer.stages] == ["turns", "normalize", "rules", "fuse"]
    model_only = Analyzer.load("model")
    assert [s.name for s in model_only.stages] == ["turns", "normalize", "model", "fuse", "locate"]
    (m,) = model_only.run([CALL])
    assert m.rule_findings == () and m.probs is not None and all(f.rule_id == "model" for f in m.result.findings)


def test_each_stage_adds_its_field_and_spans_index_the_original(fused):
    steps = {until: fused.run([CALL], until=until)[0] for until in ("turns", "normalize", "rules", "model", "fuse")}
    assert [t.role for t in steps["turns"].turns] == [Role.COLLECTOR, Role.CUSTOMER, Role.COLLECTOR]
    assert steps["turns"].judged == () and steps["normalize"].rule_findings == ()
    judged = steps["normalize"].judged
    assert [j.turn.role for j in judged] == [Role.COLLECTOR, Role.COLLECTOR]  # the customer turn is never judged
    assert "骗子" not in steps["normalize"].model_input and "老赖" in steps["normalize"].model_input
    assert steps["rules"].probs is None and steps["model"].result is None
    findings = steps["rules"].rule_findings
    assert {f.label for f in findings} >= {Label.INSULT, Label.THREAT}
    for f in findings:
        assert CALL[f.span.start:f.span.end] == f.span.text
    assert any(f.span.text == "老 赖" for f in findings)  # normalized "老赖", reported in the caller's own characters
    final = steps["fuse"]
    assert final.result == fused.analyze(CALL)
    assert final.result.labels >= {"insult", "threat"} and "骗子" not in {f.span.text for f in final.result.findings}
    with pytest.raises(dataclasses.FrozenInstanceError):
        final.text = "x"  # type: ignore[misc]


def test_training_reads_the_text_the_model_stage_reads(fused):
    (m,) = fused.run([CALL], until="normalize")
    assert model_text(CALL, fused.normalizer) == m.model_input == "你这个老赖,再不还钱\n明天我们就去你家"
    assert model_text("客户：喂\n用户：谁啊", fused.normalizer) == ""


def test_fuse_redecides_prepared_messages_like_a_new_policy(fused):
    texts = ["你这个老赖", "请按时还款", CALL, ""]
    prepared = fused.run(texts, until="model")
    # a policy under which nothing can flag: no rule decides alone and the model's thresholds are out of reach
    strict = FusionPolicy(thresholds={label: 1 - 1e-9 for label in fused.scorer.thresholds}, rule_decides=1.01,
                          weak_rule_weight=0.0)
    # one batch both ways: the int8 model quantizes activations per batch
    strict_results = fused.with_policy(strict).fuse(prepared)
    assert strict_results == list(fused.with_policy(strict).analyze_batch(texts, batch_size=len(texts)))
    assert fused.fuse(prepared) == list(fused.analyze_batch(texts, batch_size=len(texts)))
    assert not any(r.labels for r in strict_results) and sum(bool(r.labels) for r in fused.fuse(prepared)) == 2


def test_run_rejects_unknown_stage_and_non_strings(fused):
    with pytest.raises(ValueError, match="until must be one of"):
        fused.run(["你好"], until="tokenize")
    with pytest.raises(TypeError, match="str"):
        fused.run([b"bytes"])  # type: ignore[list-item]
    assert fused.run([""])[0] == Message("", result=fused.analyze(""))
