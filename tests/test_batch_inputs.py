"""Issue #14: real-world input files never corrupt the scored output (encodings, CSV shapes, Excel, long texts, cut-offs).

Each test is one case a user hit; all run the real rules pipeline (the fused model where a cut-off needs scores).
"""
from __future__ import annotations

import codecs
import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yuefu_nlp.analyzer import Analyzer
from yuefu_nlp.batch import EXTRA_FIELDS, OUTPUT_COLUMNS, score_file
from yuefu_nlp.cli import main
from yuefu_nlp.errors import ConfigError, InputError
from yuefu_nlp.text.decode import detect_encoding, escape_undecodable, read_text
from yuefu_nlp.windows import split_windows

ROWS = ["你这个老赖赶紧还钱", "您好，请按时还款", "我知道你家住哪里，小心点"]
TRAD = ["你這個老賴趕緊還錢", "您好，請按時還款", "我知道你家住哪裡，小心點"]


def _csv(rows: list[str], lead: str = "") -> str:
    return "id,text\n" + lead + "".join(f"{i},{t}\n" for i, t in enumerate(rows))


def _score(tmp_path, data: bytes, analyzer, name="in.csv", **kw):
    src, out = tmp_path / name, tmp_path / "out.csv"
    src.write_bytes(data)
    summary = score_file(src, out, analyzer=analyzer, progress=False, **kw)
    raw = out.read_bytes()
    text = raw.decode("utf-8")  # the output is valid UTF-8, whatever came in
    return summary, list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _labels(rows):
    return [r["labels"] for r in rows[-3:]]


@pytest.mark.parametrize("encoding,rows,expected", [
    ("utf-8", ROWS, "utf-8"), ("utf-8-sig", ROWS, "utf-8-sig"), ("gb18030", ROWS, "gb18030"), ("gbk", ROWS, "gb18030"),
    ("big5", TRAD, "big5"), ("utf-16", ROWS, "utf-16"), ("utf-16-le", ROWS, "utf-16-le"),
    ("utf-16-be", ROWS, "utf-16-be"),
])
def test_each_supported_encoding_is_detected_and_scored(tmp_path, rules_analyzer, encoding, rows, expected):
    summary, out = _score(tmp_path, _csv(rows).encode(encoding), rules_analyzer)
    assert summary.encoding == expected and summary.errors == 0
    assert _labels(out) == ["insult", "", "threat"]
    assert [r["text"] for r in out] == rows


def test_a_cut_utf8_character_costs_its_row_not_the_file(tmp_path, rules_analyzer):
    cut = "还款".encode()[:4]  # a database byte limit cut the second character
    data = b"id,text\n0," + "请".encode() + cut + b"\n" + _csv(ROWS).encode().split(b"\n", 1)[1]
    summary, out = _score(tmp_path, data, rules_analyzer)
    assert summary.encoding == "utf-8" and summary.errors == 1
    assert "not valid utf-8" in out[0]["error"] and "--encoding" in out[0]["error"]
    assert out[0]["text"] == "请还\\xe6"  # the bytes are shown, escaped, and the file stays UTF-8
    assert [r["text"] for r in out[1:]] == ROWS and _labels(out) == ["insult", "", "threat"]


@pytest.mark.parametrize("ascii_lines", [300, 120_000])  # past the old 4 KiB peek; past the 1 MiB head
def test_gb18030_whose_first_chinese_comes_late(tmp_path, rules_analyzer, ascii_lines):
    lead = "".join(f"{i},ok fine thanks {i}\n" for i in range(ascii_lines))
    summary, out = _score(tmp_path, _csv(ROWS, lead).encode("gb18030"), rules_analyzer)
    assert summary.encoding == "gb18030" and summary.errors == 0
    assert [r["text"] for r in out[-3:]] == ROWS


def test_a_bom_in_front_of_gb18030_and_latin1_input_still_give_valid_output(tmp_path, rules_analyzer):
    summary, out = _score(tmp_path, codecs.BOM_UTF8 + _csv(ROWS).encode("gb18030"), rules_analyzer)
    assert summary.encoding == "gb18030" and "byte-order mark" in summary.encoding_note
    assert [r["text"] for r in out] == ROWS
    summary, out = _score(tmp_path, "id,text\n1,Café déjà vu\n2,naïve rêve\n".encode("latin-1"), rules_analyzer)
    assert summary.encoding == "cp1252" and out[0]["text"] == "Café déjà vu"


