"""The detection itself, as DuckDB SQL: a contact log of tens of millions of events in bounded memory.

Why SQL and not Python grouping: the patterns are per-debtor windows over time (day, week, N minutes), which a columnar
engine computes with sorted window functions and spills to disk when memory runs short; Python dicts of lists would
hold the whole log. The work happens in a temporary DuckDB database file, so its tables live on disk, not in RAM.

Steps (each a table): `raw` (the log as read, in file order) -> `ev` (typed: time as an instant, direction, who the
recipient is; rows that cannot be typed go to `problems`) -> `stops` (the first stop request per debtor) -> `flags`
(each outbound contact with the rules it falls under) -> `findings` (one row per debtor and local day with at least
one flagged contact, as the text columns of the findings CSV).
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, MissingDependencyError
from .policy import RULES, Policy

__all__ = [
    "DIRECTIONS",
    "FINDING_COLUMNS",
    "PROBLEM_COLUMNS",
    "LogColumns",
    "connect",
    "detect",
    "input_format",
    "load_log",
]

# values of the direction column (lower-cased); blank means out. A value not listed is a row problem.
DIRECTIONS: dict[str, tuple[str, ...]] = {
    "out": ("out", "outbound", "outgoing", "呼出", "外呼", "发出", "sent"),
    "in": ("in", "inbound", "incoming", "呼入", "来电", "回复", "reply", "received"),
    "note": ("note", "备注", "memo", "记录"),
}
# the findings CSV, in column order (docs/CONTACTS.md)
FINDING_COLUMNS: tuple[str, ...] = (
    "debtor", "date", "label", "label_zh", "risk", "rules", "contacts", "contacts_to_debtor", "third_party_contacts",
    "quiet_hour_contacts", "largest_burst", "week_contacts_to_date", "contacts_after_stop", "stop_requested_at",
    "flagged_events", "first_event", "last_event", "collectors", "channels", "evidence", "citations",
)
PROBLEM_COLUMNS: tuple[str, ...] = ("row", "field", "value", "problem")
_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
            ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_RISK_ORDER = ("high", "medium", "low")
_EVIDENCE_PER_SLICE = 300_000  # evidence events aggregated at once (bounds the memory the lists take)


@dataclass(frozen=True)
class LogColumns:
    """Which column of the log holds what. `time` and `debtor` must be there; a missing optional column under its
    default name means "not recorded" (collector and text blank, channel unknown, recipient the debtor, direction
    out), a missing column named on purpose is an error."""

    time: str = "time"
    debtor: str = "debtor_id"
    collector: str = "collector_id"
    channel: str = "channel"
    recipient: str = "recipient"
    text: str = "text"
    direction: str = "direction"


_REQUIRED = ("time", "debtor")


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise MissingDependencyError(
            "yuefu contacts needs DuckDB, which is not installed: pip install 'yuefu_nlp[contacts]' "
            "(or pip install 'duckdb>=1.1')") from None
    return duckdb


def _lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]::VARCHAR[]"


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\.^$|?*+()[]{}" else ch for ch in text)


def input_format(path: str | Path, fmt: str | None = None) -> str:
    """csv, parquet or jsonl: `fmt` if given, else from the file's suffix."""
    if fmt:
        if fmt not in ("csv", "parquet", "jsonl"):
            raise InputError(f"unknown log format {fmt!r}; use csv, parquet or jsonl")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise InputError(f"cannot tell the format of {path} from its suffix; name it .csv, .parquet or .jsonl, "
                         f"or pass --format")
    return _FORMATS[suffix]


@contextmanager
def connect(policy: Policy, *, threads: int | None = None, memory_limit: str = "2GB",
            work_dir: str | Path | None = None) -> Iterator[Any]:
    """A DuckDB connection on a temporary database file (removed afterwards), with the policy's time zone as the
    session time zone (naive log times are read in it) and the memory and thread limits set."""
    duckdb = _duckdb()
    with tempfile.TemporaryDirectory(prefix="yuefu_contacts_", dir=work_dir) as tmp:
        con = duckdb.connect(os.path.join(tmp, "contacts.duckdb"))
        try:
            con.execute(f"SET memory_limit = {_lit(memory_limit)}")
            con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
            con.execute(f"SET temp_directory = {_lit(os.path.join(tmp, 'spill'))}")
            con.execute(f"SET TimeZone = {_lit(policy.timezone)}")
            con.execute("SET preserve_insertion_order = true")  # row numbers follow the file
            yield con
        except duckdb.Error as exc:
            raise InputError(f"DuckDB stopped: {exc}") from exc
        finally:
            con.close()


