"""The contact-policy findings of `yuefu contacts` (a CSV: debtor, date, label, rules, evidence, …), read generically.

The report and `yuefu contacts` agree only on that file: the columns found are counted (per rule, per collector, per
label, per risk) and the rest is shown as it is, so the section works with whatever columns the file has today.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .read import read_csv_dicts

__all__ = ["ContactsSummary", "read_contacts", "split_multi"]

# the first column of each tuple that the file has is the one counted
RULE_COLUMNS = ("rules", "rule", "rule_id", "rule_ids")
COLLECTOR_COLUMNS = ("collector", "collectors", "agent", "collector_id")
LABEL_COLUMNS = ("label", "labels")
RISK_COLUMNS = ("risk",)
CITATION_COLUMNS = ("citations", "citation")
# shown for the first findings when the file has at least three of them (else every column is shown)
SAMPLE_COLUMNS = ("debtor", "date", "label_zh", "label", "risk", "rules", "collectors", "collector", "collector_id",
                  "contacts", "first_event", "last_event")
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class ContactsSummary:
    """Counts over a contact-findings file; a count is empty when the file has no column for it."""

    path: str
    columns: tuple[str, ...]
    rows: int
    rule_col: str | None
    per_rule: tuple[tuple[str, int], ...]
    collector_col: str | None
    per_collector: tuple[tuple[str, int], ...]
    per_label: tuple[tuple[str, int], ...]
    per_risk: tuple[tuple[str, int], ...]
    per_citation: tuple[tuple[str, int], ...]
    sample_columns: tuple[str, ...]
    sample: tuple[dict[str, str], ...]


def split_multi(value: str) -> list[str]:
    """A cell that may hold several names: a JSON list, or names joined by | ; or ,."""
    s = value.strip()
    if s.startswith("["):
        try:
            items = json.loads(s)
        except json.JSONDecodeError:
            items = None
        if isinstance(items, list):
            return [str(x.get("rule_id", x.get("id", x)) if isinstance(x, dict) else x).strip() for x in items
                    if str(x).strip()]
    for sep in ("|", ";", ","):
        if sep in s:
            return [x.strip() for x in s.split(sep) if x.strip()]
    return [s] if s else []


def _first(columns: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _ranked(counter: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def read_contacts(path: str | Path) -> ContactsSummary:
    """Count the findings of a contacts CSV per rule, collector, label and risk, and keep a few rows to show."""
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file; make it with `yuefu contacts LOG -o findings.csv`, or leave out "
                         f"--contacts")
    columns, rows, close = read_csv_dicts(path)
    if not columns:
        close()
        raise InputError(f"{path}: the file is empty; expected the findings CSV of `yuefu contacts`")
    cols = {key: _first(columns, names) for key, names in
            (("rule", RULE_COLUMNS), ("collector", COLLECTOR_COLUMNS), ("label", LABEL_COLUMNS), ("risk", RISK_COLUMNS),
             ("citation", CITATION_COLUMNS))}
    counts = {key: Counter() for key in cols}
    n = 0
    sample: list[dict[str, str]] = []
    for row in rows:
        n += 1
        for key, col in cols.items():
            if col is not None:
                counts[key].update(set(split_multi(str(row.get(col, "")))) or {"（空）"})
        if len(sample) < SAMPLE_ROWS:
            sample.append({k: str(v) for k, v in row.items()})
    known = tuple(c for c in SAMPLE_COLUMNS if c in columns)
    return ContactsSummary(str(path), columns, n, cols["rule"], _ranked(counts["rule"]), cols["collector"],
                           _ranked(counts["collector"]), _ranked(counts["label"]), _ranked(counts["risk"]),
                           _ranked(counts["citation"]), known if len(known) >= 3 else columns, tuple(sample))
