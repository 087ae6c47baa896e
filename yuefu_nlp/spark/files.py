"""`yuefu score --engine spark`: CSV, JSONL or Parquet (a file or a folder of them) scored on Spark into Parquet or CSV
part files, every row with its input columns, its place (`row_id`) and the contract's columns.

Spark reads UTF-8 only (no encoding detection, no Excel): for other encodings, `yuefu score` locally.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from ..batch.run import ScoreSummary, meta_path
from ..domain import LABELS, RISK_LEVELS
from ..errors import ConfigError, InputError
from .score import (
    INT_COLUMNS,
    SCORE_COLUMNS,
    SparkSettings,
    check_columns,
    require_pyspark,
    score_spark,
    worker_analyzer,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["INPUT_FORMATS", "OUTPUT_FORMATS", "ROW_ID", "SparkRun", "add_row_id", "as_csv_text", "output_format",
           "read_input", "score_path", "spark_session"]

INPUT_FORMATS = {".csv": "csv", ".jsonl": "json", ".ndjson": "json", ".json": "json", ".parquet": "parquet"}
OUTPUT_FORMATS = ("parquet", "csv")
OutputFormat = Literal["parquet", "csv"]
ROW_ID = "row_id"  # the row's 0-based place in the input (files in path order, rows in file order)
ROWS_PER_PARTITION = 20_000  # default partition size for scoring: small enough to spread, big enough to amortize


def spark_session(master: str | None = None, app_name: str = "yuefu score") -> SparkSession:
    """The active session, or a new one: on `master` if given, else on what spark-submit configured, else
    `local[*]`. In local mode the Python workers run this interpreter, so they see the same installed packages."""
    require_pyspark()
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    chosen = master or SparkConf().get("spark.master", None) or "local[*]"
    if chosen.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return SparkSession.builder.appName(app_name).master(chosen).getOrCreate()


def read_input(spark: SparkSession, path: str | Path) -> DataFrame:
    """A CSV, JSONL or Parquet file, or a folder of files of one of these kinds, as a DataFrame (CSV cells as text).

    CSV: a header row, RFC 4180 quoting (a quote inside a field doubled, fields may span lines), UTF-8."""
    names = _listing(spark, str(path))
    if names is None:
        raise InputError(f"{path}: no such file or folder")
    is_dir = bool(names) or not PurePosixPath(str(path)).suffix
    suffixes = {PurePosixPath(n).suffix.lower() for n in names if not n.startswith((".", "_"))} if is_dir \
        else {PurePosixPath(str(path)).suffix.lower()}
    kinds = {INPUT_FORMATS[s] for s in suffixes if s in INPUT_FORMATS}
    if len(kinds) != 1:
        found = ", ".join(sorted(suffixes)) or "no files"
        raise InputError(f"{path}: the Spark engine reads .csv, .jsonl or .parquet (one kind per folder); found "
                         f"{found}. Convert other files (.xlsx, other encodings) with `yuefu score` locally")
    kind = kinds.pop()
    reader = spark.read
    if is_dir:
        reader = reader.option("pathGlobFilter", "*" + ("" if kind == "json" else f".{kind}"))
    if kind == "csv":
        reader = reader.options(header=True, multiLine=True, escape='"', encoding="UTF-8", inferSchema=False)
    return getattr(reader, kind)(str(path))


def _listing(spark: SparkSession, path: str) -> list[str] | None:
    """The names in a folder ([] for a file), None when nothing is there: through Hadoop's FileSystem, so a local
    path, hdfs:// and s3a:// are all read the same way."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hpath):
        return None
    if not fs.getFileStatus(hpath).isDirectory():
        return []
    return [status.getPath().getName() for status in fs.listStatus(hpath) if status.isFile()]


