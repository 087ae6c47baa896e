"""The pipeline stages. Each takes a batch of Messages and returns them with one more field filled in.

    turns -> normalize -> rules -> model -> fuse

A backend is the list of stages it runs (`BACKEND_STAGES`): `rules` skips the model, `model` skips the rules, `fused`
runs both. Stages work on batches because the model scores many texts at once; the others go message by message.
Training builds the model's input with the same two stages (`model_text`), so the model reads in training exactly what
it reads when it scores.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Protocol, Sequence

from ..domain import LABELS, MODEL_RULE_ID, RISK_LEVELS, Backend, Label, Risk, Role
from ..rules import RuleMatcher
from ..rules.matcher import RuleHit
from ..runtime.scorer import Scorer
from ..text.normalize import Normalized, Normalizer
from ..text.roles import speaker_turns
from ..text.segment import Segmenter
from ..text.turns import Turn
from ..types import Citation, Evidence, Finding, Result, Span, TurnRef
from .fusion import FusionPolicy, cjk_count, fuse_scores, label_scores_from_rules, merge_findings, risk_level
from .memo import Memo
from .message import JudgedTurn, Message

__all__ = [
    "Stage", "SplitTurns", "Normalize", "MatchRules", "ScoreModel", "Fuse", "Locate", "BACKEND_STAGES", "model_text",
    "turn_pieces", "memoized_probs",
]


class Stage(Protocol):
    """One step of the pipeline: Messages in, the same Messages (new frozen copies) out, in the same order."""

    name: str

    def __call__(self, messages: Sequence[Message]) -> list[Message]: ...


# Which stages each backend runs, in order.
MODEL_ONLY = "model-only finding: no lexicon rule fired"
SENTENCE_END = frozenset("。！？!?；;\n")

BACKEND_STAGES: dict[str, tuple[str, ...]] = {
    Backend.RULES: ("turns", "normalize", "rules", "fuse"),
    Backend.MODEL: ("turns", "normalize", "model", "fuse", "locate"),
    Backend.FUSED: ("turns", "normalize", "rules", "model", "fuse", "locate"),
}


def _each(messages: Sequence[Message], step: Callable[[Message], Message]) -> list[Message]:
    """`step` applied to every message with text; a blank one passes through (it gets an empty Result)."""
    return [m if m.blank else step(m) for m in messages]


@dataclass(frozen=True)
class SplitTurns:
    """Speaker turns (text.turns) with their roles decided (text.roles): a call transcript's lines by speaker, an SMS
    as one turn of unknown role. `roles`: the user's role map, on top of the built-in prefixes."""

    roles: Mapping[str, Role] = field(default_factory=dict)
    name: str = "turns"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        return _each(messages, self.split)

    def split(self, m: Message) -> Message:
        turns, speakers = speaker_turns(m.text, self.roles)
        return m.but(turns=turns, speakers=speakers)


@dataclass(frozen=True)
class Normalize:
    """Normalizes every judged turn (customer turns are context, never judged) and builds the model's input text."""

    normalizer: Normalizer
    memo: Memo[str, Normalized] = field(default_factory=lambda: Memo(0))  # turn text -> its normalized form
    name: str = "normalize"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        return _each(messages, self.normalize)

    def normalize(self, m: Message) -> Message:
        judged = tuple(JudgedTurn(t, self._normalized(m.text[t.start:t.end])) for t in m.turns if t.judged)
        model_input = "\n".join(s for s in (j.norm.text.strip() for j in judged) if s)
        return m.but(judged=judged, model_input=model_input)

    def _normalized(self, text: str) -> Normalized:
        norm = self.memo.get(text)
        if norm is None:
            norm = self.normalizer.normalize(text)
            self.memo.put(text, norm)
        return norm