def test_encoding_option_overrides_detection(tmp_path, rules_analyzer):
    data = _csv(ROWS).encode("gb18030")
    summary, out = _score(tmp_path, data, rules_analyzer, encoding="utf-8")
    assert summary.encoding == "utf-8" and summary.encoding_note == "--encoding" and summary.errors == 3
    with pytest.raises(InputError, match="unknown encoding"):
        _score(tmp_path, data, rules_analyzer, encoding="klingon")


def test_detection_reasons():
    assert detect_encoding(b"plain ascii").reason == "plain ASCII"
    assert detect_encoding("好".encode() * 50 + b"\xe5").encoding == "utf-8"
    assert escape_undecodable("a\udce4b\ud800") == "a\\xe4b\\ud800"


def test_read_text_names_the_byte_that_does_not_decode(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes("客户：你好".encode() * 30 + b"\xff\xfe\xfd" + "再见".encode())
    with pytest.raises(InputError, match="near byte 450"):
        read_text(p)


def test_a_quoted_field_of_thousands_of_lines_is_one_field(tmp_path, rules_analyzer):
    call = "\n".join(f"客户：第{i}句话" for i in range(2_500)) + "\n催收员：你个傻逼"
    data = ("id,text\n1,\"" + call + "\"\n2,您好\n").encode()
    summary, out = _score(tmp_path, data, rules_analyzer, max_chars=100_000)
    assert summary.rows == 2 and [r["id"] for r in out] == ["1", "2"]
    assert out[0]["text"] == call and out[0]["insult"] == "1"


def test_a_runaway_quote_costs_one_row_and_keeps_its_fields(tmp_path, rules_analyzer):
    lines = "".join(f"{i},第{i}行\n" for i in range(3, 400))
    data = ('id,text\n1,好的\n2,"没有结尾的引号\n' + lines).encode()
    summary, out = _score(tmp_path, data, rules_analyzer, max_chars=1_000)  # record limit: 1 MiB characters
    assert summary.rows == 399 and [r["id"] for r in out[:3]] == ["1", "2", "3"]
    assert "malformed" in out[1]["error"] and out[1]["text"] == "没有结尾的引号"


def test_rows_of_the_wrong_width_are_scored_and_lose_nothing(tmp_path, rules_analyzer):
    data = "id,text,channel\n1,你个骗子,sms,额外,再多\n2,你这个老赖\n3\n".encode()
    summary, out = _score(tmp_path, data, rules_analyzer)
    assert [r["error"] for r in out[:2]] == ["", ""] and out[0]["insult"] == out[1]["insult"] == "1"
    assert json.loads(out[0][EXTRA_FIELDS]) == ["额外", "再多"] and out[1][EXTRA_FIELDS] == ""
    assert "no text column in this row" in out[2]["error"] and summary.odd_width == 3


def test_jsonl_keeps_both_values_of_a_repeated_column(tmp_path, rules_analyzer):
    src, out = tmp_path / "d.csv", tmp_path / "o.jsonl"
    src.write_text("note,text,note\na,你个骗子,b\n", encoding="utf-8")
    score_file(src, out, analyzer=rules_analyzer, progress=False)
    obj = json.loads(out.read_text(encoding="utf-8"))
    assert obj["note"] == "a" and obj["note.1"] == "b" and obj[EXTRA_FIELDS] == []


def test_a_repeated_text_column_is_refused(tmp_path, rules_analyzer):
    with pytest.raises(InputError, match="appears 2 times"):
        _score(tmp_path, "text,text\n你好,再见\n".encode(), rules_analyzer)


def test_control_characters_and_lone_surrogates_do_not_stop_scoring(rules_analyzer):
    texts = ["你个傻逼\x07", "你好\ud800你这个骗子", "正常的消息"]
    results = list(rules_analyzer.analyze_batch(texts))
    assert [sorted(r.labels) for r in results] == [["insult"], ["insult"], []]
    assert results[1].findings[0].span.text == "骗子"  # offsets index the text as given


def test_long_texts_are_analyzed_in_windows_with_offsets_kept():
    an = Analyzer.load("rules", window_chars=1_000)
    base = "催收员：您好，您的欠款已经逾期了，请尽快还款。\n客户：我知道了，下周还。\n"
    text = base * 100 + "催收员：你个傻逼，我知道你家住哪\n" + base * 50
    assert "".join(p for _, p in split_windows(text, 1_000)) == text
    whole, windowed = Analyzer.load("rules").analyze(text), an.analyze(text)
    assert whole.windows == 1 and windowed.windows == 6 and windowed.to_dict()["windows"] == 6
    assert [(f.span, f.turn) for f in windowed.findings] == [(f.span, f.turn) for f in whole.findings]
    assert all(text[f.span.start:f.span.end] == f.span.text for f in windowed.findings)
    with pytest.raises(ConfigError):
        Analyzer.load("rules", window_chars=10)


def test_xlsx_in_and_out(tmp_path, rules_analyzer):
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["这一页不是数据"])
    ws = wb.create_sheet("消息")
    ws.append(["id", "phone", "sent", "text"])
    ws.append([1, 13800138000, dt.datetime(2026, 1, 2, 3, 4), ROWS[0]])
    ws.append([2, None, None, ROWS[1], "多出的一格"])
    ws.append([3, 1.5, True, ROWS[2]])
    src = tmp_path / "in.xlsx"
    wb.save(src)
    with pytest.raises(InputError, match="its sheets are: 说明, 消息"):
        score_file(src, tmp_path / "o.csv", analyzer=rules_analyzer, progress=False, sheet="nope")
    summary = score_file(src, tmp_path / "o.csv", analyzer=rules_analyzer, progress=False, sheet="2",
                         max_chars=50_000)
    rows = list(csv.DictReader(open(tmp_path / "o.csv", encoding="utf-8")))
    assert summary.encoding == "xlsx" and [r["phone"] for r in rows] == ["13800138000", "", "1.5"]
    assert rows[0]["sent"] == "2026-01-02 03:04:00" and rows[2]["sent"] == "TRUE"
    assert json.loads(rows[1][EXTRA_FIELDS]) == ["多出的一格"]

    out = tmp_path / "scored.xlsx"
    summary = score_file(src, out, analyzer=rules_analyzer, progress=False, sheet="消息")
    assert summary.cut_cells == 0
    got = openpyxl.load_workbook(out).active
    header = [c.value for c in got[1]]
    assert header == ["id", "phone", "sent", "text", *OUTPUT_COLUMNS, EXTRA_FIELDS, "evidence_readable"]
    col = {name: i for i, name in enumerate(header)}
    first = [c for c in got[2]]
    assert first[col["labels"]].value == "insult" and first[col["flagged"]].value == 1
    assert "insult「老赖」" in first[col["evidence_readable"]].value and "《" in first[col["evidence_readable"]].value
    assert first[0].fill.fgColor.rgb.endswith("FFEB9C")  # flagged rows are highlighted by risk
    assert got[3][0].fill.fgColor.rgb in (None, "00000000")  # a clean row is not
    assert got.freeze_panes == "A2" and got.auto_filter.ref.startswith("A1:")

    long_csv = tmp_path / "long.csv"  # a CSV text beyond Excel's cell limit is cut, with a note, not a broken file
    long_csv.write_text("id,text\n1," + ROWS[2] + "x" * 40_000 + "\n", encoding="utf-8")
    summary = score_file(long_csv, out, analyzer=rules_analyzer, progress=False, max_chars=50_000)
    assert summary.cut_cells == 1
    cell = openpyxl.load_workbook(out).active.cell(2, 2).value
    assert len(cell) == 32_767 and "cut at Excel's 32767-character cell limit; 40012 in all" in cell


