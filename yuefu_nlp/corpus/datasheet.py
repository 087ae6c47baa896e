"""data/DATASHEET.md, generated from the data files so its figures are never typed by hand."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..domain import LABELS
from .schema import CorpusRow, load_rows

__all__ = ["render_datasheet"]

REGISTERS = ("sms", "chat", "transcript", "third_party")


def _table(header: list[str], rows: list[list[object]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _label_row(name: str, rows: list[CorpusRow]) -> list[object]:
    c = Counter(label for r in rows for label in r.labels)
    compliant = sum(1 for r in rows if not r.labels)
    share = f"{100 * compliant / len(rows):.1f}%" if rows else "-"
    return [name, len(rows), compliant, share] + [c[label] for label in LABELS]


def _openworld_section(root: Path, gold_train: list[CorpusRow]) -> str:
    """Open-world rows per split and group, screening decisions, and the shortcut audit before/after them."""
    from .openworld import HELD_OUT_SOURCES, row_group
    from .shortcuts import render_audit

    base = root / "data" / "openworld" / "splits"
    if not (base / "train.jsonl").is_file():
        return ""
    ow = {s: load_rows(base / f"{s}.jsonl") for s in ("train", "dev", "test")}
    manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    groups = sorted({row_group(r) for rows in ow.values() for r in rows})
    table = []
    for g in groups:
        counts = [sum(1 for r in ow[s] if row_group(r) == g) for s in ("train", "dev", "test")]
        labelled = sum(1 for s in ow for r in ow[s] if row_group(r) == g and r.labels)
        table.append([g, *counts, labelled])
    table.append(["all", *(len(ow[s]) for s in ("train", "dev", "test")),
                  sum(1 for s in ow for r in ow[s] if r.labels)])
    scr = manifest["screening"]
    audit = render_audit(gold_train, gold_train + ow["train"])
    return f"""## Open-world, contrast and degenerate rows (`data/openworld/`, built by `python scripts/make_openworld.py`)
Text from outside debt collection, which the tool must leave alone (GUIDELINES §8). Third-party lines
(`data/external/openworld/`, licences and sources in its SOURCE.md) are sampled per source with a seed; the held-out
source{"s" if len(HELD_OUT_SOURCES) > 1 else ""} ({", ".join(HELD_OUT_SOURCES)}) appear{"" if len(HELD_OUT_SOURCES) > 1 else "s"} in test only,
to measure transfer to a register never trained on. Rows we wrote (`data/openworld/written/`: notification and marketing
SMS, fintech customer service, family and workplace chat, degenerate inputs, contrast rows for trigger words, minimal
pairs, hard in-domain groups) are split ~60/15/25 by family and near-duplicate group; a minimal pair never straddles
splits. Screening: the rules and the then-shipped model ran over all {scr["sampled"]} sampled third-party lines and flagged
{scr["flagged"]}; every flagged line was read and decided ({", ".join(f"{k} {v}" for k, v in scr["decisions"].items())};
decisions in `data/openworld/review/bundle_review.jsonl`). Lines with labels are positives, never negatives.

{_table(["group", "train", "dev", "test", "rows with labels"], table)}

