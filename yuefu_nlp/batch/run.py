"""Batch scoring of tables (CSV, Excel) and of folders of transcript files: the scored-CSV contract of docs/DOMAIN.md,
streamed, with one output row per input row (or file), always.

A row that cannot be scored keeps its place with the reason in `error`; only problems that make the whole input
unusable (no text column, a clash with an output column name, an output path that cannot be written) stop the run,
and they stop it before any work. The output appears only when the run finished (output.py).
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from tqdm import tqdm

from ..analyzer import Analyzer
from ..domain import DEFAULT_MAX_CHARS, LABELS, RISK_LEVELS
from ..errors import ConfigError, InputError
from ..redact import redact_result, redact_text
from ..text.decode import undecodable
from ..text.transcript_files import TRANSCRIPT_SUFFIXES, read_transcript
from .contract import EXTRA_FIELDS, OUTPUT_COLUMNS, error_columns, result_columns, text_problem
from ..atomic import check_output_path, write_atomic
from .output import CsvSink, JsonlSink
from .tables import Table, open_table

# no monitor thread: a SIGTERM that lands while it starts is swallowed by the thread machinery, and the run goes on
tqdm.monitor_interval = 0

__all__ = ["FORMATS", "ScoreSummary", "meta_path", "output_format", "score_file", "score_folder", "scored_by"]

FORMATS = ("csv", "jsonl", "xlsx")
Format = Literal["csv", "jsonl", "xlsx"]


@dataclass
class ScoreSummary:
    """What a scoring run did; printed at the end of `yuefu score`."""

    rows: int = 0
    scored: int = 0
    errors: int = 0
    flagged: int = 0
    per_label: dict[str, int] = field(default_factory=lambda: {label: 0 for label in LABELS})
    risk: dict[str, int] = field(default_factory=lambda: {level: 0 for level in RISK_LEVELS})
    seconds: float = 0.0
    encoding: str = ""
    encoding_note: str = ""  # why that encoding: a byte-order mark, detection, --encoding
    stale_parts_removed: int = 0  # half-written outputs of killed runs, found beside the output and removed
    odd_width: int = 0  # rows with more or fewer fields than the header (scored; surplus fields in extra_fields)
    cut_cells: int = 0  # Excel output: cells cut to Excel's 32,767-character limit
    redacted: bool = False  # identifiers were masked in everything written (--redact)

    def format(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        labels = ", ".join(f"{k} {v}" for k, v in self.per_label.items())
        risk = ", ".join(f"{k} {v}" for k, v in self.risk.items())
        notes = []
        if self.odd_width:
            notes.append(f"{self.odd_width} row(s) had more or fewer fields than the header: scored, surplus fields "
                         f"kept in {EXTRA_FIELDS}")
        if self.cut_cells:
            notes.append(f"{self.cut_cells} cell(s) cut to Excel's 32,767-character limit (a CSV output keeps all)")
        if self.stale_parts_removed:
            notes.append(f"removed {self.stale_parts_removed} half-written output(s) of killed runs")
        return (
            f"rows {self.rows} | scored {self.scored} | errors {self.errors} | flagged {self.flagged}\n"
            f"per label: {labels}\nrisk: {risk}\n"
            f"{self.seconds:.1f} s ({rate:.0f} rows/s), input encoding {self.encoding}"
            + (f" ({self.encoding_note})" if self.encoding_note else "")
            + "".join(f"\n{n}" for n in notes)
        )


@dataclass(frozen=True)
class _Row:
    """One output row in the making: input fields, values of the columns after the contract's, why it cannot be
    scored ("" = it can)."""

    fields: list[str]
    tail: list[str]
    error: str


def output_format(out_path: str | Path, fmt: str | None) -> Format:
    """The output format: as asked, else from the output's name (.jsonl/.ndjson, .xlsx), else CSV."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConfigError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
        return fmt  # type: ignore[return-value]
    suffix = Path(str(out_path)).suffix.lower()
    return "jsonl" if suffix in (".jsonl", ".ndjson") else "xlsx" if suffix == ".xlsx" else "csv"


