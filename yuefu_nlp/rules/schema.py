"""The rule file formats, declared once: every field with its kind, whether it is required, its default and its meaning.

Loading (rules/lexicon.py) walks these declarations and docs/LEXICON_FORMAT.md's field tables are generated from them
(rules/format_doc.py), so what the loader accepts and what the documentation says cannot drift apart. A value that
breaks its declaration raises LexiconError naming the file, the rule and the field (dotted for nested fields, e.g.
`examples.match`).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, NoReturn, Sequence

from ..domain import LABELS, Label
from ..errors import LexiconError
from .validators import VALIDATORS

__all__ = [
    "Where", "Kind", "FieldSpec", "Schema", "RULE_ID", "GATE", "EXAMPLES", "RULE", "LEXICON_FILE", "CITATION",
    "NEGATION_FILE", "REPORTED_SPEECH_FILE",
]


@dataclass(frozen=True)
class Where:
    """Where a value was read, so that a problem names the file, the rule (or entry) and the field."""

    file: str
    rule_id: str = "-"
    field: str = "-"

    def at(self, name: str) -> Where:
        """The place of a field inside this one (`examples` -> `examples.match`)."""
        return Where(self.file, self.rule_id, name if self.field == "-" else f"{self.field}.{name}")

    def fail(self, problem: str) -> NoReturn:
        raise LexiconError(self.file, self.rule_id, self.field, problem)


@dataclass(frozen=True)
class Kind:
    """What a field's YAML value must be (`doc`, shown in the field tables) and how it is checked and converted."""

    doc: str
    parse: Callable[[Any, Where], Any]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a mapping. An absent or null optional field takes `default`."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of YAML mapping.

    `one_of` names fields of which at least one must be given; `retired` maps a field that no longer exists to what to
    write instead, so an old file fails with a message that says how to fix it.
    """

    name: str
    fields: tuple[FieldSpec, ...]
    example: str = ""
    one_of: tuple[str, ...] = ()
    retired: tuple[tuple[str, str], ...] = ()

    def parse(self, raw: Any, where: Where) -> dict[str, Any]:
        """Check `raw` against every field and return the converted values by field name."""
        names = [f.name for f in self.fields]
        retired = dict(self.retired)
        if not isinstance(raw, dict):
            example = f", e.g. {self.example}" if self.example else ""
            where.fail(f"expected a mapping with the fields {', '.join(names)}{example}")
        for key in raw:
            if key in retired:
                where.at(str(key)).fail(f"no longer a field: {retired[key]}")
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                where.at(str(key)).fail(f"unknown field; {hint}allowed: {', '.join(sorted(names))}")
        if self.one_of and not any(raw.get(name) for name in self.one_of):  # an empty list gives nothing either
            where.at(self.one_of[0]).fail(f"a {self.name} needs at least one of {', '.join(self.one_of)}")
        out: dict[str, Any] = {}
        for spec in self.fields:
            if raw.get(spec.name) is None:
                if spec.required:
                    where.at(spec.name).fail(f"required: {spec.kind.doc}")
                out[spec.name] = spec.default
            else:
                out[spec.name] = spec.kind.parse(raw[spec.name], where.at(spec.name))
        return out


# ---------------------------------------------------------------- kinds of values


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _expect(doc: str, ok: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Kind:
    """A kind whose whole check is one predicate."""

    def parse(raw: Any, where: Where) -> Any:
        if not ok(raw):
            where.fail(f"expected {doc}, got {_shown(raw)}")
        return convert(raw)

    return Kind(doc, parse)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)  # YAML `true` is not 1


def integer(minimum: int) -> Kind:
    return _expect(f"an integer >= {minimum}", lambda v: _is_number(v) and isinstance(v, int) and v >= minimum)


def strings(at_least: int = 0) -> Kind:
    """A list of non-empty strings, returned as a tuple."""
    doc = "a list of non-empty strings" + (f", at least {at_least}" if at_least else "")
    return _expect(
        doc, lambda v: isinstance(v, list) and len(v) >= at_least and all(isinstance(x, str) and x for x in v), tuple)


def choice(options: Sequence[str], convert: Callable[[str], Any] = str) -> Kind:
    return _expect("one of " + ", ".join(f"`{o}`" for o in options), lambda v: v in options, convert)


def mapping(schema: Schema) -> Kind:
    """A nested mapping checked against its own schema; problems name the dotted field."""
    return Kind(f"a mapping ({schema.name} fields below)", schema.parse)


def _compile(source: Any, where: Where) -> re.Pattern[str]:
    if not isinstance(source, str) or not source:
        where.fail(f"expected a regex string, got {_shown(source)}")
    try:
        return re.compile(source)
    except re.error as exc:
        where.fail(f"{source!r} does not compile: {exc}")


def _regexes(raw: Any, where: Where) -> tuple[re.Pattern[str], ...]:
    if not isinstance(raw, list):
        where.fail(f"expected a list of regexes, got {_shown(raw)}")
    return tuple(_compile(src, where) for src in raw)


def _terms(raw: Any, where: Where) -> tuple[str, ...]:
    terms = strings().parse(raw, where)
    for term in terms:
        if term != term.lower() or " " in term:
            where.fail(f"{term!r} is not in normalized form (lower case, no spaces)")
    return terms


def _pairs(raw: Any, where: Where) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw or not all(isinstance(x, str) and x for kv in raw.items() for x in kv):
        where.fail(f"expected a mapping of opening to closing marks, got {_shown(raw)}")
    return tuple(raw.items())


TEXT = _expect("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()), str.strip)
STRING = _expect("a string", lambda v: isinstance(v, str))
BOOL = _expect("true or false", lambda v: isinstance(v, bool))
SCORE = _expect("a number in (0, 1]", lambda v: _is_number(v) and 0 < v <= 1, float)
TERMS = Kind("a list of terms in normalized form (simplified, lower case, no spaces)", _terms)
REGEXES = Kind("a list of Python regexes over normalized text", _regexes)
REGEX = Kind("a Python regex over normalized text", _compile)
QUOTE_PAIRS = Kind("a non-empty mapping of opening to closing quotation mark", _pairs)
# The label is not spelled out here: it is the file's `lexicon:` and the loader checks the id starts with it.
RULE_ID = _expect("`<label>.<family>.<NNN>`, e.g. `threat.home_visit.003`",
                  lambda v: isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z0-9_]+\.\d{3}", v) is not None)
LABEL = choice(LABELS, Label)
# YAML reads an unquoted 2023-12-29 as a date (kept as its ISO string); a year alone must be quoted, else it is a number.
VERSION = _expect(
    "a date `YYYY-MM-DD`, or a quoted year `'YYYY'` for a document known only by its year",
    lambda v: isinstance(v, date) or isinstance(v, str) and re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", v) is not None,
    lambda v: v.isoformat() if isinstance(v, date) else v)
RULE_LIST = _expect("a non-empty list of rules (rule fields below)", lambda v: isinstance(v, list) and bool(v))


# ---------------------------------------------------------------- the file formats

GATE = Schema("gate", (
    FieldSpec("any", strings(1), "the terms; one is enough", required=True),
    FieldSpec("window", integer(0), "how many normalized characters before and after the hit to look; 0 = the whole "
              "message or collector turn", default=0),
), example="{any: [依法, 法院], window: 6}")

EXAMPLES = Schema("examples", (
    FieldSpec("match", strings(2), "raw texts on which **this rule** must produce a finding", required=True),
    FieldSpec("no_match", strings(2), "raw texts on which this rule must produce **no** finding", required=True),
), example="{match: [text, text], no_match: [text, text]}")

RULE = Schema("rule", (
    FieldSpec("id", RULE_ID, "stable and unique across all lexicons; `<label>` is the file's `lexicon`", required=True),
    FieldSpec("description", TEXT, "what the rule catches, one line (Chinese or English)", required=True),
    FieldSpec("score", SCORE, "how sure a hit alone makes us; >= 0.5 flags on its own", required=True),
    FieldSpec("keywords", TERMS, "literal terms, all in one Aho-Corasick automaton per lexicon", default=()),
    FieldSpec("regex", REGEXES, "for structure only (slots such as `去你(家|单位|公司)`, numbers)", default=()),
    FieldSpec("context", mapping(GATE), "at least one term must occur near the hit, outside it"),
    FieldSpec("unless", mapping(GATE), "no term may occur near the hit; a veto term may overlap the hit"),
    FieldSpec("context_in_message", strings(1), "at least one term must occur somewhere in what the message's "
              "judged turns say (a call transcript: every collector turn, not only the hit's)"),
    FieldSpec("negation", BOOL, "cancel the hit when a cue of negation.yaml precedes it in its clause", default=True),
    FieldSpec("whole_word", BOOL, "the hit must start and end on jieba token boundaries", default=False),
    FieldSpec("validator", choice(tuple(VALIDATORS)), "the hit must pass this identifier checksum"),
    FieldSpec("citations", strings(1), "keys of citations.yaml", required=True),
    FieldSpec("examples", mapping(EXAMPLES), "run by tests/test_lexicons.py through the whole pipeline", required=True),
), one_of=("keywords", "regex"), retired=(
    ("label", "a rule's label is written once, as the file's top-level `lexicon:`; delete this line"),
))

LEXICON_FILE = Schema("lexicon file", (
    FieldSpec("lexicon", LABEL, "the label of every rule in the file", required=True),
    FieldSpec("rules", RULE_LIST, "the rules", required=True),
))

CITATION = Schema("citation", (
    FieldSpec("law", TEXT, "the statute or document, by its full name (a statute: the title line of its `source`)",
              required=True),
    FieldSpec("article", STRING, "only where the shipped statute text has it; never invent one; empty: cited by name "
              "only", default=""),
    FieldSpec("version", VERSION, "the date of the text cited, as its header states it: its adoption or the last "
              "amendment it includes", required=True),
    FieldSpec("summary", STRING, "what the cited article forbids, one line", default=""),
    FieldSpec("quote", STRING, "with `article`: a verbatim excerpt of that article, long enough to be specific",
              default=""),
    FieldSpec("source", STRING, "with `article`: the file under data/ holding the statute text quoted", default=""),
))

NEGATION_FILE = Schema("negation file", (
    FieldSpec("window", integer(1), "how many normalized characters before the hit a cue may be", default=8),
    FieldSpec("overrides", strings(), "phrases before the cue in the same clause that undo the negation (别以为…)",
              default=()),
    FieldSpec("cues", strings(1), "words that cancel a hit they precede in the same clause", required=True),
))

REPORTED_SPEECH_FILE = Schema("reported speech file", (
    FieldSpec("quote_pairs", QUOTE_PAIRS, "quotation marks, matched on the normalized text", required=True),
    FieldSpec("introducer_window", integer(1), "how many characters before an opening mark to look for an introducer",
              required=True),
    FieldSpec("introducers", strings(1), "words that introduce quoted speech (说, 称, 话术 …)", required=True),
    FieldSpec("reporter_window", integer(1), "how many characters before the hit, in its sentence, to look for a "
              "reporter", required=True),
    FieldSpec("reporter_regex", REGEX, "someone other than the speaker followed by a verb of saying", required=True),
))
