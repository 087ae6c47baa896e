"""Bytes to text the way Chinese exports arrive, without ever turning a whole file into mojibake.

Files come as UTF-8 (with or without a BOM), GB18030/GBK (Chinese Excel, older call-centre systems), Big5 (Hong Kong,
Taiwan) or UTF-16 (Excel's "Unicode text"). The encoding is detected once from a large sample (the head of the file
and, when that is plain ASCII, chunks spread over the rest): BOMs first, then UTF-8 *tolerantly* (one character cut
by a database byte limit must not make a UTF-8 file "GB18030"), then charset-normalizer among the others.

Decoding then goes on row by row with the `yuefu-bytes` error handler: a byte that is not valid in the chosen
encoding becomes the lone surrogate U+DC00+byte, so only the row that holds it is affected (`undecodable` finds it,
and `escape_undecodable` writes it as a visible `\\xNN`, keeping every output valid UTF-8). `yuefu score`, `yuefu
check` and the transcript readers all go through here, so a file one accepts the others read the same way.
"""
from __future__ import annotations

import codecs
import io
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from ..errors import InputError

__all__ = ["ENCODINGS", "ERRORS", "Detected", "detect_encoding", "escape_undecodable", "open_text", "read_text",
           "sample_bytes", "undecodable"]

ERRORS = "yuefu-bytes"
# what --encoding accepts (Python codec names; aliases such as gbk or utf8 are resolved by codecs.lookup)
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
_SAMPLE = 1 << 20  # the head that detection reads
_CHUNK = 1 << 16  # and, when the head is ASCII, this much from each of _SPREAD places further on
_SPREAD = 16
_UNDECODABLE = re.compile("[\udc00-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Every undecodable byte b becomes U+DC00+b (surrogateescape covers only bytes >= 0x80; UTF-16 needs all)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start:exc.end]), exc.end


codecs.register_error(ERRORS, _escape_bytes)


@dataclass(frozen=True)
class Detected:
    """The encoding a file is read in, and why (printed in the run's summary and kept in the sidecar)."""

    encoding: str
    reason: str
    skip: int = 0  # leading bytes that are not text (a UTF-8 byte-order mark in front of GB18030)


def undecodable(text: str) -> bool:
    """True if `text` holds bytes its file's encoding could not decode."""
    return _UNDECODABLE.search(text) is not None


def escape_undecodable(text: str) -> str:
    """`text` with every lone surrogate written out (`\\xNN` for an undecodable byte, `\\uXXXX` otherwise), so it
    can be encoded in any encoding; text without one is returned as it is."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(lambda m: _escaped(m.group()), text)


def _escaped(ch: str) -> str:
    o = ord(ch)
    return f"\\x{o - 0xDC00:02x}" if 0xDC00 <= o <= 0xDCFF else f"\\u{o:04x}"


def detect_encoding(sample: bytes) -> Detected:
    """The encoding of a file from a sample of its bytes. Never fails: the rows that do not decode get an error."""
    if sample.startswith(codecs.BOM_UTF8):
        good, bad = _utf8_counts(sample[3:])
        if bad and good < 20 * bad:  # a tool put a BOM in front of GB18030 (or Big5) text
            legacy = _guess_legacy(sample[3:])
            return Detected(legacy.encoding, f"{legacy.reason}, after a misleading UTF-8 byte-order mark", skip=3)
        return Detected("utf-8-sig", "UTF-8 byte-order mark")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Detected("utf-16", "UTF-16 byte-order mark")
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return Detected(utf16, "NUL bytes in every other position")
    good, bad = _utf8_counts(sample)
    if bad == 0:
        return Detected("utf-8", "valid UTF-8" if good else "plain ASCII")
    if good >= 20 * bad:
        return Detected("utf-8", f"UTF-8 with {bad} undecodable sequence(s) in the sample")
    return _guess_legacy(sample)


def _utf16_without_bom(sample: bytes) -> str | None:
    head = sample[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _utf8_counts(sample: bytes) -> tuple[int, int]:
    """(non-ASCII characters that decode as UTF-8, undecodable runs) in the sample; a character cut at the sample's
    end is not counted against it."""
    text = codecs.getincrementaldecoder("utf-8")(errors=ERRORS).decode(sample, final=False)
    bad = len(re.findall("[\udc00-\udcff]+", text))
    good = sum(1 for c in text if ord(c) > 0x7F) - len(_UNDECODABLE.findall(text))
    return good, bad


def _guess_legacy(sample: bytes) -> Detected:
    """GB18030, Big5 or a Western code page: charset-normalizer decides; if it declines (a few stray bytes make every
    candidate fail), the candidate with the fewest undecodable bytes wins, GB18030 on a tie."""
    from charset_normalizer import from_bytes

    # only the lines that hold non-ASCII bytes: in a mostly-ASCII file they are what tells the encodings apart
    sample = b"\n".join(line for line in sample.split(b"\n") if not line.isascii())
    names = ("gb18030", "big5", "cp1252")
    best = from_bytes(sample, cp_isolation=list(names)).best()
    if best is not None and best.encoding in names:
        return Detected(best.encoding, "detected by charset-normalizer")
    counts = {enc: len(_UNDECODABLE.findall(sample.decode(enc, errors=ERRORS))) for enc in ("gb18030", "big5")}
    enc = min(counts, key=lambda e: (counts[e], e != "gb18030"))
    return Detected(enc, f"fewest undecodable bytes ({counts[enc]}) in the sample")


def sample_bytes(f: BinaryIO) -> bytes:
    """The head of a seekable binary file and, when the head is ASCII, whole lines from places spread over the rest
    (a GB18030 file whose first Chinese character comes late must not be taken for UTF-8). Leaves `f` at 0."""
    head = _whole_lines(f.read(_SAMPLE))
    if head.isascii():
        size = f.seek(0, os.SEEK_END)
        if size > len(head):
            pieces = [head]
            for k in range(1, _SPREAD + 1):  # the last chunk is the file's tail
                f.seek(max(len(head) + (size - len(head)) * k // _SPREAD - _CHUNK, len(head)))
                chunk = f.read(_CHUNK)
                lines = chunk.split(b"\n")
                if len(lines) > 2:
                    pieces.append(b"\n".join(lines[1:-1]))  # whole lines only: no character cut at either end
            head = b"\n".join(pieces)
    f.seek(0)
    return head


def _whole_lines(head: bytes) -> bytes:
    """A full-size sample without its last, possibly cut, line (a character split at the cut is no evidence)."""
    if len(head) < _SAMPLE:
        return head
    end = head.rfind(b"\n")
    return head[: end + 1] if end > 0 else head


class _Prefixed(io.RawIOBase):
    """A stream that yields `head` and then the rest of `raw` (stdin cannot be rewound after detection reads it)."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = memoryview(head)
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_text(path: str | Path, encoding: str | None = None) -> tuple[IO[str], Detected, BinaryIO]:
    """A text stream over a file (`-` = stdin) in its detected encoding (or `encoding`), decoding with the
    `yuefu-bytes` handler and universal-newline-free (csv needs `newline=""`); also the binary stream under it, whose
    position tells how far reading got (for a progress bar). The caller closes the text stream."""
    binary: BinaryIO
    if str(path) == "-":
        raw = sys.stdin.buffer
        head = raw.read(_SAMPLE)
        binary = io.BufferedReader(_Prefixed(head, raw), buffer_size=1 << 20)  # type: ignore[arg-type]
    else:
        binary = open(path, "rb")  # noqa: SIM115 - closed with the text stream
        head = sample_bytes(binary)
    detected = Detected(_codec(encoding), "--encoding") if encoding else detect_encoding(_whole_lines(head))
    binary.read(detected.skip)
    return io.TextIOWrapper(binary, encoding=detected.encoding, errors=ERRORS, newline=""), detected, binary


def _codec(name: str) -> str:
    """The canonical codec name for --encoding, or a clear error."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise InputError(f"unknown encoding {name!r}; use one of {', '.join(ENCODINGS)}") from None
    return canonical


def read_text(path: str | Path, encoding: str | None = None) -> tuple[str, Detected]:
    """The whole file (`-` = stdin) as text, and the encoding it was read in. Bytes that do not decode raise
    InputError naming the byte offset, instead of scoring mojibake."""
    if str(path) == "-":
        data = sys.stdin.buffer.read()
    else:
        data = Path(path).read_bytes()
    detected = Detected(_codec(encoding), "--encoding") if encoding else detect_encoding(_whole_lines(data[:_SAMPLE]))
    text = data[detected.skip:].decode(detected.encoding, errors=ERRORS)
    bad = _UNDECODABLE.search(text)
    if bad is not None:
        offset = len(text[: bad.start()].encode(detected.encoding, errors="surrogateescape"))
        raise InputError(
            f"{path}: the bytes near byte {offset} are not valid {detected.encoding}; save the file as UTF-8 "
            f"(or pass --encoding) and try again"
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, detected
