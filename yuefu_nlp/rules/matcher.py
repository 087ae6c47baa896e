"""Find rule hits in normalized text.

All keywords of one lexicon live in one Aho-Corasick automaton, so matching costs one pass over the text per lexicon
however many terms there are; regexes are kept for the few rules that need structure (slots, digits).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import ahocorasick

from ..text.normalize import Normalized
from .lexicon import Gate, Lexicon, NegationCues, ReportedSpeech, Rule
from .validators import VALIDATORS

try:  # Python >= 3.11
    import re._constants as _sre_c
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = ["RuleHit", "RuleMatcher", "CLAUSE_END", "first_chars"]

CLAUSE_END = frozenset(",，。.!！?？;；\n\r")


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired on normalized text [start, end)."""

    rule: Rule
    start: int
    end: int


_ZERO_WIDTH_OPS = {_sre_c.AT, _sre_c.ASSERT, _sre_c.ASSERT_NOT}


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters any match of `pattern` must start with, or None when that set is open (classes, ranges, ...)."""
    try:
        found = _first(_sre_parse.parse(pattern))
    except Exception:  # noqa: BLE001 - an unusual construct just disables the prefilter
        return None
    return frozenset(found) if found else None


def _first(parsed) -> set[str] | None:  # type: ignore[no-untyped-def]
    """First-character set of a parsed sequence; optional leading items add their own first characters."""
    acc: set[str] = set()
    for op, av in parsed:
        if op in _ZERO_WIDTH_OPS:
            continue
        if op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT):
            lo, _hi, item = av
            sub = _first(item)
            if sub is None:
                return None
            acc |= sub
            if lo >= 1:
                return acc
            continue
        sub = _first_of_item(op, av)
        if sub is None:
            return None
        if sub == {""}:  # an item that can match empty (e.g. an optional group inside a subpattern)
            continue
        return acc | sub
    return None  # the whole pattern can match the empty string


def _first_of_item(op, av) -> set[str] | None:  # type: ignore[no-untyped-def]
    if op is _sre_c.LITERAL:
        return {chr(av)}
    if op is _sre_c.IN:
        out: set[str] = set()
        for iop, iav in av:
            if iop is _sre_c.LITERAL:
                out.add(chr(iav))
            elif iop is _sre_c.RANGE and iav[1] - iav[0] < 128:
                out.update(chr(c) for c in range(iav[0], iav[1] + 1))
            else:
                return None
        return out
    if op is _sre_c.BRANCH:
        out = set()
        for branch in av[1]:
            sub = _first(branch)
            if sub is None:
                return None
            out |= sub
        return out
    if op is _sre_c.SUBPATTERN:
        return _first(av[-1])
    return None


def _clause_start(text: str, pos: int) -> int:
    i = pos - 1
    while i >= 0 and text[i] not in CLAUSE_END:
        i -= 1
    return i + 1


def _clause_end(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] not in CLAUSE_END:
        pos += 1
    return pos


class RuleMatcher:
    """Applies lexicons to normalized text. Immutable after construction."""

    def __init__(
        self, lexicons: Sequence[Lexicon], negation: NegationCues, reported: ReportedSpeech | None = None
    ) -> None:
        self.lexicons = tuple(lexicons)
        self._reported = reported
        self.rules: tuple[Rule, ...] = tuple(r for lex in self.lexicons for r in lex.rules)
        self._negation = negation
        self._automata: list[ahocorasick.Automaton] = []
        for lex in self.lexicons:
            table: dict[str, list[Rule]] = {}
            for rule in lex.rules:
                for kw in rule.keywords:
                    table.setdefault(kw, []).append(rule)
            if table:
                auto = ahocorasick.Automaton()
                for kw, rules in table.items():
                    auto.add_word(kw, (len(kw), tuple(rules)))
                auto.make_automaton()
                self._automata.append(auto)
        # A regex runs only when its possible first characters occur in the text: most messages skip most regexes.
        self._regex_rules: tuple[tuple[Rule, re.Pattern[str], frozenset[str] | None], ...] = tuple(
            (rule, pat, first_chars(pat.pattern)) for rule in self.rules for pat in rule.regex
        )

    def match(self, norm: Normalized, boundaries: Callable[[], frozenset[int]] | None = None) -> list[RuleHit]:
        """All hits that pass their rule's gates. `boundaries` lazily gives token boundaries for whole_word rules."""
        text = norm.text
        if not text:
            return []
        candidates: list[RuleHit] = []
        for auto in self._automata:
            for end_idx, (length, rules) in auto.iter(text):
                start = end_idx + 1 - length
                for rule in rules:
                    candidates.append(RuleHit(rule, start, end_idx + 1))
        chars = set(text)
        for rule, pat, first in self._regex_rules:
            if first is not None and chars.isdisjoint(first):
                continue
            for m in pat.finditer(text):
                if m.end() > m.start():
                    candidates.append(RuleHit(rule, m.start(), m.end()))
        if not candidates:
            return []
        bounds: frozenset[int] | None = None
        kept: list[RuleHit] = []
        for hit in candidates:
            rule = hit.rule
            if rule.validator and not VALIDATORS[rule.validator](text[hit.start:hit.end]):
                continue
            if rule.context and not self._gate_hit(text, hit, rule.context):
                continue
            if rule.unless and self._gate_hit(text, hit, rule.unless, include_hit=True):
                continue
            if rule.negation and self._negated(text, hit.start):
                continue
            if self._reported is not None and self._is_reported(text, hit):
                continue
            if rule.whole_word:
                if bounds is None:
                    bounds = boundaries() if boundaries else frozenset({0, len(text)})
                if hit.start not in bounds or hit.end not in bounds:
                    continue
            kept.append(hit)
        return _drop_nested(kept)

    @staticmethod
    def _gate_hit(text: str, hit: RuleHit, gate: Gate, include_hit: bool = False) -> bool:
        """Whether a gate term occurs near the hit. A context term must lie outside the hit (else every hit would
        carry its own context); a veto term may overlap it ("不构成" vetoes the hit "构成犯罪")."""
        if gate.window == 0:
            region = text
        elif include_hit:
            region = text[max(0, hit.start - gate.window):hit.end + gate.window]
        else:
            region = text[max(0, hit.start - gate.window):hit.start] + "\x00" + text[hit.end:hit.end + gate.window]
        return any(term in region for term in gate.terms)

    def _negated(self, text: str, start: int) -> bool:
        clause = _clause_start(text, start)
        region = text[max(clause, start - self._negation.window):start]
        if not any(cue in region for cue in self._negation.cues):
            return False
        # "别以为我们不会上门" is a threat: a cancelling phrase before the cue undoes the negation.
        before = text[clause:start]
        return not any(o in before for o in self._negation.overrides)


    def _is_reported(self, text: str, hit: RuleHit) -> bool:
        """Quoted or reported collector speech ("催收说“…”", "催收人员在微信里说要…") is evidence, not abuse."""
        rs = self._reported
        assert rs is not None
        sentence_start = hit.start - 1
        while sentence_start >= 0 and text[sentence_start] not in "。!！?？\n":
            sentence_start -= 1
        sentence_start += 1
        before = text[max(sentence_start, hit.start - rs.reporter_window):hit.start]
        if rs.reporter.search(before):
            return True
        for opening, closing in rs.quote_pairs:
            q = text.rfind(opening, 0, hit.start) if opening != closing else _open_symmetric(text, opening, hit.start)
            if q < 0 or (opening != closing and text.find(closing, q + 1, hit.start) >= 0):
                continue
            if text.find(closing, hit.end) < 0:
                continue
            intro = text[max(0, q - rs.introducer_window):q]
            if any(word in intro for word in rs.introducers):
                return True
        return False


def _open_symmetric(text: str, mark: str, pos: int) -> int:
    """Index of an unclosed symmetric quote mark (") before pos, or -1."""
    idx = [i for i in range(pos) if text[i] == mark]
    return idx[-1] if len(idx) % 2 == 1 else -1


def _drop_nested(hits: list[RuleHit]) -> list[RuleHit]:
    """Per rule, keep only hits not contained in a longer hit of the same rule."""
    hits.sort(key=lambda h: (h.rule.id, h.start, -(h.end - h.start)))
    out: list[RuleHit] = []
    for h in hits:
        if out and out[-1].rule.id == h.rule.id and out[-1].start <= h.start and h.end <= out[-1].end:
            continue
        out.append(h)
    return out
