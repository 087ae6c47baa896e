"""Bytes to text the way Chinese exports arrive: UTF-8 with or without a BOM, or GB18030 (Excel, older call-centre
systems). `yuefu score` and `yuefu check` read input through the same detection, so a file one accepts the other reads.
"""
from __future__ import annotations

import codecs
import sys
from pathlib import Path

from ..errors import InputError

__all__ = ["detect_encoding", "read_text"]


def detect_encoding(head: bytes) -> str:
    """UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK/GB2312 that Chinese Excel exports use)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # undecodable bytes are kept (surrogateescape) and the affected rows get an error


def read_text(path: str | Path) -> tuple[str, str]:
    """The whole file (`-` = stdin) as text, and the encoding it was read in. A file that is neither UTF-8 nor GB18030
    raises InputError naming the byte offset, instead of scoring mojibake."""
    data = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    encoding = detect_encoding(data[: 1 << 16])
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: byte {exc.start} is not valid {encoding}; save the file as UTF-8 (or GB18030) and try again"
        ) from None
