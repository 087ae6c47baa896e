"""Issue #16: the model reads templated messages with their numbers and greeting names masked (text/slots.py), so
copies of a template are one model input; the masking never touches ordinary words and is idempotent."""
from __future__ import annotations

import pytest

from yuefu_nlp.runtime.encoding import TextEncoder
from yuefu_nlp.runtime.paths import REPO_ROOT
from yuefu_nlp.text.slots import NAME_MASK, SURNAMES, mask_slots

TOKENIZER = REPO_ROOT / "models" / "yuefu-e5-small-int8" / "tokenizer.json"


@pytest.mark.parametrize("text, masked", [
    ("【借呗】魏娜超，您已逾期3天，欠款1,234.56元", "【借呗】某某，您已逾期0天，欠款0元"),
    ("王伟你个老赖，12月5日前还清", "某某你个老赖，0月0日前还清"),
    ("尊敬的张先生，您好", "尊敬的某某，您好"),
    ("【信用购】温馨提示：杨桂，您有一笔账单", "【信用购】温馨提示：某某，您有一笔账单"),
    ("许建平先生女士,您在xx消费金融的账户", "某某,您在xx消费金融的账户"),  # 先生/女士 after normalization
    ("尊敬的用户刘秀英：账单2026-12-05到期", "尊敬的用户某某：账单0到期"),
    ("催收员：你好\n孙丽娟，你的电话138-1234-5678打不通", "催收员：你好\n某某，你的电话0打不通"),
])
def test_numbers_and_greeting_names_are_masked(text, masked):
    assert mask_slots(text) == masked


@pytest.mark.parametrize("text", [
    "谢谢，马上还", "于是乎，我们走了", "何必呢，兄弟", "高兴你来了", "周六我去你家吃饭", "黄种人，是",
    "你好，请问是李四吗",  # a name that no greeting introduces stays
    "我们找到了王五的家",
    "王伟对你不客气", "丁慧给你最后一次机会", "钱不还，打断你的腿", "钱呢，你什么时候还",  # a clause, not a name
])
def test_ordinary_words_and_names_outside_greetings_stay(text):
    assert mask_slots(text) == text


@pytest.mark.parametrize("text", ["【借呗】魏娜超，您已逾期3天", "尊敬的用户某某，0元", "0月0日", "", "某某，你好"])
def test_masking_is_idempotent(text):
    assert mask_slots(mask_slots(text)) == mask_slots(text)


def test_the_encoder_masks_only_for_a_masked_model():
    masked = TextEncoder.from_file(TOKENIZER, slot_mask=True)
    plain = TextEncoder.from_file(TOKENIZER)
    a, b = "尊敬的张伟，您欠款300元", "尊敬的陈静女士，您欠款12,000.50元"
    assert masked.canonical(a) == masked.canonical(b) == f"尊敬的{NAME_MASK}，您欠款0元"
    assert (masked.windows([a])[0][0] == masked.windows([b])[0][0]).all()
    assert plain.canonical(a) == a and len(plain.windows([a])[0][0]) != len(plain.windows([b])[0][0])


@pytest.mark.parametrize("title", ["先生", "女士", "小姐", "先生/女士"])
def test_every_surname_with_a_title_is_masked(title):
    """王先生 is a word of jieba's dictionary; as a greeting it is still a name."""
    kept = [s for s in SURNAMES if mask_slots(f"【借呗】{s}{title}，你欠的88.8元") != "【借呗】某某，你欠的0元"]
    assert kept == []
