"""The domain vocabulary, declared once: labels, speaker roles and their prefixes, risk levels, backends, limits.

Every other module (runtime, corpus validation, CLI, reports, training) reads these names from here, so a label, a
speaker prefix or a backend cannot mean one thing in one place and another elsewhere. The meaning of each label and the
scored-CSV contract are in docs/DOMAIN.md.
"""
from __future__ import annotations

from enum import Enum

__all__ = [
    "Label", "LABELS", "LABEL_ZH", "LABEL_COLOURS", "LABEL_ANSI", "Risk", "RISK_LEVELS", "Backend", "BACKENDS",
    "Role", "COLLECTOR_PREFIXES", "CUSTOMER_PREFIXES", "ANONYMOUS_SPEAKERS", "LETTER_SPEAKER", "FLAG_AT",
    "DEFAULT_MAX_CHARS", "MODEL_RULE_ID", "PatternLabel", "PATTERN_LABEL_ZH",
]


class _Name(str, Enum):
    """A name that is also its own string ("threat" == Label.THREAT), printed and serialised as its value."""

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:  # frozenset({'insult', 'threat'}) in a notebook, like the plain strings they equal
        return repr(self.value)


class Label(_Name):
    """The four labels; a message may carry several or none."""

    THREAT = "threat"
    INSULT = "insult"
    PRIVACY_LEAK = "privacy_leak"
    FALSE_LEGAL_CLAIM = "false_legal_claim"


LABELS: tuple[str, ...] = tuple(label.value for label in Label)  # plain strings, in output order
LABEL_ZH: dict[str, str] = {
    Label.THREAT: "威胁恐吓", Label.INSULT: "侮辱谩骂", Label.PRIVACY_LEAK: "泄露隐私", Label.FALSE_LEGAL_CLAIM: "虚假法律后果",
}
# one colour per label: HTML highlights (error analysis, notebooks) and the terminal (`yuefu check`)
LABEL_COLOURS: dict[str, str] = {
    Label.THREAT: "#f4a3a3", Label.INSULT: "#d7a6f0", Label.PRIVACY_LEAK: "#f7dc84", Label.FALSE_LEGAL_CLAIM: "#9ee0ea",
}
LABEL_ANSI: dict[str, str] = {
    Label.THREAT: "\033[91m", Label.INSULT: "\033[95m", Label.PRIVACY_LEAK: "\033[93m", Label.FALSE_LEGAL_CLAIM: "\033[96m",
}


class PatternLabel(_Name):
    """Labels of a pattern of contacts over time (`yuefu contacts`), not of one message. Kept out of Label and LABELS:
    those are the four message labels the model and the scored-CSV columns use, and adding one would change them."""

    HARASSMENT = "harassment"


PATTERN_LABEL_ZH: dict[str, str] = {PatternLabel.HARASSMENT: "骚扰"}


class Risk(_Name):
    """How urgently a reviewer should look at a message (see pipeline.fusion.risk_level)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


RISK_LEVELS: tuple[str, ...] = tuple(r.value for r in Risk)


class Backend(_Name):
    """Which stages decide: rules alone, the model alone, or both fused (the default when a model is present)."""

    FUSED = "fused"
    RULES = "rules"
    MODEL = "model"


BACKENDS: tuple[str, ...] = tuple(b.value for b in Backend)


class Role(_Name):
    """Who speaks a turn. Customer turns are context and never produce findings; unknown turns (an SMS) are judged.
    UNCERTAIN: the turns of the speaker guessed, without confidence, to be the collector among anonymous speakers
    (text/roles.py); they are judged, and a result with such turns is never more than `low` risk."""

    COLLECTOR = "collector"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"
    UNCERTAIN = "uncertain"


# Speaker prefixes of call transcripts ("催收员：…", "客户：…"), matched case-insensitively; the runtime's turn splitter
# and the corpus validator both read these two tuples.
COLLECTOR_PREFIXES: tuple[str, ...] = (
    "催收员", "催收", "坐席", "客服", "业务员", "专员", "调解员", "法务", "agent", "collector", "operator", "机器人", "AI",
)
CUSTOMER_PREFIXES: tuple[str, ...] = (
    "客户", "用户", "借款人", "债务人", "欠款人", "customer", "client", "debtor", "user", "本人", "家属", "第三方", "联系人",
)

# Anonymous speaker labels speech-to-text engines write (说话人1, 说话人 2, 发言人1, 角色A, spk0, SPEAKER_00, Speaker 1),
# matched case-insensitively; text/roles.py decides which one is the collector. A single capital letter (A：/B：) is a
# speaker only when at least two different ones start lines of the text.
ANONYMOUS_SPEAKERS: tuple[str, ...] = (
    r"说话人\s?\d{1,3}", r"发言人\s?\d{1,3}", r"角色\s?[A-Za-z0-9]{1,2}", r"spk\s?_?\d{1,3}", r"speaker\s?_?\d{1,3}",
)
LETTER_SPEAKER = r"[A-Z]"

FLAG_AT = 0.5  # every backend's label score is calibrated so that a label is flagged at >= 0.5
DEFAULT_MAX_CHARS = 20_000  # a longer text gets an error in the scored CSV instead of a score
MODEL_RULE_ID = "model"  # the rule_id of a finding the model made without any rule evidence
