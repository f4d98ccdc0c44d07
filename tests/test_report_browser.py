"""The HTML report in a real browser: Debian's headless Chromium driven by selenium through
``/usr/bin/chromedriver`` (nothing is downloaded: explicit driver path, SE_OFFLINE=true).

The browser runs with its network emulated offline, so a report that needed anything from
the network would fail to draw its charts and log errors. Checks: every plotly chart drew
its SVG, no console message of severity SEVERE, every section present, no resource loaded
other than the file itself; the Markdown report's images decode. Screenshots go to
``artifacts/`` under the repository root (``artifacts/report.png`` is the support-bot report).

Skips only when Chromium or chromedriver is missing outside CI; with ``CI=true`` a missing
browser fails the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmecon import load_scenario
from llmecon.report.render import SECTIONS, write_report
from tests.browser import chromium, severe
from tests.conftest import EXAMPLES, ROOT

ARTIFACTS = ROOT / "artifacts"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(offline=True) as driver:
        yield driver


def _screenshot(driver: Any, target: Path) -> None:
    """Full-page screenshot (window grown to the page height, capped)."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1200, min(height + 40, 14_000))
    target.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(target))
    assert target.stat().st_size > 10_000
    driver.set_window_size(1200, 900)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_report_renders_offline_in_chromium(browser: Any, path: Path, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    out = tmp_path / f"{path.stem}.html"
    write_report(load_scenario(path), out, "html")
    browser.get_log("browser")  # drop anything from earlier pages
    browser.get(out.as_uri())
    charts = browser.execute_script("return document.querySelectorAll('.plotly-graph-div').length")
    assert charts == 5 + (path.stem == "fleet_auto")  # + the fleet search's Pareto chart

    def drawn(d: Any) -> bool:
        return bool(
            d.execute_script(
                "const g = [...document.querySelectorAll('.plotly-graph-div')];"
                "return g.length > 0 && g.every(x => x.querySelector('.main-svg') !== null"
                " && x.querySelectorAll('.main-svg .trace, .main-svg .bars, .main-svg .violins').length > 0);"
            )
        )

    WebDriverWait(browser, 30).until(drawn)
    assert browser.execute_script("return typeof Plotly") == "object"
    assert severe(browser) == []
    ids = browser.execute_script(
        "return [...document.querySelectorAll('section > h2')].map(h => [h.parentElement.id, h.textContent])"
    )
    expected = list(SECTIONS)
    if path.stem == "fleet_auto":  # the fleet search's section, after the options table
        expected.insert(2, ("configurations", "Cheapest configurations"))
    assert [tuple(x) for x in ids] == expected
    # nothing but the page itself (and inline data) was loaded
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert [r for r in resources if not r.startswith(("file:", "data:", "blob:"))] == []
    # every chart has a visible size
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('.plotly-graph-div')].map(g => [g.clientWidth, g.clientHeight])"
    )
    assert all(w > 300 and h > 200 for w, h in sizes), sizes
    shot = tmp_path / f"{path.stem}.png"
    _screenshot(browser, shot)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / f"report-{path.stem}.png")
    if path.stem == "support_bot":
        shutil.copy(shot, ARTIFACTS / "report.png")
        shutil.copy(out, ARTIFACTS / "report.html")


def test_markdown_charts_decode_in_chromium(browser: Any, tmp_path: Path) -> None:
    """The Markdown report's images, referenced by the same relative paths, decode."""
    import re

    md = tmp_path / "report.md"
    write_report(load_scenario(EXAMPLES / "support_bot.yaml"), md, "md")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md.read_text())
    page = tmp_path / "images.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        + "".join(f'<img src="{src}"><br>' for src in images)
        + "</body></html>"
    )
    browser.get_log("browser")
    browser.get(page.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return [...document.images].every(i => i.complete)")
    )
    sizes = browser.execute_script(
        "return [...document.images].map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert len(sizes) == 5 and all(w >= 800 and h >= 200 for w, h in sizes), sizes
    assert severe(browser) == []
    _screenshot(browser, ARTIFACTS / "report-md-charts.png")
