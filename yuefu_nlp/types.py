"""Result types shared by every part of yuefu_nlp: what the Analyzer returns for one text.

All results are frozen dataclasses so that a finding, once produced, cannot be edited on its way
to a report; every character offset indexes the *original* text the caller passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .domain import LABELS, MODEL_RULE_ID, Label, Risk, Role

__all__ = ["Span", "Citation", "Evidence", "Finding", "Result", "TurnRef"]


@dataclass(frozen=True)
class Span:
    """Half-open character range [start, end) of the original text, with the text it covers."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Citation:
    """A legal source a finding breaks, given so that a lawyer can check it: the law, the article and the date of the
    text cited (`version`). `quote` is a verbatim excerpt of the article in `source`, the statute text shipped in data/
    (tests/test_citations.py finds it there). A document we hold no text of is cited by name only: no article, quote or
    source."""

    law: str
    article: str = ""
    version: str = ""
    summary: str = ""
    quote: str = ""
    source: str = ""

    def __str__(self) -> str:
        """`《中华人民共和国刑法》第二百九十三条之一（2023-12-29）`: the form every report shows."""
        return f"《{self.law}》{self.article}" + (f"（{self.version}）" if self.version else "")

    def to_dict(self) -> dict[str, Any]:
        return {"law": self.law, "article": self.article, "version": self.version, "summary": self.summary,
                "quote": self.quote, "source": self.source}


@dataclass(frozen=True)
class Evidence:
    """Why a finding was made: a lexicon rule (rule_id) or the model (rule_id == "model")."""

    rule_id: str
    description: str
    score: float
    citations: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "description": self.description,
            "score": round(self.score, 4),
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class TurnRef:
    """Where in a call transcript a finding lies: the turn's index among the text's turns, its speaker, role and
    timestamp as written ("" when the transcript has none). Role "uncertain": the speaker was only guessed to be the
    collector (text/roles.py)."""

    index: int
    speaker: str
    role: Role
    time: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"turn": self.index, "speaker": self.speaker, "role": str(self.role)}
        return {**out, "time": self.time} if self.time else out


@dataclass(frozen=True)
class Finding:
    """One labelled stretch of the original text and the evidence behind it. In a call transcript it also says which
    turn it lies in (`turn`); a single message (an SMS) has no turns to name."""

    label: Label
    span: Span
    score: float
    evidence: tuple[Evidence, ...]
    turn: TurnRef | None = None

    @property
    def rule_id(self) -> str:
        return self.evidence[0].rule_id if self.evidence else ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one item of the scored CSV's `evidence` column (docs/DOMAIN.md)."""
        ev = self.evidence[0] if self.evidence else None
        return {
            "label": str(self.label),
            "start": self.span.start,
            "end": self.span.end,
            "text": self.span.text,
            "rule_id": ev.rule_id if ev else "",
            "score": round(self.score, 4),
            "citation": [str(c) for c in ev.citations] if ev else [],
            **(self.turn.to_dict() if self.turn else {}),
            # a finding no rule backs says how it was found and located
            **({"how": ev.description} if ev and ev.rule_id == MODEL_RULE_ID else {}),
        }


@dataclass(frozen=True)
class Result:
    """Everything the analyzer says about one text."""

    text: str
    labels: frozenset[Label] = frozenset()
    scores: dict[str, float] = field(default_factory=lambda: {label: 0.0 for label in LABELS})
    risk: Risk = Risk.NONE
    findings: tuple[Finding, ...] = ()
    # how many windows a text longer than the analyzer's window was read in (Analyzer.analyze); 1 for most texts
    windows: int = 1

    @property
    def flagged(self) -> bool:
        return bool(self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": [str(label) for label in sorted(self.labels, key=LABELS.index)],
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "risk": str(self.risk),
            "findings": [f.to_dict() for f in self.findings],
            **({"windows": self.windows} if self.windows > 1 else {}),
        }
