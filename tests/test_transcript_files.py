"""Transcript files (text/transcript_files.py): one fixture per form, each rendered as the canonical text that is
scored, read by `yuefu check -f` (issue #13)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from yuefu_nlp.cli import main
from yuefu_nlp.domain import Role
from yuefu_nlp.errors import InputError
from yuefu_nlp.text.roles import speaker_turns
from yuefu_nlp.text.transcript_files import read_transcript

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
COLLECTOR = "您好，这里是XX平台贷后部，工号8812，您的借款已逾期30天，请今天处理一下还款。"
CUSTOMER = "我没钱，别打了，你个傻逼，滚。"


@pytest.mark.parametrize("name,collector,expected_first_line", [
    ("call_anonymous.txt", "说话人2", "[00:00:01] 说话人1：喂，哪位？"),
    ("call.srt", "说话人2", "[00:00:01] 说话人1：喂，哪位？"),
    ("call.vtt", "说话人2", "[00:00:01] 说话人1：喂，哪位？"),
    ("call_whisperx.json", "SPEAKER_00", "[00:00:00] SPEAKER_01：喂，哪位？"),
    ("call_segments.json", "说话人0", f"[00:00:00] 说话人0：{COLLECTOR.replace('工号8812，', '')}"),
])
def test_every_form_reads_as_one_canonical_transcript(name, collector, expected_first_line):
    text = read_transcript(FIXTURES / name)
    assert text.splitlines()[0] == expected_first_line
    assert CUSTOMER in text and not text.startswith("\ufeff")
    turns, decision = speaker_turns(text)
    assert decision.collector == collector and decision.confident
    assert all(t.time for t in turns)
    customer_turn = next(t for t in turns if text[t.start:t.end] == CUSTOMER)
    assert customer_turn.role is Role.CUSTOMER  # the customer's insult is context, never the collector's


@pytest.mark.parametrize("name", ["call_anonymous.txt", "call.srt", "call_segments.json"])
def test_the_customers_insults_are_not_flagged(rules_analyzer, name):
    res = rules_analyzer.analyze(read_transcript(FIXTURES / name))
    assert not res.labels and not res.findings


@pytest.mark.parametrize("name,speaker,time", [("call.vtt", "说话人2", "00:00:11"),
                                               ("call_whisperx.json", "SPEAKER_00", "00:00:11")])
def test_the_collectors_abuse_is_found_in_its_turn(rules_analyzer, name, speaker, time):
    text = read_transcript(FIXTURES / name)
    res = rules_analyzer.analyze(text)
    assert {"insult", "threat"} <= set(res.labels)
    for f in res.findings:
        assert (f.turn.index, f.turn.speaker, f.turn.role, f.turn.time) == (3, speaker, Role.COLLECTOR, time)
        assert text[f.span.start:f.span.end] == f.span.text  # spans index the canonical text


def test_srt_bracket_labels_and_cues_without_a_speaker(tmp_path):
    path = tmp_path / "whisperx.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\n[SPEAKER_00]: 您好，这里是XX金融\n\n"
                    "2\n00:00:02,000 --> 00:00:03,000\n您已逾期30天\n\n"
                    "3\n00:01:05,000 --> 00:01:06,000\n[SPEAKER_01]: 我没钱\n", encoding="utf-8")
    text = read_transcript(path)
    assert text == "[00:00:01] SPEAKER_00：您好，这里是XX金融\n[00:00:02] 您已逾期30天\n[00:01:05] SPEAKER_01：我没钱"
    turns, _ = speaker_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [("SPEAKER_00", Role.COLLECTOR), ("SPEAKER_01", Role.CUSTOMER)]
    assert text[turns[0].start:turns[0].end].endswith("您已逾期30天")  # a cue without a speaker continues the turn


@pytest.mark.parametrize("data", [{"results": []}, [{"speaker": "A", "content": "x"}], "just text", {"segments": 3}])
def test_an_unknown_json_shape_names_the_shapes_it_reads(tmp_path, data):
    path = tmp_path / "call.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r'\{"segments": \[\.\.\.\]\}') as err:
        read_transcript(path)
    assert "a list of segments" in str(err.value)


def test_a_speaker_name_it_does_not_know_must_be_mapped(tmp_path):
    path = tmp_path / "call.json"
    path.write_text(json.dumps([{"speaker": "张经理", "text": "你这个老赖"}, {"speaker": "王先生", "text": "你说什么"}]),
                    encoding="utf-8")
    with pytest.raises(InputError, match="张经理, 王先生.*--roles 张经理=collector"):
        read_transcript(path)
    assert read_transcript(path, {"张经理": Role.COLLECTOR, "王先生": Role.CUSTOMER}) == "张经理：你这个老赖\n王先生：你说什么"


def test_check_reads_transcript_files(capsys):
    assert main(["check", "-f", str(FIXTURES / "call.vtt"), "--backend", "rules"]) == 0
    out = capsys.readouterr().out
    assert "说话人2 is the collector, confidence 1.00" in out
    assert "turn 3 (说话人2, collector, 00:00:11)" in out
    path = FIXTURES / "call_segments.json"
    assert main(["check", "-f", str(path), "--backend", "rules", "--json", "--roles", "说话人1=collector"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["labels"] and out["speakers"]["how"] == "role map"  # the customer's turns, judged because we said so