def test_old_xls_and_stdout_xlsx_are_clear_errors(tmp_path, rules_analyzer, capsys):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert main(["score", str(xls), "-o", str(tmp_path / "o.csv"), "--backend", "rules", "--no-progress"]) == 2
    assert ".xls" in capsys.readouterr().err


def test_bom_option_for_excel(tmp_path, rules_analyzer):
    src = tmp_path / "in.csv"
    src.write_text(_csv(ROWS), encoding="utf-8")
    score_file(src, tmp_path / "o.csv", analyzer=rules_analyzer, progress=False, bom=True)
    assert (tmp_path / "o.csv").read_bytes().startswith(codecs.BOM_UTF8)
    with pytest.raises(ConfigError, match="--bom is for CSV"):
        score_file(src, tmp_path / "o.jsonl", analyzer=rules_analyzer, progress=False, bom=True)


def test_progress_has_a_total(tmp_path, rules_analyzer, capsys):
    src = tmp_path / "in.csv"
    src.write_text(_csv(ROWS * 50), encoding="utf-8")
    score_file(src, tmp_path / "o.csv", analyzer=rules_analyzer, progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "150 rows" in err


def test_threshold_and_min_risk(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text(_csv(["你个傻逼", "我知道你家住哪里，小心点，你全家都别想好过", "您好，请按时还款", "你这个老赖"]),
                   encoding="utf-8")
    counts = {}
    for name, extra in {"default": [], "strict": ["--threshold", "0.97"], "high": ["--min-risk", "high"]}.items():
        out = tmp_path / f"{name}.csv"
        assert main(["score", str(src), "-o", str(out), "--backend", "rules", "--no-progress", *extra]) == 0
        rows = list(csv.DictReader(open(out, encoding="utf-8")))
        counts[name] = [r["risk"] for r in rows]
        for r in rows:
            assert (r["flagged"] == "1") == bool(r["labels"])
        meta = json.loads((tmp_path / f"{name}.csv.meta.json").read_text(encoding="utf-8"))
        counts[name + "_meta"] = meta["scored_by"]["cut_offs"]
    assert counts["default"].count("none") == 1 and counts["default_meta"] == {"flag_at": 0.5, "min_risk": "low"}
    assert sum(r in ("high", "medium") for r in counts["strict"]) < sum(r in ("high", "medium") for r in counts["default"])
    assert "medium" not in counts["high"] and counts["high"].count("high") == counts["default"].count("high")
    assert counts["strict_meta"]["flag_at"] == 0.97 and counts["high_meta"]["min_risk"] == "high"
    with pytest.raises(SystemExit):  # argparse: "must be between 0 and 1"
        main(["score", str(src), "--threshold", "1.5", "--backend", "rules"])
    assert "between 0 and 1" in capsys.readouterr().err


ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]
cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12)
row_text = st.sampled_from(ROWS + ["", "NaN", "12345", "你个\n骗子", "她说\"还钱\"", "a,b"]) | cell_text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell_text, row_text), min_size=1, max_size=8),
       encoding=st.sampled_from(ENCODINGS),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
