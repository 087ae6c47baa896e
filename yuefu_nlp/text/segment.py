"""Word segmentation with jieba, one tokenizer per instance.

jieba's module-level tokenizer is global mutable state (adding a word changes everyone's results), so each Segmenter owns
its own `jieba.Tokenizer` loaded with our collection-domain dictionary.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import jieba

from ..resources import RESOURCES_DIR

__all__ = ["Segmenter", "Token"]

Token = tuple[str, int, int]  # (word, start, end) over the text passed in, like jieba.tokenize

jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict" to stderr on every load


class Segmenter:
    """Segments normalized text. `boundaries()` gives the character offsets where tokens start or end.

    jieba's dictionary (half a second to load) is loaded on first use: the rules ask for word boundaries only when a
    word-bounded rule hits, and many runs (a stream of ordinary reminders) never do."""

    def __init__(self, user_dict: Path | None = None) -> None:
        self._user_dict = user_dict or RESOURCES_DIR / "domain_dict.txt"
        self._tok: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _tokenizer(self) -> jieba.Tokenizer:
        if self._tok is None:
            with self._lock:
                if self._tok is None:
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    if self._user_dict.exists():
                        tok.load_userdict(str(self._user_dict))
                    self._tok = tok
        return self._tok

    def tokens(self, text: str) -> list[Token]:
        """Tokens with offsets; HMM is off so results depend only on the dictionaries (stable, and 3x faster)."""
        return [(w, s, e) for w, s, e in self._tokenizer().tokenize(text, HMM=False)]

    def boundaries(self, text: str) -> frozenset[int]:
        """Offsets that begin or end a token (0 and len(text) included)."""
        out = {0, len(text)}
        for _, s, e in self._tokenizer().tokenize(text, HMM=False):
            out.add(s)
            out.add(e)
        return frozenset(out)
