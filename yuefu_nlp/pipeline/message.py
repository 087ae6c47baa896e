"""The message object: one text and everything each pipeline stage has added to it.

Why one object: a message used to change shape about nine times between a CSV row and a finding (tuples of findings and
judged text, raw hit tuples, a model text rebuilt in two places). Now every stage takes Messages and returns new,
frozen Messages with its own field filled in, so what the pipeline knows about a text at any point is one value that can
be printed, tested and handed on (`Analyzer.run`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

from ..text.normalize import Normalized
from ..text.roles import RoleDecision
from ..text.turns import Turn
from ..types import Finding, Result

__all__ = ["JudgedTurn", "Message"]


@dataclass(frozen=True)
class JudgedTurn:
    """A turn the pipeline judges (not a customer turn) with its normalized text.

    `norm.to_original` maps into the turn's own text; add `turn.start` to index the whole message.
    """

    turn: Turn
    norm: Normalized


@dataclass(frozen=True)
class Message:
    """One text on its way through the stages (turns -> normalize -> rules -> model -> fuse).

    A field a stage did not run for keeps its empty default: no `probs` under the rules backend, no `rule_findings` under
    the model backend. Every span indexes `text`, the caller's original string.
    """

    text: str
    turns: tuple[Turn, ...] = ()  # speaker turns of the whole text (one turn of unknown role for an SMS)
    speakers: RoleDecision | None = None  # who the collector is among anonymous speakers (None: none to decide)
    judged: tuple[JudgedTurn, ...] = ()  # the turns findings may come from, normalized
    model_input: str = ""  # what the model reads: the judged turns' normalized text, one per line
    rule_findings: tuple[Finding, ...] = ()  # every rule hit, merged per label, weak hits included
    probs: Mapping[str, float] | None = None  # the model's probability per label (None: the model did not run)
    result: Result | None = None  # the decision: labels, scores, risk, the findings that back them (`locate` narrows
    # a model-only finding to the turn and sentence it rests on)

    @property
    def blank(self) -> bool:
        """An empty or whitespace-only text: every stage passes it through and it gets an empty Result."""
        return not self.text.strip()

    @property
    def is_transcript(self) -> bool:
        """More than one turn: findings name the turn they lie in."""
        return len(self.turns) > 1

    def but(self, **changes: Any) -> "Message":
        """A copy with some fields replaced (what a stage returns)."""
        return replace(self, **changes)
