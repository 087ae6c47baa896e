#!/usr/bin/env python
"""Write yuefu_nlp/resources/common_words.txt: the words of jieba's dictionary (jieba/dict.txt, MIT licence) of two
or three characters that begin with one of `text.slots.SURNAMES`, so `text.slots.mask_slots` never takes 于是, 马上,
谢谢 or 高兴 at the head of a message for a debtor's name.

    python scripts/make_common_words.py

The file is committed: the model reads masked text, so the list is part of what it was trained on and must not
move with the installed jieba.
"""
from __future__ import annotations

import os
from importlib.metadata import version

import jieba

from yuefu_nlp.resources import RESOURCES_DIR
from yuefu_nlp.text.slots import SURNAMES


def main() -> int:
    src = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    words = set()
    with open(src, encoding="utf-8") as f:
        for line in f:
            word = line.split(" ", 1)[0]
            if 2 <= len(word) <= 3 and word[0] in SURNAMES:
                words.add(word)
    out = RESOURCES_DIR / "common_words.txt"
    header = (f"# Words of jieba {version('jieba')}'s dict.txt (MIT licence, https://github.com/fxsjy/jieba) of 2-3 "
              "characters beginning with a common surname:\n# text.slots.mask_slots leaves these unmasked. Written by "
              "scripts/make_common_words.py; do not edit by hand.\n")
    out.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(words):,} words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
