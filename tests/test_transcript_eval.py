"""The transcript report: role decisions, false flags where only the customer is abusive, localisation (issue #13)."""
from __future__ import annotations

from pathlib import Path

import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.errors import InputError
from yuefu_nlp.evaluation.transcripts import load_transcript_cases, transcript_report, transcript_table

FIX = Path(__file__).parent / "fixtures" / "transcript_gold" / "small.jsonl"


def test_report_on_the_small_gold_file():
    cases = load_transcript_cases(FIX)
    assert [c.collector for c in cases] == ["坐席", "催收员", "坐席"] and cases[1].violating_turns["threat"] == (2,)
    report = transcript_report(Analyzer.load("fused"), cases, n_boot=20)
    assert report["roles"]["correct"]["count"] == 3  # prefixed roles: the judged turns are exactly the collector's
    blamed = report["calls"]["customer_abusive_compliant_flagged"]
    assert (blamed["count"], blamed["of"]) == (0, 1)  # the customer's 傻逼 is not the collector's
    loc = report["localisation"]
    assert loc["all_findings_in_marked_turn"]["of"] >= 3 and loc["all_findings_in_marked_turn"]["rate"] == 1.0
    assert loc["model_only_findings_in_marked_turn"]["count"] == 1  # tg-3's obfuscated insult, located in turn 2
    assert "collector identified" in transcript_table(report)


def test_a_broken_gold_row_names_its_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "坐席：你好"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:1: .*labels"):
        load_transcript_cases(bad)


def test_localisation_methods_are_compared_on_the_same_decisions():
    from yuefu_nlp.evaluation.transcripts import LOCALISATION_METHODS, compare_localisation

    out = compare_localisation(Analyzer.load("model"), load_transcript_cases(FIX))
    assert out["decisions"] >= 2  # tg-2 and tg-3: the model flags a deserved label in a call with two collector turns
    assert {m: out[m]["of"] for m in LOCALISATION_METHODS} == {m: out["decisions"] for m in LOCALISATION_METHODS}
    assert out["first_turn"]["count"] == 0  # every marked turn of the fixture is the last collector turn
    assert out["occlusion"]["count"] == out["decisions"]
