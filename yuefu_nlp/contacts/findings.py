"""What `yuefu contacts` hands back: frozen findings for Python callers, and the findings CSV written atomically.

Both come from the same `findings` table of the engine, so the Python objects and the CSV cannot disagree: the CSV is
DuckDB's COPY of that table, the dataclasses are its rows parsed. One finding = one debtor on one local day with at
least one contact that breaks a rule of the policy; a reviewer works through debtor-days, highest risk first.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import new_part, publish, remove_part
from ..domain import PATTERN_LABEL_ZH, PatternLabel, Risk
from ..errors import InputError
from ..types import Citation
from .engine import (
    FINDING_COLUMNS,
    PROBLEM_COLUMNS,
    LogColumns,
    connect,
    detect,
    load_log,
)
from .policy import RULES, Policy, load_policy

__all__ = [
    "ContactEvent",
    "ContactsReport",
    "ContactsSummary",
    "HarassmentFinding",
    "RowProblem",
    "find_harassment",
    "meta_path",
    "problems_path",
    "write_findings",
]

_ORDER = "ORDER BY _risk_rank, _day, debtor"
DEFAULT_COLUMNS = LogColumns()


@dataclass(frozen=True)
class ContactEvent:
    """One event of the log named as evidence: its 1-based row, local time with offset, who, how, to whom, the rules
    it falls under (`stop_request` for the debtor's request itself) and the start of its text."""

    row: int
    time: str
    collector: str
    channel: str
    recipient: str
    direction: str
    rules: tuple[str, ...]
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "time": self.time, "collector": self.collector, "channel": self.channel,
                "recipient": self.recipient, "direction": self.direction, "rules": list(self.rules), "text": self.text}


@dataclass(frozen=True)
class HarassmentFinding:
    """A `harassment` (骚扰) pattern: one debtor, one local day, the policy rules broken, the counts behind them and
    the events that make it (at most the policy's evidence.max_events; `flagged_events` counts them all)."""

    debtor: str
    date: dt.date
    risk: Risk
    rules: tuple[str, ...]
    contacts: int
    contacts_to_debtor: int
    third_party_contacts: int
    quiet_hour_contacts: int
    largest_burst: int
    week_contacts_to_date: int
    contacts_after_stop: int
    stop_requested_at: str
    flagged_events: int
    first_event: str
    last_event: str
    collectors: tuple[str, ...]
    channels: tuple[str, ...]
    evidence: tuple[ContactEvent, ...]
    citations: tuple[Citation, ...]
    label: PatternLabel = PatternLabel.HARASSMENT

    @property
    def label_zh(self) -> str:
        return PATTERN_LABEL_ZH[self.label]


@dataclass(frozen=True)
class RowProblem:
    """A log record left out of the detection, and why (row None: a CSV record that could not be read, named by
    line in `field`)."""

    row: int | None
    field: str
    value: str
    problem: str


@dataclass
class ContactsSummary:
    """What a run did; printed at the end of `yuefu contacts`."""

    events: int = 0
    contacts: int = 0
    debtors: int = 0
    stop_requests: int = 0
    problems: int = 0
    findings: int = 0
    per_rule: dict[str, int] = field(default_factory=lambda: {r: 0 for r in RULES})
    risk: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0})
    missing_columns: tuple[str, ...] = ()
    seconds: float = 0.0

    def format(self) -> str:
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        lines = [
            (f"events {self.events:,} | outbound contacts {self.contacts:,} | debtors {self.debtors:,} | "
             f"stop requests {self.stop_requests:,} | rows left out {self.problems:,}"),
            f"findings (debtor-days) {self.findings:,}: " + ", ".join(f"{k} {v}" for k, v in self.risk.items()),
            "per rule: " + ", ".join(f"{k} {v}" for k, v in self.per_rule.items()),
            f"{self.seconds:.1f} s ({rate:,.0f} events/s)",
        ]
        if self.missing_columns:
            lines.append("not in the log (defaults used): " + ", ".join(self.missing_columns))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events, "contacts": self.contacts, "debtors": self.debtors,
                "stop_requests": self.stop_requests, "problems": self.problems, "findings": self.findings,
                "per_rule": self.per_rule, "risk": self.risk, "missing_columns": list(self.missing_columns),
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class ContactsReport:
    """find_harassment's answer: the findings (highest risk first, then date, then debtor), the rows left out."""

    findings: tuple[HarassmentFinding, ...]
    problems: tuple[RowProblem, ...]
    summary: ContactsSummary
    policy: Policy


