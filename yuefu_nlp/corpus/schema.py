"""The gold row schema: one JSON object per line in data/gold/raw/*.jsonl (and in synthetic / split files).

Validation is strict and names file, line and field, because a silently mis-typed label turns an abusive
message into a "compliant" training example, and that error would only surface much later as a bad metric.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from yuefu_nlp.domain import COLLECTOR_PREFIXES, Role
from yuefu_nlp.errors import SchemaError
from yuefu_nlp.text.turns import line_speakers, speaker_role
from yuefu_nlp.domain import LABELS

REGISTERS: tuple[str, ...] = ("sms", "chat", "transcript", "third_party")
# Text from outside debt collection (data/openworld/): what the tool must leave alone. Registers of the third-party
# bundle (dialogue, review, news, encyclopedia, everyday) and of the rows we wrote ourselves; "degenerate" holds
# very short or non-Chinese inputs (TD, ok, 嗯, emoji, digits).
OPENWORLD_REGISTERS: tuple[str, ...] = (
    "dialogue", "review", "news", "encyclopedia", "everyday",
    "notification_sms", "marketing_sms", "service_chat", "personal_chat", "degenerate",
)
SOURCE_KINDS: tuple[str, ...] = ("handwritten", "synthetic")
_EXTERNAL_SOURCE = re.compile(r"^external:[a-z0-9_]+$")


REQUIRED_FIELDS: tuple[str, ...] = ("id", "text", "labels", "register", "source", "family")
OPTIONAL_STR_FIELDS: tuple[str, ...] = ("scenario", "stage", "collector", "tone")
ALL_FIELDS: tuple[str, ...] = REQUIRED_FIELDS + OPTIONAL_STR_FIELDS + ("variety",)

PathLike = Union[str, Path]


@dataclass(frozen=True)
class CorpusRow:
    """One labelled message: the one row type of corpus files, evaluation files (`evaluation.dataset.load_labelled`)
    and training data. `labels` is in LABELS order; an empty tuple means compliant."""

    id: str
    text: str
    labels: tuple[str, ...]
    register: str
    source: str
    family: str
    scenario: str = ""
    stage: str = ""
    collector: str = ""
    tone: str = ""
    variety: tuple[str, ...] = ()

    @property
    def is_compliant(self) -> bool:
        return not self.labels

    @property
    def source_kind(self) -> str:
        """'handwritten', 'synthetic' or 'external' (the name after 'external:' dropped)."""
        return self.source.split(":", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        """The JSONL shape (field order fixed so written files diff cleanly)."""
        return {
            "id": self.id,
            "text": self.text,
            "labels": list(self.labels),
            "register": self.register,
            "source": self.source,
            "scenario": self.scenario,
            "stage": self.stage,
            "collector": self.collector,
            "tone": self.tone,
            "variety": list(self.variety),
            "family": self.family,
        }


def _check(obj: Any, where: str) -> list[str]:
    """All problems of one decoded JSON line; empty when the row is valid."""
    if not isinstance(obj, Mapping):
        return [f"{where}: field '<row>': expected a JSON object, got {type(obj).__name__}"]
    problems: list[str] = []
    for name in REQUIRED_FIELDS:
        if name not in obj:
            problems.append(f"{where}: field '{name}': missing")
    for name in obj:
        if name not in ALL_FIELDS:
            problems.append(f"{where}: field '{name}': unknown field (allowed: {', '.join(ALL_FIELDS)})")
    for name in ("id", "text", "register", "source", "family") + OPTIONAL_STR_FIELDS:
        if name in obj and not isinstance(obj[name], str):
            problems.append(f"{where}: field '{name}': expected a string, got {type(obj[name]).__name__}")
    for name in ("id", "text", "family"):
        if isinstance(obj.get(name), str) and not obj[name].strip():
            problems.append(f"{where}: field '{name}': empty")
    if "labels" in obj:
        labels = obj["labels"]
        if not isinstance(labels, list):
            problems.append(f"{where}: field 'labels': expected a list, got {type(labels).__name__}")
        else:
            for label in labels:
                if label not in LABELS:
                    problems.append(f"{where}: field 'labels': unknown label {label!r} (allowed: {', '.join(LABELS)})")
            if len(set(map(str, labels))) != len(labels):
                problems.append(f"{where}: field 'labels': duplicate label in {labels}")
    if "variety" in obj:
        variety = obj["variety"]
        if not isinstance(variety, list) or not all(isinstance(v, str) for v in variety):
            problems.append(f"{where}: field 'variety': expected a list of strings")
    register = obj.get("register")
    if isinstance(register, str) and register not in REGISTERS + OPENWORLD_REGISTERS:
        allowed = ", ".join(REGISTERS + OPENWORLD_REGISTERS)
        problems.append(f"{where}: field 'register': unknown register {register!r} (allowed: {allowed})")
    source = obj.get("source")
    if isinstance(source, str) and source not in SOURCE_KINDS and not _EXTERNAL_SOURCE.match(source):
        problems.append(f"{where}: field 'source': {source!r} is not handwritten, synthetic or external:<name>")
    text = obj.get("text")
    # speaker prefixes are recognised exactly as the runtime recognises them (text.turns)
    if register == "transcript" and isinstance(text, str) and text.strip() and not any(
        speaker_role(line_speaker) is Role.COLLECTOR for line_speaker in line_speakers(text)
    ):
        problems.append(
            f"{where}: field 'text': a transcript needs at least one collector line "
            f"('{COLLECTOR_PREFIXES[0]}：…' or {', '.join(COLLECTOR_PREFIXES[1:])})"
        )
    return problems


def row_from_dict(obj: Mapping[str, Any], where: str = "<row>") -> CorpusRow:
    """Validate one decoded row and build it; raises SchemaError naming `where` and the field."""
    problems = _check(obj, where)
    if problems:
        raise SchemaError(problems)
    return _build(obj)


def _build(obj: Mapping[str, Any]) -> CorpusRow:
    labels = tuple(label for label in LABELS if label in obj["labels"])
    return CorpusRow(
        id=obj["id"],
        text=obj["text"],
        labels=labels,
        register=obj["register"],
        source=obj["source"],
        family=obj["family"],
        scenario=obj.get("scenario", ""),
        stage=obj.get("stage", ""),
        collector=obj.get("collector", ""),
        tone=obj.get("tone", ""),
        variety=tuple(obj.get("variety", ())),
    )


def _expand(path_or_paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """A file, a directory (its *.jsonl, sorted) or a list of either."""
    items = [path_or_paths] if isinstance(path_or_paths, (str, Path)) else list(path_or_paths)
    paths: list[Path] = []
    for item in items:
        p = Path(item)
        paths.extend(sorted(p.glob("*.jsonl")) if p.is_dir() else [p])
    return paths


def load_rows(path_or_paths: PathLike | Iterable[PathLike]) -> list[CorpusRow]:
    """Read and validate JSONL rows from files or directories; ids must be unique across everything read.

    Every problem of every file is collected before raising, so one run shows the annotator the whole list.
    Blank lines are skipped.
    """
    problems: list[str] = []
    rows: list[CorpusRow] = []
    seen: dict[str, str] = {}
    for path in _expand(path_or_paths):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}:0: field '<file>': cannot read ({exc})")
            continue
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: field '<json>': invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            row_problems = _check(obj, where)
            if row_problems:
                problems.extend(row_problems)
                continue
            row_id = obj["id"]
            if row_id in seen:
                problems.append(f"{where}: field 'id': duplicate id {row_id!r} (first at {seen[row_id]})")
                continue
            seen[row_id] = where
            rows.append(_build(obj))
    if problems:
        raise SchemaError(problems)
    return rows


def write_rows(rows: Iterable[CorpusRow], path: PathLike) -> int:
    """Write rows as UTF-8 JSONL (no ASCII escaping, so the files stay readable); returns the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n
