"""The one evaluation harness: the model card's figures come back from the shipped model through the functions
`yuefu evaluate` uses, and an Analyzer's labels are the same whether timed (`run_analyzer`) or not (`analyzer_labels`)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.corpus.schema import load_rows
from yuefu_nlp.domain import LABELS
from yuefu_nlp.evaluation.dataset import label_matrix
from yuefu_nlp.evaluation.metrics import binary_summary, compute_metrics, multilabel_summary
from yuefu_nlp.evaluation.systems import analyzer_labels, evaluate_systems, model_labels, model_probs, run_analyzer
from yuefu_nlp.runtime.onnx_scorer import OnnxScorer
from yuefu_nlp.runtime.paths import REPO_ROOT, default_model_dir

MODEL = default_model_dir()
needs_model = pytest.mark.skipif(not (MODEL / "model.onnx").is_file(), reason=f"no shipped model at {MODEL}")


@pytest.fixture(scope="module")
def test_rows():
    return load_rows(REPO_ROOT / "data" / "splits" / "test.jsonl")


@needs_model
def test_the_cards_test_split_figures_come_back_exactly(test_rows):
    """metrics.json's `test` block (rules, model, fused, with CIs) from the shipped int8 model, as package.py makes it."""
    stored = json.loads((MODEL / "metrics.json").read_text(encoding="utf-8"))["test"]
    texts, y = [r.text for r in test_rows], label_matrix([r.labels for r in test_rows]).astype(bool)
    fresh = evaluate_systems(texts, y, OnnxScorer.load(MODEL), Analyzer.load("rules"),
                             Analyzer.load("fused", model_dir=MODEL), n_boot=1000)
    assert json.loads(json.dumps(fresh)) == stored


@needs_model
def test_timed_and_untimed_runs_flag_the_same_labels(test_rows):
    texts = [r.text for r in test_rows[:150]]
    for backend in ("rules", "fused"):
        timed = run_analyzer(backend, texts, model_dir=MODEL)
        assert np.array_equal(timed.pred.astype(bool), analyzer_labels(Analyzer.load(backend, model_dir=MODEL), texts))
        assert timed.pred.any(), backend  # the sample has abusive rows: an all-zero match would prove nothing


@needs_model
def test_model_labels_are_probabilities_at_the_dev_thresholds(test_rows):
    scorer = OnnxScorer.load(MODEL)
    texts = [r.text for r in test_rows[:64]] + ["", "  "]  # nothing to judge: probability 0, no label
    probs = model_probs(scorer, texts)
    assert not probs[-2:].any()
    th = np.array([scorer.thresholds[label] for label in LABELS])
    assert np.array_equal(model_labels(scorer, texts), probs >= th)
    assert model_labels(scorer, texts).any()


def test_summaries_are_views_of_compute_metrics():
    y = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]], dtype=bool)
    pred = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    m, s = compute_metrics(y, pred, n_boot=200), multilabel_summary(y, pred, n_boot=200)
    assert s["macro_f1"] == m.macro_f1 and s["per_label"]["threat"]["f1"] == 1.0
    assert s["compliant_fpr"] == 1.0 and s["compliant_rows"] == 1
    b = binary_summary(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0]), n_boot=200)
    assert b["accuracy"] == 0.75 and b["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
