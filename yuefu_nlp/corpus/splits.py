"""Train/dev/test splits that cannot leak: grouped by family and by near-duplicate text, stratified by label.

Decisions (why):
- dev and test hold handwritten rows only. Test must measure real messages, and dev picks models and thresholds,
  so it must look like test; synthetic and external rows only ever go to train.
- Groups = union-find over "same family" and "character 5-gram Jaccard >= 0.8" (after normalisation that folds
  width, case, traditional characters, speaker prefixes, punctuation and emoji). A whole group goes to one split.
- Near-duplicates are found exactly (all-pairs with prefix filtering), not with MinHash: at our sizes it takes
  about a second and it has no false negatives, so the no-leak check is a proof rather than an estimate.
- A synthetic/external row that shares a family with, or nearly duplicates, a dev/test row is dropped from train.
- Groups are assigned greedily, largest first, to the split whose label/register/size deviation from the 60/15/25 target
  grows least; ties are broken by a seeded shuffle, so the same input and seed give the same files.
"""
from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from yuefu_nlp.corpus.schema import REGISTERS, CorpusRow
from yuefu_nlp.text.turns import PREFIX_RE
from yuefu_nlp.domain import LABELS

SPLITS: tuple[str, ...] = ("train", "dev", "test")
TARGET: dict[str, float] = {"train": 0.60, "dev": 0.15, "test": 0.25}
EVAL_SPLITS: tuple[str, ...] = ("dev", "test")
NEAR_DUP_THRESHOLD = 0.8
SHINGLE_SIZE = 5

_PREFIX_LINES = re.compile(PREFIX_RE.pattern, re.IGNORECASE | re.MULTILINE)  # the runtime's speaker prefixes, every line
_NON_WORD = re.compile(r"[\W_]+")
_T2S: Optional[Callable[[str], str]] = None


def normalize_for_dedup(text: str) -> str:
    """The text reduced to what makes two messages "the same message": no width, case, script, prefix or punctuation."""
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s").convert
    text = _T2S(unicodedata.normalize("NFKC", text).lower())
    return _NON_WORD.sub("", _PREFIX_LINES.sub("", text))


def shingles(text: str, k: int = SHINGLE_SIZE) -> frozenset[str]:
    """Character k-grams of the normalised text; a text shorter than k is one shingle."""
    norm = normalize_for_dedup(text)
    if len(norm) <= k:
        return frozenset([norm]) if norm else frozenset()
    return frozenset(norm[i:i + k] for i in range(len(norm) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def near_duplicate_pairs(
    texts: Sequence[str],
    threshold: float = NEAR_DUP_THRESHOLD,
    groups: Optional[Sequence[str]] = None,
) -> list[tuple[int, int, float]]:
    """All index pairs (i < j) whose shingle Jaccard is >= threshold, exactly.

    With `groups`, only pairs from different groups are returned (e.g. across splits). Prefix filtering: under a
    global rare-first token order, two sets with Jaccard >= t must share a token among their first
    |x| - ceil(t|x|) + 1 tokens, so only those prefixes are indexed and probed.
    """
    sets = [shingles(t) for t in texts]
    freq: dict[str, int] = defaultdict(int)
    for s in sets:
        for tok in s:
            freq[tok] += 1
    ordered = [sorted(s, key=lambda tok: (freq[tok], tok)) for s in sets]
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[int, int, float]] = []
    by_size = sorted(range(len(sets)), key=lambda i: (len(sets[i]), i))
    for i in by_size:
        x = ordered[i]
        if not x:
            continue
        prefix = len(x) - math.ceil(threshold * len(x) - 1e-9) + 1
        candidates: set[int] = set()
        for tok in x[:prefix]:
            for j in index[tok]:
                candidates.add(j)
            index[tok].append(i)
        for j in candidates:
            if groups is not None and groups[i] == groups[j]:
                continue
            if len(sets[j]) < threshold * len(sets[i]) - 1e-9:  # size filter: j is no larger than i
                continue
            sim = jaccard(sets[i], sets[j])
            if sim >= threshold:
                pairs.append((min(i, j), max(i, j), sim))
    pairs.sort()
    return pairs


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class SplitResult:
    """The three splits plus what was dropped and why, for the manifest."""

    train: tuple[CorpusRow, ...]
    dev: tuple[CorpusRow, ...]
    test: tuple[CorpusRow, ...]
    dropped: tuple[tuple[str, str], ...]  # (row id, reason)
    n_groups: int

    def as_dict(self) -> dict[str, tuple[CorpusRow, ...]]:
        return {"train": self.train, "dev": self.dev, "test": self.test}


def _dims(row: CorpusRow) -> list[float]:
    """Stratification vector: one per label, compliant, one per register (few transcripts), and size."""
    return ([float(lab in row.labels) for lab in LABELS] + [float(not row.labels)]
            + [float(row.register == reg) for reg in REGISTERS] + [1.0])


def make_splits(rows: Sequence[CorpusRow], seed: int = 13, threshold: float = NEAR_DUP_THRESHOLD,
                target: Mapping[str, float] = TARGET) -> SplitResult:
    """Split handwritten rows ~60/15/25 by group; every other row goes to train unless it would leak."""
    hand = [r for r in rows if r.source == "handwritten"]
    other = [r for r in rows if r.source != "handwritten"]

    uf = _UnionFind(len(hand))
    first_of_family: dict[str, int] = {}
    for i, r in enumerate(hand):
        j = first_of_family.setdefault(r.family, i)
        uf.union(i, j)
    for i, j, _ in near_duplicate_pairs([r.text for r in hand], threshold):
        uf.union(i, j)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(hand)):
        members[uf.find(i)].append(i)
    groups = list(members.values())

    rng = random.Random(seed)
    tiebreak = list(range(len(groups)))
    rng.shuffle(tiebreak)
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g]), tiebreak[g]))

    ndim = len(LABELS) + 1 + len(REGISTERS) + 1
    totals = [0.0] * ndim
    vecs = []
    for g in groups:
        v = [0.0] * ndim
        for i in g:
            for d, x in enumerate(_dims(hand[i])):
                v[d] += x
        vecs.append(v)
        totals = [a + b for a, b in zip(totals, v)]
    weights = [1.0] * (ndim - 1) + [2.0]  # overall size matters a little more than any one label
    counts = {s: [0.0] * ndim for s in SPLITS}
    assign: dict[int, str] = {}
    for g in order:
        best, best_cost = SPLITS[0], math.inf
        for s in SPLITS:
            cost = 0.0
            for d in range(ndim):
                if totals[d] == 0:
                    continue
                goal = target[s] * totals[d]
                before = counts[s][d] - goal
                after = before + vecs[g][d]
                cost += weights[d] * (after * after - before * before) / (totals[d] * totals[d])
            if cost < best_cost - 1e-12:
                best, best_cost = s, cost
        assign[g] = best
        counts[best] = [a + b for a, b in zip(counts[best], vecs[g])]

    split_of_row = {}
    for g, s in assign.items():
        for i in groups[g]:
            split_of_row[i] = s
    out: dict[str, list[CorpusRow]] = {s: [] for s in SPLITS}
    for i, r in enumerate(hand):
        out[split_of_row[i]].append(r)

    # Non-handwritten rows: train only, unless tied to dev/test by family or near-duplicate text.
    eval_families = {r.family for s in EVAL_SPLITS for r in out[s]}
    eval_rows = [r for s in EVAL_SPLITS for r in out[s]]
    dropped: dict[str, str] = {}
    for r in other:
        if r.family in eval_families:
            dropped[r.id] = f"family {r.family} is in dev/test"
    texts = [r.text for r in eval_rows] + [r.text for r in other]
    kinds = ["eval"] * len(eval_rows) + ["other"] * len(other)
    for i, j, sim in near_duplicate_pairs(texts, threshold, groups=kinds):
        a, b = (i, j) if kinds[i] == "eval" else (j, i)
        victim = other[b - len(eval_rows)]
        dropped.setdefault(victim.id, f"near-duplicate ({sim:.2f}) of {eval_rows[a].id}")
    out["train"].extend(r for r in other if r.id not in dropped)
    return SplitResult(
        train=tuple(out["train"]),
        dev=tuple(out["dev"]),
        test=tuple(out["test"]),
        dropped=tuple(sorted(dropped.items())),
        n_groups=len(groups),
    )


