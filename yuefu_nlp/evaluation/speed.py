"""Throughput of the Analyzer backends against batch size, and the figures the benchmark scripts write.

Why a sweep: batch size trades latency for throughput once a model is in the loop (padding, ONNX call overhead), and
the right default for `yuefu score` is the knee of that curve. Rules-only throughput barely depends on it.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

from ..corpus.schema import CorpusRow

__all__ = ["sms_like", "sweep", "read_bench", "speed_table", "bench_table"]


def sms_like(rows: Sequence[CorpusRow], lo: int = 40, hi: int = 90, n: int = 2000) -> list[str]:
    """SMS/app-length texts (lo..hi characters, ~60 on average as in the speed targets), cycled to n."""
    pool = [r.text for r in rows if lo <= len(r.text) <= hi and "\n" not in r.text] or [r.text for r in rows]
    return [pool[i % len(pool)] for i in range(n)] if pool else []


def sweep(texts: Sequence[str], backends: Sequence[str] = ("rules", "model", "fused"),
          batch_sizes: Sequence[int] = (1, 8, 32, 128), *, model_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """messages/s for each backend and batch size over the same texts (one process; load and warm-up excluded).

    A backend that cannot load gives one record with `unavailable` set instead of figures. The memo is off (every
    batch size reads the same texts, and the figure is the cost of scoring them, not of looking them up).
    """
    from ..analyzer import Analyzer

    records: list[dict[str, Any]] = []
    chars = sum(len(t) for t in texts)
    for backend in backends:
        try:
            analyzer = Analyzer.load(backend=backend, model_dir=model_dir, memo_size=0)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            records.append({"system": backend, "unavailable": f"{type(exc).__name__}: {exc}"})
            continue
        analyzer.analyze(texts[0])
        for bs in batch_sizes:
            t0 = time.perf_counter()
            for _ in analyzer.analyze_batch(list(texts), batch_size=bs):
                pass
            s = time.perf_counter() - t0
            records.append({"system": backend, "batch_size": bs, "messages": len(texts), "seconds": round(s, 4),
                            "messages_per_s": round(len(texts) / s, 1), "mean_chars": round(chars / len(texts), 1)})
    return records


def read_bench(path: str | Path) -> dict[str, Any] | None:
    """The JSON a benchmark script wrote (scripts/bench_rules.py --json, scripts/bench_model.py --json), if present."""
    p = Path(path)
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def speed_table(records: Sequence[dict[str, Any]]) -> str:
    """Markdown: backends as rows, batch sizes as columns, messages/s in the cells."""
    sizes = sorted({r["batch_size"] for r in records if "batch_size" in r})
    lines = ["| backend | " + " | ".join(f"batch {b}" for b in sizes) + " |",
             "|---|" + "|".join("---" for _ in sizes) + "|"]
    for name in dict.fromkeys(r["system"] for r in records):
        rs = [r for r in records if r["system"] == name]
        if "unavailable" in rs[0]:
            lines.append(f"| {name} | " + " | ".join("unavailable" for _ in sizes) + " |")
            continue
        by = {r["batch_size"]: r["messages_per_s"] for r in rs}
        lines.append(f"| {name} | " + " | ".join(f"{by[b]:,.0f}" if b in by else "" for b in sizes) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def bench_table(figures: dict[str, Any]) -> str:
    """Markdown of a benchmark script's JSON: a key/value table (nested dicts flattened with '.'), then each list of
    records (e.g. `results`) as its own table with one row per record."""
    flat: dict[str, Any] = {}
    record_lists: dict[str, list[dict[str, Any]]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            record_lists[prefix] = value
        else:
            flat[prefix] = value

    walk("", figures)
    parts = ["\n".join(["| figure | value |", "|---|---|"] + [f"| {k} | {_cell(v)} |" for k, v in flat.items()])]
    for name, records in record_lists.items():
        cols = list(dict.fromkeys(k for r in records for k in r))
        rows = ["| " + " | ".join(_cell(r.get(c, "")) for c in cols) + " |" for r in records]
        parts.append("\n".join([f"**{name}**", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols), *rows]))
    return "\n\n".join(parts)
