"""The Analyzer: one object that turns a message (SMS, app message or call transcript) into a Result."""
from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Protocol, Sequence

from .pipeline.fusion import FLAG_AT, FusionPolicy, cjk_count, fuse_scores, label_scores_from_rules, merge_findings, risk_level
from .text.normalize import Normalizer
from .rules import RuleMatcher, load_lexicons, load_negation, load_reported_speech
from .text.segment import Segmenter
from .text.turns import split_turns
from .types import LABELS, Evidence, Finding, Result, Span

__all__ = ["Analyzer", "Backend", "Scorer"]

Backend = Literal["fused", "rules", "model"]
BACKENDS: tuple[str, ...] = ("fused", "rules", "model")


class Scorer(Protocol):
    """What the analyzer needs from a model: per-label probabilities for a batch of texts."""

    labels: tuple[str, ...]
    thresholds: dict[str, float]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]: ...


class Analyzer:
    """Labels collection messages with rules, a model, or both (fused).

    Build it with `Analyzer.load()`; it is immutable afterwards, so one instance can be shared.
    """

    def __init__(
        self,
        *,
        normalizer: Normalizer,
        segmenter: Segmenter,
        matcher: RuleMatcher,
        scorer: Scorer | None = None,
        backend: Backend = "rules",
        model_citations: dict[str, tuple] | None = None,
        policy: FusionPolicy | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if backend != "rules" and scorer is None:
            raise ValueError(f"backend {backend!r} needs a model scorer")
        self.backend = backend
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.matcher = matcher
        self.scorer = scorer
        thresholds = dict(scorer.thresholds) if scorer is not None else {label: FLAG_AT for label in LABELS}
        cfg = getattr(scorer, "config", None)
        self.policy = policy or FusionPolicy(
            thresholds=thresholds,
            rule_decides=float(getattr(cfg, "rule_decides", FusionPolicy.rule_decides)),
            model_veto=float(getattr(cfg, "model_veto", FusionPolicy.model_veto)),
            weak_rule_weight=float(getattr(cfg, "weak_rule_weight", FusionPolicy.weak_rule_weight)),
            model_only_min_cjk=int(getattr(cfg, "model_only_min_cjk", 0)),
            model_only_min_score=float(getattr(cfg, "model_only_min_score", FLAG_AT)),
        )
        # the citation a model-only finding carries: the strongest rule citation of the label's lexicon
        self._model_citations = model_citations or _label_citations(matcher)

    @classmethod
    def load(
        cls,
        backend: Backend = "fused",
        *,
        model_dir: str | Path | None = None,
        lexicon_dir: str | Path | None = None,
    ) -> "Analyzer":
        """Load the shipped lexicons and, unless backend="rules", the shipped default model (or `model_dir`)."""
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        lexicons = load_lexicons(Path(lexicon_dir) if lexicon_dir else None)
        matcher = RuleMatcher(lexicons, load_negation(), load_reported_speech())
        scorer = None
        if backend != "rules":
            from .runtime.onnx_scorer import OnnxScorer  # onnxruntime + tokenizers only, never torch

            scorer = OnnxScorer.load(model_dir)
        return cls(normalizer=Normalizer(), segmenter=Segmenter(), matcher=matcher, scorer=scorer, backend=backend)

    def with_policy(self, policy: FusionPolicy) -> "Analyzer":
        """The same analyzer deciding with another fusion policy (for tuning the policy on dev)."""
        return Analyzer(normalizer=self.normalizer, segmenter=self.segmenter, matcher=self.matcher, scorer=self.scorer,
                        backend=self.backend, model_citations=self._model_citations, policy=policy)

    # -- single text -------------------------------------------------------------------------------------------
    def analyze(self, text: str) -> Result:
        """Analyze one message or transcript. Raises TypeError for non-strings; an empty text gives an empty Result."""
        return next(iter(self._analyze_many([text])))

    def rule_findings(self, text: str) -> tuple[Finding, ...]:
        """Every rule hit on the judged turns, before fusion: weak hits (score < 0.5) included. For lexicon work."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self._rule_findings(text)[0]

    # -- many texts --------------------------------------------------------------------------------------------
    def analyze_batch(
        self, texts: Iterable[Any], *, batch_size: int = 64, as_tuples: bool = False
    ) -> Iterator[Any]:
        """Stream one Result per text, in input order, like spaCy's `nlp.pipe`.

        With `as_tuples=True`, `texts` yields `(text, context)` pairs and the stream gives `(Result, context)` pairs:
        the context (a row id, a record) travels with its text. Work is done `batch_size` texts at a time, so memory
        stays flat however long the stream is.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        it = iter(texts)
        while True:
            chunk = list(islice(it, batch_size))
            if not chunk:
                return
            if not as_tuples:
                yield from self._analyze_many(chunk)
                continue
            for item in chunk:
                if not (isinstance(item, tuple) and len(item) == 2):
                    raise TypeError(f"with as_tuples=True each item must be a (text, context) pair, not {item!r:.60}")
            results = self._analyze_many([text for text, _ in chunk])
            yield from ((res, ctx) for res, (_, ctx) in zip(results, chunk))

    def _analyze_many(self, texts: Sequence[Any]) -> list[Result]:
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"text must be str, not {type(t).__name__}")
        raw = [self._rule_findings(t) for t in texts]
        probs: list[dict[str, float] | None] = [None] * len(texts)
        if self.scorer is not None:
            judged = [j for _, j in raw]
            todo = [i for i, j in enumerate(judged) if j.strip()]
            if todo:
                for i, p in zip(todo, self.scorer.predict_proba([judged[i] for i in todo])):
                    probs[i] = p
        return [self._result(t, f, j, p) for t, (f, j), p in zip(texts, raw, probs)]

    def _rule_findings(self, text: str) -> tuple[tuple[Finding, ...], str]:
        """Rule findings over the judged turns, and the normalized judged text the model reads (see model_text)."""
        if not text.strip():
            return (), ""
        raw: list[tuple[str, int, int, Evidence]] = []
        judged_parts: list[str] = []
        for turn in split_turns(text):
            if not turn.judged:
                continue
            segment = text[turn.start:turn.end]
            norm = self.normalizer.normalize(segment)
            if norm.text.strip():
                judged_parts.append(norm.text.strip())  # same text as model.inputs.model_text
            for hit in self.matcher.match(norm, lambda n=norm: self.segmenter.boundaries(n.text)):
                s, e = norm.to_original(hit.start, hit.end)
                rule = hit.rule
                ev = Evidence(rule.id, rule.description, rule.score, rule.citations)
                raw.append((rule.label, turn.start + s, turn.start + e, ev))
        return merge_findings(raw, text), "\n".join(judged_parts)

    def _result(
        self, text: str, findings: tuple[Finding, ...], judged: str, probs: dict[str, float] | None
    ) -> Result:
        if not text.strip():
            return Result(text=text)
        rule_scores = label_scores_from_rules(findings)
        if self.backend == "rules" or probs is None:
            scores = rule_scores
        elif self.backend == "model":
            scores = fuse_scores({label: 0.0 for label in LABELS}, probs, self.policy, cjk_count(judged))
        else:
            scores = fuse_scores(rule_scores, probs, self.policy, cjk_count(judged))
        labels = frozenset(label for label in LABELS if scores[label] >= FLAG_AT)
        # findings back the labels: weak hits of an unflagged label stay out, and the model backend shows none
        kept = [f for f in findings if f.label in labels] if self.backend != "model" else []
        for label in labels:
            if not any(f.label == label for f in kept):
                kept.append(self._model_finding(text, label, scores[label]))
        kept.sort(key=lambda f: (f.span.start, LABELS.index(f.label)))
        return Result(text=text, labels=labels, scores=scores, risk=risk_level(scores), findings=tuple(kept))

    def _model_finding(self, text: str, label: str, score: float) -> Finding:
        """A model-only finding spans the first judged turn (the whole message for an SMS); no rule backs it."""
        turn = next((t for t in split_turns(text) if t.judged), None)
        start, end = (turn.start, turn.end) if turn else (0, len(text))
        ev = Evidence("model", "model-only finding: no lexicon rule fired", score, self._model_citations.get(label, ()))
        return Finding(label, Span(start, end, text[start:end]), score, (ev,))


def _label_citations(matcher: RuleMatcher) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for rule in sorted(matcher.rules, key=lambda r: -r.score):
        out.setdefault(rule.label, rule.citations)
    return out
