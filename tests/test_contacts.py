"""yuefu contacts: each policy rule fires on its pattern and not on the pattern next to it, in the policy's time zone,
on real DuckDB (no mocks); broken policies name the file and the field; broken rows are reported, not fatal."""
from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb", reason="the contacts extra (duckdb) is not installed")

from yuefu_nlp.cli import main
from yuefu_nlp.contacts import (
    DEFAULT_POLICY,
    LogColumns,
    find_harassment,
    load_policy,
    meta_path,
    problems_path,
    write_findings,
)
from yuefu_nlp.domain import LABELS, PatternLabel
from yuefu_nlp.errors import PolicyError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "contacts.csv"
HEADER = ["time", "debtor_id", "collector_id", "channel", "recipient", "direction", "text"]


def log(tmp_path: Path, rows: list[tuple], name: str = "log.csv") -> Path:
    """A CSV log of rows (time, debtor, collector, channel, recipient[, direction[, text]])."""
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for r in rows:
            w.writerow(list(r) + [""] * (len(HEADER) - len(r)))
    return path


def policy(tmp_path: Path, only: str, **fields) -> Path:
    """The default policy with only rule `only` enabled (its fields overridden), so a test sees one rule at a time."""
    import yaml

    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    for name, rule in data["rules"].items():
        rule["enabled"] = name == only
    data["rules"][only].update(fields)
    path = tmp_path / f"policy_{only}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def findings(tmp_path: Path, rows: list[tuple], only: str, **fields):
    return find_harassment(log(tmp_path, rows), policy=policy(tmp_path, only, **fields), threads=1,
                           memory_limit="500MB")


def day(r, debtor: str, date: str):
    return [f for f in r.findings if f.debtor == debtor and str(f.date) == date]


# ---- the label ------------------------------------------------------------------------------------------------------

def test_harassment_is_not_a_message_label():
    assert PatternLabel.HARASSMENT == "harassment" and "harassment" not in LABELS
    assert LABELS == ("threat", "insult", "privacy_leak", "false_legal_claim")


def test_default_policy_loads_and_cites_only_checked_articles():
    p = load_policy()
    assert p.timezone == "Asia/Shanghai" and {r.name for r in p.enabled} == {
        "quiet_hours", "daily_cap", "weekly_cap", "burst", "third_party", "after_stop"}
    cited = {str(c) for r in p.enabled for c in r.citations} | {str(c) for c in p.message_citations}
    assert cited == {"《中华人民共和国民法典》第一千零三十三条（2020-05-28）",
                     "《中华人民共和国治安管理处罚法》第四十二条（2012-10-26）"}
    for c in [c for r in p.enabled for c in r.citations] + list(p.message_citations):
        assert c.quote in (ROOT / c.source).read_text(encoding="utf-8")  # verbatim from the shipped statute text
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    assert "POLICY, NOT LAW" in text


# ---- quiet hours and time zones -------------------------------------------------------------------------------------

def test_quiet_hours_in_the_policy_zone_not_utc(tmp_path):
    r = findings(tmp_path, [
        ("2024-03-05T15:10:00Z", "D1", "C1", "call", "debtor"),       # 23:10 in Shanghai: quiet
        ("2024-03-05T23:30:00+00:00", "D2", "C1", "call", "debtor"),  # 07:30 on the 6th in Shanghai: quiet
        ("2024-03-06T01:30:00Z", "D3", "C1", "call", "debtor"),       # night in UTC, 09:30 in Shanghai: fine
        ("2024-03-05T21:59:59", "D4", "C1", "call", "debtor"),        # naive = local: just before 22:00
        ("2024-03-05 08:00:00", "D5", "C1", "sms", "debtor"),         # the first minute allowed again
        ("2024-03-05 22:00:00+08:00", "D6", "C1", "sms", "debtor"),   # the first quiet minute
    ], "quiet_hours")
    got = {(f.debtor, str(f.date)): f for f in r.findings}
    assert set(got) == {("D1", "2024-03-05"), ("D2", "2024-03-06"), ("D6", "2024-03-05")}
    assert got[("D1", "2024-03-05")].first_event == "2024-03-05T23:10:00+08:00"
    assert got[("D2", "2024-03-06")].evidence[0].time == "2024-03-06T07:30:00+08:00"
    assert got[("D1", "2024-03-05")].rules == ("quiet_hours",) and got[("D1", "2024-03-05")].quiet_hour_contacts == 1


