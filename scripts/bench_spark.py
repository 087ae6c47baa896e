"""`yuefu score` in one process against `yuefu score --engine spark` on the same generated SMS: messages per second,
peak memory per Python worker, and a projection of cluster throughput from the measured rate per core.

    python scripts/bench_spark.py [--rows 1000000] [--backend fused] [--master local[2]] [--batch-size 64]
                                  [--json docs/evaluation/bench_spark.json]

The messages (Parquet, seeded: yuefu_nlp/evaluation/spark_bench.py) are scored twice: by `yuefu score` on a CSV copy
(the local engine reads CSV, not Parquet) and by the Spark engine on the Parquet file. Each run is a child process
whose process tree is polled with psutil every 0.2 s: the peak RSS of each process, the JVM and the Spark Python
workers apart. Each engine also scores a small file first (--overhead-rows); the difference of the two wall times
is the steady rate, with start-up (JVM, model loads, Spark's planning jobs) taken out. 1,000,000 rows take about 12
minutes on two cores with the fused backend and the slot-masked model (both engines; the memo scores each template
once per process); pass --rows for a shorter run; the JSON says what was run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from yuefu_nlp.evaluation.spark_bench import generate_messages

_POLL_S = 0.2


def _measure(cmd: list[str]) -> dict:
    """Run `cmd`, polling its process tree: wall seconds and peak RSS per process kind (MiB)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYSPARK_PYTHON=sys.executable)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak: dict[int, tuple[str, float]] = {}
    peak_total = peak_workers = 0.0
    while proc.poll() is None:
        total = workers = 0.0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in tree:
            try:
                rss = p.memory_info().rss / 2**20
                kind = _kind(p, root)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += rss
            workers += rss if kind == "python worker" else 0.0
            if rss > peak.get(p.pid, ("", 0.0))[1]:
                peak[p.pid] = (kind, rss)
        peak_total, peak_workers = max(peak_total, total), max(peak_workers, workers)
        time.sleep(_POLL_S)
    _, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    by_kind: dict[str, list[float]] = {}
    for kind, rss in peak.values():
        by_kind.setdefault(kind, []).append(rss)
    return {"seconds": seconds, "peak_rss_total_mib": peak_total, "peak_rss_workers_mib": peak_workers,
            "peak_rss_by_kind_mib": {k: round(max(v), 1) for k, v in by_kind.items()},
            "processes_by_kind": {k: len(v) for k, v in by_kind.items()}, "stderr_tail": err.strip().splitlines()[-4:]}


def _kind(p: psutil.Process, root: psutil.Process) -> str:
    if p.pid == root.pid:
        return "driver"
    name = p.name()
    if "java" in name:
        return "jvm"
    cmdline = " ".join(p.cmdline())
    return "python worker" if "pyspark" in cmdline or "python" in name else name


def _cmds(src: Path, out: Path, engine: str, args: argparse.Namespace) -> list[str]:
    base = [sys.executable, "-m", "yuefu_nlp.cli", "score", str(src), "-o", str(out), "--backend", args.backend,
            "--batch-size", str(args.batch_size), "--no-progress"]
    return base + (["--engine", "spark", "--master", args.master] if engine == "spark" else [])


def _run_engine(engine: str, big: Path, small: Path, tmp: Path, args: argparse.Namespace, rows: int) -> dict:
    """The small run (start-up) and the big run of one engine; the local engine reads the CSV copies."""
    suffix = ".parquet" if engine == "spark" else ".csv"
    src_big, src_small = (big, small) if engine == "spark" else (big.with_suffix(".csv"), small.with_suffix(".csv"))
    warm = _measure(_cmds(src_small, tmp / f"{engine}_small{suffix}", engine, args))
    run = _measure(_cmds(src_big, tmp / f"{engine}_big{suffix}", engine, args))
    scoring_s = run["seconds"] - warm["seconds"]
    # start-up is taken out only where scoring dominates the run; else the difference is noise and wall is what we have
    steady = (rows - args.overhead_rows) / scoring_s if scoring_s > 0.5 * run["seconds"] else rows / run["seconds"]
    workers = run["peak_rss_by_kind_mib"].get("python worker", run["peak_rss_by_kind_mib"].get("driver", 0.0))
    print(f"{engine}: {rows:,} rows in {run['seconds']:.1f} s ({rows / run['seconds']:.0f} msgs/s wall, "
          f"{steady:.0f} steady; start-up run {warm['seconds']:.1f} s); peak RSS per worker {workers:.0f} MiB",
          file=sys.stderr)
    return {"engine": engine if engine == "local" else f"spark {args.master}", "rows": rows,
            "seconds": round(run["seconds"], 2), "msgs_per_s": round(rows / run["seconds"], 1),
            "startup_run": {"rows": args.overhead_rows, "seconds": round(warm["seconds"], 2)},
            "steady_msgs_per_s": round(steady, 1), "steady_is_wall": scoring_s <= 0.5 * run["seconds"], "peak_rss_per_worker_mib": round(workers, 1),
            "peak_rss_total_mib": round(run["peak_rss_total_mib"], 1),
            "peak_rss_workers_sum_mib": round(run["peak_rss_workers_mib"], 1),
            "peak_rss_by_kind_mib": run["peak_rss_by_kind_mib"], "processes_by_kind": run["processes_by_kind"],
            "summary": run["stderr_tail"]}


