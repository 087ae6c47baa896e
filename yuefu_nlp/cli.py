"""`yuefu` command line: score a CSV, check one message, evaluate on labelled data, find harassment in a contact
log."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any, Sequence

from . import __version__
from .batch.run import FORMATS, ScoreSummary
from .domain import BACKENDS, DEFAULT_MAX_CHARS, LABEL_ANSI, LABEL_ZH, MODEL_RULE_ID, Backend, Risk
from .errors import ConfigError, YuefuError
from .redact import redact_result
from .text.decode import read_text
from .text.roles import parse_roles
from .text.transcript_files import read_transcript
from .types import Result

__all__ = ["main"]

_RESET = "\033[0m"


def _load(backend: str, model_dir: str | None, roles: str | None = None, **options: Any):
    from .analyzer import Analyzer

    return Analyzer.load(backend=backend, model_dir=model_dir, roles=roles, **options)  # type: ignore[arg-type]


def _default_backend() -> str:
    """fused when a model is there; rules (with a note) when none is shipped. A YUEFU_MODEL_DIR that is set always
    means the model: if it is unusable, loading says why, instead of quietly scoring with rules only."""
    from .runtime.paths import default_model_dir

    if os.environ.get("YUEFU_MODEL_DIR"):
        return Backend.FUSED
    return Backend.FUSED if default_model_dir().joinpath("model.onnx").exists() else Backend.RULES


# --fail-on: which results make `score` and `check` exit 1, as linters do (0: none, 2: an error stopped the run)
FAIL_ON = {"any": lambda risk, flagged: flagged, "medium": lambda risk, flagged: risk in (Risk.MEDIUM, Risk.HIGH),
           "high": lambda risk, flagged: risk == Risk.HIGH}


def _cmd_score(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from .batch import score_file, score_folder

    backend = args.backend or _default_backend()
    if args.backend is None and backend is Backend.RULES:
        print("note: no shipped model found; scoring with rules only (--backend rules)", file=sys.stderr)
    if args.engine == "spark":
        return _finish_score(args, backend, _score_on_spark(args, backend))
    if args.master is not None or args.format == "parquet":
        raise ConfigError("--master and --format parquet are for --engine spark")
    analyzer = _load(backend, args.model_dir, args.roles, threads=args.threads,
                     **({"memo_size": 0} if args.no_memo else {}))
    if args.threshold is not None or args.min_risk is not None:
        analyzer = analyzer.with_policy(replace(
            analyzer.policy,
            flag_at=analyzer.policy.flag_at if args.threshold is None else args.threshold,
            min_risk=analyzer.policy.min_risk if args.min_risk is None else Risk(args.min_risk)))
    options = dict(analyzer=analyzer, batch_size=args.batch_size, fmt=args.format, max_chars=args.max_chars,
                   progress=not args.no_progress)
    if args.input != "-" and Path(args.input).is_dir():  # a folder of transcript files: one row per file
        summary = score_folder(args.input, args.output, redact=args.redact, **options)  # type: ignore[arg-type]
    else:
        summary = score_file(args.input, args.output, text_col=args.text_col, force=args.force, redact=args.redact,
                             encoding=args.encoding, sheet=args.sheet, bom=args.bom, **options)  # type: ignore[arg-type]
    return _finish_score(args, backend, summary)


def _score_on_spark(args: argparse.Namespace, backend: str) -> ScoreSummary:
    """`yuefu score --engine spark`: the same contract, computed by Spark (docs/SPARK.md); UTF-8 CSV, JSONL or
    Parquet in, Parquet or CSV part files out."""
    if args.redact:
        raise ConfigError("--redact is not available with --engine spark yet; score locally, or redact the Spark "
                          "output with `yuefu score --redact` on its part files")
    if args.encoding or args.sheet or args.bom or args.input == "-":
        raise ConfigError("--engine spark reads UTF-8 CSV, JSONL or Parquet files (no stdin, --encoding, --sheet or "
                          "--bom); convert other inputs with `yuefu score` locally")
    from .spark import SparkRun, SparkSettings, score_path

    settings = SparkSettings(text_col=args.text_col, backend=str(backend), model_dir=args.model_dir,
                             batch_size=args.batch_size, max_chars=args.max_chars,
                             roles=tuple((k, str(v)) for k, v in parse_roles(args.roles).items()),
                             flag_at=args.threshold, min_risk=args.min_risk, threads=args.threads or 1)
    return score_path(args.input, args.output, settings, SparkRun(master=args.master, fmt=args.format,
                                                                  force=args.force))


def _finish_score(args: argparse.Namespace, backend: str, summary: ScoreSummary) -> int:
    print(summary.format(), file=sys.stderr)
    if args.output != "-":
        print(f"wrote {args.output} (backend: {backend})", file=sys.stderr)
    if args.fail_on is None:
        return 0
    found = {"any": summary.flagged, "medium": summary.risk[Risk.MEDIUM] + summary.risk[Risk.HIGH],
             "high": summary.risk[Risk.HIGH]}[args.fail_on]
    return 1 if found else 0


def _probability(value: str) -> float:
    """argparse type for --threshold: a number strictly between 0 and 1."""
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), not {value}")
    return x


def highlight(result: Result, color: bool) -> str:
    """The text with every finding marked: ANSI colours on a terminal, 【…】 brackets elsewhere."""
    text = result.text
    marks = sorted({(f.span.start, f.span.end, f.label) for f in result.findings if f.rule_id != MODEL_RULE_ID})
    out, pos = [], 0
    for start, end, label in marks:
        if start < pos:
            continue  # overlapping findings: the first one is marked
        out.append(text[pos:start])
        seg = text[start:end]
        out.append(f"{LABEL_ANSI[label]}{seg}{_RESET}" if color else f"【{seg}】")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def format_report(result: Result, color: bool = False) -> str:
    """Human-readable report of one analyzed message: risk, labels, the marked text, and each finding's law."""
    lines = [f"risk: {result.risk}"]
    if not result.labels:
        lines.append("labels: none (no abusive or illegal content found)")
    for label in (lbl for lbl in result.scores if lbl in result.labels):
        lines.append(f"  {label} ({LABEL_ZH[label]}): score {result.scores[label]:.2f}")
    lines.append("")
    lines.append(highlight(result, color))
    if result.findings:
        lines.append("")
        lines.append("findings:")
    for i, f in enumerate(result.findings, 1):
        where = ""
        if f.turn:
            at = f", {f.turn.time}" if f.turn.time else ""
            where = f" turn {f.turn.index} ({f.turn.speaker}, {f.turn.role}{at})"
        lines.append(f"{i}. [{f.label}]{where} chars {f.span.start}-{f.span.end} 「{f.span.text}」 score {f.score:.2f}")
        for ev in f.evidence:
            lines.append(f"   rule {ev.rule_id}: {ev.description}")
            for c in ev.citations:
                lines.append(f"     violates {c}" + (f" — {c.summary}" if c.summary else ""))
    return "\n".join(lines)


