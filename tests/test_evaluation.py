"""Evaluation: metrics on hand-checkable cases, bootstrap CIs, baselines' JSON/npz round trip, `yuefu evaluate` end to
end on a small labelled fixture, the docs matching the metrics JSON, and the notebooks executing on a small subset."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from yuefu_nlp.evaluation.baselines import FORMAT, TfidfConfig, TfidfLogReg, WordFilter, default_lexicon_dir
from yuefu_nlp.evaluation.dataset import label_matrix, load_labelled, parse_labels, subset
from yuefu_nlp.evaluation.model_bench import bench_texts
from yuefu_nlp.evaluation.metrics import (
    calibration_bins, compute_metrics, expected_calibration_error, label_confusion, pr_curve, score_histogram,
    tune_thresholds,
)
from yuefu_nlp.errors import BaselineError, InputError, TemplateError
from yuefu_nlp.domain import LABELS

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "tests" / "fixtures" / "eval"
LABELLED = FIX / "labelled.jsonl"
TRAIN = FIX / "train.jsonl"

# 6 rows x 4 labels (threat, insult, privacy_leak, false_legal_claim); rows 4 and 5 are compliant.
Y_TRUE = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]])
Y_PRED = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])


# -- metrics -------------------------------------------------------------------------------------------------------

def test_metrics_match_hand_counts():
    m = compute_metrics(Y_TRUE, Y_PRED, n_boot=50)
    threat = m.label("threat")  # tp 2 (rows 0,1), fp 1 (row 3), fn 0
    assert (threat.tp, threat.fp, threat.fn, threat.support, threat.predicted) == (2, 1, 0, 2, 3)
    assert threat.precision == pytest.approx(2 / 3) and threat.recall == 1.0 and threat.f1 == pytest.approx(0.8)
    insult = m.label("insult")  # tp 1 (row 2), fp 1 (row 4), fn 1 (row 0)
    assert (insult.precision, insult.recall, insult.f1) == (0.5, 0.5, 0.5)
    privacy = m.label("privacy_leak")  # fn 1, nothing predicted: precision 0 by convention
    assert (privacy.precision, privacy.recall, privacy.f1) == (0.0, 0.0, 0.0)
    assert m.label("false_legal_claim").f1 == 0.0
    assert m.macro_f1 == pytest.approx((0.8 + 0.5 + 0 + 0) / 4)
    # micro: tp 3, fp 2, fn 3 -> 6 / 11
    assert m.micro_f1 == pytest.approx(6 / 11)
    assert m.exact_match == pytest.approx(2 / 6)  # rows 1 and 5
    assert (m.n_compliant, m.compliant_fpr) == (2, 0.5)  # row 4 flagged, row 5 not


def test_bootstrap_intervals_contain_point_and_are_seeded():
    rng = np.random.default_rng(1)
    y = (rng.random((300, 4)) < 0.3).astype(int)
    pred = np.where(rng.random((300, 4)) < 0.8, y, 1 - y)  # 80% of cells right
    a = compute_metrics(y, pred, n_boot=400, seed=7)
    b = compute_metrics(y, pred, n_boot=400, seed=7)
    assert a == b
    assert a.macro_f1_ci.contains(a.macro_f1) and a.micro_f1_ci.contains(a.micro_f1)
    assert a.exact_match_ci.contains(a.exact_match) and a.compliant_fpr_ci.contains(a.compliant_fpr)
    for lm in a.per_label:
        assert lm.f1_ci.contains(lm.f1) and lm.precision_ci.contains(lm.precision) and lm.recall_ci.contains(lm.recall)
        assert 0.0 < lm.f1_ci.high - lm.f1_ci.low < 0.3


def test_no_compliant_rows_gives_no_fpr():
    m = compute_metrics(np.ones((3, 4)), np.ones((3, 4)), n_boot=20)
    assert m.compliant_fpr is None and m.compliant_fpr_ci is None and m.macro_f1 == 1.0
    assert json.loads(json.dumps(m.to_dict()))["compliant_fpr"] is None


def test_pr_curve_matches_scikit_learn():
    from sklearn.metrics import average_precision_score, precision_recall_curve

    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.3
    s = np.round(np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1), 2)  # ties on purpose
    c = pr_curve(y, s, "threat", max_points=10_000)
    assert c.average_precision == pytest.approx(average_precision_score(y, s), abs=1e-4)
    p, r, t = precision_recall_curve(y, s)
    ours = {(round(a, 4), round(b, 4)) for a, b in zip(c.precision, c.recall)}
    theirs = {(round(a, 4), round(b, 4)) for a, b in zip(p[:-1], r[:-1])}
    assert ours == theirs
    assert pr_curve(np.zeros(5), np.ones(5)).average_precision is None


def test_calibration_bins_and_ece_by_hand():
    y = np.array([0, 1, 1, 1])
    s = np.array([0.05, 0.15, 0.95, 1.0])  # 1.0 falls in the last bin
    bins = calibration_bins(y, s, n_bins=10)
    assert [b.count for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[9].mean_score == pytest.approx(0.975) and bins[9].positive_rate == 1.0
    assert bins[2].mean_score is None
    # |0.05-0| + |0.15-1| + 2*|0.975-1|, over 4 rows
    assert expected_calibration_error(bins) == pytest.approx((0.05 + 0.85 + 0.05) / 4)


def test_histogram_and_confusion_by_hand():
    h = score_histogram(np.array([1, 0, 0]), np.array([0.9, 0.1, 0.12]), n_bins=2)
    assert h["positive"] == [0, 1] and h["negative"] == [2, 0]
    conf = np.array(label_confusion(Y_TRUE, Y_PRED))
    assert conf.shape == (5, 5)
    assert conf[0, 0] == 2  # gold threat rows predicted threat
    assert conf[3, 0] == 1  # the false legal claim row was called a threat
    assert conf[4].tolist() == [0, 1, 0, 0, 1]  # compliant rows: one called insult, one left alone


# -- data loading --------------------------------------------------------------------------------------------------

def test_label_shapes_all_load_the_same(tmp_path):
    rows = load_labelled(LABELLED)
    assert len(rows) == 41 and sum(r.is_compliant for r in rows) == 20
    as_pipes = load_labelled(FIX / "labelled.csv")
    assert [r.labels for r in as_pipes] == [r.labels for r in rows]
    cols = tmp_path / "cols.csv"
    with cols.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", *LABELS])
        for r in rows:
            w.writerow([r.text, *[int(label in r.labels) for label in LABELS]])
    assert [r.labels for r in load_labelled(cols)] == [r.labels for r in rows]
    assert parse_labels('["insult", "threat"]', "x") == ("threat", "insult")
    assert parse_labels("", "x") == ()


def test_bad_labels_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "labels": []}\n{"text": "b", "labels": ["rude"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2: unknown label"):
        load_labelled(bad)
    none = tmp_path / "none.csv"
    none.write_text("text,threat\nhello,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="no labels"):
        load_labelled(none)


def test_subset_is_seeded_and_ordered():
    rows = load_labelled(LABELLED)
    a, b = subset(rows, 10, seed=3), subset(rows, 10, seed=3)
    assert [r.id for r in a] == [r.id for r in b] and len(a) == 10
    order = [r.id for r in rows]
    assert [order.index(r.id) for r in a] == sorted(order.index(r.id) for r in a)
    assert subset(rows, None) == rows


# -- baselines -----------------------------------------------------------------------------------------------------

def test_word_filter_flags_insult_with_original_offsets(tmp_path):
    (tmp_path / "l").mkdir()
    (tmp_path / "l" / "zh.txt").write_text("傻比\nsb\n账\n废物\n", encoding="utf-8")
    wf = WordFilter.load(tmp_path, sources=[("l/zh.txt", "insult")])
    assert "账" not in wf.terms["insult"]  # single characters dropped
    text = "你个傻比，SB一个，账单逾期"
    hits = wf.matches(text)
    assert {(h["start"], h["end"], h["text"]) for h in hits} == {(2, 4, "傻比"), (5, 7, "SB")}
    scores = wf.predict_proba([text, "您的账单已逾期"])
    assert scores.tolist() == [[0, 1, 0, 0], [0, 0, 0, 0]]


def test_word_filter_on_the_shipped_lists():
    if not (default_lexicon_dir() / "ldnoobw_zh" / "zh.txt").exists():
        pytest.skip("profanity lists not present in data/external/lexicons")
    wf = WordFilter.load()
    assert set(wf.terms) == {"insult"} and len(wf.terms["insult"]) > 1000
    assert wf.predict_proba(["你他妈的快还钱"])[0, LABELS.index("insult")] == 1.0


@pytest.fixture(scope="module")
def tfidf_fit():
    train = load_labelled(TRAIN)
    texts, y = [r.text for r in train], label_matrix([r.labels for r in train])
    cfg = TfidfConfig(min_df=1)
    return TfidfLogReg.fit(texts, y, config=cfg, dev=(texts[:20], y[:20])), texts, y, cfg


def test_tfidf_numpy_path_equals_scikit_learn(tfidf_fit):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from yuefu_nlp.evaluation.baselines import jieba_words

    model, texts, y, cfg = tfidf_fit
    common = dict(min_df=cfg.min_df, max_features=cfg.max_features, sublinear_tf=True)
    cv = TfidfVectorizer(analyzer="char", ngram_range=cfg.char_ngram_range, **common)
    wv = TfidfVectorizer(analyzer=jieba_words, **common)
    x = hstack([cv.fit_transform(texts), wv.fit_transform(texts)]).tocsr()
    test = [r.text for r in load_labelled(LABELLED)]
    xt = hstack([cv.transform(test), wv.transform(test)]).tocsr()
    for j in range(len(LABELS)):
        clf = LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, max_iter=cfg.max_iter, solver="liblinear",
                                 random_state=cfg.seed).fit(x, y[:, j])
        assert np.allclose(model.predict_proba(test)[:, j], clf.predict_proba(xt)[:, 1], atol=1e-9)


def test_tfidf_round_trips_through_json_and_npz(tfidf_fit, tmp_path):
    model = tfidf_fit[0]
    folder = model.save(tmp_path / "tfidf")
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.npz"]
    json.loads((folder / "model.json").read_text(encoding="utf-8"))
    with np.load(folder / "weights.npz", allow_pickle=False) as w:  # no object arrays: loads without pickle
        assert set(w.files) == {"char_idf", "word_idf", "coef", "intercept"}
    loaded = TfidfLogReg.load(folder)
    test = [r.text for r in load_labelled(LABELLED)]
    assert np.array_equal(loaded.predict_proba(test), model.predict_proba(test))
    assert np.array_equal(loaded.predict(test), model.predict(test))
    assert dict(loaded.thresholds) == dict(model.thresholds) and loaded.config == model.config


def test_threshold_tuning_by_hand():
    y = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    p = np.array([[0.9, 0, 0, 0], [0.4, 0, 0, 0], [0.3, 0, 0, 0], [0.1, 0, 0, 0]])
    t = tune_thresholds(y, p)
    assert t[0] == pytest.approx(0.35)  # midway between the highest negative and the lowest positive
    assert t[1] == 0.5  # no positives: keep the default
    # F1 is 2/3 both at 0.05 (flag all) and at 0.8 (flag the top row only): the tie goes to the one closer to 0.5
    y1 = np.array([[1], [0], [0], [1]], dtype=bool)
    p1 = np.array([[0.9], [0.7], [0.3], [0.1]])
    assert tune_thresholds(y1, p1)[0] == pytest.approx(0.8)


# -- yuefu evaluate, end to end ------------------------------------------------------------------------------------

def test_yuefu_evaluate_end_to_end(tmp_path, capsys):
    from yuefu_nlp.cli import main

    out = tmp_path / "ev"
    rc = main(["evaluate", str(FIX / "labelled.csv"), "--backend", "all", "--baselines",
               "--train", str(TRAIN), "--dev", str(tmp_path / "no_dev.jsonl"), "--n-boot", "100", "-o", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in report["systems"]]
    assert names[0] == "rules" and names[-2:] == ["wordfilter", "tfidf_lr"]
    # the shipped model makes every backend available
    assert set(names) == {"rules", "model", "fused", "wordfilter", "tfidf_lr"} and not report["unavailable"]
    by_name = {s["name"]: s for s in report["systems"]}
    assert by_name["fused"]["metrics"]["macro_f1"] > by_name["wordfilter"]["metrics"]["macro_f1"] + 0.3
    assert report["data"]["rows"] == 41
    rules = report["systems"][0]
    assert 0.0 <= rules["metrics"]["macro_f1"] <= 1.0 and rules["throughput"]["messages_per_s"] > 0
    assert f"{rules['metrics']['macro_f1']:.3f} [" in printed  # the printed table is the JSON's figures
    assert any(e["evidence"] for e in rules["worst_errors"]) or not rules["worst_errors"]
    for name in ("f1_comparison", "pr_curves", "confusion", "reliability", "throughput", "score_hist_rules"):
        assert (out / f"{name}.png").stat().st_size > 5000
    assert (out / "worst_errors.md").read_text(encoding="utf-8").startswith("# Worst errors")
    assert (out / "tfidf_lr" / "model.json").exists() and (out / "predictions" / "rules.jsonl").exists()
    lines = (out / "predictions" / "rules.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 41


def test_an_unavailable_backend_is_reported_not_fatal(tmp_path, capsys):
    from yuefu_nlp.cli import main

    out = tmp_path / "ev"
    rc = main(["evaluate", str(FIX / "labelled.csv"), "--backend", "rules", "--backend", "model", "--model-dir",
               str(tmp_path / "no_model"), "--no-plots", "--n-boot", "50", "-o", str(out)])
    assert rc == 0
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in report["systems"]] == ["rules"]
    assert [u["name"] for u in report["unavailable"]] == ["model"] and "ModelError" in report["unavailable"][0]["reason"]


def test_docs_figures_are_rendered_from_the_committed_metrics():
    from yuefu_nlp.evaluation.evaluation_doc import render

    metrics = REPO / "docs" / "evaluation" / "metrics.json"
    if not metrics.exists():
        pytest.skip("docs/evaluation/metrics.json not generated yet (scripts/make_evaluation.sh)")
    doc = (REPO / "docs" / "EVALUATION.md").read_text(encoding="utf-8")
    assert doc == render(metrics)
    from yuefu_nlp.evaluation import summary
    from yuefu_nlp.evaluation.report import load_report

    printed = (metrics.parent / "summary.txt").read_text(encoding="utf-8")  # what `yuefu evaluate` printed
    report = load_report(metrics)
    for table in (summary.comparison_table(report), summary.per_label_table(report), summary.curve_table(report)):
        assert table in printed and table in doc


# -- notebooks -----------------------------------------------------------------------------------------------------

def test_notebooks_execute_on_a_small_subset(tmp_path):
    """All four notebooks, top to bottom, on 30 rows (about 20-40 s on 2 cores)."""
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, str(REPO / "scripts" / "run_notebooks.py"), "--subset", "30",
                          "--out", str(tmp_path), "--timeout", "300"], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, res.stderr[-3000:]
    import nbformat

    names = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert names == ["01_dataset.ipynb", "02_evaluation.ipynb", "03_error_analysis.ipynb", "04_speed.ipynb"]
    for p in tmp_path.glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        assert any("image/png" in o.get("data", {}) for o in outputs) or p.name == "03_error_analysis.ipynb"
    assert time.perf_counter() - t0 < 120


def test_bench_table_renders_record_lists_as_tables():
    from yuefu_nlp.evaluation.speed import bench_table

    md = bench_table({"machine": {"cores": 2}, "speedup": 3.10596,
                      "results": [{"backend": "onnx-int8", "batch": 32, "msgs_per_s": 379.61},
                                  {"backend": "torch-fp32", "batch": 32, "msgs_per_s": 122.2, "extra": True}]})
    assert "| machine.cores | 2 |" in md and "| speedup | 3.106 |" in md
    assert "| backend | batch | msgs_per_s | extra |" in md
    assert "| onnx-int8 | 32 | 379.6 |  |" in md and "| torch-fp32 | 32 | 122.2 | True |" in md
    assert "results |" not in md.split("**results**")[0]  # the list is not dumped into the key/value table


def test_error_highlights_use_the_domain_label_colours():
    from yuefu_nlp.domain import LABEL_COLOURS
    from yuefu_nlp.evaluation.error_analysis import highlight_html

    html = highlight_html("再不还钱打断你的腿", [{"label": "threat", "start": 4, "end": 9, "rule_id": "r"}], ["threat"])
    assert f'<mark style="background:{LABEL_COLOURS["threat"]}" title="threat">打断你的腿</mark>' in html


def test_bench_texts_are_distinct_sms_length_messages():
    texts = bench_texts(200)
    assert len(texts) == 200 and len(set(texts)) == 200
    assert all(55 <= len(t) <= 70 for t in texts)


def test_a_template_placeholder_without_a_value_says_what_to_do(tmp_path):
    tmpl = tmp_path / "doc.tmpl"
    tmpl.write_text("{{test_rows}} rows; {{no_such_figure}}\n", encoding="utf-8")
    from yuefu_nlp.evaluation.evaluation_doc import render

    with pytest.raises(TemplateError, match=r"no_such_figure.*give each one a value"):
        render(REPO / "docs" / "evaluation" / "metrics.json", tmpl)


def test_baseline_errors_say_what_to_do(tmp_path):
    (tmp_path / "zh.txt").write_text("笨蛋\n", encoding="utf-8")
    with pytest.raises(BaselineError, match="unknown label 'rude'; map the list to one of threat"):
        WordFilter.load(tmp_path, sources=[("zh.txt", "rude")])
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "model.json").write_text(json.dumps({"format": "yuefu-tfidf-lr/0"}), encoding="utf-8")
    with pytest.raises(BaselineError, match=f"not a {FORMAT} model.*fit the baseline again"):
        TfidfLogReg.load(tmp_path / "old")


def test_a_file_that_is_no_evaluation_report_says_which_to_give(tmp_path):
    from yuefu_nlp.evaluation.report import load_report

    (tmp_path / "other.json").write_text('{"format": "something-else/1"}', encoding="utf-8")
    with pytest.raises(InputError, match="give the metrics.json that `yuefu evaluate` wrote"):
        load_report(tmp_path / "other.json")
