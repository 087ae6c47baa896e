"""The scored-CSV contract's added columns (docs/DOMAIN.md), and the check that says why a text cannot be scored.

Every output of `yuefu score` (CSV, JSONL, Excel) and `score_frame` builds its values here, so they agree row for row.
"""
from __future__ import annotations

import json
from typing import Any

from ..domain import DEFAULT_MAX_CHARS, LABELS
from ..text.decode import undecodable
from ..types import Result

__all__ = ["EXTRA_FIELDS", "OUTPUT_COLUMNS", "cell", "error_columns", "result_columns", "text_problem"]

OUTPUT_COLUMNS: tuple[str, ...] = (
    ("flagged", "labels", "risk") + LABELS + tuple(f"{label}_score" for label in LABELS) + ("evidence", "error")
)
# the fields of a row beyond the header's width, as a JSON list ("" when there are none): no field is ever dropped
EXTRA_FIELDS = "extra_fields"
_MISSING = frozenset({"", "nan", "NaN", "NAN", "null", "NULL", "None", "none", "N/A", "n/a", "#N/A"})


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


def error_columns(reason: str) -> dict[str, Any]:
    """The added columns of a row that could not be scored: empty, with the reason in `error`."""
    out: dict[str, Any] = {c: "" for c in OUTPUT_COLUMNS}
    out["evidence"] = []
    out["error"] = reason
    return out


def cell(key: str, value: Any) -> str:
    """One added column as CSV text: labels `a|b`, evidence JSON, the rest as printed."""
    if key == "labels":
        return "|".join(value) if isinstance(value, list) else str(value)
    if key == "evidence":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def text_problem(value: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Why one text cannot be scored ("" = it can): the row check of `yuefu score`, shared with frame.py.

    Control characters are no reason: normalization removes them for matching, and spans still index the text."""
    if value.strip() in _MISSING:
        return "missing text"
    if len(value) > max_chars:
        return f"text too long ({len(value)} characters > {max_chars}); split it or raise --max-chars"
    if undecodable(value):
        return "text contains bytes that are not valid in the file's encoding"
    if not any(c.isalpha() for c in value):
        return "no text content (only digits, punctuation or symbols)"
    return ""
