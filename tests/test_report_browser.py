"""The sample report in a real browser (headless Chromium through the Debian chromedriver, no mocks): it renders to a
PNG, its tables show the counts of the scored file (computed here from the CSV), the console logs no error, nothing is
fetched from the network, and its text is drawn in a CJK font rather than tofu.

scripts/test.sh installs chromium, chromium-driver and fonts-noto-cjk with apt-get when they are missing; where that
cannot run the test skips and says why, except on CI (CI set), where it fails.
"""
from __future__ import annotations

import csv
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from yuefu_nlp.cli import main
from yuefu_nlp.domain import LABELS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "messages.csv"
CJK_FONTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "PingFang", "Microsoft YaHei", "Droid Sans Fallback")


def _need(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test: scripts/test.sh installs it with apt-get)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("selenium is not installed: pip install -e '.[dev]'")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _need("headless Chromium is not installed: apt-get install chromium chromium-driver fonts-noto-cjk "
              "(scripts/test.sh does it when run as root on Debian)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--window-size=1100,1400", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    scored, report = folder / "scored.csv", folder / "report.html"
    assert main(["score", str(SAMPLE), "-o", str(scored), "--backend", "rules", "--no-progress"]) == 0
    assert main(["report", str(scored), "-o", str(report), "--by", "collector,agency", "--time-col", "sent_at",
                 "--min-group", "5"]) == 0
    with open(scored, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return report, rows


def _cells(driver, css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [td.text.strip() for td in driver.find_elements(By.CSS_SELECTOR, css)]


def test_sample_report_in_chromium(browser, sample_report, tmp_path):
    from selenium.webdriver.common.by import By

    report, rows = sample_report
    browser.get_log("performance")  # start clean
    browser.get(report.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title.startswith("催收合规报告")

    # the numbers, from the scored CSV
    flagged = sum(r["flagged"] == "1" for r in rows)
    card = browser.find_element(By.CSS_SELECTOR, '.card[data-key="flagged"] b').text
    assert card == str(flagged)
    assert browser.find_element(By.CSS_SELECTOR, '.card[data-key="rows"] b').text == str(len(rows))
    for label in LABELS:
        assert _cells(browser, f'#labels tr[data-label="{label}"] td')[1] == str(sum(r[label] == "1" for r in rows))
    for level in ("high", "medium", "low", "none"):
        assert _cells(browser, f'#risk tr[data-risk="{level}"] td')[1] == str(sum(r["risk"] == level for r in rows))
    for col in ("collector", "agency"):
        per, hits = Counter(r[col] for r in rows), Counter(r[col] for r in rows if r["flagged"] == "1")
        shown = browser.find_elements(By.CSS_SELECTOR, f'table.groups[data-column="{col}"] tr[data-group]')
        assert len(shown) == len(per)
        for tr in shown:
            tds = [td.text.strip() for td in tr.find_elements(By.TAG_NAME, "td")]
            value = tr.get_attribute("data-group")
            assert tds[2:4] == [str(per[value]), str(hits[value])], (col, value, tds)
            assert (tds[0] == "small, not ranked") == (per[value] < 5)
    text = browser.find_element(By.TAG_NAME, "body").text
    for heading in ("概览 Overview", "分组 By group", "时间 Over time", "规则与法律 Rules and laws", "示例 Examples per label"):
        assert heading in text
    marks = browser.find_elements(By.TAG_NAME, "mark")
    assert len(marks) > 10 and all(m.size["width"] > 0 for m in marks[:10])
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 6

    # a group link lands on that group's examples
    link = browser.find_element(By.CSS_SELECTOR, 'table.groups[data-column="collector"] a')
    target = link.get_attribute("href").split("#", 1)[1]
    link.click()
    assert browser.execute_script("return location.hash") == f"#{target}"
    assert browser.find_element(By.ID, target).find_element(By.XPATH, "following-sibling::div[1]").text

    # drawn in a CJK font: the platform font Chromium used for a Chinese heading
    browser.execute_cdp_cmd("DOM.enable", {})
    browser.execute_cdp_cmd("CSS.enable", {})
    root = browser.execute_cdp_cmd("DOM.getDocument", {})["root"]["nodeId"]
    node = browser.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = browser.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any(f["familyName"].startswith(CJK_FONTS) for f in fonts), fonts

    # a PNG of the whole page
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1100, min(height + 100, 16000))
    png = tmp_path / "report.png"
    assert browser.save_screenshot(str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000

    # no error on the console (a blocked fetch would be one), and no request beyond the file itself
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    import json

    requested = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    urls = [m["params"]["request"]["url"] for m in requested if m["method"] == "Network.requestWillBeSent"]
    assert urls and all(u.startswith(("file://", "data:", "about:")) for u in urls), urls
