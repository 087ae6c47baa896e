"""Loading the rule files: lexicons, citations, negation cues, reported speech (docs/LEXICON_FORMAT.md).

A rule that cannot be trusted is worse than no rule, so every file is checked against its declaration in schema.py and
a broken one raises LexiconError naming the file, the rule id and the field. Only the checks that span more than one
field or file live here: the id starts with the file's label, citation keys exist, ids are unique, a cited article
comes with its quote and source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..domain import Label
from ..errors import LexiconError
from ..resources import LEXICON_DIR, RESOURCES_DIR, load_yaml
from ..types import Citation
from .gates import Gate, NegationCues, ReportedSpeech, rule_gates
from .schema import CITATION, LEXICON_FILE, NEGATION_FILE, REPORTED_SPEECH_FILE, RULE, Where

__all__ = [
    "Rule", "Lexicon", "NegationCues", "ReportedSpeech", "load_lexicons", "load_lexicon", "load_citations",
    "load_negation", "load_reported_speech",
]


@dataclass(frozen=True)
class Rule:
    """One lexicon rule. `gates` are the filters its own fields ask for; the matcher adds the shared ones (the negation
    gate when `negation` is true, the reported-speech gate)."""

    id: str
    label: Label
    description: str
    score: float
    keywords: tuple[str, ...]
    regex: tuple[re.Pattern[str], ...]
    gates: tuple[Gate, ...]
    negation: bool
    citations: tuple[Citation, ...]
    examples_match: tuple[str, ...]
    examples_no_match: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Lexicon:
    label: Label
    path: Path
    rules: tuple[Rule, ...]


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return load_yaml(fh)
    except yaml.YAMLError as exc:
        raise LexiconError(str(path), "-", "-", f"not valid YAML: {exc}") from exc


def _citation(raw: Any, where: Where) -> Citation:
    """An article is cited only with the verbatim text it is checked against; a document cited by name has neither."""
    f = CITATION.parse(raw, where)
    for name in ("quote", "source"):
        if f["article"] and not f[name]:
            where.at(name).fail("required with `article`: the statute text must be checkable")
        if f[name] and not f["article"]:
            where.at(name).fail("only with `article`: a document cited by name only has no quote or source")
    return Citation(**f)


def load_citations(path: Path | None = None) -> dict[str, Citation]:
    path = path or RESOURCES_DIR / "citations.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(str(path), "-", "-", "expected a mapping of citation keys to {law, article, version, ...}")
    return {str(key): _citation(item, Where(str(path), str(key))) for key, item in data.items()}


def load_negation(path: Path | None = None) -> NegationCues:
    path = path or RESOURCES_DIR / "negation.yaml"
    return NegationCues(**NEGATION_FILE.parse(_read_yaml(path), Where(str(path))))


def load_reported_speech(path: Path | None = None) -> ReportedSpeech:
    path = path or RESOURCES_DIR / "reported_speech.yaml"
    fields = REPORTED_SPEECH_FILE.parse(_read_yaml(path), Where(str(path)))
    return ReportedSpeech(
        quote_pairs=fields["quote_pairs"], introducers=fields["introducers"],
        introducer_window=fields["introducer_window"], reporter=fields["reporter_regex"],
        reporter_window=fields["reporter_window"],
    )


def _parse_rule(raw: Any, file: str, label: Label, citations: dict[str, Citation]) -> Rule:
    rid = raw.get("id") if isinstance(raw, dict) else None
    where = Where(file, str(rid) if rid is not None else "?")
    f = RULE.parse(raw, where)
    if f["id"].split(".")[0] != label:
        where.at("id").fail(f"must start with this file's label: {label}.<family>.<NNN> (the file says `lexicon: "
                            f"{label}`); a rule of another label belongs in that label's file")
    missing = [k for k in f["citations"] if k not in citations]
    if missing:
        where.at("citations").fail(f"unknown citation key(s) {missing}; add them to citations.yaml")
    return Rule(
        id=f["id"], label=label, description=f["description"], score=f["score"], keywords=f["keywords"],
        regex=f["regex"], gates=rule_gates(f), negation=f["negation"],
        citations=tuple(citations[k] for k in f["citations"]), examples_match=f["examples"]["match"],
        examples_no_match=f["examples"]["no_match"], source=file,
    )


def load_lexicon(path: Path, citations: dict[str, Citation]) -> Lexicon:
    file = str(path)
    data = LEXICON_FILE.parse(_read_yaml(path), Where(file))
    label = data["lexicon"]
    return Lexicon(label=label, path=path, rules=tuple(_parse_rule(r, file, label, citations) for r in data["rules"]))


def load_lexicons(directory: Path | None = None, citations_path: Path | None = None) -> tuple[Lexicon, ...]:
    """Load and validate every `*.yaml` lexicon in `directory`; rule ids must be unique across all of them."""
    directory = directory or LEXICON_DIR
    citations = load_citations(citations_path)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise LexiconError(str(directory), "-", "-", "no *.yaml lexicon files found")
    lexicons = tuple(load_lexicon(p, citations) for p in paths)
    seen: dict[str, str] = {}
    for lex in lexicons:
        for rule in lex.rules:
            if rule.id in seen:
                raise LexiconError(str(lex.path), rule.id, "id", f"duplicate id, also in {seen[rule.id]}")
            seen[rule.id] = str(lex.path)
    return lexicons
