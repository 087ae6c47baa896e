"""The shipped default model (models/yuefu-e5-small-int8): integrity, recorded export checks, scoring, no torch.

Figures such as the int8/fp32 agreement are read from the folder's metrics.json (written by the export that built
it), never hard-coded here. The slow test re-measures the agreement from the training checkpoint when one exists.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from yuefu_nlp import LABELS, Analyzer, ModelError
from yuefu_nlp.training.export import FP32_TOLERANCE, MIN_INT8_AGREEMENT
from yuefu_nlp.runtime.manifest import MANIFEST, verify_manifest
from yuefu_nlp.runtime.onnx_scorer import REQUIRED_FILES, OnnxScorer
from yuefu_nlp.training.package import MAX_FOLDER_BYTES
from yuefu_nlp.runtime.paths import REPO_ROOT, default_model_dir

MODEL = default_model_dir()
pytestmark = pytest.mark.skipif(
    not (MODEL / "model.onnx").is_file(), reason=f"no shipped model at {MODEL} (build it: scripts/export_onnx.py)"
)

POLITE = "【XX消费金融】尊敬的用户，您本期账单1286.40元将于3月15日到期，请及时还款。如已还款请忽略。"
ABUSIVE = {
    "threat": "今晚十点前不还钱，我们就带人去你家门口堵你，让你全家不得安宁。",
    "insult": "你这个老赖，欠钱不还的废物，真不要脸的垃圾。",
    "privacy_leak": "今天不还，我们就把你欠钱的事发给你通讯录里所有人和你单位领导。",
    "false_legal_claim": "公安局已经对你立案，逮捕令明天就下来，到时候直接拘留你。",
}


@pytest.fixture(scope="module")
def scorer() -> OnnxScorer:
    return OnnxScorer.load()


@pytest.fixture(scope="module")
def metrics() -> dict:
    return json.loads((MODEL / "metrics.json").read_text(encoding="utf-8"))


def test_manifest_covers_every_model_file():
    manifest = verify_manifest(MODEL, REQUIRED_FILES)
    on_disk = {p.name for p in MODEL.iterdir() if p.is_file()} - {MANIFEST, "MODEL_CARD.md"}
    assert set(manifest["files"]) == on_disk


def test_folder_is_small_enough():
    assert sum(p.stat().st_size for p in MODEL.iterdir()) <= MAX_FOLDER_BYTES


def test_labels_and_thresholds(scorer):
    assert scorer.labels == LABELS
    assert all(0.0 < t < 1.0 for t in scorer.thresholds.values())


def test_recorded_export_checks_pass(metrics):
    assert metrics["parity_fp32_vs_torch_max_abs"]["logits"] <= FP32_TOLERANCE
    assert metrics["int8_vs_fp32"]["decision_agreement"] >= MIN_INT8_AGREEMENT
    assert metrics["int8_vs_fp32"]["rows"] > 0 and metrics["int8_vs_fp32"]["split"] == "test"


@pytest.mark.parametrize("label", LABELS)
def test_abusive_scores_above_polite(scorer, label):
    polite, abusive = scorer.predict_proba([POLITE, ABUSIVE[label]])
    assert abusive[label] > polite[label]


def test_polite_reminder_is_not_flagged(scorer):
    (p,) = scorer.predict_proba([POLITE])
    assert not [label for label in LABELS if p[label] >= scorer.thresholds[label]]


def test_batch_size_hardly_matters(scorer):
    texts = [POLITE, *ABUSIVE.values()] * 3
    a = scorer.predict_array(texts, batch_size=1)
    b = scorer.predict_array(texts, batch_size=32)
    np.testing.assert_allclose(a, b, atol=0.02)  # int8 activation scales are computed per batch


def test_default_analyzer_uses_the_shipped_model():
    an = Analyzer.load()
    assert an.backend == "fused" and isinstance(an.scorer, OnnxScorer)
    res = an.analyze(ABUSIVE["threat"])
    assert "threat" in res.labels


def test_scoring_path_imports_no_torch():
    code = (
        "import sys\n"
        "from yuefu_nlp import Analyzer\n"
        "an = Analyzer.load()\n"
        "list(an.analyze_batch(['你这个老赖', '请按时还款', '明天就去你家'], batch_size=2))\n"
        "bad = [m for m in ('torch', 'transformers', 'safetensors') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT, timeout=120)


def test_tampered_copy_raises_model_error(tmp_path):
    d = tmp_path / "model"
    shutil.copytree(MODEL, d)
    data = bytearray((d / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    (d / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        OnnxScorer.load(d)


def test_model_card_has_the_required_sections():
    card = (MODEL / "MODEL_CARD.md").read_text(encoding="utf-8")
    for heading in ("## Training data", "## Training", "## Results on the test split", "## Limitations",
                    "## Ethical considerations", "## How to retrain"):
        assert heading in card
    assert "not a label leak" in card


@pytest.mark.slow
def test_int8_agrees_with_fp32_on_test_split(tmp_path):
    """Re-export fp32 from the training checkpoint and measure agreement afresh (needs the checkpoint in runs/)."""
    pytest.importorskip("torch")
    from yuefu_nlp.corpus.schema import load_rows
    from yuefu_nlp.training.classifier import load_classifier
    from yuefu_nlp.evaluation.systems import model_probs
    from yuefu_nlp.training.export import export_onnx, label_agreement

    from yuefu_nlp.training.package import source_checkpoint

    ckpt = source_checkpoint(MODEL)
    if not (ckpt / "checkpoint.json").is_file():
        pytest.skip(f"no training checkpoint in {ckpt} (see the model card's 'How to retrain')")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model, meta = load_classifier(ckpt)
    shipped = json.loads((MODEL / "thresholds.json").read_text(encoding="utf-8"))
    if any(abs(shipped[l] - meta["thresholds"][l]) > 1e-6 for l in LABELS):
        pytest.skip(f"{ckpt} is not the checkpoint the shipped model was exported from")
    fp32 = export_onnx(model, tmp_path / "fp32.onnx")
    texts = [r.text for r in load_rows(REPO_ROOT / "data/splits/test.jsonl")]
    int8 = OnnxScorer.load(MODEL)
    ref = OnnxScorer.load(MODEL, model_file=str(fp32))
    agree = label_agreement(model_probs(int8, texts), model_probs(ref, texts), [int8.thresholds[l] for l in LABELS])
    assert agree["decision_agreement"] >= MIN_INT8_AGREEMENT
