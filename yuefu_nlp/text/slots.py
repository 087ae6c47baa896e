"""The fill-in slots of a templated message, masked for the model: digits and a debtor's name in a greeting.

Why: a lender's stream is a few hundred templates with names, amounts and dates filled in. None of those values
decides whether a message threatens, insults, leaks or lies about the law, but each makes the text distinct, so the
model scored every copy again. A model trained on masked text (`ScorerConfig.slot_mask`) reads every copy of a
template as the same input, and the run's memo scores it once. Masking only ever feeds the model: rules, spans and
evidence still read the real text.

What is masked (after normalization):
- every run of digits, with the separators inside numbers (1,234.56  2026-12-05  10:30) -> `0`;
- a name where collection messages put one: at the start of the text or a line, after 】, a colon, 尊敬的,
  亲爱的, 用户, 客户, 借款人, 欠款人 or 致; a common surname, one or two more characters and an optional title
  (先生, 女士, 小姐, 先生/女士), followed by a comma, a colon, an exclamation mark, 您 or 你 -> `某某`. Words of jieba's
  dictionary that merely begin with a surname (于是, 马上, 谢谢: resources/common_words.txt), longer ones that
  start with such a word (何必呢), and a surname followed by a function word (王伟对你, 钱不还) are left alone.
Names elsewhere stay as written; that costs a cache miss, never a wrong label. `mask_slots(mask_slots(t)) ==
mask_slots(t)`.
"""
from __future__ import annotations

import re
from functools import cache

from ..resources import RESOURCES_DIR

__all__ = ["SURNAMES", "NAME_MASK", "NUMBER_MASK", "mask_slots"]

# the hundred or so most common surnames (about 85% of people)
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
NAME_MASK = "某某"
NUMBER_MASK = "0"

_NUMBER = re.compile(r"[0-9]+(?:[.,:：/\-][0-9]+)*")
_AFTER = ("尊敬的", "亲爱的", "用户", "客户", "借款人", "欠款人", "致", "】", "：", ":", "\n")
_TITLE = "先生/女士|女士/先生|先生女士|女士先生|先生|女士|小姐"  # normalization drops the slash
_NAME = re.compile(
    "(?:^|" + "|".join(f"(?<={re.escape(a)})" for a in _AFTER) + ")"
    + f"(?P<name>[{SURNAMES}](?=先生|女士|小姐)|[{SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(?P<title>{_TITLE})?"
    + "(?=[，,：:！!]|您|你)"
)


@cache
def _common_words() -> frozenset[str]:
    path = RESOURCES_DIR / "common_words.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


# characters that end a clause, not a name: 王伟对你 / 丁慧给你 / 钱不还， / 钱呢， are no greetings
_NOT_IN_NAMES = frozenset("给对跟和与同说让把被叫向替帮找要会能不没呢吗啊吧呀还了是都就也的地得着过在")


def _name(m: re.Match[str]) -> str:
    name, words = m.group("name"), _common_words()
    if name in words or name[:2] in words or any(ch in _NOT_IN_NAMES for ch in name[1:]):
        return m.group(0)
    return NAME_MASK


def mask_slots(text: str) -> str:
    """`text` with its numbers and greeting names masked (see the module docstring)."""
    return _NAME.sub(_name, _NUMBER.sub(NUMBER_MASK, text))
