"""`yuefu report` and redaction: the numbers (Wilson intervals, ranking, time views), the reading of scored files, the
masking of personal numbers, escaping, and the errors a user gets. Scored files come from the real `yuefu score`."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yuefu_nlp.cli import main
from yuefu_nlp.domain import LABELS
from yuefu_nlp.errors import InputError
from yuefu_nlp.redact import mask_ranges, pii_spans, redact
from yuefu_nlp.report import build_report
from yuefu_nlp.report.contacts import split_multi
from yuefu_nlp.report.read import parse_row, read_scored
from yuefu_nlp.report.stats import parse_time, summarise, wilson, worse_risk
from yuefu_nlp.rules.validators import id_check_digit, luhn_check_digit

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "messages.csv"
RULES = ["--backend", "rules", "--no-progress"]


# -- numbers ---------------------------------------------------------------------------------------------------------

def test_wilson_matches_the_formula_by_hand():
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(10, 10)
    assert lo == pytest.approx(0.7225, abs=1e-4) and hi == 1.0
    lo, hi = wilson(300, 1000)
    assert lo == pytest.approx(0.2724, abs=1e-4) and hi == pytest.approx(0.3291, abs=1e-4)
    with pytest.raises(ValueError):
        wilson(11, 10)


@given(st.integers(1, 5000), st.data())
def test_wilson_contains_the_share_and_narrows_with_n(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    lo4, hi4 = wilson(4 * k, 4 * n)
    assert hi4 - lo4 <= hi - lo + 1e-12


def test_worse_risk():
    assert worse_risk("low", "high") == "high" and worse_risk("none", "") == "none" and worse_risk("", "") == ""


def _row(line: int, *, labels: tuple[str, ...] = (), risk: str = "", error: str = "", **fields: str):
    raw = {**fields, "flagged": int(bool(labels)) if not error else "", "labels": "|".join(labels),
           "risk": risk or ("high" if labels else "none") if not error else "", "evidence": "[]", "error": error}
    raw.update({lb: int(lb in labels) for lb in LABELS})
    raw.update({f"{lb}_score": 0.9 if lb in labels else 0.1 for lb in LABELS})
    return parse_row(raw, line)


def test_groups_are_ranked_by_the_lower_bound_and_small_ones_are_not_ranked():
    rows, n = [], 0
    for name, flagged, total in (("tiny", 3, 3), ("half", 20, 40), ("most", 30, 40), ("clean", 0, 50)):
        for i in range(total):
            n += 1
            rows.append(_row(n, labels=("insult",) if i < flagged else (), collector=name))
    rows.append(_row(n + 1, error="missing text", collector="half"))  # counted as a message, not as scored
    s = summarise(rows, by=("collector",), min_group=5)
    groups = {g.value: g for g in s.groups["collector"]}
    assert [g.value for g in s.groups["collector"]] == ["most", "half", "clean", "tiny"]
    assert [g.rank for g in s.groups["collector"]] == [1, 2, 3, None]
    assert groups["tiny"].small and groups["tiny"].share == 1.0  # the highest share, yet not ranked on 3 messages
    assert groups["half"].messages == 41 and groups["half"].scored == 40 and groups["half"].flagged == 20
    assert (groups["most"].low, groups["most"].high) == wilson(30, 40)
    assert groups["most"].per_label["insult"] == 30 and groups["clean"].worst_risk == "none"
    assert s.rows == 134 and s.errors == 1 and s.flagged == 53 and s.per_label["insult"] == 53


def test_blank_group_values_form_one_group():
    s = summarise([_row(1, collector=""), _row(2, collector="  "), _row(3, collector="a")], by=("collector",),
                  min_group=1)
    assert Counter({g.value: g.messages for g in s.groups["collector"]}) == Counter({"（空）": 2, "a": 1})


def test_parse_time_reads_the_common_forms():
    assert parse_time("2024-03-15 21:05:09") == (parse_time("2024-03-15T21:05:09")[0], True)
    assert parse_time("2024/03/15 21:05")[0].hour == 21
    assert parse_time("2024-03-15") == (parse_time("2024年3月15日")[0], False)
    assert parse_time("2024-03-15T21:05:09Z")[0].hour == 21  # as written, no conversion
    assert parse_time("1710536709")[1] is True
    assert parse_time("") is None and parse_time("yesterday") is None and parse_time("12") is None


def test_time_views_count_days_and_weekday_hours():
    rows = [
        _row(1, labels=("threat",), sent_at="2024-03-04 22:10:00"),  # a Monday
        _row(2, labels=("threat",), sent_at="2024-03-04 22:50:00"),
        _row(3, sent_at="2024-03-04 09:00:00"),
        _row(4, labels=("insult",), sent_at="2024-03-07"),  # date only: trend, not heatmap
        _row(5, labels=("insult",), sent_at="not a time"),
        _row(6, sent_at="2024-03-09 23:59:59"),  # a Saturday
    ]
    t = summarise(rows, time_col="sent_at").time
    assert t is not None and t.period == "day"
    assert t.buckets == ((date(2024, 3, 4), 3, 2), (date(2024, 3, 5), 0, 0), (date(2024, 3, 6), 0, 0),
                         (date(2024, 3, 7), 1, 1), (date(2024, 3, 8), 0, 0), (date(2024, 3, 9), 1, 0))
    assert t.heatmap[0][22] == 2 and t.heat_messages[0][9] == 1 and t.heat_messages[5][23] == 1
    assert sum(map(sum, t.heatmap)) == 2
    assert (t.parsed, t.unparsed, t.no_clock) == (5, 1, 1)


def test_a_long_span_is_drawn_by_week():
    rows = [_row(1, sent_at="2023-01-04 10:00"), _row(2, labels=("threat",), sent_at="2024-06-30 10:00")]
    t = summarise(rows, time_col="sent_at").time
    assert t.period == "week" and t.buckets[0][0] == date(2023, 1, 2)  # the Monday of the first week
    assert sum(b[1] for b in t.buckets) == 2 and sum(b[2] for b in t.buckets) == 1


def test_split_multi():
    assert split_multi("quiet_hours|daily_cap") == ["quiet_hours", "daily_cap"]
    assert split_multi('["a", {"rule_id": "b"}]') == ["a", "b"]
    assert split_multi("a, b") == ["a", "b"] and split_multi("") == []


# -- redaction -------------------------------------------------------------------------------------------------------

def _id(region: str = "440306", born: str = "19900101", seq: str = "123") -> str:
    first17 = region + born + seq
    return first17 + id_check_digit(first17)


def _card(prefix: str = "622202123456789") -> str:
    return prefix + luhn_check_digit(prefix)


def test_redaction_masks_ids_cards_and_phones_character_for_character():
    cid, card = _id(), _card()
    text = f"身份证{cid}，卡号{card}，卡 {card[:4]} {card[4:8]} {card[8:12]} {card[12:]}，手机13812345678，+86 139-1234-5678。"
    out = redact(text)
    assert len(out) == len(text)
    assert cid not in out and card not in out and "13812345678" not in out and "1234-5678" not in out
    assert f"{cid[:3]}{'*' * 11}{cid[-4:]}" in out and "138****5678" in out and "+86 139-****-5678" in out
    kinds = [k for *_, k in pii_spans(text)]
    assert kinds == ["cn_id", "card", "card", "mobile", "mobile"]


def test_redaction_leaves_amounts_dates_and_short_numbers_alone():
    text = "应还1,286.40元，2024-03-15前处理，尾号8907，工号2281，订单AB13812345678。"
    assert redact(text) == text


def test_a_long_number_failing_every_checksum_is_masked_all_the_same():
    bad_id = _id()[:-1] + ("0" if _id()[-1] != "0" else "1")
    out = redact(f"号码{bad_id}")
    assert bad_id not in out and len(out) == len(bad_id) + 2


@given(st.text(alphabet="0123456789０１２３ -+X年月日号码卡，。abc", max_size=80))
def test_redaction_keeps_the_length_of_any_text(text):
    out = redact(text)
    assert len(out) == len(text)
    assert all(a == b or b == "*" for a, b in zip(text, out))


def test_mask_ranges_keeps_the_head_and_punctuation():
    assert mask_ranges("住深圳市南山区某小区5栋1203，", [(0, 16)]) == "住深" + "*" * 14 + "，"


# -- end to end --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "scored.csv"
    assert main(["score", str(SAMPLE), "-o", str(out), *RULES]) == 0
    return out


def _scored_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_counts_match_the_scored_file(scored, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(scored), "-o", str(out), "--by", "collector,agency", "--by", "channel",
                 "--time-col", "sent_at", "--min-group", "5"]) == 0
    assert "wrote" in capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    rows = _scored_rows(scored)
    flagged = sum(r["flagged"] == "1" for r in rows)
    assert f'<div class="card" data-key="flagged"><span>被标记 flagged</span><b>{flagged}</b>' in html
    for label in LABELS:
        k = sum(r[label] == "1" for r in rows)
        assert re.search(rf'<tr data-label="{label}">.*?<td class="n">{k}</td>', html)
    for col in ("collector", "agency", "channel"):
        per = Counter(r[col] for r in rows)
        hits = Counter(r[col] for r in rows if r["flagged"] == "1")
        table = html.split(f'data-column="{col}"')[1].split("</table>")[0]
        for value, n in per.items():
            row = re.search(rf'<tr class="(\w+)" data-group="{re.escape(value)}">(.*?)</tr>', table).group(0)
            assert f'<td class="n">{n}</td><td class="n">{hits[value]}</td>' in row
            assert ("small, not ranked" in row) == (n < 5)
    for anchor in re.findall(r'href="#([^"]+)"', html):  # every group link lands on its examples
        assert f'id="{anchor}"' in html
    assert "<svg" in html and "星期" in _text(html) or "周一" in html


def test_report_is_self_contained(scored, tmp_path):
    out = tmp_path / "r.html"
    build_report(scored, out, by=["collector"], time_col="sent_at")
    html = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"(https?:)?//[\w.-]+\.\w", html), "the report must not name any URL"
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html


def test_jsonl_and_xlsx_give_the_same_summary(scored, tmp_path):
    jsonl = tmp_path / "scored.jsonl"
    assert main(["score", str(SAMPLE), "-o", str(jsonl), "--format", "jsonl", *RULES]) == 0
    a = build_report(scored, tmp_path / "a.html", by=["collector"], time_col="sent_at").summary
    b = build_report(jsonl, tmp_path / "b.html", by=["collector"], time_col="sent_at").summary
    assert (a.rows, a.flagged, a.per_label, a.per_risk, a.rules, a.laws) == \
        (b.rows, b.flagged, b.per_label, b.per_risk, b.rules, b.laws)
    assert [(g.value, g.flagged) for g in a.groups["collector"]] == [(g.value, g.flagged) for g in b.groups["collector"]]
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    with open(scored, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            sheet.append(row)
    book.save(tmp_path / "scored.xlsx")
    c = build_report(tmp_path / "scored.xlsx", tmp_path / "c.html", by=["collector"]).summary
    assert (c.rows, c.flagged, c.per_label, c.rules) == (a.rows, a.flagged, a.per_label, a.rules)


def test_no_full_identifier_survives_in_the_report(tmp_path):
    ids = [_id("110105", f"19{80 + i}0{1 + i}1{i}", f"{300 + i}") for i in range(3)]
    cards = [_card(f"62220212345678{i}") for i in range(3)]
    phones = ["13812345678", "15987654321", "18600001111"]
    src = tmp_path / "pii.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "collector", "text"])
        for i in range(3):
            w.writerow([f"p{i}", phones[i], (f"各位亲友，欠款人身份证号{ids[i]}，银行卡{cards[i]}，电话{phones[i]}，"
                                           f"大家帮忙转告他赶紧还钱，不还就把他的信息发到群里。")])
    scored = tmp_path / "pii_scored.csv"
    assert main(["score", str(src), "-o", str(scored), *RULES]) == 0
    assert any(r["privacy_leak"] == "1" for r in _scored_rows(scored))
    out = tmp_path / "pii.html"
    build_report(scored, out, by=["collector"], min_group=1)
    html = out.read_text(encoding="utf-8")
    for number in ids + cards + phones:
        assert number not in html, number
        assert number[-4:] in html  # masked, not dropped
    marks = re.findall(r"<mark[^>]*>([^<]*)</mark>", html)
    assert f"{ids[0][:3]}{'*' * 11}{ids[0][-4:]}" in marks  # the span still lands on the (masked) ID
    plain = tmp_path / "plain.html"
    assert main(["report", str(scored), "-o", str(plain), "--no-redact"]) == 0
    assert ids[0] in plain.read_text(encoding="utf-8")


def test_user_strings_are_escaped(tmp_path):
    src = tmp_path / "evil.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "collector", "text"])
        w.writerow(['"><script>alert(1)</script>', "<img src=x onerror=alert(2)>",
                    "老赖<script>alert(3)</script>，明天就去你家门口等你"])
    scored = tmp_path / "evil_scored.csv"
    assert main(["score", str(src), "-o", str(scored), *RULES]) == 0
    out = tmp_path / "evil.html"
    build_report(scored, out, by=["collector"], min_group=1, title="<b>title</b>")
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>title" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_contacts_findings_are_counted_per_rule_and_collector(scored, tmp_path):
    findings = tmp_path / "contacts.csv"
    with open(findings, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["debtor", "date", "label", "rules", "collector_id", "evidence"])
        w.writerow(["d1", "2024-03-04", "harassment", "quiet_hours|daily_cap", "王强", json.dumps({"calls": 9})])
        w.writerow(["d2", "2024-03-05", "harassment", "quiet_hours", "刘军", "{}"])
        w.writerow(["d3", "2024-03-05", "harassment", "third_party", "王强", "{}"])
    out = tmp_path / "c.html"
    build_report(scored, out, contacts=findings)
    html = out.read_text(encoding="utf-8")
    rules = html.split('id="contacts-rule"')[1].split("</table>")[0]
    assert "quiet_hours</td><td class=\"n\">2</td>" in rules and "daily_cap</td><td class=\"n\">1</td>" in rules
    collectors = html.split('id="contacts-collector"')[1].split("</table>")[0]
    assert "王强</td><td class=\"n\">2</td>" in collectors
    # the columns `yuefu contacts` writes (contacts/engine.py FINDING_COLUMNS): collectors and citations joined by |
    real = tmp_path / "findings.csv"
    with open(real, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["debtor", "date", "label", "label_zh", "risk", "rules", "contacts", "collectors", "evidence",
                    "citations"])
        w.writerow(["13812345678", "2024-03-04", "harassment", "骚扰", "high", "quiet_hours|daily_cap", "9",
                    "王强|刘军", "[]", "《中华人民共和国民法典》第一千零三十三条（2020-05-28）"])
        w.writerow(["d2", "2024-03-05", "harassment", "骚扰", "medium", "daily_cap", "5", "王强", "[]", ""])
    build_report(scored, out, contacts=real)
    html = out.read_text(encoding="utf-8")
    collectors = html.split('id="contacts-collector"')[1].split("</table>")[0]
    assert "王强</td><td class=\"n\">2</td>" in collectors and "刘军</td><td class=\"n\">1</td>" in collectors
    assert "daily_cap</td><td class=\"n\">2</td>" in html and "第一千零三十三条" in html
    assert "13812345678" not in html and "138****5678" in html  # a debtor id that is a phone number is masked
    bare = tmp_path / "bare.csv"
    bare.write_text("debtor,date,label\nd1,2024-03-04,harassment\n", encoding="utf-8")
    build_report(scored, out, contacts=bare)
    html = out.read_text(encoding="utf-8")
    assert "no rule or collector column" in html and "debtor, date, label" in html


def test_bad_inputs_say_what_to_do(scored, tmp_path, capsys):
    with pytest.raises(InputError, match="yuefu score"):
        build_report(SAMPLE, tmp_path / "x.html")  # not scored yet
    with pytest.raises(InputError, match="no such column.*agency, collector"):
        build_report(scored, tmp_path / "x.html", by=["collecter"])
    with pytest.raises(InputError, match="--time-col"):
        build_report(scored, tmp_path / "x.html", time_col="when")
    with pytest.raises(InputError, match="no such file"):
        build_report(tmp_path / "missing.csv", tmp_path / "x.html")
    with pytest.raises(InputError, match="cannot read .txt"):
        (tmp_path / "s.txt").write_text("x", encoding="utf-8")
        build_report(tmp_path / "s.txt", tmp_path / "x.html")
    with pytest.raises(InputError, match="yuefu score"):
        (tmp_path / "e.jsonl").write_text("", encoding="utf-8")
        build_report(tmp_path / "e.jsonl", tmp_path / "x.html")
    with pytest.raises(InputError, match="does not exist"):
        build_report(scored, tmp_path / "no" / "x.html")
    assert main(["report", str(SAMPLE), "-o", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "is this a scored file" in err and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_a_cut_file_is_an_error_not_a_wrong_report(scored, tmp_path):
    cut = tmp_path / "cut.csv"
    lines = scored.read_text(encoding="utf-8").splitlines(keepends=True)
    cut.write_text("".join(lines[:3]) + "msg-x,sms\n", encoding="utf-8")
    with pytest.raises(InputError, match="cut or edited"):
        build_report(cut, tmp_path / "x.html")


def test_read_scored_checks_the_contract_columns(scored, tmp_path):
    table = read_scored(scored)
    assert "evidence" in table.columns and sum(1 for _ in table.rows) == 40
    broken = tmp_path / "broken.csv"
    broken.write_text("id,text,flagged\n1,a,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="labels, risk"):
        read_scored(broken)


def test_bad_evidence_is_counted_not_fatal():
    row = parse_row({"text": "x", "flagged": "1", "labels": "insult", "risk": "medium", "evidence": "{oops",
                     "error": ""}, 1)
    assert row.bad_evidence and row.findings == () and row.labels == ("insult",)
    s = summarise([row])
    assert s.bad_evidence == 1 and s.flagged == 1
