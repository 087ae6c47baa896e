"""The text the model reads: the judged turns (everything but customer turns), normalized, one turn per line.

Training and scoring must build it the same way, so both call `model_text`.
"""
from __future__ import annotations

from ..text.normalize import Normalizer
from ..text.turns import split_turns

__all__ = ["model_text"]


def model_text(text: str, normalizer: Normalizer) -> str:
    """Collector (and unknown-role) turns of `text`, normalized, joined with newlines; "" when nothing is judged."""
    parts = []
    for turn in split_turns(text):
        if turn.judged:
            norm = normalizer.normalize(text[turn.start:turn.end]).text.strip()
            if norm:
                parts.append(norm)
    return "\n".join(parts)