def _split(value: str) -> tuple[str, ...]:
    return tuple(value.split("|")) if value else ()


def _finding(row: dict[str, Any], by_text: dict[str, Citation]) -> HarassmentFinding:
    events = tuple(ContactEvent(**{**e, "rules": tuple(e["rules"])}) for e in json.loads(row["evidence"]))
    return HarassmentFinding(
        debtor=row["debtor"], date=dt.date.fromisoformat(row["date"]), risk=Risk(row["risk"]),
        rules=_split(row["rules"]), contacts=row["contacts"], contacts_to_debtor=row["contacts_to_debtor"],
        third_party_contacts=row["third_party_contacts"], quiet_hour_contacts=row["quiet_hour_contacts"],
        largest_burst=row["largest_burst"], week_contacts_to_date=row["week_contacts_to_date"],
        contacts_after_stop=row["contacts_after_stop"], stop_requested_at=row["stop_requested_at"],
        flagged_events=row["flagged_events"], first_event=row["first_event"], last_event=row["last_event"],
        collectors=_split(row["collectors"]), channels=_split(row["channels"]), evidence=events,
        citations=tuple(by_text[c] for c in _split(row["citations"])),
    )


def _summarise(con: Any, have: dict[str, bool], columns: LogColumns) -> ContactsSummary:
    s = ContactsSummary()
    s.events = con.execute("SELECT (SELECT count(*) FROM ev) + (SELECT count(DISTINCT row) FROM problems "
                           "WHERE row IS NOT NULL)").fetchone()[0]
    s.contacts = con.execute("SELECT count(*) FROM ev WHERE direction = 'out'").fetchone()[0]
    s.debtors = con.execute("SELECT count(DISTINCT debtor) FROM ev").fetchone()[0]
    s.stop_requests = con.execute("SELECT count(*) FROM stops").fetchone()[0]
    s.problems = con.execute("SELECT count(*) FROM problems").fetchone()[0]
    s.findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
    for rule, n in con.execute("SELECT r, count(*) FROM (SELECT unnest(string_split(rules, '|')) AS r FROM findings) "
                               "GROUP BY r").fetchall():
        s.per_rule[rule] = n
    for level, n in con.execute("SELECT risk, count(*) FROM findings GROUP BY risk").fetchall():
        s.risk[level] = n
    s.missing_columns = tuple(getattr(columns, r) for r, ok in have.items() if not ok)
    return s


def _run(log: Any, policy: Policy | str | Path | None, columns: LogColumns, fmt: str | None, threads: int | None,
         memory_limit: str, work_dir: str | Path | None, then: Callable[[Any], Any]) -> tuple[Any, ContactsSummary,
                                                                                            Policy]:
    started = time.perf_counter()
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    with connect(pol, threads=threads, memory_limit=memory_limit, work_dir=work_dir) as con:
        have = load_log(con, log, columns, fmt)
        detect(con, pol, have, columns)
        summary = _summarise(con, have, columns)
        out = then(con)
    summary.seconds = time.perf_counter() - started
    return out, summary, pol


