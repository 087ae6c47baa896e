"""The evaluation figures people read: Chinese label names in a CJK font when one is installed and English ones (never
tofu) when none is, a gold x predicted co-occurrence figure honest about multi-label rows, throughput on a linear
axis. Drawn from the committed docs/evaluation/metrics.json."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from yuefu_nlp.domain import LABEL_ZH, LABELS
from yuefu_nlp.evaluation import plots

METRICS = Path(__file__).resolve().parents[1] / "docs" / "evaluation" / "metrics.json"


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads(METRICS.read_text(encoding="utf-8"))


def _draw(fig) -> list[str]:
    """Render the figure; the warnings matplotlib gives for glyphs its fonts lack."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]


def _ticks(ax) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def test_chinese_names_with_a_cjk_font_and_no_missing_glyph(report):
    if plots.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk); the English fallback is tested below")
    fig = plots.f1_comparison(report)
    assert _ticks(fig.axes[0])[: len(LABELS)] == [LABEL_ZH[label] for label in LABELS]
    assert not _draw(fig)
    assert not _draw(plots.confusion(report)) and not _draw(plots.pr_curves(report))


def test_english_names_without_a_cjk_font(report, monkeypatch):
    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    fig = plots.f1_comparison(report)
    assert _ticks(fig.axes[0])[: len(LABELS)] == [plots.label_name(lb, short=True) for lb in LABELS]
    assert all(c.isascii() for t in _ticks(fig.axes[0]) for c in t)
    conf = plots.confusion(report)
    assert all(c.isascii() for ax in conf.axes if ax.get_visible() for t in _ticks(ax) for c in t)
    assert not _draw(fig) and not _draw(conf)


def test_cooccurrence_shares_are_of_the_gold_label_rows(report):
    fig = plots.confusion(report)
    system = report["systems"][0]
    counts = system["confusion"]["counts"]
    threat_rows = report["data"]["label_counts"]["threat"]
    ax = fig.axes[0]
    cell = next(t.get_text() for t in ax.texts if t.get_position() == (0, 0))
    assert cell == f"{counts[0][0]}\n{counts[0][0] / threat_rows:.0%}"
    assert f"({threat_rows})" in ax.get_yticklabels()[0].get_text()
    assert "co-occurrence" in fig.get_suptitle() and "multi-label" in fig.get_suptitle()


def test_throughput_is_not_on_a_log_axis(report):
    ax = plots.throughput(report).axes[0]
    assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0


def test_stream_speeds_show_each_system_per_stream_with_its_ratio_to_the_release():
    figures = json.loads((METRICS.parent / "bench_streams.json").read_text(encoding="utf-8"))
    fig = plots.stream_speeds(figures)
    ax = fig.axes[0]
    assert _ticks(ax) == list(figures["streams"]) and not _draw(fig)
    bars = [p.get_height() for p in ax.patches]
    assert bars == [figures["streams"][s]["runs"][k]["msgs_per_s"]
                    for k in ("release", "today_no_memo", "today") for s in figures["streams"]]
    today = figures["streams"]["templated"]
    ratio = today["runs"]["today"]["msgs_per_s"] / today["runs"]["release"]["msgs_per_s"]
    assert f"×{ratio:.1f}" in [t.get_text() for t in ax.texts]
