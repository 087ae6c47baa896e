"""Anonymous speakers (说话人1, spk0, SPEAKER_00, A/B) and timestamps in plain-text transcripts; who the collector is
(text/roles.py), what a guess does to the result, and the user's role map (issue #13)."""
from __future__ import annotations

import json

import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.cli import main
from yuefu_nlp.domain import Risk, Role
from yuefu_nlp.errors import ConfigError
from yuefu_nlp.text.roles import CONFIDENT_AT, decide_roles, parse_roles, score_speakers, speaker_turns
from yuefu_nlp.text.turns import split_turns

COLLECTOR_SAYS = "您好，这里是XX平台贷后部，工号8812，您的借款已逾期30天，请今天处理一下还款。"
CUSTOMER_SWEARS = "我没钱，别打了，你个傻逼，滚。"


@pytest.mark.parametrize("first,second", [
    ("说话人1：", "说话人2："), ("说话人 1:", "说话人 2:"), ("角色A：", "角色B："), ("spk0:", "spk1:"),
    ("SPEAKER_00:", "SPEAKER_01:"), ("Speaker 1:", "Speaker 2:"), ("A：", "B："),
    ("[00:01:02] 说话人1：", "[00:01:09] 说话人2："), ("00:01:02.120 spk0：", "00:01:09.800 spk1："),
    ("(00:01) SPEAKER_00:", "(00:09) SPEAKER_01:"), ("[1.23s] A：", "[8.50s] B："),
])
def test_anonymous_labels_and_timestamps_are_turns(first, second):
    text = f"{first}{COLLECTOR_SAYS}\n{second}{CUSTOMER_SWEARS}\n{first}好的，打扰了。"
    turns, decision = speaker_turns(text)
    assert [text[t.start:t.end] for t in turns] == [COLLECTOR_SAYS, CUSTOMER_SWEARS, "好的，打扰了。"]
    assert [t.role for t in turns] == [Role.COLLECTOR, Role.CUSTOMER, Role.COLLECTOR]
    assert decision.confident and decision.collector == turns[0].speaker and " " not in decision.collector
    stamp = first.split()[0].strip("[]()") if first[0] in "[(0" else ""
    assert turns[0].time == stamp


def test_a_single_letter_is_a_speaker_only_beside_another_letter():
    assert len(split_turns("A：您好\nA：您已逾期")) == 1  # one letter: a list, not two speakers
    assert len(split_turns("A：你家离地铁站远吗？B：走路五分钟。")) == 1  # one line
    assert [t.speaker for t in split_turns("A：您好\nB：嗯\nA：再见")] == ["A", "B", "A"]
    assert len(split_turns("a：您好\nb：嗯")) == 1  # lower case letters are not labels


def test_known_prefixes_need_no_decision():
    assert decide_roles("坐席：您好\n客户：嗯") is None
    assert decide_roles("您好，您已逾期") is None


def test_a_named_collector_makes_the_other_anonymous_speakers_customers():
    turns, decision = speaker_turns("坐席：您好\n说话人2：你个傻逼\n坐席：再见")
    assert [t.role for t in turns] == [Role.COLLECTOR, Role.CUSTOMER, Role.COLLECTOR]
    assert (decision.collector, decision.confidence, decision.how) == ("坐席", 1.0, "speaker prefix")
    turns, decision = speaker_turns("客户：喂\n说话人2：你个老赖")  # the one anonymous speaker beside the customer
    assert [t.role for t in turns] == [Role.CUSTOMER, Role.COLLECTOR] and decision.confidence == 1.0


def test_the_scorer_says_why():
    decision = score_speakers([("说话人1", "喂？"), ("说话人2", COLLECTOR_SAYS), ("说话人1", CUSTOMER_SWEARS)])
    assert decision.collector == "说话人2" and decision.confidence > 0.99
    why = {s.speaker: {c for c, _, _ in s.cues} for s in decision.speakers}
    assert {"gives a job number", "states the overdue amount or days", "asks for repayment"} <= why["说话人2"]
    assert "speaks as the debtor" in why["说话人1"] and "speaks first" in why["说话人1"]
    assert score_speakers([("说话人1", "你好")]) is None


