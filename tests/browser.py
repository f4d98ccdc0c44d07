"""Headless Chromium for the browser tests, started one way: Debian's chromium through
``/usr/bin/chromedriver`` (nothing downloaded: an explicit driver path, SE_OFFLINE=true), with
the flags a closed network needs. Missing outside CI: the test skips; with ``CI=true`` it
fails (CI must install it, see .ci/run)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()),
    shutil.which("chromium"),
)
CHROMEDRIVER = (
    "/usr/bin/chromedriver"
    if Path("/usr/bin/chromedriver").exists()
    else (shutil.which("chromedriver"))
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1200,900",
)


def missing(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why}; CI must install it (see .ci/run)")
    pytest.skip(why)


@contextmanager
def chromium(offline: bool) -> Iterator[Any]:
    """A selenium driver of headless Chromium that logs the console; ``offline``: the network
    emulated offline and every http(s) URL blocked (a page must need nothing from it)."""
    if not CHROMIUM or not CHROMEDRIVER:
        missing("Chromium or chromedriver not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium not installed (pip install -e '.[dev]')")
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download a driver
    profile = tempfile.mkdtemp(prefix="llmecon-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    try:
        if offline:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd(
                "Network.emulateNetworkConditions",
                {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            )
            driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def severe(driver: Any) -> list[str]:
    """The console messages of severity SEVERE since the last read."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
