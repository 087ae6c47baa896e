"""The shortcut audit on a fixture whose shortcuts are planted: 家 in 8 threat rows and 1 compliant row."""
from __future__ import annotations

from pathlib import Path

import pytest

from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.corpus.shortcuts import associations, render_audit, shortcut_audit

FIXTURE = Path(__file__).parent / "fixtures" / "corpus" / "shortcut_mini.jsonl"


@pytest.fixture(scope="module")
def rows():
    return load_rows(FIXTURE)


def test_the_planted_character_predicts_threat(rows):
    top = associations(rows, "threat", kind="char", min_rows=3)
    jia = next(a for a in top if a.token == "家")
    assert (jia.rows, jia.label_rows, jia.compliant_rows) == (9, 8, 1)
    assert jia.p_label == pytest.approx(9 / 11)
    assert top[0].p_label >= jia.p_label  # ranked by P(label | token)
    # 饭 occurs in compliant rows only: it cannot predict a threat
    fan = next(a for a in top if a.token == "饭")
    assert fan.label_rows == 0 and fan.compliant_share == 1.0


def test_words_are_counted_once_per_row_and_normalized(rows):
    word = {a.token: a for a in associations(rows, "insult", kind="word", min_rows=3)}
    assert word["废物"].rows == 3 and word["废物"].label_rows == 3


def test_audit_json_and_before_after_table(rows):
    audit = shortcut_audit(rows, top=5, min_rows=3)
    assert audit["rows"] == len(rows) and audit["compliant_rows"] == 4
    assert {"any", "threat", "insult", "privacy_leak", "false_legal_claim"} <= set(audit)
    # after adding benign rows that mention 家, the table shows its compliant count rising
    extra = [r.__class__(**{**r.__dict__, "id": r.id + "-b", "text": "回家吃饭", "labels": ()}) for r in rows[:5]]
    md = render_audit(rows, list(rows) + extra, top=10, min_rows=3, kind="char")
    line = next(ln for ln in md.splitlines() if ln.startswith("| 家 |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1:3] == ["9", "1"] and cells[4:6] == ["14", "6"]
