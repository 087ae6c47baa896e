"""The pandas entry points: the scored-CSV contract as DataFrame columns, equal to what `yuefu score` writes."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.batch import OUTPUT_COLUMNS, score_file, text_problem
from yuefu_nlp.domain import LABELS
from yuefu_nlp.errors import InputError, MissingDependencyError
from yuefu_nlp.frame import score_frame, score_series

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "messages.csv"
INT8 = ["flagged", *LABELS]
SCORES = [f"{label}_score" for label in LABELS]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.load()  # the shipped model and lexicons


def _sample() -> pd.DataFrame:
    """The sample messages with missing texts between them, on a string index with a duplicate."""
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    blanks = pd.DataFrame({"id": ["b1", "b2", "b3"], "channel": ["sms"] * 3, "text": [None, "", "   "]})
    df = pd.concat([df.iloc[:5], blanks, df.iloc[5:]], ignore_index=True)
    df.index = [f"r{i}" for i in range(len(df))]
    return df.rename(index={"r1": "r0"})


def test_index_columns_and_dtypes_are_kept(analyzer):
    df = pd.DataFrame(
        {
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "text": ["你个傻逼，明天就去你单位找你", "您好，请按时还款", None, "请尽快处理"],
            "cat": pd.Categorical(["a", "b", "a", "b"]),
            "x": [0.5, 1.5, np.nan, 2.0],
        },
        index=pd.MultiIndex.from_tuples([("a", 1), ("a", 1), ("b", 2), ("c", 3)], names=["k", "j"]),
    )
    before = df.copy()
    out = score_frame(df, analyzer=analyzer)
    pd.testing.assert_frame_equal(df, before)  # the input is not touched
    assert list(out.columns) == list(df.columns) + list(OUTPUT_COLUMNS)
    pd.testing.assert_index_equal(out.index, df.index)
    pd.testing.assert_frame_equal(out[list(df.columns)], df)  # input columns, values and dtypes unchanged
    assert all(out[c].dtype == np.int8 for c in INT8)
    assert all(out[c].dtype == np.float64 for c in SCORES)
    assert all(out[c].dtype == object for c in ("labels", "risk", "evidence", "error"))
    assert out["flagged"].tolist() == [1, 0, 0, 0]


def test_missing_and_non_text_cells_keep_their_row_with_an_error(analyzer):
    texts = ["你个傻逼", None, np.nan, pd.NA, "", "  \n", 42, 3.5, "您好，请按时还款"]
    out = score_frame(pd.DataFrame({"text": pd.Series(texts, dtype=object, index=range(10, 19))}), analyzer=analyzer)
    assert list(out.index) == list(range(10, 19))
    missing = text_problem("")  # the reason `yuefu score` gives
    assert out["error"].tolist()[:6] == ["", missing, missing, missing, missing, missing]
    assert out["error"].iloc[6].startswith("not text: int") and out["error"].iloc[7].startswith("not text: float")
    assert out["error"].iloc[8] == ""
    errors = out[out["error"] != ""]
    assert (errors[INT8] == 0).all().all() and errors[SCORES].isna().all().all()
    assert (errors["evidence"] == "[]").all() and (errors["labels"] == "").all() and (errors["risk"] == "").all()
    assert out["flagged"].iloc[0] == 1 and out["risk"].iloc[8] == "none"


def test_values_equal_what_yuefu_score_writes(analyzer, tmp_path):
    df = _sample()
    out = score_frame(df, analyzer=analyzer)
    src = tmp_path / "frame.csv"
    df.to_csv(src, index=False)
    scored = tmp_path / "scored.csv"
    score_file(src, scored, analyzer=analyzer, progress=False)
    with open(scored, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(out)
    assert out["flagged"].sum() > 5 and (out["error"] != "").sum() == 3  # the sample has findings to compare
    for (_, got), want in zip(out.iterrows(), rows):
        assert got["id"] == want["id"]
        for c in ("labels", "risk", "evidence", "error"):
            assert got[c] == want[c], (want["id"], c)
        if not want["error"]:
            assert all(str(got[c]) == want[c] for c in INT8), want["id"]
            assert all(got[c] == float(want[c]) for c in SCORES), want["id"]


def test_evidence_as_objects(analyzer):
    df = pd.DataFrame({"text": ["你个傻逼，明天就去你单位找你", None]})
    as_json = score_frame(df, analyzer=analyzer)
    as_objects = score_frame(df, analyzer=analyzer, evidence="objects")
    assert as_objects["evidence"].tolist() == [json.loads(e) for e in as_json["evidence"]]
    assert as_objects["evidence"].iloc[0][0]["rule_id"]


def test_series_gives_the_contract_columns_on_its_index(analyzer):
    df = _sample()
    s = df["text"]
    cols = score_series(s, analyzer=analyzer)
    assert list(cols.columns) == list(OUTPUT_COLUMNS)
    pd.testing.assert_index_equal(cols.index, s.index)
    pd.testing.assert_frame_equal(cols, score_frame(df, analyzer=analyzer)[list(OUTPUT_COLUMNS)])


def test_a_clash_with_an_output_column_is_refused(analyzer):
    with pytest.raises(InputError, match="risk, error.*rename them"):
        score_frame(pd.DataFrame({"text": ["你好"], "risk": ["x"], "error": [""]}), analyzer=analyzer)
    with pytest.raises(InputError, match="'content' not found"):
        score_frame(pd.DataFrame({"text": ["你好"]}), text_col="content", analyzer=analyzer)


def test_an_empty_frame_has_the_same_columns_and_dtypes(analyzer):
    out = score_frame(pd.DataFrame({"text": pd.Series([], dtype=object)}), analyzer=analyzer)
    assert list(out.columns) == ["text", *OUTPUT_COLUMNS] and len(out) == 0
    assert out["flagged"].dtype == np.int8 and out["threat_score"].dtype == np.float64 and out["risk"].dtype == object


def test_without_pandas_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    with pytest.raises(MissingDependencyError, match="pip install pandas") as info:
        score_series(object())
    assert isinstance(info.value, ImportError)


def test_importing_the_package_does_not_import_pandas():
    code = "import sys, yuefu_nlp, yuefu_nlp.frame; assert 'pandas' not in sys.modules, 'pandas was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
