"""Where the notebooks read their data and how much of it: one place, driven by environment variables.

Why: notebooks must run top to bottom on a fresh checkout and in CI on a small subset, without editing them. Each
default falls back to the next thing that exists (the corpus splits, then the raw gold set, then the test fixture),
and says so, so a notebook never silently shows fixture numbers as if they were the test split.

    YUEFU_NB_SUBSET   rows per file to use (seeded sample; 0 or unset = all)
    YUEFU_NB_DATA     labelled evaluation file   (default data/splits/test.jsonl)
    YUEFU_NB_OPENWORLD held-out open-world rows  (default data/openworld/splits/test.jsonl)
    YUEFU_NB_TRAIN    train file for the TF-IDF baseline (default data/splits/train.jsonl)
    YUEFU_NB_DEV      dev file for its thresholds (default data/splits/dev.jsonl)
    YUEFU_NB_BOOT     bootstrap resamples (default 1000)
    YUEFU_NB_BENCH    folder of benchmark JSON files (default docs/evaluation)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..runtime.paths import REPO_ROOT

__all__ = ["NotebookParams", "notebook_params", "FIXTURE_DIR"]

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "eval"
SPLITS_DIR = REPO_ROOT / "data" / "splits"
GOLD_DIR = REPO_ROOT / "data" / "gold" / "raw"


@dataclass(frozen=True)
class NotebookParams:
    """The resolved inputs of a notebook run; `notes` says which fallbacks were taken."""

    subset: int | None
    eval_file: Path
    train_file: Path | None
    dev_file: Path | None
    dataset_files: dict[str, tuple[Path, ...]]
    bench_dir: Path
    n_boot: int
    notes: tuple[str, ...] = field(default=())
    openworld_file: Path | None = None

    @property
    def speed_messages(self) -> int:
        """Texts per speed measurement: 2,000, or the subset size in a quick run."""
        return self.subset or 2000

    def describe(self) -> str:
        """What this run reads, with paths relative to the checkout (notebook outputs are committed)."""
        lines = [f"evaluation file: {_rel(self.eval_file)}", f"train file (TF-IDF baseline): {_rel(self.train_file)}",
                 f"dev file: {_rel(self.dev_file)}", f"subset: {self.subset or 'all rows'}",
                 f"bootstrap resamples: {self.n_boot}", f"open-world file: {_rel(self.openworld_file)}",
                 "dataset files: " + "; ".join(f"{k} = {', '.join(_rel(p) for p in v)}"
                                               for k, v in self.dataset_files.items())]
        return "\n".join(lines + [f"NOTE: {n}" for n in self.notes])


def _rel(path: Path | None) -> str:
    if path is None:
        return "none"
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _env_path(name: str) -> Path | None:
    v = os.environ.get(name, "").strip()
    return Path(v) if v else None


def notebook_params() -> NotebookParams:
    """Resolve the environment variables and fallbacks (see the module docstring)."""
    notes: list[str] = []
    subset = int(os.environ.get("YUEFU_NB_SUBSET", "0") or 0) or None
    eval_file = _env_path("YUEFU_NB_DATA") or SPLITS_DIR / "test.jsonl"
    if not eval_file.exists():
        notes.append(f"{_rel(eval_file)} does not exist yet; using the small test fixture instead — these are NOT test-split "
                     f"figures")
        eval_file = FIXTURE_DIR / "labelled.jsonl"
    train = _env_path("YUEFU_NB_TRAIN") or SPLITS_DIR / "train.jsonl"
    if not train.exists():
        notes.append(f"{_rel(train)} does not exist yet; the TF-IDF baseline trains on the fixture train file")
        train = FIXTURE_DIR / "train.jsonl"
    dev: Path | None = _env_path("YUEFU_NB_DEV") or SPLITS_DIR / "dev.jsonl"
    if not dev.exists():
        dev = None
    splits = {name: (SPLITS_DIR / f"{name}.jsonl",) for name in ("train", "dev", "test")
              if (SPLITS_DIR / f"{name}.jsonl").exists()}
    if not splits:
        gold = tuple(sorted(GOLD_DIR.glob("*.jsonl")))
        if gold:
            notes.append("data/splits/ does not exist yet; the dataset overview shows the raw gold set, unsplit")
            splits = {"gold (unsplit)": gold}
        else:
            notes.append("neither data/splits/ nor data/gold/raw/ exist; the dataset overview shows the fixtures")
            splits = {"fixture train": (FIXTURE_DIR / "train.jsonl",), "fixture eval": (FIXTURE_DIR / "labelled.jsonl",)}
    bench = _env_path("YUEFU_NB_BENCH") or REPO_ROOT / "docs" / "evaluation"
    n_boot = int(os.environ.get("YUEFU_NB_BOOT", "1000") or 1000)
    openworld = _env_path("YUEFU_NB_OPENWORLD") or REPO_ROOT / "data" / "openworld" / "splits" / "test.jsonl"
    if not openworld.exists():
        notes.append(f"{_rel(openworld)} does not exist yet (python scripts/make_openworld.py); no open-world section")
        openworld = None
    return NotebookParams(subset, eval_file, train, dev, splits, bench, n_boot, tuple(notes), openworld)