def add_row_id(df: DataFrame) -> DataFrame:
    """`df` with `row_id`: the row's 0-based place in the input, files in path order and rows in file order.

    Neither monotonically_increasing_id nor zipWithIndex alone gives that: both follow partition order, and Spark
    packs file splits into partitions largest first. So each row gets its file, its split's start and its id within
    the split (monotonically_increasing_id runs on within a partition, so a split's rows have consecutive ids), one
    small job counts the rows of each split, and the place is the rows of all earlier splits plus the place within
    its own. No shuffle of the rows themselves, and the ids stay contiguous."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keyed = df.select("*", F.col("_metadata.file_path").alias("_yf"), F.col("_metadata.file_block_start").alias("_yb"),
                      F.monotonically_increasing_id().alias("_ym"))
    splits = keyed.groupBy("_yf", "_yb").agg(F.count(F.lit(1)).alias("_yn"), F.min("_ym").alias("_y0"))
    before = F.sum("_yn").over(Window.orderBy("_yf", "_yb").rowsBetween(Window.unboundedPreceding, -1))
    offsets = splits.select("_yf", "_yb", "_y0", F.coalesce(before, F.lit(0)).alias("_yo"))
    return (keyed.join(F.broadcast(offsets), ["_yf", "_yb"])
            .select(*[F.col(f"`{c}`") for c in df.columns], (F.col("_yo") + F.col("_ym") - F.col("_y0")).alias(ROW_ID)))


@dataclass(frozen=True)
class SparkRun:
    """How `score_path` runs: where, in how many partitions, and what it writes."""

    master: str | None = None
    fmt: OutputFormat | None = None
    partitions: int | None = None  # default: about ROWS_PER_PARTITION rows each, at least 2 per core
    force: bool = False


def output_format(out_path: str | Path, fmt: str | None) -> OutputFormat:
    """As asked, else from the output's suffix (.csv), else Parquet."""
    if fmt is not None:
        if fmt not in OUTPUT_FORMATS:
            raise ConfigError(f"the Spark engine writes {' or '.join(OUTPUT_FORMATS)}, not {fmt!r} (JSONL and .xlsx: "
                              f"`yuefu score` locally)")
        return fmt  # type: ignore[return-value]
    return "csv" if Path(str(out_path)).suffix.lower() == ".csv" else "parquet"


