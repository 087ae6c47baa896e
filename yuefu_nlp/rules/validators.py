"""Checksums that separate real-looking identifiers from random digit strings."""
from __future__ import annotations

import re
from datetime import date

__all__ = ["id_check_digit", "luhn_check_digit", "valid_cn_id", "valid_luhn", "valid_cn_mobile", "VALIDATORS"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of a resident ID (ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial + digit` pass the Luhn check."""
    total = 0
    for i, c in enumerate(reversed(partial)):
        d = int(c)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def valid_cn_id(s: str) -> bool:
    """18-digit resident identity number: GB 11643 check digit and a real birth date."""
    s = s.upper()
    if len(s) != 18 or not s[:17].isdigit() or s[17] not in "0123456789X":
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2030:
        return False
    return id_check_digit(s[:17]) == s[17]


def valid_luhn(s: str) -> bool:
    """Bank card number (16-19 digits) passing the Luhn check."""
    digits = [c for c in s if c.isdigit()]
    if not 16 <= len(digits) <= 19:
        return False
    return luhn_check_digit("".join(digits[:-1])) == digits[-1]


def valid_cn_mobile(s: str) -> bool:
    """Mainland mobile number: 11 digits starting 13-19 (separators such as spaces or dashes ignored)."""
    digits = "".join(c for c in s if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return bool(_MOBILE.fullmatch(digits))


VALIDATORS = {"cn_id": valid_cn_id, "luhn": valid_luhn, "cn_mobile": valid_cn_mobile}
