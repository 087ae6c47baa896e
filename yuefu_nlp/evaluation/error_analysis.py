"""Which rows a system gets wrong, how badly, and where (register, obfuscation type), with the evidence it used.

Why: an aggregate F1 says how often a system fails, not why. A reviewer needs the confidently wrong rows with the
rule or term that fired, and the error rates per register and per kind of variety (obfuscation, traditional script,
negation, quotation...), to see whether failures cluster where the rules are blind.
"""
from __future__ import annotations

import html
from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..domain import LABEL_COLOURS, LABELS
from ..corpus.schema import CorpusRow
from .systems import SystemOutput

__all__ = ["worst_errors", "error_breakdown", "errors_of", "highlight_html", "group_values", "errors_html"]


def _labels(row: np.ndarray) -> list[str]:
    return [label for label, v in zip(LABELS, row) if v]


def errors_of(rows: Sequence[CorpusRow], out: SystemOutput, y_true: np.ndarray) -> list[dict[str, Any]]:
    """Every wrong (row, label) pair, with how confidently wrong the score was (distance past the threshold)."""
    thr = np.array([out.thresholds[label] for label in LABELS])
    errors = []
    for i, j in zip(*np.nonzero(out.pred != y_true)):
        label = LABELS[j]
        kind = "false_positive" if out.pred[i, j] else "false_negative"
        score = float(out.scores[i, j])
        margin = score - thr[j] if kind == "false_positive" else thr[j] - score
        errors.append({"index": int(i), "label": label, "kind": kind, "score": round(score, 4),
                       "threshold": round(float(thr[j]), 4), "margin": round(float(margin), 4)})
    return errors


def worst_errors(rows: Sequence[CorpusRow], out: SystemOutput, y_true: np.ndarray, k: int = 20,
                 max_chars: int = 400) -> list[dict[str, Any]]:
    """The k most confident errors (ties: false negatives first, then row order), each with text and evidence."""
    errs = sorted(errors_of(rows, out, y_true),
                  key=lambda e: (-e["margin"], e["kind"] != "false_negative", e["index"], LABELS.index(e["label"])))
    listed = []
    for e in errs[:k]:
        row = rows[e["index"]]
        text = row.text if len(row.text) <= max_chars else row.text[:max_chars] + "…"
        listed.append({
            "system": out.name, "id": row.id, **{k2: v for k2, v in e.items() if k2 != "index"},
            "gold": list(row.labels), "predicted": _labels(out.pred[e["index"]]), "text": text,
            "evidence": [dict(f) for f in out.findings[e["index"]]],
            "register": row.register, "variety": list(row.variety),
        })
    return listed


def group_values(row: CorpusRow, by: str) -> list[str]:
    """The group(s) a row belongs to for `by`: a list field (variety) puts a row in each of its values, or 'none'."""
    value = getattr(row, by, "")
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value] or ["none"]
    return [str(value) if value not in ("", None) else "none"]


def error_breakdown(rows: Sequence[CorpusRow], out: SystemOutput, y_true: np.ndarray,
                    by: str = "register") -> list[dict[str, Any]]:
    """Per group: rows, rows with a false positive / false negative, their rates, and exact-match rate."""
    acc: dict[str, dict[str, int]] = defaultdict(lambda: {"rows": 0, "positives": 0, "fp_rows": 0, "fn_rows": 0,
                                                          "exact": 0})
    fp = (out.pred.astype(bool) & ~y_true.astype(bool)).any(axis=1)
    fn = (~out.pred.astype(bool) & y_true.astype(bool)).any(axis=1)
    for i, row in enumerate(rows):
        for g in group_values(row, by):
            a = acc[g]
            a["rows"] += 1
            a["positives"] += int(bool(row.labels))
            a["fp_rows"] += int(fp[i])
            a["fn_rows"] += int(fn[i])
            a["exact"] += int(not fp[i] and not fn[i])
    table = []
    for g, a in sorted(acc.items(), key=lambda kv: (-kv[1]["rows"], kv[0])):
        n = a["rows"]
        table.append({by: g, **a, "fp_rate": round(a["fp_rows"] / n, 4), "fn_rate": round(a["fn_rows"] / n, 4),
                      "exact_match": round(a["exact"] / n, 4)})
    return table


def highlight_html(text: str, findings: Iterable[Mapping[str, Any]], gold: Sequence[str] = (),
                   predicted: Sequence[str] = ()) -> str:
    """The text as HTML with each finding's span marked in its label's colour (a whole-message model finding is
    shown as a label tag instead), preceded by gold vs predicted labels."""
    spans = sorted({(int(f["start"]), int(f["end"]), str(f["label"])) for f in findings
                    if f.get("rule_id") != "model" and f.get("end", 0) > f.get("start", 0)})
    parts, pos = [], 0
    for start, end, label in spans:
        if start < pos:
            continue  # overlapping spans: the first one is marked
        parts.append(html.escape(text[pos:start]))
        parts.append(f'<mark style="background:{LABEL_COLOURS.get(label, "#ddd")}" title="{label}">'
                     f"{html.escape(text[start:end])}</mark>")
        pos = end
    parts.append(html.escape(text[pos:]))
    model_only = sorted({str(f["label"]) for f in findings if f.get("rule_id") == "model"})
    head = f"<b>gold</b>: {', '.join(gold) or 'compliant'} · <b>predicted</b>: {', '.join(predicted) or 'none'}"
    if model_only:
        head += f" · model-only: {', '.join(model_only)}"
    body = "".join(parts).replace("\n", "<br>")
    return f'<div style="margin:4px 0;padding:4px;border-left:3px solid #999">{head}<br>{body}</div>'


def errors_html(rows: Sequence[CorpusRow], out: SystemOutput, y_true: np.ndarray, *, kind: str | None = None,
                by: str | None = None, k: int = 15) -> str:
    """The k most confident errors (optionally only false_positive / false_negative) as highlighted HTML blocks,
    each headed by its id, label, score and (with `by`) its group, e.g. register or variety."""
    listed = [e for e in worst_errors(rows, out, y_true, k=len(rows) * len(LABELS))
              if kind is None or e["kind"] == kind][:k]
    index = {r.id: r for r in rows}
    blocks = []
    for e in listed:
        row = index[e["id"]]
        group = f" · {by}: {', '.join(group_values(row, by))}" if by else ""
        title = (f"<code>{html.escape(e['id'])}</code> {e['kind'].replace('_', ' ')} <b>{e['label']}</b> "
                 f"score {e['score']:.2f}{group}")
        blocks.append(title + highlight_html(row.text, e["evidence"], e["gold"], e["predicted"]))
    return "\n".join(blocks) or "<i>no such errors</i>"
