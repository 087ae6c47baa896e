"""Trim the 250k-piece XLM-R vocabulary down to what Chinese collection messages need.

Why: the word-embedding matrix is 96M of multilingual-e5-small's 118M
parameters, almost all for languages we never see. Keeping the pieces our
corpus uses plus every single CJK character / ASCII character / punctuation
piece shrinks the model ~4x, while unseen Chinese text still splits into known
single-character pieces instead of ``<unk>`` (a coarser but honest fallback;
``<unk>`` itself is kept for characters XLM-R never had).

Why the corpus texts tokenize identically: Unigram picks the best-scoring
segmentation; the pieces of the full vocabulary's best path are all kept, and
every path over the kept pieces also exists in the full vocabulary, so the
best path cannot change (barring exact score ties).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from ..errors import ConversionError

if TYPE_CHECKING:
    from transformers import PreTrainedModel

META = "\u2581"  # SentencePiece word-start marker
DEFAULT_PREFIXES = ("query: ", "passage: ")  # E5 input prefixes; always keep their pieces

# Single characters always kept (as "X" and "▁X"), so unseen text in these scripts never hits <unk>.
KEEP_RANGES = {
    "cjk": [
        (0x4E00, 0x9FFF),  # CJK Unified Ideographs
        (0x3400, 0x4DBF),  # Extension A
        (0xF900, 0xFAFF),  # Compatibility Ideographs
        (0x20000, 0x2FA1F),  # Extensions B-F, compatibility supplement
    ],
    "punct": [
        (0x3000, 0x303F),  # CJK symbols and punctuation: 。、「」《》
        (0x2000, 0x206F),  # general punctuation: “ ” — …
        (0xFF00, 0xFFEF),  # half/full-width forms left after NFKC
    ],
    "ascii": [(0x21, 0x7E)],  # letters, digits, punctuation
}


@dataclass
class TrimResult:
    """Outcome of :func:`trim_vocabulary`; ids are array indices."""

    tokenizer_path: Path
    kept_old_ids: np.ndarray  # new id -> old id (int64, ascending)
    old_to_new: np.ndarray  # old id -> new id, -1 where dropped
    full_vocab_size: int
    kept_by_reason: dict[str, int] = field(default_factory=dict)
    min_score_full: float = 0.0
    min_score_kept: float = 0.0

    @property
    def kept_vocab_size(self) -> int:
        """Number of pieces in the trimmed vocabulary."""
        return int(self.kept_old_ids.size)

    def embedding_parameters(self, hidden_size: int = 384, model_rows: int | None = None) -> tuple[int, int]:
        """(full, trimmed) word-embedding parameter counts; ``model_rows`` if the matrix has padding rows."""
        return (model_rows or self.full_vocab_size) * hidden_size, self.kept_vocab_size * hidden_size


def _single_char_reason(piece: str) -> str | None:
    """Which KEEP_RANGES group a one-character piece ("X" or "▁X") belongs to, if any."""
    ch = piece[1:] if piece.startswith(META) and len(piece) == 2 else piece
    if len(ch) != 1:
        return None
    cp = ord(ch)
    for reason, ranges in KEEP_RANGES.items():
        if any(lo <= cp <= hi for lo, hi in ranges):
            return reason
    return None


def _remap_post_processor(pp: dict | None, old_to_new: np.ndarray) -> None:
    """Rewrite special-token ids inside a tokenizer.json post_processor, in place."""
    if not pp:
        return
    kind = pp.get("type")
    if kind == "TemplateProcessing":
        for tok in pp.get("special_tokens", {}).values():
            tok["ids"] = [int(old_to_new[i]) for i in tok["ids"]]
    elif kind in ("RobertaProcessing", "BertProcessing"):
        for key in ("sep", "cls"):
            pp[key] = [pp[key][0], int(old_to_new[pp[key][1]])]
    elif kind == "Sequence":
        for sub in pp.get("processors", []):
            _remap_post_processor(sub, old_to_new)


def trim_vocabulary(
    tokenizer_json_path: str | Path,
    texts: Iterable[str],
    out_dir: str | Path,
    prefixes: Sequence[str] = DEFAULT_PREFIXES,
) -> TrimResult:
    """Write a trimmed ``tokenizer.json`` (and ``vocab_map.json``) to ``out_dir``.

    Kept: special/added tokens, every piece the full tokenizer produces on
    ``texts`` (bare and with each E5 prefix), and every single CJK, CJK/general
    punctuation and printable ASCII character piece, with and without "▁".
    New ids are contiguous and follow the old order; scores are unchanged.
    """
    from tokenizers import Tokenizer

    src = Path(tokenizer_json_path)
    spec = json.loads(src.read_text(encoding="utf-8"))
    model = spec["model"]
    if model.get("type") != "Unigram":
        raise ConversionError(f"only Unigram tokenizers are supported, got {model.get('type')}")
    vocab = model["vocab"]
    n = len(vocab)

    reasons: dict[int, str] = {}
    for tok in spec.get("added_tokens", []):
        reasons[tok["id"]] = "special"
    reasons.setdefault(model["unk_id"], "special")
    full = Tokenizer.from_file(str(src))
    texts = list(texts)
    batch = texts + list(prefixes) + [p + t for p in prefixes for t in texts]
    for enc in full.encode_batch(batch):
        for i in enc.ids:
            reasons.setdefault(i, "used")
    for i, (piece, _) in enumerate(vocab):
        if i not in reasons:
            r = "meta" if piece == META else _single_char_reason(piece)
            if r:
                reasons[i] = r

    kept = np.array(sorted(reasons), dtype=np.int64)
    old_to_new = np.full(n, -1, dtype=np.int64)
    old_to_new[kept] = np.arange(kept.size)
    counts: dict[str, int] = {}
    for r in reasons.values():
        counts[r] = counts.get(r, 0) + 1

    model["vocab"] = [vocab[i] for i in kept]
    model["unk_id"] = int(old_to_new[model["unk_id"]])
    for tok in spec.get("added_tokens", []):
        tok["id"] = int(old_to_new[tok["id"]])
    _remap_post_processor(spec.get("post_processor"), old_to_new)
    if spec.get("padding") and "pad_id" in spec["padding"]:
        spec["padding"]["pad_id"] = int(old_to_new[spec["padding"]["pad_id"]])

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok_path = out / "tokenizer.json"
    tok_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    Tokenizer.from_file(str(tok_path))  # fail here, not later, if the rebuilt file is invalid
    scores = [s for _, s in vocab]
    result = TrimResult(
        tokenizer_path=tok_path,
        kept_old_ids=kept,
        old_to_new=old_to_new,
        full_vocab_size=n,
        kept_by_reason=counts,
        min_score_full=float(min(scores)),
        min_score_kept=float(min(vocab[i][1] for i in kept)),
    )
    vocab_map = {
        "source_tokenizer": str(src),
        "full_vocab_size": n,
        "kept_vocab_size": result.kept_vocab_size,
        "kept_by_reason": counts,
        "kept_old_ids": kept.tolist(),
    }
    (out / "vocab_map.json").write_text(json.dumps(vocab_map) + "\n", encoding="utf-8")
    return result


def _new_special_id(old_id: int | None, kept_old_ids: np.ndarray) -> int | None:
    """Map a config special-token id to the trimmed vocabulary (None if dropped)."""
    if old_id is None:
        return None
    hit = np.flatnonzero(kept_old_ids == old_id)
    return int(hit[0]) if hit.size else None


def slice_embeddings_safetensors(
    src_dir: str | Path,
    out_dir: str | Path,
    kept_old_ids: np.ndarray,
    tokenizer_json: str | Path | None = None,
) -> dict[str, int]:
    """Write a copy of the HF model in ``src_dir`` with word-embedding rows ``kept_old_ids``.

    ``tokenizer_json`` (the trimmed one) is copied next to it together with
    ``tokenizer_config.json``. Returns parameter counts before and after.
    """
    from safetensors.numpy import load_file, save_file

    src, out = Path(src_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    key = "embeddings.word_embeddings.weight"
    state = load_file(str(src / "model.safetensors"))
    before = int(sum(a.size for a in state.values()))
    state[key] = np.ascontiguousarray(state[key][kept_old_ids])
    after = int(sum(a.size for a in state.values()))
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})

    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    config["vocab_size"] = int(kept_old_ids.size)
    for k in ("pad_token_id", "bos_token_id", "eos_token_id"):
        if k in config:
            config[k] = _new_special_id(config[k], kept_old_ids)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    if tokenizer_json is not None:
        if Path(tokenizer_json).resolve() != (out / "tokenizer.json").resolve():
            shutil.copyfile(tokenizer_json, out / "tokenizer.json")
        if (src / "tokenizer_config.json").is_file():
            shutil.copyfile(src / "tokenizer_config.json", out / "tokenizer_config.json")
    return {"parameters_before": before, "parameters_after": after, "vocab_size": int(kept_old_ids.size)}


def slice_embeddings_module(model: "PreTrainedModel", kept_old_ids: np.ndarray) -> "PreTrainedModel":
    """Replace ``model``'s input embeddings by rows ``kept_old_ids``, in place; returns the model.

    Only for encoder models whose input embeddings are not tied to an output
    head (BertModel, BertForSequenceClassification).
    """
    import torch

    old = model.get_input_embeddings()
    idx = torch.as_tensor(np.asarray(kept_old_ids), dtype=torch.long, device=old.weight.device)
    pad = _new_special_id(getattr(model.config, "pad_token_id", None), kept_old_ids)
    new = torch.nn.Embedding(idx.numel(), old.embedding_dim, padding_idx=pad)
    new = new.to(device=old.weight.device, dtype=old.weight.dtype)
    with torch.no_grad():
        new.weight.copy_(old.weight.index_select(0, idx))
    model.set_input_embeddings(new)
    model.config.vocab_size = int(idx.numel())
    for k in ("pad_token_id", "bos_token_id", "eos_token_id"):
        if getattr(model.config, k, None) is not None:
            setattr(model.config, k, _new_special_id(getattr(model.config, k), kept_old_ids))
    return model
