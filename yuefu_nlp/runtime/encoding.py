"""Token ids the model reads: `<s> piece… </s>` windows of at most `max_length` tokens, and padded batches.

Why one module for training and scoring: the ids a model was trained on and the ids it is scored on must be built by
the same code, or accuracy quietly drops. Long texts (call transcripts) become overlapping windows; the scorer takes
the maximum per label over a text's windows, training reads the first window. Uses tokenizers and numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Tokenizer

from ..errors import ConfigError, ModelError
from ..text.slots import mask_slots

__all__ = ["TextEncoder", "pad_batch", "length_sorted_batches"]


@dataclass(frozen=True)
class TextEncoder:
    """Turns model texts into id windows; `overlap` tokens are shared by consecutive windows of one long text.
    `slot_mask`: the model was trained on `text.slots.mask_slots` of its texts, so every text is masked here too."""

    tokenizer: Tokenizer
    max_length: int = 128
    overlap: int = 32
    bos_id: int = 0
    eos_id: int = 2
    pad_id: int = 1
    slot_mask: bool = False

    @classmethod
    def from_file(cls, tokenizer_json: str | Path, max_length: int = 128, overlap: int = 32,
                  slot_mask: bool = False) -> "TextEncoder":
        tok = Tokenizer.from_file(str(tokenizer_json))
        tok.no_truncation()
        tok.no_padding()
        ids = {t: tok.token_to_id(t) for t in ("<s>", "</s>", "<pad>")}
        if None in ids.values():
            raise ModelError(f"{tokenizer_json} lacks one of <s>, </s>, <pad>: {ids}")
        if not 0 <= overlap < max_length - 2:
            raise ConfigError(f"overlap must be in [0, max_length - 2), got {overlap} for max_length {max_length}")
        return cls(tok, max_length, overlap, ids["<s>"], ids["</s>"], ids["<pad>"], slot_mask)

    def canonical(self, text: str) -> str:
        """The text as the model reads it: texts with the same canonical form get the same ids, so the same scores."""
        return mask_slots(text) if self.slot_mask else text

    def windows(self, texts: Sequence[str]) -> list[list[np.ndarray]]:
        """For each text, its windows as int64 id arrays `<s> … </s>` (one window unless the text is long)."""
        body = self.max_length - 2
        step = body - self.overlap
        out = []
        for enc in self.tokenizer.encode_batch([self.canonical(t) for t in texts], add_special_tokens=False):
            ids = enc.ids
            starts = [0] if len(ids) <= body else list(range(0, len(ids) - body, step)) + [len(ids) - body]
            out.append([np.array([self.bos_id, *ids[s : s + body], self.eos_id], dtype=np.int64) for s in starts])
        return out

    def first_windows(self, texts: Sequence[str]) -> list[np.ndarray]:
        """One window per text, truncated to `max_length` (what training reads)."""
        return [w[0] for w in self.windows(texts)]


def pad_batch(seqs: Sequence[np.ndarray], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad to the longest sequence of this batch (dynamic padding): (input_ids, attention_mask), both int64."""
    width = max(len(s) for s in seqs)
    ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return ids, mask


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Index batches of similar length (longest first), so dynamic padding wastes little compute."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
