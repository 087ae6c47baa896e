"""Every command that writes a file writes it atomically through atomic.py: the next run removes the parts that
killed runs left beside its target (score, report, contacts alike) and the result follows the umask."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yuefu_nlp.atomic import check_output_path, write_atomic
from yuefu_nlp.cli import main
from yuefu_nlp.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "messages.csv"
CONTACTS = REPO / "data" / "samples" / "contacts.csv"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("command", ["report", "contacts"])
def test_dead_runs_parts_are_removed_by_every_writer(tmp_path, capsys, command):
    if command == "contacts":
        pytest.importorskip("duckdb")
    scored = tmp_path / "scored.csv"
    assert main(["score", str(SAMPLE), "-o", str(scored), "--backend", "rules", "--no-progress"]) == 0
    target = tmp_path / ("report.html" if command == "report" else "findings.csv")
    stale = tmp_path / f".{target.name}.{_dead_pid()}.abc.part"
    live = tmp_path / f".{target.name}.{os.getpid()}.def.part"
    stale.write_text("half", encoding="utf-8")
    live.write_text("half", encoding="utf-8")
    old = os.umask(0o022)
    try:
        args = ([str(scored)] if command == "report" else [str(CONTACTS), "--threads", "1"])
        assert main([command, *args, "-o", str(target)]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert target.exists() and target.stat().st_mode & 0o777 == 0o644
    assert not stale.exists() and live.exists()


def test_write_atomic_and_path_errors(tmp_path):
    out = tmp_path / "x.json"
    write_atomic(out, "{}\n")
    assert out.read_text(encoding="utf-8") == "{}\n" and not list(tmp_path.glob(".*.part"))
    with pytest.raises(InputError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "x.csv")
    with pytest.raises(InputError, match=r"is a folder; name a file, e.g. -o .*report.html"):
        check_output_path(tmp_path, "report.html")
