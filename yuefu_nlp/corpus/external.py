"""Loaders for the third-party data copied into data/external/ (offline; only the repo copies are read).

- COLD (Apache-2.0): offensive-language comments; an auxiliary `insult` signal. Official train/dev/test kept.
- SWSR (MIT): Weibo sexism comments + the SexHateLex term list. No official split, so a seeded stratified one.
- 翼龙贷 repayment-reminder bot (Apache-2.0 repo): real collector script lines, debtor replies and call flows.
- Profanity / sensitive-word lists (MIT, CC-BY-4.0, CC0, Apache-2.0) for the generic-filter baseline.

COLD is read with the csv module (training needs plain rows); SWSR goes through `datasets` for its seeded stratified
split. Word lists, YAML and Markdown are read directly because they are not tables. Each directory has LICENSE and SOURCE.md.
"""
from __future__ import annotations

import csv
import gzip
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import yaml

from yuefu_nlp.corpus.schema import CorpusRow
from yuefu_nlp.domain import LABELS
from yuefu_nlp.errors import ConfigError

if TYPE_CHECKING:  # datasets is a training-time dependency; importing this module must not need it
    from datasets import DatasetDict

EXTERNAL_DIR = Path(__file__).resolve().parents[2] / "data" / "external"

COLD_COUNTS = {"train": 25_726, "dev": 6_431, "test": 5_323}
SWSR_ROWS = 8_969  # SexComment.csv as published
SWSR_UNIQUE_ROWS = 8_963  # after dropping 6 repeated comment texts, so no text can sit in two splits
SWSR_SPLIT = {"train": 0.8, "dev": 0.1, "test": 0.1}
SEXHATELEX_TERMS = 3_016


def _root(root: Optional[Path | str]) -> Path:
    return Path(root) if root is not None else EXTERNAL_DIR


# --------------------------------------------------------------------------------------------- COLD

@dataclass(frozen=True)
class ColdRow:
    """One COLD comment. `offensive` is a proxy for our `insult`, not the same thing: COLD is mostly group bias, not
    abuse aimed at one debtor. `fine_grained` exists in test only (0 other-safe, 1 attack individual, 2 attack group,
    3 anti-bias-safe)."""

    text: str
    offensive: int  # 1 offensive, 0 safe
    topic: str  # race / region / gender
    fine_grained: int | None = None


def load_cold(split: str, cold_dir: Optional[Path | str] = None) -> tuple[ColdRow, ...]:
    """The rows of COLD's official `split` (train/dev/test), in file order, from `{cold_dir}/{split}.csv.gz`.

    The one COLD reader: training, export figures and the checkpoint comparison all read COLD here. Files are UTF-8
    with a BOM; rows with a blank text are skipped.
    """
    path = (Path(cold_dir) if cold_dir is not None else EXTERNAL_DIR / "cold") / f"{split}.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return tuple(
            ColdRow(r["TEXT"], int(r["label"]), r["topic"],
                    int(r["fine-grained-label"]) if r.get("fine-grained-label") else None)
            for r in csv.DictReader(fh) if r.get("TEXT", "").strip()
        )


# --------------------------------------------------------------------------------------------- SWSR

def load_swsr(root: Optional[Path | str] = None, seed: int = 13, cache_dir: Optional[str] = None) -> "DatasetDict":
    """SWSR SexComment as train/dev/test (80/10/10, stratified by label, seeded).

    Columns: `text`, `label` (ClassLabel: 0 not_sexist, 1 sexist), `category` (SA/SCB/MA/SO, empty when 0),
    `target` (I/G, empty when 0), `weibo_id`. Repeated texts are dropped (first kept) before splitting.
    Commenter gender/location are removed: they are personal metadata, not features.
    """
    from datasets import ClassLabel, DatasetDict, load_dataset

    ds = load_dataset("csv", data_files={"train": str(_root(root) / "swsr" / "SexComment.csv.gz")},
                      encoding="utf-8-sig", keep_default_na=False, cache_dir=cache_dir)["train"]
    ds = ds.rename_column("comment_text", "text")
    ds = ds.remove_columns([c for c in ds.column_names if c not in ("text", "label", "category", "target", "weibo_id")])
    seen: set[str] = set()
    keep = []
    for i, text in enumerate(ds["text"]):
        if text not in seen:
            seen.add(text)
            keep.append(i)
    ds = ds.select(keep).cast_column("label", ClassLabel(names=["not_sexist", "sexist"]))
    first = ds.train_test_split(test_size=SWSR_SPLIT["dev"] + SWSR_SPLIT["test"], stratify_by_column="label", seed=seed)
    second = first["test"].train_test_split(test_size=0.5, stratify_by_column="label", seed=seed)
    return DatasetDict({"train": first["train"], "dev": second["train"], "test": second["test"]})


# --------------------------------------------------------------------------------------------- word lists

@dataclass(frozen=True)
class LexiconSource:
    """One third-party word list: where it lives under data/external and under which licence."""

    name: str
    path: str
    license: str
    description: str


