"""Masking of personal identifiers (resident ID, bank card and mobile numbers) in text that leaves the scorer's hands.

A report goes out by mail and a scored file to colleagues; the debtor's numbers need not go with them. Masking is
character for character (same length, digits replaced by `*`, separators kept), so a finding's span still indexes the
masked text exactly as it indexed the original. What counts as an ID, a card or a mobile number is decided by the
checksums the rules use (rules/validators.py); a run of 15 or more digits that passes none of them (a mistyped ID or
card, an old 15-digit ID) is masked all the same, since a number with a typo is still someone's number.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from .rules.validators import valid_cn_id, valid_cn_mobile, valid_luhn
from .types import Result

__all__ = ["KEEP_HEAD", "KEEP_TAIL", "PERSONAL_DATA_RULES", "address_spans", "mask_ranges", "pii_spans", "redact",
           "redact_result", "redact_text"]

# rules whose whole span is personal data (an address), starred beyond its first characters when redacting
PERSONAL_DATA_RULES = ("privacy_leak.pii_address",)

KEEP_HEAD, KEEP_TAIL = 3, 4  # 440***********7319, 138****5678: enough to tell two numbers apart, not to use one

# the patterns read a copy of the text with full-width digits and signs made ASCII (one character for one, so the
# offsets hold); a number is never part of a longer alphanumeric token (an order id, a URL path)
_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {ord("＋"): "+", ord("－"): "-", ord("Ｘ"): "X", ord("　"): " "}
_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID = re.compile(rf"{_EDGE_L}[0-9]{{17}}[0-9Xx]{_EDGE_R}")
_CARD = re.compile(rf"{_EDGE_L}[0-9]{{4}}(?:[ -]?[0-9]{{3,4}}){{2,3}}(?:[ -]?[0-9]{{1,3}})?{_EDGE_R}")
_MOBILE = re.compile(rf"{_EDGE_L}(?:\+?86[ -]?)?1[0-9]{{2}}[ -]?[0-9]{{4}}[ -]?[0-9]{{4}}{_EDGE_R}")
_LONG = re.compile(rf"{_EDGE_L}[0-9](?:[ -]?[0-9]){{14,}}[Xx]?{_EDGE_R}")


def pii_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every identifier found, kind one of `cn_id`, `card`, `mobile`, `long_number`; no two
    overlap (an ID wins over a card, a card over a mobile)."""
    plain = text.translate(_FULLWIDTH)
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(text)

    def add(m: re.Match[str], kind: str) -> None:
        if not any(taken[m.start():m.end()]):
            found.append((m.start(), m.end(), kind))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())

    for m in _ID.finditer(plain):
        if valid_cn_id(m.group()):
            add(m, "cn_id")
    for m in _CARD.finditer(plain):
        if valid_luhn(m.group()):
            add(m, "card")
    for m in _MOBILE.finditer(plain):
        if valid_cn_mobile(m.group()):
            add(m, "mobile")
    for m in _LONG.finditer(plain):
        add(m, "long_number")
    return sorted(found)


def _mask(number: str) -> str:
    """Keep the first KEEP_HEAD and last KEEP_TAIL digits (a +86 prefix does not count), star the rest."""
    digits = [i for i, c in enumerate(number) if c.isdigit() or c in "XxＸ"]
    if number.lstrip("+＋").startswith(("86", "８６")) and len(digits) == 13:
        digits = digits[2:]  # +86 138 1234 5678: the country code is not part of the number
    keep = set(digits[:KEEP_HEAD] + digits[-KEEP_TAIL:]) if len(digits) > KEEP_HEAD + KEEP_TAIL else set()
    at = set(digits)
    return "".join(c if i in keep or i not in at else "*" for i, c in enumerate(number))


def redact(text: str) -> str:
    """`text` with every ID, card and mobile number masked; the result has exactly the length of `text`."""
    if not text:
        return text
    out, pos = [], 0
    for start, end, _ in pii_spans(text):
        out.append(text[pos:start])
        out.append(_mask(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_ranges(text: str, ranges: Iterable[tuple[int, int]], keep: int = 2) -> str:
    """`text` with each [start, end) range starred after its first `keep` characters (an address a rule found:
    住深圳市南山区… -> 住深*******), spaces and punctuation kept; same length, so spans still index it."""
    chars = list(text)
    for start, end in ranges:
        for i in range(max(start, 0) + keep, min(end, len(chars))):
            if chars[i].isalnum():
                chars[i] = "*"
    return "".join(chars)


@lru_cache(maxsize=1)
def _address_patterns() -> tuple[re.Pattern[str], ...]:
    """The address shapes of the lexicon's PERSONAL_DATA_RULES (one definition of an address, in the lexicon)."""
    from .rules.lexicon import load_lexicons

    found = (p for lex in load_lexicons() for r in lex.rules if r.id.startswith(PERSONAL_DATA_RULES) for p in r.regex)
    return tuple(dict.fromkeys(found))


def address_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every street, estate or village address in `text`, whatever its context (a debtor's own
    address is personal data too)."""
    plain = text.translate(_FULLWIDTH)
    return [(m.start(), m.end()) for p in _address_patterns() for m in p.finditer(plain)]


def redact_text(text: str) -> str:
    """`text` with identifiers masked and addresses starred beyond their first characters; same length."""
    if not text:
        return text
    return mask_ranges(redact(text), address_spans(text))


def redact_result(result: Result) -> Result:
    """`result` with its text redacted (`redact_text`, and the spans of PERSONAL_DATA_RULES findings starred) and
    every finding's quoted span taken from that text: what `yuefu score --redact` and `check --redact` write.
    Offsets are unchanged, since masking keeps the length."""
    personal = [(f.span.start, f.span.end) for f in result.findings if f.rule_id.startswith(PERSONAL_DATA_RULES)]
    text = mask_ranges(redact_text(result.text), personal)
    if text == result.text:
        return result
    findings = tuple(replace(f, span=replace(f.span, text=text[f.span.start:f.span.end])) for f in result.findings)
    return replace(result, text=text, findings=findings)
