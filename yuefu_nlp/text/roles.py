"""Which anonymous speaker is the collector: a small scorer over what each speaker says.

Speech-to-text output names speakers `说话人1`, `spk0`, `SPEAKER_00`, `A`…, not by role. Judging every turn would report
the customer's insults against the collector; judging none would miss the collector's. So each speaker gets a score, the
sum of the weights (log-odds) of the cues found in their turns, each cue counted once per speaker (a talkative speaker
is not more of a collector). The confidence is the softmax of these scores: the chance the top speaker is the collector.

Below `CONFIDENT_AT` the decision is a guess: the likelier collector's turns are still judged, but as Role.UNCERTAIN,
and the pipeline caps the risk at `low` (pipeline/stages.py: Fuse). CONFIDENT_AT = 0.85, odds of about 6 to 1, a
margin of 1.7 (a company statement and one more cue): on the train and dev transcripts of our corpus and of the open
world set with their prefixes replaced by 说话人1/2 (in order of speaking; 2,467 calls), no decision at or above 0.85
was wrong (at 0.80 one was), and 74% of our calls and 33% of the open world's short two-line exchanges were decided.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from ..domain import Role
from ..errors import ConfigError
from .turns import Turn, speaker_key, split_turns

__all__ = [
    "CONFIDENT_AT", "CUES", "Cue", "RoleDecision", "SpeakerScore", "decide_roles", "parse_roles", "score_speakers",
    "speaker_turns",
]

CONFIDENT_AT = 0.85


@dataclass(frozen=True)
class Cue:
    """A sign of who is speaking: a positive weight says collector, a negative one customer."""

    name: str
    weight: float
    pattern: re.Pattern[str]


CUES: tuple[Cue, ...] = tuple(Cue(n, w, re.compile(p)) for n, w, p in (
    ("states the company or platform", 1.5,
     r"(?<!你们)(?<!你)(?:平台|金融|贷后|催收|信用卡中心|银行|法务|客服|专员)|这边是|这里是|我是.{0,10}(?:的|委托)|受.{0,10}委托"),
    ("speaks for the company", 1.0, r"我司|本公司|我们公司|我方|我们这边"),
    ("states the overdue amount or days", 1.0,
     r"逾期|欠款|欠费|账单|应还|罚息|[0-9][0-9,.]*\s*元|[0-9]+\s*天|[两一二三四五六七八九十百千万]+(?:块|元)"),
    ("asks for repayment", 1.0,
     r"还款|(?<!我)还钱|处理一下|尽快|结清|还上|什么时候还|几号.{0,2}还|还一部分|打算.{0,4}还|能否处理|先还|钱呢|(?<!我)不还"),
    ("gives a job number", 2.0, r"工号"),
    ("checks who answered", 1.0, r"请问(?:是|您是)|(?:先生|女士|小姐)(?:吗|么|是吧|您好)|本人吗|是.{1,4}吧[？?]"),
    ("addresses the other as 您", 0.75, r"您"),
    ("asks about the company", -1.0, r"你们(?:是|平台|公司|那边|的人|催收|这是|家)|是你们|贵司"),
    ("speaks as the debtor", -1.5,
     r"我没钱|没钱还|拿不出|你们是谁|你是谁|哪位|别再?打了|不要再打|烦不烦|我会还|我(?:下个月|下周|明天|月底|过几天)|宽限|我已经还"
     r"|我还了|我要投诉|我要?报警|凭什么|发工资"),
))
FIRST_SPEAKER = 0.5  # who opens the call: in an outbound collection call, usually the collector


@dataclass(frozen=True)
class SpeakerScore:
    """One speaker's score and the cues behind it: (cue name, weight, the words that matched)."""

    speaker: str
    score: float
    cues: tuple[tuple[str, float, str], ...]


@dataclass(frozen=True)
class RoleDecision:
    """Who the collector is among speakers the prefixes do not name. `how`: "cues" (guessed from what they say),
    "role map" (the user named them) or "the other speaker is the customer"; only a guess has a confidence below 1."""

    collector: str
    confidence: float
    how: str = "cues"
    speakers: tuple[SpeakerScore, ...] = ()

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT_AT

    def describe(self) -> str:
        """One line for a report: who, how sure, and what follows from it."""
        if self.how != "cues":
            return f"speaker roles: {self.collector} is the collector ({self.how})"
        line = (f"speaker roles guessed from what they say: {self.collector} is the collector, "
                f"confidence {self.confidence:.2f}")
        if self.confident:
            return line
        return (f"{line} (below {CONFIDENT_AT}: uncertain; findings say role 'uncertain' and the risk is capped at "
                f"low; name the speakers with --roles {self.collector}=collector,... or roles= in the API)")

    def to_dict(self) -> dict[str, Any]:
        speakers = [{"speaker": s.speaker, "score": round(s.score, 2),
                     "cues": [{"cue": c, "weight": w, "text": t} for c, w, t in s.cues]} for s in self.speakers]
        return {"collector": self.collector, "confidence": round(self.confidence, 4), "how": self.how,
                "confident": self.confident, "speakers": speakers}


