"""Fine-tune the trimmed multilingual-e5-small into a four-label sigmoid classifier, feasibly on a 2-core CPU.

How it stays cheap: the embeddings and the lower `freeze_layers` encoder layers are frozen, so their output for every
text is computed once (no_grad, length-sorted batches) and cached in fp16; each training step then runs only the top
layers and the head on the cached states. Early stopping and per-label thresholds use dev only; test labels are never
read here (test texts only feed the vocabulary trim). A GPU is used when torch sees one.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tokenizers import Tokenizer
from tqdm.auto import tqdm

from ..domain import LABELS
from ..errors import ConfigError, InputError
from ..evaluation.metrics import compute_metrics, decisions, tune_thresholds
from ..runtime.encoding import TextEncoder, length_sorted_batches
from ..text.slots import mask_slots
from .cache import ensure_base_model
from .classifier import LabelClassifier, load_classifier, save_classifier
from .distill import distilled
from .train_config import TrainConfig, resolve
from .train_data import LabelledTexts, load_training_data
from .vocab import slice_embeddings_module, trim_vocabulary

__all__ = ["TrainReport", "train", "build_model", "cache_lower", "predict_cached"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainReport:
    """What a run produced: the checkpoint folder and the dev figures it was selected on."""

    out_dir: Path
    best_epoch: int
    steps: int
    seconds: float
    dev_macro_f1: float
    thresholds: dict[str, float]
    dev_report: dict
    history: tuple[dict, ...]
    data_summary: dict


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(vocab_texts: Sequence[str], out_dir: Path, num_layers: int | None, dropout: float):
    """Trim the vocabulary to `vocab_texts` (tokenizer.json into `out_dir`) and build the classifier on the base."""
    from transformers import BertModel

    base = ensure_base_model()
    trim = trim_vocabulary(base / "tokenizer.json", vocab_texts, out_dir)
    bert = BertModel.from_pretrained(base, add_pooling_layer=False, local_files_only=True, attn_implementation="eager")
    slice_embeddings_module(bert, trim.kept_old_ids)
    if num_layers is not None and num_layers < len(bert.encoder.layer):
        bert.encoder.layer = bert.encoder.layer[:num_layers]
        bert.config.num_hidden_layers = num_layers
    return LabelClassifier(bert, len(LABELS), dropout), trim


def warm_start(src: Path, out_dir: Path, cfg: TrainConfig) -> tuple[LabelClassifier, dict, dict]:
    """Load checkpoint `src` to fine-tune further: its weights, and its tokenizer copied into `out_dir` (the embedding
    rows are indexed by that trimmed vocabulary, so the two travel together). Returns the model, its vocab record and
    what the source was (config name, seed, folder, slot masking), which checkpoint.json keeps for the model card."""
    where = f"model.init_from ({src})"
    if not (src / "checkpoint.json").is_file():
        raise ConfigError(f"{where}: no checkpoint.json there; train that run first or fix the path")
    if not (src / "tokenizer.json").is_file():
        raise ConfigError(f"{where}: no tokenizer.json there; the weights are useless without the vocabulary they index")
    if out_dir.resolve() == src.resolve():
        raise ConfigError(f"{where} is also out_dir; write the fine-tuned run to another folder")
    model, meta = load_classifier(src)
    if list(meta["labels"]) != list(LABELS):
        raise ConfigError(f"{where} predicts {meta['labels']}, this version {list(LABELS)}")
    if cfg.model.num_layers != model.n_layers:
        raise ConfigError(f"{where} has {model.n_layers} encoder layers, the config asks for "
                          f"{cfg.model.num_layers or 'all of the base'}; set model.num_layers: {model.n_layers}")
    rows = model.bert.embeddings.word_embeddings.num_embeddings
    pieces = Tokenizer.from_file(str(src / "tokenizer.json")).get_vocab_size()
    if pieces != rows:
        raise ConfigError(f"{where}: tokenizer.json has {pieces} pieces but the embeddings {rows} rows")
    for name in ("tokenizer.json", "vocab_map.json"):
        if (src / name).is_file():
            shutil.copyfile(src / name, out_dir / name)
    model.dropout.p = cfg.model.dropout
    model.train()
    source = {"checkpoint": str(cfg.model.init_from), "config": meta["config"]["name"],
              "seed": meta["config"]["seed"], "out_dir": meta["config"]["out_dir"],
              "slot_mask": bool(meta.get("slot_mask", False))}
    return model, {**meta["vocab"], "init_from": str(cfg.model.init_from)}, source


@torch.no_grad()
def cache_lower(
    model: LabelClassifier, seqs: Sequence[np.ndarray], k: int, batch_size: int, device: torch.device,
    pad_id: int, desc: str = "caching", progress: bool = True,
) -> list[torch.Tensor]:
    """Hidden states after the frozen part (embeddings + `k` layers), one fp16 [len, hidden] CPU tensor per sequence."""
    model.eval()
    out: list[torch.Tensor | None] = [None] * len(seqs)
    for idx in tqdm(length_sorted_batches([len(s) for s in seqs], batch_size), desc=desc, disable=not progress):
        width = max(len(seqs[i]) for i in idx)
        ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for r, i in enumerate(idx):
            ids[r, : len(seqs[i])] = torch.from_numpy(seqs[i])
            mask[r, : len(seqs[i])] = 1
        h = model.lower(ids.to(device), mask.to(device), k).to("cpu", torch.float16)
        for r, i in enumerate(idx):
            out[i] = h[r, : len(seqs[i])].clone()
    return out  # type: ignore[return-value]


def _stack(cache: Sequence[torch.Tensor], idx: Sequence[int], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad cached states of `idx` to one batch: (hidden fp32 [B, L, H], mask [B, L])."""
    width = max(cache[i].shape[0] for i in idx)
    h = torch.zeros((len(idx), width, cache[idx[0]].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for r, i in enumerate(idx):
        n = cache[i].shape[0]
        h[r, :n] = cache[i].float()
        mask[r, :n] = 1
    return h.to(device), mask.to(device)


@torch.no_grad()
def predict_cached(
    model: LabelClassifier, cache: Sequence[torch.Tensor], owners: np.ndarray, n_rows: int, k: int,
    batch_size: int, device: torch.device,
) -> np.ndarray:
    """Probabilities per row (max over its windows) from cached lower states."""
    model.eval()
    probs = np.zeros((len(cache), len(LABELS)), dtype=np.float32)
    for idx in length_sorted_batches([c.shape[0] for c in cache], batch_size):
        h, mask = _stack(cache, idx, device)
        probs[idx] = torch.sigmoid(model.upper(h, mask, k)).float().cpu().numpy()
    out = np.zeros((n_rows, len(LABELS)), dtype=np.float32)
    np.maximum.at(out, owners, probs)
    return out


def _epoch_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length: shuffle, sort within chunks of 50 batches, shuffle the batch order."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    batches = []
    for s in range(0, len(order), chunk):
        part = order[s : s + chunk]
        part = part[np.argsort([lengths[i] for i in part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _dev_eval(probs: np.ndarray, dev: LabelledTexts) -> tuple[float, np.ndarray, float]:
    """(macro-F1 at dev-tuned thresholds, thresholds, mean BCE)."""
    y = dev.y.astype(bool)
    th = tune_thresholds(y, probs)
    f1 = compute_metrics(y, decisions(probs, th), n_boot=1).macro_f1  # the point figure; no interval to steer by
    p = np.clip(probs, 1e-7, 1 - 1e-7)
    bce = float(-(dev.y * np.log(p) + (1 - dev.y) * np.log(1 - p)).mean())
    return f1, th, bce


def _optimizer(model: LabelClassifier, k: int, cfg: TrainConfig) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for layer in model.bert.encoder.layer[k:]:
        for name, p in layer.named_parameters():
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    groups = [
        {"params": decay, "lr": cfg.optim.lr, "weight_decay": cfg.optim.weight_decay},
        {"params": no_decay, "lr": cfg.optim.lr, "weight_decay": 0.0},
        {"params": list(model.head.parameters()), "lr": cfg.optim.head_lr, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW([g for g in groups if g["params"]])


def train(cfg: TrainConfig, progress: bool = True) -> TrainReport:
    """Run one training job from `cfg`; writes the checkpoint (weights, tokenizer, thresholds) to `cfg.out_dir`."""
    started = time.perf_counter()
    _seed_everything(cfg.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu" and cfg.optim.threads:
        torch.set_num_threads(cfg.optim.threads)
    out_dir = resolve(cfg.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = None  # the checkpoint this run continues (model.init_from), checked before the data load
    if cfg.model.init_from:
        model, vocab, source = warm_start(resolve(cfg.model.init_from), out_dir, cfg)

    data = load_training_data(cfg.data, cfg.seed, slot_mask=cfg.model.slot_mask)
    if not len(data.train) or not len(data.dev):
        raise InputError(f"need train and dev rows, got {len(data.train)} and {len(data.dev)}")
    if cfg.distill.teacher:
        t_teacher = time.perf_counter()
        train_rows = distilled(data.train, resolve(cfg.distill.teacher), cfg.distill.weight, cfg.optim.eval_batch_size, device)
        data = dataclasses.replace(data, train=train_rows)
        data.summary["distill"] = {"teacher": cfg.distill.teacher, "weight": cfg.distill.weight,
                                   "teacher_seconds": round(time.perf_counter() - t_teacher, 1)}
    log.info("data: %s", data.summary)
    if source is None:
        vocab_texts = list(data.vocab_texts)
        if cfg.model.slot_mask:  # the masked forms' tokens (某某, 0) must survive the vocabulary trim
            vocab_texts += [mask_slots(t) for t in vocab_texts]
        model, trim = build_model(vocab_texts, out_dir, cfg.model.num_layers, cfg.model.dropout)
        vocab = {"full": trim.full_vocab_size, "kept": trim.kept_vocab_size, "kept_by_reason": trim.kept_by_reason}
    k = min(cfg.model.freeze_layers, model.n_layers)
    for p in model.bert.embeddings.parameters():
        p.requires_grad_(False)
    for layer in model.bert.encoder.layer[:k]:
        for p in layer.parameters():
            p.requires_grad_(False)
    model.to(device)

    enc = TextEncoder.from_file(out_dir / "tokenizer.json", cfg.model.max_length, cfg.model.window_overlap,
                                cfg.model.slot_mask)
    train_seqs = enc.first_windows(data.train.texts)
    dev_windows = enc.windows(data.dev.texts)
    dev_owners = np.asarray([i for i, ws in enumerate(dev_windows) for _ in ws])
    dev_seqs = [w for ws in dev_windows for w in ws]
    t_cache = time.perf_counter()
    cbs = cfg.optim.cache_batch_size
    train_cache = cache_lower(model, train_seqs, k, cbs, device, enc.pad_id, "caching train", progress)
    dev_cache = cache_lower(model, dev_seqs, k, cbs, device, enc.pad_id, "caching dev", progress)
    cache_seconds = time.perf_counter() - t_cache

    y = torch.from_numpy(data.train.y)
    w = torch.from_numpy(data.train.mask * data.train.weight[:, None])
    rng = np.random.default_rng(cfg.seed)
    steps_per_epoch = math.ceil(len(train_seqs) / cfg.optim.batch_size)
    total = cfg.optim.epochs * steps_per_epoch
    if cfg.optim.max_steps is not None:
        total = min(total, cfg.optim.max_steps)
    opt = _optimizer(model, k, cfg)
    warmup = max(1, int(cfg.optim.warmup_ratio * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    best: tuple[float, float] = (-1.0, math.inf)
    best_state: dict[str, torch.Tensor] = {}
    best_epoch, bad_epochs, steps = 0, 0, 0
    history: list[dict] = []
    lengths = [len(s) for s in train_seqs]
    for epoch in range(1, cfg.optim.epochs + 1):
        model.train()
        t_epoch, loss_sum, n_batches = time.perf_counter(), 0.0, 0
        bar = tqdm(_epoch_batches(lengths, cfg.optim.batch_size, rng), desc=f"epoch {epoch}", disable=not progress)
        for idx in bar:
            if steps >= total:
                break
            h, mask = _stack(train_cache, idx, device)
            logits = model.upper(h, mask, k)
            bw = w[idx].to(device)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[idx].to(device), reduction="none")
            loss = (bce * bw).sum() / bw.sum().clamp(min=1e-6)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            opt.step()
            sched.step()
            steps += 1
            loss_sum += loss.item()
            n_batches += 1
            bar.set_postfix(loss=f"{loss_sum / n_batches:.4f}")
        bar.close()
        dev_probs = predict_cached(model, dev_cache, dev_owners, len(data.dev), k, cfg.optim.eval_batch_size, device)
        f1, th, dev_loss = _dev_eval(dev_probs, data.dev)
        history.append({
            "epoch": epoch, "steps": steps, "train_loss": loss_sum / max(1, n_batches), "dev_loss": dev_loss,
            "dev_macro_f1": f1, "seconds": round(time.perf_counter() - t_epoch, 1),
        })
        tqdm.write(f"epoch {epoch}: train loss {history[-1]['train_loss']:.4f}  dev loss {dev_loss:.4f}  "
                   f"dev macro-F1 {f1:.4f}  ({history[-1]['seconds']} s)")
        if (f1, -dev_loss) > (best[0], -best[1]):
            best, best_epoch, bad_epochs = (f1, dev_loss), epoch, 0
            best_state = {n: v.detach().clone() for n, v in model.state_dict().items() if n in trainable}
        else:
            bad_epochs += 1
        if bad_epochs > cfg.optim.patience or steps >= total:
            break

    model.load_state_dict(best_state, strict=False)
    dev_probs = predict_cached(model, dev_cache, dev_owners, len(data.dev), k, cfg.optim.eval_batch_size, device)
    f1, th, _ = _dev_eval(dev_probs, data.dev)
    thresholds = {label: round(float(t), 6) for label, t in zip(LABELS, th)}
    dev_metrics = compute_metrics(data.dev.y.astype(bool), decisions(dev_probs, th), n_boot=1)
    dev_report = {m.label: {"precision": m.precision, "recall": m.recall, "f1": m.f1, "support": m.support}
                  for m in dev_metrics.per_label}
    seconds = time.perf_counter() - started
    model.cpu()
    save_classifier(model, out_dir, {
        "labels": list(LABELS),
        "max_length": cfg.model.max_length,
        "window_overlap": cfg.model.window_overlap,
        "slot_mask": cfg.model.slot_mask,
        "warm_start": source,
        "thresholds": thresholds,
        "dev_macro_f1": f1,
        "dev_report": dev_report,
        "best_epoch": best_epoch,
        "steps": steps,
        "history": history,
        "data": data.summary,
        "vocab": vocab,
        "config": cfg.to_dict(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "cache_seconds": round(cache_seconds, 1),
        "train_seconds": round(seconds, 1),
        "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__},
    })
    return TrainReport(out_dir, best_epoch, steps, seconds, f1, thresholds, dev_report, tuple(history), data.summary)
