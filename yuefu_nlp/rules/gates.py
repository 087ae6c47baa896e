"""Gates: filters that decide whether a candidate hit becomes a finding.

Every gate has one signature, `passes(start, end, ctx)`, over the normalized text's hit [start, end), and is a pure
filter, so the order they run in never changes the result. The matcher runs a rule's gates by `order`, cheapest first
(the word-boundary gate needs the jieba segmentation of the whole text).

A rule's own fields build its gates (`rule_gates`, called by the loader); the gates whose settings live in a shared file
(negation.yaml, reported_speech.yaml) are added by the matcher, which is given those settings.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Callable, ClassVar, Mapping, Protocol, Sequence

from .validators import VALIDATORS

__all__ = [
    "MatchContext", "Gate", "ChecksumGate", "ContextGate", "UnlessGate", "NegationGate", "ReportedSpeechGate",
    "WordBoundaryGate", "MessageContextGate", "GATE_TYPES", "NegationCues", "ReportedSpeech", "rule_gates", "CLAUSE_END",
]

CLAUSE_END = frozenset(",，。.!！?？;；\n\r")
SENTENCE_END = frozenset("。!！?？\n")


@dataclass(frozen=True)
class MatchContext:
    """One normalized text as the gates see it. Token boundaries are computed on first use only: most texts have no
    hit of a whole-word rule, and segmenting is the slowest step.

    What a gate looks for beyond its hit (a sentence end, a quotation mark, a term anywhere) is found once per text
    by `where` and looked up per hit with a bisect: a gate that scanned the text per hit made matching quadratic in
    the number of hits ('傻逼' * 20000)."""

    text: str
    boundaries_of: Callable[[], frozenset[int]] | None = None
    message: str = ""  # every judged turn of the message, normalized ("" = `text` is the whole message)
    _where: dict[str | frozenset[str], tuple[int, ...]] = field(default_factory=dict, init=False, repr=False,
                                                                compare=False)

    @cached_property
    def boundaries(self) -> frozenset[int]:
        return self.boundaries_of() if self.boundaries_of else frozenset({0, len(self.text)})

    @cached_property
    def whole_message(self) -> MatchContext:
        """The message's judged turns as a context of their own (this one when `text` is the whole message)."""
        return MatchContext(self.message) if self.message else self

    def where(self, needle: str | frozenset[str]) -> tuple[int, ...]:
        """Ascending start of every occurrence in the text of `needle`: a string (overlapping occurrences included,
        as `str.find` sees them) or any one character of a set."""
        found = self._where.get(needle)
        if found is None:
            absent = isinstance(needle, str) and needle not in self.text  # the common case, and the cheap one
            found = () if absent else tuple(m.start() for m in _needle_pattern(needle).finditer(self.text))
            self._where[needle] = found
        return found

    def span_start(self, ends: frozenset[str], pos: int) -> int:
        """Start of the span (clause, sentence) holding position pos, spans being cut after any character of `ends`."""
        return _last_below(self.where(ends), pos) + 1


class Gate(Protocol):
    """A filter on a candidate hit. `order` ranks gates by cost; `enabled_by` says what adds it to a rule (docs)."""

    order: ClassVar[int]
    enabled_by: ClassVar[str]

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool: ...


@dataclass(frozen=True)
class NegationCues:
    """Cues that cancel a hit they precede in the same clause; `overrides` (别以为…) cancel the cancelling."""

    cues: tuple[str, ...]
    window: int
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportedSpeech:
    """How to recognise quoted or reported collector speech (complaints, news, training material)."""

    quote_pairs: tuple[tuple[str, str], ...]
    introducers: tuple[str, ...]
    introducer_window: int
    reporter: re.Pattern[str]
    reporter_window: int


@dataclass(frozen=True)
class _TermsNearHit:
    """Terms looked for within `window` normalized characters of a hit, before or after it (0 = anywhere)."""

    terms: tuple[str, ...]
    window: int

    def _found(self, ctx: MatchContext, start: int, end: int, include_hit: bool) -> bool:
        w, text = self.window, ctx.text
        if w == 0:
            return any(ctx.where(term) for term in self.terms)
        if include_hit:
            region = text[max(0, start - w):end + w]
        else:  # "\x00" keeps a term from matching across the cut-out hit
            region = text[max(0, start - w):start] + "\x00" + text[end:end + w]
        return any(term in region for term in self.terms)


@dataclass(frozen=True)
class ChecksumGate:
    """The hit must pass an identifier checksum: a random digit string is not a phone, ID or card number."""

    order: ClassVar[int] = 0
    enabled_by: ClassVar[str] = "`validator`"
    validator: str

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        return VALIDATORS[self.validator](ctx.text[start:end])


@dataclass(frozen=True)
class ContextGate(_TermsNearHit):
    """At least one term must occur within `window` characters of the hit, outside it (else every hit would carry its
    own context)."""

    order: ClassVar[int] = 1
    enabled_by: ClassVar[str] = "`context`"

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        return self._found(ctx, start, end, include_hit=False)