def projection_assumptions(cores: int, efficiency: float, backend: str) -> list[str]:
    """What the cluster projection takes for granted, stated next to its figures."""
    model_memo = [] if backend == "rules" else [
        ("traffic as repetitive as these generated rows, whose templates repeat with other names, amounts and "
         "dates: each worker's memo scores a text the model reads once, so a stream of distinct messages runs "
         "nearer the model's own rate (docs/evaluation/bench_streams.json, distinct stream)")]
    return [
        f"the Spark run's steady rate divided by its {cores} cores is what one executor core scores",
        "each core runs one task with one onnxruntime thread (spark.task.cpus=1, threads=1)",
        (f"{efficiency:.0%} of that rate is kept on a cluster (scheduling, reading and writing, "
         f"stragglers), taken as given, not measured"),
        "the same CPU class as this machine, and messages of the same length (about 55 characters)",
        *model_memo,
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--overhead-rows", type=int, default=500, help="rows of the start-up run (default 500)")
    ap.add_argument("--backend", default="fused", choices=["fused", "rules", "model"])
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cluster-cores", type=int, nargs="+", default=[16, 64, 256],
                    help="cluster sizes (cores running one task each) for the projection")
    ap.add_argument("--efficiency", type=float, default=0.85,
                    help="share of the per-core rate a cluster core keeps (scheduling, I/O, stragglers; assumed)")
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = ap.parse_args()
    cores = int(args.master[len("local["):-1]) if args.master.startswith("local[") and args.master[6:-1].isdigit() \
        else os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench_spark_") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        big = generate_messages(tmp / "messages.parquet", args.rows, seed=args.seed)
        small = generate_messages(tmp / "small.parquet", args.overhead_rows, seed=args.seed + 1)
        import pandas as pd

        for path in (big, small):
            pd.read_parquet(path).to_csv(path.with_suffix(".csv"), index=False)
        print(f"generated {args.rows:,} messages in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        runs = [_run_engine(engine, big, small, tmp, args, args.rows) for engine in ("local", "spark")]
    per_core = runs[1]["steady_msgs_per_s"] / cores
    table = [{"cores": n, "msgs_per_s": round(n * per_core * args.efficiency, 1),
              "hours_per_100m": round(1e8 / (n * per_core * args.efficiency) / 3600, 2)} for n in args.cluster_cores]
    figures = {
        "command": "python scripts/bench_spark.py " + " ".join(sys.argv[1:]),
        "what": (f"{args.rows:,} generated SMS (seed {args.seed}, about 15% abusive) scored with the {args.backend} "
                 f"backend at batch size {args.batch_size}: `yuefu score` on a CSV copy in one process (onnxruntime "
                 f"threads = the machine's cores) and `yuefu score --engine spark --master {args.master}` on the "
                 f"Parquet file (one onnxruntime thread per task). Wall time includes start-up; steady = (rows - "
                 f"{args.overhead_rows}) / (wall - wall of a {args.overhead_rows}-row run of the same engine), or the wall "
                 f"rate where start-up is over half the run (steady_is_wall). Peak "
                 f"RSS polled with psutil every {_POLL_S} s over the child's process tree."),
        "backend": args.backend, "rows": args.rows, "batch_size": args.batch_size, "master": args.master,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    # other work on the machine slows both engines: the 1, 5 and 15 minute load averages at the end
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "runs": runs,
        "projection": {
            "per_core_msgs_per_s": round(per_core, 1), "efficiency": args.efficiency, "table": table,
            "assumptions": projection_assumptions(cores, args.efficiency, args.backend),
        },
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
