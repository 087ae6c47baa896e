"""Regenerate the tables of docs/LEXICON_FORMAT.md from yuefu_nlp/rules/schema.py and the gate classes.

usage: python scripts/make_lexicon_doc.py [--check]   (--check: exit 1 if the file is stale, write nothing)
"""
from __future__ import annotations

import sys

from yuefu_nlp.rules.format_doc import DOC_PATH, render


def main() -> int:
    text = render(DOC_PATH)
    if text == DOC_PATH.read_text(encoding="utf-8"):
        print(f"{DOC_PATH} is up to date")
        return 0
    if "--check" in sys.argv[1:]:
        print(f"{DOC_PATH} is stale: run python scripts/make_lexicon_doc.py", file=sys.stderr)
        return 1
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
