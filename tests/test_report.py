"""The decision report: HTML (self-contained), Markdown (+ SVG charts), JSON, notebook charts."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmecon import evaluate, load_scenario
from llmecon.cli import app
from llmecon.report.overrides import overrides_applied
from llmecon.report.render import SECTIONS, collect, render_html, write_report
from tests.conftest import EXAMPLES, ROOT, START_YAML

runner = CliRunner()
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
IDS = [p.stem for p in EXAMPLE_FILES]

OVERRIDES_YAML = (
    START_YAML
    + """\
name: overrides
horizon_months: 24
discount_rate_annual: 0.1
workload: {requests_per_month: 2000000, input_tokens: 1000, output_tokens: 200}
organisation: {engineer_usd_per_hour: 90}
options:
  - name: mini
    kind: api
    provider: openai
    model: gpt-4o-mini
    prices: {input_per_mtok: 0.1, output_per_mtok: 0.5}
  - name: h100
    kind: self_hosted
    model: llama-3.1-8b
    gpu: H100
    precision: fp8
    usd_per_gpu_hour: 2.5
    measured_requests_per_s: 20
"""
)


def _headings(text: str, pattern: str) -> list[str]:
    return re.findall(pattern, text)


def _expected_sections(path: Path) -> list[str]:
    """Every section title in order; "Cheapest configurations" after the options table when
    the scenario has an ``auto`` option (examples/fleet_auto.yaml)."""
    titles = [t for _, t in SECTIONS]
    if path.stem == "fleet_auto":
        titles.insert(2, "Cheapest configurations")
    return titles


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=IDS)
def test_html_report_is_one_offline_file_with_every_section(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    written = write_report(load_scenario(path), out, "html")
    assert written == [out] and sorted(tmp_path.iterdir()) == [out]
    html = out.read_text(encoding="utf-8")
    # sections in order (the fleet search's after the options table, for an auto option)
    assert _headings(html, r"<h2>(.*?)</h2>") == [
        t.replace("'", "&#x27;") for t in _expected_sections(path)
    ]
    # plotly.js inline, nothing fetched: no external script, stylesheet, font or image
    assert "Plotly" in html and len(html) > 1_000_000
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html)
    assert "cdn." not in html.split("<script", 1)[0]
    for chart in ("cumulative", "volume", "pillars", "tornado", "distributions"):
        assert f'id="chart-{chart}"' in html
    # recommendation at the top, before the first chart
    ev = evaluate(load_scenario(path))
    assert ev.recommendation.option is not None
    assert html.index(f"<strong>{ev.recommendation.option}</strong>") < html.index(
        "chart-cumulative"
    )
    # how long it takes is measured by benchmarks/report_speed.py, not asserted here


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=IDS)
def test_markdown_report_images_resolve_to_valid_svg(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    write_report(load_scenario(path), out, "md")
    text = out.read_text(encoding="utf-8")
    assert _headings(text, r"(?m)^## (.*)$") == _expected_sections(path)
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(images) == 5 + (path.stem == "fleet_auto")  # + the Pareto front
    for rel in images:
        assert not rel.startswith(("/", "http")), rel
        assert rel.startswith("report_files/")
        file = out.parent / rel
        assert file.is_file(), rel
        root = ET.fromstring(file.read_text(encoding="utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        drawn = [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] in ("polyline", "rect")]
        # the Pareto front is one line over the background; the other charts draw more
        assert len(drawn) > (1 if rel.endswith("pareto.svg") else 3), f"{rel} draws nothing"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=IDS)
def test_json_report_has_the_analyses(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    write_report(load_scenario(path), out, "json")
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["schema_version"] == 1 and data["options"] and data["recommendation"]["option"]
    assert data["breakeven"]["breakevens"][0]["parameter"] == "workload.requests_per_month"
    assert data["sensitivity"]["difference"]["swings"]
    assert data["simulate"]["samples"] == 5000
    expected = {
        "classification": [
            "organisation.traced_share",
            "options.qwen-1.5b-slm.training.examples",
        ]
    }.get(path.stem, [])
    assert [o["path"] for o in data["overrides"]] == expected


def test_overrides_are_listed_with_what_they_replace(write) -> None:
    s = load_scenario(write(OVERRIDES_YAML))
    ov = {o.path: o for o in overrides_applied(s)}
    assert set(ov) == {
        "organisation.engineer_usd_per_hour",
        "discount_rate_annual",
        "options.mini.prices",
        "options.h100.usd_per_gpu_hour",
        "options.h100.measured_requests_per_s",
    }
    assert ov["options.h100.usd_per_gpu_hour"].value == 2.5
    # the catalog median it replaced is a real, different number
    assert float(ov["options.h100.usd_per_gpu_hour"].replaced or "nan") > 2.5
    assert ov["options.mini.prices"].value == {"input_per_mtok": 0.1, "output_per_mtok": 0.5}
    assert "input_per_mtok 0.15" in (ov["options.mini.prices"].replaced or "")
    assert ov["discount_rate_annual"].replaced == "0.08"
    assert ov["options.h100.measured_requests_per_s"].replaced is None
    assert "predicted throughput" in ov["options.h100.measured_requests_per_s"].replaced_source
    html = render_html(collect(s, samples=100))
    section = html[html.index('id="overrides"') :]
    for path in ov:
        assert path in section


def test_report_without_uncertainty_or_second_option(write, tmp_path: Path) -> None:
    s = load_scenario(
        write(
            START_YAML + "name: one\n"
            "workload: {requests_per_month: 100000, input_tokens: 1000, output_tokens: 200}\n"
            "options:\n  - {name: mini, kind: api, provider: openai, model: gpt-4o-mini}\n"
        )
    )
    html = render_html(collect(s))
    assert "no <code>uncertainty:</code> section" in html
    assert _headings(html, r"<h2>(.*?)</h2>") == [t.replace("'", "&#x27;") for _, t in SECTIONS]
    files = write_report(s, tmp_path / "one.md", "md")
    assert all(f.exists() for f in files) and len(files) == 1 + 4  # no distributions chart


def test_cli_report_writes_each_format(tmp_path: Path) -> None:
    scenario = str(EXAMPLES / "internal_assistant.yaml")
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["report", scenario, "-o", str(html), "--samples", "500"])
    assert res.exit_code == 0, res.output
    assert res.output == f"wrote {html}\n"
    md = tmp_path / "r.md"
    res = runner.invoke(app, ["report", scenario, "-o", str(md), "--format", "md"])
    assert res.exit_code == 0, res.output
    assert res.output == f"wrote {md} and 5 charts in {tmp_path / 'r_files'}/\n"
    js = tmp_path / "r.json"
    res = runner.invoke(app, ["report", scenario, "-o", str(js), "-f", "json", "--seed", "3"])
    assert res.exit_code == 0 and json.loads(js.read_text())["simulate"]["seed"] == 3


def test_cli_report_bad_input_is_one_line(write, tmp_path: Path) -> None:
    bad = write(
        START_YAML + "workload: {requests_per_month: 1, input_tokens: 1, output_tokens: 1}\n"
        "options:\n  - {name: a, kind: self_hosted, model: llama-3.1-8b, gpu: H1000}\n"
    )
    res = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2
    assert res.output.startswith("error: options[0].gpu: unknown GPU 'H1000'")
    assert not (tmp_path / "x.html").exists()


def test_readme_report_example_holds(tmp_path: Path, monkeypatch) -> None:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"\$ llmecon report (\S+) -o (\S+)\n(wrote \S+)\n", text)
    assert m is not None
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["report", str(ROOT / m.group(1)), "-o", m.group(2)])
    assert res.exit_code == 0 and res.output == m.group(3) + "\n"
    assert (tmp_path / m.group(2)).exists()


def test_plot_functions_return_figures() -> None:
    import plotly.graph_objects as go

    from llmecon.report import plots

    ev = evaluate(load_scenario(EXAMPLES / "support_bot.yaml"))
    n = len(ev.options)
    cum = plots.cumulative(ev)
    assert isinstance(cum, go.Figure) and len(cum.data) == n
    assert len(cum.data[0].y) == ev.months
    pil = plots.pillars(ev)
    assert [t.name for t in pil.data] == ["development", "deployment", "sustainability"]
    vol = plots.volume(ev, points=40)
    assert len(vol.data) >= n and len(vol.data[0].x) == 40
    assert vol.layout.xaxis.type == "log"
    tor = plots.tornado(ev, top=5)
    assert len(tor.data) == 2 and len(tor.data[0].y) == 5
    dist = plots.distributions(ev, samples=300, seed=1)
    assert 1 <= len(dist.data) <= n
    assert all("P(cheapest)" in t.name for t in dist.data)
