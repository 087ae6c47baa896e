"""Transcripts as exports deliver them: a BOM or zero-width mark before the first prefix, CRLF line ends, GB18030
files read by `yuefu check -f` exactly as `yuefu score` reads them (issue #13)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.cli import main
from yuefu_nlp.domain import Role
from yuefu_nlp.pipeline.stages import turn_pieces
from yuefu_nlp.text.turns import split_turns

CUSTOMER_SWEARS = "坐席：您好，请问今天方便还款吗？\r\n客户：你个傻逼，滚。"


@pytest.fixture(scope="module")
def fused():
    return Analyzer.load("fused")


@pytest.mark.parametrize("mark", ["", "\ufeff", "\u200b", "\u2060", " \ufeff"])
def test_a_mark_before_the_first_prefix_never_hands_the_customer_turn_to_the_collector(fused, mark):
    text = mark + CUSTOMER_SWEARS
    assert [t.role for t in split_turns(text)] == [Role.COLLECTOR, Role.CUSTOMER]
    res = fused.analyze(text)
    assert not res.labels and not res.findings, res  # the customer's insult is context, not the collector's abuse


def test_check_reads_the_encodings_score_reads(tmp_path, capsys):
    call = "\ufeff坐席：你这个老赖，明天我们就去你单位\n客户：别打了"
    bare = call.lstrip("\ufeff")  # reading a file drops its BOM: spans index the text after it
    for i, (encoding, data) in enumerate([("utf-8-sig", call.encode("utf-8")), ("gb18030", bare.encode("gb18030"))]):
        path = tmp_path / f"call_{i}.txt"
        path.write_bytes(data)
        assert main(["check", "-f", str(path), "--backend", "rules", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert set(out["labels"]) == {"threat", "insult"}, encoding
        assert all(bare[f["start"]:f["end"]] == f["text"] for f in out["findings"]), encoding


def test_check_refuses_bytes_it_cannot_read(tmp_path, capsys):
    path = tmp_path / "latin1.txt"
    path.write_bytes("坐席：".encode("utf-8") + b"\xff\xfe\x80 caf\xe9")
    assert main(["check", "-f", str(path), "--backend", "rules"]) == 2
    err = capsys.readouterr().err
    assert "not valid" in err and "UTF-8" in err and "Traceback" not in err


def test_check_reads_gb18030_from_stdin():
    out = subprocess.run([sys.executable, "-m", "yuefu_nlp.cli", "check", "--backend", "rules", "--json"],
                         input="坐席：你个老赖".encode("gb18030"), capture_output=True, timeout=120, check=True)
    assert json.loads(out.stdout)["labels"] == ["insult"]


OBFUSCATED_INSULT_CALL = (  # data/gold gc-0063: the insult is obfuscated (废无, 垃鸡), so no rule fires and the model decides
    "坐席：喂你是孟凡东吧，你在分期乐的钱还不还了，都逾期五十多天了\n用户：还，这不是在凑吗\n"
    "坐席：凑凑凑，你一个大老爷们五千块都凑不出来，你活的跟个废无一样，真是个垃鸡\n用户：你怎么说话呢"
)


def test_findings_in_a_transcript_name_their_turn_and_an_sms_names_none(fused):
    call = "催收员：您好，这里是平台贷后部\n客户：你个骗子\n催收员：你这个老赖，明天我们就去你单位"
    res = fused.analyze(call)
    assert {f.label for f in res.findings} == {"insult", "threat"}
    for f in res.findings:
        assert (f.turn.index, f.turn.speaker, f.turn.role) == (2, "催收员", Role.COLLECTOR)
        assert f.to_dict()["turn"] == 2 and f.to_dict()["role"] == "collector"
    sms = fused.analyze("你这个老赖，明天我们就去你单位")
    assert sms.findings and all(f.turn is None and "turn" not in f.to_dict() for f in sms.findings)


IMPERSONATION_CALL = (  # data/openworld test: the false legal claim is in the greeting, the threat at the end
    "坐席：你好，这边是检察院的，核实一下你的情况。\n客户：检察院？我没犯法。\n"
    "坐席：你在网上借的钱一直不还，已经有人举报了，我们这边先给你打个电话，自己看着办。"
)


def test_a_model_only_claim_in_the_first_turn_is_not_moved_to_a_later_one(fused):
    res = Analyzer.load("model").analyze(IMPERSONATION_CALL)
    (claim,) = [f for f in res.findings if f.label == "false_legal_claim"]
    assert claim.turn.index == 0 and "检察院" in claim.span.text


def test_a_model_only_finding_in_an_sms_points_at_its_sentence(fused):
    text = "您好，这里是平台贷后部。您的账单已逾期三天，请今天处理一下。你活的跟个废无一样，真是个垃鸡。"
    res = Analyzer.load("model").analyze(text)
    (insult,) = [f for f in res.findings if f.label == "insult"]
    assert insult.span.text == "你活的跟个废无一样，真是个垃鸡。" and insult.turn is None
    assert "the sentence whose removal lowers the model's score the most" in insult.evidence[0].description


def test_a_model_only_finding_points_at_the_turn_that_produces_it(fused):
    res = fused.analyze(OBFUSCATED_INSULT_CALL)
    (insult,) = [f for f in res.findings if f.label == "insult"]
    assert insult.rule_id == "model"  # no rule backs it: the model located it
    assert insult.turn.index == 2 and "垃鸡" in insult.span.text  # not the greeting in turn 0
    assert OBFUSCATED_INSULT_CALL[insult.span.start:insult.span.end] == insult.span.text
    assert "the judged turn the model scores highest for this label" in insult.evidence[0].description
    assert insult.to_dict()["how"] == insult.evidence[0].description  # the scored CSV says it too
    (m,) = fused.run([OBFUSCATED_INSULT_CALL], until="fuse")
    (unlocated,) = [f for f in m.result.findings if f.label == "insult"]
    assert unlocated.turn.index == 0  # before `locate`: the first collector turn, the greeting
    pieces = turn_pieces(m)  # what `locate` weighs: each collector turn read on its own
    scores = fused.scorer.predict_array([p.input for p in pieces])[:, list(fused.scorer.labels).index("insult")]
    assert [p.judged_index for p in pieces] == [0, 1] and scores[1] > scores[0]
    # the message's own scores do not depend on the per-turn step: scoring the call alone gives the same labels
    assert res.labels == m.result.labels and res.scores == m.result.scores


def test_a_threat_that_rests_on_an_earlier_turn_is_flagged_in_its_own_turn(fused):
    # issue #13's example: the child's school, asked as a question, in a call that opened with the debt
    call = "坐席：您好，这里是XX金融，提醒您按时还款。\n客户：嗯。\n坐席：你孩子在实验小学三年级二班吧。"
    res = fused.analyze(call)
    assert res.labels == {"threat"}
    (f,) = res.findings
    assert f.turn.index == 2 and f.span.text == "你孩子在实验小学三年级二班吧"  # not the greeting
    # the same question between parents, with no debt in the message, is no threat
    assert not fused.analyze("你儿子在实验小学三年级二班吧？放学路上让他等等我家朵朵。").labels


@pytest.mark.parametrize("first,second", [("说话人1", "说话人2"), ("spk0", "spk1"), ("SPEAKER_00", "SPEAKER_01"),
                                          ("A", "B"), ("[00:00:03] 说话人1", "[00:00:09] 说话人2")])
def test_speech_to_text_labels_never_hand_the_customers_insult_to_the_collector(fused, first, second):
    # issue #13: anonymous speaker labels were not recognised, so the customer's insult was reported as the collector's
    call = (f"{first}：您好，这里是平台贷后部，工号3021，您的账单已逾期五天，请今天处理一下还款。\n"
            f"{second}：你个傻逼，天天打，滚。\n{first}：好的，请您记得按时还款，打扰了。")
    res = fused.analyze(call)
    assert not res.labels and not res.findings, (first, res)


def test_speech_to_text_files_never_hand_the_customers_insult_to_the_collector(fused):
    from pathlib import Path

    from yuefu_nlp.text.transcript_files import read_transcript

    fixtures = Path(__file__).parent / "fixtures" / "transcripts"
    for name in ("call_whisperx.json", "call_segments.json", "call.srt", "call.vtt", "call_anonymous.txt"):
        res = fused.analyze(read_transcript(fixtures / name))
        assert all(f.turn is not None and f.turn.role != Role.CUSTOMER for f in res.findings), name
