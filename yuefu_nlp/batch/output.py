"""Where scored rows go: CSV and JSONL sinks over an atomic file (Excel's sink is in spreadsheet.py).

An output appears only when the run finished: rows go to a temporary part file beside the target, renamed into place
at the end. The part's name carries the process id (`.scored.csv.<pid>.<random>.part`), so the parts of runs killed
outright (SIGKILL, a power cut) are recognised and removed by the next run. The finished file gets the permissions
the umask gives any new file (mkstemp's 0600 would hide it from colleagues on a shared drive). Every value is written
through `escape_undecodable`, so the output is valid in its encoding whatever bytes the input held.
"""
from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..text.decode import escape_undecodable
from .contract import OUTPUT_COLUMNS, cell

__all__ = ["AtomicFile", "CsvSink", "JsonlSink", "check_output_path", "new_part", "publish", "remove_part",
           "unique_names"]


def check_output_path(path: str) -> None:
    """A one-line error for every output path that cannot work, before any scoring."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"the output folder {folder} does not exist; create it or choose another -o")
    if target.is_dir():
        raise InputError(f"the output {target} is a folder; name a file, e.g. -o {target / 'scored.csv'}")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write to {folder}; choose another -o")


def new_part(path: str) -> tuple[str, int]:
    """A fresh part file beside `path` (after removing dead runs' parts), and how many of those were removed."""
    check_output_path(path)
    target = Path(path)
    removed = _remove_stale_parts(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".part")
    os.close(fd)
    return tmp, removed


def publish(tmp: str, path: str) -> None:
    """Give the finished part the umask's permissions and move it into place."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def remove_part(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _remove_stale_parts(target: Path) -> int:
    """Remove `.<name>.<pid>.*.part` files beside `target` whose process is gone; a live run's part is left alone."""
    removed = 0
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        pid = part.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class AtomicFile:
    """A text file written to a part beside the target and renamed at `commit`; `-` writes to stdout directly."""

    def __init__(self, path: str, encoding: str) -> None:
        self.path = path
        self.stale_removed = 0
        self.tmp: str | None = None
        if path == "-":
            self.fh: IO[str] = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="", write_through=True)
            return
        self.tmp, self.stale_removed = new_part(path)
        self.fh = open(self.tmp, "w", encoding=encoding, newline="")  # noqa: SIM115 - closed by commit/abort

    def commit(self) -> None:
        self.fh.flush()
        if self.tmp is None:
            self.fh.detach()
            return
        os.fsync(self.fh.fileno())
        self.fh.close()
        publish(self.tmp, self.path)

    def abort(self) -> None:
        if self.tmp is None:
            return
        self.fh.close()
        remove_part(self.tmp)


class CsvSink:
    """The scored CSV: the input's columns unchanged, then the contract's, then any `tail` columns."""

    def __init__(self, path: str, encoding: str) -> None:
        self.file = AtomicFile(path, encoding)
        self.stale_removed = self.file.stale_removed
        self._writer = csv.writer(self.file.fh, lineterminator="\n")

    def header(self, inputs: list[str], tail: list[str]) -> None:
        self._writer.writerow([escape_undecodable(c) for c in inputs] + list(OUTPUT_COLUMNS) + tail)

    def row(self, fields: list[str], cols: dict[str, Any], tail: list[str]) -> None:
        self._writer.writerow([escape_undecodable(f) for f in fields]
                              + [cell(k, cols[k]) for k in OUTPUT_COLUMNS] + tail)

    def commit(self) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()


class JsonlSink:
    """One JSON object per row: the input's columns (a repeated name gets `.1`, `.2`… so no value is lost), the
    contract's columns as JSON values, `tail` columns, and `scored_by`, the one-line id of what scored it."""

    def __init__(self, path: str, scored_by: str) -> None:
        self.file = AtomicFile(path, "utf-8")
        self.stale_removed = self.file.stale_removed
        self._scored_by = scored_by
        self._names: list[str] = []

    def header(self, inputs: list[str], tail: list[str]) -> None:
        self._tail = tail
        self._names = unique_names([escape_undecodable(c) for c in inputs],
                                   reserved={*OUTPUT_COLUMNS, *tail, "scored_by"})

    def row(self, fields: list[str], cols: dict[str, Any], tail: list[str]) -> None:
        obj: dict[str, Any] = dict(zip(self._names, (escape_undecodable(f) for f in fields)))
        obj.update(cols)
        for name, value in zip(self._tail, tail):
            obj[name] = json.loads(value) if value else []
        obj["scored_by"] = self._scored_by
        self.file.fh.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def commit(self) -> None:
        self.file.commit()

    def abort(self) -> None:
        self.file.abort()


def unique_names(names: list[str], reserved: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """`names` with each repeat renamed `name.1`, `name.2`… (pandas' convention), avoiding `reserved` names too."""
    seen: set[str] = set(reserved)
    out = []
    for name in names:
        new, k = name, 0
        while new in seen:
            k += 1
            new = f"{name}.{k}"
        seen.add(new)
        out.append(new)
    return out
