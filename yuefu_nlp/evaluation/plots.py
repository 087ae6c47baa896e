"""Figures for reports and notebooks, drawn from the JSON-able structures (so they can be redrawn from metrics.json).

Figures are built with matplotlib's object API on the Agg canvas: no GUI backend, no pyplot global state, so the same
functions work in the CLI, in CI and inline in a notebook (where the returned Figure displays itself).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from ..domain import LABEL_ZH, LABELS

__all__ = [
    "f1_comparison", "pr_curves", "score_histograms", "confusion", "reliability", "throughput", "save_report_figures",
    "label_counts", "length_histogram", "register_counts", "cooccurrence", "speed_sweep", "save", "cjk_font",
    "label_name",
]

_SYSTEM_COLORS = {"rules": "#1f77b4", "model": "#ff7f0e", "fused": "#2ca02c", "wordfilter": "#7f7f7f",
                  "tfidf_lr": "#9467bd"}
_EXTRA = ["#8c564b", "#e377c2", "#bcbd22", "#17becf", "#d62728"]


# fonts with the CJK glyphs the Chinese label names need, best first; the system's files are searched too, since
# matplotlib's font cache predates a font installed after it was built (fonts-noto-cjk on a fresh machine)
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                 "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
                 "Hiragino Sans GB", "SimHei", "Droid Sans Fallback")
_CJK_FILES = ("NotoSansCJK", "NotoSansSC", "SourceHanSans", "wqy-zenhei", "wqy-microhei", "msyh", "PingFang", "simhei",
              "DroidSansFallback")


@cache
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None (then figures use the English names)."""
    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((fam for fam in _CJK_FAMILIES if fam in names), None)

    if (found := known()) is not None:
        return found
    for path in font_manager.findSystemFonts():
        if any(part in Path(path).name for part in _CJK_FILES) and "Bold" not in Path(path).name:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return known()


def _font(size: float | None = None) -> FontProperties | None:
    """Text that may hold Chinese: the default family first, the CJK font as fallback for the glyphs it lacks."""
    cjk = cjk_font()
    if cjk is None:
        return None
    return FontProperties(family=["DejaVu Sans", cjk], size=size)


def _fp(size: float | None = None) -> dict[str, Any]:
    """`fontproperties=` for a text that may hold Chinese, or a plain size where no CJK font is installed."""
    font = _font(size)
    return {"fontproperties": font} if font is not None else ({"fontsize": size} if size else {})


def label_name(label: str, short: bool = False) -> str:
    """How a figure names a label: 威胁恐吓 (threat) where a CJK font is installed, else the English name only, so no
    glyph is ever drawn as a box. `short`: the Chinese alone, or an abbreviated English name."""
    if label not in LABEL_ZH:
        return label
    if cjk_font() is None:
        return label.replace("false_legal_claim", "false_legal").replace("privacy_leak", "privacy") if short else label
    return LABEL_ZH[label] if short else f"{LABEL_ZH[label]} ({label})"


def _color(name: str, i: int = 0) -> str:
    return _SYSTEM_COLORS.get(name, _EXTRA[i % len(_EXTRA)])


def _figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def _empty(ax: Any, msg: str) -> None:
    ax.text(0.5, 0.5, msg, ha="center", va="center", transform=ax.transAxes, color="#666")


# -- evaluation report ---------------------------------------------------------------------------------------------

def f1_comparison(report: Mapping[str, Any]) -> Figure:
    """F1 per label and macro-F1 for every system, with bootstrap 95% intervals as error bars."""
    systems = report["systems"]
    groups = list(LABELS) + ["macro"]
    fig = _figure(10, 4)
    ax = fig.add_subplot()
    width = 0.8 / max(len(systems), 1)
    x = np.arange(len(groups))
    for i, s in enumerate(systems):
        m = s["metrics"]
        per = {p["label"]: p for p in m["per_label"]}
        vals = [per[label]["f1"] for label in LABELS] + [m["macro_f1"]]
        cis = [per[label]["f1_ci"] for label in LABELS] + [m["macro_f1_ci"]]
        err = np.array([[max(v - c["low"], 0) for v, c in zip(vals, cis)], [max(c["high"] - v, 0) for v, c in zip(vals, cis)]])
        ax.bar(x + (i - (len(systems) - 1) / 2) * width, vals, width, yerr=err, capsize=2, label=s["name"],
               color=_color(s["name"], i))
    ax.set_xticks(x, [label_name(g, short=True) for g in groups], **_fp())
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1 (95% bootstrap CI)")
    ax.set_title(f"F1 by label, {report['data']['rows']} rows")
    ax.legend(ncols=min(len(systems), 5), fontsize=8, loc="upper left")
    return fig


