"""Issue #16 item 2: repeated text is looked up, not scored again, with output identical to a run without the memo; a
text's score never depends on the texts scored with it; the model's thread count is the user's to set."""
from __future__ import annotations

import json
import random

import pytest

from yuefu_nlp import Analyzer
from yuefu_nlp.cli import main
from yuefu_nlp.errors import ConfigError
from yuefu_nlp.pipeline.memo import Memo
from yuefu_nlp.runtime.paths import REPO_ROOT

ROWS = [json.loads(line)["text"] for line in (REPO_ROOT / "data" / "splits" / "test.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def stream():
    rng = random.Random(3)
    base = ROWS[:60] + ["", "   ", "客户：你好\n催收员：你个老赖，明天去你家"]
    return base + rng.choices(base, k=90)  # every text at least once, many twice or more


@pytest.fixture(scope="module")
def plain():
    return Analyzer.load("fused", memo_size=0)


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_memo_output_is_identical_to_no_memo(stream, plain, batch_size):
    memo = Analyzer.load("fused")
    with_memo = [r.to_dict() for r in memo.analyze_batch(stream, batch_size=batch_size)]
    without = [r.to_dict() for r in plain.analyze_batch(stream, batch_size=batch_size)]
    assert with_memo == without
    assert memo.memos["model"].hits > 0 and memo.memos["rules"].hits > 0 and memo.memos["normalize"].hits > 0
    again = [r.to_dict() for r in memo.analyze_batch(stream[::-1], batch_size=batch_size)][::-1]
    assert again == without  # from the memo entirely, in another order


def test_a_texts_scores_do_not_depend_on_its_batch(plain):
    text = ROWS[5]
    alone = plain.analyze(text)
    for others in (ROWS[10:40], ROWS[100:101], [text] * 3):
        batch = list(plain.analyze_batch([*others, text], batch_size=64))
        assert batch[-1].scores == alone.scores and batch[-1].to_dict() == alone.to_dict()


def test_thread_counts_give_the_same_scores(stream):
    one = [r.to_dict() for r in Analyzer.load("fused", threads=1, memo_size=0).analyze_batch(stream[:40])]
    two = [r.to_dict() for r in Analyzer.load("fused", threads=2, memo_size=0).analyze_batch(stream[:40])]
    assert one == two
    with pytest.raises(ConfigError, match="threads"):
        Analyzer.load("fused", threads=0)


def test_memo_is_bounded_and_least_recently_used():
    m: Memo[str, int] = Memo(2)
    m.put("a", 1)
    m.put("b", 2)
    assert m.get("a") == 1  # a is now the most recently used
    m.put("c", 3)
    assert len(m) == 2 and m.get("b") is None and m.get("a") == 1 and m.get("c") == 3
    assert (m.hits, m.misses) == (3, 1)
    off: Memo[str, int] = Memo(0)
    off.put("a", 1)
    assert off.get("a") is None and len(off) == 0
    with pytest.raises(ConfigError):
        Memo(-1)


def test_cli_memo_and_threads_options_write_the_same_file(tmp_path, stream):
    src = tmp_path / "in.csv"
    import csv

    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows(enumerate(stream[:50]))
    outs = []
    for name, extra in {"a": [], "b": ["--no-memo"], "c": ["--threads", "1", "--batch-size", "3"]}.items():
        out = tmp_path / f"{name}.csv"
        assert main(["score", str(src), "-o", str(out), "--backend", "fused", "--no-progress", *extra]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.skipif(not json.loads((REPO_ROOT / "models" / "yuefu-e5-small-int8" / "config.json").read_text(
    encoding="utf-8")).get("slot_mask"), reason="the shipped model does not read slot-masked text")
def test_copies_of_a_template_cost_what_one_copy_costs(plain):
    """The shipped model reads numbers and greeting names masked (text/slots.py), so the memo scores a template once
    however many debtors, amounts and dates it is sent with; every copy keeps its own spans, with the same scores."""
    fills = [("张伟", "1,280.50", 3), ("刘秀英女士", "300", 45), ("陈静", "12000", 120), ("王先生", "88.8", 7)]
    texts = [f"【借呗】{n}，你欠的{a}元已经逾期{d}天了。再不还钱我们就去你单位闹，让你丢工作。" for n, a, d in fills]
    one = Analyzer.load("fused")
    one.analyze(texts[0])
    many = Analyzer.load("fused")
    results = list(many.analyze_batch(texts))
    assert many.memos["model"].misses == one.memos["model"].misses  # the later copies were all hits
    assert results == [plain.analyze(t) for t in texts]  # and exactly what a run without the memo gives
    assert len({tuple(sorted(r.scores.items())) for r in results}) == 1
    assert all(f.span.text == t[f.span.start:f.span.end] for r, t in zip(results, texts) for f in r.findings)
