"""How the pipeline does on call transcripts: whose turns it judges, and where it says a violation is.

Why a report of its own: on a transcript the worst failure is to blame the collector for what the customer said, and a
finding in the wrong turn sends a reviewer to the wrong place. Call-level F1 cannot see either. The gold file
(data/gold/transcripts/) marks, per call, the collector's speaker label and the turns a reviewer holds to be the
violating ones; this module measures role decisions (who is the collector), call-level labels and false flags (with the
calls where only the customer is abusive singled out), and localisation (the share of findings that lie in a marked
turn; model-only findings apart, as issue #13 defines it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..corpus.schema import CorpusRow
from ..domain import LABELS, MODEL_RULE_ID
from ..errors import InputError
from .dataset import label_matrix
from .metrics import compute_metrics
from .openworld import wilson

__all__ = [
    "LOCALISATION_METHODS", "TranscriptCase", "compare_localisation", "load_transcript_cases", "transcript_report",
    "transcript_table",
]


@dataclass(frozen=True)
class TranscriptCase:
    """One gold call: the labelled row, its speaker-label form, the collector's label, the turns marked per label."""

    row: CorpusRow
    form: str
    collector: str
    violating_turns: Mapping[str, tuple[int, ...]]
    customer_abusive: bool


def load_transcript_cases(path: str | Path) -> list[TranscriptCase]:
    """Read the gold transcripts JSONL; InputError names the line and field at fault."""
    cases = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
            labels = tuple(label for label in LABELS if label in obj["labels"])
            turns = {str(k): tuple(int(i) for i in v) for k, v in obj.get("violating_turns", {}).items()}
            row = CorpusRow(id=str(obj["id"]), text=str(obj["text"]), labels=labels, register="transcript",
                            source="handwritten", family=str(obj["form"]))
            cases.append(TranscriptCase(row, str(obj["form"]), str(obj["collector"]), turns,
                                        bool(obj.get("customer_abusive", False))))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{where}: not a gold transcript row ({type(exc).__name__}: {exc})") from None
    if not cases:
        raise InputError(f"{path}: no rows")
    return cases


def _rate(k: int, n: int) -> dict[str, Any]:
    lo, hi = wilson(k, n)
    return {"count": k, "of": n, "rate": round(k / n, 4) if n else 0.0, "ci95": [round(lo, 4), round(hi, 4)]}


def transcript_report(analyzer: Any, cases: Sequence[TranscriptCase], n_boot: int = 1000, seed: int = 0) -> dict:
    """Role decisions, call-level figures and localisation of one analyzer on the gold calls."""
    messages = analyzer.run([c.row.text for c in cases])
    by_form: dict[str, dict[str, int]] = {}
    role_ok = uncertain = 0
    loc = {"all": [0, 0], "model": [0, 0]}
    wrong_turn_examples = []
    for case, m in zip(cases, messages):
        judged = {t.speaker for t in m.turns if t.judged and t.speaker}
        decided_uncertain = any(str(t.role) == "uncertain" for t in m.turns)
        ok = judged == {case.collector}
        form = by_form.setdefault(case.form, {"calls": 0, "role_correct": 0, "uncertain": 0})
        form["calls"] += 1
        form["role_correct"] += ok
        form["uncertain"] += decided_uncertain
        role_ok += ok
        uncertain += decided_uncertain
        for f in m.result.findings:
            marked = case.violating_turns.get(str(f.label))
            if not marked or f.turn is None:
                continue  # a label the call does not deserve is a false flag, counted at call level
            hit = f.turn.index in marked
            for key in ("all", "model") if f.rule_id == MODEL_RULE_ID else ("all",):
                loc[key][0] += hit
                loc[key][1] += 1
            if not hit and len(wrong_turn_examples) < 10:
                wrong_turn_examples.append({"id": case.row.id, "label": str(f.label), "turn": f.turn.index,
                                            "marked": list(marked), "rule_id": f.rule_id})
    y = label_matrix([c.row.labels for c in cases]).astype(bool)
    pred = label_matrix([m.result.labels for m in messages]).astype(bool)
    metrics = compute_metrics(y, pred, n_boot=n_boot, seed=seed)
    compliant = ~y.any(axis=1)
    customer_only = np.array([c.customer_abusive for c in cases]) & compliant
    flagged = pred.any(axis=1)
    return {
        "rows": len(cases),
        "roles": {"correct": _rate(role_ok, len(cases)), "uncertain": _rate(uncertain, len(cases)),
                  "by_form": by_form},
        "calls": {"macro_f1": round(metrics.macro_f1, 4),
                  "macro_f1_ci95": [round(metrics.macro_f1_ci.low, 4), round(metrics.macro_f1_ci.high, 4)],
                  "compliant_flagged": _rate(int((flagged & compliant).sum()), int(compliant.sum())),
                  "customer_abusive_compliant_flagged": _rate(int((flagged & customer_only).sum()),
                                                              int(customer_only.sum()))},
        "localisation": {"all_findings_in_marked_turn": _rate(*loc["all"]),
                         "model_only_findings_in_marked_turn": _rate(*loc["model"]),
                         "wrong_turn_examples": wrong_turn_examples},
    }