def test_another_policy_zone_moves_the_quiet_hours(tmp_path):
    rows = [("2024-03-05T15:10:00Z", "D1", "C1", "call", "debtor")]  # 23:10 Shanghai, 10:10 New York
    p = policy(tmp_path, "quiet_hours")
    text = p.read_text(encoding="utf-8").replace("timezone: Asia/Shanghai", "timezone: America/New_York")
    p.write_text(text, encoding="utf-8")
    assert not find_harassment(log(tmp_path, rows), policy=p).findings
    assert find_harassment(log(tmp_path, rows), policy=policy(tmp_path, "quiet_hours")).findings


def test_quiet_hours_that_do_not_cross_midnight(tmp_path):
    rows = [("2024-03-05 12:30:00", "D1", "C1", "call", "debtor"), ("2024-03-05 14:00:00", "D2", "C1", "call", "debtor")]
    r = findings(tmp_path, rows, "quiet_hours", start="12:00", end="14:00")
    assert [f.debtor for f in r.findings] == ["D1"]


# ---- daily and weekly caps ------------------------------------------------------------------------------------------

def test_daily_cap_counts_local_days(tmp_path):
    rows = [(f"2024-03-05 {h}:00:00", "D1", "C1", "call", "debtor") for h in (9, 11, 13, 15)]  # 4 > 3
    rows += [(f"2024-03-05 {h}:00:00", "D2", "C1", "call", "debtor") for h in (9, 11, 13)]  # 3: at the cap
    r = findings(tmp_path, rows, "daily_cap")
    assert [(f.debtor, str(f.date), f.contacts) for f in r.findings] == [("D1", "2024-03-05", 4)]
    assert [e.row for e in r.findings[0].evidence] == [1, 2, 3, 4]
    assert r.findings[0].rules == ("daily_cap",)


def test_day_boundary_23_59_and_00_01_are_different_days(tmp_path):
    rows = [("2024-03-05 10:00:00", "D1", "C1", "call", "debtor"), ("2024-03-05 18:00:00", "D1", "C1", "call", "debtor"),
            ("2024-03-05 23:59:00", "D1", "C1", "call", "debtor"), ("2024-03-06 00:01:00", "D1", "C1", "call", "debtor"),
            # the same instants written in UTC: 15:59Z is 23:59 local, 16:01Z is 00:01 the next day
            ("2024-03-05T02:00:00Z", "D2", "C1", "call", "debtor"), ("2024-03-05T10:00:00Z", "D2", "C1", "call", "debtor"),
            ("2024-03-05T15:59:00Z", "D2", "C1", "call", "debtor"), ("2024-03-05T16:01:00Z", "D2", "C1", "call", "debtor")]
    assert not findings(tmp_path, rows, "daily_cap").findings  # 3 + 1 on each side of midnight
    rows.append(("2024-03-05 23:30:00", "D1", "C2", "sms", "debtor"))
    rows.append(("2024-03-05T15:30:00Z", "D2", "C2", "sms", "debtor"))
    r = findings(tmp_path, rows, "daily_cap")
    assert sorted((f.debtor, str(f.date), f.contacts) for f in r.findings) == [("D1", "2024-03-05", 4),
                                                                              ("D2", "2024-03-05", 4)]


def test_daily_cap_channels_filter(tmp_path):
    rows = [(f"2024-03-05 {h}:00:00", "D1", "C1", "sms", "debtor") for h in (9, 10, 11, 12, 13)]
    assert not findings(tmp_path, rows, "daily_cap", channels=["call"]).findings
    assert findings(tmp_path, rows, "daily_cap", channels=["call", "sms"]).findings


def test_daily_cap_counts_the_debtor_not_third_parties(tmp_path):
    rows = [(f"2024-03-05 {h}:00:00", "D1", "C1", "call", "mother") for h in (9, 10, 11, 12, 13)]
    assert not findings(tmp_path, rows, "daily_cap").findings


