"""Hand-written inline SVG charts for the HTML report: no JavaScript, no library, nothing fetched, so the report opens
from a mail attachment and draws the same in any browser. Every string placed in a chart is escaped here."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from .stats import WEEKDAYS, GroupStat

__all__ = ["hbars", "heatmap", "intervals", "trend"]

_FONT = 12
_GREY, _RED, _INK, _MUTED = "#c9ced6", "#d9534f", "#222", "#666"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(label)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-size="{_FONT}">'
            f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, s: str, anchor: str = "start", fill: str = _INK, size: int = _FONT,
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{extra}>'
            f'{escape(s)}</text>')


def hbars(items: Sequence[tuple[str, int, str]], label: str, width: int = 640, total: int | None = None) -> str:
    """Horizontal bars, one per (name, count, colour), the count (and its share of `total`) written after each."""
    name_w, row_h = 220, 22
    top = max((v for _, v, _ in items), default=0) or 1
    bar_w = width - name_w - 100
    body = []
    for i, (name, value, colour) in enumerate(items):
        y = 4 + i * row_h
        w = bar_w * value / top
        share = f" ({value / total:.1%})" if total else ""
        body.append(_text(name_w - 8, y + 14, name, "end"))
        body.append(f'<rect x="{name_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                    f'<title>{escape(name)}: {value}{escape(share)}</title></rect>')
        body.append(_text(name_w + w + 6, y + 14, f"{value:,}{share}", fill=_MUTED))
    return _svg(width, 8 + row_h * len(items), body, label)


def intervals(groups: Sequence[tuple[str, GroupStat]], overall: float, label: str, width: int = 640) -> str:
    """Flagged share of each (shown name, group) as a dot with its 95% Wilson interval as a line, on a 0-100% axis, with the share
    over all rows as a dashed line: a group whose whole interval lies right of it is worse than the rest, not noise."""
    name_w, row_h, right = 170, 20, 20
    axis_w = width - name_w - right
    height = 30 + row_h * len(groups)
    body = []
    for t in range(0, 101, 20):
        x = name_w + axis_w * t / 100
        body.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" stroke="#eee"/>')
        body.append(_text(x, height - 8, f"{t}%", "middle", _MUTED, 11))
    ox = name_w + axis_w * overall
    body.append(f'<line x1="{ox:.1f}" y1="4" x2="{ox:.1f}" y2="{height - 22}" stroke="{_MUTED}" stroke-dasharray="4 3">'
                f'<title>all rows: {overall:.1%}</title></line>')
    for i, (name, g) in enumerate(groups):
        y = 4 + i * row_h + row_h / 2
        x0, x1, xp = (name_w + axis_w * v for v in (g.low, g.high, g.share))
        tip = escape(f"{name}: {g.flagged}/{g.scored} = {g.share:.1%}, 95% CI {g.low:.1%}–{g.high:.1%}")
        body.append(_text(name_w - 8, y + 4, _short(name, 22), "end"))
        body.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" stroke="{_RED}" stroke-width="2"/>')
        body.append(f'<circle cx="{xp:.1f}" cy="{y:.1f}" r="4" fill="{_RED}"><title>{tip}</title></circle>')
    return _svg(width, height, body, label)


def trend(buckets: Sequence[tuple[date, int, int]], period: str, label: str, width: int = 860) -> str:
    """Messages (grey) and flagged messages (red) per day or week, as bars on a shared count axis."""
    left, bottom, top_pad, height = 48, 34, 10, 220
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max((m for _, m, _ in buckets), default=0) or 1
    n = max(len(buckets), 1)
    step = plot_w / n
    bar = max(step * 0.8, 1.0)
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="{_MUTED}"/>']
    for tick in sorted({0, top // 2, top} if top % 2 == 0 else {0, top}):  # whole counts only
        y = top_pad + plot_h * (1 - tick / top)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#eee"/>')
        body.append(_text(left - 6, y + 4, f"{tick:,}", "end", _MUTED, 11))
    every = max(1, n // 8)
    for i, (day, messages, flagged) in enumerate(buckets):
        x = left + i * step + (step - bar) / 2
        hm, hf = plot_h * messages / top, plot_h * flagged / top
        tip = escape(f"{day.isoformat()}{' (week)' if period == 'week' else ''}: {messages} messages, {flagged} flagged")
        body.append(f'<g><title>{tip}</title>'
                    f'<rect x="{x:.1f}" y="{top_pad + plot_h - hm:.1f}" width="{bar:.1f}" height="{hm:.1f}" fill="{_GREY}"/>'
                    f'<rect x="{x:.1f}" y="{top_pad + plot_h - hf:.1f}" width="{bar:.1f}" height="{hf:.1f}" fill="{_RED}"/>'
                    f'</g>')
        if i % every == 0:
            body.append(_text(left + i * step + step / 2, height - bottom + 16, day.strftime("%m-%d"), "middle",
                              _MUTED, 11))
    body.append(f'<rect x="{left}" y="{height - 12}" width="10" height="10" fill="{_GREY}"/>')
    body.append(_text(left + 14, height - 3, "全部消息 all messages", size=11))
    body.append(f'<rect x="{left + 170}" y="{height - 12}" width="10" height="10" fill="{_RED}"/>')
    body.append(_text(left + 184, height - 3, "被标记 flagged", size=11))
    return _svg(width, height, body, label)


def heatmap(cells: Sequence[Sequence[int]], totals: Sequence[Sequence[int]], label: str, width: int = 860) -> str:
    """Flagged messages by weekday (rows, Monday first) and hour of day (columns); darker = more, count written in."""
    left, top_pad = 44, 22
    cell_w = (width - left - 6) / 24
    cell_h = 24
    top = max((v for row in cells for v in row), default=0) or 1
    body = [_text(left + (h + 0.5) * cell_w, 15, f"{h}", "middle", _MUTED, 11) for h in range(24)]
    for d, row in enumerate(cells):
        y = top_pad + d * cell_h
        body.append(_text(left - 6, y + 16, WEEKDAYS[d], "end", _MUTED, 11))
        for h, v in enumerate(row):
            x = left + h * cell_w
            alpha = 0.08 + 0.92 * v / top if v else 0.0
            tip = escape(f"{WEEKDAYS[d]} {h:02d}:00–{h:02d}:59: {v} flagged of {totals[d][h]} messages")
            fill = f'fill="{_RED}" fill-opacity="{alpha:.2f}"' if v else 'fill="#f6f7f9"'
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 1:.1f}" height="{cell_h - 1}" {fill}>'
                        f'<title>{tip}</title></rect>')
            if v:
                body.append(_text(x + cell_w / 2, y + 16, str(v), "middle", "#fff" if alpha > 0.55 else _INK, 10))
    return _svg(width, top_pad + 7 * cell_h + 4, body, label)


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