def _columns_of(con: Any, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def load_log(con: Any, source: Any, columns: LogColumns, fmt: str | None = None) -> dict[str, bool]:
    """Read the log into table `raw` (column `row`: the 1-based position of the record among those read). Returns
    which of the roles have a column. Broken CSV records are skipped and listed in `problems` by line."""
    duckdb = _duckdb()
    rejects = False
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"the log {path} does not exist or is not a file")
        kind = input_format(path, fmt)
        if kind == "csv":
            relation = f"read_csv({_lit(str(path))}, header = true, all_varchar = true, store_rejects = true)"
            rejects = True
        elif kind == "parquet":
            relation = f"read_parquet({_lit(str(path))})"
        else:
            relation = f"(SELECT json FROM read_ndjson_objects({_lit(str(path))}))"
    else:  # a pandas DataFrame (or anything DuckDB can scan)
        con.register("_log_frame", source)
        relation, kind = "_log_frame", "frame"
    try:
        present = _columns_of(con, relation) if kind != "jsonl" else None
    except duckdb.Error as exc:
        raise InputError(f"cannot read the log {source}: {exc}") from exc
    roles = {name: getattr(columns, name) for name in LogColumns.__dataclass_fields__}
    have: dict[str, bool] = {}
    if kind == "jsonl":
        keys = {k for (ks,) in con.execute(
            f"SELECT DISTINCT unnest(json_keys(json)) FROM {relation}").fetchall() for k in [ks]}
        present = sorted(keys)
    for role, name in roles.items():
        have[role] = name in present
        if not have[role] and (role in _REQUIRED or name != getattr(LogColumns, role)):
            raise InputError(f"the log has no column {name!r} (the {role} column); its columns are "
                             f"{', '.join(present[:30])}; name the right one with --{role}-col")
    if kind == "jsonl":
        select = ", ".join(f"json ->> {_lit(roles[r])} AS {_ident('c_' + r)}" for r in roles if have[r])
    else:
        select = ", ".join(f"CAST({_ident(roles[r])} AS VARCHAR) AS {_ident('c_' + r)}" for r in roles if have[r])
    try:
        con.execute(f"CREATE TABLE raw AS SELECT {select} FROM {relation}")
    except duckdb.Error as exc:
        raise InputError(f"cannot read the log {source}: {exc}") from exc
    con.execute("CREATE TABLE read_problems (row BIGINT, field VARCHAR, value VARCHAR, problem VARCHAR)")
    if rejects:
        con.execute("""INSERT INTO read_problems SELECT NULL, 'line ' || line, left(csv_line, 200),
                       'record skipped, not readable as CSV: ' || error_message FROM reject_errors""")
    return have


def _time_sql(col: str) -> str:
    """The instant of a log time: with an offset it is absolute; without, local in the session (policy) time zone.
    A value without a time of day (a bare date) is not accepted: it would put every event at midnight."""
    return (f"CASE WHEN regexp_matches({col}, '\\d:\\d\\d') THEN TRY_CAST(trim({col}) AS TIMESTAMPTZ) END")


def _in(values: tuple[str, ...], col: str) -> str:
    return f"list_contains({_list(values)}, {col})" if values else "false"


def _channel_ok(channels: tuple[str, ...]) -> str:
    return f"list_contains({_list(channels)}, channel)" if channels else "true"


def _iso(col: str) -> str:
    """An instant as local ISO 8601 with the policy zone's offset: 2024-03-01T22:30:00+08:00."""
    off = f"CAST(epoch(timezone(current_setting('TimeZone'), {col})) - epoch({col}) AS BIGINT)"
    return (f"strftime(timezone(current_setting('TimeZone'), {col}), '%Y-%m-%dT%H:%M:%S') || "
            f"CASE WHEN {off} < 0 THEN '-' ELSE '+' END || lpad(CAST(abs({off}) // 3600 AS VARCHAR), 2, '0') || ':' "
            f"|| lpad(CAST(abs({off}) % 3600 // 60 AS VARCHAR), 2, '0')")


