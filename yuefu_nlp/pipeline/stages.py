"""The pipeline stages. Each takes a batch of Messages and returns them with one more field filled in.

    turns -> normalize -> rules -> model -> fuse

A backend is the list of stages it runs (`BACKEND_STAGES`): `rules` skips the model, `model` skips the rules, `fused`
runs both. Stages work on batches because the model scores many texts at once; the others go message by message.
Training builds the model's input with the same two stages (`model_text`), so the model reads in training exactly what
it reads when it scores.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence

from ..domain import FLAG_AT, LABELS, MODEL_RULE_ID, Backend, Label, Risk, Role
from ..rules import RuleMatcher
from ..runtime.scorer import Scorer
from ..text.normalize import Normalizer
from ..text.segment import Segmenter
from ..text.roles import speaker_turns
from ..text.turns import Turn
from ..types import Citation, Evidence, Finding, Result, Span, TurnRef
from .fusion import FusionPolicy, cjk_count, fuse_scores, label_scores_from_rules, merge_findings, risk_level
from .message import JudgedTurn, Message

__all__ = [
    "Stage", "SplitTurns", "Normalize", "MatchRules", "ScoreModel", "Fuse", "BACKEND_STAGES", "model_text",
]


class Stage(Protocol):
    """One step of the pipeline: Messages in, the same Messages (new frozen copies) out, in the same order."""

    name: str

    def __call__(self, messages: Sequence[Message]) -> list[Message]: ...


# Which stages each backend runs, in order.
BACKEND_STAGES: dict[str, tuple[str, ...]] = {
    Backend.RULES: ("turns", "normalize", "rules", "fuse"),
    Backend.MODEL: ("turns", "normalize", "model", "fuse"),
    Backend.FUSED: ("turns", "normalize", "rules", "model", "fuse"),
}


@dataclass(frozen=True)
class SplitTurns:
    """Speaker turns (text.turns) with their roles decided (text.roles): a call transcript's lines by speaker, an SMS
    as one turn of unknown role. `roles`: the user's role map, on top of the built-in prefixes."""

    roles: Mapping[str, Role] = field(default_factory=dict)
    name: str = "turns"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        out = []
        for m in messages:
            if m.blank:
                out.append(m)
                continue
            turns, speakers = speaker_turns(m.text, self.roles)
            out.append(m.but(turns=turns, speakers=speakers))
        return out


@dataclass(frozen=True)
class Normalize:
    """Normalizes every judged turn (customer turns are context, never judged) and builds the model's input text."""

    normalizer: Normalizer
    name: str = "normalize"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        out = []
        for m in messages:
            if m.blank:
                out.append(m)
                continue
            judged = tuple(
                JudgedTurn(t, self.normalizer.normalize(m.text[t.start:t.end])) for t in m.turns if t.judged
            )
            model_input = "\n".join(s for s in (j.norm.text.strip() for j in judged) if s)
            out.append(m.but(judged=judged, model_input=model_input))
        return out


@dataclass(frozen=True)
class MatchRules:
    """Every lexicon rule hit on the judged turns, mapped back to the original text and merged per label."""

    matcher: RuleMatcher
    segmenter: Segmenter
    name: str = "rules"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        return [m if m.blank else m.but(rule_findings=self.findings(m)) for m in messages]

    def findings(self, m: Message) -> tuple[Finding, ...]:
        hits: list[Finding] = []
        for judged in m.judged:
            norm, offset, where = judged.norm, judged.turn.start, turn_ref(m, judged.turn)
            for hit in self.matcher.match(norm, lambda n=norm: self.segmenter.boundaries(n.text)):
                s, e = norm.to_original(hit.start, hit.end)
                start, end = offset + s, offset + e
                rule = hit.rule
                evidence = Evidence(rule.id, rule.description, rule.score, rule.citations)
                span = Span(start, end, m.text[start:end])
                hits.append(Finding(Label(rule.label), span, rule.score, (evidence,), where))
        return merge_findings(hits, m.text)


