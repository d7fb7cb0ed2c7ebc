"""Headless Chromium for the report's browser tests: Debian's `chromium` driven through its own
`chromedriver` (the same version, both from the distribution) with Selenium.

A missing browser fails the tests (CI installs it in .ci/run); only RSPDSL_NO_BROWSER=1, set on
purpose, turns them into skips on a machine without one.
"""
from __future__ import annotations

import os
import shutil

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=1280,1600")


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_paths() -> tuple[str, str]:
    chromium = _binary("chromium", "chromium-browser")
    driver = _binary("chromedriver")
    if chromium and driver:
        return chromium, driver
    missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p)
    if os.environ.get("RSPDSL_NO_BROWSER") == "1":
        pytest.skip(f"{missing} not installed and RSPDSL_NO_BROWSER=1")
    pytest.fail(f"{missing} not installed: `apt-get install -y chromium chromium-driver` (.ci/run does), "
                "or set RSPDSL_NO_BROWSER=1 to skip the browser tests on purpose", pytrace=False)


def start(javascript: bool):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_paths()
    # both paths are given, so Selenium Manager has nothing to find; keep it offline regardless
    os.environ.setdefault("SE_OFFLINE", "true")
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