def score_path(in_path: str | Path, out_path: str | Path, settings: SparkSettings, run: SparkRun = SparkRun()
               ) -> ScoreSummary:
    """Score every row of `in_path` into the folder `out_path` (Spark's part files, in row order) and its
    `<out_path>.meta.json`; return the summary `yuefu score` prints."""
    started = time.perf_counter()
    fmt = output_format(out_path, run.fmt)
    _check_paths(in_path, out_path, run.force)
    spark = spark_session(run.master)
    df = read_input(spark, in_path)
    check_columns(df.columns, settings.text_col)
    if ROW_ID in df.columns:
        raise InputError(f"the input already has a column {ROW_ID!r}, which the Spark engine adds to keep each row's "
                         f"place; rename it first")
    indexed = add_row_id(df)
    rows = indexed.count()
    parts = run.partitions or max(2 * spark.sparkContext.defaultParallelism, -(-rows // ROWS_PER_PARTITION))
    ordered = indexed.repartitionByRange(max(1, min(parts, rows)), ROW_ID).sortWithinPartitions(ROW_ID)
    scored = score_spark(ordered, settings.text_col, **_score_options(settings))
    writer = scored.write.mode("overwrite" if run.force else "errorifexists")
    if fmt == "csv":
        writer = as_csv_text(scored).write.mode("overwrite" if run.force else "errorifexists")
        writer.options(header=True, escape='"', emptyValue="", encoding="UTF-8").csv(str(out_path))
    else:
        writer.parquet(str(out_path))
    summary = _summary(spark, str(out_path), fmt, rows)
    summary.seconds = time.perf_counter() - started
    _write_meta(spark, settings, run, in_path, out_path, fmt, parts, summary)
    return summary


def as_csv_text(scored: DataFrame) -> DataFrame:
    """The contract's columns as `yuefu score` writes them in a CSV: a row with an error has empty flags and scores
    (the DataFrame, like score_frame, has 0 and null), and a score is printed as Python prints it (0.0001, not
    Spark's 1.0E-4; the value is already rounded to 4 places, so %.4f less its trailing zeros is exact)."""
    from pyspark.sql import functions as F

    failed = F.coalesce(F.col("error"), F.lit("")) != ""
    columns = []
    for name in scored.columns:
        c = F.col(f"`{name}`")
        if name in INT_COLUMNS:
            c = F.when(failed, F.lit("")).otherwise(c.cast("string"))
        elif name in SCORE_COLUMNS:
            printed = F.regexp_replace(F.regexp_replace(F.format_string("%.4f", c), "0+$", ""), "\\.$", ".0")
            c = F.when(failed | c.isNull(), F.lit("")).otherwise(printed)
        columns.append(c.alias(name))
    return scored.select(*columns)


def _score_options(s: SparkSettings) -> dict[str, Any]:
    options = asdict(s)
    options.pop("text_col")
    options["roles"] = dict(s.roles) or None
    return options


def _local(path: str | Path) -> bool:
    """A path on this machine (no scheme, or file:); hdfs://, s3a:// and the like are checked by Spark itself."""
    return "://" not in str(path) or str(path).startswith("file:")


def _check_paths(in_path: str | Path, out_path: str | Path, force: bool) -> None:
    """The output problems that stop the run before Spark starts."""
    if str(out_path) == "-":
        raise ConfigError("the Spark engine writes a folder of part files, not stdout: name one with -o")
    if not (_local(in_path) and _local(out_path)):
        return
    out, src = Path(str(out_path).removeprefix("file:")).resolve(), Path(str(in_path).removeprefix("file:")).resolve()
    if out == src or src in out.parents or out in src.parents:
        raise InputError(f"the output {out_path} is, holds or lies inside the input; choose another -o")
    if out.exists() and not force:
        raise InputError(f"{out_path} already exists; remove it, choose another -o, or pass --force to replace it")


def _summary(spark: SparkSession, out_path: str, fmt: OutputFormat, rows: int) -> ScoreSummary:
    """The counts `yuefu score` prints, read back from what was written (cheap: a few columns), so a retried task is
    never counted twice."""
    from pyspark.sql import functions as F

    if fmt == "csv":
        written = spark.read.options(header=True, multiLine=True, escape='"', encoding="UTF-8").csv(out_path)
    else:
        written = spark.read.parquet(out_path)
    error = F.coalesce(F.col("error"), F.lit(""))
    aggs = [F.count(F.lit(1)).alias("rows"), F.sum((error != "").cast("int")).alias("errors"),
            F.sum(F.col("flagged").cast("int")).alias("flagged")]
    aggs += [F.sum(F.col(label).cast("int")).alias(label) for label in LABELS]
    aggs += [F.sum((F.col("risk") == level).cast("int")).alias(f"risk_{level}") for level in RISK_LEVELS]
    got = written.agg(*aggs).first().asDict()
    summary = ScoreSummary(rows=int(got["rows"]), errors=int(got["errors"] or 0), flagged=int(got["flagged"] or 0),
                           encoding="utf-8", encoding_note="the Spark engine reads UTF-8 only")
    summary.scored = summary.rows - summary.errors
    summary.per_label = {label: int(got[label] or 0) for label in LABELS}
    summary.risk = {level: int(got[f"risk_{level}"] or 0) for level in RISK_LEVELS}
    if summary.rows != rows:
        raise InputError(f"wrote {summary.rows} rows for {rows} input rows; the output {out_path} is incomplete")
    return summary


def _write_meta(spark: SparkSession, settings: SparkSettings, run: SparkRun, in_path: str | Path,
                out_path: str | Path, fmt: str, parts: int, summary: ScoreSummary) -> None:
    """`<output>.meta.json`, as `yuefu score` writes it; the provenance comes from an executor, which is where the
    model and the rules that scored the rows were loaded."""
    provenance = spark.sparkContext.parallelize([0], 1).map(lambda _: worker_analyzer(settings).provenance).first()
    meta = {"scored_by": provenance, "engine": "spark", "master": spark.sparkContext.master,
            "partitions": parts, "input": str(in_path), "input_encoding": "utf-8", "output": str(out_path),
            "output_format": fmt, "rows": summary.rows, "scored": summary.scored, "errors": summary.errors,
            "flagged": summary.flagged, "risk": {str(k): v for k, v in summary.risk.items()},
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
    target = str(meta_path(str(out_path).rstrip("/")))
    if _local(target):
        local = Path(target.removeprefix("file:"))
        tmp = local.with_name(local.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(local)
        return
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(target)
    stream = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).create(hpath, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
