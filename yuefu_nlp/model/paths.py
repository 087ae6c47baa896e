"""Where the shipped default model lives."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL_NAME = "yuefu-e5-small-int8"
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_model_dir() -> Path:
    """`$YUEFU_MODEL_DIR`, else `models/yuefu-e5-small-int8` of the checkout the package is installed from."""
    env = os.environ.get("YUEFU_MODEL_DIR")
    return Path(env) if env else REPO_ROOT / "models" / DEFAULT_MODEL_NAME
