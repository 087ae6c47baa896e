"""Gates: filters that decide whether a candidate hit becomes a finding.

Every gate has one signature, `passes(start, end, ctx)`, over the normalized text's hit [start, end), and is a pure
filter, so the order they run in never changes the result. The matcher runs a rule's gates by `order`, cheapest first
(the word-boundary gate needs the jieba segmentation of the whole text).

A rule's own fields build its gates (`rule_gates`, called by the loader); the gates whose settings live in a shared file
(negation.yaml, reported_speech.yaml) are added by the matcher, which is given those settings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, ClassVar, Mapping, Protocol

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
    hit of a whole-word rule, and segmenting is the slowest step."""

    text: str
    boundaries_of: Callable[[], frozenset[int]] | None = None
    message: str = ""  # every judged turn of the message, normalized ("" = `text` is the whole message)

    @cached_property
    def boundaries(self) -> frozenset[int]:
        return self.boundaries_of() if self.boundaries_of else frozenset({0, len(self.text)})


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

    def _found(self, text: str, start: int, end: int, include_hit: bool) -> bool:
        w = self.window
        if w == 0:
            region = text
        elif include_hit:
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
        return self._found(ctx.text, start, end, include_hit=False)


@dataclass(frozen=True)
class MessageContextGate:
    """At least one term must occur somewhere in the message's judged turns: in a call, the debt the collector stated
    two turns earlier is the context that makes "你孩子在实验小学三年级二班吧" a threat."""

    terms: tuple[str, ...]
    order: ClassVar[int] = 2
    enabled_by: ClassVar[str] = "`context_in_message`"

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        return any(term in (ctx.message or ctx.text) for term in self.terms)


@dataclass(frozen=True)
class UnlessGate(_TermsNearHit):
    """No term may occur within `window` characters of the hit; a veto term may overlap the hit ("不构成" vetoes the
    hit "构成犯罪")."""

    order: ClassVar[int] = 3
    enabled_by: ClassVar[str] = "`unless`"

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        return not self._found(ctx.text, start, end, include_hit=True)


@dataclass(frozen=True)
class NegationGate:
    """No negation cue may precede the hit in its clause within the cues' window, unless an override ("别以为…")
    precedes the cue: "别以为我们不会上门" is a threat."""

    order: ClassVar[int] = 4
    enabled_by: ClassVar[str] = "`negation` (default true), cues from negation.yaml"
    negation: NegationCues

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        text = ctx.text
        clause = _clause_start(text, start)
        region = text[max(clause, start - self.negation.window):start]
        if not any(cue in region for cue in self.negation.cues):
            return True
        before = text[clause:start]
        return any(o in before for o in self.negation.overrides)


@dataclass(frozen=True)
class ReportedSpeechGate:
    """The hit must not be quoted or reported collector speech ("催收说“…”", "催收人员在微信里说要…"): a complaint
    that quotes abuse is evidence, not abuse."""

    order: ClassVar[int] = 5
    enabled_by: ClassVar[str] = "every rule, when the matcher is given reported_speech.yaml"
    reported: ReportedSpeech

    def passes(self, start: int, end: int, ctx: MatchContext) -> bool:
        text, rs = ctx.text, self.reported
        sentence_start = start - 1
        while sentence_start >= 0 and text[sentence_start] not in SENTENCE_END:
            sentence_start -= 1
        sentence_start += 1
        if rs.reporter.search(text[max(sentence_start, start - rs.reporter_window):start]):
            return False
        for opening, closing in rs.quote_pairs:
            q = text.rfind(opening, 0, start) if opening != closing else _open_symmetric(text, opening, start)
            if q < 0 or (opening != closing and text.find(closing, q + 1, start) >= 0):
                continue
            if text.find(closing, end) < 0:
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


def _clause_start(text: str, pos: int) -> int:
    i = pos - 1
    while i >= 0 and text[i] not in CLAUSE_END:
        i -= 1
    return i + 1


def _open_symmetric(text: str, mark: str, pos: int) -> int:
    """Index of an unclosed symmetric quote mark (") before pos, or -1."""
    idx = [i for i in range(pos) if text[i] == mark]
    return idx[-1] if len(idx) % 2 == 1 else -1


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
