"""The page in a real browser: Debian's headless Chromium driven by selenium (the same driver
set-up as the report's browser test), against ``llmecon serve``'s app run by uvicorn on a
free loopback port in a thread, on a temporary SQLite database.

Checks: the page opens and draws with no console errors; moving the volume slider (with the
keyboard) updates the headline, the recommendation block and the volume chart; a saved
scenario is found in the saved list after a reload, and its permalink opens it; the page
fits a phone's width. Screenshots go to ``artifacts/`` under the repository root
(``web.png``, ``web-slider.png``, ``web-phone.png``); their folder is printed.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn")

from tests.browser import chromium, severe
from tests.conftest import ROOT

ARTIFACTS = ROOT / "artifacts"
#: Longest wait for the page to answer an action. [s]
WAIT_S = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    import uvicorn

    from llmecon.web.app import create_app

    db = Path(tempfile.mkdtemp(prefix="llmecon-web-browser-")) / "web.db"
    port = _free_port()
    config = uvicorn.Config(
        create_app(f"sqlite:///{db}"), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(int(WAIT_S / 0.05)):  # a bounded number of polls, not a timed assert
        if srv.started:
            break
        if not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    else:
        pytest.fail("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium as the report's test starts it, with the network on: the page talks
    to the loopback server (that nothing else is loaded is checked from the page itself)."""
    with chromium(offline=False) as driver:
        yield driver


def _wait(driver: Any, js: str, what: str) -> Any:
    """Poll a JavaScript expression until it is truthy (a bounded number of polls); fail
    naming ``what``."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT_S, poll_frequency=0.1).until(
            lambda d: d.execute_script(f"return {js};")
        )
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}")


def _shot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))
    print(f"screenshot: {ARTIFACTS / name}")


def _drawn(driver: Any) -> int:
    """The view revision drawn once every chart holds it."""
    rev = _wait(driver, "document.body.dataset.viewRev", "the first result")
    _wait(
        driver,
        "['cumulative','volume','pillars','tornado'].every(n => "
        f"document.getElementById('chart-' + n).dataset.rev === '{rev}' && "
        "document.querySelector('#chart-' + n + ' svg.main-svg'))",
        "every chart to draw",
    )
    return int(rev)


def test_page_opens_slider_updates_and_save_survives_reload(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 1000)
    browser.get(server + "/")
    rev = _drawn(browser)
    assert severe(browser) == []
    headline = browser.find_element(By.ID, "headline").text
    assert headline.startswith("support-bot — 36 months, 20,000,000 requests/month")
    assert browser.find_element(By.ID, "recommendation").text == "Recommendation: llama-70b-spot"
    assert browser.find_elements(By.CSS_SELECTOR, "#options-table tbody tr")
    base_x = browser.execute_script(
        "return document.getElementById('chart-volume').layout.shapes[0].x0;"
    )
    assert base_x == 20_000_000
    # every file the page loaded came from the server itself
    hosts = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).host);"
    )
    assert hosts and set(hosts) == {server.removeprefix("http://")}
    # the whole page, grown to its height
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1280, min(height + 40, 8000))
    _shot(browser, "web.png")
    browser.set_window_size(1280, 1000)

    # the keyboard moves the slider: Home is its lowest position, base / 100
    slider = browser.find_element(By.ID, "s-volume")
    slider.send_keys(Keys.HOME)
    _wait(browser, f"Number(document.body.dataset.viewRev) > {rev}", "the slider's result")
    _drawn(browser)
    assert browser.find_element(By.ID, "o-volume").text == "200,000 requests/month"
    headline = browser.find_element(By.ID, "headline").text
    # 200,000 requests x (2,000 + 300) tokens = 460M tokens per month
    assert headline == "support-bot — 36 months, 200,000 requests/month (460M tokens/month)"
    moved_x = browser.execute_script(
        "return document.getElementById('chart-volume').layout.shapes[0].x0;"
    )
    assert moved_x == 200_000
    # at 1% of the volume an API option wins instead of the spot GPUs
    assert browser.find_element(By.ID, "recommendation").text != "Recommendation: llama-70b-spot"
    assert severe(browser) == []
    _shot(browser, "web-slider.png")

    # save, reload, find it in the list
    name = browser.find_element(By.ID, "save-name")
    name.clear()
    name.send_keys("browser test bot")
    browser.find_element(By.ID, "save").click()
    _wait(
        browser,
        "document.getElementById('save-status').textContent.startsWith('Saved')",
        "the save",
    )
    assert "/s/" in browser.current_url and browser.current_url.endswith("?version=1")
    browser.refresh()
    _drawn(browser)
    names = _wait(
        browser,
        "Array.from(document.querySelectorAll('#saved-list a')).map(a => a.textContent)"
        ".filter(t => t === 'browser test bot')",
        "the saved scenario in the list",
    )
    assert names == ["browser test bot"]
    assert browser.find_element(By.ID, "save-name").get_attribute("value") == "browser test bot"
    assert "version 1" in browser.find_element(By.ID, "history").text
    assert severe(browser) == []

    # a phone's width: nothing wider than the screen
    browser.set_window_size(390, 844)
    time.sleep(0.5)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
    )
    assert overflow <= 0
    _shot(browser, "web-phone.png")
    browser.set_window_size(1200, 900)
