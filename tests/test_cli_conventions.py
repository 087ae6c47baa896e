"""CLI conventions pipelines rely on (issue #14, part 7): --version, --fail-on exit codes, a closed pipe, an unusable
YUEFU_MODEL_DIR, and `yuefu evaluate` on a light install."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import yuefu_nlp
from yuefu_nlp.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "messages.csv"


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"yuefu_nlp {yuefu_nlp.__version__}"


@pytest.mark.parametrize("level,text,code", [
    (None, "你这个老赖，明天我们就去你单位", 0),  # without --fail-on, findings are output, not failure
    ("any", "你这个老赖，明天我们就去你单位", 1),
    ("high", "你这个老赖，明天我们就去你单位", 1),
    ("any", "您好，您的账单本月15日到期，请按时还款", 0),
    ("high", "你个骗子", 0),  # an insult alone is medium risk
    ("medium", "你个骗子", 1),
])
def test_check_fail_on(level, text, code, capsys):
    args = ["check", text, "--backend", "rules"] + (["--fail-on", level] if level else [])
    assert main(args) == code
    capsys.readouterr()


def test_score_fail_on(tmp_path, capsys):
    out = tmp_path / "scored.csv"
    assert main(["score", str(SAMPLE), "-o", str(out), "--backend", "rules", "--no-progress"]) == 0
    assert main(["score", str(SAMPLE), "-o", str(out), "--backend", "rules", "--no-progress", "--fail-on", "high"]) == 1
    clean = tmp_path / "clean.csv"
    clean.write_text("text\n您好，您的账单本月15日到期\n请按时还款，谢谢\n", encoding="utf-8")
    assert main(["score", str(clean), "-o", str(out), "--backend", "rules", "--no-progress", "--fail-on", "any"]) == 0
    capsys.readouterr()


def test_a_closed_pipe_ends_quietly():
    cmd = (f"{sys.executable} -m yuefu_nlp.cli score {SAMPLE} -o - --backend rules --no-progress --format jsonl "
           f"--batch-size 1 | head -c 10")
    out = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr, out.stderr


def test_an_unusable_model_dir_is_an_error_not_a_silent_rules_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("YUEFU_MODEL_DIR", str(tmp_path / "no_model_here"))
    assert main(["check", "你这个老赖"]) == 2
    err = capsys.readouterr().err
    assert "no_model_here" in err and "does not exist" in err


def test_evaluate_on_a_light_install_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"  # as if the eval extra were not installed
            "from yuefu_nlp.cli import main\n"
            f"sys.exit(main(['evaluate', 'data/splits/dev.jsonl', '-o', {str(tmp_path)!r}, '--backend', 'rules', "
            "'--n-boot', '10']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 2, out.stderr
    assert "yuefu_nlp[eval]" in out.stderr and "matplotlib" in out.stderr and "Traceback" not in out.stderr