def score_file(
    in_path: str | Path,
    out_path: str | Path,
    *,
    analyzer: Analyzer,
    text_col: str = "text",
    batch_size: int = 64,
    fmt: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: bool = True,
    force: bool = False,
    encoding: str | None = None,
    sheet: str | None = None,
    bom: bool = False,
    redact: bool = False,
) -> ScoreSummary:
    """Score every row of a CSV or .xlsx sheet (`-` = stdin) into `out_path` (`-` = stdout) as CSV, JSONL or .xlsx
    (`fmt`, default from the output's name) and return a summary.

    The CSV's encoding is detected (text/decode.py) unless `encoding` names it; `bom` writes a CSV with a UTF-8 BOM,
    which Excel needs to read Chinese. `redact` masks ID, card and phone numbers (and addresses a rule found) in
    every field and span written, character for character (redact.py). The output never replaces the input unless
    `force`."""
    fmt_ = output_format(out_path, fmt)
    if bom and fmt_ != "csv":
        raise ConfigError("--bom is for CSV output (JSONL is always plain UTF-8; .xlsx needs none)")
    _refuse_overwriting_input(in_path, out_path, force)
    if str(out_path) != "-":
        check_output_path(str(out_path))
    started = time.perf_counter()
    summary = ScoreSummary()
    table = open_table(str(in_path), max_chars=max_chars, encoding=encoding, sheet=sheet)
    try:
        summary.encoding, summary.encoding_note = table.encoding, table.encoding_note
        text_idx = _text_index(table.header, text_col)
        out_encoding = "utf-8-sig" if bom or table.encoding.startswith("utf-8-sig") else "utf-8"
        rows = _table_rows(table, text_idx, max_chars, summary)
        _write_scored(rows, table.header, [EXTRA_FIELDS], text_idx, str(out_path), out_encoding, fmt_, analyzer,
                      batch_size, _bar(progress, table.size, table.unit), table.position, summary, redact)
        _write_meta(out_path, analyzer, summary, in_path)
    finally:
        table.close()
    summary.seconds = time.perf_counter() - started
    return summary


def score_folder(
    folder: str | Path,
    out_path: str | Path,
    *,
    analyzer: Analyzer,
    batch_size: int = 64,
    fmt: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: bool = True,
    redact: bool = False,
) -> ScoreSummary:
    """Score every transcript file of `folder` (.txt, .json, .srt, .vtt; sorted by name; text/transcript_files.py)
    into `out_path`: one row per file, its name in `file` and the canonical transcript that was scored in `text`, so
    the evidence's spans index that column. A file that cannot be read keeps its row, with the reason in `error`."""
    fmt_ = output_format(out_path, fmt)
    if str(out_path) != "-":
        check_output_path(str(out_path))
    started = time.perf_counter()
    files = sorted((p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES),
                   key=lambda p: p.name)
    if not files:
        raise InputError(f"{folder}: no transcript files ({', '.join(TRANSCRIPT_SUFFIXES)}) in this folder")
    summary = ScoreSummary(encoding="per file", encoding_note="detected for each file")
    done = {"files": 0}

    def rows() -> Iterator[_Row]:
        for path in files:
            done["files"] += 1
            try:
                text = read_transcript(path, analyzer.roles)
            except InputError as exc:
                yield _Row([path.name, ""], [], str(exc).replace(f"{path}: ", "", 1))
            except OSError as exc:
                yield _Row([path.name, ""], [], f"cannot read the file: {exc.strerror or exc}")
            else:
                yield _Row([path.name, text], [], text_problem(text, max_chars))

    _write_scored(rows(), ["file", "text"], [], 1, str(out_path), "utf-8", fmt_, analyzer, batch_size,
                  _bar(progress, len(files), " files"), lambda: done["files"], summary, redact)
    _write_meta(out_path, analyzer, summary, folder)
    summary.seconds = time.perf_counter() - started
    return summary


def _text_index(header: list[str], text_col: str) -> int:
    if text_col not in header:
        raise InputError(
            f"column {text_col!r} not found; the columns are: {', '.join(header)}. Name the text column with --text-col."
        )
    if header.count(text_col) > 1:
        raise InputError(f"column {text_col!r} appears {header.count(text_col)} times; rename the copies, or name "
                         f"another column with --text-col")
    clash = [c for c in (*OUTPUT_COLUMNS, EXTRA_FIELDS) if c in header]
    if clash:
        raise InputError(
            f"the input already has column(s) {', '.join(clash)}, which the scorer adds; rename them first "
            f"(is this file already scored?)"
        )
    return header.index(text_col)


def _table_rows(table: Table, text_idx: int, max_chars: int, summary: ScoreSummary) -> Iterator[_Row]:
    """One _Row per input row: a broken row keeps its place with the reason; a row of the wrong width is scored."""
    for row in table.rows:
        extra = json.dumps(row.extra, ensure_ascii=False) if row.extra else ""
        if row.error:
            yield _Row(row.fields, [extra], row.error)
            continue
        summary.odd_width += row.width >= 0
        text = row.fields[text_idx]
        problem = text_problem(text, max_chars)
        if 0 <= row.width <= text_idx:
            problem = f"row has {row.width} field(s), header has {len(table.header)}: no text column in this row"
        elif problem and undecodable(text):
            problem = (f"text contains bytes that are not valid {table.encoding} (written as \\xNN in the output); "
                       f"if the file is in another encoding, pass --encoding")
        yield _Row(row.fields, [extra], problem)


def _bar(progress: bool, total: int | None, unit: str) -> tqdm:
    """A progress bar with a total (bytes of a file, rows of a sheet, files of a folder) and so an ETA, where the
    total is knowable; stdin gets a running count."""
    in_bytes = unit == "B"
    return tqdm(total=total, unit=unit, unit_scale=in_bytes, unit_divisor=1024 if in_bytes else 1000, desc="scoring",
                file=sys.stderr, disable=not progress, mininterval=0.5)


