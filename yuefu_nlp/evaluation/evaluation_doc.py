"""docs/EVALUATION.md rendered from a metrics JSON (and the benchmark JSON beside it), so no figure is typed by hand.

The prose lives in docs/templates/EVALUATION.md.tmpl; `{{name}}` placeholders are filled from the report with the
same table functions `yuefu evaluate` prints with (`summary`). scripts/make_evaluation_doc.py is its command line.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..errors import TemplateError
from ..runtime.paths import REPO_ROOT
from . import summary
from .contacts_bench import contacts_bench_table
from .report import load_report
from .rules_bench import pathological_table
from .spark_bench import spark_bench_table
from .stream_bench import stream_table
from .speed import bench_table, read_bench
from .transcripts import transcript_table

__all__ = ["TEMPLATE", "DOC", "render"]

TEMPLATE = REPO_ROOT / "docs" / "templates" / "EVALUATION.md.tmpl"
DOC = REPO_ROOT / "docs" / "EVALUATION.md"


def _rel(path: Path, start: Path = REPO_ROOT) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    except ValueError:
        return str(path)


def _sources(d: dict | None) -> str:
    if not d or not d.get("sources"):
        return "sources not recorded"
    return ", ".join(f"{k} {v}" for k, v in d["sources"].items())


def _synthetic(report: dict) -> str:
    t = report.get("train_data")
    if not t or not t.get("sources"):
        return "Not recorded (no train file in this run)."
    synth = t["sources"].get("synthetic", 0)
    return (f"{synth:,} of the {t['rows']:,} training rows ({synth / t['rows']:.0%}) are synthetic (seeded templates, "
            f"`yuefu_nlp/corpus/synthetic.py`); the rest: {_sources(t)}.")


def render(metrics_path: str | Path, template: str | Path = TEMPLATE) -> str:
    """The full Markdown of docs/EVALUATION.md for one metrics JSON; TemplateError names a placeholder it cannot fill."""
    metrics_path = Path(metrics_path)
    report = load_report(metrics_path)
    outdir = _rel(metrics_path.parent)
    env = report["environment"]
    missing = summary.unavailable_lines(report)
    train = report.get("train_data")
    bench_parts = []
    for name in ("bench_rules.json", "bench_model.json"):
        figures = read_bench(metrics_path.parent / name)
        if figures:
            bench_parts.append(f"Benchmark figures from `{outdir}/{name}` (written by `scripts/{name[:-5]}.py "
                               f"--json`):\n\n{bench_table(figures)}")
    patho = metrics_path.parent / "bench_pathological.json"
    if patho.exists():
        bench_parts.append(f"Rules-only cost against text length on pathological inputs (`{outdir}/{patho.name}`, "
                           f"written by `scripts/bench_pathological.py --json`; patterns in "
                           f"`yuefu_nlp/evaluation/rules_bench.py`):\n\n"
                           f"{pathological_table(json.loads(patho.read_text(encoding='utf-8')))}")
    holdout_path = metrics_path.parent / "holdout" / "metrics.json"
    if holdout_path.exists():
        hold = load_report(holdout_path)
        holdout = (f"{summary.data_line(hold)}. Metrics JSON: `{_rel(holdout_path)}`; printed output: "
                   f"`{_rel(holdout_path.parent)}/summary.txt`.\n\n{summary.comparison_table(hold)}\n\n"
                   f"{summary.per_label_table(hold)}")
    else:
        holdout = "Not evaluated yet: run `bash scripts/make_evaluation.sh`."
    ow_path = metrics_path.parent / "openworld" / "metrics.json"
    before_path = metrics_path.parent / "openworld_before" / "metrics.json"
    if ow_path.exists():
        ow = load_report(ow_path)
        openworld = (f"{summary.data_line(ow)}. Metrics JSON: `{_rel(ow_path)}`; printed output: "
                     f"`{_rel(ow_path.parent)}/summary.txt`.\n\n{summary.openworld_table(ow)}\n\n"
                     f"![Open-world false flags](evaluation/openworld/openworld_rates.png)\n\n"
                     f"In-domain figures of the same run on these rows (mostly benign, so macro-F1 rests on the "
                     f"minimal pairs' and hard in-domain groups' positives):\n\n{summary.comparison_table(ow)}")
        if before_path.exists():
            before = load_report(before_path)
            openworld += (f"\n\n**Before issue #11**: the same rows, the model shipped before it (its metrics JSON: "
                          f"`{_rel(before_path)}`; the rules column uses the lexicons of that time only where the "
                          f"JSON says so: {before['settings'].get('note', 'current lexicons')}).\n\n"
                          f"{summary.openworld_table(before)}")
    else:
        openworld = "Not evaluated yet: run `bash scripts/make_evaluation.sh`."
    tx_path = metrics_path.parent / "transcripts" / "metrics.json"
    if tx_path.exists():
        tx = json.loads(tx_path.read_text(encoding="utf-8"))
        transcripts = (f"{tx['rows']} calls from `{tx['gold']}`, backend {tx['backend']}, written by "
                       f"`{tx['command']}` to `{_rel(tx_path)}`.\n\n{transcript_table(tx)}")
    else:
        transcripts = "Not evaluated yet: run `python scripts/eval_transcripts.py`."
    contacts = read_bench(metrics_path.parent / "bench_contacts.json")
    contacts_bench = (f"`yuefu contacts` (harassment patterns in contact logs, docs/CONTACTS.md) on a synthetic log, "
                      f"written by `{contacts['command']}` to `{outdir}/bench_contacts.json`; the detection runs in its "
                      f"own process, so its peak RSS does not count the log's generation:\n\n"
                      f"{contacts_bench_table(contacts)}" if contacts
                      else "Not measured yet: run `python scripts/bench_contacts.py --json "
                           "docs/evaluation/bench_contacts.json`.")
    spark_parts = []
    # the fused backend on 20,000 rows and on a million; a million rows, rules only
    for name in ("bench_spark.json", "bench_spark_1m_fused.json", "bench_spark_1m_rules.json"):
        spark = read_bench(metrics_path.parent / name)
        if spark:
            spark_parts.append(f"`yuefu score` in one process against `yuefu score --engine spark` (docs/SPARK.md) on "
                               f"the same rows, written by `{spark['command']}` to `{outdir}/{name}`. What was "
                               f"measured: {spark['what']}\n\n{spark_bench_table(spark)}")
    spark_bench = ("\n\n".join(spark_parts) if spark_parts
                   else "Not measured yet: run `python scripts/bench_spark.py --json docs/evaluation/bench_spark.json`.")
    streams = read_bench(metrics_path.parent / "bench_streams.json")
    stream_bench = (f"`yuefu score` (fused) on three generated streams of {streams['n']:,} SMS-length messages, the "
                    f"release {streams['release']} against today's code without and with its memo, each in its own "
                    f"process (model load included), {streams['rounds']} rounds in turn, the best counted; written by "
                    f"`python scripts/bench_streams.py --json {outdir}/bench_streams.json`. Load average before "
                    f"{streams['load_average_before'][0]:.2f}, after {streams['load_average_after'][0]:.2f}. "
                    f"\"labels as release\": rows whose labels equal the release's (the release flagged ordinary text "
                    f"that today's model does not). \"distinct model inputs\": the different texts today's shipped "
                    f"model reads, which its memo scores once each (fewer than the distinct texts for a model "
                    f"trained on slot-masked text, as the shipped one is: yuefu_nlp/text/slots.py, "
                    f"scripts/configs/slots_warm.yaml).\n\n"
                    f"{stream_table(streams)}\n\nTargets (issue #16): "
                    + "; ".join(f"x{t['at_least']} on {k}: {'met' if t['met'] else 'not met'}"
                                for k, t in streams.get("targets", {}).items()) + "."
                    if streams else "Not measured yet: run `python scripts/bench_streams.py --json "
                                    "docs/evaluation/bench_streams.json`.")
    hists = ", ".join(f"[{s['name']}](evaluation/score_hist_{s['name']}.png)" for s in report["systems"])
    values = {
        "metrics_path": _rel(metrics_path), "summary_path": f"{outdir}/summary.txt",
        "created": report["created"].replace("T", " ").replace("+00:00", ""),
        "environment": f"Python {env['python']}, {env['cpus']} CPUs, yuefu_nlp {env['yuefu_nlp']}",
        "data_line": summary.data_line(report),
        "train_line": (f"`{train['path']}`, {train['rows']:,} rows ({_sources(train)})" if train else "n/a"),
        "command": summary.command_line(report, outdir),
        "unavailable": (f"Not evaluated in this run (the reason is the error the backend raised):\n\n{missing}"
                        if missing else "Every system ran."),
        "n_boot": str(report["settings"]["n_boot"]), "seed": str(report["settings"]["seed"]),
        "comparison_table": summary.comparison_table(report), "per_label_table": summary.per_label_table(report),
        "curve_table": summary.curve_table(report), "score_histograms": hists or "none",
        "bench": "\n\n".join(bench_parts) or "No benchmark JSON next to the metrics yet.",
        "contacts_bench": contacts_bench,
        "spark_bench": spark_bench,
        "stream_bench": stream_bench,
        "test_rows": f"{report['data']['rows']:,}", "test_sources": _sources(report["data"]),
        "synthetic_share": _synthetic(report),
        "holdout": holdout,
        "openworld": openworld,
        "transcripts": transcripts,
    }
    text = Path(template).read_text(encoding="utf-8")
    unknown = set(re.findall(r"\{\{(\w+)\}\}", text)) - set(values)
    if unknown:
        raise TemplateError(f"{template}: placeholders without a value: {sorted(unknown)}; give each one a value in "
                            f"evaluation_doc.render, or remove it from the template")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)
