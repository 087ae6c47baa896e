"""Run every system under comparison on the same texts, the same way: for `yuefu evaluate` and for the model card.

Why one place: the comparison is only fair if every system sees the same texts, is timed over the same pass (load
time and a warm-up call excluded) and reports scores, 0/1 labels and evidence in one shape. A system that cannot be
loaded (the model before it ships, a missing lexicon or train split) is reported as unavailable with the reason; it
never stops the others.

The export (training/package.py) and checkpoint comparison (training/compare.py) measure with the same functions:
`analyzer_labels` for an Analyzer, `model_probs`/`model_labels` for a bare `Scorer` (the ONNX model or a torch
checkpoint, no Analyzer needed), and `evaluate_systems`/`insult_summary` for the card's figures. No torch here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from ..domain import LABELS
from ..errors import ConfigError, MissingFileError
from ..pipeline.stages import model_text
from ..runtime.paths import REPO_ROOT
from ..runtime.scorer import Scorer
from ..text.normalize import Normalizer
from .baselines import TfidfLogReg, WordFilter
from .dataset import label_matrix, load_labelled
from .metrics import binary_summary, decisions, multilabel_summary

if TYPE_CHECKING:
    from ..analyzer import Analyzer

__all__ = [
    "ANALYZER_BACKENDS", "BASELINES", "SystemOutput", "Unavailable", "run_analyzer", "run_wordfilter", "run_tfidf",
    "train_tfidf", "run_systems", "analyzer_labels", "model_probs", "model_labels", "evaluate_systems",
    "insult_summary",
]

ANALYZER_BACKENDS: tuple[str, ...] = ("rules", "model", "fused")
BASELINES: tuple[str, ...] = ("wordfilter", "tfidf_lr")


@dataclass(frozen=True, eq=False)
class SystemOutput:
    """One system's predictions on n texts: (n, 4) scores and 0/1 labels, per-row evidence, and timing."""

    name: str
    kind: str  # "yuefu" (an Analyzer backend) or "baseline"
    scores: np.ndarray
    pred: np.ndarray
    thresholds: Mapping[str, float]
    findings: tuple[tuple[Mapping[str, Any], ...], ...]
    seconds: float  # the timed prediction pass only
    load_seconds: float
    batch_size: int | None = None
    notes: str = ""
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.scores.shape[0])

    def throughput(self, texts: Sequence[str]) -> dict[str, Any]:
        """Messages and characters per second of the timed pass (single process)."""
        chars = sum(len(t) for t in texts)
        s = max(self.seconds, 1e-9)
        return {
            "messages": self.n, "seconds": round(self.seconds, 4), "messages_per_s": round(self.n / s, 1),
            "chars_per_s": round(chars / s, 1), "mean_chars": round(chars / max(self.n, 1), 1),
            "batch_size": self.batch_size, "load_seconds": round(self.load_seconds, 3),
        }


@dataclass(frozen=True)
class Unavailable:
    """A system that could not be run, and why (shown in the report and by the CLI)."""

    name: str
    reason: str


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run_analyzer(backend: str, texts: Sequence[str], *, batch_size: int = 64,
                 model_dir: str | Path | None = None) -> SystemOutput:
    """Score texts with `Analyzer.load(backend)`; raises whatever loading raises (the caller decides)."""
    from ..analyzer import Analyzer

    analyzer, load_s = _timed(lambda: Analyzer.load(backend=backend, model_dir=model_dir))  # type: ignore[arg-type]
    if texts:
        analyzer.analyze(texts[0])  # warm-up: lazy caches are not throughput
    results, seconds = _timed(lambda: list(analyzer.analyze_batch(list(texts), batch_size=batch_size)))
    scores = np.array([[r.scores.get(label, 0.0) for label in LABELS] for r in results], dtype=float)
    scores = scores.reshape(len(results), len(LABELS))
    pred = label_matrix([r.labels for r in results])
    findings = tuple(tuple(f.to_dict() for f in r.findings) for r in results)
    thresholds = {label: 0.5 for label in LABELS}  # every backend flags at score >= 0.5 (fusion.FLAG_AT)
    return SystemOutput(backend, "yuefu", scores, pred, thresholds, findings, seconds, load_s, batch_size,
                        notes=f"Analyzer.load(backend={backend!r})")


