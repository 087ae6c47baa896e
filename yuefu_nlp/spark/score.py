"""score_spark: the scored-CSV contract (docs/DOMAIN.md) as columns of a Spark DataFrame, for tables no one machine holds.

The rows are scored on the executors by `mapInPandas` (Arrow batches) with frame.score_series, the code `score_frame`
runs, so a row scored here and the same row scored by `yuefu score` agree. Each Python worker loads one Analyzer, once,
and keeps it for every task it runs (a module-level cache keyed by the settings): only the settings travel with the job,
never a loaded Analyzer.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analyzer import Analyzer
from ..batch.contract import OUTPUT_COLUMNS
from ..domain import DEFAULT_MAX_CHARS, LABELS, Backend, Risk
from ..errors import ConfigError, InputError, MissingDependencyError, ModelError
from ..text.roles import parse_roles

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["INT_COLUMNS", "SCORE_COLUMNS", "SparkSettings", "check_columns", "output_schema", "require_pyspark", "score_spark", "worker_analyzer"]

INT_COLUMNS = ("flagged",) + LABELS
SCORE_COLUMNS = tuple(f"{label}_score" for label in LABELS)


@dataclass(frozen=True)
class SparkSettings:
    """Everything a worker needs to build its Analyzer and score a batch: plain values, so it travels in the closure
    Spark serializes, and hashable, so it keys the worker's cache."""

    text_col: str = "text"
    backend: str = str(Backend.FUSED)
    model_dir: str | None = None
    batch_size: int = 64
    max_chars: int = DEFAULT_MAX_CHARS
    roles: tuple[tuple[str, str], ...] = ()
    threads: int = 1
    flag_at: float | None = None
    min_risk: str | None = None

    def __post_init__(self) -> None:
        if self.backend not in tuple(str(b) for b in Backend):
            raise ConfigError(f"backend must be one of {', '.join(str(b) for b in Backend)}, not {self.backend!r}")
        if self.batch_size < 1:
            raise ConfigError("batch_size must be >= 1")
        if self.threads < 1:
            raise ConfigError("threads must be >= 1 (model threads per Spark task; match spark.task.cpus)")
        if self.max_chars < 1:
            raise ConfigError("max_chars must be >= 1")
        if self.flag_at is not None and not 0.0 <= self.flag_at <= 1.0:
            raise ConfigError(f"flag_at must be between 0 and 1, not {self.flag_at}")
        if self.min_risk is not None and self.min_risk not in (str(Risk.MEDIUM), str(Risk.HIGH)):
            raise ConfigError(f"min_risk must be 'medium' or 'high', not {self.min_risk!r}")


def score_spark(
    df: DataFrame,
    text_col: str = "text",
    *,
    backend: Backend | str = Backend.FUSED,
    model_dir: str | Path | None = None,
    batch_size: int = 64,
    max_chars: int = DEFAULT_MAX_CHARS,
    roles: str | Mapping[str, str] | None = None,
    threads: int = 1,
    flag_at: float | None = None,
    min_risk: str | None = None,
) -> DataFrame:
    """`df` with the contract's columns appended (lazily; nothing runs until an action): every input column and
    row kept, in each partition's order.

    Types: `flagged` and the four label columns int, `labels` the CSV's `a|b` string, `risk` string, `<label>_score`
    double, `evidence` the CSV's JSON string, `error` string. A row that cannot be scored (null, blank, digits only,
    longer than `max_chars`, not a string) keeps its place with the reason in `error`, 0 flags and null scores.

    `model_dir` is read on the executors: a folder every executor has at that path (relative paths are taken from
    the task's working directory, where `--archives model.tgz#model` unpacks), or the name of a folder added with
    `SparkContext.addFile(path, recursive=True)`; None means the model the installed package carries. `threads`
    is how many model windows a task scores at once (one onnxruntime thread each): keep threads x tasks per
    executor <= the executor's cores.
    `flag_at` and `min_risk` are `yuefu score`'s --threshold and --min-risk.
    """
    require_pyspark()
    settings = SparkSettings(
        text_col=text_col, backend=str(backend),
        model_dir=None if model_dir is None else str(model_dir), batch_size=batch_size, max_chars=max_chars,
        roles=tuple((k, str(v)) for k, v in parse_roles(roles).items()), threads=threads, flag_at=flag_at,
        min_risk=min_risk,
    )
    check_columns(df.columns, text_col)
    return df.mapInPandas(_Batches(settings), schema=output_schema(df.schema))


