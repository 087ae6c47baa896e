"""Package data: lexicons, citations, normalization tables, the jieba domain dictionary."""
from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
LEXICON_DIR = RESOURCES_DIR / "lexicons"
