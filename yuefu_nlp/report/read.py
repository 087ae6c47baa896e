"""Reading a scored file (the contract of docs/DOMAIN.md) back, whatever format `yuefu score` wrote it in.

One reader per format returns the header and the rows as plain dicts; `read_scored` checks the contract's columns are
there, and `parse_row` turns a dict into a ScoredRow whichever reader made it (a CSV gives strings, JSONL gives numbers
and lists). A new format is one more entry in READERS.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..batch import OUTPUT_COLUMNS
from ..domain import LABELS, RISK_LEVELS
from ..errors import InputError, MissingDependencyError

__all__ = ["READERS", "ScoredRow", "ScoredTable", "parse_row", "read_csv_dicts", "read_scored"]

csv.field_size_limit(1 << 30)  # a scored row carries its whole text and evidence
_RUN_SCORE = "is this a scored file? Run `yuefu score INPUT -o scored.csv` first and report on its output"


@dataclass(frozen=True)
class ScoredTable:
    """A scored file opened for reading: its columns in order and its rows, streamed (each a dict by column). The file
    closes when the rows are exhausted, or on `close()` when they are not read to the end."""

    path: str
    columns: tuple[str, ...]
    rows: Iterator[dict[str, Any]]
    close: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class ScoredRow:
    """One scored row, typed: the input columns as text, and the added columns parsed. `line` is where it came from
    (the record number, 1 = the first row after the header); `bad_evidence` says the evidence cell was not JSON."""

    line: int
    fields: dict[str, str]
    flagged: bool
    labels: tuple[str, ...]
    risk: str
    scores: dict[str, float]
    findings: tuple[dict[str, Any], ...]
    error: str
    bad_evidence: bool = False

    @property
    def scored(self) -> bool:
        return not self.error


Opened = tuple[tuple[str, ...], Iterator[dict[str, Any]], Callable[[], None]]  # header, rows, close


def read_csv_dicts(path: str | Path) -> Opened:
    """Header and rows of a UTF-8 CSV (with or without BOM, as `yuefu score` writes it)."""
    fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed when the rows are exhausted
    reader = csv.reader(fh)
    try:
        header = tuple(next(reader, []))
    except (csv.Error, UnicodeDecodeError) as exc:
        fh.close()
        raise InputError(f"{path}: the header cannot be read as UTF-8 CSV ({exc}); {_RUN_SCORE}") from None

    def rows() -> Iterator[dict[str, Any]]:
        with fh:
            for n, values in enumerate(reader, 1):
                if not values:
                    continue
                if len(values) != len(header):
                    raise InputError(f"{path}: record {n} has {len(values)} fields, the header {len(header)}; "
                                     f"the file was cut or edited after scoring. Score the input again")
                yield dict(zip(header, values))

    return header, rows(), fh.close


def _read_jsonl(path: str | Path) -> Opened:
    """JSONL as `yuefu score --format jsonl` writes it: one object per line; the first one names the columns."""
    fh = open(path, encoding="utf-8-sig")  # noqa: SIM115 - closed when the rows are exhausted
    first = ""
    for first in fh:
        if first.strip():
            break
    try:
        head = json.loads(first) if first.strip() else {}
    except json.JSONDecodeError as exc:
        fh.close()
        raise InputError(f"{path}: the first line is not JSON ({exc.msg}); {_RUN_SCORE}") from None
    if not isinstance(head, dict):
        fh.close()
        raise InputError(f"{path}: the first line is not a JSON object; {_RUN_SCORE}")

    def rows() -> Iterator[dict[str, Any]]:
        with fh:
            if head:
                yield head
            for n, line in enumerate(fh, 2):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {n} is not JSON ({exc.msg}); the file was cut or edited "
                                     f"after scoring. Score the input again") from None
                yield obj

    return tuple(head), rows(), fh.close


def _read_xlsx(path: str | Path) -> Opened:
    """The first sheet of a workbook: its first row names the columns."""
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise MissingDependencyError("reading .xlsx needs openpyxl: pip install openpyxl (or score to CSV)") from None
    book = load_workbook(path, read_only=True, data_only=True)
    sheet_rows = book.worksheets[0].iter_rows(values_only=True)
    header = tuple("" if v is None else str(v) for v in next(sheet_rows, ()))

    def rows() -> Iterator[dict[str, Any]]:
        try:
            for values in sheet_rows:
                if values and any(v is not None for v in values):
                    yield {h: "" if v is None else v for h, v in zip(header, values)}
        finally:
            book.close()

    return header, rows(), book.close


READERS: dict[str, Callable[[str | Path], Opened]] = {
    ".csv": read_csv_dicts, ".jsonl": _read_jsonl, ".ndjson": _read_jsonl, ".xlsx": _read_xlsx,
}


def read_scored(path: str | Path) -> ScoredTable:
    """Open a scored file and check it has every column the scored-CSV contract adds; the rows are read lazily."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file; {_RUN_SCORE}")
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: cannot read {p.suffix or 'a file without extension'}; a scored file is "
                         f"{', '.join(READERS)}")
    columns, rows, close = reader(p)
    missing = [c for c in OUTPUT_COLUMNS if c not in columns]
    if missing:
        close()
        shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
        raise InputError(f"{path}: the column(s) {shown} are missing, so this is not a scored file; {_RUN_SCORE}")
    return ScoredTable(str(path), columns, rows, close)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def parse_row(raw: dict[str, Any], line: int) -> ScoredRow:
    """One row of any reader as a ScoredRow; an evidence cell that is not JSON gives no findings, not an error."""
    fields = {k: _text(v) for k, v in raw.items() if k not in OUTPUT_COLUMNS and k != "scored_by"}
    labels_raw = raw.get("labels")
    if isinstance(labels_raw, list):
        labels = tuple(str(x) for x in labels_raw)
    else:
        labels = tuple(x for x in _text(labels_raw).split("|") if x)
    labels = tuple(label for label in LABELS if label in labels)  # contract order, unknown names dropped
    evidence = raw.get("evidence")
    bad = False
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence) if evidence.strip() else []
        except json.JSONDecodeError:
            evidence, bad = [], True
    if not isinstance(evidence, list):
        evidence, bad = [], evidence not in (None, "")
    risk = _text(raw.get("risk"))
    return ScoredRow(
        line=line,
        fields=fields,
        flagged=_number(raw.get("flagged")) >= 1 or bool(labels),
        labels=labels,
        risk=risk if risk in RISK_LEVELS else "",
        scores={label: _number(raw.get(f"{label}_score")) for label in LABELS},
        findings=tuple(f for f in evidence if isinstance(f, dict)),
        error=_text(raw.get("error")),
        bad_evidence=bad,
    )
