"""The contact policy: read and check the YAML file `yuefu contacts` applies (resources/contact_policy.yaml by default).

Every field is checked here, once, so the engine can trust the values: a broken file stops the run before any work
with a PolicyError naming the file and the field. The limits are policy (industry practice), not law; the law a
finding cites comes from citations.yaml, the same entries the lexicon rules cite.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..domain import Risk
from ..errors import LexiconError, PolicyError
from ..resources import RESOURCES_DIR, load_yaml
from ..rules.lexicon import load_citations
from ..types import Citation

__all__ = ["DEFAULT_POLICY", "RULES", "Policy", "Rule", "load_policy"]

DEFAULT_POLICY = RESOURCES_DIR / "contact_policy.yaml"
# the rules, in the order findings list them
RULES: tuple[str, ...] = ("after_stop", "burst", "quiet_hours", "daily_cap", "weekly_cap", "third_party")
_RISKS = (Risk.HIGH.value, Risk.MEDIUM.value, Risk.LOW.value)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_TOP = ("timezone", "debtor_recipients", "message_channels", "message_citations", "evidence", "rules")
# the fields of each rule beyond enabled / risk / citations
_RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "quiet_hours": ("start", "end", "channels"),
    "daily_cap": ("max", "channels"),
    "weekly_cap": ("max", "channels"),
    "burst": ("contacts", "minutes", "channels"),
    "third_party": ("max_per_day", "channels"),
    "after_stop": ("phrases", "negations", "negation_window", "channels"),
}


@dataclass(frozen=True)
class Rule:
    """One rule of the policy as checked. `channels` empty: every channel counts. Numbers a rule does not use are 0."""

    name: str
    enabled: bool
    risk: Risk
    citations: tuple[Citation, ...]
    channels: tuple[str, ...] = ()
    limit: int = 0  # daily_cap / weekly_cap `max`, third_party `max_per_day`, burst `contacts`
    minutes: int = 0  # burst window
    start_minute: int = 0  # quiet_hours, minutes after local midnight
    end_minute: int = 0
    phrases: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    negation_window: int = 0


@dataclass(frozen=True)
class Policy:
    """A checked contact policy. `source`: the file it came from; `sha256`: of its bytes, to record which policy ran."""

    source: str
    sha256: str
    timezone: str
    debtor_recipients: tuple[str, ...]
    message_channels: tuple[str, ...]
    message_citations: tuple[Citation, ...]
    max_evidence: int
    text_chars: int
    rules: dict[str, Rule]

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules.values() if r.enabled)


class _At:
    """Where a value sits in the file, so every problem names the file and the (dotted) field."""

    def __init__(self, file: str, field: str = "") -> None:
        self.file, self.field = file, field

    def at(self, name: str) -> _At:
        return _At(self.file, f"{self.field}.{name}" if self.field else name)

    def fail(self, problem: str) -> PolicyError:
        return PolicyError(self.file, self.field or "-", problem)


def _mapping(raw: Any, at: _At, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise at.fail(f"expected a mapping with the fields {', '.join(allowed)}")
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        raise at.at(str(unknown[0])).fail(f"unknown field; the fields here are {', '.join(allowed)}")
    return raw


def _int(raw: Any, at: _At, low: int, high: int | None = None) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise at.fail(f"expected a whole number, got {raw!r}")
    if raw < low or (high is not None and raw > high):
        raise at.fail(f"must be between {low} and {high}, got {raw}" if high is not None
                      else f"must be at least {low}, got {raw}")
    return raw


def _strings(raw: Any, at: _At, *, lower: bool = False, required: bool = False) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, (str, int)) and str(s).strip() for s in raw):
        raise at.fail("expected a list of non-empty strings, e.g. [call, sms]")
    if required and not raw:
        raise at.fail("must list at least one value")
    return tuple(dict.fromkeys(str(s).strip().lower() if lower else str(s).strip() for s in raw))


def _minute(raw: Any, at: _At) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise at.fail('write the time as "HH:MM" in quotes (YAML reads 22:00 unquoted as a number)')
    m = _HHMM.match(str(raw)) if isinstance(raw, str) else None
    if not m:
        raise at.fail(f'expected a time "HH:MM" (00:00 to 23:59), got {raw!r}')
    return int(m.group(1)) * 60 + int(m.group(2))


def _citations(raw: Any, at: _At, known: dict[str, Citation]) -> tuple[Citation, ...]:
    keys = _strings(raw, at)
    missing = [k for k in keys if k not in known]
    if missing:
        raise at.fail(f"unknown citation key(s) {missing}; use keys of yuefu_nlp/resources/citations.yaml")
    return tuple(known[k] for k in keys)


def _timezone(raw: Any, at: _At) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(raw, str) or not raw.strip():
        raise at.fail("expected an IANA time zone name, e.g. Asia/Shanghai")
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise at.fail(f"unknown time zone {raw!r}; use an IANA name, e.g. Asia/Shanghai") from None
    return raw.strip()


def _rule(name: str, raw: Any, at: _At, known: dict[str, Citation]) -> Rule:
    f = _mapping(raw, at, ("enabled", "risk", "citations") + _RULE_FIELDS[name])
    enabled = f.get("enabled", True)
    if not isinstance(enabled, bool):
        raise at.at("enabled").fail(f"expected true or false, got {enabled!r}")
    risk = f.get("risk", Risk.MEDIUM.value)
    if risk not in _RISKS:
        raise at.at("risk").fail(f"expected one of {', '.join(_RISKS)}, got {risk!r}")
    citations = _citations(f.get("citations"), at.at("citations"), known)
    if enabled and not citations:
        raise at.at("citations").fail("list at least one citations.yaml key whose article covers this rule")
    out: dict[str, Any] = {"name": name, "enabled": enabled, "risk": Risk(risk), "citations": citations,
                           "channels": _strings(f.get("channels"), at.at("channels"), lower=True)}

    def need(field: str) -> Any:
        if field not in f or f[field] is None:
            raise at.at(field).fail("required")
        return f[field]

    if name == "quiet_hours":
        out["start_minute"] = _minute(need("start"), at.at("start"))
        out["end_minute"] = _minute(need("end"), at.at("end"))
        if out["start_minute"] == out["end_minute"]:
            raise at.at("end").fail("must differ from start (the quiet hours would be empty)")
    elif name in ("daily_cap", "weekly_cap"):
        out["limit"] = _int(need("max"), at.at("max"), 1)
    elif name == "third_party":
        out["limit"] = _int(need("max_per_day"), at.at("max_per_day"), 0)
    elif name == "burst":
        out["limit"] = _int(need("contacts"), at.at("contacts"), 2)
        out["minutes"] = _int(need("minutes"), at.at("minutes"), 1, 7 * 24 * 60)
    elif name == "after_stop":
        out["phrases"] = _strings(need("phrases"), at.at("phrases"), required=True)
        out["negations"] = _strings(f.get("negations"), at.at("negations"))
        out["negation_window"] = _int(f.get("negation_window", 4), at.at("negation_window"), 0, 50)
    return Rule(**out)


def load_policy(path: str | Path | None = None) -> Policy:
    """The checked policy of `path` (default: the shipped resources/contact_policy.yaml)."""
    path = Path(path) if path is not None else DEFAULT_POLICY
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(file, "-", "no such file; pass an existing policy YAML to --policy") from None
    except OSError as exc:
        raise PolicyError(file, "-", f"cannot read it: {exc.strerror}") from None
    try:
        raw = load_yaml(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PolicyError(file, "-", f"not valid UTF-8 YAML: {exc}") from None
    at = _At(file)
    top = _mapping(raw, at, _TOP)
    try:
        known = load_citations()
    except LexiconError as exc:  # the shipped citations.yaml itself is broken
        raise PolicyError(file, "citations", str(exc)) from None
    rules_raw = _mapping(top.get("rules") or {}, at.at("rules"), RULES)
    rules = {name: _rule(name, rules_raw[name], at.at("rules").at(name), known) for name in RULES if name in rules_raw}
    if not any(r.enabled for r in rules.values()):
        raise at.at("rules").fail(f"no rule is enabled; enable at least one of {', '.join(RULES)}")
    evidence = _mapping(top.get("evidence") or {}, at.at("evidence"), ("max_events", "text_chars"))
    return Policy(
        source=file,
        sha256=hashlib.sha256(data).hexdigest(),
        timezone=_timezone(top.get("timezone", "Asia/Shanghai"), at.at("timezone")),
        debtor_recipients=_strings(top.get("debtor_recipients", ["debtor"]), at.at("debtor_recipients"), lower=True),
        message_channels=_strings(top.get("message_channels"), at.at("message_channels"), lower=True),
        message_citations=_citations(top.get("message_citations"), at.at("message_citations"), known),
        max_evidence=_int(evidence.get("max_events", 50), at.at("evidence").at("max_events"), 1, 10_000),
        text_chars=_int(evidence.get("text_chars", 80), at.at("evidence").at("text_chars"), 0, 10_000),
        rules=rules,
    )
