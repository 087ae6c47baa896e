"""Transcript files as call centres and speech-to-text toolkits deliver them, rendered as the one text that is scored.

Supported, by file extension:
- `.srt` (SubRip) and `.vtt` (WebVTT) cues. A cue's speaker is a WebVTT voice tag (`<v 说话人1>…`), a bracketed label
  (`[SPEAKER_00]: …`, as WhisperX writes it), or a prefix in the cue text (`说话人1：…`, `坐席：…`); a cue without one
  continues the turn before it.
- `.json` segment lists, in two shapes: a top-level list of segments, or an object whose "segments" holds that list
  (WhisperX, whisper / faster-whisper with diarization merged in, pyannote-plus-ASR scripts). A segment is an object
  with "text" (required), "speaker" (optional: a label such as "SPEAKER_00", or a number n, written 说话人n), "start" and
  "end" (optional: seconds, or "hh:mm:ss.mmm"). Word lists and other keys are ignored.
- anything else (`.txt`): the text as it is, UTF-8, UTF-8 with BOM or GB18030 (text/decode.py).
Every cue or segment becomes one line, `[hh:mm:ss] speaker：text`, the canonical transcript text: what `yuefu check -f`
and `yuefu score <folder>` score, so finding spans index it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from ..domain import Role
from ..errors import InputError
from .decode import read_text
from .turns import split_turns

__all__ = ["TRANSCRIPT_SUFFIXES", "read_transcript", "render_transcript"]

TRANSCRIPT_SUFFIXES: tuple[str, ...] = (".txt", ".json", ".srt", ".vtt")
_JSON_SHAPES = ('a list of segments [{"speaker", "start", "end", "text"}, ...]',
                'an object {"segments": [...]} of them (WhisperX)')
_CUE_TIME = re.compile(r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<speaker>[^>]+)>")
_BRACKET = re.compile(r"^\s*\[(?P<speaker>[^\]\n]{1,40})\]\s*[:：]?\s*")
_TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>", re.IGNORECASE)  # <i>, </v>, <c.x>, <00:00:01.000> karaoke stamps


def read_transcript(path: str | Path, roles: Mapping[str, Role] | None = None) -> str:
    """The canonical transcript text of one file (see the module docstring for the forms read). InputError when the
    file cannot be read as its extension says, or names a speaker the turn splitter would not recognise (then the
    role map `roles` must name it)."""
    text, _ = read_text(path)
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not JSON ({exc}); a .json transcript is {' or '.join(_JSON_SHAPES)}") from None
        lines = _json_lines(data, path)
    elif suffix in (".srt", ".vtt"):
        lines = _cue_lines(text)
    else:
        return text
    rendered = render_transcript(lines)
    _check_speakers(rendered, lines, roles, path)
    return rendered


def render_transcript(lines: list[tuple[float | None, str, str]]) -> str:
    """`(start seconds or None, speaker or "", text)` per cue or segment -> one `[hh:mm:ss] speaker：text` line each."""
    out = []
    for start, speaker, words in lines:
        s = int(start) if start is not None else -1
        stamp = f"[{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}] " if s >= 0 else ""
        out.append(stamp + (f"{speaker}：" if speaker else "") + words)
    return "\n".join(out)


def _json_lines(data: Any, path: str | Path) -> list[tuple[float | None, str, str]]:
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list) or not all(isinstance(s, dict) and isinstance(s.get("text"), str)
                                                 for s in segments):
        raise InputError(f"{path}: not a transcript shape yuefu reads; a .json transcript is "
                         f"{' or '.join(_JSON_SHAPES)}, each segment with a \"text\" string")
    lines = []
    for i, seg in enumerate(segments):
        words = _one_line(seg["text"])
        if words:
            lines.append((_seconds(seg.get("start"), path, i), _label(seg.get("speaker")), words))
    return lines


def _cue_lines(text: str) -> list[tuple[float | None, str, str]]:
    """SubRip / WebVTT cues: a block whose timing line has `-->`; NOTE, STYLE and the WEBVTT header are not cues."""
    lines = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        rows = block.strip("\n").split("\n")
        at = next((i for i, row in enumerate(rows) if _CUE_TIME.match(row)), None)
        if at is None:
            continue
        body = " ".join(row.strip() for row in rows[at + 1:] if row.strip())
        voice = _VOICE.search(body)
        speaker = voice.group("speaker").strip() if voice else ""
        if not speaker and (bracket := _BRACKET.match(body)):
            speaker, body = bracket.group("speaker").strip(), body[bracket.end():]
        words = _one_line(_TAG.sub("", body))
        if words:
            lines.append((_clock(_CUE_TIME.match(rows[at]).group("start")), speaker, words))  # type: ignore[union-attr]
    return lines


def _label(speaker: Any) -> str:
    """A segment's speaker as a line label: a number n is 说话人n (FunASR-style ids), a string is kept (one line)."""
    if speaker is None or isinstance(speaker, bool):
        return ""
    if isinstance(speaker, (int, float)) or str(speaker).strip().isdigit():
        return f"说话人{int(float(speaker))}"
    return _one_line(str(speaker)).replace("：", "").replace(":", "")


def _seconds(value: Any, path: str | Path, i: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d+)?", value.strip()):
        return _clock(value.strip())
    raise InputError(f"{path}: segment {i}: start {value!r} is neither seconds nor hh:mm:ss")


def _clock(value: str) -> float:
    parts = [float(p.replace(",", ".")) for p in value.split(":")]
    return sum(p * 60 ** k for k, p in enumerate(reversed(parts)))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _check_speakers(rendered: str, lines: list[tuple[float | None, str, str]], roles: Mapping[str, Role] | None,
                    path: str | Path) -> None:
    """Every named speaker must be one the turn splitter recognises: otherwise its lines would run into the turn above
    and the customer's words could be judged as the collector's, silently."""
    named = [(i, speaker) for i, (_, speaker, _) in enumerate(lines) if speaker]
    if len({speaker for _, speaker in named}) < 2:
        return
    starts = {rendered.count("\n", 0, t.start) for t in split_turns(rendered, roles) if t.speaker}
    missing = list(dict.fromkeys(speaker for i, speaker in named if i not in starts))
    if missing:
        raise InputError(
            f"{path}: speaker(s) {', '.join(missing)} are not labels yuefu recognises (说话人1, SPEAKER_00, spk0, A/B, "
            f"坐席/客户 ...); name their roles, e.g. --roles {missing[0]}=collector,...=customer"
        )
