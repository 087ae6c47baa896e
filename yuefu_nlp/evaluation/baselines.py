"""The two baselines yuefu_nlp is compared against, in the same run and on the same split.

1. `WordFilter` — a generic sensitive-word filter, what many compliance teams run today: case-insensitive (ASCII)
   substring match of public profanity lists, used as distributed, with no normalization, negation, context or speaker
   handling. What it flags (DEFAULT_SOURCES): `insult` only, from the two LDNOOBW Chinese profanity lists (319 + 1,811
   terms), minus single-character terms (账, 交, 抖, 服... would flag every collection message; no deployment keeps
   them). It never flags threat, privacy_leak or false_legal_claim: the generic lists have no such terms (konsheng's
   violence lists are about terrorism and weapons, not threats to a debtor, and are not among the copied lists), and
   that gap is part of what the comparison shows.
2. `TfidfLogReg` — TF-IDF over character 1-3-grams plus jieba words, and one logistic regression per label
   (one-vs-rest), trained on the train split. Per-label thresholds are tuned on dev when a dev file is given, by the
   same tuner as the model's (`metrics.tune_thresholds`), else 0.5. Weights are stored as JSON (vocabularies, settings) + npz (idf, coefficients); prediction is
   plain numpy over those files, so a stored baseline loads without pickle and without scikit-learn.
"""
from __future__ import annotations

import gzip
import json
import logging
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..domain import LABELS
from ..errors import BaselineError, MissingFileError
from ..runtime.paths import REPO_ROOT
from .metrics import tune_thresholds

__all__ = [
    "DEFAULT_SOURCES", "WordFilter", "default_lexicon_dir", "TfidfConfig", "TfidfLogReg", "jieba_words", "char_ngrams",
    "FORMAT",
]

