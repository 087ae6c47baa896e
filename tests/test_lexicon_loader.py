"""A broken lexicon must name the file, the rule and the field, so whoever edits the YAML can fix it at once."""
from __future__ import annotations

from pathlib import Path

import pytest

from yuefu_nlp.domain import Label
from yuefu_nlp.errors import LexiconError
from yuefu_nlp.rules import load_lexicons, load_negation, load_reported_speech

FIXTURES = Path(__file__).parent / "fixtures" / "broken_lexicons"


def _load_error(fixture: str) -> LexiconError:
    with pytest.raises(LexiconError) as exc:
        load_lexicons(FIXTURES / fixture, citations_path=FIXTURES / "citations.yaml")
    return exc.value


@pytest.mark.parametrize(
    "fixture, rule_id, field, says",
    [
        ("bad_score", "threat.fixture.001", "score", "(0, 1]"),
        ("bad_citation", "insult.fixture.001", "citations", "no_such_law"),
        ("bad_regex", "threat.fixture.002", "regex", "does not compile"),
        ("missing_examples", "threat.fixture.003", "examples.match", "at least 2"),
        ("bad_id", "threat-home-1", "id", "<label>.<family>.<NNN>"),
        ("unknown_field", "threat.fixture.004", "keyword", "allowed: citations, context, context_in_message, description"),
        ("duplicate_id", "threat.fixture.005", "id", "duplicate"),
        ("wrong_label", "threat.fixture.006", "id", "insult.<family>.<NNN>"),
        ("retired_label", "insult.fixture.003", "label", "`lexicon:`"),
    ],
)
def test_broken_lexicon_names_file_rule_and_field(fixture, rule_id, field, says):
    err = _load_error(fixture)
    assert (err.rule_id, err.field) == (rule_id, field)
    assert Path(err.file).parent == FIXTURES / fixture
    assert rule_id in str(err) and field in str(err) and Path(err.file).name in str(err)
    assert says in err.problem


def test_write_the_yaml_the_loader_reads(tmp_path):
    """Missing fields, wrong types and a rule with neither keywords nor regex each name their field."""
    base = ("lexicon: threat\nrules:\n  - id: threat.fixture.007\n    description: x\n"
            "    citations: [criminal_293_1]\n    examples: {match: [a, b], no_match: [c, d]}\n")
    cases = {
        "    keywords: [上门]\n": ("score", "required"),
        "    score: 0.9\n": ("keywords", "keywords, regex"),
        "    score: 0.9\n    regex: []\n": ("keywords", "keywords, regex"),
        "    score: 0.9\n    keywords: [上 门]\n": ("keywords", "normalized form"),
        "    score: 0.9\n    keywords: [上门]\n    negation: 'no'\n": ("negation", "true or false"),
        "    score: 0.9\n    keywords: [上门]\n    validator: crc\n": ("validator", "`cn_id`"),
        "    score: 0.9\n    keywords: [上门]\n    context: [你]\n": ("context", "{any: [依法, 法院], window: 6}"),
        "    score: 0.9\n    keywords: [上门]\n    unless: {any: [依法], window: -1}\n": ("unless.window", ">= 0"),
        "    score: true\n    keywords: [上门]\n": ("score", "got True"),
    }
    (tmp_path / "lex").mkdir()
    for extra, (field, says) in cases.items():
        (tmp_path / "lex" / "threat.yaml").write_text(base + extra, encoding="utf-8")
        with pytest.raises(LexiconError) as exc:
            load_lexicons(tmp_path / "lex", citations_path=FIXTURES / "citations.yaml")
        assert (exc.value.rule_id, exc.value.field) == ("threat.fixture.007", field), extra
        assert says in exc.value.problem, (extra, exc.value.problem)


def test_shared_files_are_checked_against_their_schema(tmp_path):
    path = tmp_path / "negation.yaml"
    path.write_text("window: 0\ncues: [不会]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="'window'.*>= 1"):
        load_negation(path)
    path = tmp_path / "reported_speech.yaml"
    path.write_text("quote_pairs: {'“': '”'}\nintroducers: [说]\nintroducer_window: 14\nreporter_window: 20\n",
                    encoding="utf-8")
    with pytest.raises(LexiconError, match="'reporter_regex'.*required"):
        load_reported_speech(path)


def test_rules_take_their_label_from_the_file():
    lexicons = load_lexicons()
    assert {lex.label for lex in lexicons} == set(Label)
    for lex in lexicons:
        assert all(rule.label is lex.label and rule.id.startswith(f"{lex.label}.") for rule in lex.rules)

