"""Input tables for `yuefu score`: a CSV (any of the encodings text/decode.py detects) or an Excel sheet, read as a
header and a stream of rows, where a broken row costs that row and never the rest of the file.

A CSV record is whatever the csv module reads, however many lines a quoted field spans; only a record longer than
`max_record_chars` counts as a runaway quote (the quote was never closed): its first line becomes one row with the
fields read as far as that line goes, and the lines after it are read again as rows of their own.
"""
from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Callable, Iterator

from ..errors import InputError
from ..text.decode import Detected, escape_undecodable, open_text

__all__ = ["Row", "Table", "open_table", "record_char_limit"]

csv.field_size_limit(1 << 30)  # long texts are refused by our own max_chars check, with a reason
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def record_char_limit(max_chars: int) -> int:
    """How long a CSV record may grow before its quote counts as never closed: far beyond any text we would score."""
    return max(8 * max_chars, 1 << 20)


@dataclass(frozen=True)
class Row:
    """One input row: its fields (padded to the header's width), the fields beyond it, why it cannot be read ("" = it
    can), where it starts (a line of a CSV, a row of a sheet), and how many fields the record had (-1: as many as
    the header)."""

    fields: list[str]
    extra: list[str]
    error: str
    line: int
    width: int = -1


@dataclass
class Table:
    """An input table: its header, its rows (a one-pass stream), how it was decoded, and for the progress bar its
    size and a function that says how far reading got (both in bytes for a CSV, rows for a sheet)."""

    header: list[str]
    rows: Iterator[Row]
    encoding: str  # a codec name, or "xlsx"
    encoding_note: str  # why that encoding (printed with the run's summary)
    size: int | None
    position: Callable[[], int]
    close: Callable[[], None]
    unit: str = "B"


def open_table(path: str, *, max_chars: int, encoding: str | None = None, sheet: str | None = None) -> Table:
    """The table in `path` (`-` = stdin): an .xlsx workbook (recognised by its bytes, not its name) or a CSV."""
    head = _head(path)
    if head.startswith(_XLS_MAGIC):
        raise InputError(f"{path} is an old binary Excel file (.xls); save it as .xlsx or CSV and try again")
    if head.startswith(_XLSX_MAGIC):
        from .spreadsheet import read_sheet

        return read_sheet(path, sheet)
    if sheet is not None:
        raise InputError(f"--sheet is for Excel workbooks; {path} is not one")
    return _read_csv(path, max_chars, encoding)


def _head(path: str) -> bytes:
    if path == "-":
        peek = getattr(sys.stdin.buffer, "peek", None)
        return peek(8)[:8] if peek else b""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path} is a folder; name a CSV or .xlsx file (a folder of transcripts is scored by name)")
    with p.open("rb") as f:
        return f.read(8)


def _read_csv(path: str, max_chars: int, encoding: str | None) -> Table:
    fin, detected, binary = open_text(path, encoding)
    try:
        records = _records(fin, record_char_limit(max_chars))
        header = _header(records, detected)
    except BaseException:
        fin.close()
        raise
    size = None if path == "-" else os.fstat(binary.fileno()).st_size
    return Table(header, _rows(records, len(header)), detected.encoding, detected.reason, size,
                 lambda: _tell(binary), fin.close)


def _tell(binary: BinaryIO) -> int:
    try:
        return binary.tell()
    except (OSError, ValueError):
        return 0


def _header(records: Iterator[Row], detected: Detected) -> list[str]:
    try:
        first = next(records)
    except StopIteration:
        raise InputError("the input is empty: expected a header row with a text column") from None
    if first.error:
        raise InputError(f"the header row cannot be parsed ({first.error}); check the file is a CSV")
    header = [escape_undecodable(h).lstrip("\ufeff") for h in first.fields]
    if len(header) == 1 and "\x00" in header[0]:
        raise InputError(f"the header holds NUL bytes: the file is not {detected.encoding}; pass --encoding")
    return header


def _rows(records: Iterator[Row], width: int) -> Iterator[Row]:
    """Rows of the header's width: short rows padded with "", long rows' surplus kept in `extra`."""
    for r in records:
        fields = r.fields
        if len(fields) == width:
            yield r
        elif len(fields) < width:
            yield Row(fields + [""] * (width - len(fields)), [], r.error, r.line, len(fields))
        else:
            yield Row(fields[:width], fields[width:], r.error, r.line, len(fields))


class _Lines:
    """Line iterator for csv.reader that remembers the raw lines of the current record and accepts push-back."""

    def __init__(self, f: IO[str], max_chars: int) -> None:
        self._f = f
        self._pushed: list[str] = []
        self._max_chars = max_chars
        self.current: list[str] = []
        self.chars = 0
        self.line_no = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self._pushed.pop() if self._pushed else next(self._f)
        self.current.append(line)
        self.chars += len(line)
        self.line_no += 1
        if self.chars > self._max_chars and len(self.current) > 1:
            raise csv.Error(f"a quoted field runs on for more than {self._max_chars} characters: its quote is "
                            "never closed")
        return line

    def start_record(self) -> None:
        self.current = []
        self.chars = 0

    def push_back(self, lines: list[str]) -> None:
        self._pushed.extend(reversed(lines))
        self.line_no -= len(lines)


def _records(f: IO[str], max_record_chars: int) -> Iterator[Row]:
    """Every CSV record with its first line number; a broken record costs one row, never the rest of the file."""
    lines = _Lines(f, max_record_chars)
    reader = csv.reader(lines, strict=True)
    while True:
        lines.start_record()
        first = lines.line_no + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            consumed = lines.current
            if len(consumed) > 1:
                # an unterminated quote swallowed the lines after it: give them back, fail only the first line
                lines.push_back(consumed[1:])
                reader = csv.reader(lines, strict=True)
            yield Row(_best_effort(consumed[0] if consumed else ""), [], f"malformed CSV record at line {first}: "
                      f"{exc}; its fields were read as far as that line goes, and it was not scored", first)
            continue
        if fields == [] and not "".join(lines.current).strip():
            continue  # blank line
        yield Row(fields, [], "", first)


def _best_effort(line: str) -> list[str]:
    """The fields of one broken line as a lenient reader sees them (an unclosed quote runs to the line's end)."""
    try:
        fields = next(csv.reader([line], strict=False), [])
    except csv.Error:
        fields = line.split(",")
    if fields:
        fields[-1] = fields[-1].rstrip("\r\n")
    return fields
