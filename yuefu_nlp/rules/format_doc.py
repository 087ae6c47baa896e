"""docs/LEXICON_FORMAT.md's tables, generated from the schema and the gate classes.

The prose of the document is hand-written; each generated table sits between `<!-- generated: NAME -->` and
`<!-- end generated -->` and is replaced whole, so the tables always say what the loader checks.
`scripts/make_lexicon_doc.py` rewrites the file; tests/test_lexicon_doc.py fails when it is stale.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from ..errors import LexiconError
from .gates import GATE_TYPES
from .schema import CITATION, EXAMPLES, GATE, LEXICON_FILE, NEGATION_FILE, REPORTED_SPEECH_FILE, RULE, FieldSpec, Schema

__all__ = ["BLOCKS", "DOC_PATH", "render"]

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "LEXICON_FORMAT.md"
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n).*?(<!-- end generated -->)", re.S)


def _default(value: Any) -> str:
    if isinstance(value, bool):
        shown = str(value).lower()
    elif isinstance(value, int):
        shown = str(value)
    elif value == "":
        shown = '""'
    else:
        return ""
    return f" (default `{shown}`)"


def _required(spec: FieldSpec, schema: Schema) -> str:
    if spec.required:
        return "yes"
    if spec.name in schema.one_of:
        return "one of " + " / ".join(f"`{n}`" for n in schema.one_of)
    return "no" + _default(spec.default)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A Markdown table; a `|` inside a cell (a regex alternation) is escaped, else it would split the cell."""
    lines = [header, tuple("---" for _ in header), *rows]
    return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines)


def field_table(schema: Schema) -> str:
    rows = [(f"`{f.name}`", _required(f, schema), f.kind.doc, f.doc) for f in schema.fields]
    rows += [(f"~~`{name}`~~", "no longer a field", "", why) for name, why in schema.retired]
    return _table(("field", "required", "value", "meaning"), rows)


def gate_table() -> str:
    rows = [(str(cls.order), f"`{cls.__name__}`", cls.enabled_by, " ".join((cls.__doc__ or "").split()))
            for cls in GATE_TYPES]
    return _table(("order", "gate", "added by", "what it checks"), rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "lexicon_file": lambda: field_table(LEXICON_FILE),
    "rule": lambda: field_table(RULE),
    "gate_mapping": lambda: field_table(GATE),
    "examples": lambda: field_table(EXAMPLES),
    "gates": gate_table,
    "citation": lambda: field_table(CITATION),
    "negation": lambda: field_table(NEGATION_FILE),
    "reported_speech": lambda: field_table(REPORTED_SPEECH_FILE),
}


def render(path: Path = DOC_PATH) -> str:
    """The document at `path` with every generated block filled in from the current schema."""
    text = path.read_text(encoding="utf-8")

    def fill(m: re.Match[str]) -> str:
        if m.group(2) not in BLOCKS:
            raise LexiconError(str(path), "-", m.group(2), f"unknown generated block; known: {', '.join(BLOCKS)}")
        return f"{m.group(1)}{BLOCKS[m.group(2)]()}\n{m.group(3)}"

    return _BLOCK.sub(fill, text)
