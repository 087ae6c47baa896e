"""Markdown tables rendered from a metrics report: what `yuefu evaluate` prints and docs/EVALUATION.md embeds.

Why shared: the docs must show exactly what the command printed, so both go through these functions.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..domain import LABELS

__all__ = ["comparison_table", "per_label_table", "curve_table", "unavailable_lines", "data_line",
           "format_summary", "worst_errors_markdown", "breakdown_table", "command_line"]


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _ci(point: float | None, ci: Mapping[str, float] | None) -> str:
    if point is None:
        return "n/a"
    return f"{point:.3f} [{ci['low']:.3f}, {ci['high']:.3f}]" if ci else f"{point:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def data_line(report: Mapping[str, Any]) -> str:
    d = report["data"]
    counts = ", ".join(f"{k} {v}" for k, v in d["label_counts"].items())
    sub = f" (seeded subset of {d['rows_in_file']})" if d.get("subset") else ""
    return f"`{d['path']}`: {d['rows']} rows{sub}; compliant {d['compliant']}; {counts}; mean {d['mean_chars']} chars"


def command_line(report: Mapping[str, Any], outdir: str) -> str:
    """The `yuefu evaluate` command that reproduces a report (from the settings it records)."""
    st = report["settings"]
    parts = ["yuefu", "evaluate", report["data"]["path"]]
    backends = st["backends"]
    parts += ["--backend", "all"] if sorted(backends) == ["fused", "model", "rules"] else \
        [x for b in backends for x in ("--backend", b)]
    if st["baselines"]:
        parts.append("--baselines")
        parts += ["--train", st["train"]] if st.get("train") else []
        parts += ["--dev", st["dev"]] if st.get("dev") else []
    for flag, key, default in (("--subset", "subset", None), ("--seed", "seed", 0), ("--n-boot", "n_boot", 1000),
                               ("--batch-size", "batch_size", 64)):
        if st.get(key) != default:
            parts += [flag, str(st[key])]
    return " ".join(parts + ["-o", outdir])


def comparison_table(report: Mapping[str, Any]) -> str:
    """One row per system: macro/micro F1, exact match and compliant FPR with 95% CIs, and messages/s."""
    rows = []
    for s in report["systems"]:
        m = s["metrics"]
        rows.append([
            f"**{s['name']}**", _ci(m["macro_f1"], m["macro_f1_ci"]), _ci(m["micro_f1"], m["micro_f1_ci"]),
            _ci(m["exact_match"], m["exact_match_ci"]), _ci(m["compliant_fpr"], m["compliant_fpr_ci"]),
            f"{s['throughput']['messages_per_s']:,.0f}",
        ])
    for u in report.get("unavailable", []):
        rows.append([f"{u['name']}", "unavailable", "", "", "", ""])
    return _table(["system", "macro-F1 [95% CI]", "micro-F1", "exact match", "compliant FPR", "msgs/s"], rows)


def per_label_table(report: Mapping[str, Any]) -> str:
    """One row per (label, system): support, precision, recall and F1, each with its 95% CI."""
    rows = []
    for label in LABELS:
        for s in report["systems"]:
            m = next(x for x in s["metrics"]["per_label"] if x["label"] == label)
            rows.append([label, s["name"], str(m["support"]), _ci(m["precision"], m["precision_ci"]),
                         _ci(m["recall"], m["recall_ci"]), _ci(m["f1"], m["f1_ci"])])
    return _table(["label", "system", "support", "precision", "recall", "F1"], rows)


def curve_table(report: Mapping[str, Any]) -> str:
    """Average precision per label and expected calibration error (all labels pooled) per system."""
    rows = []
    for s in report["systems"]:
        aps = [_f(s["pr_curves"][label]["average_precision"]) for label in LABELS]
        rows.append([s["name"], *aps, _f(s["ece"]["all"])])
    return _table(["system", *[f"AP {label}" for label in LABELS], "ECE (pooled)"], rows)


def unavailable_lines(report: Mapping[str, Any]) -> str:
    return "\n".join(f"- {u['name']}: {u['reason']}" for u in report.get("unavailable", []))


def _pct(r: Mapping[str, Any] | None) -> str:
    if not r or not r.get("rows"):
        return "-"
    return f"{100 * r['rate']:.1f}% ({r['flagged']}/{r['rows']}) [{100 * r['ci95'][0]:.1f}, {100 * r['ci95'][1]:.1f}]"


def openworld_table(report: Mapping[str, Any]) -> str:
    """Any-flag rates on text that is not a collection message, per system: the false accusations a user sees."""
    ow = report.get("openworld")
    if not ow:
        return ""
    systems = list(ow)
    first = ow[systems[0]]
    rows = [["benign open-world rows, all", *(_pct(ow[s]["openworld_benign"]) for s in systems)]]
    rows += [[f"register {reg}", *(_pct(ow[s]["by_register"].get(reg)) for s in systems)] for reg in first["by_register"]]
    rows += [[f"source {g}", *(_pct(ow[s]["by_group"].get(g)) for s in systems)] for g in first["by_group"]]
    rows.append([f"held-out source(s) {', '.join(first['held_out_sources']['sources'])}",
                 *(_pct(ow[s]["held_out_sources"]) for s in systems)])
    rows.append(["contrast rows (benign) flagged", *(_pct(ow[s]["contrast_benign"]) for s in systems)])
    rows.append(["degenerate inputs flagged", *(_pct(ow[s]["degenerate"]) for s in systems)])
    rows.append(["minimal pairs: benign side flagged", *(_pct(ow[s]["minimal_pairs"]["benign_flagged"]) for s in systems)])
    rows.append(["minimal pairs: violating side caught", *(_pct(ow[s]["minimal_pairs"]["violating_recall"]) for s in systems)])
    rows.append(["minimal pairs: both right", *(
        f"{100 * ow[s]['minimal_pairs']['pair_accuracy']:.1f}% of {ow[s]['minimal_pairs']['pairs']}"
        if ow[s]["minimal_pairs"]["pairs"] else "-" for s in systems)])
    rows.append(["open-world rows with real labels caught", *(_pct(ow[s]["openworld_positive_recall"]) for s in systems)])
    for g in first["indomain_groups"]:
        rows.append([f"in-domain {g}: violating caught", *(_pct(ow[s]["indomain_groups"][g]["violating_recall"]) for s in systems)])
        rows.append([f"in-domain {g}: benign flagged", *(_pct(ow[s]["indomain_groups"][g]["benign_flagged"]) for s in systems)])
    rows = [r for r in rows if any(c != "-" for c in r[1:])]
    return ("Open world: share of rows given any label (95% Wilson interval); lower is better except 'caught'\n"
            + _table(["rows", *systems], rows))


def format_summary(report: Mapping[str, Any]) -> str:
    """The text `yuefu evaluate` prints."""
    parts = [data_line(report), "", comparison_table(report), "", per_label_table(report), "", curve_table(report)]
    if report.get("openworld"):
        parts += ["", openworld_table(report)]
    missing = unavailable_lines(report)
    if missing:
        parts += ["", "unavailable systems:", missing]
    return "\n".join(parts) + "\n"


def worst_errors_markdown(report: Mapping[str, Any]) -> str:
    """The most confident errors of each system, with the evidence each one rested on."""
    out = [f"# Worst errors\n\n{data_line(report)}\n"]
    for s in report["systems"]:
        out.append(f"\n## {s['name']}\n")
        if not s["worst_errors"]:
            out.append("No errors.\n")
        for e in s["worst_errors"]:
            kind = "FP" if e["kind"] == "false_positive" else "FN"
            out.append(f"- **{kind} {e['label']}** `{e['id']}` score {e['score']:.3f} (threshold {e['threshold']:.3f}); "
                       f"gold: {', '.join(e['gold']) or 'compliant'}; predicted: {', '.join(e['predicted']) or 'none'}"
                       + (f"; register {e['register']}" if e.get("register") else "")
                       + (f"; variety {', '.join(e['variety'])}" if e.get("variety") else ""))
            out.append("  > " + e["text"].replace("\n", " ⏎ "))
            for f in e["evidence"]:
                cite = "; ".join(f.get("citation", [])[:2]) + (" …" if len(f.get("citation", [])) > 2 else "")
                span = f["text"] if len(f["text"]) <= 40 else f["text"][:40] + "…"
                out.append(f"  - evidence [{f['label']}] {f['rule_id']} 「{span}」 chars {f['start']}-{f['end']}".replace("\n", " ")
                           + (f" — {cite}" if cite else ""))
    return "\n".join(out) + "\n"


def breakdown_table(table: list[Mapping[str, Any]], by: str) -> str:
    """Markdown of `error_analysis.error_breakdown`: rows, FP/FN row rates and exact match per group."""
    rows = [[str(r[by]), str(r["rows"]), str(r["positives"]), f"{r['fp_rows']} ({r['fp_rate']:.0%})",
             f"{r['fn_rows']} ({r['fn_rate']:.0%})", f"{r['exact_match']:.0%}"] for r in table]
    return _table([by, "rows", "positives", "rows with FP", "rows with FN", "exact match"], rows)