@dataclass(frozen=True)
class MatchRules:
    """Every lexicon rule hit on the judged turns, mapped back to the original text and merged per label."""

    matcher: RuleMatcher
    segmenter: Segmenter
    # (normalized turn, normalized message) -> the rule hits: all that matching reads
    memo: Memo[tuple[str, str], tuple[RuleHit, ...]] = field(default_factory=lambda: Memo(0))
    name: str = "rules"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        return _each(messages, lambda m: m.but(rule_findings=self.findings(m)))

    def _hits(self, norm: Normalized, message: str) -> tuple[RuleHit, ...]:
        key = (norm.text, message)
        hits = self.memo.get(key)
        if hits is None:
            hits = tuple(self.matcher.match(norm, lambda: self.segmenter.boundaries(norm.text), message))
            self.memo.put(key, hits)
        return hits

    def findings(self, m: Message) -> tuple[Finding, ...]:
        hits: list[Finding] = []
        for judged in m.judged:
            norm, offset, where = judged.norm, judged.turn.start, turn_ref(m, judged.turn)
            for hit in self._hits(norm, m.model_input):
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
    memo: Memo[str, Mapping[str, float]] = field(default_factory=lambda: Memo(0))  # model input -> probabilities
    name: str = "model"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        todo = [i for i, m in enumerate(messages) if m.model_input.strip()]
        probs = memoized_probs(self.scorer, [messages[i].model_input for i in todo], self.memo)
        out = list(messages)
        for i, row in zip(todo, probs):
            out[i] = messages[i].but(probs=row)
        return out



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
        labels = frozenset(Label(label) for label in LABELS if scores[label] >= self.policy.flag_at)
        # findings back the labels: weak rule hits of an unflagged label stay out
        kept = [f for f in m.rule_findings if f.label in labels]
        for label in labels:
            if not any(f.label == label for f in kept):
                kept.append(self._model_finding(m, label, scores[label]))
        kept.sort(key=lambda f: (f.span.start, LABELS.index(f.label)))
        risk = risk_level(scores, self.policy.flag_at)
        if m.speakers is not None and not m.speakers.confident and risk in (Risk.HIGH, Risk.MEDIUM):
            risk = Risk.LOW  # the collector is a guess: a reviewer's level, never high or medium
        if labels and RISK_LEVELS.index(risk) > RISK_LEVELS.index(self.policy.min_risk):  # high first
            return Result(text=m.text, scores=scores, risk=Risk.LOW)  # below the user's --min-risk
        return Result(text=m.text, labels=labels, scores=scores, risk=risk, findings=tuple(kept))

    def _model_finding(self, m: Message, label: Label, score: float) -> Finding:
        """A finding no rule backs: the first judged turn for now (the whole text of an SMS); `Locate` narrows it."""
        turn = next((j.turn for j in m.judged if j.norm.text.strip()), m.judged[0].turn) if m.judged else None
        start, end = (turn.start, turn.end) if turn else (0, len(m.text))
        ev = Evidence(MODEL_RULE_ID, MODEL_ONLY, score, self.model_citations.get(label, ()))
        return Finding(label, Span(start, end, m.text[start:end]), score, (ev,), turn_ref(m, turn) if turn else None)


@dataclass(frozen=True)
class Locate:
    """Points each finding the model made without rule evidence at the judged turn the model scores highest for its
    label (the turn read on its own), and within that turn at the sentence whose removal lowers the score the most
    (occlusion: a sentence means more with its neighbours than alone); the evidence says so.

    Why this turn rule: on the dev transcripts (data/gold/transcripts/dev.jsonl) it put 45 of 46 model decisions in a
    turn a reviewer marked, against 44 for occlusion, 37 for each turn read after the one before it and 6 for the first
    collector turn (evaluation.transcripts.compare_localisation; test figures in docs/EVALUATION.md). Runs only for
    model-only findings and never changes the scores the labels came from (each text is scored on its own, so a
    piece equal to the message gets exactly the message's probabilities).
    """

    scorer: Scorer
    memo: Memo[str, Mapping[str, float]] = field(default_factory=lambda: Memo(0))  # shared with ScoreModel
    name: str = "locate"

    def __call__(self, messages: Sequence[Message]) -> list[Message]:
        jobs = [i for i, m in enumerate(messages)
                if m.result and any(f.rule_id == MODEL_RULE_ID for f in m.result.findings)]
        if not jobs:
            return list(messages)
        by_turn = {i: turn_pieces(messages[i]) for i in jobs}
        turn_scores = self._scores([p for i in jobs for p in by_turn[i]])
        chosen: dict[tuple[int, str], Piece] = {}
        for i in jobs:
            for f in messages[i].result.findings:  # type: ignore[union-attr]
                if f.rule_id == MODEL_RULE_ID:
                    pieces = by_turn[i]
                    chosen[(i, f.label)] = (max(pieces, key=lambda p: turn_scores[p.input][f.label]) if pieces
                                            else _whole_turn(messages[i], f))
        sentence_pieces = {key: _sentence_pieces(messages[key[0]], piece) for key, piece in chosen.items()}
        sentence_scores = self._scores([p for ps in sentence_pieces.values() for p in ps])
        out = list(messages)
        for i in jobs:
            m = messages[i]
            findings = []
            for f in m.result.findings:  # type: ignore[union-attr]
                if f.rule_id != MODEL_RULE_ID:
                    findings.append(f)
                    continue
                turn_piece = chosen[(i, f.label)]
                sentences = sentence_pieces[(i, f.label)]
                piece = min(sentences, key=lambda p: sentence_scores[p.input][f.label]) if sentences else turn_piece
                findings.append(_relocated(m, f, piece, located_turn=bool(by_turn[i]),
                                           located_sentence=bool(sentences)))
            findings.sort(key=lambda f: (f.span.start, LABELS.index(f.label)))
            out[i] = m.but(result=replace(m.result, findings=tuple(findings)))  # type: ignore[arg-type]
        return out

    def _scores(self, pieces: Sequence["Piece"]) -> dict[str, Mapping[str, float]]:
        inputs = list(dict.fromkeys(p.input for p in pieces))
        return dict(zip(inputs, memoized_probs(self.scorer, inputs, self.memo)))


