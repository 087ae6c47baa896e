"""Throughput of `yuefu score` on message streams, today's code against a released commit, side by side in one run
(scripts/bench_streams.py; issue #16).

Three generated streams, seeded, of SMS-length collection messages (the templates are in this file):
- `templated`: every message is one of a few hundred templates with a debtor's name, amount, due date and days
  overdue filled in: what a lender's reminder system sends. Copies are exact only where the same debtor gets the
  same template again.
- `repeated`: the same templates, with most messages a notice that names no one (sent verbatim to many debtors), the
  rest filled in as above.
- `distinct`: messages with no exact copy (each a different combination of two corpus texts).
Each stream is scored in a subprocess per system, so load time, memory and imports are each system's own. The release
is checked out with `git archive` into a temporary folder and run with this environment's packages.
"""
from __future__ import annotations

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any, Sequence

from ..errors import BenchmarkError, ConfigError
from ..runtime.paths import REPO_ROOT

__all__ = ["RELEASE", "STREAMS", "make_stream", "run_system", "compare_outputs"]

RELEASE = "2124c4c"  # the release issue #16 measures against
STREAMS = ("templated", "repeated", "distinct")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
_PLATFORMS = ("抖音月付", "花呗", "借呗", "京东白条", "美团月付", "分期乐", "安逸花", "招联金融")
_TEMPLATES = (
    "【{p}】尊敬的{n}，您的账单{a}元已逾期{d}天，请于{t}前还款，以免影响您的信用记录。",
    "【{p}】{n}您好，您本期应还{a}元，还款日为{t}，请按时还款。如已还款请忽略。",
    "{n}，你欠{p}的{a}元已经逾期{d}天了，今天必须还清，不然后果自负。",
    "【{p}】{n}，您的借款已逾期{d}天，欠款{a}元。我们将联系您的紧急联系人核实情况。",
    "{n}你个老赖，欠{a}元逾期{d}天还不还，再不还我们就去你单位找你。",
    "【{p}】温馨提示：{n}，您有一笔{a}元的账单将于{t}到期，可通过App一键还款。",
    "{n}，你的逾期已经涉嫌诈骗，{t}前不还{a}元，我们将移交公安机关立案处理。",
    "【{p}】{n}，您已逾期{d}天，逾期将产生罚息，请尽快处理，咨询请拨打客服热线。",
    "{n}，我们已经把你欠{p}{a}元的事告诉了你的家人和同事，赶紧还钱。",
    "【{p}】尊敬的用户{n}，您的还款计划已更新，{t}需还款{a}元，感谢您的配合。",
)
_NOTICES = (
    "【{p}】您的账单已逾期，请尽快登录App还款，以免产生额外费用。",
    "【{p}】温馨提示：本期账单即将到期，请保证还款账户余额充足。",
    "【{p}】您有一笔逾期款项未处理，请尽快还款，如已还款请忽略本短信。",
    "你再不还钱，我们就上门找你，别怪我们不客气。",
    "【{p}】系统已为您生成还款计划，详情请登录App查看。",
)


