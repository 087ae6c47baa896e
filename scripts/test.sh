#!/usr/bin/env bash
# The test command of the README and of CI: installs what the tests need into .venv, then runs the default suite
# (tests marked slow are excluded; run them with: .venv/bin/python -m pytest -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch is pinned: any other torch request pulls a multi-GB CUDA build on the project's machines.
.venv/bin/python -m pip install -q "torch==2.13.0" -e ".[train,eval,contacts,dev]"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -m "not slow" "$@"
