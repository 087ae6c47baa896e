"""What the report says, computed in one pass over the scored rows with counters (no pandas: a core install reports).

`summarise` folds the rows into a frozen Summary; everything else here is a pure function of numbers. Groups are
ranked by the lower bound of the 95% Wilson interval of their flagged share, so a collector with 3 flagged out of 4
messages does not outrank one with 300 out of 1,000 on noise; groups below `min_group` scored messages are listed
as small, not ranked.
"""
from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..domain import LABELS, RISK_LEVELS
from ..errors import ConfigError
from .read import ScoredRow

__all__ = [
    "BLANK",
    "WEEKDAYS",
    "Example",
    "GroupStat",
    "Summary",
    "TimeViews",
    "parse_time",
    "rank_groups",
    "summarise",
    "wilson",
    "worse_risk",
]

Z95 = 1.959963984540054
BLANK = "（空）"  # the group of rows whose grouping cell is empty
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_RISK_RANK = {level: len(RISK_LEVELS) - i for i, level in enumerate(RISK_LEVELS)}  # high 4 … none 1, "" 0
_WEEKLY_AFTER_DAYS = 400  # a longer span is drawn by week, so the trend stays readable


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95% by default); (0, 1) when n is 0. Unlike k/n ± z·se it
    stays inside [0, 1] and is honest for small n and for shares near 0 or 1."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ConfigError(f"wilson needs 0 <= k <= n, got k={k}, n={n}")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at k = 0 and k = n the bound is exactly 0 or 1; floating point would leave 1e-16 off
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def worse_risk(a: str, b: str) -> str:
    """The more urgent of two risk levels ("" = unknown, below none)."""
    return a if _RISK_RANK.get(a, 0) >= _RISK_RANK.get(b, 0) else b


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%d",
                 "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


def parse_time(value: str) -> tuple[datetime, bool] | None:
    """A timestamp as written (ISO 8601, `2024/03/15 21:05`, `2024年3月15日`, epoch seconds) and whether it has a time
    of day; None when it is not one. The clock time is taken as written: no time-zone conversion."""
    s = value.strip()
    if not s:
        return None
    if re.fullmatch(r"\d{10}(\.\d+)?", s):  # epoch seconds (a 10-digit number, 2001-2286)
        return datetime.fromtimestamp(float(s)), True
    iso = s.replace("/", "-").replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(iso)
        return dt.replace(tzinfo=None), len(iso) > 10
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(s.replace("/", "-"), fmt), "%H" in fmt
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Example:
    """A flagged row shown in the report: its text (from the text column, "" when there is none), findings, where
    it was in the file and the groups it belongs to."""

    line: int
    row_id: str
    text: str
    labels: tuple[str, ...]
    risk: str
    score: float
    findings: tuple[dict[str, Any], ...]
    groups: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class GroupStat:
    """One value of a grouping column. `low`/`high`: the 95% Wilson interval of flagged / scored; `rank` is None for
    a small group (fewer than min_group scored messages), which is listed but not ranked."""

    column: str
    value: str
    messages: int
    scored: int
    flagged: int
    per_label: dict[str, int]
    worst_risk: str
    low: float
    high: float
    rank: int | None
    examples: tuple[Example, ...]

    @property
    def share(self) -> float:
        return self.flagged / self.scored if self.scored else 0.0

    @property
    def small(self) -> bool:
        return self.rank is None


@dataclass(frozen=True)
class TimeViews:
    """Counts over the time column: per day (or per week on a long span), and flagged messages by weekday × hour."""

    column: str
    period: str  # "day" or "week"
    buckets: tuple[tuple[date, int, int], ...]  # (first day of the bucket, messages, flagged)
    heatmap: tuple[tuple[int, ...], ...]  # 7 weekdays (Monday first) × 24 hours, flagged messages
    heat_messages: tuple[tuple[int, ...], ...]  # the same cells, all messages
    parsed: int
    unparsed: int
    no_clock: int  # dated but without a time of day: in the trend, not in the heatmap


