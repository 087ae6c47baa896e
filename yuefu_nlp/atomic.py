"""Output files that appear whole or not at all, for every command that writes one (score, report, contacts).

Rows go to a part file beside the target, renamed into place at the end: an interrupted run leaves no half file under
the target's name. The part's name carries the process id (`.scored.csv.<pid>.<random>.part`), so the parts of runs
killed outright (SIGKILL, a power cut) are recognised and removed by the next run writing the same target. The finished
file gets the permissions the umask gives any new file (mkstemp's 0600 would hide it from colleagues on a shared drive).
"""
from __future__ import annotations

import glob
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import IO

from .errors import InputError

__all__ = ["AtomicFile", "check_output_path", "new_part", "publish", "remove_part", "write_atomic"]


def check_output_path(path: str | Path, example: str = "scored.csv") -> None:
    """A one-line error for every output path that cannot work, before any work (`example`: a file name to suggest)."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"the output folder {folder} does not exist; create it or choose another -o")
    if target.is_dir():
        raise InputError(f"the output {target} is a folder; name a file, e.g. -o {target / example}")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write to {folder}; choose another -o")


def new_part(path: str, example: str = "scored.csv") -> tuple[str, int]:
    """A fresh part file beside `path` (after removing dead runs' parts), and how many of those were removed."""
    check_output_path(path, example)
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




def write_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """`text` written to `path` atomically."""
    out = AtomicFile(str(path), encoding)
    try:
        out.fh.write(text)
        out.commit()
    except BaseException:
        out.abort()
        raise