def run_wordfilter(texts: Sequence[str], *, lexicon_dir: str | Path | None = None) -> SystemOutput:
    """The generic sensitive-word filter baseline (insult only, see baselines.py)."""
    wf, load_s = _timed(lambda: WordFilter.load(lexicon_dir))
    scores, seconds = _timed(lambda: wf.predict_proba(texts))
    findings = tuple(tuple(wf.matches(t)) for t in texts)
    pred = (scores >= 0.5).astype(np.int8)
    return SystemOutput("wordfilter", "baseline", scores, pred, {label: 0.5 for label in LABELS}, findings, seconds,
                        load_s, notes="substring match, LDNOOBW zh profanity lists -> insult",
                        info={"sources": list(wf.sources), "terms": {k: len(v) for k, v in wf.terms.items()}})


def train_tfidf(train: str | Path, dev: str | Path | None = None, *, save_to: str | Path | None = None,
                subset: int | None = None) -> TfidfLogReg:
    """Fit the TF-IDF + LR baseline on a labelled train file (thresholds tuned on dev if given); save as JSON/npz."""
    from .dataset import subset as take

    rows = take(load_labelled(train), subset)
    dev_data = None
    if dev is not None and Path(dev).exists():
        dev_rows = take(load_labelled(dev), subset)
        dev_data = ([r.text for r in dev_rows], label_matrix([r.labels for r in dev_rows]))
    model = TfidfLogReg.fit([r.text for r in rows], label_matrix([r.labels for r in rows]), dev=dev_data,
                            info={"train_file": str(train), "dev_file": str(dev) if dev_data else None})
    if save_to is not None:
        model.save(save_to)
    return model


def run_tfidf(texts: Sequence[str], model: TfidfLogReg, *, load_seconds: float = 0.0) -> SystemOutput:
    """Score texts with a trained (or loaded) TF-IDF + LR baseline; evidence = its top contributing features."""
    scores, seconds = _timed(lambda: model.predict_proba(texts))
    thr = np.array([model.thresholds[label] for label in LABELS])
    pred = (scores >= thr).astype(np.int8)
    findings = tuple(() for _ in texts)  # a linear model over n-grams has no spans to show
    return SystemOutput("tfidf_lr", "baseline", scores, pred, dict(model.thresholds), findings, seconds,
                        load_seconds, notes="TF-IDF char 1-3-grams + jieba words, one-vs-rest logistic regression",
                        info=dict(model.info))


def run_systems(
    texts: Sequence[str], *, backends: Sequence[str] = ANALYZER_BACKENDS, baselines: bool = True,
    train: str | Path | None = None, dev: str | Path | None = None, baseline_dir: str | Path | None = None,
    lexicon_dir: str | Path | None = None, model_dir: str | Path | None = None, batch_size: int = 64,
    train_subset: int | None = None, log: Callable[[str], None] = lambda _: None,
) -> tuple[list[SystemOutput], list[Unavailable]]:
    """Run the named Analyzer backends and (optionally) both baselines; collect the ones that fail as Unavailable.

    The TF-IDF baseline is trained on `train` (and saved under `baseline_dir/tfidf_lr`), or loaded from
    `baseline_dir/tfidf_lr` when no train file is given and one is stored there.
    """
    outputs: list[SystemOutput] = []
    missing: list[Unavailable] = []

    def attempt(name: str, fn: Callable[[], SystemOutput]) -> None:
        log(f"running {name} on {len(texts)} rows ...")
        try:
            outputs.append(fn())
        except Exception as exc:  # noqa: BLE001 - one broken system must not hide the others' results
            reason = f"{type(exc).__name__}: {exc}".strip().replace(f"{REPO_ROOT}/", "")  # committed reports
            missing.append(Unavailable(name, reason))
            log(f"  {name} unavailable: {reason}")

    for backend in backends:
        if backend not in ANALYZER_BACKENDS:
            raise ConfigError(f"unknown backend {backend!r} (choose from {', '.join(ANALYZER_BACKENDS)})")
        attempt(backend, lambda b=backend: run_analyzer(b, texts, batch_size=batch_size, model_dir=model_dir))
    if baselines:
        attempt("wordfilter", lambda: run_wordfilter(texts, lexicon_dir=lexicon_dir))
        attempt("tfidf_lr", lambda: _tfidf_output(texts, train, dev, baseline_dir, train_subset))
    return outputs, missing