def pr_curves(report: Mapping[str, Any]) -> Figure:
    """Precision-recall curve of each label's scores, one line per system (AP in the legend)."""
    fig = _figure(10, 7.5)
    axes = fig.subplots(2, 2).ravel()
    for ax, label in zip(axes, LABELS):
        for i, s in enumerate(report["systems"]):
            c = s["pr_curves"][label]
            if not c["recall"]:
                continue
            ax.step(c["recall"], c["precision"], where="post", color=_color(s["name"], i),
                    label=f"{s['name']} (AP {c['average_precision']:.2f})")
            m = next(p for p in s["metrics"]["per_label"] if p["label"] == label)
            ax.plot([m["recall"]], [m["precision"]], "o", color=_color(s["name"], i), ms=5)
        ax.set_title(label_name(label), **_fp())
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        if ax.lines:
            ax.legend(fontsize=7, loc="lower left")
        else:
            _empty(ax, "no positives")
    fig.suptitle("PR curves (dot: the operating point)")
    return fig


def score_histograms(report: Mapping[str, Any], system: str) -> Figure:
    """Score distribution of gold-positive vs gold-negative rows per label, with the flag threshold."""
    s = next(x for x in report["systems"] if x["name"] == system)
    fig = _figure(10, 6)
    axes = fig.subplots(2, 2).ravel()
    for ax, label in zip(axes, LABELS):
        h = s["score_histograms"][label]
        edges = np.array(h["edges"])
        ax.stairs(h["negative"], edges, fill=True, alpha=0.5, color="#4c72b0", label="gold negative")
        ax.stairs(h["positive"], edges, fill=True, alpha=0.5, color="#dd8452", label="gold positive")
        ax.axvline(s["thresholds"][label], color="k", ls="--", lw=1, label="threshold")
        ax.set_yscale("symlog")
        ax.set_title(label_name(label), **_fp())
        ax.set_xlabel("score")
        ax.legend(fontsize=7)
    fig.suptitle(f"Score histograms per class: {system}")
    return fig


def _gold_rows(report: Mapping[str, Any], system: Mapping[str, Any], rows: Sequence[str]) -> np.ndarray:
    """Rows of the data carrying each gold label (and compliant rows): what the co-occurrence shares divide by."""
    data = report.get("data", {})
    support = {p["label"]: p["support"] for p in system["metrics"]["per_label"]}
    support.update(data.get("label_counts", {}))
    compliant = data.get("compliant")
    counts = np.array(system["confusion"]["counts"], dtype=float)
    out = [support.get(r, compliant if r == "compliant" else None) for r in rows]
    return np.array([v if v else max(counts[i].max(), 1) for i, v in enumerate(out)], dtype=float)


