"""Rows the model trains and is evaluated on, as model texts with label targets and loss masks.

Why loss masks: COLD (Zhihu/Weibo offensive-language data) tells us whether a comment is offensive, and SWSR (Weibo
comments on gender topics) whether one is sexist; we read both as `insult`. They say nothing about threats, privacy
leaks or legal claims, so their rows train the insult output only. SWSR's non-sexist rows discuss gender and bias
without attacking anyone (measured in scripts/configs/swsr.yaml: they did not teach the model COLD's "anti-bias" class).
Every text goes through `model_text`, the exact text the scorer sees at run time.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..corpus.external import load_cold
from ..corpus.openworld import is_bundle_row, is_openworld_row, row_group
from ..corpus.schema import load_rows
from ..domain import LABELS
from ..errors import MissingFileError
from ..pipeline.stages import model_text
from ..text.normalize import Normalizer
from ..text.slots import mask_slots
from .train_config import DataConfig, resolve

__all__ = ["LabelledTexts", "TrainingData", "load_training_data", "read_cold", "read_swsr_split"]

log = logging.getLogger(__name__)
INSULT = LABELS.index("insult")


@dataclass(frozen=True)
class LabelledTexts:
    """A columnar batch view for training, built from rows (`CorpusRow`s, COLD/SWSR pairs), not a row type: model
    texts with targets y [n, labels], loss mask [n, labels] and per-row loss weight."""

    texts: tuple[str, ...]
    y: np.ndarray
    mask: np.ndarray
    weight: np.ndarray
    sources: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    @staticmethod
    def concat(parts: Sequence["LabelledTexts"]) -> "LabelledTexts":
        parts = [p for p in parts if len(p)]
        if not parts:
            return _empty()
        return LabelledTexts(
            tuple(t for p in parts for t in p.texts),
            np.concatenate([p.y for p in parts]),
            np.concatenate([p.mask for p in parts]),
            np.concatenate([p.weight for p in parts]),
            tuple(s for p in parts for s in p.sources),
        )


def _empty() -> LabelledTexts:
    z = np.zeros((0, len(LABELS)), dtype=np.float32)
    return LabelledTexts((), z, z.copy(), np.zeros(0, dtype=np.float32), ())


@dataclass(frozen=True)
class TrainingData:
    """Train/dev rows, plus every text used only to build the vocabulary (test splits included: texts, no labels)."""

    train: LabelledTexts
    dev: LabelledTexts
    vocab_texts: tuple[str, ...]
    summary: dict = field(default_factory=dict)


def read_cold(cold_dir: str | Path, split: str) -> list[tuple[str, int]]:
    """(text, offensive 0/1) pairs of one COLD split, read by `corpus.external.load_cold`."""
    return [(r.text, r.offensive) for r in load_cold(split, resolve(cold_dir))]


def read_swsr_split(root: str | Path, split: str) -> list[tuple[str, int]]:
    """(text, sexist 0/1) rows of one split of SWSR: the seeded 80/10/10 split of `corpus.external.load_swsr`."""
    from ..corpus.external import load_swsr

    rows = load_swsr(resolve(root))[split]
    return list(zip(rows["text"], rows["label"]))


def _source_of(row) -> str:
    """Training-source tag: open-world rows are tagged by group (openworld:crosswoz, openworld:contrast, ...)."""
    return f"openworld:{row_group(row)}" if is_openworld_row(row) else row.source


def _gold(rows, normalizer: Normalizer, source_of=lambda r: r.source) -> LabelledTexts:
    texts, ys, srcs = [], [], []
    for r in rows:
        t = model_text(r.text, normalizer)
        if not t:
            continue  # nothing judged (e.g. only customer turns): the model never sees such a text
        texts.append(t)
        ys.append([1.0 if label in r.labels else 0.0 for label in LABELS])
        srcs.append(source_of(r))
    y = np.asarray(ys, dtype=np.float32).reshape(-1, len(LABELS))
    return LabelledTexts(tuple(texts), y, np.ones_like(y), np.ones(len(texts), dtype=np.float32), tuple(srcs))


def _insult_only(rows: list[tuple[str, int]], normalizer: Normalizer, weight: float, source: str,
                 negatives_all_labels: bool = False) -> LabelledTexts:
    """Offensive/sexist rows train the insult output only; with `negatives_all_labels` the other rows are negatives
    for all four outputs (an ordinary comment threatens, leaks and claims nothing either)."""
    texts = [model_text(t, normalizer) for t, _ in rows]
    keep = [i for i, t in enumerate(texts) if t]
    y = np.zeros((len(keep), len(LABELS)), dtype=np.float32)
    mask = np.zeros_like(y)
    y[:, INSULT] = [rows[i][1] for i in keep]
    mask[:, INSULT] = 1.0
    if negatives_all_labels:
        mask[y[:, INSULT] == 0] = 1.0
    w = np.full(len(keep), weight, dtype=np.float32)
    return LabelledTexts(tuple(texts[i] for i in keep), y, mask, w, (source,) * len(keep))


def _cap(rows: list, n: int | None, rng: random.Random) -> list:
    return rows if n is None or len(rows) <= n else rng.sample(rows, n)


def load_training_data(cfg: DataConfig, seed: int, normalizer: Normalizer | None = None,
                       slot_mask: bool = False) -> TrainingData:
    """Gold train + synthetic + COLD subsample for training, gold dev for early stopping and thresholds.

    Leak guards: synthetic rows whose family is in dev/test are dropped, and so is any training text that is the
    same model input as a dev, test or held-out open-world text: after normalization, and with `slot_mask` (the
    model reads text.slots.mask_slots) after masking, so a template sent to another debtor counts as the held-out
    text. Within train only exact copies are dropped: two debtors' copies of a template stay two rows, as they
    were before masking (dropping them cost 386 rows, 46 of them threats, and threat recall on test).
    """
    rng = random.Random(seed)
    norm = normalizer or Normalizer()
    train_rows = _cap(load_rows([resolve(p) for p in cfg.train]), cfg.max_rows, rng)
    if cfg.openworld_bundle_rows is not None:  # the sampling ratio of third-party open-world lines
        bundle = [r for r in train_rows if is_bundle_row(r)]
        train_rows = [r for r in train_rows if not is_bundle_row(r)] + _cap(bundle, cfg.openworld_bundle_rows, rng)
    dev_rows = _cap(load_rows([resolve(p) for p in cfg.dev]), cfg.max_rows, rng)
    test_rows = _cap(load_rows([resolve(p) for p in cfg.test]), cfg.max_rows, rng)
    summary: dict = {"missing": []}

    synth_paths = [resolve(p) for p in cfg.synthetic]
    missing = [p for p in synth_paths if not p.is_file()]
    if missing and cfg.synthetic_required:
        raise MissingFileError(f"synthetic data missing: {[str(p) for p in missing]}; run scripts/make_synthetic.py "
                               f"or set data.synthetic_required: false")
    for p in missing:
        log.warning("synthetic file %s does not exist; training without it", p)
        summary["missing"].append(str(p))
    synth_rows = load_rows([p for p in synth_paths if p.is_file()]) if len(missing) < len(synth_paths) else []
    held_families = {r.family for r in dev_rows + test_rows}
    n_synth = len(synth_rows)
    seen_ids = {r.id for r in train_rows}
    synth_rows = [r for r in synth_rows if r.family not in held_families and r.id not in seen_ids]
    synth_rows = _cap(synth_rows, cfg.max_rows, rng)
    summary["synthetic_dropped_for_leaks_or_duplicates"] = n_synth - len(synth_rows)
    if cfg.synthetic_rows is not None:  # one cap over synthetic rows wherever they come from
        own = [r for r in train_rows if r.source_kind != "synthetic"]
        synthetic = [r for r in train_rows + synth_rows if r.source_kind == "synthetic"]
        summary["synthetic_available"] = len(synthetic)
        train_rows, synth_rows = own, _cap(synthetic, cfg.synthetic_rows, rng)

    cold_train = read_cold(cfg.cold_dir, "train") if cfg.cold_train_rows else []
    cold_train = _cap(cold_train, cfg.cold_train_rows, rng)
    swsr_train = _cap(read_swsr_split(cfg.swsr_root, "train"), cfg.swsr_train_rows, rng) if cfg.swsr_train_rows else []
    cold_test = read_cold(cfg.cold_dir, "test")
    cold_test = cold_test[: cfg.cold_test_rows] if cfg.cold_test_rows is not None else cold_test  # export scores these

    gold_train = _gold(train_rows, norm, _source_of)
    synth = _gold(synth_rows, norm)
    dev = _gold(dev_rows, norm, _source_of)
    test_texts = [model_text(r.text, norm) for r in test_rows]
    ow_test = load_rows([resolve(p) for p in cfg.openworld_test]) if cfg.openworld_test else []
    same_input = mask_slots if slot_mask else (lambda t: t)
    held_texts = {same_input(t) for t in [*dev.texts, *test_texts, *(model_text(r.text, norm) for r in ow_test)]}

    train = LabelledTexts.concat([
        gold_train, synth,
        _insult_only(cold_train, norm, cfg.cold_loss_weight, "external:cold", cfg.cold_safe_all_labels),
        _insult_only(swsr_train, norm, cfg.swsr_loss_weight, "external:swsr"),
    ])
    keep, seen = [], set()
    for i, t in enumerate(train.texts):
        if same_input(t) in held_texts or t in seen:
            continue
        seen.add(t)
        keep.append(i)
    summary["train_dropped_duplicates_or_held_out_texts"] = len(train) - len(keep)
    k = np.asarray(keep, dtype=np.int64)
    train = LabelledTexts(
        tuple(train.texts[i] for i in keep), train.y[k], train.mask[k], train.weight[k],
        tuple(train.sources[i] for i in keep),
    )
    cold_test_texts = [model_text(t, norm) for t, _ in cold_test]
    vocab_texts = tuple(dict.fromkeys([*train.texts, *dev.texts, *test_texts, *cold_test_texts]))
    summary.update({
        "train_rows": len(train),
        "train_by_source": {s: train.sources.count(s) for s in sorted(set(train.sources))},
        "train_label_counts": {label: int(train.y[train.mask[:, j] > 0, j].sum()) for j, label in enumerate(LABELS)},
        "dev_rows": len(dev),
        "dev_label_counts": {label: int(dev.y[:, j].sum()) for j, label in enumerate(LABELS)},
        "test_rows_vocab_only": len(test_texts),
        "cold_train_rows": len(cold_train),
        "swsr_train_rows": len(swsr_train),
        "cold_test_rows_vocab_only": len(cold_test),
        "vocab_texts": len(vocab_texts),
    })
    return TrainingData(train=train, dev=dev, vocab_texts=vocab_texts, summary=summary)
