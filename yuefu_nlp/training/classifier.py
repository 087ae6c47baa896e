"""The fine-tuned network: E5 (BERT) encoder, mean pooling, one linear sigmoid head over the four labels (torch).

Why split the forward pass into `lower` and `upper`: the embeddings and the lower encoder layers are frozen during
training, so their output is computed once per text and cached; only `upper` (top layers + head) runs per step.
The full `forward` is exactly `upper(lower(x))` and is what gets exported to ONNX.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
from transformers import BertConfig, BertModel

from ..errors import ModelError
from ..runtime.encoding import TextEncoder, length_sorted_batches, pad_batch

__all__ = ["LabelClassifier", "ProbabilityModel", "load_classifier", "save_classifier", "window_probs", "WEIGHTS", "META"]

WEIGHTS = "model.safetensors"
META = "checkpoint.json"


def _additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """[B, L] 0/1 mask -> [B, 1, 1, L] additive attention bias (0 where attended, very negative on padding)."""
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


class LabelClassifier(nn.Module):
    """BertModel body + masked mean pooling + dropout + Linear(hidden, n_labels); returns logits."""

    def __init__(self, bert: BertModel, n_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert = bert
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(bert.config.hidden_size, n_labels)

    @property
    def n_layers(self) -> int:
        return len(self.bert.encoder.layer)

    def lower(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, k: int) -> torch.Tensor:
        """Hidden states after the embeddings and the first `k` encoder layers."""
        h = self.bert.embeddings(input_ids=input_ids)
        bias = _additive_mask(attention_mask, h.dtype)
        for layer in self.bert.encoder.layer[:k]:
            h = layer(h, attention_mask=bias)
        return h

    def upper(self, hidden: torch.Tensor, attention_mask: torch.Tensor, k: int) -> torch.Tensor:
        """Logits from hidden states after layer `k`: remaining layers, mean pooling, head."""
        bias = _additive_mask(attention_mask, hidden.dtype)
        for layer in self.bert.encoder.layer[k:]:
            hidden = layer(hidden, attention_mask=bias)
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.upper(self.lower(input_ids, attention_mask, 0), attention_mask, 0)


class ProbabilityModel(nn.Module):
    """Export wrapper: (input_ids, attention_mask) -> (logits, sigmoid probabilities)."""

    def __init__(self, classifier: LabelClassifier) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.classifier(input_ids, attention_mask)
        return logits, torch.sigmoid(logits)


@torch.no_grad()
def window_probs(
    model: LabelClassifier, seqs: Sequence[np.ndarray], pad_id: int, batch_size: int = 64,
    device: torch.device | None = None,
) -> np.ndarray:
    """Sigmoid probabilities [len(seqs), labels] of id windows, in input order (length-sorted, dynamically padded)."""
    device = device or torch.device("cpu")
    model.to(device).eval()
    out = np.zeros((len(seqs), model.head.out_features), dtype=np.float32)
    for idx in length_sorted_batches([len(s) for s in seqs], batch_size):
        ids, mask = pad_batch([seqs[i] for i in idx], pad_id)
        logits = model(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
        out[idx] = torch.sigmoid(logits).float().cpu().numpy()
    return out


def save_classifier(model: LabelClassifier, out_dir: str | Path, meta: dict[str, Any]) -> Path:
    """Write weights (safetensors, fp32) and `checkpoint.json` (BERT config + everything in `meta`)."""
    from safetensors.torch import save_file

    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(d / WEIGHTS), metadata={"format": "pt"})
    full = {"bert_config": model.bert.config.to_dict(), "n_labels": model.head.out_features, **meta}
    (d / META).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return d


def load_classifier(ckpt_dir: str | Path, attn_implementation: str = "eager") -> tuple[LabelClassifier, dict]:
    """Rebuild a saved classifier (eval mode) and return it with its checkpoint metadata."""
    from safetensors.torch import load_file

    d = Path(ckpt_dir)
    meta = json.loads((d / META).read_text(encoding="utf-8"))
    cfg = BertConfig.from_dict(meta["bert_config"])
    cfg._attn_implementation = attn_implementation
    model = LabelClassifier(BertModel(cfg, add_pooling_layer=False), meta["n_labels"])
    missing, unexpected = model.load_state_dict(load_file(str(d / WEIGHTS)), strict=False)
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids"))]  # non-persistent buffers
    if missing or unexpected:
        raise ModelError(f"{d / WEIGHTS} does not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model.eval(), meta


def checkpoint_encoder(ckpt: str | Path, meta: dict[str, Any]) -> TextEncoder:
    """The encoder a checkpoint was trained with: its tokenizer, window settings and slot masking (checkpoint.json)."""
    return TextEncoder.from_file(Path(ckpt) / "tokenizer.json", meta["max_length"], meta["window_overlap"],
                                 bool(meta.get("slot_mask", False)))
