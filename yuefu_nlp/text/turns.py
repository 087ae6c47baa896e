"""Speaker turns of a call transcript.

A transcript is one text with one turn per line, each line starting with its speaker: a role we know (`催收员：…` /
`客户：…`, domain.py), a label the user's role map names, or an anonymous label a speech-to-text engine wrote
(`说话人1：`, `spk0:`, `SPEAKER_00:`, `A：`/`B：`), optionally after a timestamp (`[00:01:02]`, `00:01:02.120`, `(00:01)`,
`[1.23s]`). Parsing gives anonymous speakers no role; `text.roles` decides which one is the collector. Only collector
turns are judged: a customer swearing at the collector is not a collection abuse. Turn ranges index the full text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from ..domain import ANONYMOUS_SPEAKERS, COLLECTOR_PREFIXES, CUSTOMER_PREFIXES, LETTER_SPEAKER, Role

__all__ = ["Turn", "split_turns", "line_speakers", "speaker_role", "speaker_key", "PREFIX_RE"]

_LEAD = r"^[ \t\u3000\ufeff\u200b-\u200f\u2060]*"  # blanks, and a BOM or zero-width mark an export left before it
_LOOSE_TIME = r"\[?[0-9:：.\- ]{0,12}\]?"  # what the built-in prefixes always accepted before them ([00:01:23], "1. ")
_KNOWN = "|".join(re.escape(p) for p in sorted(COLLECTOR_PREFIXES + CUSTOMER_PREFIXES, key=len, reverse=True))
_COLON = r"[ \t]*[:：][ \t\u3000]*"

# The built-in prefixes alone, as they always were: corpus/splits.py strips them before near-duplicate detection.
PREFIX_RE = re.compile(
    _LEAD + r"(?:" + _LOOSE_TIME + r"[ \t]*)?" + r"(?P<speaker>" + _KNOWN + r")[A-Za-z0-9]{0,3}" + _COLON, re.IGNORECASE
)

_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"  # 01:02, 00:01:02, 00:01:02.120, 00:01:02,120
_STAMP = r"(?:" + _CLOCK + r"|\d+(?:\.\d+)?\s?s)"  # or seconds: 1.23s
_TIME = (  # [00:01:02], (00:01), [1.23s], 【00:01:02 --> 00:01:05】, or a bare 00:01:02.120
    r"(?:[\[(（【]\s*(?P<time>" + _STAMP + r"(?:\s*(?:-->|->|-|~|–|—)\s*" + _STAMP + r")?)\s*[\])）】]"
    r"|(?P<bare_time>" + _CLOCK + r"))"
)


@dataclass(frozen=True)
class Turn:
    """One speaker turn; text[start:end] is its content (the prefix excluded). `time` is the timestamp written before
    the speaker, without its brackets ("00:01:02", "1.23s"; "" when there is none)."""

    speaker: str
    role: Role
    start: int
    end: int
    time: str = ""

    @property
    def judged(self) -> bool:
        """Whether findings may come from this turn (everything except customer turns)."""
        return self.role is not Role.CUSTOMER


def speaker_key(label: str) -> str:
    """How two spellings of one speaker compare: no blanks, case-folded ("说话人 1" == "说话人1", "spk0" == "SPK0")."""
    return re.sub(r"\s+", "", label).casefold()


def speaker_role(speaker: str) -> Role:
    """The role of a built-in speaker prefix (case-insensitive); UNKNOWN for a name that is in neither list."""
    low = speaker.lower()
    if any(low == p.lower() for p in COLLECTOR_PREFIXES):
        return Role.COLLECTOR
    if any(low == p.lower() for p in CUSTOMER_PREFIXES):
        return Role.CUSTOMER
    return Role.UNKNOWN


def line_speakers(text: str) -> list[str]:
    """The built-in speaker prefix of every line that has one, in order."""
    return [m.group("speaker") for line in text.splitlines() if (m := PREFIX_RE.match(line))]


@lru_cache(maxsize=32)
def _grammar(mapped: tuple[str, ...]) -> re.Pattern[str]:
    """The line grammar: a timestamp (strict, or the loose form the built-in prefixes accepted), then a speaker: a
    role-map label, a built-in prefix (with up to three letters or digits after it: 坐席2), an anonymous label, or a
    single capital letter."""
    names = "|".join(re.escape(k) for k in sorted(mapped, key=len, reverse=True)) or r"(?!)"
    return re.compile(
        _LEAD + r"(?:(?:" + _TIME + r"|" + _LOOSE_TIME + r")[ \t]*)?"
        r"(?:(?P<mapped>" + names + r")|(?P<speaker>" + _KNOWN + r")[A-Za-z0-9]{0,3}"
        r"|(?P<anon>" + "|".join(ANONYMOUS_SPEAKERS) + r")|(?-i:(?P<letter>" + LETTER_SPEAKER + r")))" + _COLON,
        re.IGNORECASE,
    )


def split_turns(text: str, roles: Mapping[str, Role] | None = None) -> list[Turn]:
    """Split `text` into turns. A text with fewer than two prefixed lines is one turn of unknown role (judged, like an
    SMS): a single "用户：张三，您已逾期" salutation must not turn a collector's SMS into an unjudged customer turn.

    `roles` maps speaker labels (compared by `speaker_key`) to roles; they count as prefixes too. Anonymous speakers it
    does not name come back with role UNKNOWN: `text.roles.speaker_turns` decides who they are. Single capital
    letters (A：/B：) are speakers only when at least two different ones start lines. Lines without a prefix continue
    the turn above them; text before the first prefix is a turn of unknown role.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    role_map = {speaker_key(k): v for k, v in (roles or {}).items()}
    grammar = _grammar(tuple(sorted(role_map)))
    lines = text.splitlines(keepends=True)
    found = [grammar.match(line) for line in lines]
    if len({m.group("letter") for m in found if m and m.group("letter")}) < 2:
        found = [None if m and m.group("letter") else m for m in found]
    if sum(1 for m in found if m) < 2:
        return [Turn("", Role.UNKNOWN, 0, len(text))] if text else []
    turns: list[Turn] = []
    speaker, role, start, time = "", Role.UNKNOWN, 0, ""
    pos = 0
    for line, m in zip(lines, found):
        if m:
            if pos > start and text[start:pos].strip():
                turns.append(Turn(speaker, role, start, _rstrip_end(text, start, pos), time))
            speaker, role = _speaker(m, role_map)
            start, time = pos + m.end(), (m.group("time") or m.group("bare_time") or "").strip()
        pos += len(line)
    if pos > start and text[start:pos].strip():
        turns.append(Turn(speaker, role, start, _rstrip_end(text, start, pos), time))
    return turns


def _speaker(m: re.Match[str], role_map: Mapping[str, Role]) -> tuple[str, Role]:
    """The speaker label of a prefixed line and its role: the role map's, a built-in prefix's, or UNKNOWN."""
    if m.group("speaker"):
        label = m.group("speaker")
        return label, role_map.get(speaker_key(label), speaker_role(label))
    label = re.sub(r"\s+", "", m.group("mapped") or m.group("anon") or m.group("letter"))
    return label, role_map.get(speaker_key(label), Role.UNKNOWN)


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return end
