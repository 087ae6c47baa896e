"""Text normalization with an offset map back to the original text.

Rules and the model see a canonical form of each message (half width, lower case, simplified, obfuscations undone), but
every span we report must index the text the user gave us. So each normalized character remembers the original range
it came from, and `Normalized.to_original` maps any normalized range back.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import ahocorasick
import opencc

from ..resources import RESOURCES_DIR, load_yaml

__all__ = ["Normalized", "Normalizer", "is_cjk"]

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad")
# control characters (but tab and line breaks) and lone surrogates: no meaning to match on, and the tokenizer refuses
# a surrogate. They vanish for matching like zero-width characters; spans still index the original text.
_ASCII_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - frozenset("\t\n\r")


def is_cjk(ch: str) -> bool:
    """True for CJK ideographs (the characters Chinese words are made of)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FFFF or 0xF900 <= o <= 0xFAFF


@dataclass(frozen=True)
class Normalized:
    """A normalized text; char i of `text` came from original[starts[i]:ends[i]]."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized half-open range [start, end) to a half-open range of the original text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"range [{start}, {end}) is outside the normalized text of length {len(self.text)}")
        return self.starts[start], max(self.ends[start:end])


class _Builder:
    """Accumulates output characters with their source ranges in the *original* text."""

    __slots__ = ("chars", "starts", "ends")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, s: str, start: int, end: int) -> None:
        for ch in s:
            self.chars.append(ch)
            self.starts.append(start)
            self.ends.append(end)


class Normalizer:
    """Canonicalises text for matching. Immutable after construction, so one instance can serve many threads."""

    def __init__(self, tables_path: Path | None = None) -> None:
        path = tables_path or RESOURCES_DIR / "obfuscations.yaml"
        with open(path, encoding="utf-8") as fh:
            tables = load_yaml(fh)
        self._radicals: Mapping[str, str] = tables["radicals"]
        self._separators = frozenset(tables["separators"])
        self._max_run: int = int(tables["separator_max_run"])
        self._t2s = opencc.OpenCC("t2s")
        self._latin_re, self._latin_map = self._compile_latin(tables["latin"], tables["latin_separators"])
        self._homophones = ahocorasick.Automaton()
        for key, value in tables["homophones"].items():
            self._homophones.add_word(str(key), (str(key), str(value)))
        self._homophones.make_automaton()

    @staticmethod
    def _compile_latin(table: Mapping[str, str], seps: str) -> tuple[re.Pattern[str], dict[str, str]]:
        sep_class = "[" + re.escape(seps) + "]{0,2}"
        alternatives = []
        lookup: dict[str, str] = {}
        for abbr, canon in sorted(table.items(), key=lambda kv: -len(str(kv[0]))):
            letters = str(abbr).replace(" ", "")
            lookup[letters] = str(canon)
            alternatives.append(sep_class.join(re.escape(c) for c in letters))
        pattern = r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z])"
        return re.compile(pattern), lookup

    @lru_cache(maxsize=65536)  # noqa: B019 - the instance lives as long as the cache; chars are few
    def _fold(self, ch: str) -> str:
        if ch in _ZERO_WIDTH or "\x80" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff":
            return ""
        if ch in self._radicals:
            return self._radicals[ch]
        folded = unicodedata.normalize("NFKC", ch).lower()
        return "".join(self._radicals.get(c, c) for c in folded)

    def normalize(self, text: str) -> Normalized:
        """Return the canonical form of `text` with its offset map. Raises TypeError for non-strings."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        # 1. width, case, compatibility and radical forms; zero-width and control characters vanish.
        b = _Builder()
        for i, ch in enumerate(text):
            if ch in _ASCII_CONTROL:
                continue
            b.add(self._fold(ch) if ord(ch) > 0x7F or "A" <= ch <= "Z" else ch, i, i + 1)
        # 2. traditional -> simplified (OpenCC). It is length-preserving in practice; fall back per char if not.
        folded = "".join(b.chars)
        if any(ord(c) > 0x2E7F for c in folded):
            simplified = self._t2s.convert(folded)
            if len(simplified) != len(folded):
                simplified = "".join(self._t2s.convert(c) if len(self._t2s.convert(c)) == 1 else c for c in folded)
            b.chars = list(simplified)
        b = self._drop_separators(b)
        b = self._expand_latin(b)
        b = self._map_homophones(b)
        return Normalized(text, "".join(b.chars), tuple(b.starts), tuple(b.ends))

    def _drop_separators(self, b: _Builder) -> _Builder:
        """Remove short separator runs inside Chinese words (傻*逼, 老 赖); keep every other character."""
        chars, n = b.chars, len(b.chars)
        if not any(c in self._separators for c in chars):
            return b
        out = _Builder()
        i = 0
        while i < n:
            c = chars[i]
            if c in self._separators and out.chars and is_cjk(out.chars[-1]):
                j = i
                while j < n and chars[j] in self._separators:
                    j += 1
                if j - i <= self._max_run and j < n and is_cjk(chars[j]):
                    i = j
                    continue
                for k in range(i, j):
                    out.chars.append(chars[k])
                    out.starts.append(b.starts[k])
                    out.ends.append(b.ends[k])
                i = j
                continue
            out.chars.append(c)
            out.starts.append(b.starts[i])
            out.ends.append(b.ends[i])
            i += 1
        return out

    def _replace(self, b: _Builder, spans: list[tuple[int, int, str]]) -> _Builder:
        """Replace non-overlapping normalized ranges with new strings, mapping each new char to the source range."""
        out = _Builder()
        pos = 0
        for start, end, new in spans:
            for k in range(pos, start):
                out.chars.append(b.chars[k])
                out.starts.append(b.starts[k])
                out.ends.append(b.ends[k])
            if len(new) == end - start:  # same length: keep the finer per-character map
                for k, ch in enumerate(new):
                    out.chars.append(ch)
                    out.starts.append(b.starts[start + k])
                    out.ends.append(b.ends[start + k])
            else:
                out.add(new, b.starts[start], max(b.ends[start:end]))
            pos = end
        for k in range(pos, len(b.chars)):
            out.chars.append(b.chars[k])
            out.starts.append(b.starts[k])
            out.ends.append(b.ends[k])
        return out

    def _expand_latin(self, b: _Builder) -> _Builder:
        text = "".join(b.chars)
        if not any("a" <= c <= "z" or c == "2" for c in text):
            return b
        spans = []
        for m in self._latin_re.finditer(text):
            letters = "".join(c for c in m.group(0) if c.isalnum())
            canon = self._latin_map.get(letters)
            if canon:
                spans.append((m.start(), m.end(), canon))
        return self._replace(b, spans) if spans else b

    def _map_homophones(self, b: _Builder) -> _Builder:
        text = "".join(b.chars)
        spans = []
        for end_idx, (key, value) in self._homophones.iter_long(text):
            start = end_idx - len(key) + 1
            if key != value:
                spans.append((start, end_idx + 1, value))
        return self._replace(b, spans) if spans else b
