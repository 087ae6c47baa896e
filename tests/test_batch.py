"""The batch CSV scorer: the scored-CSV contract, bad rows, encodings, streaming and atomic output."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from yuefu_nlp.batch import EXTRA_FIELDS, OUTPUT_COLUMNS, score_file
from yuefu_nlp.cli import main
from yuefu_nlp.domain import LABELS
from yuefu_nlp.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "messages.csv"


def _read(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def test_contract_on_the_sample(tmp_path, rules_analyzer):
    out = tmp_path / "scored.csv"
    summary = score_file(SAMPLE, out, analyzer=rules_analyzer, progress=False)
    src = _read(SAMPLE)
    rows = _read(out)
    assert len(rows) == len(src) == summary.rows
    header = next(csv.reader(open(out, encoding="utf-8")))
    assert header == list(src[0].keys()) + list(OUTPUT_COLUMNS) + [EXTRA_FIELDS]
    for a, b in zip(src, rows):
        assert all(b[k] == v for k, v in a.items())  # input columns unchanged, same order
        assert b["error"] == ""
        assert b["flagged"] in {"0", "1"} and b["risk"] in {"high", "medium", "low", "none"}
        labels = set(filter(None, b["labels"].split("|")))
        assert labels == {label for label in LABELS if b[label] == "1"}
        assert (b["flagged"] == "1") == bool(labels)
        for ev in json.loads(b["evidence"]):
            assert a["text"][ev["start"]:ev["end"]] == ev["text"]
            assert ev["rule_id"] and ev["citation"]
        for label in LABELS:
            assert 0.0 <= float(b[f"{label}_score"]) <= 1.0
    assert summary.flagged > 0 and summary.flagged < summary.rows


BAD_ROWS = [
    # (csv line after the header, expected substring of `error`, or "" for a scored row)
    ('1,"你个骗子"', ""),
    ("2,", "missing text"),
    ("3,NaN", "missing text"),
    ('4,"' + "好" * 200_000 + '"', "text too long"),
    ("5,12345678", "no text content"),
    ('6,"你个骗子\x01控制字符"', ""),  # control characters are removed for matching, not a reason to skip
    ('7,"坏"引号', "malformed CSV record"),
    ("8,多,一列", ""),  # scored; the surplus field is kept in extra_fields
    ('9,"多行\n短信"', ""),
]


def test_bad_rows_keep_their_place(tmp_path, rules_analyzer):
    src = tmp_path / "bad.csv"
    src.write_text("id,text\n" + "\n".join(line for line, _ in BAD_ROWS) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    summary = score_file(src, out, analyzer=rules_analyzer, progress=False)
    rows = _read(out)
    assert len(rows) == len(BAD_ROWS) == summary.rows
    for row, (line, expected) in zip(rows, BAD_ROWS):
        if expected:
            assert expected in row["error"], (line[:30], row["error"])
            assert row["flagged"] == ""  # not scored is not the same as compliant
        else:
            assert row["error"] == "" and row["flagged"] in {"0", "1"}
    assert summary.errors == sum(1 for _, e in BAD_ROWS if e)
    ids = [r["id"] for r in rows]
    assert ids[-1] == "9" and ids[0] == "1"
    assert rows[5]["insult"] == "1" and json.loads(rows[5]["evidence"])[0]["text"] == "骗子"
    assert json.loads(rows[7]["extra_fields"]) == ["一列"] and rows[7]["text"] == "多"
    assert rows[6]["id"] == "7"  # a broken record keeps the fields it has
    assert summary.odd_width == 1


def test_unterminated_quote_costs_one_row(tmp_path, rules_analyzer):
    src = tmp_path / "q.csv"
    src.write_text('id,text\n1,好的\n2,"没有结尾\n3,第三行\n4,第四行\n', encoding="utf-8")
    out = tmp_path / "o.csv"
    score_file(src, out, analyzer=rules_analyzer, progress=False)
    rows = _read(out)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]  # the broken row keeps its id
    assert "malformed" in rows[1]["error"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_input_encodings(tmp_path, rules_analyzer, encoding):
    src = tmp_path / "enc.csv"
    src.write_text("id,text\n1,你这个老赖赶紧还钱\n2,您好，请按时还款\n", encoding=encoding)
    out = tmp_path / "o.csv"
    summary = score_file(src, out, analyzer=rules_analyzer, progress=False)
    assert summary.encoding == encoding
    rows = _read(out, "utf-8-sig")
    assert rows[0]["text"] == "你这个老赖赶紧还钱" and rows[0]["insult"] == "1"
    assert rows[1]["flagged"] == "0"


def test_missing_text_column_fails_before_any_work(tmp_path, rules_analyzer):
    src = tmp_path / "nocol.csv"
    src.write_text("id,body\n1,你好\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    with pytest.raises(InputError, match="--text-col"):
        score_file(src, out, analyzer=rules_analyzer, progress=False)
    assert not out.exists() and not list(tmp_path.glob(".o.csv*"))


def test_text_col_option_and_jsonl(tmp_path, rules_analyzer):
    src = tmp_path / "body.csv"
    src.write_text("id,body\n1,你个骗子\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    score_file(src, out, analyzer=rules_analyzer, text_col="body", fmt="jsonl", progress=False)
    obj = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert obj["body"] == "你个骗子" and obj["labels"] == ["insult"] and obj["insult"] == 1
    assert isinstance(obj["evidence"], list) and obj["evidence"][0]["text"] == "骗子"


def test_already_scored_input_is_refused(tmp_path, rules_analyzer):
    src = tmp_path / "s.csv"
    src.write_text("text,flagged\n你好,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="flagged"):
        score_file(src, tmp_path / "o.csv", analyzer=rules_analyzer, progress=False)


def test_cli_score_and_summary(tmp_path, capsys):
    out = tmp_path / "scored.csv"
    assert main(["score", str(SAMPLE), "-o", str(out), "--backend", "rules", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "rows " in err and "flagged" in err and "errors 0" in err
    assert len(_read(out)) == len(_read(SAMPLE))


def test_cli_missing_column_message(tmp_path, capsys):
    src = tmp_path / "x.csv"
    src.write_text("id,body\n1,你好\n", encoding="utf-8")
    assert main(["score", str(src), "-o", str(tmp_path / "o.csv"), "--backend", "rules"]) == 2
    assert "--text-col" in capsys.readouterr().err


def test_cli_stdin_stdout():
    proc = subprocess.run(
        [sys.executable, "-m", "yuefu_nlp.cli", "score", "-", "--backend", "rules", "--no-progress"],
        input="id,text\n1,你个傻*逼\n".encode("utf-8"), capture_output=True, timeout=120, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"))))
    assert rows[0]["insult"] == "1" and rows[0]["text"] == "你个傻*逼"


def test_interrupted_run_leaves_no_file_under_the_final_name(tmp_path):
    src = tmp_path / "big.csv"
    with open(src, "w", encoding="utf-8") as fh:
        fh.write("id,text\n")
        for i in range(300_000):
            fh.write(f"{i},您好，您在抖音月付的账单已逾期{i % 90}天，请尽快还款，否则我们将依法处理。\n")
    out = tmp_path / "out.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "yuefu_nlp.cli", "score", str(src), "-o", str(out), "--backend", "rules",
         "--no-progress"],
        cwd=REPO, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".out.csv.*.part")):
        time.sleep(0.1)
    time.sleep(1.0)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()


def test_memory_stays_flat(tmp_path, rules_analyzer):
    """Peak Python memory must not grow with the number of rows (streaming, not loading the file)."""
    text = "您好，您的账单已逾期，请尽快还款。"

    def peak(n: int) -> int:
        src = tmp_path / f"m{n}.csv"
        src.write_text("id,text\n" + "".join(f"{i},{text}\n" for i in range(n)), encoding="utf-8")
        tracemalloc.start()
        score_file(src, tmp_path / f"o{n}.csv", analyzer=rules_analyzer, progress=False, batch_size=64)
        _, p = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return p

    small, large = peak(1_000), peak(10_000)
    assert large < small * 1.5 + 1_000_000, (small, large)
