"""Very long texts (an hour-long call transcript, a pasted chat log) are analyzed in windows of bounded size.

Why: one text of a million characters would otherwise hold every stage's per-character work at once and stall the
batch it is in. A window ends at a line break where there is one (a transcript's turn), else at the end of a
sentence, else at the limit; windows do not overlap, so a finding is never counted twice, and a finding can only be
missed where a hard cut splits a line with no sentence end in the last fifth of a window. Each window is analyzed as
its own text (speaker roles are decided per window), and the results are merged with spans, turn numbers and scores
mapped back to the whole text; `Result.windows` says how many there were.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .domain import LABELS, RISK_LEVELS, Label, Risk
from .pipeline.message import Message
from .types import Finding, Result, Span

__all__ = ["merge_windows", "split_windows"]

_SENTENCE_ENDS = "。！？!?；;\n"


def split_windows(text: str, size: int) -> list[tuple[int, str]]:
    """`text` as (start, piece) windows of at most `size` characters that join back into `text`."""
    if len(text) <= size:
        return [(0, text)]
    out = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            end = _cut(text, start, end)
        out.append((start, text[start:end]))
        start = end
    return out


def _cut(text: str, start: int, end: int) -> int:
    """Where a window that may reach `end` should stop: after the last line break in its last fifth, else after
    the last sentence end there, else at `end`."""
    floor = start + (end - start) * 4 // 5
    newline = text.rfind("\n", floor, end)
    if newline >= 0:
        return newline + 1
    sentence = max(text.rfind(ch, floor, end) for ch in _SENTENCE_ENDS)
    return sentence + 1 if sentence >= 0 else end


def merge_windows(text: str, parts: Sequence[tuple[int, Message]]) -> Result:
    """One Result for `text` from its windows' Messages: labels united, each label's score and the risk the highest
    of any window, findings with spans and turn numbers moved to the whole text."""
    scores = {label: 0.0 for label in LABELS}
    labels: set[Label] = set()
    risk = Risk.NONE
    findings: list[Finding] = []
    turns_before = 0
    for start, m in parts:
        r = m.result
        assert r is not None  # fuse always runs last
        for label, score in r.scores.items():
            scores[label] = max(scores.get(label, 0.0), score)
        labels |= r.labels
        if RISK_LEVELS.index(r.risk) < RISK_LEVELS.index(risk):  # high first
            risk = r.risk
        for f in r.findings:
            span = Span(f.span.start + start, f.span.end + start, f.span.text)
            turn = replace(f.turn, index=f.turn.index + turns_before) if f.turn else None
            findings.append(replace(f, span=span, turn=turn))
        turns_before += len(m.turns)
    findings.sort(key=lambda f: (f.span.start, LABELS.index(f.label)))
    return Result(text=text, labels=frozenset(labels), scores=scores, risk=risk, findings=tuple(findings),
                  windows=len(parts))