@dataclass(frozen=True)
class MessageContextGate:
    """At least one term must occur somewhere in the message's judged turns: in a call, the debt the collector stated
    two turns earlier is the context that makes "你孩子在实验小学三年级二班吧" a threat."""

    terms: tuple[str, ...]
    order: ClassVar[int] = 2
    enabled_by: ClassVar[str] = "`context_in_message`"

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        return any(ctx.whole_message.where(term) for term in self.terms)


@dataclass(frozen=True)
class UnlessGate(_TermsNearHit):
    """No term may occur within `window` characters of the hit; a veto term may overlap the hit ("不构成" vetoes the
    hit "构成犯罪")."""

    order: ClassVar[int] = 3
    enabled_by: ClassVar[str] = "`unless`"

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        return not self._found(ctx, start, end, include_hit=True)


@dataclass(frozen=True)
class NegationGate:
    """No negation cue may precede the hit in its clause within the cues' window, unless an override ("别以为…")
    precedes the cue: "别以为我们不会上门" is a threat."""

    order: ClassVar[int] = 4
    enabled_by: ClassVar[str] = "`negation` (default true), cues from negation.yaml"
    negation: NegationCues

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        clause = ctx.span_start(CLAUSE_END, start)
        region = ctx.text[max(clause, start - self.negation.window):start]
        if not any(cue in region for cue in self.negation.cues):
            return True
        return any(_occurs_within(ctx, o, clause, start) for o in self.negation.overrides)


@dataclass(frozen=True)
class ReportedSpeechGate:
    """The hit must not be quoted or reported collector speech ("催收说“…”", "催收人员在微信里说要…"): a complaint
    that quotes abuse is evidence, not abuse."""

    order: ClassVar[int] = 5
    enabled_by: ClassVar[str] = "every rule, when the matcher is given reported_speech.yaml"
    reported: ReportedSpeech

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        text, rs = ctx.text, self.reported
        sentence_start = ctx.span_start(SENTENCE_END, start)
        if rs.reporter.search(text[max(sentence_start, start - rs.reporter_window):start]):
            return False
        for opening, closing in rs.quote_pairs:
            q = _last_within(ctx, opening, 0, start) if opening != closing else _open_symmetric(ctx, opening, start)
            if q < 0 or (opening != closing and _occurs_within(ctx, closing, q + 1, start)):
                continue
            if not _occurs_within(ctx, closing, end, len(text)):
                continue
            intro = text[max(0, q - rs.introducer_window):q]
            if any(word in intro for word in rs.introducers):
                return False
        return True


@dataclass(frozen=True)
class WordBoundaryGate:
    """The hit must start and end on token boundaries, so that a short term (狗) does not fire inside a word (热狗)."""

    order: ClassVar[int] = 6
    enabled_by: ClassVar[str] = "`whole_word: true`"

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        bounds = ctx.boundaries
        return start in bounds and end in bounds


@cache
def _needle_pattern(needle: str | frozenset[str]) -> re.Pattern[str]:
    """A regex matching at the start of every occurrence of a string (overlaps included) or of a set's characters."""
    if isinstance(needle, frozenset):
        return re.compile("[" + "".join(re.escape(c) for c in sorted(needle)) + "]")
    return re.compile("(?=" + re.escape(needle) + ")")


def _last_below(positions: Sequence[int], pos: int) -> int:
    """The last of the ascending `positions` below pos, or -1."""
    i = bisect_left(positions, pos)
    return positions[i - 1] if i else -1


def _last_within(ctx: MatchContext, needle: str, lo: int, hi: int) -> int:
    """Start of the last occurrence of needle inside text[lo:hi], or -1 (`text.rfind(needle, lo, hi)`)."""
    last = _last_below(ctx.where(needle), hi - len(needle) + 1)
    return last if last >= lo else -1


def _occurs_within(ctx: MatchContext, needle: str, lo: int, hi: int) -> bool:
    """Whether needle occurs inside text[lo:hi] (`needle in text[lo:hi]`)."""
    return _last_within(ctx, needle, lo, hi) >= 0


def _open_symmetric(ctx: MatchContext, mark: str, pos: int) -> int:
    """Index of an unclosed symmetric quote mark (") before pos, or -1: the marks before pos are odd in number."""
    positions = ctx.where(mark)
    i = bisect_left(positions, pos)
    return positions[i - 1] if i % 2 == 1 else -1


GATE_TYPES: tuple[type, ...] = (
    ChecksumGate, ContextGate, MessageContextGate, UnlessGate, NegationGate, ReportedSpeechGate, WordBoundaryGate,
)  # by order; listed in docs/LEXICON_FORMAT.md


def rule_gates(fields: Mapping[str, Any]) -> tuple[Gate, ...]:
    """The gates a rule's own (schema-checked) fields ask for; the matcher adds the negation and reported-speech
    gates, whose settings it is given."""
    gates: list[Gate] = []
    if fields["validator"] is not None:
        gates.append(ChecksumGate(fields["validator"]))
    if fields["context"] is not None:
        gates.append(ContextGate(fields["context"]["any"], fields["context"]["window"]))
    if fields["context_in_message"] is not None:
        gates.append(MessageContextGate(fields["context_in_message"]))
    if fields["unless"] is not None:
        gates.append(UnlessGate(fields["unless"]["any"], fields["unless"]["window"]))
    if fields["whole_word"]:
        gates.append(WordBoundaryGate())
    return tuple(gates)
