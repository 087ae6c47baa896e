"""pandas entry points: the scored-CSV contract (docs/DOMAIN.md) as DataFrame columns, for analysts in notebooks.

pandas is not a dependency of the scorer, so it is imported only when these functions run. The values come from the
code `yuefu score` writes with (batch.text_problem, batch.result_columns): a frame scored here and the same rows scored
as a CSV agree, row for row.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .analyzer import Analyzer
from .batch.contract import OUTPUT_COLUMNS, cell, result_columns, text_problem
from .domain import DEFAULT_MAX_CHARS, LABELS
from .errors import ConfigError, InputError, MissingDependencyError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["score_frame", "score_series"]

_INT_COLUMNS = ("flagged",) + LABELS
_SCORE_COLUMNS = tuple(f"{label}_score" for label in LABELS)
_TEXT_COLUMNS = ("risk", "labels", "evidence", "error")


def score_frame(
    df: pd.DataFrame,
    text_col: str = "text",
    *,
    analyzer: Analyzer | None = None,
    batch_size: int = 64,
    evidence: Literal["json", "objects"] = "json",
    max_chars: int = DEFAULT_MAX_CHARS,
) -> pd.DataFrame:
    """A copy of `df` with the contract's columns appended: one row per input row, index and input dtypes kept.

    A cell that cannot be scored (NaN, None, pd.NA, blank, a number, a text `yuefu score` would refuse) keeps its row
    with the reason in `error`, 0 in `flagged` and the label columns and NaN scores. `labels` is the CSV's `a|b` string
    and `evidence` its JSON string, or with `evidence="objects"` the list of dicts. Pass `analyzer` to reuse a loaded
    one across calls (default: `Analyzer.load()`).
    """
    pd = _pandas()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"score_frame takes a pandas DataFrame, not {type(df).__name__}; use score_series for a Series")
    if text_col not in df.columns:
        raise InputError(
            f"column {text_col!r} not found; the columns are: {', '.join(map(str, df.columns))}. "
            f"Name the text column with text_col=."
        )
    clash = [c for c in OUTPUT_COLUMNS if c in df.columns]
    if clash:
        raise InputError(
            f"the frame already has column(s) {', '.join(clash)}, which the scorer adds; rename them first "
            f"(is this frame already scored?)"
        )
    texts = df[text_col]
    if isinstance(texts, pd.DataFrame):
        raise InputError(f"column {text_col!r} appears {texts.shape[1]} times; rename the copies first")
    added = _scored(texts, analyzer, batch_size, evidence, max_chars)
    out = df.copy()
    for name in OUTPUT_COLUMNS:
        out[name] = added[name]  # same index object: set by position, so duplicate and MultiIndex labels are fine
    return out


def score_series(
    s: pd.Series,
    *,
    analyzer: Analyzer | None = None,
    batch_size: int = 64,
    evidence: Literal["json", "objects"] = "json",
    max_chars: int = DEFAULT_MAX_CHARS,
) -> pd.DataFrame:
    """The contract's columns only, one row per text of `s`, on its index (join them where you like)."""
    pd = _pandas()
    if not isinstance(s, pd.Series):
        raise TypeError(f"score_series takes a pandas Series, not {type(s).__name__}; use score_frame for a DataFrame")
    return _scored(s, analyzer, batch_size, evidence, max_chars)


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise MissingDependencyError(
            "yuefu_nlp.frame needs pandas, which the scorer itself does not install: pip install pandas "
            "(or pip install 'yuefu_nlp[eval]')"
        ) from None
    return pandas


def _scored(texts: pd.Series, analyzer: Analyzer | None, batch_size: int, evidence: str, max_chars: int
            ) -> pd.DataFrame:
    """The contract's columns for `texts`, on its index: int8 flags, float64 scores, object text columns."""
    pd = _pandas()
    if evidence not in ("json", "objects"):
        raise ConfigError("evidence must be 'json' or 'objects'")
    if batch_size < 1:
        raise ConfigError("batch_size must be >= 1")
    values = texts.tolist()
    problems = [_problem(v, max_chars, pd) for v in values]
    rows: list[dict[str, Any] | None] = [None] * len(values)
    if not all(problems):
        analyzer = analyzer or Analyzer.load()
        valid = ((v, i) for i, (v, p) in enumerate(zip(values, problems)) if not p)
        for result, i in analyzer.analyze_batch(valid, batch_size=batch_size, as_tuples=True):
            rows[i] = result_columns(result)
    columns: dict[str, Any] = {}
    for name in _INT_COLUMNS:
        columns[name] = np.array([r[name] if r else 0 for r in rows], dtype=np.int8)
    for name in _SCORE_COLUMNS:
        columns[name] = [float(r[name]) if r else float("nan") for r in rows]
    columns["risk"] = [r["risk"] if r else "" for r in rows]
    columns["labels"] = [cell("labels", r["labels"]) if r else "" for r in rows]
    if evidence == "json":
        columns["evidence"] = [cell("evidence", r["evidence"] if r else []) for r in rows]
    else:
        columns["evidence"] = [r["evidence"] if r else [] for r in rows]
    columns["error"] = problems
    out = pd.DataFrame({name: columns[name] for name in OUTPUT_COLUMNS}, index=texts.index)
    # fixed dtypes whatever the rows (an empty frame, or all errors, would otherwise infer others)
    dtypes = {name: "float64" for name in _SCORE_COLUMNS} | {name: object for name in _TEXT_COLUMNS}
    return out.astype(dtypes)


def _problem(value: Any, max_chars: int, pd: Any) -> str:
    """Why one cell cannot be scored ("" = it can): `yuefu score`'s row check for strings, else missing or not text."""
    if isinstance(value, str):
        return text_problem(value, max_chars)
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "missing text"
    return f"not text: {type(value).__name__} {value!r:.40}"