def detect(con: Any, policy: Policy, have: dict[str, bool], columns: LogColumns | None = None) -> None:
    """Build tables `problems` (field: the log's column name), `stops`, `flags` and `findings` from `raw`."""
    columns = columns or LogColumns()
    rules = policy.rules
    col = {r: (f"c_{r}" if have.get(r) else "NULL") for r in LogColumns.__dataclass_fields__}
    tz = _lit(policy.timezone)
    cases = " ".join(f"WHEN list_contains({_list(v)}, d) THEN '{k}'" for k, v in DIRECTIONS.items())
    con.execute(f"""
        CREATE TABLE typed AS
        SELECT row, t AS raw_time, {_time_sql('t')} AS ts,
               NULLIF(trim(coalesce({col['debtor']}, '')), '') AS debtor,
               trim(coalesce({col['collector']}, '')) AS collector,
               lower(trim(coalesce({col['channel']}, ''))) AS channel,
               trim(coalesce({col['recipient']}, '')) AS recipient,
               {col['text']} AS text,
               {col['direction']} AS raw_direction,
               CASE WHEN d = '' THEN 'out' {cases} END AS direction
        FROM (SELECT rowid + 1 AS row, {col['time']} AS t, lower(trim(coalesce({col['direction']}, ''))) AS d, *
              FROM raw)""")
    con.execute("DROP TABLE raw")
    con.execute("SET preserve_insertion_order = false")  # row numbers are fixed now; order costs memory from here on
    con.execute(f"""
        CREATE TABLE problems AS
        SELECT * FROM read_problems
        UNION ALL SELECT row, {_lit(columns.time)}, raw_time,
            CASE WHEN coalesce(trim(raw_time), '') = '' THEN 'no time'
                 ELSE 'not a date-time with a time of day (e.g. 2024-03-01 22:30:00, 2024-03-01T14:30:00Z)' END
            FROM typed WHERE ts IS NULL
        UNION ALL SELECT row, {_lit(columns.debtor)}, '', 'no debtor id' FROM typed WHERE debtor IS NULL
        UNION ALL SELECT row, {_lit(columns.direction)}, raw_direction,
            'unknown direction; use out, in or note (docs/CONTACTS.md)' FROM typed WHERE direction IS NULL""")
    to_debtor = (f"(recipient = '' OR recipient = debtor OR {_in(policy.debtor_recipients, 'lower(recipient)')})")
    con.execute(f"""
        CREATE TABLE ev AS
        SELECT row, ts, epoch_ms(ts) AS ms, timezone({tz}, ts) AS local, debtor, collector, channel, recipient, text,
               direction, {to_debtor} AS to_debtor
        FROM typed WHERE ts IS NOT NULL AND debtor IS NOT NULL AND direction IS NOT NULL""")
    con.execute("DROP TABLE typed")

    stop = rules.get("after_stop")
    if stop is not None and stop.enabled:
        phrases = "|".join(_regex_escape(p) for p in stop.phrases)
        negated = (f"({'|'.join(_regex_escape(n) for n in stop.negations)})[^，。！？；,.!?;\\n]{{0,{stop.negation_window}}}"
                   f"({phrases})") if stop.negations else ""
        cleaned = f"regexp_replace(lower(text), {_lit(negated)}, '', 'g')" if negated else "lower(text)"
        is_stop = f"regexp_matches({cleaned}, {_lit(phrases)})"
    else:
        is_stop = "false"  # the table is still made, empty, so the findings query has the same shape
    con.execute(f"""
        CREATE TABLE stops AS
        SELECT debtor, min(ts) AS stop_ts,
               arg_min({{'row': row, 'time': {_iso('ts')}, 'collector': collector, 'channel': channel,
                        'recipient': recipient, 'direction': direction, 'rules': ['stop_request'],
                        'text': {_text(policy)}}}, (ms, row)) AS stop_event
        FROM ev
        WHERE direction IN ('in', 'note') AND to_debtor AND text IS NOT NULL AND {is_stop}
        GROUP BY debtor""")

    def on(name: str) -> bool:
        return name in rules and rules[name].enabled

    def counted(name: str, who: str = "to_debtor") -> str:
        return f"({who} AND {_channel_ok(rules[name].channels)})" if on(name) else "false"

    q = rules.get("quiet_hours")
    if on("quiet_hours") and q is not None:
        minute = "(hour(local) * 60 + minute(local))"
        inside = (f"{minute} >= {q.start_minute} AND {minute} < {q.end_minute}" if q.start_minute < q.end_minute
                  else f"({minute} >= {q.start_minute} OR {minute} < {q.end_minute})")
        quiet = f"({_channel_ok(q.channels)} AND {inside})"
    else:
        quiet = "false"
    burst_ms = rules["burst"].minutes * 60_000 if on("burst") else 0
    # the window steps carry only narrow columns (no strings but the debtor id); who, how and the text are joined back
    # for the flagged contacts alone
    con.execute(f"""
        CREATE TABLE counted AS
        SELECT c.row, c.debtor, c.ms, c.to_debtor, CAST(c.local AS DATE) AS day,
               CAST(date_trunc('week', c.local) AS DATE) AS week,
               {quiet} AS quiet, {counted('daily_cap')} AS dc, {counted('weekly_cap')} AS wc,
               {counted('burst')} AS bc, {counted('third_party', 'NOT to_debtor')} AS tp,
               {counted('after_stop')} AND c.ts > s.stop_ts AS after_stop
        FROM ev c LEFT JOIN stops s USING (debtor)
        WHERE c.direction = 'out'""")
    con.execute(f"""
        CREATE TABLE windows AS
        SELECT *,
               CASE WHEN dc THEN count(*) OVER (PARTITION BY debtor, day, dc) END AS day_n,
               CASE WHEN wc THEN row_number() OVER (PARTITION BY debtor, week, wc ORDER BY ms, row) END AS week_rank,
               CASE WHEN bc THEN count(*) OVER (PARTITION BY debtor, bc ORDER BY ms
                                               RANGE BETWEEN CURRENT ROW AND {burst_ms} FOLLOWING) END AS burst_fwd,
               CASE WHEN tp THEN count(*) OVER (PARTITION BY debtor, day, tp) END AS tp_n
        FROM counted""")
    con.execute("DROP TABLE counted")
    limit = {name: rules[name].limit if on(name) else 0 for name in RULES}
    flag = {
        "after_stop": "coalesce(after_stop, false)",
        "burst": f"coalesce(burst_max >= {limit['burst']}, false)",
        "quiet_hours": "quiet",
        "daily_cap": f"coalesce(day_n > {limit['daily_cap']}, false)",
        "weekly_cap": f"coalesce(week_rank > {limit['weekly_cap']}, false)",
        "third_party": f"coalesce(tp_n > {limit['third_party']}, false)",
    }
    # one boolean per rule (f_<rule>); lists of rule names are made later, for flagged events only
    con.execute(f"""
        CREATE TABLE flags AS
        SELECT *, {' OR '.join(f'f_{n}' for n in RULES)} AS flagged
        FROM (SELECT *, {', '.join(f'{flag[n]} AS f_{n}' for n in RULES)}
              FROM (SELECT *, CASE WHEN bc THEN max(burst_fwd) OVER (PARTITION BY debtor, bc ORDER BY ms
                                         RANGE BETWEEN {burst_ms} PRECEDING AND CURRENT ROW) END AS burst_max
                    FROM windows))""")
    con.execute("DROP TABLE windows")
    _findings(con, policy)