def _debtor(rng: random.Random) -> dict[str, str]:
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.6 else "")
    return {"n": name if rng.random() < 0.5 else name[0] + rng.choice(("先生", "女士")),
            "a": f"{rng.randint(100, 30000)}.{rng.randint(0, 99):02d}", "d": str(rng.randint(1, 120)),
            "t": f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日", "p": rng.choice(_PLATFORMS)}


def make_stream(kind: str, n: int, seed: int = 0, corpus: Sequence[str] = ()) -> list[str]:
    """`n` messages of stream `kind` (see the module docstring)."""
    rng = random.Random(seed)
    if kind == "distinct":
        pool = list(corpus)
        if len(pool) < 2:
            raise ConfigError("the distinct stream needs a corpus of texts")
        out, seen = [], set()
        while len(out) < n:
            text = (rng.choice(pool) + "，" + rng.choice(pool))[:140]
            if text not in seen:
                seen.add(text)
                out.append(text)
        return out
    debtors = [_debtor(rng) for _ in range(max(n // 4, 1))]  # about four messages per debtor in the stream
    templates = [t.replace("{p}", p) for t in _TEMPLATES for p in _PLATFORMS] * 4  # a few hundred, as the issue says
    out = []
    for _ in range(n):
        if kind == "repeated" and rng.random() < 0.7:
            out.append(rng.choice(_NOTICES).format(p=rng.choice(_PLATFORMS)))
            continue
        d = rng.choice(debtors)
        out.append(rng.choice(templates).format(**d))
    return out


def write_csv(texts: Sequence[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([i, t] for i, t in enumerate(texts))


def release_tree(commit: str, dest: Path) -> Path:
    """The files of `commit` (code and its shipped model) under `dest`, via git archive."""
    data = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", commit],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def run_system(tree: Path, src: Path, out: Path, extra: Sequence[str] = ()) -> dict[str, Any]:
    """`yuefu score src -o out` of the code in `tree`, in a child process: seconds (load included), msgs/s, the
    child's peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(tree), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("YUEFU_MODEL_DIR", None)
    code = ("import resource, sys, time; t = time.perf_counter(); from yuefu_nlp.cli import main; "
            "rc = main(sys.argv[1:]); print('SECONDS', time.perf_counter() - t, 'RSS', "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    cmd = [sys.executable, "-c", code, "score", str(src), "-o", str(out), "--backend", "fused", "--no-progress",
           *extra]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchmarkError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("SECONDS"))
    parts = line.split()
    rows = sum(1 for _ in csv.reader(out.open(encoding="utf-8-sig"))) - 1
    seconds = float(parts[1])
    return {"seconds": round(seconds, 3), "rows": rows, "msgs_per_s": round(rows / seconds, 1),
            "peak_rss_mb": round(int(parts[3]) / 1024, 1)}


def compare_outputs(a: Path, b: Path) -> dict[str, Any]:
    """How two scored CSVs of the same input agree: identical rows (every added column), and labels."""
    ra = list(csv.DictReader(a.open(encoding="utf-8-sig")))
    rb = list(csv.DictReader(b.open(encoding="utf-8-sig")))
    added = [c for c in ra[0] if c not in ("id", "text")] if ra else []
    same = sum(all(x.get(c) == y.get(c) for c in added if c in y) for x, y in zip(ra, rb))
    labels = sum(x["labels"] == y["labels"] for x, y in zip(ra, rb))
    return {"rows": len(ra), "identical_rows": same, "same_labels": labels}


def distinct_model_inputs(texts: Sequence[str]) -> int:
    """How many different inputs today's shipped model reads in `texts` (its memo scores each once): the model text
    (`pipeline.stages.model_text`) as the model's encoder canonicalizes it (slot masking, when the model has it)."""
    from ..pipeline.stages import model_text
    from ..runtime.onnx_scorer import OnnxScorer
    from ..text.normalize import Normalizer

    norm, encoder = Normalizer(), OnnxScorer.load(threads=1).encoder
    return len({encoder.canonical(model_text(t, norm)) for t in texts} - {""})


def bench(n: int, seed: int, corpus: Sequence[str], release: str = RELEASE, rounds: int = 3) -> dict[str, Any]:
    """Every stream through the release, today's code without its memo, and today's code, `rounds` times in turn
    (the best round of each counts: the least disturbed by whatever else the machine did): figures and agreement."""
    results: dict[str, Any] = {"release": release, "n": n, "seed": seed, "cores": os.cpu_count(), "rounds": rounds,
                               "load_average_before": list(os.getloadavg()),
                               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "streams": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        old = release_tree(release, tmpd / "release")
        for kind in STREAMS:
            texts = make_stream(kind, n, seed, corpus)
            src = tmpd / f"{kind}.csv"
            write_csv(texts, src)
            systems = {"release": (old, []), "today_no_memo": (REPO_ROOT, ["--no-memo"]), "today": (REPO_ROOT, [])}
            all_runs: dict[str, list[dict[str, Any]]] = {name: [] for name in systems}
            for _ in range(rounds):
                for name, (tree, extra) in systems.items():
                    all_runs[name].append(run_system(tree, src, tmpd / f"{kind}.{name}.csv", extra))
            runs = {name: {**max(rs, key=lambda r: r["msgs_per_s"]),
                           "all_msgs_per_s": [r["msgs_per_s"] for r in rs]} for name, rs in all_runs.items()}
            results["streams"][kind] = {
                "distinct_texts": len(set(texts)), "distinct_model_inputs": distinct_model_inputs(texts),
                "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
                "runs": runs,
                "speedup_vs_release": round(runs["today"]["msgs_per_s"] / runs["release"]["msgs_per_s"], 2),
                "memo_speedup": round(runs["today"]["msgs_per_s"] / runs["today_no_memo"]["msgs_per_s"], 2),
                "memo_vs_no_memo": compare_outputs(tmpd / f"{kind}.today.csv", tmpd / f"{kind}.today_no_memo.csv"),
                "today_vs_release": compare_outputs(tmpd / f"{kind}.today.csv", tmpd / f"{kind}.release.csv"),
            }
    results["peak_rss_parent_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["load_average_after"] = list(os.getloadavg())
    return results


def stream_table(figures: dict[str, Any]) -> str:
    """Markdown: msgs/s per stream and system, the ratios, and whether the memo changed any output."""
    lines = ["| stream | distinct texts | distinct model inputs | release msgs/s | today, no memo | today | × release | "
             "× memo | memo output identical | labels as release |", "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for kind, s in figures["streams"].items():
        r = s["runs"]
        same = s["memo_vs_no_memo"]
        lines.append(f"| {kind} | {s['distinct_texts']:,} of {figures['n']:,} | "
                     f"{s.get('distinct_model_inputs', '—'):,} | {r['release']['msgs_per_s']:.0f} | "
                     f"{r['today_no_memo']['msgs_per_s']:.0f} | {r['today']['msgs_per_s']:.0f} | "
                     f"×{s['speedup_vs_release']:.2f} | ×{s['memo_speedup']:.2f} | "
                     f"{'yes' if same['identical_rows'] == same['rows'] else 'NO'} "
                     f"({same['identical_rows']:,}/{same['rows']:,}) | "
                     f"{s['today_vs_release']['same_labels'] / max(s['today_vs_release']['rows'], 1):.1%} |")
    return "\n".join(lines)


def load(path: str | Path) -> dict[str, Any] | None:
    p = Path(path)
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