def test_the_contract_holds_for_random_files(tmp_path_factory, rules_analyzer, rows, encoding, quoting):
    """Rows out = rows in, order kept, other columns identical, output valid UTF-8, for random rows, encodings and
    quoting. UTF-8 (± BOM) and UTF-16 are detected; GB18030 is named (a few random characters are no basis for
    telling GB18030 from Big5, and real files are longer)."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator="\n")
    w.writerow(["note", "text"])
    w.writerows(rows)
    tmp = tmp_path_factory.mktemp("prop")
    src, out = tmp / "in.csv", tmp / "out.csv"
    try:
        src.write_bytes(buf.getvalue().encode(encoding))
    except UnicodeEncodeError:
        return  # a character the encoding cannot hold: not a file anyone could have
    named = encoding if encoding == "gb18030" else None
    summary = score_file(src, out, analyzer=rules_analyzer, progress=False, encoding=named)
    got = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8").lstrip("\ufeff"))))
    assert summary.rows == len(got) == len(rows)
    assert [(r["note"], r["text"]) for r in got] == [tuple(r) for r in rows]
    for r in got:
        assert r["error"] or r["flagged"] in ("0", "1")


def test_a_character_cut_by_the_sample_boundary_is_no_evidence(tmp_path, rules_analyzer):
    """The detector reads the first MiB: a character split at that edge must not count as a bad byte (with few
    Chinese characters in the head, one bad byte made a UTF-8 file look like GB18030)."""
    lead = "id,text\n" + "".join(f"{i},ok fine {i}\n" for i in range(70_000))
    pad = (1 << 20) - len(lead.encode()) - 3  # put a 3-byte character across the 1 MiB boundary
    data = (lead + "1," + "x" * pad + "你个骗子\n" + "2,你这个老赖\n").encode()
    assert data[(1 << 20) - 1 : (1 << 20) + 2].decode("utf-8", errors="replace") != "你"
    summary, out = _score(tmp_path, data, rules_analyzer, max_chars=2_000_000)
    assert summary.encoding == "utf-8" and summary.encoding_note == "valid UTF-8"
    assert out[-1]["text"] == "你这个老赖" and summary.errors == 0


def test_undecodable_bytes_make_a_valid_workbook_too(tmp_path, rules_analyzer):
    """The xlsx writer escapes undecodable bytes as the CSV does: a lone surrogate in the sheet's XML made a file
    Excel and openpyxl refuse to open."""
    openpyxl = pytest.importorskip("openpyxl")
    src, out = tmp_path / "in.csv", tmp_path / "out.xlsx"
    src.write_bytes(b"id,text\n1," + "你好".encode() + b"\xe5\xa5\n2," + "你个骗子".encode() + b"\n")
    summary = score_file(src, out, analyzer=rules_analyzer, progress=False, encoding="utf-8")
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert summary.errors == 1 and rows[1][1] == "你好\\xe5\\xa5" and rows[2][1] == "你个骗子"
