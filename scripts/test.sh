#!/usr/bin/env bash
# The test command of the README and of CI: installs what the tests need into .venv, then runs the default suite
# (tests marked slow are excluded; run them with: .venv/bin/python -m pytest -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch is pinned: any other torch request pulls a multi-GB CUDA build on the project's machines.
.venv/bin/python -m pip install -q "torch==2.13.0" -e ".[train,eval,contacts,excel,spark,dev]"
# tests/test_report_browser.py renders the HTML report in headless Chromium with CJK fonts (Debian packages). Installed
# here only when missing; where apt-get cannot run (not root, not Debian) the test skips and says why (it fails on CI).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; } \
      >/dev/null 2>&1 || echo "note: apt-get could not install chromium; the browser test will skip" >&2
  else
    echo "note: no chromium and no apt-get as root to install it; the browser test will skip" >&2
  fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -m "not slow" "$@"