# (file under the lexicon folder, label it flags). The lists are used as distributed.
DEFAULT_SOURCES: tuple[tuple[str, str], ...] = (
    ("ldnoobw_zh/zh.txt", "insult"),
    ("ldnoobw_v2_zh/zh.txt", "insult"),
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # keeps offsets


def default_lexicon_dir() -> Path:
    """data/external/lexicons of the checkout; the shared read-only copy beside it while that is not there yet."""
    local = REPO_ROOT / "data" / "external" / "lexicons"
    shared = REPO_ROOT.parent / "shared" / "data" / "external" / "lexicons"
    return local if local.exists() or not shared.exists() else shared


def _read_terms(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [t.strip().translate(_ASCII_LOWER) for t in fh if t.strip()]


@dataclass(frozen=True)
class WordFilter:
    """Substring match of term lists; a label scores 1.0 when any of its terms occurs, else 0.0."""

    terms: Mapping[str, tuple[str, ...]]  # label -> terms (ASCII lower-cased)
    sources: tuple[str, ...] = ()
    _automaton: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        import ahocorasick

        by_term: dict[str, set[str]] = {}
        for label, terms in self.terms.items():
            for term in terms:
                by_term.setdefault(term, set()).add(label)
        auto = ahocorasick.Automaton()
        for term, labels in by_term.items():
            auto.add_word(term, (term, tuple(sorted(labels, key=LABELS.index))))
        if by_term:
            auto.make_automaton()
        object.__setattr__(self, "_automaton", auto if by_term else None)

    @classmethod
    def load(cls, lexicon_dir: str | Path | None = None,
             sources: Sequence[tuple[str, str]] = DEFAULT_SOURCES, min_chars: int = 2) -> "WordFilter":
        """Read the lists, keeping terms of at least `min_chars` characters; a missing list raises FileNotFoundError."""
        root = Path(lexicon_dir) if lexicon_dir else default_lexicon_dir()
        terms: dict[str, set[str]] = {}
        for rel, label in sources:
            if label not in LABELS:
                raise BaselineError(f"{rel}: unknown label {label!r}; map the list to one of {', '.join(LABELS)}")
            path = root / rel
            if not path.exists():
                raise MissingFileError(f"{path}: word list not found; pass --lexicon-dir with the profanity lists "
                                       f"(default data/external/lexicons)")
            terms.setdefault(label, set()).update(t for t in _read_terms(path) if len(t) >= min_chars)
        return cls({k: tuple(sorted(v)) for k, v in terms.items()}, tuple(f"{rel} -> {label}" for rel, label in sources))

    def matches(self, text: str) -> list[dict[str, Any]]:
        """Every term hit, shaped like a scored-CSV evidence item (label, start, end, text, rule_id, score)."""
        if self._automaton is None:
            return []
        hits = []
        for end, (term, labels) in self._automaton.iter(text.translate(_ASCII_LOWER)):
            start = end + 1 - len(term)
            for label in labels:
                hits.append({"label": label, "start": start, "end": end + 1, "text": text[start:end + 1],
                             "rule_id": "wordfilter", "score": 1.0, "citation": []})
        return hits

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 4) scores: 1.0 where a term of the label occurs."""
        out = np.zeros((len(texts), len(LABELS)))
        if self._automaton is None:
            return out
        for i, text in enumerate(texts):
            for _, (_, labels) in self._automaton.iter(text.translate(_ASCII_LOWER)):
                for label in labels:
                    out[i, LABELS.index(label)] = 1.0
        return out


# -- TF-IDF + logistic regression ------------------------------------------------------------------------------

FORMAT = "yuefu-tfidf-lr/1"
_WHITESPACE = re.compile(r"\s\s+")  # scikit-learn's char analyzer squeezes runs of whitespace the same way
_JIEBA: Any = None


def _tokenizer() -> Any:
    """A private jieba tokenizer with jieba's own dictionary only (no yuefu domain words: a generic baseline)."""
    global _JIEBA
    if _JIEBA is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        _JIEBA = tok
    return _JIEBA


def jieba_words(text: str) -> list[str]:
    """Lower-cased jieba words (HMM off, so tokens depend on the dictionary only), whitespace dropped."""
    return [w for w in _tokenizer().cut(text.lower(), HMM=False) if w.strip()]


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams exactly as scikit-learn's analyzer="char" makes them (lower-cased, whitespace squeezed)."""
    t = _WHITESPACE.sub(" ", text.lower())
    lo, hi = ngram_range
    return [t[i:i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]


@dataclass(frozen=True)
class TfidfConfig:
    """Training settings; stored with the weights so a result says how it was made."""

    char_ngram_range: tuple[int, int] = (1, 3)
    min_df: int = 2
    max_features: int = 100_000  # per block (char / word)
    C: float = 4.0
    class_weight: str | None = "balanced"
    max_iter: int = 2000
    seed: int = 0


def _tf_idf(tokens: Sequence[str], vocab: Mapping[str, int], idf: np.ndarray, offset: int) -> tuple[list[int], list[float]]:
    """One l2-normalised sublinear TF-IDF block, as (global column indices, values)."""
    counts = Counter(t for t in tokens if t in vocab)
    if not counts:
        return [], []
    cols = [vocab[t] for t in counts]
    vals = np.array([(1.0 + math.log(c)) for c in counts.values()]) * idf[cols]
    norm = float(np.sqrt((vals ** 2).sum()))
    if norm > 0:
        vals = vals / norm
    return [c + offset for c in cols], vals.tolist()


@dataclass(frozen=True, eq=False)
class TfidfLogReg:
    """A trained TF-IDF + one-vs-rest logistic regression; `predict_proba` needs only numpy."""

    config: TfidfConfig
    char_vocab: Mapping[str, int]
    word_vocab: Mapping[str, int]
    char_idf: np.ndarray
    word_idf: np.ndarray
    coef: np.ndarray  # (4, n_char + n_word)
    intercept: np.ndarray  # (4,)
    thresholds: Mapping[str, float]
    info: Mapping[str, Any] = field(default_factory=dict)  # training rows, label counts, files

    # -- training (scikit-learn) ---------------------------------------------------------------------------------
    @classmethod
    def fit(cls, texts: Sequence[str], y: np.ndarray, *, dev: tuple[Sequence[str], np.ndarray] | None = None,
            config: TfidfConfig = TfidfConfig(), info: Mapping[str, Any] | None = None) -> "TfidfLogReg":
        """Train on texts / (n, 4) 0/1 labels; tune thresholds on `dev` when given."""
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        common = dict(min_df=config.min_df, max_features=config.max_features, sublinear_tf=True, dtype=np.float64)
        char_vec = TfidfVectorizer(analyzer="char", ngram_range=tuple(config.char_ngram_range), **common)
        word_vec = TfidfVectorizer(analyzer=jieba_words, **common)
        x = hstack([char_vec.fit_transform(texts), word_vec.fit_transform(texts)]).tocsr()
        y = np.asarray(y, dtype=int)
        coef = np.zeros((len(LABELS), x.shape[1]))
        intercept = np.zeros(len(LABELS))
        for j in range(len(LABELS)):
            yj = y[:, j]
            if yj.min() == yj.max():  # a label absent (or everywhere) in training: a constant score
                intercept[j] = -30.0 if yj.max() == 0 else 30.0
                continue
            clf = LogisticRegression(C=config.C, class_weight=config.class_weight, max_iter=config.max_iter,
                                     solver="liblinear", random_state=config.seed)
            clf.fit(x, yj)
            coef[j], intercept[j] = clf.coef_[0], clf.intercept_[0]
        model = cls(
            config=config,
            char_vocab={k: int(v) for k, v in char_vec.vocabulary_.items()},
            word_vocab={k: int(v) for k, v in word_vec.vocabulary_.items()},
            char_idf=char_vec.idf_.copy(), word_idf=word_vec.idf_.copy(), coef=coef, intercept=intercept,
            thresholds={label: 0.5 for label in LABELS},
            info={"train_rows": len(texts), "train_positives": dict(zip(LABELS, y.sum(axis=0).tolist())),
                  **(info or {})},
        )
        if dev is not None and len(dev[0]):
            tuned = tune_thresholds(np.asarray(dev[1]), model.predict_proba(dev[0]))
            model = replace(model, thresholds=dict(zip(LABELS, tuned.tolist())), info={**model.info, "thresholds_tuned_on_dev_rows": len(dev[0])})
        return model

    # -- prediction (numpy only) ---------------------------------------------------------------------------------
    def features(self, text: str) -> tuple[list[int], list[float]]:
        """Sparse feature vector of one text: column indices and values."""
        c_cols, c_vals = _tf_idf(char_ngrams(text, tuple(self.config.char_ngram_range)), self.char_vocab,
                                 self.char_idf, 0)
        w_cols, w_vals = _tf_idf(jieba_words(text), self.word_vocab, self.word_idf, len(self.char_vocab))
        return c_cols + w_cols, c_vals + w_vals

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        out = np.tile(self.intercept, (len(texts), 1))
        for i, text in enumerate(texts):
            cols, vals = self.features(text)
            if cols:
                out[i] += self.coef[:, cols] @ np.asarray(vals)
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 4) per-label probabilities."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 4) 0/1 labels at the stored per-label thresholds."""
        thr = np.array([self.thresholds[label] for label in LABELS])
        return (self.predict_proba(texts) >= thr).astype(np.int8)

    def top_features(self, label: str, k: int = 20) -> list[tuple[str, float]]:
        """The k features that push `label` up most: what the baseline learned, for the error analysis."""
        names = {v: f"c:{t}" for t, v in self.char_vocab.items()}
        names.update({v + len(self.char_vocab): f"w:{t}" for t, v in self.word_vocab.items()})
        row = self.coef[LABELS.index(label)]
        return [(names[int(i)], round(float(row[i]), 4)) for i in np.argsort(-row)[:k]]

    # -- storage: JSON + npz, never pickle -----------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write model.json (settings, vocabularies, thresholds) and weights.npz (idf, coef, intercept)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT, "labels": list(LABELS), "config": asdict(self.config),
            "thresholds": dict(self.thresholds), "info": dict(self.info),
            "char_vocab": dict(self.char_vocab), "word_vocab": dict(self.word_vocab),
        }
        (folder / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(folder / "weights.npz", char_idf=self.char_idf, word_idf=self.word_idf,
                            coef=self.coef, intercept=self.intercept)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "TfidfLogReg":
        folder = Path(folder)
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or tuple(meta.get("labels", ())) != LABELS:
            raise BaselineError(f"{folder}: not a {FORMAT} model for labels {LABELS}; delete the folder and fit the "
                                f"baseline again (`yuefu evaluate --train <train split>`)")
        with np.load(folder / "weights.npz", allow_pickle=False) as w:
            arrays = {k: w[k] for k in ("char_idf", "word_idf", "coef", "intercept")}
        cfg = dict(meta["config"])
        cfg["char_ngram_range"] = tuple(cfg["char_ngram_range"])
        return cls(config=TfidfConfig(**cfg), char_vocab=meta["char_vocab"], word_vocab=meta["word_vocab"],
                   thresholds=meta["thresholds"], info=meta.get("info", {}), **arrays)
