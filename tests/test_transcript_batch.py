"""`yuefu score <folder>`: every transcript file of a folder scored into one output, one row per file, a file that
cannot be read keeping its row with the reason (issue #13)."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from yuefu_nlp.batch import OUTPUT_COLUMNS, score_folder
from yuefu_nlp.cli import main
from yuefu_nlp.errors import InputError
from yuefu_nlp.text.transcript_files import read_transcript

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


@pytest.fixture()
def folder(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    for p in FIXTURES.iterdir():
        shutil.copy(p, calls / p.name)
    (calls / "broken.json").write_text('{"results": []}', encoding="utf-8")
    (calls / "empty.txt").write_text("", encoding="utf-8")
    (calls / "gb.txt").write_bytes("坐席：你这个老赖\n客户：别打了".encode("gb18030"))
    (calls / "notes.md").write_text("not a transcript", encoding="utf-8")
    return calls


def test_a_folder_is_one_row_per_transcript_file_in_name_order(folder, tmp_path, capsys):
    out = tmp_path / "scored.csv"
    assert main(["score", str(folder), "-o", str(out), "--backend", "rules", "--no-progress"]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = sorted(p.name for p in folder.iterdir() if p.suffix != ".md")
    assert [r["file"] for r in rows] == names
    assert list(rows[0]) == ["file", "text", *OUTPUT_COLUMNS]
    by = {r["file"]: r for r in rows}
    assert "segments" in by["broken.json"]["error"] and by["broken.json"]["risk"] == ""
    assert by["empty.txt"]["error"] == "missing text"
    assert by["gb.txt"]["labels"] == "insult" and by["call.srt"]["labels"] == ""
    whisperx = by["call_whisperx.json"]
    assert whisperx["text"] == read_transcript(folder / "call_whisperx.json")  # the canonical text that was scored
    for ev in json.loads(whisperx["evidence"]):
        assert whisperx["text"][ev["start"]:ev["end"]] == ev["text"] and ev["speaker"] == "SPEAKER_00"
    assert "rows 8 | scored 6 | errors 2" in capsys.readouterr().err


def test_jsonl_output_and_the_role_map(folder, tmp_path):
    out = tmp_path / "scored.jsonl"
    assert main(["score", str(folder), "-o", str(out), "--format", "jsonl", "--backend", "rules", "--no-progress",
                 "--roles", "说话人1=collector,说话人2=customer"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 8
    srt = next(r for r in rows if r["file"] == "call.srt")
    assert "insult" in srt["labels"]  # we said 说话人1, who swears, is the collector


def test_an_empty_folder_or_an_interrupted_run_writes_nothing(tmp_path, rules_analyzer, monkeypatch):
    (tmp_path / "none").mkdir()
    with pytest.raises(InputError, match="no transcript files"):
        score_folder(tmp_path / "none", tmp_path / "out.csv", analyzer=rules_analyzer)
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(FIXTURES / "call.vtt", calls / "call.vtt")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rules_analyzer, "analyze_batch", boom)
    with pytest.raises(KeyboardInterrupt):
        score_folder(calls, tmp_path / "out.csv", analyzer=rules_analyzer, progress=False)
    assert not list(tmp_path.glob("out.csv*")) and not list(tmp_path.glob(".out.csv*"))
