"""Knowledge distillation from a larger trained checkpoint (e.g. the 12-layer model into the 6-layer one).

Why soft targets and nothing more: for a sigmoid output, binary cross-entropy is linear in its target, so
`(1 - w) * BCE(y) + w * BCE(p_teacher)` equals `BCE((1 - w) * y + w * p_teacher)`. Distillation is therefore a change
of training targets, and the training loop stays as it is. Only rows from our own corpus are distilled: the teacher
saw far less COLD data than the student does and no SWSR at all, so those rows keep their hard insult labels.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ..domain import LABELS
from ..errors import ConfigError, TeacherError
from .classifier import checkpoint_encoder, load_classifier, window_probs
from .train_data import LabelledTexts

__all__ = ["teacher_probs", "distilled"]

# Rows whose targets stay hard: auxiliary corpora, and open-world rows (a teacher trained before them would pull
# them back towards the shortcuts they exist to unlearn).
NOT_DISTILLED = ("external:cold", "external:swsr", "openworld:")


def teacher_probs(
    ckpt_dir: str | Path, texts: Sequence[str], batch_size: int = 64, device: torch.device | None = None
) -> np.ndarray:
    """The teacher's probabilities [len(texts), labels] on the first window of each text, as the student trains."""
    ckpt = Path(ckpt_dir)
    if not (ckpt / "checkpoint.json").is_file():
        raise TeacherError(
            f"distillation teacher {ckpt} is not a checkpoint (no checkpoint.json). Train it first, e.g. "
            f"`python scripts/train.py --config scripts/configs/full12.yaml`, or set distill.teacher: null"
        )
    model, meta = load_classifier(ckpt)
    if tuple(meta["labels"]) != LABELS:
        raise TeacherError(f"teacher {ckpt} has labels {meta['labels']}, the student {list(LABELS)}")
    enc = checkpoint_encoder(ckpt, meta)
    return window_probs(model, enc.first_windows(texts), enc.pad_id, batch_size, device)


def distilled(
    train: LabelledTexts, teacher: str | Path, weight: float, batch_size: int = 64, device: torch.device | None = None
) -> LabelledTexts:
    """`train` with targets (1 - weight) * y + weight * teacher probability on every row not from NOT_DISTILLED."""
    if not 0.0 <= weight <= 1.0:
        raise ConfigError(f"distill.weight must lie in [0, 1], got {weight}")
    rows = np.flatnonzero([not s.startswith(NOT_DISTILLED) for s in train.sources])
    probs = teacher_probs(teacher, [train.texts[i] for i in rows], batch_size, device)
    y = train.y.copy()
    y[rows] = (1.0 - weight) * y[rows] + weight * probs
    return dataclasses.replace(train, y=y.astype(np.float32))