## Shortcut audit (`python scripts/shortcut_audit.py`)
{audit}"""


def render_datasheet(root: Path) -> str:
    """Render the datasheet for the data under `root` (the repository root)."""
    gold = load_rows(sorted((root / "data" / "gold" / "raw").glob("*.jsonl")))
    splits = {s: load_rows(root / "data" / "splits" / f"{s}.jsonl") for s in ("train", "dev", "test")}
    synthetic = load_rows(root / "data" / "synthetic" / "synthetic.jsonl")
    holdout = load_rows(sorted((root / "data" / "gold" / "holdout").glob("*.jsonl")))
    reviews = {
        p.name.split(".")[0]: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((root / "data" / "gold" / "review").glob("*.summary.json"))
    }
    label_cols = ["rows", "compliant", "compliant %"] + list(LABELS)

    by_register = [_label_row(reg, [r for r in gold if r.register == reg]) for reg in REGISTERS]
    by_split = []
    for name, rows in splits.items():
        for source in ("handwritten", "synthetic"):
            part = [r for r in rows if r.source == source]
            if part:
                by_split.append(_label_row(f"{name} / {source}", part))
    positives = [r for r in gold if r.labels]
    obfuscated = sum(1 for r in positives if {"obfuscated", "traditional"} & set(r.variety))
    variety = Counter(v for r in gold for v in r.variety)
    stage = Counter(r.stage for r in gold if r.stage)
    collector = Counter(r.collector for r in gold if r.collector)
    long_calls = sum(1 for r in gold if r.register == "transcript" and r.text.count("\n") >= 9)

    total_rows = sum(v["rows"] for v in reviews.values())
    total_dis = sum(v["rows_disagreeing"] for v in reviews.values())
    review_rows = [
        [part, v["rows"], v["rows_disagreeing"], f"{100 * v['row_disagreement_rate']:.1f}%"]
        + [f"{v['per_label'][lb]['disagreements']} (κ {v['per_label'][lb]['cohen_kappa']:.2f})" for lb in LABELS]
        for part, v in reviews.items()
    ]
    review_rows.append(["all", total_rows, total_dis, f"{100 * total_dis / max(1, total_rows):.1f}%"]
                       + [sum(v["per_label"][lb]["disagreements"] for v in reviews.values()) for lb in LABELS])

    openworld = _openworld_section(root, splits["train"])

    return f"""# Datasheet: yuefu_nlp collection-message corpus

Generated by `python scripts/make_datasheet.py` from the files in `data/`; do not edit by hand.

## Why it exists
No public corpus of Chinese debt-collection messages exists (searched: only isolated bot templates). The model and the rules
need labelled collection SMS, app messages, call transcripts and third-party messages, with hard negatives, so the project
wrote its own. Labels follow `data/GUIDELINES.md`: `threat`, `insult`, `privacy_leak`, `false_legal_claim`, multi-label, an
empty set meaning compliant.

## Who wrote it, and how
- **Gold set (`data/gold/raw/*.jsonl`, {len(gold)} rows).** Every row was written individually (no templates), and labelled,
  by the project's annotator agents — language-model authors working from the guidelines, each owning one part
  (`part_a` SMS/app with threats and legal claims, `part_b` SMS/chat insults and disclosure, `part_c` call transcripts,
  `part_d` third-party messages, fake PII and hard negatives). **They are not real messages and were not written by human
  collectors or borrowers**; names, numbers, ID numbers (valid GB 11643 check digits) and bank cards (Luhn-valid) are
  fictional. Real collection text may be cruder, more repetitive and more varied in dialect.
- **Second pass.** A different annotator agent re-labelled every row blind (text only), compared, and settled each
  disagreement by the guideline section that decides it; the review logs are in `data/gold/review/`. A third person did not
  adjudicate: the second annotator resolved its own disagreements.
- **Synthetic (`data/synthetic/synthetic.jsonl`, {len(synthetic)} rows)** from `yuefu_nlp.corpus.synthetic` (seeded
  templates with slots and perturbations, {len({r.family for r in synthetic})} template families). Labels come from the
  templates, not from annotation. Synthetic rows are used for training only, never in dev or test.

## Second-pass disagreement (rows whose label sets differed before resolution)
{_table(["part", "rows", "rows disagreeing", "rate"] + [f"{lb} disagreements" for lb in LABELS], review_rows)}

## Gold set by register
{_table(["register"] + label_cols, by_register)}

