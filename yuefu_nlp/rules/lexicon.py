"""Lexicon files: schema, validation and loading (docs/LEXICON_FORMAT.md).

A rule that cannot be trusted is worse than no rule, so loading validates every field and a broken file raises
LexiconError naming the file, the rule id and the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import LexiconError
from ..resources import LEXICON_DIR, RESOURCES_DIR
from ..types import LABELS, Citation
from .validators import VALIDATORS

__all__ = [
    "Gate", "Rule", "Lexicon", "NegationCues", "ReportedSpeech", "load_lexicons", "load_citations", "load_negation",
    "load_reported_speech",
]

_ID_RE = re.compile(r"^(threat|insult|privacy_leak|false_legal_claim)\.[a-z0-9_]+\.\d{3}$")
_FIELDS = {
    "id", "label", "description", "score", "keywords", "regex", "context", "unless", "negation", "whole_word",
    "validator", "citations", "examples",
}


@dataclass(frozen=True)
class Gate:
    """Terms that must (context) or must not (unless) occur within `window` normalized chars of a hit; 0 = anywhere."""

    terms: tuple[str, ...]
    window: int


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    description: str
    score: float
    keywords: tuple[str, ...]
    regex: tuple[re.Pattern[str], ...]
    context: Gate | None
    unless: Gate | None
    negation: bool
    whole_word: bool
    validator: str | None
    citations: tuple[Citation, ...]
    examples_match: tuple[str, ...]
    examples_no_match: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Lexicon:
    label: str
    path: Path
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class NegationCues:
    """Cues that cancel a hit they precede in the same clause; `overrides` (别以为…) cancel the cancelling."""

    cues: tuple[str, ...]
    window: int
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportedSpeech:
    """How to recognise quoted or reported collector speech (complaints, news, training material)."""

    quote_pairs: tuple[tuple[str, str], ...]
    introducers: tuple[str, ...]
    introducer_window: int
    reporter: re.Pattern[str]
    reporter_window: int


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise LexiconError(str(path), "-", "-", f"not valid YAML: {exc}") from exc


def load_citations(path: Path | None = None) -> dict[str, Citation]:
    path = path or RESOURCES_DIR / "citations.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(str(path), "-", "-", "expected a mapping of citation keys")
    out = {}
    for key, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("law"), str) or not item["law"]:
            raise LexiconError(str(path), str(key), "law", "each citation needs a non-empty `law`")
        out[str(key)] = Citation(law=item["law"], article=str(item.get("article") or ""), summary=str(item.get("summary") or ""))
    return out


def load_negation(path: Path | None = None) -> NegationCues:
    path = path or RESOURCES_DIR / "negation.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("cues"), list) or not data["cues"]:
        raise LexiconError(str(path), "-", "cues", "expected a non-empty list `cues`")
    window = data.get("window", 8)
    if not isinstance(window, int) or window < 1:
        raise LexiconError(str(path), "-", "window", "expected a positive integer")
    overrides = data.get("overrides") or []
    if not isinstance(overrides, list):
        raise LexiconError(str(path), "-", "overrides", "expected a list of strings")
    return NegationCues(tuple(str(c) for c in data["cues"]), window, tuple(str(o) for o in overrides))


def load_reported_speech(path: Path | None = None) -> ReportedSpeech:
    path = path or RESOURCES_DIR / "reported_speech.yaml"
    data = _read_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise LexiconError(file, "-", "-", "expected a mapping")
    pairs = data.get("quote_pairs")
    if not isinstance(pairs, dict) or not pairs:
        raise LexiconError(file, "-", "quote_pairs", "expected a mapping of opening to closing marks")
    intro = _str_list(data.get("introducers"), file, "-", "introducers")
    try:
        reporter = re.compile(str(data.get("reporter_regex", "")))
    except re.error as exc:
        raise LexiconError(file, "-", "reporter_regex", f"does not compile: {exc}") from exc
    windows = []
    for key in ("introducer_window", "reporter_window"):
        w = data.get(key)
        if not isinstance(w, int) or w < 1:
            raise LexiconError(file, "-", key, "expected a positive integer")
        windows.append(w)
    return ReportedSpeech(tuple((str(a), str(b)) for a, b in pairs.items()), intro, windows[0], reporter, windows[1])


def _gate(raw: Any, file: str, rid: str, field: str) -> Gate | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("any"), list) or not raw["any"]:
        raise LexiconError(file, rid, field, "expected {any: [terms...], window: N}")
    if not all(isinstance(t, str) and t for t in raw["any"]):
        raise LexiconError(file, rid, field, "every term in `any` must be a non-empty string")
    window = raw.get("window", 0)
    if not isinstance(window, int) or window < 0:
        raise LexiconError(file, rid, field, "`window` must be an integer >= 0")
    return Gate(tuple(raw["any"]), window)


def _str_list(raw: Any, file: str, rid: str, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise LexiconError(file, rid, field, "expected a list of non-empty strings")
    return tuple(raw)


def _parse_rule(raw: Any, file: str, label: str, citations: dict[str, Citation]) -> Rule:
    if not isinstance(raw, dict):
        raise LexiconError(file, "?", "-", "each rule must be a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        raise LexiconError(file, str(rid), "id", "expected <label>.<family>.<NNN>, e.g. threat.home_visit.003")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise LexiconError(file, rid, sorted(unknown)[0], f"unknown field; allowed: {', '.join(sorted(_FIELDS))}")
    if raw.get("label") != label or not rid.startswith(label + "."):
        raise LexiconError(file, rid, "label", f"must be {label!r} (the file's lexicon) and prefix the id")
    desc = raw.get("description")
    if not isinstance(desc, str) or not desc.strip():
        raise LexiconError(file, rid, "description", "required, one line")
    score = raw.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 < score <= 1:
        raise LexiconError(file, rid, "score", "must be a number in (0, 1]")
    keywords = _str_list(raw.get("keywords"), file, rid, "keywords")
    for kw in keywords:
        if kw != kw.lower() or " " in kw:
            raise LexiconError(file, rid, "keywords", f"{kw!r} is not in normalized form (lower case, no spaces)")
    patterns = []
    for src in _str_list(raw.get("regex"), file, rid, "regex"):
        try:
            patterns.append(re.compile(src))
        except re.error as exc:
            raise LexiconError(file, rid, "regex", f"{src!r} does not compile: {exc}") from exc
    if not keywords and not patterns:
        raise LexiconError(file, rid, "keywords", "a rule needs `keywords` or `regex`")
    validator = raw.get("validator")
    if validator is not None and validator not in VALIDATORS:
        raise LexiconError(file, rid, "validator", f"unknown validator {validator!r}; known: {', '.join(VALIDATORS)}")
    for flag in ("negation", "whole_word"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise LexiconError(file, rid, flag, "must be true or false")
    keys = _str_list(raw.get("citations"), file, rid, "citations")
    if not keys:
        raise LexiconError(file, rid, "citations", "at least one citation key is required")
    missing = [k for k in keys if k not in citations]
    if missing:
        raise LexiconError(file, rid, "citations", f"unknown citation key(s) {missing}; add them to citations.yaml")
    examples = raw.get("examples")
    if not isinstance(examples, dict):
        raise LexiconError(file, rid, "examples", "expected {match: [...], no_match: [...]}")
    ex_match = _str_list(examples.get("match"), file, rid, "examples.match")
    ex_no = _str_list(examples.get("no_match"), file, rid, "examples.no_match")
    if len(ex_match) < 2 or len(ex_no) < 2:
        raise LexiconError(file, rid, "examples", "at least 2 `match` and 2 `no_match` examples are required")
    return Rule(
        id=rid, label=label, description=desc.strip(), score=float(score), keywords=keywords, regex=tuple(patterns),
        context=_gate(raw.get("context"), file, rid, "context"), unless=_gate(raw.get("unless"), file, rid, "unless"),
        negation=bool(raw.get("negation", True)), whole_word=bool(raw.get("whole_word", False)), validator=validator,
        citations=tuple(citations[k] for k in keys), examples_match=ex_match, examples_no_match=ex_no, source=file,
    )


def load_lexicon(path: Path, citations: dict[str, Citation]) -> Lexicon:
    file = str(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise LexiconError(file, "-", "-", "expected a mapping with `lexicon` and `rules`")
    label = data.get("lexicon")
    if label not in LABELS:
        raise LexiconError(file, "-", "lexicon", f"must be one of {', '.join(LABELS)}")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise LexiconError(file, "-", "rules", "expected a non-empty list of rules")
    rules = tuple(_parse_rule(r, file, label, citations) for r in raw_rules)
    return Lexicon(label=label, path=path, rules=rules)


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
