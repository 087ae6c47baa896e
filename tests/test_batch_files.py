"""Files and signals around `yuefu score` (issue #14, part 4): nothing half-written survives, the input is never
replaced by accident, path problems are one clear line, the output is readable by whoever the umask allows."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from yuefu_nlp.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "messages.csv"
RULES = ["--backend", "rules", "--no-progress"]


def test_the_output_never_replaces_the_input_unless_forced(tmp_path, capsys):
    data = tmp_path / "in.csv"
    data.write_bytes(SAMPLE.read_bytes())
    assert main(["score", str(data), "-o", str(data), *RULES]) == 2
    assert "is the input" in capsys.readouterr().err and data.read_bytes() == SAMPLE.read_bytes()
    assert main(["score", str(data), "-o", str(data), *RULES, "--force"]) == 0
    assert data.read_text(encoding="utf-8").splitlines()[0].endswith(",error,extra_fields")


@pytest.mark.parametrize("where,why", [("missing/out.csv", "does not exist"), ("", "is a folder")])
def test_path_problems_are_one_clear_line(tmp_path, capsys, where, why):
    assert main(["score", str(SAMPLE), "-o", str(tmp_path / where) if where else str(tmp_path), *RULES]) == 2
    err = capsys.readouterr().err
    assert why in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_batch_size_zero_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main(["score", str(SAMPLE), "--batch-size", "0"])
    assert done.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_the_output_mode_follows_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert main(["score", str(SAMPLE), "-o", str(tmp_path / "out.csv"), *RULES]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o644
    capsys.readouterr()


def test_half_written_outputs_of_dead_runs_are_removed_live_ones_kept(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs
    stale = tmp_path / f".out.csv.{dead.pid}.x1y2.part"
    live = tmp_path / f".out.csv.{os.getpid()}.z3.part"  # this very process: alive
    stale.write_text("half", encoding="utf-8")
    live.write_text("half", encoding="utf-8")
    assert main(["score", str(SAMPLE), "-o", str(tmp_path / "out.csv"), *RULES]) == 0
    assert not stale.exists() and live.exists()
    assert "removed 1 half-written output" in capsys.readouterr().err


def test_sigterm_leaves_no_file_behind(tmp_path):
    big = tmp_path / "big.csv"
    rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    big.write_text("\n".join([rows[0]] + rows[1:] * 1500) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-m", "yuefu_nlp.cli", "score", str(big), "-o", str(out), *RULES],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list(tmp_path.glob(".out.csv.*.part")) and time.time() < deadline:
        time.sleep(0.1)  # wait until it is writing
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and not out.exists() and not list(tmp_path.glob("*.part")) and not list(
        tmp_path.glob(".*.part"))
