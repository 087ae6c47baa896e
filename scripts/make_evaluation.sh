#!/usr/bin/env bash
# Regenerate every evaluation figure in one go (run from anywhere; takes a few minutes on 2 cores):
#   1. `yuefu evaluate` on the test split: rules, model and fused backends + both baselines -> docs/evaluation/
#      (a backend that is not available yet, e.g. the model before it ships, is listed as unavailable, not fatal);
#      its printed tables are kept verbatim in docs/evaluation/summary.txt
#   1d. scripts/eval_transcripts.py on the held-out gold calls -> docs/evaluation/transcripts/
#   2. the benchmark scripts' JSON (bench_rules, bench_pathological; bench_model when that script exists) -> docs/evaluation/
#   3. docs/EVALUATION.md rendered from docs/evaluation/metrics.json
#   4. the notebooks executed in place, with outputs, on all rows
# Usage: bash scripts/make_evaluation.sh [DATA.jsonl]   (default data/splits/test.jsonl)
#        QUICK=1 bash scripts/make_evaluation.sh          (a 200-row subset, for a smoke test; do not commit that)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
DATA=${1:-data/splits/test.jsonl}
OUT=docs/evaluation
SUBSET=()
NB_SUBSET=()
if [ -n "${QUICK:-}" ]; then SUBSET=(--subset 200); NB_SUBSET=(--subset 200); fi

mkdir -p "$OUT"
rm -f "$OUT"/*.png
echo "== 1/4 yuefu evaluate $DATA" >&2
"$PY" -m yuefu_nlp.cli evaluate "$DATA" --backend all --baselines \
  --train data/splits/train.jsonl --dev data/splits/dev.jsonl "${SUBSET[@]}" -o "$OUT" | tee "$OUT/summary.txt"

echo "== 1b/4 yuefu evaluate data/gold/holdout (written after the lexicons; never used for tuning)" >&2
mkdir -p "$OUT/holdout"
rm -f "$OUT"/holdout/*.png
"$PY" -m yuefu_nlp.cli evaluate data/gold/holdout --backend all --baselines \
  --train data/splits/train.jsonl --dev data/splits/dev.jsonl "${SUBSET[@]}" -o "$OUT/holdout" | tee "$OUT/holdout/summary.txt"

echo "== 1c/4 yuefu evaluate data/openworld/splits/test.jsonl (text that is not a collection message; held out)" >&2
mkdir -p "$OUT/openworld"
rm -f "$OUT"/openworld/*.png
"$PY" -m yuefu_nlp.cli evaluate data/openworld/splits/test.jsonl --backend all --baselines \
  --train data/splits/train.jsonl --dev data/splits/dev.jsonl "${SUBSET[@]}" -o "$OUT/openworld" | tee "$OUT/openworld/summary.txt"

echo "== 1d/4 call transcripts: roles, false flags, localisation (data/gold/transcripts, held out)" >&2
if [ -f data/gold/transcripts/transcripts.jsonl ]; then
  mkdir -p "$OUT/transcripts"
  "$PY" scripts/eval_transcripts.py --json "$OUT/transcripts/metrics.json" | tee "$OUT/transcripts/summary.txt"
fi

echo "== 2/4 benchmarks" >&2
"$PY" scripts/bench_rules.py --n 5000 --json "$OUT/bench_rules.json"
# yuefu contacts on a 10-million-event synthetic log (about two minutes; needs the contacts extra, duckdb)
"$PY" scripts/bench_contacts.py --json "$OUT/bench_contacts.json" || echo "warning: bench_contacts.py failed; its figures are missing" >&2
"$PY" scripts/bench_pathological.py --json "$OUT/bench_pathological.json"
if [ -f scripts/bench_model.py ]; then
  REF=()
  if [ -f runs/full12/checkpoint.json ]; then REF=(--reference runs/full12); fi  # the 12-layer predecessor, for context
  "$PY" scripts/bench_model.py --json "$OUT/bench_model.json" "${REF[@]}" || echo "warning: bench_model.py failed; its figures are missing" >&2
fi

echo "== 3/4 docs/EVALUATION.md" >&2
"$PY" scripts/make_evaluation_doc.py --metrics "$OUT/metrics.json" -o docs/EVALUATION.md

echo "== 4/4 notebooks" >&2
"$PY" scripts/run_notebooks.py "${NB_SUBSET[@]}"
echo "done: docs/EVALUATION.md, $OUT/, notebooks/*.ipynb" >&2
