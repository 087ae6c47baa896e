"""Shortcut audit: which words and characters predict a label in a training set by co-occurrence alone.

Why: a model learns whatever separates its training rows. If 家 occurs in 990 training rows and only 133 are compliant,
"mentions a home" separates them, and the model flags "周六我去你家吃饭". The audit ranks tokens by how strongly their
presence predicts each label (P(label | token), add-one smoothed, over rows containing the token) and shows how often
each appears in compliant rows, so that contrast data can be written for the worst ones and the effect checked after.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

from ..text.normalize import Normalizer
from ..text.segment import Segmenter
from ..domain import LABELS
from .schema import CorpusRow

__all__ = ["Association", "token_sets", "associations", "shortcut_audit", "render_audit"]

ANY = "any"  # the pseudo-label "some label"


@dataclass(frozen=True)
class Association:
    """How strongly the presence of `token` predicts `label` in a row set."""

    token: str
    label: str
    rows: int  # rows containing the token
    label_rows: int  # ... that carry the label
    compliant_rows: int  # ... that carry no label at all
    p_label: float  # (label_rows + 1) / (rows + 2)

    @property
    def compliant_share(self) -> float:
        return self.compliant_rows / self.rows if self.rows else 0.0


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def token_sets(texts: Iterable[str], kind: str = "word") -> list[frozenset[str]]:
    """Per text, its distinct jieba words containing a Chinese character (kind="word") or its distinct Chinese
    characters (kind="char"), after normalization (so 傢 and 家 count as one)."""
    norm = Normalizer()
    seg = Segmenter() if kind == "word" else None
    out = []
    for t in texts:
        n = norm.normalize(t).text
        if seg is not None:
            out.append(frozenset(w for w, _, _ in seg.tokens(n) if any(_is_cjk(c) for c in w)))
        else:
            out.append(frozenset(c for c in n if _is_cjk(c)))
    return out


def associations(rows: Sequence[CorpusRow], label: str = ANY, kind: str = "word", min_rows: int = 20,
                 sets: Sequence[frozenset[str]] | None = None) -> list[Association]:
    """Tokens in at least `min_rows` rows, most predictive of `label` (or of any label) first."""
    sets = sets if sets is not None else token_sets([r.text for r in rows], kind)
    df, pos, comp = Counter(), Counter(), Counter()
    for r, toks in zip(rows, sets):
        hit = bool(r.labels) if label == ANY else label in r.labels
        for tok in toks:
            df[tok] += 1
            pos[tok] += hit
            comp[tok] += not r.labels
    out = [Association(t, label, n, pos[t], comp[t], (pos[t] + 1) / (n + 2)) for t, n in df.items() if n >= min_rows]
    out.sort(key=lambda a: (-a.p_label, -a.rows, a.token))
    return out


def shortcut_audit(rows: Sequence[CorpusRow], top: int = 40, min_rows: int = 20) -> dict:
    """The audit as plain JSON: per label (and "any"), the `top` words and characters."""
    texts = [r.text for r in rows]
    sets = {kind: token_sets(texts, kind) for kind in ("word", "char")}
    out: dict = {"rows": len(rows), "compliant_rows": sum(1 for r in rows if not r.labels), "min_rows": min_rows}
    for label in (ANY, *LABELS):
        out[label] = {kind: [asdict(a) for a in associations(rows, label, kind, min_rows, sets[kind])[:top]]
                      for kind in ("word", "char")}
    return out


def _lookup(rows: Sequence[CorpusRow], tokens: Sequence[str], kind: str) -> dict[str, Association]:
    wanted = set(tokens)
    return {a.token: a for a in associations(rows, ANY, kind, min_rows=1) if a.token in wanted}


def render_audit(before: Sequence[CorpusRow], after: Sequence[CorpusRow], top: int = 40, per_label: int = 10,
                 min_rows: int = 20, kind: str = "word") -> str:
    """Markdown: the `top` trigger words of `before` (any label) with their rows, compliant rows and P(label | word)
    before and after the data change, and the strongest words and characters per label in `after`."""
    trig = associations(before, ANY, kind, min_rows)[:top]
    after_words = _lookup(after, [a.token for a in trig], kind)
    lines = [
        f"Trigger words of the training split before the open-world data ({len(before)} rows), and the same words "
        f"in the training rows now ({len(after)} rows). P = P(some label | word), add-one smoothed; a word in at "
        f"least {min_rows} rows.",
        "",
        f"| {kind} | rows before | compliant before | P before | rows now | compliant now | P now |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in trig:
        b = after_words.get(a.token)
        now = f"{b.rows} | {b.compliant_rows} | {b.p_label:.3f}" if b else "0 | 0 | -"
        lines.append(f"| {a.token} | {a.rows} | {a.compliant_rows} | {a.p_label:.3f} | {now} |")
    lines += ["", f"Strongest words and characters per label in the training rows now (top {per_label}; "
                  "rows / compliant rows / P(label | token)):", "", "| label | words | characters |", "|---|---|---|"]
    texts = [r.text for r in after]
    sets = {kind: token_sets(texts, kind) for kind in ("word", "char")}
    for label in LABELS:
        cells = []
        for kind in ("word", "char"):
            top_k = associations(after, label, kind, min_rows, sets[kind])[:per_label]
            cells.append(", ".join(f"{a.token} {a.rows}/{a.compliant_rows}/{a.p_label:.2f}" for a in top_k))
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"