def test_weekly_cap_and_the_week_boundary(tmp_path):
    # 2024-03-04 is a Monday. Two a day Monday to Sunday = 14 in the week: contacts 11..14 are over the cap of 10.
    week = [(f"2024-03-{d:02d} {h}:00:00", "D1", "C1", "call", "debtor") for d in range(4, 11) for h in (10, 15)]
    r = findings(tmp_path, week, "weekly_cap")
    assert [(str(f.date), len(f.evidence)) for f in sorted(r.findings, key=lambda f: f.date)] == [
        ("2024-03-09", 2), ("2024-03-10", 2)]  # Monday to Friday make 10: both of Saturday and Sunday are over
    assert max(f.week_contacts_to_date for f in r.findings) == 14
    # the same 14 contacts across a week boundary (Thursday to Wednesday): at most 8 in either week
    across = [(f"2024-03-{d:02d} {h}:00:00", "D2", "C1", "call", "debtor") for d in range(7, 14) for h in (10, 15)]
    assert not findings(tmp_path, across, "weekly_cap").findings
    # Sunday 23:30 local written in UTC belongs to the week it is in locally
    sunday = [(f"2024-03-{d:02d} {h}:00:00", "D3", "C1", "call", "debtor") for d in range(4, 10) for h in (10, 15)]
    assert len(sunday) == 12 and findings(tmp_path, sunday, "weekly_cap").findings
    monday_local = sunday[:10] + [("2024-03-10T16:30:00Z", "D3", "C1", "call", "debtor")] * 2  # Mon 00:30 local
    assert not findings(tmp_path, monday_local, "weekly_cap").findings


# ---- bursts ---------------------------------------------------------------------------------------------------------

def test_burst_exactly_n_within_m_minutes(tmp_path):
    rows = [("2024-03-05 10:00:00", "D1", "C1", "call", "debtor"), ("2024-03-05 10:04:00", "D1", "C2", "call", "debtor"),
            ("2024-03-05 10:10:00", "D1", "C1", "sms", "debtor")]  # 3 with exactly 10 minutes first to last
    r = findings(tmp_path, rows, "burst")
    assert len(r.findings) == 1 and r.findings[0].largest_burst == 3 and r.findings[0].risk == "high"
    assert r.findings[0].collectors == ("C1", "C2") and [e.rules for e in r.findings[0].evidence] == [("burst",)] * 3


def test_burst_spread_just_beyond_the_window(tmp_path):
    rows = [("2024-03-05 10:00:00", "D1", "C1", "call", "debtor"), ("2024-03-05 10:04:00", "D1", "C1", "call", "debtor"),
            ("2024-03-05 10:10:01", "D1", "C1", "call", "debtor"),  # 10 min 1 s: no window holds 3
            ("2024-03-05 11:00:00", "D2", "C1", "call", "debtor"), ("2024-03-05 11:09:00", "D2", "C1", "call", "debtor")]
    assert not findings(tmp_path, rows, "burst").findings


def test_burst_marks_only_the_contacts_inside_it(tmp_path):
    rows = [("2024-03-05 09:00:00", "D1", "C1", "call", "debtor")]
    rows += [(f"2024-03-05 10:0{m}:00", "D1", "C1", "call", "debtor") for m in (0, 2, 4, 6)]
    rows += [("2024-03-05 16:00:00", "D1", "C1", "call", "debtor")]
    r = findings(tmp_path, rows, "burst")
    assert [e.row for e in r.findings[0].evidence] == [2, 3, 4, 5] and r.findings[0].largest_burst == 4
    assert r.findings[0].contacts == 6 and r.findings[0].flagged_events == 4


def test_burst_is_per_debtor_across_collectors_not_across_debtors(tmp_path):
    rows = [("2024-03-05 10:00:00", f"D{i}", "C1", "call", "debtor") for i in range(5)]  # one each, same minute
    assert not findings(tmp_path, rows, "burst").findings


# ---- third parties --------------------------------------------------------------------------------------------------

def test_third_party_contacts(tmp_path):
    rows = [("2024-03-05 10:00:00", "D1", "C1", "call", "mother"), ("2024-03-05 11:00:00", "D1", "C1", "call", "employer"),
            ("2024-03-05 10:00:00", "D2", "C1", "call", "emergency_contact"),  # one a day is tolerated by default
            ("2024-03-05 10:00:00", "D3", "C1", "call", "debtor"), ("2024-03-05 11:00:00", "D3", "C1", "call", "本人"),
            ("2024-03-05 12:00:00", "D3", "C1", "call", "D3")]  # the debtor under three spellings
    r = findings(tmp_path, rows, "third_party")
    assert [(f.debtor, f.third_party_contacts, f.contacts_to_debtor) for f in r.findings] == [("D1", 2, 0)]
    assert {e.recipient for e in r.findings[0].evidence} == {"mother", "employer"}
    assert len(findings(tmp_path, rows, "third_party", max_per_day=0).findings) == 2


# ---- contact after a stop request -----------------------------------------------------------------------------------

