"""Score model texts with the shipped ONNX model: onnxruntime + tokenizers + numpy, never torch.

Why no torch: the scorer runs wherever `yuefu score` runs (compliance laptops, batch servers); torch is a
multi-gigabyte training dependency. The folder's sha256 manifest is checked before anything is read from it.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np
import onnxruntime as ort

from ..errors import ConfigError, ModelError
from .encoding import TextEncoder, length_sorted_batches, pad_batch
from .manifest import verify_manifest
from .paths import default_model_dir
from .scorer import ScorerConfig

__all__ = ["OnnxScorer", "REQUIRED_FILES", "available_cores"]

REQUIRED_FILES = ("model.onnx", "tokenizer.json", "labels.json", "thresholds.json", "config.json")


def available_cores() -> int:
    """CPU cores this process may use (respects taskset/cgroup affinity where the OS exposes it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxScorer:
    """The `Scorer` of the shipped model: per-label probabilities for model texts (`pipeline.stages.model_text`)."""

    def __init__(
        self,
        session: ort.InferenceSession,
        encoder: TextEncoder,
        labels: tuple[str, ...],
        thresholds: dict[str, float],
        config: ScorerConfig,
        model_dir: Path | None = None,
        threads: int = 1,
    ) -> None:
        self.session = session
        self.encoder = encoder
        self.labels = labels
        self.thresholds = thresholds
        self.config = config
        self.model_dir = model_dir
        self.threads = threads
        # windows run one at a time (see run_windows), `threads` at once: one session, one intra-op thread per run
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="yuefu-onnx") if threads > 1 else None

    @classmethod
    def load(
        cls,
        model_dir: str | Path | None = None,
        *,
        threads: int | None = None,
        model_file: str = "model.onnx",
        verify: bool = True,
        batched: bool = False,
    ) -> "OnnxScorer":
        """Load a model folder (default: the shipped model), after verifying its sha256 manifest.

        `model_file` lets export checks load an unshipped variant (e.g. the fp32 ONNX) from the same folder.
        `batched` builds the session for padded batches (`threads` inside each run) instead of windows run one at a
        time in parallel: for benchmarks that compare the two, never for scoring (see run_windows).
        """
        d = Path(model_dir) if model_dir is not None else default_model_dir()
        if verify:
            verify_manifest(d, required=REQUIRED_FILES)
        try:
            labels = tuple(json.loads((d / "labels.json").read_text(encoding="utf-8")))
            raw_thresholds = json.loads((d / "thresholds.json").read_text(encoding="utf-8"))
            cfg_raw = json.loads((d / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(f"cannot read the model folder {d}: {e}") from None
        if set(raw_thresholds) != set(labels):
            raise ModelError(f"{d}/thresholds.json has labels {sorted(raw_thresholds)}, labels.json has {list(labels)}")
        fields = ScorerConfig.__dataclass_fields__
        config = ScorerConfig(**{k: v for k, v in cfg_raw.items() if k in fields})
        if threads is not None and threads < 1:
            raise ConfigError(f"threads must be >= 1, not {threads}")
        threads = threads or available_cores()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads if batched else 1  # else parallel across windows (run_windows)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(d / model_file), opts, providers=["CPUExecutionProvider"])
            encoder = TextEncoder.from_file(d / "tokenizer.json", config.max_length, config.window_overlap,
                                           config.slot_mask)
        except Exception as e:  # onnxruntime/tokenizers raise their own types for unreadable files
            raise ModelError(f"cannot load the model in {d}: {e}") from None
        thresholds = {label: float(raw_thresholds[label]) for label in labels}
        return cls(session, encoder, labels, thresholds, config, d, 1 if batched else threads)

    def predict_proba(self, texts: Sequence[str], batch_size: int | None = None) -> list[dict[str, float]]:
        """One {label: probability} per text; a long text gets the maximum over its overlapping windows."""
        return [dict(zip(self.labels, map(float, row))) for row in self.predict_array(texts, batch_size)]

    def predict_array(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Probabilities as a float32 array [len(texts), len(labels)], in `self.labels` order."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        owners, seqs = [], []
        for i, windows in enumerate(self.encoder.windows(texts)):
            owners.extend([i] * len(windows))
            seqs.extend(windows)
        owners_arr = np.asarray(owners)
        probs = self.run_windows(seqs, batch_size)
        np.maximum.at(out, owners_arr, probs)
        return out

    def run_windows(self, seqs: Sequence[np.ndarray], batch_size: int | None = None) -> np.ndarray:
        """Model output for id windows, rows in input order.

        By default (batch_size None or 1) each window runs on its own, unpadded, `threads` windows at a time: a text's
        probabilities then never depend on what else is scored with it (the int8 model quantizes its activations per
        call, so in a shared batch they moved with the neighbours, enough to flip a borderline label), and on short
        texts one intra-op thread per window is faster than threads inside a padded batch. `batch_size` > 1 runs
        padded length-sorted batches instead (benchmarks and export checks compare the two)."""
        result = np.zeros((len(seqs), len(self.labels)), dtype=np.float32)
        if batch_size is not None and batch_size > 1:
            for idx in length_sorted_batches([len(s) for s in seqs], batch_size):
                ids, mask = pad_batch([seqs[i] for i in idx], self.encoder.pad_id)
                (probs,) = self.session.run([self.config.output], {"input_ids": ids, "attention_mask": mask})
                result[idx] = probs
            return result
        rows = self._pool.map(self._one, seqs) if self._pool and len(seqs) > 1 else map(self._one, seqs)
        for i, row in enumerate(rows):
            result[i] = row
        return result

    def _one(self, seq: np.ndarray) -> np.ndarray:
        ids = np.asarray(seq, dtype=np.int64)[None, :]
        (probs,) = self.session.run([self.config.output], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        return probs[0]
