"""`yuefu report`: a scored file (docs/DOMAIN.md's contract) made into one self-contained HTML page for the people
who act on it: how much was flagged, by whom, when, under which rules and laws, with examples.

read.py: the scored file back into rows · stats.py: one pass of counters into a Summary (Wilson intervals, ranking)
· charts.py: inline SVG · html.py: the page · contacts.py: the findings of `yuefu contacts`, read generically.
Needs nothing beyond the core install.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..atomic import check_output_path, write_atomic
from ..errors import InputError
from .contacts import read_contacts
from .html import Page, render
from .read import parse_row, read_scored
from .stats import Summary, summarise

__all__ = ["DEFAULT_MIN_GROUP", "ReportResult", "build_report"]

DEFAULT_MIN_GROUP = 30


@dataclass(frozen=True)
class ReportResult:
    """What `build_report` wrote, and the numbers behind it."""

    path: Path
    summary: Summary


def _check_column(columns: Sequence[str], name: str, option: str, path: str) -> None:
    if name not in columns:
        raise InputError(f"{option} {name!r}: there is no such column in {path}; its columns are: "
                         f"{', '.join(columns)}")


def _scored_by(scored: Path) -> str:
    """One line from the sidecar `yuefu score` writes beside its output ("" when there is none)."""
    meta = Path(f"{scored}.meta.json")
    try:
        p = json.loads(meta.read_text(encoding="utf-8"))["scored_by"]
        model = p.get("model") or {}
        named = f"; model {model.get('name', '')}@{str(model.get('sha256', ''))[:12]}" if model else ""
        return f"yuefu_nlp {p.get('yuefu_nlp', '?')} {p.get('backend', '?')}{named}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def build_report(
    scored: str | Path,
    out: str | Path,
    *,
    by: Sequence[str] = (),
    time_col: str | None = None,
    text_col: str | None = None,
    title: str | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
    redacted: bool = True,
    contacts: str | Path | None = None,
) -> ReportResult:
    """Read `scored`, write the HTML report to `out` (atomically) and return it with its Summary. `text_col` None
    means `text` when the file has it (the examples then show findings only)."""
    if min_group < 1:
        raise InputError(f"--min-group must be at least 1, got {min_group}")
    check_output_path(out, "report.html")  # before reading what may be millions of rows
    table = read_scored(scored)
    by = tuple(dict.fromkeys(c.strip() for c in by if c.strip()))
    try:
        for col in by:
            _check_column(table.columns, col, "--by", table.path)
        if time_col is not None:
            _check_column(table.columns, time_col, "--time-col", table.path)
        if text_col is not None:
            _check_column(table.columns, text_col, "--text-col", table.path)
        contact_summary = read_contacts(contacts) if contacts is not None else None
    except InputError:
        table.close()
        raise
    summary = summarise(
        (parse_row(raw, n) for n, raw in enumerate(table.rows, 1)),
        columns=table.columns, by=by, time_col=time_col,
        text_col=text_col or ("text" if "text" in table.columns else None),
        id_col="id" if "id" in table.columns else None, min_group=min_group,
    )
    page = Page(
        title=title or f"催收合规报告 Collection compliance report: {Path(scored).name}",
        source=Path(scored).name, generated=time.strftime("%Y-%m-%d %H:%M"), redacted=redacted,
        scored_by=_scored_by(Path(scored)), contacts=contact_summary,
    )
    path = _write_atomic(Path(out), render(summary, page))
    return ReportResult(path, summary)


def _write_atomic(path: Path, html: str) -> Path:
    """Write beside the target and rename (atomic.py): a reader never sees half a report."""
    write_atomic(path, html)
    return path
