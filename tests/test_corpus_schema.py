"""The gold row schema: good rows load, every broken row is reported with file, line and field."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from yuefu_nlp.corpus.schema import REGISTERS, CorpusRow, SchemaError, load_rows, row_from_dict, write_rows
from yuefu_nlp.domain import LABELS

FIX = Path(__file__).parent / "fixtures" / "corpus"
GOLD = Path(__file__).resolve().parents[1] / "data" / "gold" / "raw"


def test_label_vocabulary_is_the_four_labels():
    assert LABELS == ("threat", "insult", "privacy_leak", "false_legal_claim")
    assert REGISTERS == ("sms", "chat", "transcript", "third_party")


def test_good_rows_load_with_labels_in_canonical_order():
    rows = load_rows(FIX / "good.jsonl")
    assert [r.id for r in rows] == ["fx-good-1", "fx-good-2", "fx-good-3", "fx-good-4", "fx-good-5"]
    by_id = {r.id: r for r in rows}
    assert by_id["fx-good-2"].labels == ("threat", "insult", "false_legal_claim")
    assert by_id["fx-good-1"].is_compliant and not by_id["fx-good-2"].is_compliant
    assert by_id["fx-good-2"].scenario == "" and by_id["fx-good-2"].variety == ()  # optional fields default
    assert by_id["fx-good-3"].variety == ("mixed",)
    assert by_id["fx-good-4"].source_kind == "external"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].text = "x"  # type: ignore[misc]


def test_broken_rows_name_file_line_and_field():
    with pytest.raises(SchemaError) as err:
        load_rows(FIX / "broken.jsonl")
    problems = err.value.problems
    text = "\n".join(problems)
    assert all(p.startswith(str(FIX / "broken.jsonl") + ":") for p in problems)
    expected = [
        (2, "labels", "unknown label 'threats'"),
        (3, "<json>", "invalid JSON"),
        (4, "family", "missing"),
        (5, "register", "'email'"),
        (6, "source", "'crawled'"),
        (7, "labels", "expected a list"),
        (8, "lable", "unknown field"),
        (9, "text", "collector line"),
        (10, "id", "duplicate id 'fx-bad-1'"),
        (11, "text", "empty"),
        (11, "labels", "duplicate label"),
        (12, "variety", "list of strings"),
    ]
    for line, field, why in expected:
        assert any(f"broken.jsonl:{line}: field '{field}'" in p and why in p for p in problems), (line, field, text)
    assert not any("broken.jsonl:1:" in p for p in problems)  # line 1 is valid


def test_duplicate_ids_across_files_and_directories():
    with pytest.raises(SchemaError, match="duplicate id 'fx-good-1'"):
        load_rows([FIX / "good.jsonl", FIX / "good.jsonl"])
    with pytest.raises(SchemaError):
        load_rows(FIX)  # the directory holds broken.jsonl too


def test_row_from_dict_and_round_trip(tmp_path):
    row = row_from_dict({"id": "a", "text": "请尽快还款", "labels": [], "register": "sms", "source": "synthetic",
                         "family": "f"})
    assert isinstance(row, CorpusRow)
    with pytest.raises(SchemaError, match="field 'labels'"):
        row_from_dict({"id": "a", "text": "x", "labels": ["abuse"], "register": "sms", "source": "synthetic",
                       "family": "f"}, where="inline")
    rows = load_rows(FIX / "good.jsonl")
    out = tmp_path / "rows.jsonl"
    assert write_rows(rows, out) == len(rows)
    assert load_rows(out) == rows
    assert "傻逼" in out.read_text(encoding="utf-8")  # written as readable UTF-8, not \\u escapes


@pytest.mark.skipif(not any(GOLD.glob("*.jsonl")), reason="no gold files yet")
def test_gold_files_validate():
    rows = load_rows(GOLD)
    assert rows, "gold files exist but hold no rows"
