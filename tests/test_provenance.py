"""What produced a scored file is written beside it (issue #14, part 7): the model, its sha256, the ruleset's sha256."""
from __future__ import annotations

import json
from pathlib import Path

from yuefu_nlp.batch import meta_path
from yuefu_nlp.cli import main
from yuefu_nlp.runtime.paths import default_model_dir

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "messages.csv"


def test_a_scored_file_says_what_scored_it(tmp_path, capsys):
    out = tmp_path / "scored.csv"
    assert main(["score", str(SAMPLE), "-o", str(out), "--no-progress"]) == 0
    meta = json.loads(meta_path(out).read_text(encoding="utf-8"))
    manifest = json.loads((default_model_dir() / "manifest.json").read_text(encoding="utf-8"))
    by = meta["scored_by"]
    assert by["backend"] == "fused" and by["model"]["sha256"] == manifest["files"]["model.onnx"]["sha256"]
    assert by["rules"]["rules"] > 100 and len(by["rules"]["sha256"]) == 64
    assert (meta["rows"], meta["scored"], meta["input"]) == (40, 40, str(SAMPLE))
    jsonl = tmp_path / "scored.jsonl"
    assert main(["score", str(SAMPLE), "-o", str(jsonl), "--no-progress", "--format", "jsonl", "--backend", "rules"]) == 0
    record = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert record["scored_by"].startswith("yuefu_nlp ") and "rules@" + json.loads(
        meta_path(jsonl).read_text(encoding="utf-8"))["scored_by"]["rules"]["sha256"][:12] in record["scored_by"]
    capsys.readouterr()


def test_the_ruleset_hash_changes_with_a_lexicon(tmp_path):
    import shutil

    from yuefu_nlp import Analyzer
    from yuefu_nlp.resources import LEXICON_DIR

    copy = tmp_path / "lexicons"
    shutil.copytree(LEXICON_DIR, copy)
    same = Analyzer.load("rules", lexicon_dir=copy).provenance["rules"]["sha256"]
    assert same == Analyzer.load("rules").provenance["rules"]["sha256"]
    path = copy / "insult.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert Analyzer.load("rules", lexicon_dir=copy).provenance["rules"]["sha256"] != same
