"""Batch scoring of CSV files, and of folders of transcript files: the scored-CSV contract of docs/DOMAIN.md, streamed,
with one output row per input row (or file), always.

A row that cannot be scored keeps its place with the reason in `error`; only problems that make the whole file
unusable (no text column, a clash with an output column name) stop the run, and they stop it before any work.
"""
from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Literal

from tqdm import tqdm

from .analyzer import Analyzer
from .domain import DEFAULT_MAX_CHARS, LABELS, RISK_LEVELS
from .errors import ConfigError, InputError
from .text.decode import detect_encoding
from .text.transcript_files import TRANSCRIPT_SUFFIXES, read_transcript
from .types import Result

# no monitor thread: a SIGTERM that lands while it starts is swallowed by the thread machinery, and the run goes on
tqdm.monitor_interval = 0

__all__ = ["meta_path", "scored_by", "OUTPUT_COLUMNS", "ScoreSummary", "score_csv", "score_folder", "result_columns", "text_problem"]

OUTPUT_COLUMNS: tuple[str, ...] = (
    ("flagged", "labels", "risk") + LABELS + tuple(f"{label}_score" for label in LABELS) + ("evidence", "error")
)
_MISSING = frozenset({"", "nan", "NaN", "NAN", "null", "NULL", "None", "none", "N/A", "n/a", "#N/A"})
_MAX_RECORD_LINES = 2_000  # a quoted field spanning more lines than this is a runaway quote, not a message

