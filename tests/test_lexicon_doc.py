"""docs/LEXICON_FORMAT.md is generated from the schema: a stale table or an invalid example fails here."""
from __future__ import annotations

import re

import yaml

from yuefu_nlp.rules.format_doc import BLOCKS, DOC_PATH, render
from yuefu_nlp.rules.lexicon import load_citations, load_lexicon
from yuefu_nlp.rules.schema import RULE

DOC = DOC_PATH.read_text(encoding="utf-8")


def test_committed_doc_is_the_generated_one():
    assert render(DOC_PATH) == DOC, "docs/LEXICON_FORMAT.md is stale: run python scripts/make_lexicon_doc.py"


def test_every_generated_block_is_in_the_doc():
    assert set(re.findall(r"<!-- generated: (\w+) -->", DOC)) == set(BLOCKS)
    assert all(f"| `{f.name}` |" in DOC for f in RULE.fields)


def test_a_stale_table_is_rewritten(tmp_path):
    stale = tmp_path / "LEXICON_FORMAT.md"
    stale.write_text(DOC.replace("| `score` |", "| `confidence` |"), encoding="utf-8")
    assert render(stale) == DOC


def test_the_example_lexicon_in_the_doc_loads(tmp_path):
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", DOC, re.S) if b.startswith("lexicon:"))
    path = tmp_path / "threat.yaml"
    path.write_text(block, encoding="utf-8")
    lexicon = load_lexicon(path, load_citations())
    assert [r.id for r in lexicon.rules] == [r["id"] for r in yaml.safe_load(block)["rules"]]