def _text(policy: Policy) -> str:
    return f"left(text, {policy.text_chars})" if policy.text_chars else "NULL::VARCHAR"


def _names(prefix: str) -> str:
    """The names of the rules whose boolean column `<prefix><rule>` is true, in RULES order. A list comprehension,
    not a lambda: lambda syntax changed between DuckDB versions, comprehensions did not."""
    return "[x FOR x IN [" + ", ".join(f"CASE WHEN {prefix}{n} THEN '{n}' END" for n in RULES) + "] IF x IS NOT NULL]"


def _findings(con: Any, policy: Policy) -> None:
    enabled = list(policy.enabled)
    has = {r.name: f"has_{r.name}" for r in enabled}
    risk = "CASE " + " ".join(
        f"WHEN {' OR '.join(has[r.name] for r in enabled if r.risk.value == level)} THEN '{level}'"
        for level in _RISK_ORDER if any(r.risk.value == level for r in enabled)) + " END"
    cites: dict[str, list[str]] = {}
    for r in enabled:
        for c in r.citations:
            cites.setdefault(str(c), []).append(has[r.name])
    for c in policy.message_citations:
        cites.setdefault(str(c), []).append("messages >= 2")
    citation_sql = "concat_ws('|', " + ", ".join(
        f"CASE WHEN {' OR '.join(conds)} THEN {_lit(c)} END" for c, conds in cites.items()) + ")"
    event = (f"{{'row': row, 'time': {_iso('ts')}, 'collector': collector, 'channel': channel, 'recipient': recipient,"
             f" 'direction': direction, 'rules': {_names('f_')}, 'text': {_text(policy)}}}")
    # counts over every contact of a flagged debtor-day; the evidence over its flagged contacts only
    con.execute(f"""
        CREATE TABLE day_counts AS
        SELECT debtor, day,
               count(*) AS contacts,
               count(*) FILTER (WHERE to_debtor) AS contacts_to_debtor,
               count(*) FILTER (WHERE NOT to_debtor) AS third_party_contacts,
               count(*) FILTER (WHERE quiet) AS quiet_hour_contacts,
               coalesce(max(week_rank), 0) AS week_contacts_to_date,
               count(*) FILTER (WHERE f_after_stop) AS contacts_after_stop,
               count(*) FILTER (WHERE flagged) AS flagged_events,
               coalesce(max(burst_fwd) FILTER (WHERE f_burst), 0) AS largest_burst,
               min(ms) FILTER (WHERE flagged) AS first_ms, max(ms) FILTER (WHERE flagged) AS last_ms,
               {', '.join(f'bool_or(f_{n}) AS has_{n}' for n in RULES)}
        FROM flags GROUP BY debtor, day HAVING bool_or(flagged)""")
    # the flagged contacts with who, how and the text, numbered within their debtor-day: only the first
    # evidence.max_events of each are listed, so no list grows with the log
    con.execute(f"""
        CREATE TABLE flagged AS
        SELECT f.debtor, f.day, f.ms, f.row, {', '.join(f'f.f_{n}' for n in RULES)},
               e.ts, e.collector, e.channel, e.recipient, e.direction, e.text,
               row_number() OVER (PARTITION BY f.debtor, f.day ORDER BY f.ms, f.row) AS k
        FROM flags f JOIN ev e USING (row) WHERE f.flagged""")
    con.execute("DROP TABLE flags")
    con.execute(f"""
        CREATE TABLE day_who AS
        SELECT debtor, day,
               count(*) FILTER (WHERE {_in(policy.message_channels, 'channel')}) AS messages,
               list(DISTINCT collector) FILTER (WHERE collector <> '') AS collectors,
               list(DISTINCT channel) FILTER (WHERE channel <> '') AS channels
        FROM flagged GROUP BY debtor, day""")
    # the evidence lists, a slice of debtors at a time: list aggregates are held in memory until they are complete
    n = con.execute(f"SELECT count(*) FROM flagged WHERE k <= {policy.max_evidence}").fetchone()[0]
    slices = max(1, -(-n // _EVIDENCE_PER_SLICE))
    con.execute("CREATE TABLE day_evidence (debtor VARCHAR, day DATE, events JSON)")
    for i in range(slices):
        con.execute(f"""
            INSERT INTO day_evidence
            SELECT debtor, day, to_json(list({event} ORDER BY ms, row))
            FROM flagged WHERE k <= {policy.max_evidence} AND hash(debtor) % {slices} = {i}
            GROUP BY debtor, day""")
    con.execute("DROP TABLE flagged")
    stop_json = "to_json(s.stop_event)"
    con.execute(f"""
        CREATE TABLE findings AS
        SELECT c.debtor AS debtor, strftime(c.day, '%Y-%m-%d') AS date, 'harassment' AS label, '骚扰' AS label_zh,
               {risk} AS risk,
               array_to_string({_names('has_')}, '|') AS rules,
               contacts, contacts_to_debtor, third_party_contacts, quiet_hour_contacts, largest_burst,
               week_contacts_to_date, contacts_after_stop,
               CASE WHEN contacts_after_stop > 0 THEN s.stop_event.time ELSE '' END AS stop_requested_at,
               flagged_events, {_iso('make_timestamptz(first_ms * 1000)')} AS first_event,
               {_iso('make_timestamptz(last_ms * 1000)')} AS last_event,
               array_to_string(list_sort(collectors), '|') AS collectors,
               array_to_string(list_sort(channels), '|') AS channels,
               CASE WHEN contacts_after_stop > 0 THEN '[' || {stop_json} || ',' || CAST(v.events AS VARCHAR)[2:]
                    ELSE CAST(v.events AS VARCHAR) END AS evidence,
               {citation_sql} AS citations,
               CASE {risk} WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END AS _risk_rank, c.day AS _day
        FROM day_counts c JOIN day_who w USING (debtor, day) JOIN day_evidence v USING (debtor, day)
             LEFT JOIN stops s USING (debtor)""")
    for table in ("day_counts", "day_who", "day_evidence"):
        con.execute(f"DROP TABLE {table}")