def memoized_probs(scorer: Scorer, inputs: Sequence[str], memo: "Memo[str, Mapping[str, float]]"
                ) -> list[Mapping[str, float]]:
    """{label: probability} per model input, in order: each distinct input not in `memo` scored once, in one call.
    Inputs the model reads alike (`scorer.encoder.canonical`: a slot-masked model does not see names and numbers) are
    one input. A memo of size 0 is the plain path: every input scored, copies included, as they come."""
    if memo.size == 0:
        return [dict(zip(scorer.labels, map(float, row))) for row in scorer.predict_array(inputs)] if inputs else []
    inputs = [scorer.encoder.canonical(text) for text in inputs]
    found: dict[str, Mapping[str, float]] = {}
    todo = []
    for text in dict.fromkeys(inputs):
        probs = memo.get(text)
        if probs is None:
            todo.append(text)
        else:
            found[text] = probs
    if todo:
        for text, row in zip(todo, scorer.predict_array(todo)):
            found[text] = dict(zip(scorer.labels, map(float, row)))
            memo.put(text, found[text])
    return [found[text] for text in inputs]


@dataclass(frozen=True)
class Piece:
    """A candidate location: the judged turn (index into Message.judged), the original span it covers, and the model
    input that measures it (the turn itself; for a sentence, the message with that sentence left out)."""

    judged_index: int
    start: int
    end: int
    input: str


def turn_pieces(m: Message) -> list[Piece]:
    """One piece per readable judged turn of a transcript with two or more of them, its input the turn's own
    normalized text; none otherwise (there is nothing to choose between)."""
    texts = [j.norm.text.strip() for j in m.judged]
    if not m.is_transcript or sum(1 for t in texts if t) < 2:
        return []
    return [Piece(k, j.turn.start, j.turn.end, texts[k]) for k, j in enumerate(m.judged) if texts[k]]


def _whole_turn(m: Message, f: Finding) -> Piece:
    """The turn a finding already names (the only judged turn of an SMS)."""
    k = next((n for n, j in enumerate(m.judged) if j.turn.start <= f.span.start < max(j.turn.end, j.turn.start + 1)), 0)
    j = m.judged[k]
    return Piece(k, j.turn.start, j.turn.end, "")


def _sentence_pieces(m: Message, turn: Piece) -> list[Piece]:
    """One piece per sentence of the chosen turn when it has two or more; the input is the message's model input with
    that sentence taken out of the turn."""
    judged = m.judged[turn.judged_index]
    norm = judged.norm
    bounds = [(s, e) for s, e in _sentences(norm.text) if norm.text[s:e].strip()]
    if len(bounds) < 2:
        return []
    texts = [j.norm.text.strip() for j in m.judged]
    pieces = []
    for s, e in bounds:
        rest = (norm.text[:s] + norm.text[e:]).strip()
        lines = [rest if n == turn.judged_index else t for n, t in enumerate(texts)]
        o_start, o_end = norm.to_original(s, e)
        pieces.append(Piece(turn.judged_index, judged.turn.start + o_start, judged.turn.start + o_end,
                            "\n".join(t for t in lines if t)))
    return pieces


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges of a normalized turn: up to and including 。！？!?；; or a line end (blanks trimmed)."""
    out, start = [], 0
    for k, ch in enumerate(text):
        if ch in SENTENCE_END:
            out.append((start, k + 1))
            start = k + 1
    if start < len(text):
        out.append((start, len(text)))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def _relocated(m: Message, f: Finding, piece: Piece, *, located_turn: bool, located_sentence: bool) -> Finding:
    """The finding moved to `piece`, its evidence saying how it was located."""
    how = MODEL_ONLY
    if located_turn:
        how += "; located at the judged turn the model scores highest for this label, read on its own"
    if located_sentence:
        how += "; within it, the sentence whose removal lowers the model's score the most"
    ev = f.evidence[0]
    turn = m.judged[piece.judged_index].turn
    return replace(f, span=Span(piece.start, piece.end, m.text[piece.start:piece.end]),
                   evidence=(replace(ev, description=how),), turn=turn_ref(m, turn))


def turn_ref(m: Message, turn: Turn) -> TurnRef | None:
    """The TurnRef of `turn` when `m` is a transcript (a single message names no turn)."""
    return TurnRef(m.turns.index(turn), turn.speaker, turn.role, turn.time) if m.is_transcript else None


def model_text(text: str, normalizer: Normalizer) -> str:
    """What the model reads for `text` (collector and unknown-role turns, normalized, one per line); "" when nothing
    is judged. Training calls this, the runtime runs the same two stages."""
    (m,) = Normalize(normalizer)(SplitTurns()([Message(text)]))
    return m.model_input