def test_customer_abuse_under_anonymous_labels_is_not_the_collectors(rules_analyzer):
    # the example: the customer's insults were flagged against the collector, with no warning
    text = f"说话人2：{COLLECTOR_SAYS}\n说话人1：{CUSTOMER_SWEARS}\n说话人2：好的，那我们稍后短信联系您。"
    res = rules_analyzer.analyze(text)
    assert not res.labels and not res.findings and res.risk is Risk.NONE


UNSURE = "A：你个傻逼，明天我们就去你单位找你。\nB：你谁啊？\nA：你自己心里清楚。"  # no cue says who collects


def test_a_guess_is_judged_but_marked_uncertain_and_capped_at_low(rules_analyzer):
    decision = decide_roles(UNSURE)
    assert decision.collector == "A" and decision.confidence < CONFIDENT_AT and not decision.confident
    res = rules_analyzer.analyze(UNSURE)
    assert res.labels and res.risk is Risk.LOW  # flagged, but a guess is a reviewer's level
    assert res.findings and all(f.turn.role is Role.UNCERTAIN and f.turn.speaker == "A" for f in res.findings)
    assert all(f.to_dict()["role"] == "uncertain" for f in res.findings)


def test_the_role_map_overrides_the_guess():
    an = Analyzer.load("rules", roles={"A": "collector", "B": "customer"})
    (m,) = an.run([UNSURE])
    assert (m.speakers.collector, m.speakers.confidence, m.speakers.how) == ("A", 1.0, "role map")
    assert m.result.risk is Risk.HIGH and {f.turn.role for f in m.result.findings} == {Role.COLLECTOR}
    # the other way round: B's turns are judged, A's are context
    assert not Analyzer.load("rules", roles="A=customer,B=collector").analyze(UNSURE).labels


def test_the_role_map_names_any_label():
    text = "张经理：你个老赖，明天我们就去你单位\n王先生：你说话放尊重点"
    assert Analyzer.load("rules").analyze(text).labels  # no known prefix: one message of unknown speaker
    res = Analyzer.load("rules", roles={"张经理": "collector", "王先生": "customer"}).analyze(text)
    assert {f.turn.speaker for f in res.findings} == {"张经理"}
    assert not Analyzer.load("rules", roles={"张经理": "customer", "王先生": "collector"}).analyze(text).labels


@pytest.mark.parametrize("bad", ["说话人1", "说话人1=boss", {"说话人1": "judge"}, "=collector"])
def test_a_role_map_it_cannot_read_says_how_to_write_one(bad):
    with pytest.raises(ConfigError, match="speaker=collector"):
        parse_roles(bad)


def test_check_says_the_roles_were_guessed(capsys):
    assert main(["check", UNSURE, "--backend", "rules"]) == 0
    out = capsys.readouterr().out
    assert "speaker roles guessed from what they say: A is the collector, confidence" in out
    assert "uncertain" in out and "risk: low" in out and "(A, uncertain)" in out
    assert main(["check", UNSURE, "--backend", "rules", "--json", "--roles", "A=collector,B=customer"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["risk"] == "high" and out["speakers"]["how"] == "role map"
    assert main(["check", UNSURE, "--backend", "rules", "--roles", "A=boss"]) == 2
    assert "speaker=collector" in capsys.readouterr().err


def test_a_finding_carries_the_time_of_its_turn(rules_analyzer):
    text = "[00:00:01] 坐席：您好\n[00:00:04] 客户：嗯\n[00:00:09] 坐席：你这个老赖"
    (f,) = rules_analyzer.analyze(text).findings
    assert (f.turn.index, f.turn.time, f.to_dict()["time"]) == (2, "00:00:09", "00:00:09")