def parse_roles(roles: str | Mapping[str, str | Role] | None) -> dict[str, Role]:
    """A role map from `{"说话人1": "collector"}` or `"说话人1=collector,说话人2=customer"` (the CLI's --roles)."""
    if not roles:
        return {}
    pairs = list(roles.items()) if isinstance(roles, Mapping) else [
        tuple(p.split("=", 1)) if "=" in p else (p, "") for p in (s.strip() for s in roles.split(",")) if p
    ]
    out: dict[str, Role] = {}
    for speaker, role in pairs:
        if str(role).strip().lower() not in (Role.COLLECTOR, Role.CUSTOMER) or not str(speaker).strip():
            raise ConfigError(f"role map entry {speaker}={role} is not understood: write speaker=collector or "
                              f"speaker=customer, e.g. 说话人1=collector,说话人2=customer")
        out[str(speaker).strip()] = Role(str(role).strip().lower())
    return out


def score_speakers(utterances: Sequence[tuple[str, str]]) -> RoleDecision | None:
    """Guess the collector among the speakers of `(speaker, words)` pairs in speaking order; None for fewer than two
    speakers (nothing to choose between)."""
    return _guess(utterances) if len({speaker for speaker, _ in utterances}) >= 2 else None


def _guess(utterances: Sequence[tuple[str, str]]) -> RoleDecision:
    """The scorer itself, for two or more speakers: each cue once per speaker, the softmax of the sums."""
    said: dict[str, list[str]] = {}
    for speaker, words in utterances:
        said.setdefault(speaker, []).append(words)
    scores = []
    for i, (speaker, parts) in enumerate(said.items()):
        body = "\n".join(parts)
        cues = [(c.name, c.weight, m.group(0)) for c in CUES if (m := c.pattern.search(body))]
        if i == 0:
            cues.insert(0, ("speaks first", FIRST_SPEAKER, ""))
        scores.append(SpeakerScore(speaker, sum(w for _, w, _ in cues), tuple(cues)))
    top = max(scores, key=lambda s: s.score)  # a tie goes to the first speaker
    confidence = 1.0 / sum(math.exp(s.score - top.score) for s in scores)
    return RoleDecision(top.speaker, confidence, "cues", tuple(scores))


def speaker_turns(text: str, roles: Mapping[str, Role] | None = None) -> tuple[tuple[Turn, ...], RoleDecision | None]:
    """The turns of `text` with every role decided, and who the collector is when the built-in prefixes do not say it
    alone (None when they do, or when a single speaker is all there is). A collector named by a prefix or the role map
    makes the other anonymous speakers customers; so does a named customer for the one anonymous speaker left. A guess below CONFIDENT_AT gives
    the likelier collector's turns Role.UNCERTAIN: judged, and reported as a guess."""
    turns = split_turns(text, roles)
    anonymous = list(dict.fromkeys(t.speaker for t in turns if t.speaker and t.role is Role.UNKNOWN))
    mapped = {speaker_key(k) for k in roles or {}}
    named = [t for t in turns if t.role is Role.COLLECTOR]
    if named and (anonymous or speaker_key(named[0].speaker) in mapped):
        how = "role map" if speaker_key(named[0].speaker) in mapped else "speaker prefix"
        decision = RoleDecision(named[0].speaker, 1.0, how)
    elif not anonymous:
        return tuple(turns), None  # the built-in prefixes (or the map) say it all
    elif len(anonymous) == 1:
        if not any(t.role is Role.CUSTOMER for t in turns):
            return tuple(turns), None  # one speaker alone: judged like an SMS
        decision = RoleDecision(anonymous[0], 1.0, "the other speaker is the customer")
    else:
        decision = _guess([(t.speaker, text[t.start:t.end]) for t in turns if t.speaker in anonymous])
    collector_role = Role.COLLECTOR if decision.confident else Role.UNCERTAIN
    decided = tuple(
        t if t.role is not Role.UNKNOWN or not t.speaker
        else replace(t, role=collector_role if t.speaker == decision.collector else Role.CUSTOMER)
        for t in turns
    )
    return decided, decision


def decide_roles(text: str, roles: str | Mapping[str, str | Role] | None = None) -> RoleDecision | None:
    """Who the collector of `text` is when its speakers are anonymous (`说话人1：…`): the decision `yuefu` acts on.
    None when the built-in prefixes (or `roles`) name every speaker, or there is only one."""
    return speaker_turns(text, parse_roles(roles))[1]