def _cmd_check(args: argparse.Namespace) -> int:
    if args.text is not None and not args.file:
        text = args.text
    elif args.file:  # a .txt, .srt, .vtt or .json transcript, in the encodings `yuefu score` reads
        text = read_transcript(args.file, parse_roles(args.roles))
    else:  # stdin: UTF-8, UTF-8 with BOM or GB18030
        text, _ = read_text("-")
    backend = args.backend or _default_backend()
    (message,) = _load(backend, args.model_dir, args.roles).run([text])
    result, speakers = message.result, message.speakers
    if args.redact:
        result = redact_result(result)
    if args.json:
        out = result.to_dict()
        if speakers is not None:
            out["speakers"] = speakers.to_dict()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        if speakers is not None:  # anonymous speakers: say who was taken for the collector, and how sure
            print(speakers.describe())
        print(format_report(result, color=color))
    return 1 if args.fail_on and FAIL_ON[args.fail_on](result.risk, result.flagged) else 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    try:
        return _evaluate(args)
    except ModuleNotFoundError as exc:  # a light install: `yuefu score` needs none of the evaluation extra
        print(f"error: yuefu evaluate needs {exc.name}, which is not installed. Install the evaluation extra: "
              f"pip install 'yuefu_nlp[eval]' (or pass --no-plots to skip the figures)", file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation.report import run_evaluation, write_evaluation
    from .evaluation.summary import format_summary

    chosen = args.backend or ["all"]
    backends = list(_EVALUATE_ORDER) if "all" in chosen else list(dict.fromkeys(chosen))
    log = (lambda msg: print(msg, file=sys.stderr))
    ev = run_evaluation(
        args.data, backends=backends, baselines=args.baselines, train=args.train, dev=args.dev, subset=args.subset,
        seed=args.seed, n_boot=args.n_boot, batch_size=args.batch_size, baseline_dir=args.output,
        lexicon_dir=args.lexicon_dir, model_dir=args.model_dir, log=log,
    )
    written = write_evaluation(ev, args.output, plots=not args.no_plots)
    print(format_summary(ev.report), end="")
    print(f"wrote {written['metrics']} and {len(written) - 1} more files to {args.output}", file=sys.stderr)
    return 0 if ev.outputs else 1


def _cmd_contacts(args: argparse.Namespace) -> int:
    from .contacts import LogColumns, problems_path, write_findings

    columns = LogColumns(time=args.time_col, debtor=args.debtor_col, collector=args.collector_col,
                         channel=args.channel_col, recipient=args.recipient_col, text=args.text_col,
                         direction=args.direction_col)
    summary = write_findings(args.log, args.output, policy=args.policy, columns=columns, fmt=args.format,
                             threads=args.threads, memory_limit=args.memory_limit, force=args.force)
    print(summary.format(), file=sys.stderr)
    print(f"wrote {args.output} ({summary.findings} findings)"
          + (f" and {problems_path(args.output)} ({summary.problems} rows left out)" if summary.problems else ""),
          file=sys.stderr)
    if args.fail_on is None:
        return 0
    found = {"any": summary.findings, "medium": summary.risk["medium"] + summary.risk["high"],
             "high": summary.risk["high"]}[args.fail_on]
    return 1 if found else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    by = [c for value in args.by or () for c in value.split(",")]
    done = build_report(args.scored, args.output, by=by, time_col=args.time_col, text_col=args.text_col,
                        title=args.title, min_group=args.min_group, redacted=not args.no_redact,
                        contacts=args.contacts)
    s = done.summary
    print(f"rows {s.rows} | scored {s.scored} | errors {s.errors} | flagged {s.flagged}", file=sys.stderr)
    print(f"wrote {done.path}" + ("" if not args.no_redact else " (NOT redacted: it shows personal data)"),
          file=sys.stderr)
    return 0


_EVALUATE_ORDER = (Backend.RULES, Backend.MODEL, Backend.FUSED)  # how `yuefu evaluate` lists the backends
_ROLES_HELP = ("speaker roles of call transcripts, on top of the built-in prefixes and instead of a guess, e.g. "
               "说话人1=collector,说话人2=customer")


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


class _Terminated(Exception):
    """SIGTERM (timeout, docker stop, a scheduler): unwind like Ctrl-C, so no half-written output stays behind."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


_REDACT_HELP = ("mask resident ID, bank card and phone numbers (first 3 and last 4 digits kept) and addresses a rule "
                "found, character for character, in every text written: input columns, spans and evidence")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yuefu", description="Flag abusive or illegal Chinese debt-collection messages.")
    p.add_argument("--version", action="version", version=f"yuefu_nlp {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score a CSV of messages, or a folder of transcripts, into the scored-CSV contract")
    s.add_argument("input", help="input CSV (UTF-8 with or without BOM, GB18030/GBK, Big5 or UTF-16: detected; see "
                   "--encoding), an Excel .xlsx workbook (see --sheet), - for stdin, or a folder of transcript files "
                   "(.txt, .json, .srt, .vtt): one output row per file, with columns file and text")
    s.add_argument("-o", "--output", default="-", help="output file (.csv, .jsonl or .xlsx: the format follows the "
                   "name unless --format says), or - for stdout (default)")
    s.add_argument("--encoding", default=None, help="the input CSV's encoding (default: detected from a large sample "
                   "and shown in the summary), e.g. gb18030, big5, utf-16, utf-8")
    s.add_argument("--sheet", default=None, help="the .xlsx sheet to score, by name or number from 1 (default: first)")
    s.add_argument("--bom", action="store_true", help="write the CSV with a UTF-8 byte-order mark, so Excel on Chinese "
                   "Windows opens it without mojibake (or write .xlsx with -o scored.xlsx)")
    s.add_argument("--text-col", default="text", help="name of the text column (default: text)")
    s.add_argument("--backend", choices=BACKENDS, default=None,
                   help="fused (default when the shipped model is present), rules, or model")
    s.add_argument("--model-dir", default=None, help="model folder (default: the shipped model)")
    s.add_argument("--batch-size", type=_positive, default=64, help="rows per batch (default 64)")
    s.add_argument("--format", choices=[*FORMATS, "parquet"], default=None,
                   help="output format (default: from the output's name, .jsonl or .xlsx, else csv; with --engine "
                        "spark: parquet or csv part files, csv when the output's name ends in .csv, else parquet)")
    s.add_argument("--threshold", type=_probability, default=None,
                   help="flag a label at this score or above (default 0.5, each backend's tuned operating point; "
                        "higher means fewer flags and fewer false accusations, and lower recall)")
    s.add_argument("--min-risk", choices=["medium", "high"], default=None,
                   help="report only messages of this risk or above as flagged; the others keep their scores and "
                        "get risk low")
    s.add_argument("--max-chars", type=_positive, default=DEFAULT_MAX_CHARS,
                   help=f"longer texts get an error instead of a score (default {DEFAULT_MAX_CHARS})")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--force", action="store_true", help="allow the output to replace the input file")
    s.add_argument("--roles", default=None, help=_ROLES_HELP)
    s.add_argument("--fail-on", choices=list(FAIL_ON), default=None,
                   help="exit 1 when any row is flagged (any), has risk medium or high (medium), or high (high); "
                        "0 otherwise; 2 on an error")
    s.add_argument("--engine", choices=["local", "spark"], default="local",
                   help="local: this process (default); spark: a Spark job over UTF-8 CSV, JSONL or Parquet files or "
                        "folders, writing a folder of part files with a row_id column (needs the spark extra; "
                        "docs/SPARK.md)")
    s.add_argument("--master", default=None, help="with --engine spark: the Spark master, e.g. local[4] or yarn "
                   "(default: what spark-submit set, else local[*])")
    s.add_argument("--threads", type=_positive, default=None,
                   help="CPU threads for the model (default: the cores this process may use; set it in containers "
                        "and when several scorers share a machine)")
    s.add_argument("--redact", action="store_true", help=_REDACT_HELP)
    s.add_argument("--no-memo", action="store_true",
                   help="score every copy of a repeated text again instead of looking it up (the output is the "
                        "same; for measuring)")
    s.set_defaults(func=_cmd_score)

    c = sub.add_parser("check", help="explain one message or transcript: spans, rules and the law they break")
    c.add_argument("text", nargs="?", help="the message (omit to read --file or stdin)")
    c.add_argument("-f", "--file", help="read the message or call transcript from a file: .txt (UTF-8, UTF-8 with "
                   "BOM or GB18030), .srt, .vtt, or .json segments (see the README)")
    c.add_argument("--backend", choices=BACKENDS, default=None)
    c.add_argument("--model-dir", default=None)
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--redact", action="store_true", help=_REDACT_HELP)
    c.add_argument("--roles", default=None, help=_ROLES_HELP)
    c.add_argument("--fail-on", choices=list(FAIL_ON), default=None,
                   help="exit 1 when the text is flagged (any), has risk medium or high (medium), or high (high); "
                        "0 otherwise; 2 on an error")
    c.set_defaults(func=_cmd_check)

    e = sub.add_parser("evaluate", help="measure backends and baselines on labelled data: metrics JSON, plots, errors")
    e.add_argument("data", help="labelled .csv or .jsonl (or a folder of them): text plus a labels list / 'a|b' string, or 0/1 label columns")
    e.add_argument("-o", "--output", required=True, help="output folder (metrics.json, PNGs, worst_errors.md)")
    e.add_argument("--backend", action="append", choices=[*_EVALUATE_ORDER, "all"], default=None,
                   help="backend to evaluate; repeat for several (default: all; an unavailable one is reported)")
    e.add_argument("--baselines", action="store_true", help="also run the word-filter and TF-IDF + LR baselines")
    e.add_argument("--train", default="data/splits/train.jsonl", help="train file for the TF-IDF baseline")
    e.add_argument("--dev", default="data/splits/dev.jsonl", help="dev file for its thresholds (skipped if absent)")
    e.add_argument("--subset", type=int, default=None, help="evaluate a seeded sample of N rows (and train on N)")
    e.add_argument("--seed", type=int, default=0, help="seed of the subset and the bootstrap (default 0)")
    e.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the 95%% CIs (default 1000)")
    e.add_argument("--batch-size", type=int, default=64, help="Analyzer batch size (default 64)")
    e.add_argument("--model-dir", default=None, help="model folder (default: the shipped model)")
    e.add_argument("--lexicon-dir", default=None, help="profanity lists for the word filter (default data/external/lexicons)")
    e.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    e.set_defaults(func=_cmd_evaluate)

    k = sub.add_parser("contacts", help="find harassment (骚扰) patterns in a contact log: night contacts, daily and "
                       "weekly caps, bursts, third parties, contact after a stop request")
    k.add_argument("log", help="contact log: .csv (UTF-8), .parquet or .jsonl, one event per row (docs/CONTACTS.md)")
    k.add_argument("-o", "--output", required=True, help="findings CSV (also writes <output>.problems.csv and "
                   "<output>.meta.json)")
    k.add_argument("--policy", default=None, help="contact policy YAML (default: the shipped "
                   "yuefu_nlp/resources/contact_policy.yaml; copy it and edit)")
    k.add_argument("--format", choices=["csv", "parquet", "jsonl"], default=None,
                   help="log format (default: from the suffix)")
    for role, default in (("time", "time"), ("debtor", "debtor_id"), ("collector", "collector_id"),
                          ("channel", "channel"), ("recipient", "recipient"), ("text", "text"),
                          ("direction", "direction")):
        k.add_argument(f"--{role}-col", default=default, help=f"column of the {role} (default: {default})")
    k.add_argument("--threads", type=_positive, default=None, help="DuckDB threads (default: all CPUs)")
    k.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit; beyond it, work spills to a "
                   "temporary folder (default 2GB)")
    k.add_argument("--force", action="store_true", help="allow the output to replace the log file")
    k.add_argument("--fail-on", choices=list(FAIL_ON), default=None,
                   help="exit 1 when any finding (any), a medium or high one (medium), or a high one (high) is "
                        "found; 0 otherwise; 2 on an error")
    k.set_defaults(func=_cmd_contacts)

    r = sub.add_parser("report", help="one self-contained HTML report of a scored file: overview, groups, trends, "
                       "rules, laws and examples")
    r.add_argument("scored", help="a scored .csv, .jsonl or .xlsx written by `yuefu score`")
    r.add_argument("-o", "--output", required=True, help="the HTML file to write")
    r.add_argument("--by", action="append", default=None, metavar="COLUMN",
                   help="group by this column (repeat, or a comma list: --by collector,agency)")
    r.add_argument("--time-col", default=None, help="column with each message's time: adds a daily trend and a "
                   "weekday x hour heatmap")
    r.add_argument("--text-col", default=None, help="the text column the spans index (default: text, if present)")
    r.add_argument("--title", default=None, help="the report's title")
    r.add_argument("--min-group", type=_positive, default=30,
                   help="groups with fewer scored messages are marked small and not ranked (default 30)")
    r.add_argument("--contacts", default=None, metavar="FINDINGS_CSV",
                   help="also summarise the contact-policy findings of `yuefu contacts`")
    r.add_argument("--no-redact", action="store_true", help="show ID, bank card and phone numbers unmasked "
                   "(masked by default)")
    r.set_defaults(func=_cmd_report)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args))
    except YuefuError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no output file was written", file=sys.stderr)
        return 130
    except _Terminated:
        print("terminated; no output file was written", file=sys.stderr)
        return 143
    except BrokenPipeError:  # `yuefu score ... -o - | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes stdout
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