csv.field_size_limit(1 << 30)  # long texts are rejected by our own max_chars check, with a reason


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
    stale_parts_removed: int = 0  # half-written outputs of killed runs, found beside the output and removed

    def format(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        labels = ", ".join(f"{k} {v}" for k, v in self.per_label.items())
        risk = ", ".join(f"{k} {v}" for k, v in self.risk.items())
        return (
            f"rows {self.rows} | scored {self.scored} | errors {self.errors} | flagged {self.flagged}\n"
            f"per label: {labels}\nrisk: {risk}\n"
            f"{self.seconds:.1f} s ({rate:.0f} rows/s), input encoding {self.encoding}"
            + (f"\nremoved {self.stale_parts_removed} half-written output(s) of killed runs"
               if self.stale_parts_removed else "")
        )


@dataclass(frozen=True)
class _Record:
    """One CSV record as read: its fields (None when the record could not be parsed), why not, and its first line."""

    fields: list[str] | None
    error: str
    line: int


@dataclass(frozen=True)
class _Row:
    """One output row in the making: the input fields (padded to the header) and why it cannot be scored ("" = it can)."""

    fields: list[str]
    error: str


def result_columns(result: Result) -> dict[str, Any]:
    """The added columns for one scored row (JSON-ready values)."""
    out: dict[str, Any] = {
        "flagged": int(result.flagged),
        "labels": [label for label in LABELS if label in result.labels],
        "risk": str(result.risk),
    }
    for label in LABELS:
        out[label] = int(label in result.labels)
    for label in LABELS:
        out[f"{label}_score"] = round(result.scores.get(label, 0.0), 4)
    out["evidence"] = [f.to_dict() for f in result.findings]
    out["error"] = ""
    return out


def _error_columns(reason: str) -> dict[str, Any]:
    out: dict[str, Any] = {c: "" for c in OUTPUT_COLUMNS}
    out["evidence"] = []
    out["error"] = reason
    return out


class _Lines:
    """Line iterator for csv.reader that remembers the raw lines of the current record and accepts push-back."""

    def __init__(self, f: IO[str]) -> None:
        self._f = f
        self._pushed: list[str] = []
        self.current: list[str] = []
        self.line_no = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self._pushed.pop() if self._pushed else next(self._f)
        self.current.append(line)
        self.line_no += 1
        if len(self.current) > _MAX_RECORD_LINES:
            raise csv.Error("runaway quoted field")
        return line

    def push_back(self, lines: list[str]) -> None:
        self._pushed.extend(reversed(lines))
        self.line_no -= len(lines)


def _records(f: IO[str]) -> Iterator[_Record]:
    """Every record of the file; a broken record costs one row, never the rest of the file."""
    lines = _Lines(f)
    reader = csv.reader(lines, strict=True)
    while True:
        lines.current = []
        first = lines.line_no + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            consumed = lines.current
            if len(consumed) > 1:
                # an unterminated quote swallowed the lines after it: give them back, fail only the first line
                lines.push_back(consumed[1:])
                reader = csv.reader(lines, strict=True)
            yield _Record(None, f"malformed CSV record at line {first}: {exc}", first)
            continue
        if row == [] and not "".join(lines.current).strip():
            continue  # blank line
        yield _Record(row, "", first)


def text_problem(value: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Why one text cannot be scored ("" = it can): the row check of `yuefu score`, shared with frame.py."""
    if value.strip() in _MISSING:
        return "missing text"
    if len(value) > max_chars:
        return f"text too long ({len(value)} characters > {max_chars}); split it or raise --max-chars"
    if any("\udc80" <= c <= "\udcff" for c in value):
        return "text contains bytes that are not valid in the file's encoding"
    bad = [c for c in value if unicodedata.category(c) == "Cc" and c not in "\t\n\r"]
    if bad:
        return f"text contains control characters ({', '.join(sorted({repr(c) for c in bad}))})"
    if not any(unicodedata.category(c)[0] == "L" for c in value):
        return "no text content (only digits, punctuation or symbols)"
    return ""


def _open_input(path: str) -> tuple[IO[str], str]:
    raw: Any = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - closed by caller
    buf = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw, buffer_size=1 << 20)
    encoding = detect_encoding(buf.peek(1 << 16)[: 1 << 16])
    return io.TextIOWrapper(buf, encoding=encoding, errors="surrogateescape", newline=""), encoding


class _AtomicOutput:
    """Write to a temporary file beside the target and rename at the end: an interrupted run leaves no half file.

    The temporary name carries the process id (`.scored.csv.<pid>.<random>.part`), so the half-written outputs of runs
    that were killed outright (SIGKILL, a power cut) are recognised and removed by the next run. The finished file gets
    the permissions the umask gives any new file (mkstemp's 0600 would hide it from colleagues on a shared drive).
    """

    def __init__(self, path: str, encoding: str) -> None:
        self.path = path
        self.stale_removed = 0
        if path == "-":
            self.tmp = None
            self.fh: IO[str] = io.TextIOWrapper(
                sys.stdout.buffer, encoding=encoding, errors="surrogateescape", newline="", write_through=True
            )
            return
        target = Path(path)
        folder = target.parent
        if not folder.is_dir():
            raise InputError(f"the output folder {folder} does not exist; create it or choose another -o")
        if target.is_dir():
            raise InputError(f"the output {target} is a folder; name a file, e.g. -o {target / 'scored.csv'}")
        if not os.access(folder, os.W_OK):
            raise InputError(f"cannot write to {folder}; choose another -o")
        self.stale_removed = _remove_stale_parts(target)
        fd, self.tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.{os.getpid()}.", suffix=".part")
        self.fh = open(fd, "w", encoding=encoding, errors="surrogateescape", newline="")  # noqa: SIM115

    def commit(self) -> None:
        self.fh.flush()
        if self.tmp is None:
            self.fh.detach()
            return
        os.fsync(self.fh.fileno())
        self.fh.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self.tmp is None:
            return
        self.fh.close()
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


def _remove_stale_parts(target: Path) -> int:
    """Remove `.<name>.<pid>.*.part` files beside `target` whose process is gone; a live run's part is left alone."""
    removed = 0
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        pid = part.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _refuse_overwriting_input(in_path: str | Path, out_path: str | Path, force: bool) -> None:
    if force or str(in_path) == "-" or str(out_path) == "-" or not Path(out_path).exists():
        return
    if Path(in_path).resolve() == Path(out_path).resolve():
        raise InputError(f"the output {out_path} is the input; choose another -o (or pass --force to replace it)")


def score_csv(
    in_path: str | Path,
    out_path: str | Path,
    *,
    analyzer: Analyzer,
    text_col: str = "text",
    batch_size: int = 64,
    fmt: Literal["csv", "jsonl"] = "csv",
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: bool = True,
    force: bool = False,
) -> ScoreSummary:
    """Score every row of a CSV (`-` = stdin) into `out_path` (`-` = stdout) and return a summary. The output never
    replaces the input unless `force`."""
    if fmt not in ("csv", "jsonl"):
        raise ConfigError("fmt must be 'csv' or 'jsonl'")
    _refuse_overwriting_input(in_path, out_path, force)
    started = time.perf_counter()
    summary = ScoreSummary()
    fin, encoding = _open_input(str(in_path))
    summary.encoding = encoding
    try:
        records = _records(fin)
        header = _read_header(records, text_col)
        out_encoding = "utf-8-sig" if encoding == "utf-8-sig" and fmt == "csv" else "utf-8"
        text_idx = header.index(text_col)
        _write_scored(_csv_rows(records, header, text_idx, max_chars), header, text_idx, str(out_path), out_encoding,
                      fmt, analyzer, batch_size, progress, summary)
        _write_meta(out_path, analyzer, summary, in_path)
    finally:
        if str(in_path) != "-":
            fin.close()
    summary.seconds = time.perf_counter() - started
    return summary


def score_folder(
    folder: str | Path,
    out_path: str | Path,
    *,
    analyzer: Analyzer,
    batch_size: int = 64,
    fmt: Literal["csv", "jsonl"] = "csv",
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: bool = True,
) -> ScoreSummary:
    """Score every transcript file of `folder` (.txt, .json, .srt, .vtt; sorted by name; text/transcript_files.py)
    into `out_path`: one row per file, its name in `file` and the canonical transcript that was scored in `text`, so
    the evidence's spans index that column. A file that cannot be read keeps its row, with the reason in `error`."""
    if fmt not in ("csv", "jsonl"):
        raise ConfigError("fmt must be 'csv' or 'jsonl'")
    started = time.perf_counter()
    files = sorted((p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES),
                   key=lambda p: p.name)
    if not files:
        raise InputError(f"{folder}: no transcript files ({', '.join(TRANSCRIPT_SUFFIXES)}) in this folder")
    summary = ScoreSummary(encoding="detected per file (UTF-8, UTF-8 with BOM or GB18030)")

    def rows() -> Iterator[_Row]:
        for path in files:
            try:
                text = read_transcript(path, analyzer.roles)
            except InputError as exc:
                yield _Row([path.name, ""], str(exc).replace(f"{path}: ", "", 1))
            except OSError as exc:
                yield _Row([path.name, ""], f"cannot read the file: {exc.strerror or exc}")
            else:
                yield _Row([path.name, text], text_problem(text, max_chars))

    _write_scored(rows(), ["file", "text"], 1, str(out_path), "utf-8", fmt, analyzer, batch_size, progress, summary)
    _write_meta(out_path, analyzer, summary, folder)
    summary.seconds = time.perf_counter() - started
    return summary


def _csv_rows(records: Iterable[_Record], header: list[str], text_idx: int, max_chars: int) -> Iterator[_Row]:
    """One _Row per CSV record: a broken record or a row of the wrong width keeps its place with the reason."""
    for record in records:
        fields = record.fields
        if fields is None:
            yield _Row([""] * len(header), record.error)
        elif len(fields) != len(header):
            fixed = (fields + [""] * len(header))[: len(header)]
            yield _Row(fixed, f"row has {len(fields)} fields, header has {len(header)}")
        else:
            yield _Row(fields, text_problem(fields[text_idx], max_chars))


def _write_scored(
    rows: Iterable[_Row], header: list[str], text_idx: int, out_path: str, out_encoding: str,
    fmt: Literal["csv", "jsonl"], analyzer: Analyzer, batch_size: int, progress: bool, summary: ScoreSummary,
) -> None:
    """Score `rows` batch by batch and write each with its added columns; the output appears only when all is done."""
    out = _AtomicOutput(out_path, out_encoding)
    summary.stale_parts_removed = out.stale_removed
    try:
        writer = csv.writer(out.fh, lineterminator="\n") if fmt == "csv" else None
        if writer is not None:
            writer.writerow(header + list(OUTPUT_COLUMNS))
        bar = tqdm(total=None, unit=" rows", desc="scoring", file=sys.stderr, disable=not progress, mininterval=0.5)
        pending: list[_Row] = []
        n_valid = 0
        for row in rows:
            pending.append(row)
            n_valid += not row.error
            if n_valid >= batch_size or len(pending) >= 4 * batch_size:
                _score_and_write(pending, text_idx, header, analyzer, batch_size, writer, out.fh, summary)
                bar.update(len(pending))
                pending.clear()
                n_valid = 0
        _score_and_write(pending, text_idx, header, analyzer, batch_size, writer, out.fh, summary)
        bar.update(len(pending))
        bar.close()
        out.commit()
    except BaseException:
        out.abort()
        raise


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
            "output": str(out_path), "rows": summary.rows, "scored": summary.scored, "errors": summary.errors,
            "flagged": summary.flagged, "risk": {str(k): v for k, v in summary.risk.items()},
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    out = _AtomicOutput(str(meta_path(out_path)), "utf-8")
    try:
        out.fh.write(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
        out.commit()
    except BaseException:
        out.abort()
        raise


def _read_header(records: Iterator[_Record], text_col: str) -> list[str]:
    try:
        first = next(records)
    except StopIteration:
        raise InputError("the input is empty: expected a header row with a text column") from None
    if first.fields is None:
        raise InputError(f"the header row cannot be parsed ({first.error}); check the file is a CSV")
    header = [h.lstrip("\ufeff") for h in first.fields]
    if text_col not in header:
        raise InputError(
            f"column {text_col!r} not found; the columns are: {', '.join(header)}. "
            f"Name the text column with --text-col."
        )
    clash = [c for c in OUTPUT_COLUMNS if c in header]
    if clash:
        raise InputError(
            f"the input already has column(s) {', '.join(clash)}, which the scorer adds; rename them first "
            f"(is this file already scored?)"
        )
    return header


def _score_and_write(
    pending: list[_Row],
    text_idx: int,
    header: list[str],
    analyzer: Analyzer,
    batch_size: int,
    writer: Any,
    fh: IO[str],
    summary: ScoreSummary,
) -> None:
    rows = [(row.fields[text_idx], i) for i, row in enumerate(pending) if not row.error]
    results: dict[int, dict[str, Any]] = {}
    for result, i in analyzer.analyze_batch(rows, batch_size=batch_size, as_tuples=True):
        results[i] = result_columns(result)
        summary.scored += 1
        summary.risk[result.risk] += 1
        if result.flagged:
            summary.flagged += 1
            for label in result.labels:
                summary.per_label[label] += 1
    origin = scored_by(analyzer) if writer is None else ""  # one line per JSONL record, built once per batch
    for i, row in enumerate(pending):
        cols = results.get(i) or _error_columns(row.error)
        summary.rows += 1
        summary.errors += bool(row.error)
        if writer is not None:
            writer.writerow(row.fields + [_csv_value(k, cols[k]) for k in OUTPUT_COLUMNS])
        else:
            obj = dict(zip(header, row.fields))
            obj.update(cols)
            obj["scored_by"] = origin
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _csv_value(key: str, value: Any) -> str:
    if key == "labels":
        return "|".join(value) if isinstance(value, list) else str(value)
    if key == "evidence":
        return json.dumps(value, ensure_ascii=False)
    return str(value)
