"""A bounded, thread-safe memo of stage results, so text seen before in a run costs a dictionary lookup.

Why: message streams repeat (one notice sent to thousands of debtors, the same reminder every day), and before this
every copy was normalized, matched and scored again. Each stage memoizes what its result depends on and nothing
else: normalization the turn's text, the rules the normalized turn and the message's normalized text (their only
inputs), the model its input text. So a hit returns exactly what the stage would compute, with one caveat the int8
model brings: its activations are quantized per batch, so a text's probabilities move in the fifth decimal with the
other texts of its batch. With `batch_size=1` the output with and without the memo is identical (tested); at larger
sizes a cached text keeps the probabilities of the batch it was first scored in, within that same noise.
Entries beyond `size` are dropped least recently used first, so memory stays bounded on endless streams.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

from ..errors import ConfigError

__all__ = ["DEFAULT_MEMO_SIZE", "Memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
DEFAULT_MEMO_SIZE = 50_000  # entries per stage: a few hundred templates' worth of copies, tens of MB at most
_MISSING = object()


class Memo(Generic[K, V]):
    """Least-recently-used map of at most `size` entries (0: nothing is kept); counts its hits and misses."""

    def __init__(self, size: int = DEFAULT_MEMO_SIZE) -> None:
        if size < 0:
            raise ConfigError(f"memo size must be >= 0, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, default: V | None = None) -> V | None:
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0
