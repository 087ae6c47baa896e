"""Issue #15 item 4: with --redact (and by default in the report) no ID, bank card or phone number survives in any
output, whatever the format, while every span still indexes the text written."""
from __future__ import annotations

import csv
import json

import pytest

from yuefu_nlp.cli import main
from yuefu_nlp.redact import redact
from yuefu_nlp.rules.validators import valid_cn_id, valid_luhn


def _cn_id(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]
    return body17 + check


def _card(body: str) -> str:
    for d in "0123456789":
        if valid_luhn(body + d):
            return body + d
    raise AssertionError("no Luhn digit")


ID = _cn_id("44030519900101123")
CARD = _card("622202123456789012")
MOBILE, MOBILE2 = "13912345678", "18600001111"
PII = [ID, CARD, MOBILE, MOBILE2]
MESSAGES = [
    f"你的身份证号{ID}我们已经发到你们单位群里了，银行卡{CARD}也冻结了",
    f"再不还钱就打你家人电话{MOBILE}，你老婆的号码{MOBILE2}我们也有",
    f"您好，请联系客服，您的身份证号码是 {ID[:6]} {ID[6:14]} {ID[14:]}",
    "你住在深圳市南山区科技园路88号3栋502，我们明天上门",
]


def test_the_fixture_is_real_pii():
    assert valid_cn_id(ID) and valid_luhn(CARD)
    assert all(len(redact(m)) == len(m) for m in MESSAGES)


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    d = tmp_path_factory.mktemp("pii")
    path = d / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "phone", "text"])
        for i, m in enumerate(MESSAGES):
            w.writerow([i, MOBILE if i % 2 else ID, m])
    return path


def _no_pii(data: str) -> None:
    flat = data.replace(" ", "")
    for number in PII:
        assert number not in flat, number
    assert "科技园路88号" not in data  # the address a rule found is starred too


@pytest.mark.parametrize("name", ["out.csv", "out.jsonl", "out.xlsx"])
def test_score_redact_leaves_no_pii_in_any_format(src, tmp_path, name):
    out = tmp_path / name
    assert main(["score", str(src), "-o", str(out), "--backend", "rules", "--no-progress", "--redact"]) == 0
    if name.endswith(".xlsx"):
        openpyxl = pytest.importorskip("openpyxl")
        ws = openpyxl.load_workbook(out).active
        rows = [[str(c.value or "") for c in row] for row in ws.iter_rows()]
        data = "\n".join("\t".join(r) for r in rows)
        header = rows[0]
        records = [dict(zip(header, r)) for r in rows[1:]]
    elif name.endswith(".jsonl"):
        data = out.read_text(encoding="utf-8")
        records = [json.loads(line) for line in data.splitlines()]
    else:
        data = out.read_text(encoding="utf-8")
        records = list(csv.DictReader(data.splitlines()))
    _no_pii(data)
    assert json.loads(out.with_name(name + ".meta.json").read_text(encoding="utf-8"))["redacted"] is True
    flagged = 0
    for r in records:
        evidence = r["evidence"] if isinstance(r["evidence"], list) else json.loads(r["evidence"])
        for ev in evidence:  # spans still index the text written
            assert r["text"][ev["start"]:ev["end"]] == ev["text"]
            flagged += 1
    assert flagged >= 4


def test_without_redact_the_numbers_are_kept(src, tmp_path):
    out = tmp_path / "plain.csv"
    assert main(["score", str(src), "-o", str(out), "--backend", "rules", "--no-progress"]) == 0
    assert ID in out.read_text(encoding="utf-8")  # the test above can fail: the numbers are there to find


@pytest.mark.parametrize("as_json", [False, True])
def test_check_redact(capsys, as_json):
    assert main(["check", MESSAGES[0] + MESSAGES[1], "--backend", "rules", "--redact",
                 *(["--json"] if as_json else [])]) == 0
    _no_pii(capsys.readouterr().out)


def test_report_is_redacted_by_default(src, tmp_path):
    scored, html = tmp_path / "s.csv", tmp_path / "r.html"
    assert main(["score", str(src), "-o", str(scored), "--backend", "rules", "--no-progress"]) == 0
    assert main(["report", str(scored), "-o", str(html)]) == 0
    _no_pii(html.read_text(encoding="utf-8"))
