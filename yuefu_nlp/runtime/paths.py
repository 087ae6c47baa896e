"""Where the shipped default model lives."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL_NAME = "yuefu-e5-small-int8"
REPO_ROOT = Path(__file__).resolve().parents[2]


PACKAGED_MODELS = Path(__file__).resolve().parents[1] / "_models"  # where a wheel install carries models/


def default_model_dir() -> Path:
    """`$YUEFU_MODEL_DIR`; else `models/yuefu-e5-small-int8` of the checkout (source or editable install); else the
    copy a wheel install carries in `yuefu_nlp/_models/`."""
    env = os.environ.get("YUEFU_MODEL_DIR")
    if env:
        return Path(env)
    checkout = REPO_ROOT / "models" / DEFAULT_MODEL_NAME
    packaged = PACKAGED_MODELS / DEFAULT_MODEL_NAME
    return packaged if not checkout.is_dir() and packaged.is_dir() else checkout