STOP = [
    ("2024-03-05 10:00:00", "D1", "C1", "call", "debtor"),  # before the request: fine
    ("2024-03-05 10:05:00", "D1", "C1", "sms", "debtor", "in", "我会还的，但是请不要再联系我了"),
    ("2024-03-05 10:05:00", "D1", "C1", "call", "debtor", "out"),  # the same instant: not after
    ("2024-03-06 09:00:00", "D1", "C2", "call", "debtor"),  # after: flagged
    ("2024-03-05 10:00:00", "D2", "C1", "sms", "debtor", "in", "我没说别再打了，你们可以打"),  # negated: no request
    ("2024-03-06 09:00:00", "D2", "C1", "call", "debtor"),
    ("2024-03-05 10:00:00", "D3", "C1", "sms", "debtor", "out", "如您希望停止联系请回复"),  # outbound: never a request
    ("2024-03-05 10:00:00", "D3", "C1", "sms", "debtor", "out", "不要再联系我"),
    ("2024-03-06 09:00:00", "D3", "C1", "call", "debtor"),
    ("2024-03-05 12:00:00", "D4", "", "note", "debtor", "note", "客户要求停止催收"),  # a collector's note counts
    ("2024-03-05 13:00:00", "D4", "C3", "call", "debtor"),
]


def test_contact_after_a_stop_request_and_not_before(tmp_path):
    r = findings(tmp_path, STOP, "after_stop")
    got = {(f.debtor, str(f.date)): f for f in r.findings}
    assert set(got) == {("D1", "2024-03-06"), ("D4", "2024-03-05")}
    d1 = got[("D1", "2024-03-06")]
    assert d1.risk == "high" and d1.contacts_after_stop == 1 and d1.stop_requested_at == "2024-03-05T10:05:00+08:00"
    assert d1.evidence[0].rules == ("stop_request",) and "不要再联系我" in d1.evidence[0].text
    assert [e.row for e in d1.evidence] == [2, 4]
    assert r.summary.stop_requests == 2


def test_stop_request_without_negation_list_is_literal(tmp_path):
    r = findings(tmp_path, STOP, "after_stop", negations=[])
    assert ("D2", "2024-03-06") in {(f.debtor, str(f.date)) for f in r.findings}


# ---- the findings as a whole ----------------------------------------------------------------------------------------

def test_one_finding_per_debtor_day_with_every_rule_and_message_citation(tmp_path):
    rows = [("2024-03-05 23:10:00", "D1", "C1", "sms", "debtor"), ("2024-03-05 23:12:00", "D1", "C2", "sms", "debtor"),
            ("2024-03-05 23:15:00", "D1", "C1", "call", "debtor"), ("2024-03-05 10:00:00", "D1", "C1", "app", "debtor")]
    r = find_harassment(log(tmp_path, rows))
    assert len(r.findings) == 1
    f = r.findings[0]
    assert f.label == "harassment" and f.label_zh == "骚扰" and f.risk == "high"
    assert f.rules == ("burst", "quiet_hours", "daily_cap")
    assert f.first_event == "2024-03-05T10:00:00+08:00" and f.last_event == "2024-03-05T23:15:00+08:00"
    assert [str(c) for c in f.citations] == ["《中华人民共和国民法典》第一千零三十三条（2020-05-28）",
                                             "《中华人民共和国治安管理处罚法》第四十二条（2012-10-26）"]  # 3 messages
    calls_only = [(t, d, c, "call", rcp) for t, d, c, _, rcp in rows]
    f2 = find_harassment(log(tmp_path, calls_only)).findings[0]
    assert [c.law for c in f2.citations] == ["中华人民共和国民法典"]  # no messages: no 治安管理处罚法 citation


def test_bad_rows_are_reported_and_the_rest_is_checked(tmp_path):
    rows = [("昨天下午三点", "D1", "C1", "call", "debtor"), ("2024-03-05", "D1", "C1", "call", "debtor"),
            ("", "D1", "C1", "call", "debtor"), ("2024-03-05 23:00:00", "", "C1", "call", "debtor"),
            ("2024-03-05 23:00:00", "D1", "C1", "call", "debtor", "sideways"),
            ("2024-03-05 23:00:00", "D1", "C1", "call", "debtor")]
    r = find_harassment(log(tmp_path, rows), policy=policy(tmp_path, "quiet_hours"))
    assert [(p.row, p.field) for p in r.problems] == [(1, "time"), (2, "time"), (3, "time"), (4, "debtor_id"),
                                                      (5, "direction")]
    assert r.problems[0].value == "昨天下午三点" and "time of day" in r.problems[1].problem
    assert [(f.debtor, [e.row for e in f.evidence]) for f in r.findings] == [("D1", [6])]
    assert r.summary.events == 6 and r.summary.problems == 5


