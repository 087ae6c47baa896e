"""Regenerate docs/report_sample.png: the sample messages scored (`yuefu score`, the shipped model when present) and
reported (`yuefu report --by collector,agency --time-col sent_at`), the top of the page rendered by headless Chromium.

Needs chromium, chromium-driver and fonts-noto-cjk (apt-get) and selenium (the dev extra).
    .venv/bin/python scripts/make_report_screenshot.py [-o docs/report_sample.png] [--height 2400]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from yuefu_nlp.cli import main as yuefu

REPO = Path(__file__).resolve().parents[1]


def screenshot(html: Path, png: Path, width: int, height: int) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                f"--window-size={width},{height}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)
    try:
        driver.get(html.as_uri())
        driver.set_window_size(width, height)
        png.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(png))
    finally:
        driver.quit()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", default=str(REPO / "docs" / "report_sample.png"))
    p.add_argument("--width", type=int, default=1100)
    p.add_argument("--height", type=int, default=2400, help="pixels of the page's top to keep (default 2400)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scored, report = Path(tmp) / "scored.csv", Path(tmp) / "report.html"
        if yuefu(["score", str(REPO / "data" / "samples" / "messages.csv"), "-o", str(scored), "--no-progress"]):
            return 1
        if yuefu(["report", str(scored), "-o", str(report), "--by", "collector,agency", "--time-col", "sent_at",
                  "--min-group", "5", "--title", "催收合规报告 · 样例 Sample collection compliance report"]):
            return 1
        screenshot(report, Path(args.output), args.width, args.height)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
