"""Speaker turns of a call transcript.

A transcript is one text with one turn per line, each prefixed by its speaker (`催收员：…` / `客户：…`). Only collector
turns are judged: a customer swearing at the collector is not a collection abuse. Turn ranges index the full text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain import COLLECTOR_PREFIXES, CUSTOMER_PREFIXES, Role

__all__ = ["Turn", "split_turns", "line_speakers", "speaker_role", "PREFIX_RE"]

PREFIX_RE = re.compile(
    r"^[ \t\u3000\ufeff\u200b-\u200f\u2060]*"  # blanks, and a BOM or zero-width mark an export left before the prefix
    r"(?:\[?[0-9:：.\- ]{0,12}\]?[ \t]*)?"  # optional timestamp such as [00:01:23]
    r"(?P<speaker>" + "|".join(re.escape(p) for p in sorted(COLLECTOR_PREFIXES + CUSTOMER_PREFIXES, key=len, reverse=True))
    + r")[A-Za-z0-9]{0,3}[ \t]*[:：][ \t\u3000]*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Turn:
    """One speaker turn; text[start:end] is its content (the prefix excluded)."""

    speaker: str
    role: Role
    start: int
    end: int

    @property
    def judged(self) -> bool:
        """Whether findings may come from this turn (everything except customer turns)."""
        return self.role is not Role.CUSTOMER


def speaker_role(speaker: str) -> Role:
    """The role of a speaker prefix (case-insensitive); UNKNOWN for a name that is in neither list."""
    low = speaker.lower()
    if any(low == p.lower() for p in COLLECTOR_PREFIXES):
        return Role.COLLECTOR
    if any(low == p.lower() for p in CUSTOMER_PREFIXES):
        return Role.CUSTOMER
    return Role.UNKNOWN


def line_speakers(text: str) -> list[str]:
    """The speaker prefix of every line that has one, in order (what `split_turns` recognises)."""
    return [m.group("speaker") for line in text.splitlines() if (m := PREFIX_RE.match(line))]


def split_turns(text: str) -> list[Turn]:
    """Split `text` into turns. A text with fewer than two prefixed lines is one turn of unknown role (judged, like an
    SMS): a single "用户：张三，您已逾期" salutation must not turn a collector's SMS into an unjudged customer turn.

    Lines without a prefix continue the turn above them; text before the first prefix is a turn of unknown role.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    turns: list[Turn] = []
    speaker, role, start = "", Role.UNKNOWN, 0
    pos = 0
    found = 0
    for line in text.splitlines(keepends=True):
        m = PREFIX_RE.match(line)
        if m:
            found += 1
            if pos > start and text[start:pos].strip():
                turns.append(Turn(speaker, role, start, _rstrip_end(text, start, pos)))
            speaker = m.group("speaker")
            role = speaker_role(speaker)
            start = pos + m.end()
        pos += len(line)
    if found < 2:
        return [Turn("", Role.UNKNOWN, 0, len(text))] if text else []
    if pos > start and text[start:pos].strip():
        turns.append(Turn(speaker, role, start, _rstrip_end(text, start, pos)))
    return turns


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return end
