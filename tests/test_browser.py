"""The HTML report opened in a real browser (headless Chromium through chromedriver).

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them): without them the
test fails under ``CI=true`` and is skipped elsewhere, saying how to install them.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from pathlib import Path

import pytest

from loopsim.report import write_report

from .report_fixtures import compare_store

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,2000")
HOW = "install it with: apt-get update && apt-get install -y chromium chromium-driver"


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, DRIVER) if not (os.path.exists(p) or shutil.which(Path(p).name))]
    if missing:
        msg = f"{', '.join(missing)} not found; {HOW}"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    try:
        import selenium  # noqa: F401
    except ImportError:
        msg = "selenium is not installed; pip install -e '.[test]'"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


def _driver(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def _wait_loaded(driver, deadline_s: float = 30.0) -> None:
    """Poll until the document and every image finished loading (or fail at the deadline)."""
    end = time.monotonic() + deadline_s
    js = "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"
    while not driver.execute_script(js):
        if time.monotonic() > end:
            pytest.fail("the report did not finish loading in the browser")
        time.sleep(0.1)


def test_report_renders_in_chromium(tmp_path):
    _browser_or_skip()
    store = tmp_path / "cmp"
    compare_store(store)
    html = write_report(store, k=1)
    driver = _driver(tmp_path / "profile")
    try:
        driver.get(html.as_uri())
        _wait_loaded(driver)
        shot = Path(os.environ.get("LOOPSIM_SCREENSHOT", tmp_path / "report.png"))
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        assert driver.title.startswith("loopsim report")
        # a design name with markup in it is escaped: shown as written, never parsed as HTML
        assert "points <b>&amp;</b>" in driver.execute_script("return document.body.innerText")
        rows = driver.execute_script("return document.querySelectorAll('table.summary tbody tr').length")
        assert rows >= 2 * 18                                # two designs x at least the core metrics
        sizes = driver.execute_script(
            "return Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight])")
        assert len(sizes) >= 10 and all(w > 0 and h > 0 for w, h in sizes), sizes
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        # on a phone-sized window nothing overflows the page sideways (wide tables scroll in place)
        driver.set_window_size(390, 844)
        width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        # and it prints: a PDF of several pages, without the navigation bar
        from selenium.webdriver.common.print_page_options import PrintOptions

        pdf = base64.b64decode(driver.print_page(PrintOptions()))
        assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") > 3
    finally:
        driver.quit()
