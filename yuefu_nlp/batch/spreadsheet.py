"""Excel workbooks in and out of `yuefu score`, through openpyxl (the `excel` extra: pip install 'yuefu_nlp[excel]').

In: any sheet (`--sheet` name or 1-based number; default the first), read in streaming mode; numbers, dates and
booleans become the text Excel shows for them (a phone number stored as a number stays 13800138000, not 1.38e10).
Out: the same columns as the CSV, plus `evidence_readable` (one line per finding: label, the quoted span, the rule and
the law) so a reviewer need not read JSON; flagged rows are filled by risk, the header is frozen and filterable.
Excel's limits are kept so the file always opens: characters XML forbids are written as `\\xNN`, and a cell longer
than 32,767 characters is cut with a note saying so (the CSV output keeps everything).
"""
from __future__ import annotations

import datetime as dt
import io
import sys
from typing import Any

from ..atomic import new_part, publish, remove_part
from ..domain import LABEL_ZH, Risk
from ..errors import InputError, MissingDependencyError
from ..text.decode import escape_undecodable
from .contract import OUTPUT_COLUMNS, cell
from .tables import Row, Table

__all__ = ["XLSX_CELL_LIMIT", "XlsxSink", "read_sheet", "readable_evidence"]

XLSX_CELL_LIMIT = 32_767
_RISK_FILL = {Risk.HIGH: "FFC7CE", Risk.MEDIUM: "FFEB9C"}  # Excel's own "bad" and "neutral" fills
_WIDTH = {"text": 60, "evidence_readable": 60, "evidence": 30, "error": 30, "labels": 18}


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise MissingDependencyError(
            "reading or writing .xlsx needs openpyxl: pip install 'yuefu_nlp[excel]' (or pip install openpyxl)"
        ) from None
    return openpyxl


def read_sheet(path: str, sheet: str | None) -> Table:
    """The sheet as a Table of text cells (rows in sheet order; fully empty rows skipped)."""
    openpyxl = _openpyxl()
    source: Any = io.BytesIO(sys.stdin.buffer.read()) if path == "-" else path
    try:
        wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError kinds for a broken workbook
        raise InputError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    ws = _pick_sheet(wb, sheet, path)
    rows = ws.iter_rows(values_only=True)
    header_cells = next(rows, None)
    if header_cells is None:
        wb.close()
        raise InputError(f"{path}: sheet {ws.title!r} is empty: expected a header row with a text column")
    header = [_text(v) for v in header_cells]
    while header and header[-1] == "":
        header.pop()  # trailing empty header cells are formatting, not columns
    width = len(header)
    progress = {"rows": 0}

    def stream() -> Any:
        for number, values in enumerate(rows, start=2):
            progress["rows"] += 1
            cells = [_text(v) for v in values]
            if not any(cells):
                continue
            fields, extra = cells[:width], cells[width:]
            while extra and extra[-1] == "":
                extra.pop()
            fields += [""] * (width - len(fields))
            yield Row(fields, extra, "", number, width + len(extra) if extra else -1)

    total = max((ws.max_row or 1) - 1, 0)
    return Table(header, stream(), "xlsx", f"sheet {ws.title!r}", total or None, lambda: progress["rows"], wb.close,
                 unit=" rows")


def _pick_sheet(wb: Any, sheet: str | None, path: str) -> Any:
    if sheet is None:
        return wb.worksheets[0]
    if sheet in wb.sheetnames:
        return wb[sheet]
    if sheet.isdigit() and 1 <= int(sheet) <= len(wb.sheetnames):
        return wb.worksheets[int(sheet) - 1]
    raise InputError(f"{path} has no sheet {sheet!r}; its sheets are: {', '.join(wb.sheetnames)} "
                     f"(name one, or give its number from 1)")


def _text(value: Any) -> str:
    """A cell as the text Excel shows: integral floats without .0, dates in ISO form, booleans TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def readable_evidence(evidence: list[dict[str, Any]]) -> str:
    """One line per finding, for a reviewer: 威胁恐吓 threat「span」 rule id · the first law it cites."""
    lines = []
    for f in evidence:
        label = f.get("label", "")
        law = (f.get("citation") or [""])[0]
        lines.append(f"{LABEL_ZH.get(label, '')} {label}「{f.get('text', '')}」 {f.get('rule_id', '')}"
                     + (f" · {law}" if law else ""))
    return "\n".join(lines)


class XlsxSink:
    """Writes the scored rows to a workbook beside the target and renames it into place when all is written."""

    def __init__(self, path: str) -> None:
        openpyxl = _openpyxl()
        from openpyxl.styles import Alignment, Font, PatternFill

        if path == "-":
            raise InputError("an Excel workbook cannot go to stdout; name a file with -o, e.g. -o scored.xlsx")
        self.path = path
        self.cut_cells = 0
        self._wb = openpyxl.Workbook(write_only=True)
        self._ws = self._wb.create_sheet("scored")
        self._fills = {risk: PatternFill("solid", fgColor=colour) for risk, colour in _RISK_FILL.items()}
        self._bold = Font(bold=True)
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._cell = openpyxl.cell.WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self._illegal = ILLEGAL_CHARACTERS_RE
        self._columns: list[str] = []
        self._rows = 0
        self.tmp, self.stale_removed = new_part(path)

    def header(self, inputs: list[str], tail: list[str]) -> None:
        from openpyxl.utils import get_column_letter

        self._columns = inputs + list(OUTPUT_COLUMNS) + tail + ["evidence_readable"]
        for i, name in enumerate(self._columns, start=1):
            self._ws.column_dimensions[get_column_letter(i)].width = _WIDTH.get(name, 12)
        self._ws.freeze_panes = "A2"
        self._ws.append([self._value(c, bold=True) for c in self._columns])

    def row(self, fields: list[str], cols: dict[str, Any], tail: list[str]) -> None:
        fill = self._fills.get(cols["risk"]) if cols["flagged"] else None
        values: list[Any] = list(fields)
        # the CSV's text for labels and evidence; numbers stay numbers, so Excel can sort and filter them
        values += [cell(key, cols[key]) if key in ("labels", "evidence") else cols[key] for key in OUTPUT_COLUMNS]
        values.extend(tail)
        values.append(readable_evidence(cols["evidence"]))
        self._ws.append([self._value(v, fill=fill) for v in values])
        self._rows += 1

    def _value(self, value: Any, *, fill: Any = None, bold: bool = False) -> Any:
        if isinstance(value, str):  # bytes the input's encoding could not decode, then characters XML forbids
            value = self._illegal.sub(lambda m: f"\\x{ord(m.group()):02x}", escape_undecodable(value))
            if len(value) > XLSX_CELL_LIMIT:
                note = f" …[cut at Excel's {XLSX_CELL_LIMIT}-character cell limit; {len(value)} in all]"
                value = value[: XLSX_CELL_LIMIT - len(note)] + note
                self.cut_cells += 1
        c = self._cell(self._ws, value=value)
        if fill is not None:
            c.fill = fill
        if bold:
            c.font = self._bold
        elif isinstance(value, str) and "\n" in value:
            c.alignment = self._wrap
        return c

    def commit(self) -> None:
        from openpyxl.utils import get_column_letter

        if self._columns:
            self._ws.auto_filter.ref = f"A1:{get_column_letter(len(self._columns))}{self._rows + 1}"
        self._wb.save(self.tmp)
        publish(self.tmp, self.path)

    def abort(self) -> None:
        remove_part(self.tmp)