@dataclass(frozen=True)
class ScoreModel:
    """The model's per-label probabilities for every message with something to read, in one batched call."""

    scorer: Scorer
    name: str = "model"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        todo = [i for i, m in enumerate(messages) if m.model_input.strip()]
        out = list(messages)
        if todo:
            probs = self.scorer.predict_array([messages[i].model_input for i in todo])
            for i, row in zip(todo, probs):
                out[i] = messages[i].but(probs=self._named(row))
        # where in a transcript: the message again with each judged turn left out (occlusion), in a call of its own (the
        # int8 model quantizes per batch, so the message scores above stay what they were without this step)
        windows = [(i, text) for i in todo for text in occlusion_inputs(out[i])]
        if windows:
            occluded = self.scorer.predict_array([text for _, text in windows])
            by_message: dict[int, list[Mapping[str, float]]] = {}
            for (i, _), row in zip(windows, occluded):
                by_message.setdefault(i, []).append(self._named(row))
            for i, rows in by_message.items():
                out[i] = out[i].but(occluded_probs=tuple(rows))
        return out

    def _named(self, row: Sequence[float]) -> dict[str, float]:
        return dict(zip(self.scorer.labels, map(float, row)))


@dataclass(frozen=True)
class Fuse:
    """Decides labels, scores, risk and the findings that back them from what the earlier stages found (fusion.py)."""

    policy: FusionPolicy
    model_citations: Mapping[str, tuple[Citation, ...]]  # what a model-only finding cites, per label
    name: str = "fuse"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        return [m.but(result=self.decide(m)) for m in messages]

    def decide(self, m: Message) -> Result:
        if m.blank:
            return Result(text=m.text)
        scores = label_scores_from_rules(m.rule_findings)
        if m.probs is not None:
            scores = fuse_scores(scores, m.probs, self.policy, cjk_count(m.model_input))
        labels = frozenset(Label(label) for label in LABELS if scores[label] >= FLAG_AT)
        # findings back the labels: weak rule hits of an unflagged label stay out
        kept = [f for f in m.rule_findings if f.label in labels]
        for label in labels:
            if not any(f.label == label for f in kept):
                kept.append(self._model_finding(m, label, scores[label]))
        kept.sort(key=lambda f: (f.span.start, LABELS.index(f.label)))
        risk = risk_level(scores)
        if m.speakers is not None and not m.speakers.confident and risk in (Risk.HIGH, Risk.MEDIUM):
            risk = Risk.LOW  # the collector is a guess: a reviewer's level, never high or medium
        return Result(text=m.text, labels=labels, scores=scores, risk=risk, findings=tuple(kept))

    def _model_finding(self, m: Message, label: Label, score: float) -> Finding:
        """A finding no rule backs spans the whole message; in a transcript, the judged turn the model scores highest
        for its label (each turn read with the one before it), and the evidence says so."""
        how = "model-only finding: no lexicon rule fired"
        if m.occluded_probs and m.probs is not None:
            drop = [m.probs[label] - p[label] if j.norm.text.strip() else float("-inf")
                    for j, p in zip(m.judged, m.occluded_probs)]
            turn = m.judged[max(range(len(drop)), key=drop.__getitem__)].turn
            how += "; located at the judged turn whose removal lowers the model's score for this label the most"
        elif m.judged:
            turn = next((j.turn for j in m.judged if j.norm.text.strip()), m.judged[0].turn)
        else:
            turn = None
        start, end = (turn.start, turn.end) if turn else (0, len(m.text))
        ev = Evidence(MODEL_RULE_ID, how, score, self.model_citations.get(label, ()))
        return Finding(label, Span(start, end, m.text[start:end]), score, (ev,), turn_ref(m, turn) if turn else None)


def turn_ref(m: Message, turn: Turn) -> TurnRef | None:
    """The TurnRef of `turn` when `m` is a transcript (a single message names no turn)."""
    return TurnRef(m.turns.index(turn), turn.speaker, turn.role, turn.time) if m.is_transcript else None


def occlusion_inputs(m: Message) -> list[str]:
    """The model's input with each judged turn left out in turn, for a transcript with two or more readable judged
    turns (otherwise there is nothing to choose between, and the list is empty)."""
    texts = [j.norm.text.strip() for j in m.judged]
    if not m.is_transcript or sum(1 for t in texts if t) < 2:
        return []
    return ["\n".join(t for j, t in enumerate(texts) if t and j != k) for k in range(len(texts))]


def model_text(text: str, normalizer: Normalizer) -> str:
    """What the model reads for `text` (collector and unknown-role turns, normalized, one per line); "" when nothing
    is judged. Training calls this, the runtime runs the same two stages."""
    (m,) = Normalize(normalizer)(SplitTurns()([Message(text)]))
    return m.model_input