def _tfidf_output(texts: Sequence[str], train: str | Path | None, dev: str | Path | None,
                  baseline_dir: str | Path | None, train_subset: int | None) -> SystemOutput:
    folder = Path(baseline_dir) / "tfidf_lr" if baseline_dir else None
    if train is not None and Path(train).exists():
        model, fit_s = _timed(lambda: train_tfidf(train, dev, save_to=folder, subset=train_subset))
        if folder is not None:  # score with what was stored, so the reported figures are those of the JSON/npz files
            model = TfidfLogReg.load(folder)
        return run_tfidf(texts, model, load_seconds=fit_s)
    if folder is not None and (folder / "model.json").exists():
        model, load_s = _timed(lambda: TfidfLogReg.load(folder))
        return run_tfidf(texts, model, load_seconds=load_s)
    raise MissingFileError(f"{train}: no train split to fit the TF-IDF baseline on, and no stored one; "
                           f"run scripts/make_splits.py or pass --train")


# -- the model card's figures (training/package.py, training/compare.py) ---------------------------------------

def analyzer_labels(analyzer: "Analyzer", texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Boolean [n, labels]: the labels the Analyzer flags (untimed; `run_analyzer` is the timed, evidence-keeping run)."""
    return label_matrix([r.labels for r in analyzer.analyze_batch(list(texts), batch_size=batch_size)]).astype(bool)


def model_probs(
    scorer: Scorer, texts: Sequence[str], normalizer: Normalizer | None = None, batch_size: int | None = None
) -> np.ndarray:
    """Scorer probabilities [n, labels] for raw texts (built into model texts first); 0 where nothing is judged.

    By default each text is scored on its own, as `yuefu score` scores it (runtime/onnx_scorer.py: the int8 model
    quantizes activations per call, so only that makes a text's score independent of its neighbours); `batch_size`
    > 1 scores padded batches instead, for comparing the two.
    """
    norm = normalizer or Normalizer()
    mts = [model_text(t, norm) for t in texts]
    out = np.zeros((len(texts), len(scorer.labels)), dtype=np.float32)
    todo = [i for i, t in enumerate(mts) if t]
    if todo:
        out[todo] = scorer.predict_array([mts[i] for i in todo], batch_size=batch_size)
    return out


def model_labels(scorer: Scorer, texts: Sequence[str]) -> np.ndarray:
    """Boolean [n, labels]: model probability >= the scorer's dev-tuned threshold (the model alone, no fusion)."""
    return decisions(model_probs(scorer, texts), [scorer.thresholds[label] for label in LABELS])


def evaluate_systems(
    texts: Sequence[str], y_true: np.ndarray, scorer: Scorer, rules_analyzer: "Analyzer", fused_analyzer: "Analyzer",
    n_boot: int = 1000,
) -> dict[str, dict[str, Any]]:
    """Rules-only, model-only (probability >= dev-tuned threshold) and fused figures on one labelled set."""
    return {
        "rules": multilabel_summary(y_true, analyzer_labels(rules_analyzer, texts), n_boot=n_boot),
        "model": multilabel_summary(y_true, model_labels(scorer, texts), n_boot=n_boot),
        "fused": multilabel_summary(y_true, analyzer_labels(fused_analyzer, texts), n_boot=n_boot),
    }


def insult_summary(scorer: Scorer, rows: Sequence[tuple[str, int]], n_boot: int = 1000) -> dict[str, Any]:
    """A binary corpus (COLD offensive vs safe, SWSR sexist vs not) read from the insult output, at the dev-tuned
    insult threshold and at 0.5."""
    probs = model_probs(scorer, [t for t, _ in rows])[:, list(scorer.labels).index("insult")]
    y = np.asarray([lab for _, lab in rows], dtype=bool)
    out: dict[str, Any] = {"rows": int(len(rows))}
    for name, th in (("at_dev_threshold", scorer.thresholds["insult"]), ("at_0.5", 0.5)):
        out[name] = {"threshold": float(th), **binary_summary(y, probs >= th, n_boot)}
    return out
