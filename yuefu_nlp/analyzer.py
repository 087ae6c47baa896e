"""The Analyzer: one object that turns a message (SMS, app message or call transcript) into a Result.

It runs the pipeline's stages over a batch of Messages (pipeline/stages.py): turns -> normalize -> rules -> model -> fuse.
The backend decides which stages run; everything a stage adds stays on the Message (`Analyzer.run` returns them).
"""
from __future__ import annotations

import hashlib
import json
from functools import cached_property
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .domain import BACKENDS, DEFAULT_MAX_CHARS, Backend, Role
from .errors import ConfigError
from .pipeline.fusion import FusionPolicy
from .pipeline.memo import DEFAULT_MEMO_SIZE, Memo
from .pipeline.message import Message
from .pipeline.stages import BACKEND_STAGES, Fuse, Locate, MatchRules, Normalize, ScoreModel, SplitTurns, Stage
from .rules import RuleMatcher, load_lexicons, load_negation, load_reported_speech
from .runtime.scorer import Scorer
from .text.normalize import Normalizer
from .text.roles import parse_roles
from .text.segment import Segmenter
from .types import Citation, Finding, Result
from .windows import merge_windows, split_windows

__all__ = ["Analyzer"]


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
        backend: Backend | str = Backend.RULES,
        model_citations: dict[str, tuple[Citation, ...]] | None = None,
        policy: FusionPolicy | None = None,
        roles: str | Mapping[str, str | Role] | None = None,
        window_chars: int = DEFAULT_MAX_CHARS,
        memo_size: int = DEFAULT_MEMO_SIZE,
    ) -> None:
        self.backend = _backend(backend)
        if window_chars < 1_000:
            raise ConfigError(f"window_chars must be at least 1000, not {window_chars}")
        self.window_chars = window_chars  # a longer text is analyzed in windows of about this many characters
        if self.backend is not Backend.RULES and scorer is None:
            raise ConfigError(f"backend {str(self.backend)!r} needs a model scorer")
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.matcher = matcher
        self.scorer = scorer
        self.policy = policy or _model_policy(scorer)
        self.roles = parse_roles(roles)  # the user's speaker labels and their roles, on top of the built-in prefixes
        # the citation a model-only finding carries: the strongest rule citation of the label's lexicon
        self._model_citations = model_citations or _label_citations(matcher)
        self.memo_size = memo_size
        self.memos = {"normalize": Memo(memo_size), "rules": Memo(memo_size), "model": Memo(memo_size)}
        self._rules = MatchRules(matcher, segmenter, self.memos["rules"])
        self._fuse = Fuse(self.policy, self._model_citations)
        available: dict[str, Stage] = {
            "turns": SplitTurns(self.roles), "normalize": Normalize(normalizer, self.memos["normalize"]),
            "rules": self._rules, "fuse": self._fuse,
        }
        if scorer is not None:
            available["model"] = ScoreModel(scorer, self.memos["model"])
            available["locate"] = Locate(scorer, self.memos["model"])
        self.stages: tuple[Stage, ...] = tuple(available[name] for name in BACKEND_STAGES[self.backend])
        # where the model's part of the pipeline begins (analyze_batch overlaps what comes before it with the model)
        names = [stage.name for stage in self.stages]
        self._split = names.index("model") if "model" in names else len(names)

    @classmethod
    def load(
        cls,
        backend: Backend | str = Backend.FUSED,
        *,
        model_dir: str | Path | None = None,
        lexicon_dir: str | Path | None = None,
        roles: str | Mapping[str, str | Role] | None = None,
        window_chars: int = DEFAULT_MAX_CHARS,
        memo_size: int = DEFAULT_MEMO_SIZE,
        threads: int | None = None,
    ) -> "Analyzer":
        """Load the shipped lexicons and, unless backend="rules", the shipped default model (or `model_dir`).

        `roles` names the speakers of call transcripts, on top of the built-in prefixes, e.g. `{"说话人1": "collector",
        "说话人2": "customer"}` (or "说话人1=collector,说话人2=customer"): it overrides the guess text.roles makes.
        A text longer than `window_chars` is analyzed in windows of about that size (windows.py). Text seen before
        is looked up, not computed again, in memos of `memo_size` entries per stage (pipeline/memo.py; 0 turns them
        off). `threads` caps the model's CPU threads (default: the cores this process may use), for containers and
        for Spark executors that run several tasks per machine."""
        backend = _backend(backend)
        lexicons = load_lexicons(Path(lexicon_dir) if lexicon_dir else None)
        matcher = RuleMatcher(lexicons, load_negation(), load_reported_speech())
        scorer = None
        if backend is not Backend.RULES:
            from .runtime.onnx_scorer import OnnxScorer  # onnxruntime + tokenizers only, never torch

            scorer = OnnxScorer.load(model_dir, threads=threads)
        return cls(normalizer=Normalizer(), segmenter=Segmenter(), matcher=matcher, scorer=scorer, backend=backend,
                   roles=roles, window_chars=window_chars, memo_size=memo_size)

    @cached_property
    def provenance(self) -> dict[str, Any]:
        """What produces this analyzer's results, so a scored file can be traced: the package version, the backend,
        the model folder and its model.onnx sha256 (from the manifest verified at load), and one sha256 over the
        ruleset (every lexicon file and the rule resources beside them)."""
        from . import __version__
        from .resources import RESOURCES_DIR
        from .runtime.manifest import MANIFEST, sha256_file

        model = None
        model_dir = getattr(self.scorer, "model_dir", None)
        if model_dir is not None:
            files = json.loads((Path(model_dir) / MANIFEST).read_text(encoding="utf-8"))["files"]
            model = {"name": Path(model_dir).name, "sha256": files["model.onnx"]["sha256"]}
        named = {f"lexicons/{lex.path.name}": lex.path for lex in self.matcher.lexicons}
        named.update({p.name: p for p in RESOURCES_DIR.iterdir() if p.is_file() and p.suffix in (".yaml", ".txt")})
        paths = [named[name] for name in sorted(named)]  # by name: the same ruleset hashes the same wherever it lies
        digest = hashlib.sha256()
        for name in sorted(named):
            digest.update(f"{name}\t{sha256_file(named[name])}\n".encode())
        return {"yuefu_nlp": __version__, "backend": str(self.backend), "model": model,
                "rules": {"rules": len(self.matcher.rules), "files": len(paths), "sha256": digest.hexdigest()},
                "cut_offs": {"flag_at": self.policy.flag_at, "min_risk": str(self.policy.min_risk)}}

    def with_policy(self, policy: FusionPolicy) -> "Analyzer":
        """The same analyzer deciding with another fusion policy (for tuning the policy on dev)."""
        return Analyzer(normalizer=self.normalizer, segmenter=self.segmenter, matcher=self.matcher, scorer=self.scorer,
                        backend=self.backend, model_citations=self._model_citations, policy=policy,
                        roles=self.roles, window_chars=self.window_chars, memo_size=self.memo_size)

    # -- single text ----------------------------------------------------------------------------------------------
    def analyze(self, text: str) -> Result:
        """Analyze one message or transcript. Raises TypeError for non-strings; an empty text gives an empty Result."""
        return self._results([text])[0]

    def rule_findings(self, text: str) -> tuple[Finding, ...]:
        """Every rule hit on the judged turns, before fusion: weak hits (score < 0.5) included. For lexicon work."""
        (m,) = self.run([text], until="normalize")
        return self._rules.findings(m)

    # -- many texts ---------------------------------------------------------------------------------------------
    def analyze_batch(
        self, texts: Iterable[Any], *, batch_size: int = 64, as_tuples: bool = False
    ) -> Iterator[Any]:
        """Stream one Result per text, in input order, like spaCy's `nlp.pipe`.

        With `as_tuples=True`, `texts` yields `(text, context)` pairs and the stream gives `(Result, context)` pairs:
        the context (a row id, a record) travels with its text. Work is done `batch_size` texts at a time, so memory
        stays flat however long the stream is. With a model, the next chunk's turns, normalization and rules run while
        the model scores this one (the model leaves the GIL), so the cores the model does not fill are not idle.
        """
        if batch_size < 1:
            raise ConfigError("batch_size must be >= 1")
        chunks = self._chunks(iter(texts), batch_size, as_tuples)
        if self.scorer is None:
            for chunk, contexts in chunks:
                yield from self._wrap(self._results(chunk), contexts)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="yuefu-model") as pool:
            pending: tuple[Future[list[Result]], list[Any] | None] | None = None
            for chunk, contexts in chunks:
                prepared = self._front(chunk)
                if pending is not None:
                    yield from self._wrap(pending[0].result(), pending[1])
                pending = (pool.submit(self._back, chunk, prepared), contexts)
            if pending is not None:
                yield from self._wrap(pending[0].result(), pending[1])

    @staticmethod
    def _chunks(it: Iterator[Any], batch_size: int, as_tuples: bool) -> Iterator[tuple[list[Any], list[Any] | None]]:
        while True:
            chunk = list(islice(it, batch_size))
            if not chunk:
                return
            if not as_tuples:
                yield chunk, None
                continue
            for item in chunk:
                if not (isinstance(item, tuple) and len(item) == 2):
                    raise TypeError(f"with as_tuples=True each item must be a (text, context) pair, not {item!r:.60}")
            yield [text for text, _ in chunk], [ctx for _, ctx in chunk]

    @staticmethod
    def _wrap(results: list[Result], contexts: list[Any] | None) -> Iterator[Any]:
        return iter(results) if contexts is None else zip(results, contexts)

    def run(self, texts: Sequence[str], *, until: str | None = None) -> list[Message]:
        """The Messages after every stage of this backend (or up to and including stage `until`): what each stage
        added, for explaining a result or re-deciding it (`fuse`)."""
        names = [s.name for s in self.stages]
        if until is not None and until not in names:
            raise ConfigError(f"until must be one of {', '.join(names)} (the {self.backend} backend's stages), not {until!r}")
        stages = self.stages if until is None else self.stages[: names.index(until) + 1]
        return self._through(stages, self._messages(texts))

    @staticmethod
    def _messages(texts: Sequence[str]) -> list[Message]:
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"text must be str, not {type(t).__name__}")
        return [Message(t) for t in texts]

    @staticmethod
    def _through(stages: Sequence[Stage], messages: list[Message]) -> list[Message]:
        for stage in stages:
            messages = stage(messages)
        return messages

    def fuse(self, messages: Sequence[Message]) -> list[Result]:
        """Decide again, with this analyzer's fusion policy, on Messages another analyzer ran up to the model."""
        return [self._fuse.decide(m) for m in messages]

    def _results(self, texts: Sequence[str]) -> list[Result]:
        return self._back(texts, self._front(texts))

    def _front(self, texts: Sequence[str]) -> tuple[list[Message], list[list[int]]]:
        """The stages before the model, on `texts` cut into windows (a text longer than `window_chars` is read in
        windows, windows.py, so one huge text costs bounded memory), and where each text's windows start."""
        pieces, owners = [], []
        for text in texts:
            cuts = split_windows(text, self.window_chars) if isinstance(text, str) else [(0, text)]
            pieces.extend(piece for _, piece in cuts)
            owners.append([start for start, _ in cuts])
        return self._through(self.stages[: self._split], self._messages(pieces)), owners

    def _back(self, texts: Sequence[str], prepared: tuple[list[Message], list[list[int]]]) -> list[Result]:
        """The model and the stages after it, then each text's windows merged into its Result."""
        messages, owners = prepared
        done = iter(self._through(self.stages[self._split:], messages))
        out = []
        for text, starts in zip(texts, owners):
            parts = [(start, next(done)) for start in starts]
            out.append(parts[0][1].result if len(parts) == 1 else merge_windows(text, parts))  # type: ignore[arg-type]
        return out


def _backend(name: Backend | str) -> Backend:
    try:
        return Backend(name)
    except ValueError:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, not {name!r}") from None


def _model_policy(scorer: Scorer | None) -> FusionPolicy:
    """The fusion policy the model was exported with (its config.json); the defaults when there is no model."""
    if scorer is None:
        return FusionPolicy()
    c = scorer.config
    return FusionPolicy(
        thresholds=dict(scorer.thresholds), rule_decides=float(c.rule_decides), model_veto=float(c.model_veto),
        weak_rule_weight=float(c.weak_rule_weight), model_only_min_cjk=int(c.model_only_min_cjk),
        model_only_min_score=float(c.model_only_min_score),
    )


def _label_citations(matcher: RuleMatcher) -> dict[str, tuple[Citation, ...]]:
    out: dict[str, tuple[Citation, ...]] = {}
    for rule in sorted(matcher.rules, key=lambda r: -r.score):
        out.setdefault(rule.label, rule.citations)
    return out