@dataclass(frozen=True)
class Summary:
    """Everything the report shows, as numbers and a few example rows."""

    columns: tuple[str, ...]
    rows: int
    scored: int
    errors: int
    flagged: int
    bad_evidence: int
    per_label: dict[str, int]
    per_risk: dict[str, int]
    label_citations: dict[str, tuple[tuple[str, int], ...]]  # label -> (citation, messages), most first
    rules: tuple[tuple[str, str, int], ...]  # (rule id, label, messages), most first
    laws: tuple[tuple[str, int], ...]  # (citation, messages), most first
    groups: dict[str, tuple[GroupStat, ...]]  # column -> ranked groups, then the small ones
    examples: dict[str, tuple[Example, ...]]  # label -> its highest-scoring rows
    time: TimeViews | None
    error_reasons: tuple[tuple[str, int], ...]
    min_group: int
    text_col: str | None


@dataclass
class _Group:
    messages: int = 0
    scored: int = 0
    flagged: int = 0
    per_label: Counter = field(default_factory=Counter)
    worst: str = ""
    top: list = field(default_factory=list)  # heap of (risk rank, score, -line, n, Example)


def rank_groups(column: str, groups: dict[str, Any], min_group: int) -> tuple[GroupStat, ...]:
    """GroupStats of one column: the ranked ones worst first (Wilson lower bound, then share, then size), then the
    small ones by size."""
    stats = []
    for value, g in groups.items():
        low, high = wilson(g.flagged, g.scored)
        examples = tuple(e for *_, e in sorted(g.top, reverse=True))
        stats.append(GroupStat(column, value, g.messages, g.scored, g.flagged, {lb: g.per_label[lb] for lb in LABELS},
                               g.worst or "none", low, high, None, examples))
    big = sorted((s for s in stats if s.scored >= min_group), key=lambda s: (-s.low, -s.share, -s.scored, s.value))
    small = sorted((s for s in stats if s.scored < min_group), key=lambda s: (-s.messages, s.value))
    ranked = tuple(GroupStat(**{**s.__dict__, "rank": i}) for i, s in enumerate(big, 1))
    return ranked + tuple(small)


def _keep(heap: list, item: tuple, n: int) -> None:
    if len(heap) < n:
        heapq.heappush(heap, item)
    elif item[:-1] > heap[0][:-1]:
        heapq.heapreplace(heap, item)


class _Clock:
    """Counters over the time column, filled row by row (no list of timestamps: memory grows with days, not rows)."""

    def __init__(self) -> None:
        self.days: Counter = Counter()
        self.flagged_days: Counter = Counter()
        self.heat = [[0] * 24 for _ in range(7)]
        self.heat_all = [[0] * 24 for _ in range(7)]
        self.parsed = self.unparsed = self.no_clock = 0

    def add(self, value: str, flagged: bool) -> None:
        when = parse_time(value)
        if when is None:
            self.unparsed += 1
            return
        dt, has_clock = when
        self.parsed += 1
        self.days[dt.date()] += 1
        self.flagged_days[dt.date()] += flagged
        if has_clock:
            self.heat_all[dt.weekday()][dt.hour] += 1
            self.heat[dt.weekday()][dt.hour] += flagged
        else:
            self.no_clock += 1

    def views(self, column: str) -> TimeViews:
        buckets: list[tuple[date, int, int]] = []
        weekly = False
        if self.days:
            first, last = min(self.days), max(self.days)
            weekly = (last - first).days > _WEEKLY_AFTER_DAYS
            step = 7 if weekly else 1
            d = first - timedelta(days=first.weekday()) if weekly else first
            while d <= last:
                span = [d + timedelta(days=i) for i in range(step)]
                buckets.append((d, sum(self.days[x] for x in span), sum(self.flagged_days[x] for x in span)))
                d += timedelta(days=step)
        return TimeViews(column, "week" if weekly else "day", tuple(buckets), tuple(map(tuple, self.heat)),
                         tuple(map(tuple, self.heat_all)), self.parsed, self.unparsed, self.no_clock)


