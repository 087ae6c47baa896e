"""Where scored rows go: CSV and JSONL sinks over an atomic file (atomic.py; Excel's sink is in spreadsheet.py).

Every value is written through `escape_undecodable`, so the output is valid in its encoding whatever bytes the input
held.
"""
from __future__ import annotations

import csv
import json
from typing import Any

from ..atomic import AtomicFile
from ..text.decode import escape_undecodable
from .contract import OUTPUT_COLUMNS, cell

__all__ = ["CsvSink", "JsonlSink", "unique_names"]


class CsvSink:
    """The scored CSV: the input's columns unchanged, then the contract's, then any `tail` columns."""

    def __init__(self, path: str, encoding: str) -> None:
        self.file = AtomicFile(path, encoding)
        self.stale_removed = self.file.stale_removed
        self._writer = csv.writer(self.file.fh, lineterminator="\n")

    def header(self, inputs: list[str], tail: list[str]) -> None:
        self._writer.writerow([escape_undecodable(c) for c in inputs] + list(OUTPUT_COLUMNS) + tail)

    def row(self, fields: list[str], cols: dict[str, Any], tail: list[str]) -> None:
        self._writer.writerow([escape_undecodable(f) for f in fields]
                              + [cell(k, cols[k]) for k in OUTPUT_COLUMNS] + tail)

    def commit(self) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()


class JsonlSink:
    """One JSON object per row: the input's columns (a repeated name gets `.1`, `.2`… so no value is lost), the
    contract's columns as JSON values, `tail` columns, and `scored_by`, the one-line id of what scored it."""

    def __init__(self, path: str, scored_by: str) -> None:
        self.file = AtomicFile(path, "utf-8")
        self.stale_removed = self.file.stale_removed
        self._scored_by = scored_by
        self._names: list[str] = []

    def header(self, inputs: list[str], tail: list[str]) -> None:
        self._tail = tail
        self._names = unique_names([escape_undecodable(c) for c in inputs],
                                   reserved={*OUTPUT_COLUMNS, *tail, "scored_by"})

    def row(self, fields: list[str], cols: dict[str, Any], tail: list[str]) -> None:
        obj: dict[str, Any] = dict(zip(self._names, (escape_undecodable(f) for f in fields)))
        obj.update(cols)
        for name, value in zip(self._tail, tail):
            obj[name] = json.loads(value) if value else []
        obj["scored_by"] = self._scored_by
        self.file.fh.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def commit(self) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()


def unique_names(names: list[str], reserved: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """`names` with each repeat renamed `name.1`, `name.2`… (pandas' convention), avoiding `reserved` names too."""
    seen: set[str] = set(reserved)
    out = []
    for name in names:
        new, k = name, 0
        while new in seen:
            k += 1
            new = f"{name}.{k}"
        seen.add(new)
        out.append(new)
    return out
