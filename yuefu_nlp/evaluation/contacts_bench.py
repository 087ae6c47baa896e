"""The contact-log benchmark: a synthetic log of millions of events made by DuckDB itself, and the table of its figures.

Why generate with DuckDB: ten million rows through Python would take longer than the detection being measured. The
log imitates a collection operation's export (mostly daytime calls, some SMS and app messages, a tenth to third
parties, a few debtor replies, some of them asking for contact to stop); it is for speed and memory, not accuracy.
scripts/bench_contacts.py is the command line; docs/EVALUATION.md shows the figures (evaluation_doc.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["contacts_bench_table", "generate_log"]


def generate_log(path: str | Path, events: int, *, debtors: int, collectors: int = 2000, days: int = 28,
                 seed: int = 0, threads: int | None = None) -> None:
    """Write a Parquet contact log of `events` rows (columns as LogColumns' defaults; time a naive local TIMESTAMP).
    Deterministic for a seed: every value is a hash of the row number and the seed."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")

    def h(k: int) -> str:
        """One hash per column, of a distinct integer: hash(i, seed, k) for several k are correlated in DuckDB."""
        return f"hash(({int(seed)} * 1000003 + i) * 16 + {k})"

    con.execute(f"""
        COPY (
          SELECT
            TIMESTAMP '2024-03-04 00:00:00' + to_days(CAST({h(1)} % {days} AS INTEGER))
              + to_seconds(CAST(CASE WHEN {h(2)} % 100 < 94 THEN 8 * 3600 + {h(3)} % (14 * 3600)
                                     ELSE {h(3)} % 86400 END AS BIGINT)) AS time,
            'D' || lpad(CAST({h(4)} % {debtors} AS VARCHAR), 7, '0') AS debtor_id,
            'C' || lpad(CAST({h(5)} % {collectors} AS VARCHAR), 4, '0') AS collector_id,
            CASE WHEN {h(6)} % 100 < 70 THEN 'call' WHEN {h(6)} % 100 < 95 THEN 'sms' ELSE 'app' END AS channel,
            CASE WHEN {h(7)} % 100 < 90 THEN 'debtor'
                 ELSE ['mother', 'spouse', 'colleague', 'emergency_contact'][CAST(1 + {h(8)} % 4 AS BIGINT)] END AS recipient,
            CASE WHEN {h(9)} % 1000 < 975 THEN 'out' WHEN {h(9)} % 1000 < 995 THEN 'in' ELSE 'note' END AS direction,
            CASE WHEN {h(9)} % 1000 >= 975 AND {h(10)} % 10 < 1 THEN '我没钱，别再打了'
                 WHEN {h(9)} % 1000 >= 975 THEN '下周一定还'
                 WHEN {h(6)} % 100 >= 70 THEN '您的账单已逾期，请尽快还款，如有疑问请回电。'
                 ELSE NULL END AS text
          FROM range({int(events)}) t(i)
        ) TO '{str(path).replace("'", "''")}' (FORMAT parquet, COMPRESSION zstd)""")
    con.close()


def contacts_bench_table(figures: dict[str, Any]) -> str:
    """Markdown: one row per run of scripts/bench_contacts.py's JSON (`runs`), with the machine and the settings."""
    runs = figures.get("runs", [])
    lines = ["| events | debtors | threads | memory limit | seconds | events/s | peak RSS (MiB) | findings |",
             "|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in runs:
        lines.append(f"| {r['events']:,} | {r['debtors']:,} | {r['threads']} | {r['memory_limit']} | "
                     f"{r['seconds']:.1f} | {r['events_per_s']:,.0f} | {r['peak_rss_mib']:,.0f} | "
                     f"{r['findings']:,} |")
    env = figures.get("environment", {})
    note = (f"Machine: {env.get('cpus', '?')} CPUs, {env.get('memory_gib', '?')} GiB RAM, DuckDB "
            f"{env.get('duckdb', '?')}, Python {env.get('python', '?')}. Log: {figures.get('log', '?')}.")
    return "\n".join(lines) + "\n\n" + note
