"""Transcripts as exports deliver them: a BOM or zero-width mark before the first prefix, CRLF line ends, GB18030
files read by `yuefu check -f` exactly as `yuefu score` reads them (issue #13)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.cli import main
from yuefu_nlp.domain import Role
from yuefu_nlp.text.turns import split_turns

CUSTOMER_SWEARS = "坐席：您好，请问今天方便还款吗？\r\n客户：你个傻逼，滚。"


@pytest.fixture(scope="module")
def fused():
    return Analyzer.load("fused")


@pytest.mark.parametrize("mark", ["", "\ufeff", "\u200b", "\u2060", " \ufeff"])
def test_a_mark_before_the_first_prefix_never_hands_the_customer_turn_to_the_collector(fused, mark):
    text = mark + CUSTOMER_SWEARS
    assert [t.role for t in split_turns(text)] == [Role.COLLECTOR, Role.CUSTOMER]
    res = fused.analyze(text)
    assert not res.labels and not res.findings, res  # the customer's insult is context, not the collector's abuse


def test_check_reads_the_encodings_score_reads(tmp_path, capsys):
    call = "\ufeff坐席：你这个老赖，明天我们就去你单位\n客户：别打了"
    bare = call.lstrip("\ufeff")  # reading a file drops its BOM: spans index the text after it
    for i, (encoding, data) in enumerate([("utf-8-sig", call.encode("utf-8")), ("gb18030", bare.encode("gb18030"))]):
        path = tmp_path / f"call_{i}.txt"
        path.write_bytes(data)
        assert main(["check", "-f", str(path), "--backend", "rules", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert set(out["labels"]) == {"threat", "insult"}, encoding
        assert all(bare[f["start"]:f["end"]] == f["text"] for f in out["findings"]), encoding


def test_check_refuses_bytes_it_cannot_read(tmp_path, capsys):
    path = tmp_path / "latin1.txt"
    path.write_bytes("坐席：".encode("utf-8") + b"\xff\xfe\x80 caf\xe9")
    assert main(["check", "-f", str(path), "--backend", "rules"]) == 2
    err = capsys.readouterr().err
    assert "not valid" in err and "UTF-8" in err and "Traceback" not in err


def test_check_reads_gb18030_from_stdin():
    out = subprocess.run([sys.executable, "-m", "yuefu_nlp.cli", "check", "--backend", "rules", "--json"],
                         input="坐席：你个老赖".encode("gb18030"), capture_output=True, timeout=120, check=True)
    assert json.loads(out.stdout)["labels"] == ["insult"]
