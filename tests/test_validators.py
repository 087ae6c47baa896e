from __future__ import annotations

import pytest

from yuefu_nlp.rules.validators import valid_cn_id, valid_cn_mobile, valid_luhn


@pytest.mark.parametrize("s, ok", [
    ("11010519491231002X", True),
    ("11010519491231002x", True),
    ("110105194912310021", False),  # wrong check digit
    ("110105194913310029", False),  # month 13
    ("11010519491231002", False),
])
def test_cn_id(s, ok):
    assert valid_cn_id(s) is ok


@pytest.mark.parametrize("s, ok", [
    ("6217 0000 1000 0000 004", False),
    ("4111111111111111", True),
    ("4111111111111112", False),
    ("6217 0000 1000 0000 003", True),
    ("411111111111", False),  # too short for a bank card
])
def test_luhn(s, ok):
    assert valid_luhn(s) is ok


@pytest.mark.parametrize("s, ok", [
    ("13812345678", True), ("+86 138-1234-5678", True), ("12812345678", False), ("4001234567", False),
])
def test_mobile(s, ok):
    assert valid_cn_mobile(s) is ok