def test_unreadable_csv_records_are_skipped_and_named(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("time,debtor_id,collector_id,channel,recipient\n2024-03-05 23:00:00,D1,C1,call,debtor\n"
                    "2024-03-05 23:10:00,D1,C1,call,debtor,extra,fields\n2024-03-05 23:20:00,D2,C1,call,debtor\n",
                    encoding="utf-8")
    r = find_harassment(path, policy=policy(tmp_path, "quiet_hours"))
    assert sorted(f.debtor for f in r.findings) == ["D1", "D2"]
    assert any(p.row is None and "line" in p.field for p in r.problems)


def test_columns_are_named_by_options_and_missing_ones_say_which(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("ts,customer,agent,via,who\n2024-03-05 23:00:00,D1,A1,call,debtor\n", encoding="utf-8")
    cols = LogColumns(time="ts", debtor="customer", collector="agent", channel="via", recipient="who")
    r = find_harassment(path, columns=cols, policy=policy(tmp_path, "quiet_hours"))
    assert [(f.debtor, f.collectors) for f in r.findings] == [("D1", ("A1",))]
    assert set(r.summary.missing_columns) == {"text", "direction"}
    from yuefu_nlp.errors import InputError

    with pytest.raises(InputError, match="no column 'when'.*--time-col"):
        find_harassment(path, columns=LogColumns(time="when", debtor="customer"))
    with pytest.raises(InputError, match="no column 'agent_x'"):
        find_harassment(path, columns=LogColumns(time="ts", debtor="customer", collector="agent_x"))


def test_parquet_jsonl_and_dataframe_give_the_same_findings(tmp_path):
    pd = pytest.importorskip("pandas")
    rows = [("2024-03-05T15:10:00Z", "D1", "C1", "call", "debtor", "out", ""),
            ("2024-03-05 10:00:00", "D2", "C1", "call", "mother", "out", ""),
            ("2024-03-05 11:00:00", "D2", "C1", "call", "employer", "out", "")]
    csv_path = log(tmp_path, rows)
    frame = pd.DataFrame(rows, columns=HEADER)
    pq = tmp_path / "log.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true)) TO '{pq}' (FORMAT parquet)")
    jl = tmp_path / "log.jsonl"
    jl.write_text("".join(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def key(r):
        return [(f.debtor, str(f.date), f.rules, [e.row for e in f.evidence]) for f in r.findings]

    expected = key(find_harassment(csv_path))
    assert expected and len(expected) == 2
    assert key(find_harassment(pq)) == key(find_harassment(jl)) == key(find_harassment(frame)) == expected


def test_parquet_timestamps_naive_are_local(tmp_path):
    pq = tmp_path / "typed.parquet"
    duckdb.sql(f"""COPY (SELECT TIMESTAMP '2024-03-05 23:10:00' AS time, 'D1' AS debtor_id
                  UNION ALL SELECT TIMESTAMP '2024-03-05 15:10:00', 'D2') TO '{pq}' (FORMAT parquet)""")
    r = find_harassment(pq, policy=policy(tmp_path, "quiet_hours"))
    assert [f.debtor for f in r.findings] == ["D1"]


# ---- policy files ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, field, says", [
    (("start: \"22:00\"", "start: 22:00"), "rules.quiet_hours.start", "in quotes"),
    (("start: \"22:00\"", "start: \"25:00\""), "rules.quiet_hours.start", "HH:MM"),
    (("max: 3\n", "max: three\n"), "rules.daily_cap.max", "whole number"),
    (("max: 3\n", "max: 0\n"), "rules.daily_cap.max", "at least 1"),
    (("timezone: Asia/Shanghai", "timezone: Mars/Olympus"), "timezone", "unknown time zone"),
    (("    risk: high\n    citations: [civil_code_1033]\n\n  third_party",
      "    risk: severe\n    citations: [civil_code_1033]\n\n  third_party"), "rules.burst.risk", "high, medium, low"),
    (("citations: [civil_code_1033]\n\n  weekly_cap", "citations: [civil_code_9999]\n\n  weekly_cap"),
     "rules.daily_cap.citations", "civil_code_9999"),
    (("  burst:\n", "  bursts:\n"), "rules.bursts", "unknown field"),
    (("minutes: 10", "minutes: -1"), "rules.burst.minutes", "between 1"),
    (("    phrases:\n", "    phrasez:\n"), "rules.after_stop.phrasez", "unknown field"),
])
def test_a_broken_policy_names_the_file_and_the_field(tmp_path, edit, field, says):
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    assert edit[0] in text, edit[0]
    path = tmp_path / "broken_policy.yaml"
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.file == str(path) and info.value.field == field
    assert str(path) in str(info.value) and says in str(info.value)


def test_unreadable_or_empty_policies(tmp_path):
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid UTF-8 YAML"):
        load_policy(bad)
    none = tmp_path / "none.yaml"
    none.write_text(textwrap.dedent("""\
        rules:
          quiet_hours: {enabled: false, start: "22:00", end: "08:00", citations: [civil_code_1033]}
        """), encoding="utf-8")
    with pytest.raises(PolicyError, match="no rule is enabled") as info:
        load_policy(none)
    assert info.value.field == "rules"


# ---- the command line -----------------------------------------------------------------------------------------------

def test_cli_end_to_end_on_the_sample(tmp_path, capsys):
    out = tmp_path / "findings.csv"
    assert main(["contacts", str(SAMPLE), "-o", str(out), "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert "findings (debtor-days)" in err and f"wrote {out}" in err
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    from yuefu_nlp.contacts.engine import FINDING_COLUMNS

    assert rows and list(rows[0]) == list(FINDING_COLUMNS)
    by = {}
    for r in rows:
        by.setdefault(r["debtor"], set()).update(r["rules"].split("|"))
        assert r["label"] == "harassment" and r["risk"] in ("high", "medium", "low")
        assert "第一千零三十三条" in r["citations"]
        events = json.loads(r["evidence"])
        assert events and all({"row", "time", "collector", "channel", "rules"} <= set(e) for e in events)
    risks = [r["risk"] for r in rows]
    assert risks == sorted(risks, key=["high", "medium", "low"].index)  # highest risk first
    # the sample's designed debtors (data/samples/README.md)
    assert "D001" not in by and "D007" not in by  # compliant; a negated stop request
    assert "quiet_hours" in by["D002"] and "daily_cap" in by["D003"] and "burst" in by["D004"]
    assert "third_party" in by["D005"] and "after_stop" in by["D006"] and "weekly_cap" in by["D008"]
    with open(problems_path(out), encoding="utf-8", newline="") as fh:
        problems = list(csv.DictReader(fh))
    assert {p["field"] for p in problems} >= {"time", "debtor_id"}
    meta = json.loads(meta_path(out).read_text(encoding="utf-8"))
    assert meta["policy"]["timezone"] == "Asia/Shanghai" and len(meta["policy"]["sha256"]) == 64
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left


def test_cli_fail_on_and_errors(tmp_path, capsys):
    out = tmp_path / "f.csv"
    assert main(["contacts", str(SAMPLE), "-o", str(out), "--fail-on", "high"]) == 1
    quiet = log(tmp_path, [("2024-03-05 10:00:00", "D1", "C1", "call", "debtor")])
    assert main(["contacts", str(quiet), "-o", str(out), "--fail-on", "any"]) == 0
    bad = tmp_path / "p.yaml"
    bad.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace("Asia/Shanghai", "Nowhere/Land"), encoding="utf-8")
    capsys.readouterr()
    assert main(["contacts", str(quiet), "-o", str(out), "--policy", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "'timezone'" in err
    assert main(["contacts", str(tmp_path / "nope.csv"), "-o", str(out)]) == 2
    assert main(["contacts", str(quiet), "-o", str(tmp_path / "no_folder" / "f.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_write_findings_replaces_the_output_atomically(tmp_path):
    out = tmp_path / "f.csv"
    out.write_text("old\n", encoding="utf-8")
    quiet_night = log(tmp_path, [("2024-03-05 23:00:00", "D1", "C1", "call", "debtor")])
    summary = write_findings(quiet_night, out)
    assert summary.findings == 1 and out.read_text(encoding="utf-8").startswith("debtor,date,label")
    with pytest.raises(PolicyError):
        write_findings(quiet_night, out, policy=tmp_path / "missing.yaml")
    assert out.read_text(encoding="utf-8").startswith("debtor,date,label")  # untouched by the failed run
    assert not list(tmp_path.glob(".*.part"))