def confusion(report: Mapping[str, Any]) -> Figure:
    """Gold labels (rows, plus compliant) against predicted labels (columns, plus none), for multi-label data: a cell
    counts the rows that carry the gold label and got the predicted one, so a row with two gold or two predicted labels
    counts in each of its cells. Colour: the share of the row's gold-label rows (the diagonal is each label's recall;
    a row's shares can sum past 100%). Not a single-label confusion matrix: nothing is 'mistaken for' one other."""
    systems = report["systems"]
    n = max(len(systems), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = _figure(4.4 * cols, 4.1 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, s in zip(axes, systems):
        counts = np.array(s["confusion"]["counts"], dtype=float)
        gold = _gold_rows(report, s, s["confusion"]["rows"])
        share = counts / gold[:, None]
        ax.imshow(np.clip(share, 0, 1), cmap="Blues", vmin=0, vmax=1)
        for i in range(counts.shape[0]):
            for j in range(counts.shape[1]):
                ax.text(j, i, f"{int(counts[i, j])}\n{share[i, j]:.0%}", ha="center", va="center", fontsize=6.5,
                        color="white" if share[i, j] > 0.6 else "black")
        names = {"compliant": "合规 compliant" if cjk_font() else "compliant", "none": "无 none" if cjk_font() else "none"}
        xt = [names.get(c) or label_name(c, short=True) for c in s["confusion"]["cols"]]
        yt = [(names.get(r) or label_name(r, short=True)) + f" ({int(g)})" for r, g in zip(s["confusion"]["rows"], gold)]
        ax.set_xticks(range(len(xt)), xt, rotation=45, ha="right", **_fp(7))
        ax.set_yticks(range(len(yt)), yt, **_fp(7))
        ax.set_title(s["name"], fontsize=9)
        ax.set_xlabel("predicted label", fontsize=8)
        ax.set_ylabel("gold label (rows with it)", fontsize=8)
    for ax in axes[len(systems):]:
        ax.set_visible(False)
    fig.suptitle("Gold x predicted label co-occurrence (multi-label: a row counts in every cell it belongs to; "
                 "share of the gold label's rows, diagonal = recall)", fontsize=9)
    return fig


def reliability(report: Mapping[str, Any]) -> Figure:
    """Reliability diagram per label: mean score vs observed positive rate per score bin, one line per system."""
    fig = _figure(10, 7.5)
    axes = fig.subplots(2, 2).ravel()
    for ax, label in zip(axes, LABELS):
        ax.plot([0, 1], [0, 1], color="#bbb", ls="--", lw=1)
        for i, s in enumerate(report["systems"]):
            bins = [b for b in s["calibration"][label] if b["count"]]
            if not bins:
                continue
            ax.plot([b["mean_score"] for b in bins], [b["positive_rate"] for b in bins], "o-", ms=3,
                    color=_color(s["name"], i), label=f"{s['name']} (ECE {s['ece'][label]:.2f})")
        ax.set_title(label_name(label), **_fp())
        ax.set_xlabel("mean score in bin")
        ax.set_ylabel("share truly positive")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Calibration (rule scores are rule confidences, not probabilities)")
    return fig


def throughput(report: Mapping[str, Any]) -> Figure:
    """Messages per second of each system's timed pass over the evaluation file."""
    systems = report["systems"]
    fig = _figure(7, 0.5 + 0.5 * max(len(systems), 1))
    ax = fig.add_subplot()
    names = [s["name"] for s in systems]
    vals = [s["throughput"]["messages_per_s"] for s in systems]
    ax.barh(names, vals, color=[_color(n, i) for i, n in enumerate(names)])
    for i, v in enumerate(vals):
        ax.text(v, i, f" {v:,.0f}", va="center", fontsize=8)
    ax.set_xlim(0, max(vals, default=1) * 1.18)  # linear: a bar twice as long is twice as fast; room for labels
    ax.set_xlabel(f"messages/s (one process, {report['environment']['cpus']} CPUs, mean "
                  f"{report['data']['mean_chars']} chars)")
    ax.invert_yaxis()
    return fig


def openworld_rates(report: Mapping[str, Any]) -> Figure:
    """Share of benign rows given any label, per open-world register and kind, for every system (log-free bars,
    95% Wilson intervals as error bars): the false accusations a user of the tool would see."""
    ow = report.get("openworld") or {}
    systems = list(ow)
    fig = _figure(10, 5)
    ax = fig.add_subplot()
    if not systems:
        _empty(ax, "no open-world rows in this file")
        return fig
    first = ow[systems[0]]
    keys = [("all open-world", lambda o: o["openworld_benign"])]
    keys += [(reg, lambda o, reg=reg: o["by_register"].get(reg)) for reg in first["by_register"]]
    keys += [("held-out source", lambda o: o["held_out_sources"]), ("contrast", lambda o: o["contrast_benign"]),
             ("degenerate", lambda o: o["degenerate"])]
    width = 0.8 / len(systems)
    y = np.arange(len(keys))
    for i, name in enumerate(systems):
        vals, lo, hi = [], [], []
        for _, get in keys:
            r = get(ow[name]) or {}
            rate = r.get("rate") or 0.0
            vals.append(100 * rate)
            lo.append(100 * (rate - r.get("ci95", [0, 0])[0]))
            hi.append(100 * (r.get("ci95", [0, 0])[1] - rate))
        ax.barh(y + i * width, vals, width, xerr=[lo, hi], label=name, color=_color(name, i), capsize=2)
    ax.set_yticks(y + width * (len(systems) - 1) / 2, [k for k, _ in keys])
    ax.invert_yaxis()
    ax.set_xlabel("benign rows given any label (%)")
    ax.axvline(1, color="#d62728", lw=0.8, ls="--")
    ax.axvline(2, color="#d62728", lw=0.8, ls=":")
    ax.set_title("Text that is not a collection message: false flags (dashed: 1% gate, dotted: 2% per register)")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def save_report_figures(report: Mapping[str, Any], outdir: str | Path) -> dict[str, Path]:
    """Every report figure as a PNG in outdir; returns name -> path."""
    outdir = Path(outdir)
    figs = {"f1_comparison": f1_comparison(report), "pr_curves": pr_curves(report), "confusion": confusion(report),
            "reliability": reliability(report), "throughput": throughput(report)}
    if report.get("openworld"):
        figs["openworld_rates"] = openworld_rates(report)
    for s in report["systems"]:
        figs[f"score_hist_{s['name']}"] = score_histograms(report, s["name"])
    return {name: save(fig, outdir / f"{name}.png") for name, fig in figs.items()} if report["systems"] else {}


# -- dataset -------------------------------------------------------------------------------------------------------

def label_counts(stats: Mapping[str, Any]) -> Figure:
    """Rows per label (and compliant) in each split."""
    splits = list(stats["splits"])
    cats = list(LABELS) + ["compliant"]
    fig = _figure(9, 3.8)
    ax = fig.add_subplot()
    width = 0.8 / max(len(splits), 1)
    for i, sp in enumerate(splits):
        c = stats["splits"][sp]
        vals = [c["label_counts"][k] for k in LABELS] + [c["compliant"]]
        ax.bar(np.arange(len(cats)) + (i - (len(splits) - 1) / 2) * width, vals, width, label=f"{sp} ({c['rows']})")
    ax.set_xticks(range(len(cats)), [label_name(c, short=True) for c in cats], **_fp())
    ax.set_ylabel("rows")
    ax.legend(fontsize=8)
    ax.set_title("Rows per label")
    return fig


def length_histogram(stats: Mapping[str, Any]) -> Figure:
    """Text length (characters) per register, all splits together, log-spaced bins."""
    fig = _figure(9, 3.8)
    ax = fig.add_subplot()
    lengths = stats["lengths_by_register"]
    hi = max((max(v) for v in lengths.values() if v), default=10)
    bins = np.logspace(0, np.log10(max(hi, 10)) + 0.05, 40)
    for reg, vals in lengths.items():
        ax.hist(vals, bins=bins, histtype="step", lw=1.5, label=f"{reg} (median {int(np.median(vals))})")
    ax.set_xscale("log")
    ax.set_xlabel("characters")
    ax.set_ylabel("rows")
    ax.legend(fontsize=8)
    ax.set_title("Message length by register")
    return fig


def register_counts(stats: Mapping[str, Any]) -> Figure:
    """Rows per register and source kind in each split (stacked)."""
    splits = list(stats["splits"])
    fig = _figure(10, 3.6)
    axes = fig.subplots(1, 2)
    for ax, key in zip(axes, ("registers", "sources")):
        cats = sorted({k for sp in splits for k in stats["splits"][sp].get(key, {})})
        bottom = np.zeros(len(splits))
        for cat in cats:
            vals = np.array([stats["splits"][sp].get(key, {}).get(cat, 0) for sp in splits])
            ax.bar(splits, vals, bottom=bottom, label=cat)
            bottom += vals
        ax.set_title(key)
        if cats:
            ax.legend(fontsize=7)
        else:
            _empty(ax, f"no {key[:-1]} field")
    return fig


def cooccurrence(stats: Mapping[str, Any]) -> Figure:
    """How often two labels occur on the same row (all splits; the diagonal is each label's count)."""
    m = np.array(stats["cooccurrence"], dtype=float)
    fig = _figure(5, 4.2)
    ax = fig.add_subplot()
    ax.imshow(m, cmap="Oranges")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=8)
    names = [label_name(label, short=True) for label in LABELS]
    ax.set_xticks(range(len(LABELS)), names, rotation=30, ha="right", **_fp(8))
    ax.set_yticks(range(len(LABELS)), names, **_fp(8))
    ax.set_title("Label co-occurrence")
    return fig


# -- speed ---------------------------------------------------------------------------------------------------------

def speed_sweep(records: Sequence[Mapping[str, Any]]) -> Figure:
    """Messages/s against batch size, one line per system (records from evaluation.speed)."""
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    names = sorted({r["system"] for r in records}, key=lambda n: list(_SYSTEM_COLORS).index(n)
                   if n in _SYSTEM_COLORS else 99)
    for i, name in enumerate(names):
        rs = sorted((r for r in records if r["system"] == name), key=lambda r: r["batch_size"])
        ax.plot([r["batch_size"] for r in rs], [r["messages_per_s"] for r in rs], "o-", color=_color(name, i),
                label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel("messages/s")
    ax.legend(fontsize=8)
    ax.set_title("Throughput vs batch size (one process)")
    return fig


def stream_speeds(figures: Mapping[str, Any]) -> Figure:
    """Messages/s per stream of scripts/bench_streams.py: the release, today without its memo and today, side by side,
    each bar labelled with its ratio to the release."""
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    streams = list(figures["streams"])
    systems = (("release", f"release {figures['release']}"), ("today_no_memo", "today, no memo"), ("today", "today"))
    width = 0.8 / len(systems)
    for k, (key, name) in enumerate(systems):
        rates = [figures["streams"][s]["runs"][key]["msgs_per_s"] for s in streams]
        xs = np.arange(len(streams)) + (k - 1) * width
        ax.bar(xs, rates, width, label=name, color=_EXTRA[k % len(_EXTRA)])
        for x, s, r in zip(xs, streams, rates):
            ratio = r / figures["streams"][s]["runs"]["release"]["msgs_per_s"]
            ax.annotate(f"×{ratio:.1f}", (x, r), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(np.arange(len(streams)), streams)
    ax.set_ylabel("messages/s (model load included)")
    ax.legend(fontsize=8)
    ax.set_title(f"yuefu score on {figures['n']:,}-message streams")
    return fig
