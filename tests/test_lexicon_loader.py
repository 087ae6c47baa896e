"""A broken lexicon must name the file, the rule and the field, so whoever edits the YAML can fix it at once."""
from __future__ import annotations

from pathlib import Path

import pytest

from yuefu_nlp.errors import LexiconError
from yuefu_nlp.rules import load_lexicons

FIXTURES = Path(__file__).parent / "fixtures" / "broken_lexicons"


@pytest.mark.parametrize(
    "fixture, rule_id, field",
    [
        ("bad_score", "threat.fixture.001", "score"),
        ("bad_citation", "insult.fixture.001", "citations"),
        ("bad_regex", "threat.fixture.002", "regex"),
        ("missing_examples", "threat.fixture.003", "examples"),
        ("bad_id", "threat-home-1", "id"),
        ("unknown_field", "threat.fixture.004", "keyword"),
        ("duplicate_id", "threat.fixture.005", "id"),
        ("wrong_label", "insult.fixture.002", "label"),
    ],
)
def test_broken_lexicon_names_file_rule_and_field(fixture, rule_id, field):
    directory = FIXTURES / fixture
    with pytest.raises(LexiconError) as exc:
        load_lexicons(directory, citations_path=FIXTURES / "citations.yaml")
    err = exc.value
    assert err.rule_id == rule_id and err.field == field
    assert Path(err.file).parent == directory
    assert rule_id in str(err) and field in str(err) and Path(err.file).name in str(err)
