"""Package data: lexicons, citations, normalization tables, the jieba domain dictionary, the common-word list of the
model's name masking (text/slots.py); and `load_yaml`, how the package reads its YAML."""
from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml

RESOURCES_DIR = Path(__file__).resolve().parent
LEXICON_DIR = RESOURCES_DIR / "lexicons"

# libyaml's safe loader when PyYAML was built with it: loading the lexicons fell from 0.7 s to 0.2 s of every
# `yuefu score` start (the rest is compiling their patterns); the same safe subset of YAML either way
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream: str | bytes | IO[str]) -> Any:
    """`yaml.safe_load`, with libyaml where available. Raises yaml.YAMLError on bad YAML."""
    return yaml.load(stream, Loader=_SafeLoader)  # noqa: S506 - a safe loader, C or Python
