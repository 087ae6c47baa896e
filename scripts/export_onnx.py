#!/usr/bin/env python
"""Export a training checkpoint to the shipped model folder: ONNX fp32 -> parity check -> int8 -> agreement check ->
test/dev/COLD evaluation -> MODEL_CARD.md -> sha256 manifest. The old folder is replaced only if every check passes.

    python scripts/export_onnx.py --checkpoint runs/slots_warm13 --out models/yuefu-e5-small-int8
    python scripts/export_onnx.py        # re-export the shipped folder from the checkpoint it was exported from
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

from yuefu_nlp.runtime.paths import default_model_dir
from yuefu_nlp.training.package import export, source_checkpoint


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="folder written by scripts/train.py (default: the one the --out folder was exported from, "
                        "its metrics.json `checkpoint`)")
    p.add_argument("--out", type=Path, default=default_model_dir(), help="model folder to (re)build")
    p.add_argument("--keep-fp32", type=Path, default=None, help="also keep the fp32 ONNX at this path (not shipped)")
    p.add_argument("--no-eval", action="store_true", help="skip the test/dev/COLD evaluation (no figures in the card)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the confidence intervals")
    p.add_argument("--smoothquant", type=float, default=None, metavar="ALPHA",
                   help="SmoothQuant the FFN down-projections (e.g. 0.7) and quantize every MatMul to int8, instead "
                        "of keeping the lower layers' FFN down-projections in fp32")
    p.add_argument("--fp32-ffn-layers", type=lambda v: tuple(int(x) for x in v.split(",") if x.strip()), default=None,
                   metavar="0,1,...", help="FFN down-projections to keep fp32 (overrides the run's export config; "
                                           "'' = all int8)")
    p.add_argument("--no-gate", action="store_true",
                   help="measure the open-world gate but do not enforce it (experiments into a scratch folder only)")
    p.add_argument("--min-agreement", type=float, default=0.99,
                   help="int8 vs fp32 decision agreement required on test (lower it only for smoke runs)")
    p.add_argument("--keep-policy-from", type=Path, default=None, metavar="CONFIG_JSON",
                   help="keep the fusion policy of this model config.json instead of choosing one on dev (a "
                        "re-export with unchanged weights; the rule's own pick is recorded beside it)")
    args = p.parse_args(argv)
    if args.checkpoint is None:
        if not (args.out / "metrics.json").is_file():
            p.error(f"{args.out} has no metrics.json to name its checkpoint; pass --checkpoint runs/NAME")
        args.checkpoint = source_checkpoint(args.out)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("yuefu_nlp").setLevel(logging.INFO)  # onnxruntime's quantizer logs every tensor at INFO
    return export(args.checkpoint, args.out, fp32_out=args.keep_fp32, evaluate=not args.no_eval, n_boot=args.n_boot,
                  min_agreement=args.min_agreement, smooth_alpha=args.smoothquant,
                  fp32_ffn_output_layers=args.fp32_ffn_layers, gate=False if args.no_gate else None,
                  keep_policy=(json.loads(args.keep_policy_from.read_text(encoding="utf-8"))
                               if args.keep_policy_from else None))


if __name__ == "__main__":
    sys.exit(main())
