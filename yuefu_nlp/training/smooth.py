"""SmoothQuant for the FFN down-projections, applied before int8 export (torch).

Why: dynamic int8 quantization gives each activation tensor one scale per batch. The GELU output feeding every FFN
down-projection has a few channels up to ~60 while most stay near 1, so one scale wastes nearly all int8 levels on
those outliers; measured on the first shipped model, int8 then agreed with fp32 on only 98.5% of test decisions
(99.6% with the down-projections left in fp32). Dividing each channel by s_j and multiplying the matching weight
column by s_j is exact in real arithmetic (y = (h/s)(W*s)^T) and moves the outliers into the weights, which are
quantized per output channel. s_j = max|h_j|^alpha / max|W_:,j|^(1-alpha), from calibration texts (Xiao et al.,
"SmoothQuant", 2023). The division is one elementwise Mul in the graph.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from .classifier import LabelClassifier
from ..runtime.encoding import length_sorted_batches, pad_batch

__all__ = ["ChannelScale", "ffn_activation_max", "smooth_ffn_outputs"]


class ChannelScale(nn.Module):
    """Multiply the last dimension by a fixed vector."""

    def __init__(self, factor: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("factor", factor.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


@torch.no_grad()
def ffn_activation_max(
    model: LabelClassifier, seqs: Sequence[np.ndarray], pad_id: int, batch_size: int = 32
) -> list[torch.Tensor]:
    """Per layer, the per-channel max |GELU output| over the real (unpadded) tokens of `seqs`."""
    model.eval()
    stats: list[torch.Tensor | None] = [None] * model.n_layers
    mask_box: list[torch.Tensor] = []

    def hook(i: int):
        def record(_module, _inputs, out: torch.Tensor) -> None:
            a = out[mask_box[0].bool()].abs().amax(0)
            stats[i] = a if stats[i] is None else torch.maximum(stats[i], a)
        return record

    handles = [layer.intermediate.register_forward_hook(hook(i)) for i, layer in enumerate(model.bert.encoder.layer)]
    try:
        for idx in length_sorted_batches([len(s) for s in seqs], batch_size):
            ids, mask = pad_batch([seqs[i] for i in idx], pad_id)
            mask_box[:] = [torch.from_numpy(mask)]
            model(torch.from_numpy(ids), torch.from_numpy(mask))
    finally:
        for h in handles:
            h.remove()
    return stats  # type: ignore[return-value]


@torch.no_grad()
def smooth_ffn_outputs(
    model: LabelClassifier, seqs: Sequence[np.ndarray], pad_id: int, alpha: float = 0.7
) -> dict[str, float]:
    """Rescale every layer's FFN down-projection in place (outputs unchanged up to rounding); returns a summary."""
    if not seqs:
        raise ValueError("smoothing needs calibration sequences")
    stats = ffn_activation_max(model, seqs, pad_id)
    worst = 0.0
    for layer, act_max in zip(model.bert.encoder.layer, stats):
        weight = layer.output.dense.weight  # [hidden, intermediate]
        s = act_max.clamp(min=1e-5).pow(alpha) / weight.abs().amax(0).clamp(min=1e-5).pow(1 - alpha)
        weight.mul_(s[None, :])
        layer.intermediate.intermediate_act_fn = nn.Sequential(layer.intermediate.intermediate_act_fn, ChannelScale(1 / s))
        worst = max(worst, float(act_max.max()))
    return {"alpha": alpha, "calibration_sequences": len(seqs), "max_ffn_activation": worst}