LEXICONS: dict[str, LexiconSource] = {s.name: s for s in (
    LexiconSource("ldnoobw_zh", "lexicons/ldnoobw_zh/zh.txt", "CC-BY-4.0", "LDNOOBW zh profanity/obscene terms"),
    LexiconSource("ldnoobw_v2_zh", "lexicons/ldnoobw_v2_zh/zh.txt", "CC0-1.0",
                  "LDNOOBW V2 zh (simplified/traditional/pinyin/Cantonese)"),
    LexiconSource("sexhatelex", "swsr/SexHateLex.txt", "MIT", "SWSR SexHateLex abusive and sexist terms"),
    LexiconSource("konsheng_porn", "lexicons/konsheng_sensitive_lexicon/色情词库.txt", "MIT",
                  "konsheng 色情词库 (sexual terms and sexual insults such as 傻逼/贱人)"),
    LexiconSource("konsheng_netease", "lexicons/konsheng_sensitive_lexicon/网易前端过滤敏感词库.txt", "MIT",
                  "konsheng copy of NetEase front-end filter list (political plus insults such as 王八蛋/垃圾)"),
    LexiconSource("konsheng_supplement", "lexicons/konsheng_sensitive_lexicon/补充词库.txt", "MIT",
                  "konsheng 补充词库 (mixed political/sexual/violent supplement)"),
    LexiconSource("konsheng_other", "lexicons/konsheng_sensitive_lexicon/其他词库.txt", "MIT", "konsheng 其他词库"),
    LexiconSource("houbb", "lexicons/houbb_sensitive_word/dict_v20240407.txt.gz", "Apache-2.0",
                  "houbb/sensitive-word bundled dictionary (generic filter; mostly political/porn/spam)"),
)}
# Distinct terms per list after stripping blanks and repeats (what load_lexicon returns).
LEXICON_COUNTS = {"ldnoobw_zh": 318, "ldnoobw_v2_zh": 1_811, "sexhatelex": 3_016, "konsheng_porn": 552,
                  "konsheng_netease": 7_746, "konsheng_supplement": 1_063, "konsheng_other": 157, "houbb": 65_141}


def load_lexicon(name: str, root: Optional[Path | str] = None) -> tuple[str, ...]:
    """Terms of one list, in file order, stripped, blanks and repeats removed."""
    if name not in LEXICONS:
        raise ConfigError(f"unknown lexicon {name!r}; known: {', '.join(LEXICONS)}")
    path = _root(root) / LEXICONS[name].path
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        terms = (line.strip() for line in fh)
        return tuple(dict.fromkeys(t for t in terms if t))


def load_sexhatelex(root: Optional[Path | str] = None) -> tuple[str, ...]:
    """SexHateLex (3,016 abusive/sexist terms), the most insult-specific list we have."""
    return load_lexicon("sexhatelex", root)


def generic_filter_terms(names: tuple[str, ...] = tuple(LEXICONS), root: Optional[Path | str] = None) -> tuple[str, ...]:
    """Union of the lists an off-the-shelf sensitive-word filter would ship, sorted; for the baseline only."""
    terms: set[str] = set()
    for name in names:
        terms.update(load_lexicon(name, root))
    return tuple(sorted(terms))


# --------------------------------------------------------------------------------------------- 翼龙贷 bot

YILONGDAI = "collection_bot_yilongdai_rasa"
# Our labels for the bot's collector lines (data/GUIDELINES.md §4.5): the lines that tell whoever answers
# ("如您不是他本人，请代为转达", or a family member / colleague) that the person has a loan due reveal the debt
# to a possible third party -> privacy_leak. Every other line is a compliant reminder.
YILONGDAI_LABELS: dict[str, tuple[str, ...]] = {
    "utter_remind_repayment_byff": ("privacy_leak",),
    "utter_remind_repayment_byother": ("privacy_leak",),
    "utter_remind_repayment_retry": ("privacy_leak",),
    "utter_remind_repayment_datenotconfirmed": ("privacy_leak",),
}


@dataclass(frozen=True)
class BotTurn:
    """A collector line of the bot script, verbatim (placeholders XXX / X月X日 as published)."""

    action: str
    text: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class DebtorReply:
    """A debtor-side utterance and the NLU intent it was written for."""

    intent: str
    text: str


@dataclass(frozen=True)
class Story:
    """One call flow: steps are ("bot", action) or ("user", "intent1|intent2")."""

    name: str
    steps: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BotScript:
    collector_turns: tuple[BotTurn, ...]
    customer_turns: tuple[DebtorReply, ...]
    stories: tuple[Story, ...]

    def turn(self, action: str) -> BotTurn:
        return next(t for t in self.collector_turns if t.action == action)


