"""The Spark benchmark's pieces (scripts/bench_spark.py): a seeded Parquet of realistic collection SMS, and the table
docs/EVALUATION.md shows from docs/evaluation/bench_spark.json.

The messages are templates with names, amounts, dates and products filled in: mostly lawful reminders and notices
(the bulk of a real export), some abusive ones of each label. They measure speed and memory, not accuracy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["generate_messages", "spark_bench_table"]

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国志红梅鹏飞宇浩然晨欣怡子涵")
_PRODUCTS = ["抖音月付", "XX消费金融", "某某白条", "安心借", "快易花", "信用购"]
_CLEAN = [
    "【{p}】尊敬的{n}，您本期账单{a}元将于{m}月{d}日到期，请及时还款以免产生逾期记录。如已还款请忽略。",
    "【{p}】{n}您好，您的借款已逾期{k}天，当前应还{a}元。逾期信息将按规定报送金融信用信息基础数据库，请尽快处理。",
    "【{p}】温馨提示：{n}，您有一笔{a}元的账单待还，可在App内申请分期或联系客服协商还款方案。",
    "{n}您好，我是{p}的客服，关于您{m}月{d}日到期的{a}元欠款，方便的时候请回电，我们可以协商还款计划。",
    "【{p}】您已成功还款{a}元，感谢您的支持，剩余应还金额请在{m}月{d}日前处理。",
    "{n}先生/女士，您在{p}的账户已逾期{k}天，如对账单有异议，请拨打客服热线核实，我们会依法依规处理。",
    "【{p}】{n}，您的还款日为{m}月{d}日，应还{a}元。若逾期，平台可能依法提起民事诉讼，请按时还款。",
]
_ABUSIVE = [
    "{n}你这个老赖，欠{p}的{a}元还想赖掉？明天我们的人就去你家门口等你。",
    "{n}，再不还{a}元，我们就把你欠钱的事发到你所有联系人和单位群里，让大家都知道你是骗子。",
    "{n}你已涉嫌诈骗，公安已经立案，{m}月{d}日前不还{a}元就上门拘留你，还会影响你孩子政审。",
    "{n}你个废物，{p}的{a}元拖了{k}天，你全家都跟着丢人，小心你出门的时候。",
    "通知{n}的紧急联系人：{n}在{p}欠款{a}元逾期{k}天，你不替他还，我们天天打给你。",
    "我是法院执行局的，{n}欠{p}{a}元，明天法院冻结你所有银行卡，传票已经寄出。",
]


def generate_messages(path: str | Path, rows: int, *, seed: int = 0, abusive_share: float = 0.15) -> Path:
    """Write `rows` messages to a Parquet file (columns id, sent_at, product, text); the same seed gives the same file."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    abusive = rng.random(rows) < abusive_share
    template = np.where(abusive, rng.integers(0, len(_ABUSIVE), rows), rng.integers(0, len(_CLEAN), rows))
    surname = rng.integers(0, len(_SURNAMES), rows)
    given = rng.integers(0, len(_GIVEN), (rows, 2))
    two_chars = rng.random(rows) < 0.6
    product = rng.integers(0, len(_PRODUCTS), rows)
    amount = np.round(rng.lognormal(7.5, 1.0, rows), 2)
    month, day, late = rng.integers(1, 13, rows), rng.integers(1, 29, rows), rng.integers(1, 181, rows)
    texts = []
    for i in range(rows):
        name = _SURNAMES[surname[i]] + _GIVEN[given[i, 0]] + (_GIVEN[given[i, 1]] if two_chars[i] else "")
        fmt = (_ABUSIVE if abusive[i] else _CLEAN)[template[i]]
        texts.append(fmt.format(n=name, p=_PRODUCTS[product[i]], a=f"{amount[i]:,.2f}", m=month[i], d=day[i], k=late[i]))
    sent = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 90 * 86_400, rows), unit="s")
    frame = pd.DataFrame({"id": np.arange(rows, dtype=np.int64), "sent_at": sent.astype(str),
                          "product": [_PRODUCTS[j] for j in product], "text": texts})
    out = Path(path)
    frame.to_parquet(out, index=False, row_group_size=50_000)
    return out


def spark_bench_table(figures: dict[str, Any]) -> str:
    """docs/EVALUATION.md's Spark table: one row per engine, then the projection and what it assumes."""
    lines = ["| engine | rows | wall s | msgs/s (wall) | msgs/s (steady) | peak RSS per worker (MiB) | peak RSS all (MiB) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for run in figures["runs"]:
        lines.append(f"| {run['engine']} | {run['rows']:,} | {run['seconds']:.1f} | {run['msgs_per_s']:.0f} | "
                     f"{run['steady_msgs_per_s']:.0f} | {run['peak_rss_per_worker_mib']:.0f} | "
                     f"{run['peak_rss_total_mib']:.0f} |")
    proj = figures["projection"]
    lines += ["", f"Projection from the Spark run's steady rate ({proj['per_core_msgs_per_s']:.0f} msgs/s per core): "
              + ", ".join(f"{row['cores']} cores ≈ {row['msgs_per_s']:,.0f} msgs/s "
                          f"({row['hours_per_100m']:.1f} h per 100M messages)" for row in proj["table"])
              + ". Assumes: " + "; ".join(proj["assumptions"]) + "."]
    machine = figures.get("machine", {})
    if machine.get("load_average_at_end"):
        lines += ["", (f"Machine: {machine['cpus']} CPUs, Python {machine['python']}, shared with other work (load "
                  f"average {', '.join(map(str, machine['load_average_at_end']))} over 1, 5 and 15 minutes at the "
                  f"end of the run): both engines' rates are lower bounds, their ratio the fairer figure.")]
    if figures.get("note"):
        lines += ["", figures["note"]]
    return "\n".join(lines)