def find_harassment(log: Any, *, policy: Policy | str | Path | None = None, columns: LogColumns = DEFAULT_COLUMNS,
                    fmt: str | None = None, threads: int | None = None, memory_limit: str = "2GB",
                    work_dir: str | Path | None = None) -> ContactsReport:
    """Harassment patterns in a contact log: a CSV, Parquet or JSONL path, or a pandas DataFrame. `policy`: a Policy,
    a policy YAML path, or None for the shipped default. Findings are held in memory: for very large logs with many
    findings, write them with write_findings instead."""
    def fetch(con: Any) -> tuple[list[dict[str, Any]], list[tuple]]:
        cur = con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings {_ORDER}")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        problems = con.execute(f"SELECT {', '.join(PROBLEM_COLUMNS)} FROM problems ORDER BY row NULLS FIRST, field"
                               ).fetchall()
        return rows, problems

    (rows, problems), summary, pol = _run(log, policy, columns, fmt, threads, memory_limit, work_dir, fetch)
    by_text = {str(c): c for r in pol.rules.values() for c in r.citations} | {str(c): c for c in pol.message_citations}
    return ContactsReport(
        findings=tuple(_finding(r, by_text) for r in rows),
        problems=tuple(RowProblem(row, f, v if v is not None else "", p) for row, f, v, p in problems),
        summary=summary, policy=pol,
    )


def problems_path(out_path: str | Path) -> Path:
    """`findings.csv` -> `findings.csv.problems.csv`: the rows left out, and why."""
    return Path(f"{out_path}.problems.csv")


def meta_path(out_path: str | Path) -> Path:
    """`findings.csv` -> `findings.csv.meta.json`: the policy (file, sha256, time zone) and the run's counts."""
    return Path(f"{out_path}.meta.json")


class _Atomic:
    """A part file beside the target (atomic.py: process-id name, dead runs' parts removed, umask kept), which DuckDB
    writes by name; renamed over the target only when complete."""

    def __init__(self, target: Path) -> None:
        name, _ = new_part(str(target), "findings.csv")
        self.target, self.tmp = target, Path(name)

    def commit(self) -> None:
        with open(self.tmp, "rb") as fh:
            os.fsync(fh.fileno())
        publish(str(self.tmp), str(self.target))

    def abort(self) -> None:
        remove_part(str(self.tmp))


def write_findings(log: Any, out_path: str | Path, *, policy: Policy | str | Path | None = None,
                   columns: LogColumns = DEFAULT_COLUMNS, fmt: str | None = None, threads: int | None = None,
                   memory_limit: str = "2GB", work_dir: str | Path | None = None,
                   force: bool = False) -> ContactsSummary:
    """Write the findings CSV (FINDING_COLUMNS, highest risk first), `<out>.problems.csv` and `<out>.meta.json`,
    each atomically. The findings never pass through Python objects, so their number does not bound memory."""
    out = Path(out_path)
    if not force and isinstance(log, (str, Path)) and out.exists() and out.resolve() == Path(log).resolve():
        raise InputError(f"the output {out} is the log; choose another -o (or pass --force to replace it)")
    parts = [_Atomic(out), _Atomic(problems_path(out)), _Atomic(meta_path(out))]

    def copy(con: Any) -> None:
        con.execute(f"COPY (SELECT {', '.join(FINDING_COLUMNS)} FROM findings {_ORDER}) TO "
                    f"'{str(parts[0].tmp).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',', QUOTE '\"')")
        con.execute(f"COPY (SELECT {', '.join(PROBLEM_COLUMNS)} FROM problems ORDER BY row NULLS FIRST, field) TO "
                    f"'{str(parts[1].tmp).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',', QUOTE '\"')")

    try:
        _, summary, pol = _run(log, policy, columns, fmt, threads, memory_limit, work_dir, copy)
        meta = {"label": str(PatternLabel.HARASSMENT), "source": str(log) if isinstance(log, (str, Path)) else "frame",
                "policy": {"file": pol.source, "sha256": pol.sha256, "timezone": pol.timezone,
                           "rules": [r.name for r in pol.enabled]},
                "columns": {k: getattr(columns, k) for k in LogColumns.__dataclass_fields__},
                "summary": summary.to_dict()}
        parts[2].tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for part in parts:
            part.commit()
    except BaseException:
        for part in parts:
            part.abort()
        raise
    return summary