def _md_sections(text: str) -> list[tuple[str, list[str]]]:
    """Rasa Markdown: '## header' then '- item' / '* item' lines."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections and line[:2] in ("- ", "* "):
            sections[-1][1].append(line)
    return sections


def load_yilongdai(root: Optional[Path | str] = None) -> BotScript:
    """The bot's collector templates (labelled per YILONGDAI_LABELS), debtor replies by intent, and flows."""
    base = _root(root) / YILONGDAI
    domain = yaml.safe_load((base / "domain.yml").read_text(encoding="utf-8"))
    turns = []
    for action, variants in domain["templates"].items():
        for v in variants:
            text = v["text"] if isinstance(v, dict) else str(v)
            turns.append(BotTurn(action, text.strip(), YILONGDAI_LABELS.get(action, ())))
    replies: dict[tuple[str, str], None] = {}
    for name in ("nlu_expired.md", "nlu_expired01.md"):
        for header, items in _md_sections((base / name).read_text(encoding="utf-8")):
            intent = header.removeprefix("intent:").strip()
            if intent in ("conversation_start", "conversation_end"):  # system events, not speech
                continue
            for item in items:
                text = item[2:].strip().strip('"')  # one upstream line ends in a stray quote
                if text:
                    replies[(intent, text)] = None
    stories = []
    for name in sorted(base.glob("stories_*.md")):
        for header, items in _md_sections(name.read_text(encoding="utf-8")):
            steps = []
            for item in items:
                if item.startswith("- "):
                    steps.append(("bot", item[2:].strip()))
                else:
                    steps.append(("user", "|".join(x.strip() for x in item[2:].split(" OR "))))
            stories.append(Story(f"{name.stem}:{header}", tuple(steps)))
    return BotScript(tuple(turns), tuple(DebtorReply(i, t) for i, t in replies), tuple(stories))


_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
_GIVEN = "伟强磊军洋勇杰涛明超平刚斌辉"  # male: the script says "XXX先生"
# Lines that tell "whoever answers" about the loan; in a call they leak only if the listener has not confirmed
# being the debtor (GUIDELINES §4.5/§4.6: the customer turns decide who receives the collector's next line).
_HEDGED = ("utter_remind_repayment_retry", "utter_remind_repayment_datenotconfirmed")
_SELF_INTENTS = ("affirm_self", "affirm", "affirm_know", "affirm_receive_reminder", "repayment_today",
                 "cantrepayment", "shortofmoney", "reqmore_amount")
_OTHER_INTENTS = ("wrongcall", "family_friend", "busyother")


def yilongdai_transcripts(root: Optional[Path | str] = None, seed: int = 0, variants: int = 3) -> list[CorpusRow]:
    """Calls rebuilt from the bot's flows: each distinct flow `variants` times with other replies and names.

    Flow fragments (starting mid-call, or using actions without a scripted line) are skipped.
    Placeholders are filled with invented names and dates ("关注XXX" becomes "关注官方公众号"). A row's labels are
    the union of its collector lines' labels, where a hedged "如您不是他本人，请代为转达" line counts as a leak
    unless the listener has already confirmed being the debtor; a flow is one family, so its variants never straddle splits.
    """
    script = load_yilongdai(root)
    by_intent: dict[str, list[str]] = {}
    for r in script.customer_turns:
        by_intent.setdefault(r.intent, []).append(r.text)
    rng = random.Random(seed)
    rows: list[CorpusRow] = []
    seen_flows: dict[tuple[tuple[str, str], ...], str] = {}
    actions = {t.action for t in script.collector_turns}
    for story in script.stories:
        # Only whole calls: opened by the bot, every bot line scripted, every user step sayable.
        usable = (
            len(story.steps) >= 2
            and story.steps[0][0] == "bot"
            and all(v in actions for r, v in story.steps if r == "bot")
            and all(any(i in by_intent for i in v.split("|")) for r, v in story.steps if r == "user")
        )
        if not usable or story.steps in seen_flows:
            continue
        family = f"ext.yilongdai.{len(seen_flows):02d}"
        seen_flows[story.steps] = family
        for k in range(variants):
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            lines: list[str] = []
            labels: set[str] = set()
            abusive_customer = False
            listener = "unknown"
            for role, value in story.steps:
                if role == "bot":
                    turn = script.turn(value)
                    text = turn.text.replace("关注XXX", "关注官方公众号").replace("XXX", name)
                    text = text.replace("X月X日", f"{month}月{day}日")
                    lines.append(f"催收员：{text}")
                    if not (value in _HEDGED and listener == "debtor"):
                        labels.update(turn.labels)
                else:
                    intents = [i for i in value.split("|") if i in by_intent]
                    intent = rng.choice(intents)
                    if intent in _SELF_INTENTS:
                        listener = "debtor"
                    elif intent in _OTHER_INTENTS:
                        listener = "third_party"
                    reply = rng.choice(by_intent[intent])
                    abusive_customer |= reply in ("傻B", "骗子", "骗钱的")
                    lines.append(f"客户：{reply}")
            rows.append(CorpusRow(
                id=f"ext-yld-{family[-2:]}-{k}",
                text="\n".join(lines),
                labels=tuple(x for x in LABELS if x in labels),
                register="transcript",
                source=f"external:{YILONGDAI}",
                family=family,
                scenario=f"翼龙贷 还款提醒机器人 {story.name}",
                stage="pre_due",
                collector="bot",
                tone="polite",
                variety=("mixed",) if abusive_customer else (),
            ))
    return rows