@dataclass(frozen=True)
class LeakProblem:
    """One way in which two splits overlap (or an eval split holds a non-handwritten row)."""

    kind: str  # duplicate_id | exact_text | near_duplicate | family | source
    split_a: str
    id_a: str
    split_b: str
    id_b: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.split_a}/{self.id_a} ~ {self.split_b}/{self.id_b} {self.detail}".rstrip()


def check_no_leak(splits: Mapping[str, Sequence[CorpusRow]], threshold: float = NEAR_DUP_THRESHOLD,
                  eval_splits: Sequence[str] = EVAL_SPLITS) -> list[LeakProblem]:
    """Every overlap between different splits: id, exact or near-duplicate text, family; plus non-handwritten
    rows in an eval split. Empty list = no leak."""
    problems: list[LeakProblem] = []
    flat: list[tuple[str, CorpusRow]] = [(s, r) for s, rows in splits.items() for r in rows]

    where_id: dict[str, str] = {}
    for s, r in flat:
        if r.id in where_id:
            problems.append(LeakProblem("duplicate_id", where_id[r.id], r.id, s, r.id))
        else:
            where_id[r.id] = s

    fam_first: dict[str, tuple[str, str]] = {}
    reported: set[tuple[str, str]] = set()
    for s, r in flat:
        first = fam_first.setdefault(r.family, (s, r.id))
        if first[0] != s and (r.family, s) not in reported:
            reported.add((r.family, s))
            problems.append(LeakProblem("family", first[0], first[1], s, r.id, f"family {r.family}"))

    for s, r in flat:
        if s in eval_splits and r.source != "handwritten":
            problems.append(LeakProblem("source", s, r.id, s, r.id, f"{r.source} row in an eval split"))

    texts = [r.text for _, r in flat]
    names = [s for s, _ in flat]
    for i, j, sim in near_duplicate_pairs(texts, threshold, groups=names):
        (si, ri), (sj, rj) = flat[i], flat[j]
        kind = "exact_text" if ri.text == rj.text else "near_duplicate"
        problems.append(LeakProblem(kind, si, ri.id, sj, rj.id, f"jaccard={sim:.3f}"))
    return problems


def label_conflicts(rows: Sequence[CorpusRow], threshold: float = NEAR_DUP_THRESHOLD) -> list[dict[str, object]]:
    """Near-duplicate pairs whose label sets differ: either a real minimal pair or an annotation slip to review."""
    out: list[dict[str, object]] = []
    for i, j, sim in near_duplicate_pairs([r.text for r in rows], threshold):
        if rows[i].labels != rows[j].labels:
            out.append({"ids": [rows[i].id, rows[j].id], "jaccard": round(sim, 3),
                        "labels": [list(rows[i].labels), list(rows[j].labels)]})
    return out


def label_summary(rows: Sequence[CorpusRow]) -> dict[str, int]:
    """Row count, compliant count and per-label counts, for manifests and reports."""
    out = {"rows": len(rows), "compliant": sum(1 for r in rows if not r.labels)}
    for lab in LABELS:
        out[lab] = sum(1 for r in rows if lab in r.labels)
    return out