def output_schema(schema: StructType) -> StructType:
    """The input's fields, then the contract's columns with the CSV's types (ints, doubles, strings)."""
    from pyspark.sql.types import (
        DoubleType,
        IntegerType,
        StringType,
        StructField,
        StructType,
    )

    def kind(name: str) -> Any:
        return IntegerType() if name in INT_COLUMNS else DoubleType() if name in SCORE_COLUMNS else StringType()

    return StructType(list(schema.fields) + [StructField(name, kind(name), True) for name in OUTPUT_COLUMNS])


class _Batches:
    """The function mapInPandas runs on the workers: a callable holding only the settings (what Spark serializes)."""

    def __init__(self, settings: SparkSettings) -> None:
        self.settings = settings

    def __call__(self, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from ..frame import score_series

        s = self.settings
        analyzer: Analyzer | None = None
        for pdf in batches:
            analyzer = analyzer or worker_analyzer(s)
            added = score_series(pdf[s.text_col], analyzer=analyzer, batch_size=s.batch_size, max_chars=s.max_chars)
            added = added.astype({name: "int32" for name in INT_COLUMNS})
            for name in OUTPUT_COLUMNS:
                pdf[name] = added[name].to_numpy()
            yield pdf


# one Analyzer per Python worker process and settings: Spark reuses a worker for many tasks
# (spark.python.worker.reuse, on by default), so the model and the jieba dictionary are read once per worker
_ANALYZERS: dict[tuple[Any, ...], Analyzer] = {}


def worker_analyzer(settings: SparkSettings) -> Analyzer:
    """This process's Analyzer for `settings`, loaded on first use and kept."""
    key = (settings.backend, settings.model_dir, settings.roles, settings.threads, settings.flag_at,
           settings.min_risk)
    if key not in _ANALYZERS:
        _ANALYZERS[key] = _load(settings)
    return _ANALYZERS[key]


def _load(s: SparkSettings) -> Analyzer:
    from dataclasses import replace

    roles = dict(s.roles) or None
    model_dir = None if s.backend == str(Backend.RULES) else _model_dir_here(s.model_dir)
    analyzer = Analyzer.load(s.backend, model_dir=model_dir, roles=roles, threads=s.threads)
    if s.flag_at is not None or s.min_risk is not None:
        policy = analyzer.policy
        analyzer = analyzer.with_policy(replace(
            policy, flag_at=policy.flag_at if s.flag_at is None else s.flag_at,
            min_risk=policy.min_risk if s.min_risk is None else Risk(s.min_risk)))
    return analyzer


def _model_dir_here(model_dir: str | None) -> Path | None:
    """The model folder as this executor sees it: the path as given, else a folder shipped with addFile; None for the
    package's own model (or $YUEFU_MODEL_DIR where the executor's environment sets it)."""
    if model_dir is None:
        return None
    path = Path(model_dir)
    if path.is_dir():
        return path
    try:
        from pyspark import SparkFiles

        shipped = Path(SparkFiles.get(path.name))
    except (AssertionError, AttributeError, TypeError):  # no SparkContext in this process (a plain Python call)
        shipped = None
    if shipped is not None and shipped.is_dir():
        return shipped
    raise ModelError(
        f"model folder {model_dir!r} is not on this executor (host {os.uname().nodename}, working directory "
        f"{os.getcwd()}): ship it with spark-submit --archives model.tgz#model and pass model_dir='model', put it at "
        f"the same path on every node, or leave model_dir unset to use the model the installed yuefu_nlp carries "
        f"(docs/SPARK.md)"
    )


def check_columns(columns: list[str], text_col: str) -> None:
    """The column problems that stop the job before it starts, as `yuefu score` and score_frame refuse them."""
    if text_col not in columns:
        raise InputError(f"column {text_col!r} not found; the columns are: {', '.join(columns)}. "
                         f"Name the text column with text_col= (--text-col).")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise InputError(f"column(s) {', '.join(dupes)} appear more than once; rename the copies first")
    clash = [c for c in OUTPUT_COLUMNS if c in columns]
    if clash:
        raise InputError(f"the input already has column(s) {', '.join(clash)}, which the scorer adds; rename them "
                         f"first (is this table already scored?)")


def require_pyspark() -> None:
    """Stop with what to install where the spark extra is missing."""
    try:
        import pyarrow  # noqa: F401  (mapInPandas moves the rows as Arrow batches)
        import pyspark  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "Spark scoring needs pyspark, pyarrow and pandas: pip install 'yuefu_nlp[spark]' (and Java 17+)"
        ) from None
