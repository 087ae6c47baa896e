#!/usr/bin/env python
"""Fine-tune the four-label classifier from a YAML config (see scripts/configs/), optionally exporting it at once.

    python scripts/train.py --config scripts/configs/default.yaml                     # checkpoint -> runs/default
    python scripts/train.py --config scripts/configs/default.yaml --export models/yuefu-e5-small-int8
    python scripts/train.py --config scripts/configs/tiny.yaml --set optim.max_steps=3  # dotted overrides
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import yaml

from yuefu_nlp.errors import ConfigError, TeacherError
from yuefu_nlp.training.package import export
from yuefu_nlp.training.train import train
from yuefu_nlp.training.train_config import load_config


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, default=Path("scripts/configs/default.yaml"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. optim.epochs=3 (value parsed as YAML)")
    p.add_argument("--export", type=Path, default=None, metavar="MODEL_DIR",
                   help="after training, build this model folder (as scripts/export_onnx.py does)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("yuefu_nlp").setLevel(logging.INFO)  # onnxruntime's quantizer logs every tensor at INFO

    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            p.error(f"--set needs KEY=VALUE, got {item!r}")
        overrides[key] = yaml.safe_load(value)
    try:
        cfg = load_config(args.config, overrides)
        report = train(cfg, progress=not args.quiet)
    except (TeacherError, ConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"checkpoint: {report.out_dir}")
    print(f"best epoch {report.best_epoch} after {report.steps} steps, {report.seconds / 60:.1f} min")
    print(f"dev macro-F1 {report.dev_macro_f1:.4f}; thresholds {json.dumps(report.thresholds)}")
    for label, r in report.dev_report.items():
        print(f"  dev {label:18s} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} (n={r['support']})")
    if args.export is not None:
        return export(report.out_dir, args.export)
    return 0


if __name__ == "__main__":
    sys.exit(main())
