"""Labelled evaluation data: read a CSV or JSONL of `text` plus labels, whatever shape the labels come in.

Why a loader of its own: evaluation must accept the corpus splits, a compliance team's labelled export and the
COLD-style files alike, so it reads three label shapes (a `labels` list, an `a|b` string, or one 0/1 column per label).
Rows come back as `corpus.schema.CorpusRow`, the one labelled-row type, with the corpus fields the file has (register,
source, family, variety...; empty when absent) for the error analysis. Unlike `corpus.schema.load_rows` it does not
enforce the gold schema: a compliance team's export needs only a text and its labels.
"""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..corpus.schema import OPTIONAL_STR_FIELDS, CorpusRow
from ..domain import LABELS
from ..errors import InputError

__all__ = ["load_labelled", "label_matrix", "subset", "parse_labels"]

csv.field_size_limit(1 << 30)
_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n", ""}


def parse_labels(value: Any, where: str) -> tuple[str, ...]:
    """A `labels` value as a list, a JSON list string or an `a|b` string -> labels in LABELS order."""
    if value is None:
        items: list[str] = []
    elif isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    elif isinstance(value, str):
        s = value.strip()
        if s.startswith("["):
            try:
                items = [str(v).strip() for v in json.loads(s)]
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: labels {value!r} is not a valid JSON list ({exc.msg})") from None
        else:
            items = [p.strip() for p in s.replace(",", "|").replace(";", "|").split("|")]
    else:
        raise InputError(f"{where}: labels must be a list or an 'a|b' string, not {type(value).__name__}")
    items = [i for i in items if i]
    unknown = [i for i in items if i not in LABELS]
    if unknown:
        raise InputError(f"{where}: unknown label(s) {unknown} (allowed: {', '.join(LABELS)}; empty = compliant)")
    return tuple(label for label in LABELS if label in items)


def _flag(value: Any, where: str, column: str) -> bool:
    s = str(value).strip().lower() if value is not None else ""
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise InputError(f"{where}: column {column!r} must be 0/1, not {value!r}")


def _variety(value: Any) -> tuple[str, ...]:
    """A list field, or an `a|b` string from a CSV."""
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return tuple(v for v in str(value or "").split("|") if v)


def _row(obj: Mapping[str, Any], where: str, index: int, text_col: str) -> CorpusRow:
    if text_col not in obj or not isinstance(obj[text_col], str):
        raise InputError(f"{where}: no string {text_col!r} field")
    has_cols = [label for label in LABELS if label in obj]
    if "labels" in obj:
        labels = parse_labels(obj["labels"], where)
    elif len(has_cols) == len(LABELS):
        labels = tuple(label for label in LABELS if _flag(obj[label], where, label))
    else:
        raise InputError(
            f"{where}: no labels: give a 'labels' field (list or 'a|b') or all four 0/1 columns {', '.join(LABELS)}"
        )
    fields = {k: str(obj.get(k) or "") for k in ("register", "source", "family", *OPTIONAL_STR_FIELDS)}
    return CorpusRow(id=str(obj.get("id") or index), text=obj[text_col], labels=labels,
                     variety=_variety(obj.get("variety")), **fields)


def load_labelled(path: str | Path, *, text_col: str = "text") -> list[CorpusRow]:
    """Read a labelled `.csv` (UTF-8, BOM allowed) or `.jsonl`, or every such file of a folder (sorted by name);
    raises InputError naming the line at fault."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".jsonl"))
        if not files:
            raise InputError(f"{path}: no .csv or .jsonl files in this folder")
        return [r for f in files for r in load_labelled(f, text_col=text_col)]
    rows: list[CorpusRow] = []
    if path.suffix.lower() in (".jsonl", ".json"):
        for lineno, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object")
            rows.append(_row(obj, f"{path}:{lineno}", len(rows), text_col))
    elif path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            for obj in reader:
                rows.append(_row(obj, f"{path}:{reader.line_num}", len(rows), text_col))
    else:
        raise InputError(f"{path}: expected a .csv or .jsonl file")
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def label_matrix(label_sets: Sequence[Sequence[str]]) -> np.ndarray:
    """(n, 4) 0/1 int matrix in LABELS order from per-row label collections."""
    y = np.zeros((len(label_sets), len(LABELS)), dtype=np.int8)
    for i, labels in enumerate(label_sets):
        for label in labels:
            y[i, LABELS.index(label)] = 1
    return y


def subset(rows: Sequence[CorpusRow], n: int | None, seed: int = 0) -> list[CorpusRow]:
    """A seeded sample of n rows in their original order (all rows when n is None or >= len(rows))."""
    if n is None or n <= 0 or n >= len(rows):
        return list(rows)
    keep = sorted(random.Random(seed).sample(range(len(rows)), n))
    return [rows[i] for i in keep]
