"""Citations a lawyer can check: every cited article is quoted verbatim from the statute text shipped in data/, the quote
lies inside the article named, and nothing is cited under a title we hold no verified text of."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from yuefu_nlp.errors import LexiconError
from yuefu_nlp.rules.lexicon import load_citations

ROOT = Path(__file__).resolve().parent.parent
CITATIONS = load_citations()
STATUTES = {key: c for key, c in CITATIONS.items() if c.article}
# Documents we hold no text of, cited by name only (docs/DOMAIN.md says which may be and why).
NAME_ONLY = {"互联网金融逾期债务催收自律公约（试行）"}
# An article paragraph starts with its number and a space: `第二百九十三条之一 有下列情形之一…`.
ARTICLE_HEAD = re.compile(r"^(第[〇零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)[ 　]", re.MULTILINE)


def article_text(statute: str, article: str) -> str:
    """The text of `article`: from its heading to the next article or Markdown heading; empty if there is none."""
    heads = list(ARTICLE_HEAD.finditer(statute))
    for here, after in zip(heads, heads[1:] + [None]):
        if here.group(1) == article:
            text = statute[here.start():after.start() if after else len(statute)]
            return text.split("\n#")[0]
    return ""


def title(statute: str) -> str:
    """The law's name: the first Markdown title line of its text."""
    return statute.splitlines()[0].removeprefix("# ").strip()


def test_there_are_statute_citations():
    assert len(STATUTES) >= 20


@pytest.mark.parametrize("key", sorted(STATUTES))
def test_statute_citation_is_quoted_from_its_article(key):
    c = STATUTES[key]
    assert c.source.startswith("data/"), f"{key}: source must be a file under data/"
    statute = (ROOT / c.source).read_text(encoding="utf-8")
    assert title(statute) == c.law, f"{key}: {c.source} is the text of 《{title(statute)}》, not 《{c.law}》"
    assert c.quote in statute, f"{key}: the quote is not verbatim in {c.source}"
    assert len(c.quote) >= 12, f"{key}: a quote this short does not say which text it is"
    text = article_text(statute, c.article)
    assert text, f"{key}: {c.source} has no {c.article}"
    assert c.quote in text, f"{key}: the quote is in {c.source} but not in {c.article}"


@pytest.mark.parametrize("key", sorted(STATUTES))
def test_statute_version_is_the_date_its_text_states(key):
    """The version is a date the text's own header states (its adoption or its last amendment), not one we chose."""
    c = STATUTES[key]
    header = (ROOT / c.source).read_text(encoding="utf-8").split("<!-- INFO END -->")[0]
    dates = [f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日", header)]
    assert c.version in dates, f"{key}: version {c.version} is not a date in the header of {c.source} ({dates})"


def test_nothing_is_cited_by_name_alone_but_the_documents_allowed():
    by_name = {c.law for c in CITATIONS.values() if not c.article}
    assert by_name <= NAME_ONLY, f"cited without a checkable text: {sorted(by_name - NAME_ONLY)}"
    assert all(c.version for c in CITATIONS.values())


def test_no_contact_time_or_frequency_limit_is_cited():
    """Limits such as no calls between 22:00 and 08:00 are practice, not a verified text (later: configurable policy)."""
    for key, c in CITATIONS.items():
        assert not re.search(r"\d{1,2}:\d{2}|每日|次数", c.summary), f"{key} cites a contact-time or frequency limit"


def test_the_version_is_shown_wherever_a_citation_is():
    c = STATUTES["criminal_293_1"]
    assert str(c) == "《中华人民共和国刑法》第二百九十三条之一（2023-12-29）"
    assert c.to_dict()["version"] == "2023-12-29"
    assert str(CITATIONS["nifa_convention_2018"]) == "《互联网金融逾期债务催收自律公约（试行）》（2018）"


def test_a_wrong_article_is_caught():
    """The check is not vacuous: 第二百九十三条's text does not hold 293之一's quote."""
    c = STATUTES["criminal_293_1"]
    statute = (ROOT / c.source).read_text(encoding="utf-8")
    assert c.quote not in article_text(statute, "第二百九十三条")


@pytest.mark.parametrize("entry, field", [
    ("{law: 中华人民共和国刑法, article: 第二百九十三条之一, version: 2023-12-29}", "quote"),
    ("{law: 某公约, version: '2018', quote: 不得骚扰, source: data/x.md}", "quote"),
    ("{law: 中华人民共和国刑法, article: 第二百九十三条之一}", "version"),
    ("{law: 某公约, version: 2018}", "version"),
])
def test_a_citation_that_cannot_be_checked_does_not_load(tmp_path, entry, field):
    path = tmp_path / "citations.yaml"
    path.write_text(f"bad: {entry}\n", encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        load_citations(path)
    assert "bad" in str(err.value) and field in str(err.value)


def test_an_unquoted_yaml_date_becomes_its_iso_string():
    assert CITATIONS["civil_code_1033"].version == "2020-05-28"  # written unquoted: YAML reads a date