def transcript_table(report: Mapping[str, Any]) -> str:
    """The report as a Markdown table (EVALUATION.md and the script's output)."""
    def cell(r: Mapping[str, Any]) -> str:
        return f"{r['rate']:.1%} ({r['count']}/{r['of']}) [{r['ci95'][0]:.1%}, {r['ci95'][1]:.1%}]"

    roles, calls, loc = report["roles"], report["calls"], report["localisation"]
    lines = [
        "| measure | value [95% CI] |", "|---|---|",
        f"| collector identified (judged turns are exactly the collector's) | {cell(roles['correct'])} |",
        f"| calls whose roles were a guess (`uncertain`) | {cell(roles['uncertain'])} |",
        f"| call-level macro-F1 | {calls['macro_f1']:.3f} [{calls['macro_f1_ci95'][0]:.3f}, "
        f"{calls['macro_f1_ci95'][1]:.3f}] |",
        f"| compliant calls flagged | {cell(calls['compliant_flagged'])} |",
        f"| compliant calls where only the customer is abusive, flagged | "
        f"{cell(calls['customer_abusive_compliant_flagged'])} |",
        f"| findings of a deserved label in a marked turn | {cell(loc['all_findings_in_marked_turn'])} |",
        f"| model-only findings in a marked turn | {cell(loc['model_only_findings_in_marked_turn'])} |",
    ]
    methods = report.get("localisation_methods")
    if methods:
        lines += ["", "Locating the model's decisions (calls where the model alone flags a deserved label, two or more "
                  "judged turns; share in a marked turn):", "",
                  "| method | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
        for method in LOCALISATION_METHODS:
            lines.append(f"| {method} | " + " | ".join(cell(methods[s][method]) for s in methods) + " |")
    forms = ["", "| form | calls | collector identified | uncertain |", "|---|---|---|---|"]
    for name, f in sorted(report["roles"]["by_form"].items()):
        forms.append(f"| {name} | {f['calls']} | {f['role_correct']} | {f['uncertain']} |")
    return "\n".join(lines + forms)


LOCALISATION_METHODS = ("first_turn", "turn_alone", "turn_with_previous", "occlusion")


def compare_localisation(analyzer: Any, cases: Sequence[TranscriptCase]) -> dict:
    """How often each way of locating a model decision picks a turn a reviewer marked, on the calls where the model
    alone flags a label the call deserves (and there are at least two judged turns to choose between).

    first_turn: the first judged turn (what the pipeline did before issue #13); turn_alone: the turn the model scores
    highest read on its own; turn_with_previous: the same, each turn read after the judged turn before it; occlusion:
    the turn whose removal lowers the call's score the most. Used on the dev transcripts to choose the method
    (`pipeline.stages.Locate` uses turn_alone), then reported on the test transcripts.
    """
    from ..pipeline.stages import turn_pieces

    scorer = analyzer.scorer
    col = {label: list(scorer.labels).index(label) for label in LABELS}
    messages = analyzer.run([c.row.text for c in cases], until="normalize")
    probs = scorer.predict_array([m.model_input for m in messages])
    jobs = []  # (case, message, label, readable judged indices)
    for case, m, p in zip(cases, messages, probs):
        readable = [k for k, j in enumerate(m.judged) if j.norm.text.strip()]
        if len(readable) < 2:
            continue
        for label in case.row.labels:
            if case.violating_turns.get(label) and p[col[label]] >= scorer.thresholds[label]:
                jobs.append((case, m, label, readable))
    texts: list[str] = []

    def ask(text: str) -> int:
        texts.append(text)
        return len(texts) - 1

    plans = []
    for case, m, label, readable in jobs:
        norm = [m.judged[k].norm.text.strip() for k in range(len(m.judged))]
        prev = {k: readable[n - 1] if n else None for n, k in enumerate(readable)}
        plans.append({
            "turn_alone": {piece.judged_index: ask(piece.input) for piece in turn_pieces(m)},
            "turn_with_previous": {k: ask("\n".join(t for t in (norm[prev[k]] if prev[k] is not None else "", norm[k])
                                                    if t)) for k in readable},
            "occlusion": {k: ask("\n".join(norm[n] for n in readable if n != k)) for k in readable},
        })
    scores = scorer.predict_array(texts) if texts else np.zeros((0, len(scorer.labels)))
    hits = {method: 0 for method in LOCALISATION_METHODS}
    for (case, m, label, readable), plan in zip(jobs, plans):
        j = col[label]
        chosen = {
            "first_turn": readable[0],
            "turn_alone": max(readable, key=lambda k: scores[plan["turn_alone"][k], j]),
            "turn_with_previous": max(readable, key=lambda k: scores[plan["turn_with_previous"][k], j]),
            "occlusion": min(plan["occlusion"], key=lambda k: scores[plan["occlusion"][k], j]),
        }
        marked = set(case.violating_turns[label])
        for method, k in chosen.items():
            hits[method] += m.turns.index(m.judged[k].turn) in marked
    return {"decisions": len(jobs), **{method: _rate(hits[method], len(jobs)) for method in LOCALISATION_METHODS}}
