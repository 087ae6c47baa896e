"""Find rule hits in normalized text.

All keywords of one lexicon live in one Aho-Corasick automaton, so matching costs one pass over the text per lexicon
however many terms there are; regexes are kept for the few rules that need structure (slots, digits).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping, Sequence

import ahocorasick

from ..text.normalize import Normalized
from .gates import Gate, MatchContext, NegationCues, NegationGate, ReportedSpeech, ReportedSpeechGate
from .lexicon import Lexicon, Rule

try:  # Python >= 3.11
    import re._constants as _sre_c
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = ["RuleHit", "RuleMatcher", "first_chars"]


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


class RuleMatcher:
    """Applies lexicons to normalized text. Immutable after construction.

    Each rule's gates are its own (rule.gates) plus the shared ones whose settings the matcher is given: the negation
    gate for rules with `negation: true`, and the reported-speech gate for every rule when `reported` is given.
    """

    def __init__(
        self, lexicons: Sequence[Lexicon], negation: NegationCues, reported: ReportedSpeech | None = None
    ) -> None:
        self.lexicons = tuple(lexicons)
        self.rules: tuple[Rule, ...] = tuple(r for lex in self.lexicons for r in lex.rules)
        negation_gate = NegationGate(negation)
        shared: tuple[Gate, ...] = (ReportedSpeechGate(reported),) if reported is not None else ()
        # cheapest first: a hit most gates reject never costs a segmentation
        self.gates: Mapping[str, tuple[Gate, ...]] = MappingProxyType({
            rule.id: tuple(sorted((*rule.gates, *((negation_gate,) if rule.negation else ()), *shared),
                                  key=lambda g: g.order))
            for rule in self.rules
        })
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

    def candidates(self, text: str) -> list[RuleHit]:
        """Every keyword and regex match, before any gate."""
        found: list[RuleHit] = []
        for auto in self._automata:
            for end_idx, (length, rules) in auto.iter(text):
                start = end_idx + 1 - length
                for rule in rules:
                    found.append(RuleHit(rule, start, end_idx + 1))
        chars = set(text)
        for rule, pat, first in self._regex_rules:
            if first is not None and chars.isdisjoint(first):
                continue
            for m in pat.finditer(text):
                if m.end() > m.start():
                    found.append(RuleHit(rule, m.start(), m.end()))
        return found

    def match(
        self, norm: Normalized, boundaries: Callable[[], frozenset[int]] | None = None, message: str = ""
    ) -> list[RuleHit]:
        """The candidates that pass every gate of their rule, without hits nested in a longer hit of the same rule.
        `boundaries` lazily gives token boundaries for the word-boundary gate; `message` is every judged turn of the
        message, normalized, for message-wide context ("" when `norm` is the whole message)."""
        if not norm.text:
            return []
        ctx = MatchContext(norm.text, boundaries, message)
        kept = [
            hit for hit in self.candidates(norm.text)
            if all(gate.passes(hit.start, hit.end, ctx) for gate in self.gates[hit.rule.id])
        ]
        return _drop_nested(kept)


def _drop_nested(hits: list[RuleHit]) -> list[RuleHit]:
    """Per rule, keep only hits not contained in a longer hit of the same rule."""
    hits.sort(key=lambda h: (h.rule.id, h.start, -(h.end - h.start)))
    out: list[RuleHit] = []
    for h in hits:
        if out and out[-1].rule.id == h.rule.id and out[-1].start <= h.start and h.end <= out[-1].end:
            continue
        out.append(h)
    return out