Totals: {len(gold)} rows, {len(positives)} with at least one label, {sum(1 for r in gold if not r.labels)} compliant
({100 * sum(1 for r in gold if not r.labels) / len(gold):.1f}%). Positives with obfuscation or traditional characters:
{obfuscated} ({100 * obfuscated / max(1, len(positives)):.1f}% of positives). Transcripts with 10 or more turns: {long_calls}.
Variety tags: {", ".join(f"{k} {v}" for k, v in variety.most_common())}.
Delinquency stage: {", ".join(f"{k} {v}" for k, v in stage.most_common())}.
Collector: {", ".join(f"{k} {v}" for k, v in collector.most_common())}.

## Splits (`data/splits/`, built by `python scripts/make_splits.py`)
Split by template family and by near-duplicate groups (character 5-gram Jaccard >= 0.8, exact all-pairs, union-find), so no
family or near-duplicate group spans two splits; `tests/test_splits.py` proves there is no exact or near-duplicate overlap.
Dev and test hold hand-written rows only.

{_table(["split / source"] + label_cols, by_split)}

## Holdout set (`data/gold/holdout/`, {len(holdout)} rows)
Written after the rule lexicons and the model were built, by two further annotator agents who were not shown the gold set,
the splits, the synthetic data or the lexicons, and reviewed blind by a third (no disagreements: the writers' labels and
the reviewer's matched on every row, which says more about how closely the rows follow the guidelines than about human
agreement). Why it exists: the lexicons were refined while looking at errors on the whole gold set, test split included,
so rules-only and fused figures on the test split are optimistic; the holdout is the set no part of the system was built
or tuned on. Not used for training, thresholds or fusion choices.

{_table(["register"] + label_cols, [_label_row(reg, [r for r in holdout if r.register == reg]) for reg in REGISTERS]
        + [_label_row("all", holdout)])}

{openworld}
## External corpora (`data/external/`, each with its LICENSE and SOURCE.md)
| corpus | licence | what it contributes | label mapping |
|---|---|---|---|
| COLD (thu-coai) | Apache-2.0 | auxiliary insult signal for training (a seeded subsample of train); the test split is our public benchmark (roberta-base-cold: 82.75 acc / 82.39 macro-F1) | offensive (1) -> `insult`; safe (0) -> not insult; says nothing about the other three labels (loss masked) |
| SWSR + SexHateLex | MIT | candidate insult terms for the lexicon review; SWSR comments in a seeded 80/10/10 split: its train split is auxiliary insult data for runs whose config sets `swsr_train_rows`, its test split is scored at export | sexist (1) -> `insult`; not sexist (0) -> not insult (comments that discuss gender without attacking anyone); loss masked to insult |
| 翼龙贷 collection bot (Rasa) | Apache-2.0 | real collector templates and debtor replies, rebuilt into call transcripts (`yilongdai_transcripts()`) | reminders compliant; lines telling a family member about the loan -> `privacy_leak` |
| Sensitive-word lists (LDNOOBW zh, houbb, konsheng) | CC-BY-4.0 / CC0 / Apache-2.0 / MIT | the generic sensitive-word-filter baseline only | a hit -> `insult` (the baseline's behaviour, not a label source) |
| Statutes (LawRefBook/Laws) | statutes are not copyrightable (PRC Copyright Law art. 5) | citations: article numbers are quoted only where these texts have them | - |

## Known gaps
- No real collection messages: all gold rows are authored for this project (see above); figures on them are likely
  optimistic for real traffic, and train and test rows share authors and styles.
- Per-label balance follows the parts' quotas, not real prevalence (real traffic is mostly compliant).
- Dialects are light (northeastern, Cantonese-flavoured, Sichuan-Chongqing wording); no Cantonese-script or minority-language text.
- ASR noise in transcripts is simulated with a few typos; real call transcripts have far more.
- Image content (P图, 遗照) and voice tone are out of scope: only their textual description is labelled.
- The 2012 text of 治安管理处罚法 is cited (the 2025 revision is not in the statute snapshot).
"""
