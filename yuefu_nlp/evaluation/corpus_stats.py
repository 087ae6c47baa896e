"""Corpus overview for the dataset notebook: counts, lengths, registers, sources, varieties, label co-occurrence.

Why here and not in the notebook: notebooks hold no logic, and the same figures belong in the datasheet checks.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from statistics import median
from typing import Any, Mapping, Sequence

from ..domain import LABELS
from ..corpus.schema import CorpusRow
from .dataset import label_matrix, load_labelled, subset as take

__all__ = ["load_splits", "describe", "overview_table", "variety_table"]


def load_splits(files: Mapping[str, Sequence[str | Path]], subset: int | None = None,
                seed: int = 0) -> dict[str, list[CorpusRow]]:
    """split name -> rows of its file(s), each split cut to a seeded `subset` if given."""
    out: dict[str, list[CorpusRow]] = {}
    for name, paths in files.items():
        rows: list[CorpusRow] = []
        for p in paths:
            rows.extend(load_labelled(p))
        out[name] = take(rows, subset, seed)
    return out


def _counts(rows: Sequence[CorpusRow], key: str) -> dict[str, int]:
    values: list[str] = []
    for r in rows:
        v = getattr(r, key)
        if isinstance(v, (list, tuple)):
            values.extend(map(str, v))
        elif v:
            values.append(str(v).split(":")[0] if key == "source" else str(v))
    return dict(Counter(values).most_common())


def describe(splits: Mapping[str, Sequence[CorpusRow]]) -> dict[str, Any]:
    """Per-split counts and whole-corpus lengths and co-occurrence, as plain JSON types."""
    per: dict[str, Any] = {}
    for name, rows in splits.items():
        y = label_matrix([r.labels for r in rows])
        lengths = [len(r.text) for r in rows]
        per[name] = {
            "rows": len(rows), "compliant": int((y.sum(axis=1) == 0).sum()) if len(rows) else 0,
            "multi_label": int((y.sum(axis=1) > 1).sum()) if len(rows) else 0,
            "label_counts": dict(zip(LABELS, y.sum(axis=0).tolist())),
            "median_chars": median(lengths) if lengths else 0, "max_chars": max(lengths, default=0),
            "registers": _counts(rows, "register"), "sources": _counts(rows, "source"),
            "varieties": _counts(rows, "variety"), "families": len({r.family for r in rows} - {""}),
        }
    every = [r for rows in splits.values() for r in rows]
    y = label_matrix([r.labels for r in every]).astype(int)
    by_reg: dict[str, list[int]] = {}
    for r in every:
        by_reg.setdefault(str(r.register or "unknown"), []).append(len(r.text))
    return {"splits": per, "cooccurrence": (y.T @ y).tolist(), "lengths_by_register": by_reg,
            "total_rows": len(every)}


def overview_table(stats: Mapping[str, Any]) -> str:
    """Markdown: one row per split with rows, compliant share, label counts and median length."""
    head = ["split", "rows", "compliant", "multi-label", *LABELS, "median chars", "families"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for name, s in stats["splits"].items():
        share = s["compliant"] / s["rows"] if s["rows"] else 0.0
        lines.append("| " + " | ".join([
            name, str(s["rows"]), f"{s['compliant']} ({share:.0%})", str(s["multi_label"]),
            *[str(s["label_counts"][label]) for label in LABELS], f"{s['median_chars']:g}", str(s["families"]),
        ]) + " |")
    return "\n".join(lines)


def variety_table(stats: Mapping[str, Any]) -> str:
    """Markdown: rows per variety tag (obfuscation, traditional, negation...) in each split."""
    splits = list(stats["splits"])
    tags = sorted({t for s in splits for t in stats["splits"][s]["varieties"]})
    lines = ["| variety | " + " | ".join(splits) + " |", "|---|" + "|".join("---" for _ in splits) + "|"]
    for t in tags:
        lines.append(f"| {t} | " + " | ".join(str(stats["splits"][s]["varieties"].get(t, 0)) for s in splits) + " |")
    return "\n".join(lines)
