"""The report as one self-contained HTML page: inline CSS and SVG, no script, no font or image fetched (a Content
Security Policy forbids it), so it opens from a mail attachment and prints. Every string from the data is escaped,
and redacted first unless redaction was turned off."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ..domain import LABEL_COLOURS, LABEL_ZH, LABELS, MODEL_RULE_ID, RISK_LEVELS
from ..redact import PERSONAL_DATA_RULES, mask_ranges, redact_text
from . import charts
from .contacts import ContactsSummary
from .stats import Example, GroupStat, Summary, wilson

__all__ = ["CSP", "Page", "render"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"
FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans", "PingFang SC", ' \
        '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
RISK_ZH = {"high": "高", "medium": "中", "low": "低", "none": "无"}
RISK_COLOURS = {"high": "#d9534f", "medium": "#f0ad4e", "low": "#5bc0de", "none": "#c9ced6"}
MAX_GROUP_ROWS = 200  # rows of a group table; the rest are counted, not listed
MAX_INTERVALS = 15
TOP_RULES = 20
TEXT_CHARS = 600  # of an example's text around its findings

_CSS = """
:root { --ink: #222; --muted: #666; --line: #e3e6ea; --bg: #fff; --soft: #f6f7f9; }
* { box-sizing: border-box; }
body { font-family: @FONTS@; color: var(--ink); background: var(--bg); margin: 0 auto; max-width: 1000px;
       padding: 24px 28px 60px; line-height: 1.5; font-size: 14px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 34px 0 10px; border-bottom: 2px solid var(--line);
padding-bottom: 4px; } h3 { font-size: 16px; margin: 22px 0 8px; }
.meta, .note { color: var(--muted); font-size: 12.5px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.card b { display: block; font-size: 22px; } .card span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.small td { color: var(--muted); } .tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; }
.risk-high { background: #d9534f; color: #fff; } .risk-medium { background: #f0ad4e; } .risk-low { background: #bfe6f2; }
.risk-none { background: #e3e6ea; }
.example { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.example .text { white-space: pre-wrap; background: var(--soft); padding: 6px 8px; border-radius: 4px; margin: 6px 0; }
.example ol { margin: 4px 0; padding-left: 22px; font-size: 12.5px; }
mark { padding: 0 1px; border-radius: 2px; color: inherit; }
mark.model { background: transparent; border-bottom: 2px dashed #888; }
.legend span { margin-right: 10px; } .cite { color: #35506b; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 6px 0; }
a { color: #1f5fa8; }
@media print { body { max-width: none; } .example { break-inside: avoid; } }
""".replace("@FONTS@", FONTS)


@dataclass(frozen=True)
class Page:
    """What the page says besides the numbers: its title, where the data came from, and how to show texts."""

    title: str
    source: str
    generated: str
    redacted: bool = True
    scored_by: str = ""
    contacts: ContactsSummary | None = None


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _risk_tag(level: str) -> str:
    level = level or "none"
    return f'<span class="tag risk-{escape(level)}">{escape(RISK_ZH.get(level, level))} {escape(level)}</span>'


def _label_name(label: str) -> str:
    return f"{escape(LABEL_ZH.get(label, label))} <span class=\"note\">{escape(label)}</span>"


class _Renderer:
    def __init__(self, summary: Summary, page: Page) -> None:
        self.s, self.page = summary, page
        self.anchors: dict[tuple[str, str], str] = {}
        for ci, (col, groups) in enumerate(summary.groups.items()):
            for gi, g in enumerate(groups):
                if g.examples:
                    self.anchors[(col, g.value)] = f"g{ci}-{gi}"

    # -- text ----------------------------------------------------------------------------------------------------
    def show(self, s: str) -> str:
        """A string from the data, redacted (unless turned off) and escaped."""
        return escape(redact_text(s) if self.page.redacted else s)

    def show_cut(self, s: str, n: int) -> str:
        """show() of the first n characters; redacted before it is cut, so no half number escapes the mask."""
        return escape(_cut(redact_text(s) if self.page.redacted else s, n))

    def highlighted(self, ex: Example) -> str:
        """The example's text with each finding's span in a <mark> of its label's colour; the text is redacted as a
        whole first (same length), so the spans still fall on the right characters."""
        text = ex.text
        spans = []
        for f in ex.findings:
            start, end = f.get("start"), f.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text) \
                    and text[start:end] == f.get("text", text[start:end]):
                spans.append((start, end, str(f.get("label", "")), str(f.get("rule_id", ""))))
        shown = text
        if self.page.redacted:
            shown = mask_ranges(redact_text(text), [(a, b) for a, b, _, r in spans if r.startswith(PERSONAL_DATA_RULES)])
        lo, hi = _window(len(text), [(a, b) for a, b, *_ in spans])
        out, pos = [], lo
        for start, end, label, rule in sorted(spans):
            if start < pos or end > hi:
                continue  # overlapping or outside the window: the finding is still listed below
            out.append(escape(shown[pos:start]))
            cls = ' class="model"' if rule == MODEL_RULE_ID else ""
            colour = LABEL_COLOURS.get(label, "#eee")
            out.append(f'<mark{cls} style="background:{colour}" title="{escape(label)} · {escape(rule)}">'
                       f'{escape(shown[start:end])}</mark>')
            pos = end
        out.append(escape(shown[pos:hi]))
        return ("…" if lo else "") + "".join(out) + ("…" if hi < len(text) else "")

    def span_text(self, ex: Example, f: dict[str, Any]) -> str:
        start, end = f.get("start"), f.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(ex.text):
            shown = redact_text(ex.text) if self.page.redacted else ex.text
            if self.page.redacted and str(f.get("rule_id", "")).startswith(PERSONAL_DATA_RULES):
                shown = mask_ranges(shown, [(start, end)])
            return escape(shown[start:end])
        return self.show(str(f.get("text", "")))

    # -- sections ------------------------------------------------------------------------------------------------
    def render(self) -> str:
        s, page = self.s, self.page
        parts = [self.header(), self.overview()]
        if s.groups:
            parts.append(self.groups())
        if s.time is not None:
            parts.append(self.time())
        parts.append(self.rules_and_laws())
        parts.append(self.examples())
        if any(self.anchors):
            parts.append(self.group_examples())
        if page.contacts is not None:
            parts.append(self.contacts(page.contacts))
        if s.errors or s.bad_evidence:
            parts.append(self.errors())
        body = "\n".join(parts)
        return (
            "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{escape(page.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
        )

    def header(self) -> str:
        p = self.page
        red = ("身份证号、银行卡号、手机号已打码 (ID, card and phone numbers masked; addresses found by the rules too)"
               if p.redacted else "未打码 NOT REDACTED: this report shows personal data as it is in the file")
        by = f" · scored by {escape(p.scored_by)}" if p.scored_by else ""
        return (f"<header><h1>{escape(p.title)}</h1>"
                f"<div class=\"meta\">source {self.show(p.source)} · generated {escape(p.generated)}{by}</div>"
                f"<div class=\"meta\"><b>{escape(red)}</b></div></header>")

    def overview(self) -> str:
        s = self.s
        low, high = wilson(s.flagged, s.scored)
        share = s.flagged / s.scored if s.scored else 0.0
        cards = [("rows", "行数", s.rows), ("scored", "已评分", s.scored), ("errors", "错误", s.errors),
                 ("flagged", "被标记", s.flagged)]
        html = ['<section id="overview"><h2>概览 Overview</h2><div class="cards">']
        html += [f'<div class="card" data-key="{k}"><span>{zh} {k}</span><b>{v:,}</b></div>' for k, zh, v in cards]
        html.append(f'<div class="card" data-key="flagged-share"><span>标记比例 flagged share</span><b>{_pct(share)}</b>'
                    f'<span>95% CI {_pct(low)}–{_pct(high)}</span></div></div>')
        html.append('<h3>按标签 By label</h3><table id="labels"><tr><th>label</th><th class="n">messages</th>'
                    '<th class="n">share of scored</th><th>law cited (messages)</th></tr>')
        for label in LABELS:
            k = s.per_label[label]
            cites = s.label_citations.get(label, ())
            law = "<br>".join(f'<span class="cite">{escape(c)}</span> ({n:,})' for c, n in cites[:5]) or "—"
            more = f'<br><span class="note">+{len(cites) - 5} more</span>' if len(cites) > 5 else ""
            html.append(f'<tr data-label="{label}"><td><span class="tag" style="background:{LABEL_COLOURS[label]}">'
                        f'{escape(LABEL_ZH[label])}</span> {escape(label)}</td><td class="n">{k:,}</td>'
                        f'<td class="n">{_pct(k / s.scored) if s.scored else "—"}</td><td>{law}{more}</td></tr>')
        html.append("</table>")
        html.append(charts.hbars([(f"{LABEL_ZH[lb]} {lb}", s.per_label[lb], LABEL_COLOURS[lb]) for lb in LABELS],
                                 "messages per label", total=s.scored or None))
        html.append('<h3>按风险 By risk</h3><table id="risk"><tr><th>risk</th><th class="n">messages</th>'
                    '<th class="n">share of scored</th></tr>')
        for level in RISK_LEVELS:
            k = s.per_risk[level]
            html.append(f'<tr data-risk="{level}"><td>{_risk_tag(level)}</td><td class="n">{k:,}</td>'
                        f'<td class="n">{_pct(k / s.scored) if s.scored else "—"}</td></tr>')
        html.append("</table>")
        html.append(charts.hbars([(f"{RISK_ZH[lv]} {lv}", s.per_risk[lv], RISK_COLOURS[lv]) for lv in RISK_LEVELS],
                                 "messages per risk level", total=s.scored or None))
        html.append("</section>")
        return "".join(html)

    def groups(self) -> str:
        s = self.s
        overall = s.flagged / s.scored if s.scored else 0.0
        html = [(f'<section id="groups"><h2>分组 By group</h2><p class="note">Ranked by the lower bound of the 95% '
                 f'Wilson interval of the flagged share, so that a group stands out only when it is worse beyond its '
                 f'noise. Groups with fewer than {s.min_group} scored messages are marked <i>small, not ranked</i>. '
                 f'Click a group to see its examples.</p>')]
        for col, groups in s.groups.items():
            ranked = [g for g in groups if not g.small]
            html.append(f'<h3>{escape(col)}</h3>')
            if ranked:
                html.append(charts.intervals([(self.plain(g.value), g) for g in ranked[:MAX_INTERVALS]], overall,
                                             f"flagged share by {col}, 95% Wilson interval"))
            head = "".join(f'<th class="n">{escape(LABEL_ZH[lb])}</th>' for lb in LABELS)
            html.append(f'<table class="groups" data-column="{escape(col)}"><tr><th class="n">rank</th>'
                        f'<th>{escape(col)}</th><th class="n">messages</th><th class="n">flagged</th>'
                        f'<th class="n">share</th><th>95% CI</th>{head}<th>worst risk</th></tr>')
            for g in groups[:MAX_GROUP_ROWS]:
                html.append(self.group_row(col, g))
            html.append("</table>")
            if len(groups) > MAX_GROUP_ROWS:
                html.append(f'<p class="note">{len(groups) - MAX_GROUP_ROWS:,} more groups not listed.</p>')
        html.append("</section>")
        return "".join(html)

    def plain(self, s: str) -> str:
        """A data string redacted (unless turned off) but not escaped: for charts, which escape themselves."""
        return redact_text(s) if self.page.redacted else s

    def group_row(self, col: str, g: GroupStat) -> str:
        anchor = self.anchors.get((col, g.value))
        name = self.show(g.value)
        name = f'<a href="#{anchor}">{name}</a>' if anchor else name
        rank = str(g.rank) if g.rank else '<span class="note">small, not ranked</span>'
        labels = "".join(f'<td class="n">{g.per_label[lb]:,}</td>' for lb in LABELS)
        ci = f"{_pct(g.low)}–{_pct(g.high)}" if g.scored else "—"
        return (f'<tr class="{"small" if g.small else "ranked"}" data-group="{self.show(g.value)}">'
                f'<td class="n">{rank}</td><td>{name}</td><td class="n">{g.messages:,}</td>'
                f'<td class="n">{g.flagged:,}</td><td class="n">{_pct(g.share) if g.scored else "—"}</td>'
                f'<td>{ci}</td>{labels}<td>{_risk_tag(g.worst_risk)}</td></tr>')

    def time(self) -> str:
        t = self.s.time
        assert t is not None
        unit = "天 per day" if t.period == "day" else "周 per week (Monday)"
        notes = [f"{t.parsed:,} rows with a time in <code>{escape(t.column)}</code>"]
        if t.unparsed:
            notes.append(f"{t.unparsed:,} without a readable time (left out)")
        if t.no_clock:
            notes.append(f"{t.no_clock:,} with a date only (in the trend, not in the heatmap)")
        html = [(f'<section id="time"><h2>时间 Over time</h2><p class="note">{"; ".join(notes)}. Times as written '
                 f'in the file (no time-zone conversion).</p>')]
        if t.buckets:
            html.append(f"<h3>趋势 Trend, {unit}</h3>")
            html.append(charts.trend(t.buckets, t.period, f"messages and flagged messages {unit}"))
            html.append("<h3>被标记消息：星期 × 小时 Flagged messages by weekday and hour</h3>")
            html.append(charts.heatmap(t.heatmap, t.heat_messages, "flagged messages by weekday and hour"))
        html.append("</section>")
        return "".join(html)

    def rules_and_laws(self) -> str:
        s = self.s
        html = [('<section id="rules"><h2>规则与法律 Rules and laws</h2><h3>Top rules (messages)</h3>'
                 '<table id="top-rules"><tr><th>rule</th><th>label</th><th class="n">messages</th></tr>')]
        for rule, label, k in s.rules[:TOP_RULES]:
            html.append(f'<tr><td><code>{escape(rule)}</code></td><td>{escape(LABEL_ZH.get(label, label))}</td>'
                        f'<td class="n">{k:,}</td></tr>')
        if not s.rules:
            html.append('<tr><td colspan="3" class="note">no findings</td></tr>')
        html.append('</table><h3>Laws cited (messages)</h3><table id="laws"><tr><th>citation</th>'
                    '<th class="n">messages</th></tr>')
        for cite, k in s.laws:
            html.append(f'<tr><td class="cite">{escape(cite)}</td><td class="n">{k:,}</td></tr>')
        if not s.laws:
            html.append('<tr><td colspan="2" class="note">no citations</td></tr>')
        html.append("</table></section>")
        return "".join(html)

    def example(self, ex: Example) -> str:
        who = f" · {self.show(ex.row_id)}" if ex.row_id else ""
        groups = " · ".join(f"{escape(c)} {self.show(v)}" for c, v in ex.groups)
        tags = " ".join(f'<span class="tag" style="background:{LABEL_COLOURS.get(lb, "#eee")}">'
                        f'{escape(LABEL_ZH.get(lb, lb))}</span>' for lb in ex.labels)
        items = []
        for f in ex.findings:
            cites = "; ".join(escape(str(c)) for c in f.get("citation") or ()) or "—"
            turn = f" · turn {escape(str(f['turn']))} {escape(str(f.get('speaker', '')))}" if "turn" in f else ""
            items.append(f'<li>{escape(LABEL_ZH.get(str(f.get("label")), str(f.get("label"))))} '
                         f'「{self.span_text(ex, f)}」 <code>{escape(str(f.get("rule_id", "")))}</code>{turn} · '
                         f'score {escape(str(f.get("score", "")))}<br><span class="cite">{cites}</span></li>')
        text = (f'<div class="text">{self.highlighted(ex)}</div>' if ex.text else
                '<div class="note">(no text column in the file: findings only)</div>')
        return (f'<div class="example" data-line="{ex.line}"><div>{tags} {_risk_tag(ex.risk)} '
                f'<span class="note">row {ex.line}{who}{" · " + groups if groups else ""}</span></div>'
                f'{text}<ol>{"".join(items)}</ol></div>')

    def examples(self) -> str:
        html = ['<section id="examples"><h2>示例 Examples per label</h2><p class="legend note">']
        html += [f'<span><mark style="background:{LABEL_COLOURS[lb]}">{escape(LABEL_ZH[lb])}</mark> {lb}</span>'
                 for lb in LABELS]
        html.append('<span><mark class="model">model</mark> found by the model, no rule</span></p>')
        for label in LABELS:
            exs = self.s.examples.get(label, ())
            html.append(f'<h3 id="ex-{label}">{_label_name(label)}</h3>')
            html += [self.example(ex) for ex in exs] or ['<p class="note">no flagged messages</p>']
        html.append("</section>")
        return "".join(html)

    def group_examples(self) -> str:
        html = ['<section id="group-examples"><h2>分组示例 Examples per group</h2>']
        for col, groups in self.s.groups.items():
            for g in groups:
                anchor = self.anchors.get((col, g.value))
                if anchor:
                    html.append(f'<h3 id="{anchor}">{escape(col)}: {self.show(g.value)} '
                                f'<span class="note">({g.flagged:,} of {g.scored:,} flagged)</span></h3>')
                    html += [self.example(ex) for ex in g.examples]
        html.append("</section>")
        return "".join(html)

    def contacts(self, c: ContactsSummary) -> str:
        html = [(f'<section id="contacts"><h2>联系策略 Contact-policy findings</h2><p class="note">'
                 f'{c.rows:,} findings in {escape(Path(c.path).name)} (from <code>yuefu contacts</code>). Contact '
                 f'times and frequencies are configurable policy, not a statute; see each finding for the law it '
                 f'cites.</p>')]
        for title, col, counts in (("per rule", c.rule_col, c.per_rule), ("per collector", c.collector_col,
                                                                           c.per_collector),
                                   ("per label", "label", c.per_label), ("per risk", "risk", c.per_risk),
                                   ("per citation", "citation", c.per_citation)):
            if counts:
                html.append(self.count_table(f"Findings {title}", col or "", counts, f"contacts-{title[4:]}"))
        missing = [t for t, col in (("rule", c.rule_col), ("collector", c.collector_col)) if col is None]
        if missing:
            html.append(f'<p class="note">The file has no {" or ".join(missing)} column; its columns: '
                        f'{escape(", ".join(c.columns))}.</p>')
        if c.sample:
            head = "".join(f"<th>{escape(col)}</th>" for col in c.sample_columns)
            rows = "".join("<tr>" + "".join(f"<td>{self.show_cut(r.get(col, ''), 160)}</td>"
                                            for col in c.sample_columns)
                           + "</tr>" for r in c.sample)
            html.append(f'<h3>First {len(c.sample)} findings</h3><table id="contacts-sample"><tr>{head}</tr>{rows}'
                        f'</table>')
        html.append("</section>")
        return "".join(html)

    def count_table(self, title: str, col: str, counts: Sequence[tuple[str, int]], ident: str) -> str:
        rows = "".join(f'<tr><td>{self.show(k)}</td><td class="n">{v:,}</td></tr>' for k, v in counts[:50])
        return (f'<h3>{escape(title)}</h3><table id="{escape(ident)}"><tr><th>{escape(col)}</th>'
                f'<th class="n">findings</th></tr>{rows}</table>')

    def errors(self) -> str:
        s = self.s
        html = ['<section id="errors"><h2>错误 Rows not scored</h2>']
        if s.errors:
            html.append(self.count_table(f"{s.errors:,} rows have an error", "reason", s.error_reasons, "error-reasons"))
        if s.bad_evidence:
            html.append(f'<p class="note">{s.bad_evidence:,} rows have an evidence cell that is not JSON; their '
                        f'findings are left out (was the file edited after scoring?).</p>')
        html.append("</section>")
        return "".join(html)


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _window(length: int, spans: Sequence[tuple[int, int]], chars: int = TEXT_CHARS) -> tuple[int, int]:
    """The part of a long text worth showing: from a little before the first finding, at most `chars` long."""
    if length <= chars:
        return 0, length
    first = min((a for a, _ in spans), default=0)
    lo = max(0, min(first - 60, length - chars))
    return lo, min(length, lo + chars)


def render(summary: Summary, page: Page) -> str:
    """The whole HTML document for `summary`."""
    return _Renderer(summary, page).render()