def _ranked_counts(counter: Counter) -> tuple:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def summarise(
    rows: Iterable[ScoredRow],
    *,
    columns: tuple[str, ...] = (),
    by: tuple[str, ...] = (),
    time_col: str | None = None,
    text_col: str | None = "text",
    id_col: str | None = None,
    min_group: int = 30,
    examples_per_label: int = 5,
    examples_per_group: int = 3,
) -> Summary:
    """Fold the rows into a Summary in one pass; memory grows with the number of groups, days and rule ids, not rows."""
    n = scored = errors = flagged = bad = 0
    per_label: Counter = Counter()
    per_risk: Counter = Counter()
    label_cites: dict[str, Counter] = defaultdict(Counter)
    rules: Counter = Counter()
    laws: Counter = Counter()
    reasons: Counter = Counter()
    groups: dict[str, dict[str, _Group]] = {col: defaultdict(_Group) for col in by}
    tops: dict[str, list] = {label: [] for label in LABELS}
    clock = _Clock()
    for row in rows:
        n += 1
        bad += row.bad_evidence
        if row.error:
            errors += 1
            reasons[_reason(row.error)] += 1
        else:
            scored += 1
            per_risk[row.risk or "none"] += 1
        flagged += row.flagged
        per_label.update(row.labels)
        cites_seen: set[tuple[str, str]] = set()
        rules_seen: set[tuple[str, str]] = set()
        for f in row.findings:
            label = str(f.get("label", ""))
            rules_seen.add((str(f.get("rule_id", "")), label))
            for c in f.get("citation") or ():
                cites_seen.add((label, str(c)))
        rules.update(rules_seen)
        laws.update({c for _, c in cites_seen})
        for label, c in cites_seen:
            label_cites[label][c] += 1
        example = None
        if row.flagged:
            example = Example(row.line, row.fields.get(id_col, "") if id_col else "",
                              row.fields.get(text_col, "") if text_col else "", row.labels, row.risk,
                              max((row.scores[lb] for lb in row.labels), default=0.0), row.findings,
                              tuple((col, row.fields.get(col, "").strip() or BLANK) for col in by))
            for label in row.labels:
                _keep(tops[label], (row.scores[label], -row.line, example), examples_per_label)
        for col in by:
            g = groups[col][row.fields.get(col, "").strip() or BLANK]
            g.messages += 1
            if row.error:
                continue
            g.scored += 1
            g.flagged += row.flagged
            g.per_label.update(row.labels)
            g.worst = worse_risk(g.worst, row.risk or "none")
            if example is not None:
                _keep(g.top, (_RISK_RANK.get(row.risk, 0), example.score, -row.line, example), examples_per_group)
        if time_col is not None:
            clock.add(row.fields.get(time_col, ""), row.flagged)
    return Summary(
        columns=columns, rows=n, scored=scored, errors=errors, flagged=flagged, bad_evidence=bad,
        per_label={label: per_label[label] for label in LABELS},
        per_risk={level: per_risk[level] for level in RISK_LEVELS},
        label_citations={label: _ranked_counts(label_cites[label]) for label in LABELS},
        rules=tuple((rule, label, k) for (rule, label), k in _ranked_counts(rules)),
        laws=_ranked_counts(laws),
        groups={col: rank_groups(col, groups[col], min_group) for col in by},
        examples={label: tuple(e for *_, e in sorted(tops[label], reverse=True)) for label in LABELS},
        time=clock.views(time_col) if time_col is not None else None,
        error_reasons=_ranked_counts(reasons),
        min_group=min_group,
        text_col=text_col,
    )


def _reason(error: str) -> str:
    """An error message without its row-specific numbers, so that like errors count together."""
    return re.sub(r"\d+", "N", error)[:120]
