"""Lawful, negated and educational language must stay unflagged; the abusive forms next to them must not.

These are the cases that separate a collection-aware tool from a sensitive-word filter.
"""
from __future__ import annotations

import pytest

HARD_NEGATIVES = [
    # lawful litigation and enforcement
    "您的借款已逾期60天，如仍未还款，我司将依法向人民法院提起诉讼。",
    "我方可能依法提起诉讼，诉讼费用由法院判决承担。",
    "法院判决生效后，如您拒不履行，我司可依法申请强制执行。",
    "根据生效判决，拒不履行的可能被法院列入失信被执行人名单。",
    "本所受委托通知您：请于7日内协商还款，逾期将建议委托人依法起诉。",
    # credit reporting
    "逾期记录将按规定报送金融信用信息基础数据库（征信）。",
    "您的逾期信息已上报征信，结清后记录会按规定更新。",
    # negation
    "我们不会上门，也不会联系您的家人，请您放心。",
    "我们不会将您的借款信息告知任何第三方。",
    "请放心，我们从来不会向您的单位透露任何借款信息。",
    # education and quotation
    "催收人员不得威胁、辱骂借款人，不得向其亲友透露借款信息。",
    "严禁暴力催收，严禁冒充公检法人员。",
    "如遇到冒充法院、公安的催收电话，请保留录音并向监管部门投诉。",
    "警惕冒充公检法的诈骗电话，法院不会通过电话要求转账。",
    # reported speech: complaints and news quoting what a collector said
    "投诉：催收员微信发我“你这个老赖赶紧还钱”，请平台处理这个催收员。",
    "客服你好，你们的催收人员在微信里说要把我的身份证发到家族群，这合法吗？",
    "各位网友帮我看看，催收给我发“再不还钱就去你老家贴告示”，这个算不算违法？",
    "催收员：您刚才说我们是骗子，我理解您的情绪。我们是持牌机构，您可以在App里核实。",
    # ordinary reminders, negotiation and third-party call-back requests
    "您好，您本期账单1286元将于3月15日到期，请按时还款。",
    "看到您还款有困难，我们可以为您申请分3期还款。",
    "您好，麻烦您转告张伟给我们回个电话，谢谢。",
    "请核对您尾号8907的银行卡是否仍为您的还款账户。",
    "客服热线4008123456，工作时间9:00-18:00。",
    # the customer abusing a polite collector
    "催收员：您好，提醒您今天是还款日。\n客户：滚，你个傻逼，别打了！\n催收员：好的，打扰了，祝您生活愉快。",
    # neutral collection vocabulary
    "您的欠款已逾期15天，逾期会产生罚息，请尽快处理。",
]

POSITIVES = [
    ("你这个老赖，再不还钱明天我们就去你家找你", {"insult", "threat"}),
    ("你這個騙子，廢物一個", {"insult"}),
    ("傻*逼，赶紧还钱", {"insult"}),
    ("s b 玩意儿，还钱", {"insult"}),
    ("再不还我们就爆你通讯录，让你所有联系人都知道你欠钱不还", {"privacy_leak"}),
    ("你好，你是张伟的同事吧？他在我们平台欠款8000元逾期三个月了，麻烦你让他还钱", {"privacy_leak"}),
    ("你这是诈骗，公安已经立案了，等着坐牢吧", {"false_legal_claim"}),
    ("我是朝阳区法院执行局的，明天冻结你名下所有银行卡", {"false_legal_claim"}),
    ("你不还钱，你孩子以后政审都过不了，考不了公务员", {"false_legal_claim"}),
    ("我们知道你孩子在哪个学校上学，你自己掂量", {"threat"}),
    ("别以为我们不会上门", {"threat"}),
    ("你就是个“老赖”，还装什么", {"insult"}),  # quotation marks alone do not make reported speech
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_lawful_language_stays_unflagged(rules_analyzer, text):
    result = rules_analyzer.analyze(text)
    assert result.labels == frozenset(), [(f.label, f.span.text, f.rule_id) for f in result.findings]


@pytest.mark.parametrize("text, labels", POSITIVES)
def test_abusive_language_is_flagged(rules_analyzer, text, labels):
    result = rules_analyzer.analyze(text)
    assert labels <= result.labels, (sorted(result.labels), [(f.label, f.span.text, f.rule_id) for f in result.findings])
    for f in result.findings:
        assert text[f.span.start:f.span.end] == f.span.text
