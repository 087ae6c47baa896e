"""What a system does to text that is not a collection message: any-flag rates, contrast rows, degenerate inputs.

Why a section of its own: the in-domain test split comes from the same writers as the training split, so it cannot
show that a model flags "周六我去你家吃饭". These figures can. They are computed from prediction matrices, so the
export gate (training/package.py), `yuefu evaluate` and the notebooks share one implementation.

Row kinds (corpus/openworld.py, GUIDELINES §8): open-world rows (third-party bundle lines and the registers we wrote),
contrast rows, minimal pairs, degenerate inputs and hard in-domain groups (impersonation, lawful notices, negated
slurs, reported speech). Rates come with Wilson 95% intervals: zero flags in 300 rows still allows about 1.3%.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..corpus.openworld import BUNDLE_SOURCES, HELD_OUT_SOURCES, group_key
from ..corpus.schema import OPENWORLD_REGISTERS
from ..domain import LABELS

__all__ = ["GATE", "RowFacts", "facts", "wilson", "openworld_summary", "gate_failures"]

# The export gate of issue #11, on held-out rows of the fused system.
GATE: Mapping[str, float] = {
    "openworld_any_flag_max": 0.01,        # benign open-world rows flagged, overall
    "register_any_flag_max": 0.02,         # ... in every open-world register
    "contrast_benign_flag_max": 0.03,      # benign contrast rows flagged
    "degenerate_flagged_max": 0,           # degenerate inputs flagged (a count)
    "indomain_macro_f1_min": 0.91,         # in-domain test split
    "indomain_compliant_fpr_max": 0.03,
}


@dataclass(frozen=True)
class RowFacts:
    """What the summary needs to know of a row: its report group, register and kind."""

    id: str
    group: str
    register: str
    kind: str  # openworld | contrast | minimal_pair | degenerate | indomain | other
    family: str


def facts(row_id: str, meta: Mapping[str, Any]) -> RowFacts:
    """RowFacts from a row id and its fields (a CorpusRow's `vars`, or any mapping with those keys)."""
    source, register = str(meta.get("source", "")), str(meta.get("register", ""))
    variety = tuple(meta.get("variety") or ())
    group = group_key(row_id, source, register, variety, str(meta.get("scenario", "")))
    if register == "degenerate":
        kind = "degenerate"
    elif group in ("contrast", "minimal_pair"):
        kind = group
    elif group.startswith("indomain:"):
        kind = "indomain"
    elif register in OPENWORLD_REGISTERS:
        kind = "openworld"
    else:
        kind = "other"
    return RowFacts(row_id, group, register, kind, str(meta.get("family") or row_id))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (sensible at k = 0, unlike the normal approximation)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def _rate(flags: np.ndarray) -> dict[str, Any]:
    k, n = int(flags.sum()), int(flags.size)
    lo, hi = wilson(k, n)
    return {"rows": n, "flagged": k, "rate": round(k / n, 4) if n else None, "ci95": [round(lo, 4), round(hi, 4)]}


def openworld_summary(rows: Sequence[RowFacts], y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """Any-flag rates on benign open-world rows (overall, per register, per group, held-out sources), contrast and
    minimal-pair accuracy, degenerate inputs flagged, and per-group figures of the hard in-domain rows."""
    y_true, y_pred = np.asarray(y_true, dtype=bool), np.asarray(y_pred, dtype=bool)
    any_pred, benign = y_pred.any(axis=1), ~y_true.any(axis=1)
    kind = np.asarray([r.kind for r in rows])
    out: dict[str, Any] = {}

    ow = (kind == "openworld") & benign
    out["openworld_benign"] = _rate(any_pred[ow])
    registers = np.asarray([r.register for r in rows])
    out["by_register"] = {reg: _rate(any_pred[ow & (registers == reg)])
                          for reg in OPENWORLD_REGISTERS if reg != "degenerate" and (ow & (registers == reg)).any()}
    groups = np.asarray([r.group for r in rows])
    out["by_group"] = {g: _rate(any_pred[ow & (groups == g)]) for g in sorted(set(groups[ow]))}
    held = ow & np.isin(groups, list(HELD_OUT_SOURCES))
    out["held_out_sources"] = {"sources": list(HELD_OUT_SOURCES), **_rate(any_pred[held])}
    seen = ow & np.isin(groups, [s for s in BUNDLE_SOURCES if s not in HELD_OUT_SOURCES])
    out["trained_sources"] = _rate(any_pred[seen])
    written = ow & ~np.isin(groups, list(BUNDLE_SOURCES))
    out["written_registers"] = _rate(any_pred[written])
    ow_pos = (kind == "openworld") & ~benign
    out["openworld_positive_recall"] = _rate((y_pred & y_true).any(axis=1)[ow_pos])

    con = (kind == "contrast") & benign
    out["contrast_benign"] = _rate(any_pred[con])
    out["degenerate"] = _rate(any_pred[kind == "degenerate"])

    # minimal pairs: a pair is right when the violating row gets exactly its labels' any-flag and the benign none
    pairs: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.kind == "minimal_pair":
            pairs[r.family].append(i)
    right, violating_hit, benign_flag = [], [], []
    for idx in pairs.values():
        pos = [i for i in idx if y_true[i].any()]
        neg = [i for i in idx if not y_true[i].any()]
        ok_pos = all((y_pred[i] & y_true[i]).any() for i in pos)
        ok_neg = not any(any_pred[i] for i in neg)
        violating_hit.extend((y_pred[i] & y_true[i]).any() for i in pos)
        benign_flag.extend(bool(any_pred[i]) for i in neg)
        right.append(ok_pos and ok_neg)
    out["minimal_pairs"] = {
        "pairs": len(right), "pair_accuracy": round(float(np.mean(right)), 4) if right else None,
        "violating_recall": _rate(np.asarray(violating_hit, dtype=bool)),
        "benign_flagged": _rate(np.asarray(benign_flag, dtype=bool)),
    }

    ind: dict[str, Any] = {}
    for g in sorted({r.group for r in rows if r.kind == "indomain"}):
        m = groups == g
        pos, neg = m & ~benign, m & benign
        ind[g.split(":", 1)[1]] = {
            "rows": int(m.sum()),
            "violating_recall": _rate((y_pred & y_true).any(axis=1)[pos]),  # at least one right label
            "label_recall": {lab: _rate(y_pred[pos & y_true[:, j], j]) for j, lab in enumerate(LABELS)
                             if (pos & y_true[:, j]).any()},
            "benign_flagged": _rate(any_pred[neg]),
        }
    out["indomain_groups"] = ind
    return out


def gate_failures(summary: Mapping[str, Any], indomain: Mapping[str, Any],
                  gate: Mapping[str, float] = GATE) -> list[str]:
    """The gate's failed conditions (empty = pass). `summary`: openworld_summary of the held-out rows;
    `indomain`: {"macro_f1": ..., "compliant_fpr": ...} of the in-domain test split."""
    fails = []
    overall = summary["openworld_benign"]
    if not overall["rows"]:
        fails.append("no held-out open-world rows to measure")
    elif overall["rate"] > gate["openworld_any_flag_max"]:
        fails.append(f"open-world any-flag rate {overall['rate']:.4f} > {gate['openworld_any_flag_max']}")
    for reg, r in summary["by_register"].items():
        if r["rows"] and r["rate"] > gate["register_any_flag_max"]:
            fails.append(f"register {reg}: any-flag rate {r['rate']:.4f} > {gate['register_any_flag_max']}")
    con = summary["contrast_benign"]
    if not con["rows"]:
        fails.append("no held-out contrast rows to measure")
    elif con["rate"] > gate["contrast_benign_flag_max"]:
        fails.append(f"contrast benign rows flagged {con['rate']:.4f} > {gate['contrast_benign_flag_max']}")
    deg = summary["degenerate"]
    if not deg["rows"]:
        fails.append("no held-out degenerate inputs to measure")
    elif deg["flagged"] > gate["degenerate_flagged_max"]:
        fails.append(f"{deg['flagged']} degenerate input(s) flagged > {gate['degenerate_flagged_max']:g}")
    if indomain["macro_f1"] < gate["indomain_macro_f1_min"]:
        fails.append(f"in-domain test macro-F1 {indomain['macro_f1']:.4f} < {gate['indomain_macro_f1_min']}")
    if indomain["compliant_fpr"] > gate["indomain_compliant_fpr_max"]:
        fails.append(f"in-domain compliant FPR {indomain['compliant_fpr']:.4f} > {gate['indomain_compliant_fpr_max']}")
    return fails
