"""Combine rule hits and model probabilities into label scores, labels, findings and a risk level.

Policy (see models/*/MODEL_CARD.md for the measured effect):
- A rule's score is how sure a hit alone makes us; a label's rule score is the noisy-OR of its distinct rules.
- High-precision rules (score >= `rule_decides`) flag on their own unless the model is confident the label is absent
  (probability below `model_veto` x its threshold): quoted, educational or lawful wording the gates missed.
  The defaults (0.9 / 0.1) were chosen on the 305-row dev split for an earlier model; since issue #11 every export
  chooses them again for its model, on dev (model/package.py: choose_fusion_policy), and writes them to config.json.
- Where no such rule fires, the model decides against its dev-tuned threshold; weaker rule hits add evidence.
- Negation and lawful-context gates act inside the rules (a vetoed hit never reaches fusion).
- Model scores are rescaled so that each label's threshold maps to 0.5: one flag threshold (0.5) for every backend.
- A model-only finding (no rule evidence at all for its label) must clear stricter bars, chosen per model on dev at
  export (the model's config.json): a minimum number of Chinese characters in the judged text (`TD`, `ok`, `😀` or a
  lone `七` give a model nothing to read) and a minimum fused score above 0.5. Below them the label's score is capped
  just under the flag line, so the row can still rank as `low` risk for a reviewer who wants to look.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..domain import FLAG_AT, LABELS, Label, Risk
from ..types import Evidence, Finding, Span

__all__ = ["FLAG_AT", "FusionPolicy", "label_scores_from_rules", "rescale", "fuse_scores", "risk_level", "merge_findings", "cjk_count"]


@dataclass(frozen=True)
class FusionPolicy:
    rule_decides: float = 0.9
    model_veto: float = 0.1
    thresholds: Mapping[str, float] = field(default_factory=lambda: {label: 0.5 for label in LABELS})
    model_only_min_cjk: int = 0
    model_only_min_score: float = FLAG_AT
    weak_rule_weight: float = 0.5  # how far a weak rule hit (score < rule_decides) lifts the model's score
    # the user's cut-offs (`yuefu score --threshold/--min-risk`): a label flags at score >= flag_at (every backend is
    # calibrated so 0.5 is its tuned operating point; higher trades recall for fewer false flags), and a message whose
    # risk is below min_risk is reported unflagged, as `low` (some signal below the line)
    flag_at: float = FLAG_AT
    min_risk: Risk = Risk.LOW  # LOW: every flag is reported (a guessed-collector transcript flags at low)


def cjk_count(text: str) -> int:
    """Chinese characters (CJK unified ideographs, extension A and compatibility) in `text`."""
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff")


def label_scores_from_rules(findings: Sequence[Finding]) -> dict[str, float]:
    """Noisy-OR over the distinct rules of each label (a rule counted once, at its best score)."""
    best: dict[tuple[str, str], float] = {}
    for f in findings:
        for ev in f.evidence:
            key = (f.label, ev.rule_id)
            best[key] = max(best.get(key, 0.0), ev.score)
    scores = {label: 0.0 for label in LABELS}
    for (label, _), s in best.items():
        scores[label] = 1.0 - (1.0 - scores[label]) * (1.0 - s)
    return scores


def rescale(p: float, threshold: float) -> float:
    """Piecewise-linear map of a probability so that `threshold` lands on 0.5 (monotone, 0->0, 1->1)."""
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    return 0.5 * p / t if p < t else 0.5 + 0.5 * (p - t) / (1 - t)


def fuse_scores(
    rule_scores: Mapping[str, float], model_probs: Mapping[str, float] | None, policy: FusionPolicy,
    judged_cjk: int | None = None,
) -> dict[str, float]:
    """Final per-label scores; a label is flagged when its score >= 0.5. `judged_cjk`: Chinese characters in the
    text the model read (None = not known, the model-only character bar is not applied)."""
    if model_probs is None:
        return dict(rule_scores)
    out = {}
    for label in LABELS:
        r = rule_scores.get(label, 0.0)
        t = policy.thresholds.get(label, 0.5)
        m = rescale(model_probs[label], t)
        if r >= policy.rule_decides and model_probs[label] >= policy.model_veto * t:
            out[label] = max(r, m)
        elif r >= policy.rule_decides:
            out[label] = m  # vetoed: the model is sure the label is absent
        elif r == 0.0 and m >= FLAG_AT and (
            m < policy.model_only_min_score
            or (judged_cjk is not None and judged_cjk < policy.model_only_min_cjk)
        ):
            out[label] = 0.49  # model-only and below the model-only bars: a reviewer's "low", never a flag
        else:
            # weak rule evidence nudges the model's score but cannot flag alone
            out[label] = 1.0 - (1.0 - m) * (1.0 - policy.weak_rule_weight * r) if m < FLAG_AT else max(m, r)
            out[label] = min(out[label], 1.0)
    return out


def risk_level(scores: Mapping[str, float], flag_at: float = FLAG_AT) -> Risk:
    """high: a confident threat / false legal claim / privacy leak, or two labels at once; medium: any other flag;
    low: some signal below the flag line; none: nothing."""
    flagged = [label for label, s in scores.items() if s >= flag_at]
    if len(flagged) >= 2 or any(scores[label] >= max(0.85, flag_at) for label in flagged if label != "insult"):
        return Risk.HIGH
    if flagged:
        return Risk.MEDIUM
    if max(scores.values(), default=0.0) >= 0.25:
        return Risk.LOW
    return Risk.NONE


def merge_findings(hits: Sequence[Finding], text: str) -> tuple[Finding, ...]:
    """Merge overlapping hits of one label into one finding whose evidence lists every rule once, best first.

    `hits` are single-evidence findings in the order the rules found them; ties in evidence score keep that order.
    """
    by_label: dict[str, list[Finding]] = {}
    for hit in hits:
        by_label.setdefault(hit.label, []).append(hit)
    merged: list[Finding] = []
    for label, items in by_label.items():
        items.sort(key=lambda h: (h.span.start, -h.span.end))
        group: list[Finding] = []
        for hit in items:
            if group and hit.span.start >= max(h.span.end for h in group):
                merged.append(_merge(label, group, text))
                group = []
            group.append(hit)
        if group:
            merged.append(_merge(label, group, text))
    merged.sort(key=lambda f: (f.span.start, LABELS.index(f.label)))
    return tuple(merged)


def _merge(label: Label, group: Sequence[Finding], text: str) -> Finding:
    """One finding over a group of overlapping hits: the union span, each rule's best evidence, a noisy-OR score."""
    start, end = min(h.span.start for h in group), max(h.span.end for h in group)
    best: dict[str, Evidence] = {}
    for ev in (e for h in group for e in h.evidence):
        if ev.rule_id not in best or ev.score > best[ev.rule_id].score:
            best[ev.rule_id] = ev
    evidence = tuple(sorted(best.values(), key=lambda e: -e.score))
    miss = 1.0
    for ev in evidence:
        miss *= 1.0 - ev.score
    # overlapping hits lie in one turn
    return Finding(label, Span(start, end, text[start:end]), 1.0 - miss, evidence, group[0].turn)