def _sink(fmt: Format, out_path: str, encoding: str, analyzer: Analyzer) -> Any:
    if fmt == "xlsx":
        from .spreadsheet import XlsxSink

        return XlsxSink(out_path)
    if fmt == "jsonl":
        return JsonlSink(out_path, scored_by(analyzer))
    return CsvSink(out_path, encoding)


def _write_scored(
    rows: Iterable[_Row], header: list[str], tail: list[str], text_idx: int, out_path: str, out_encoding: str,
    fmt: Format, analyzer: Analyzer, batch_size: int, bar: tqdm, position: Any, summary: ScoreSummary,
    redact: bool = False,
) -> None:
    """Score `rows` batch by batch and write each with its added columns; the output appears only when all is done."""
    summary.redacted = redact
    sink = _sink(fmt, out_path, out_encoding, analyzer)
    summary.stale_parts_removed = sink.stale_removed
    try:
        sink.header(header, tail)
        pending: list[_Row] = []
        n_valid = 0
        seen = 0
        for row in rows:
            pending.append(row)
            n_valid += not row.error
            if n_valid >= batch_size or len(pending) >= 4 * batch_size:
                _score_and_write(pending, text_idx, analyzer, batch_size, sink, summary, redact)
                pending.clear()
                n_valid = 0
                seen = _advance(bar, position, seen, summary)
        _score_and_write(pending, text_idx, analyzer, batch_size, sink, summary, redact)
        _advance(bar, position, seen, summary)
        bar.close()
        summary.cut_cells = getattr(sink, "cut_cells", 0)
        sink.commit()
    except BaseException:
        bar.close()
        sink.abort()
        raise


def _advance(bar: tqdm, position: Any, seen: int, summary: ScoreSummary) -> int:
    now = position() if bar.total else summary.rows
    bar.update(max(now - seen, 0))
    bar.set_postfix_str(f"{summary.rows} rows, {summary.flagged} flagged", refresh=False)
    return now


def _score_and_write(
    pending: list[_Row], text_idx: int, analyzer: Analyzer, batch_size: int, sink: Any, summary: ScoreSummary,
    redact: bool = False,
) -> None:
    todo = [(row.fields[text_idx], i) for i, row in enumerate(pending) if not row.error]
    results: dict[int, dict[str, Any]] = {}
    texts: dict[int, str] = {}
    for result, i in analyzer.analyze_batch(todo, batch_size=batch_size, as_tuples=True):
        if redact:
            result = redact_result(result)
            texts[i] = result.text
        results[i] = result_columns(result)
        summary.scored += 1
        summary.risk[result.risk] += 1
        if result.flagged:
            summary.flagged += 1
            for label in result.labels:
                summary.per_label[label] += 1
    for i, row in enumerate(pending):
        summary.rows += 1
        summary.errors += bool(row.error)
        fields, tail = row.fields, row.tail
        if redact:
            fields, tail = [redact_text(f) for f in fields], [redact_text(t) for t in tail]
            fields[text_idx] = texts.get(i, fields[text_idx])  # the scored text also has its addresses starred
        sink.row(fields, results.get(i) or error_columns(row.error), tail)


def _refuse_overwriting_input(in_path: str | Path, out_path: str | Path, force: bool) -> None:
    if force or str(in_path) == "-" or str(out_path) == "-" or not Path(out_path).exists():
        return
    if Path(in_path).resolve() == Path(out_path).resolve():
        raise InputError(f"the output {out_path} is the input; choose another -o (or pass --force to replace it)")


def scored_by(analyzer: Analyzer) -> str:
    """A one-line id of what scored a record (each JSONL record carries it): version, backend, model and ruleset."""
    p = analyzer.provenance
    model = f"model {p['model']['name']}@{p['model']['sha256'][:12]}; " if p["model"] else ""
    return f"yuefu_nlp {p['yuefu_nlp']} {p['backend']}; {model}rules@{p['rules']['sha256'][:12]}"


def meta_path(out_path: str | Path) -> Path:
    """Where the sidecar of a scored file goes: `scored.csv` -> `scored.csv.meta.json`."""
    return Path(f"{out_path}.meta.json")


def _write_meta(out_path: str | Path, analyzer: Analyzer, summary: ScoreSummary, source: str | Path) -> None:
    """The sidecar that says what produced a scored file (model, its sha256, the ruleset's sha256) and what the run
    did, written atomically beside it; none for stdout."""
    if str(out_path) == "-":
        return
    meta = {"scored_by": analyzer.provenance, "input": str(source), "input_encoding": summary.encoding,
            "input_encoding_detected_by": summary.encoding_note,
            "output": str(out_path), "rows": summary.rows, "scored": summary.scored, "errors": summary.errors,
            "flagged": summary.flagged, "risk": {str(k): v for k, v in summary.risk.items()},
            "rows_of_odd_width": summary.odd_width, "redacted": summary.redacted, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_atomic(meta_path(out_path), json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
