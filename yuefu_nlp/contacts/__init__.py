"""Harassment (骚扰) in contact logs: who was contacted how often, when, by whom, after asking for it to stop.

A message can be lawful on its own and still be part of harassment: the tenth call of the day, a call at midnight, a
call after the debtor asked for contact to stop. This package reads a contact log (CSV, Parquet, JSONL or a
DataFrame), applies a contact policy (resources/contact_policy.yaml: industry practice, not law) with DuckDB SQL, and
reports one finding per debtor and local day, with the events that make it and the articles whose wording covers it.
DuckDB is the optional `contacts` extra; it is imported only when a log is read. docs/CONTACTS.md describes it all.
"""
from __future__ import annotations

from .engine import LogColumns
from .findings import (
    ContactEvent,
    ContactsReport,
    ContactsSummary,
    HarassmentFinding,
    RowProblem,
    find_harassment,
    meta_path,
    problems_path,
    write_findings,
)
from .policy import DEFAULT_POLICY, RULES, Policy, Rule, load_policy

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "ContactEvent",
    "ContactsReport",
    "ContactsSummary",
    "HarassmentFinding",
    "LogColumns",
    "Policy",
    "RowProblem",
    "Rule",
    "find_harassment",
    "load_policy",
    "meta_path",
    "problems_path",
    "write_findings",
]
