"""``llmecon profile``, ``evaluate --usage`` and ``report --usage`` through the CLI's test
runner, on exact output. The known week of ``tests/test_usage_profile.py``: 14 requests over
168 hours, 2,000 / 200 tokens per request, 37.5 % cached."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import Result
from typer.testing import CliRunner

from llmecon.cli import app
from tests.conftest import EXAMPLES
from tests.test_usage_profile import write_litellm, write_mapped

runner = CliRunner()
SAMPLE = EXAMPLES / "usage" / "support_bot_spendlogs.csv"


def test_profile_text_summary(tmp_path: Path) -> None:
    f = write_litellm(tmp_path / "spend.csv")
    r = runner.invoke(app, ["profile", str(f)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == (
        "LiteLLM SpendLogs — 1 file(s), 14 rows used of 14, 2026-01-05 00:00 to "
        "2026-01-12 00:00 UTC (7.0 days)"
    )
    # 14 requests / (168 h / 730.5 h per month) = 60.875
    assert lines[1] == "Requests per month: 60.9 (61)"
    assert lines[2] == "Tokens per month: 122k input, 12.2k output; cached input share 37.5%"
    assert "Peak to average (busiest hour): 12.00" in lines
    assert "Failed requests: 7.14%" in lines
    assert (
        "Observed latency: TTFT mean 0.500 s, p90 0.500 s; total mean 2.000 s, p90 2.000 s" in lines
    )
    assert "    requests_per_month: 61" in lines
    assert "    input_tokens: 2000.0" in lines
    assert "    cached_input_share: 0.375" in lines
    assert "SECRET" not in r.output


def test_profile_json_and_yaml_file(tmp_path: Path) -> None:
    f = write_litellm(tmp_path / "spend.csv")
    out = tmp_path / "workload.yaml"
    r = runner.invoke(app, ["profile", str(f), "--json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["format"] == "litellm"
    assert data["requests"] == 14
    assert data["workload"]["requests_per_month"] == 61
    assert data["charts"]["hour_of_week"]["values"][0] == 12.0  # Monday 00h
    assert data["reconciliation"]["logged_usd"] == 0.084
    written = yaml.safe_load(out.read_text())
    assert written["workload"] == data["workload"]
    assert "SECRET" not in out.read_text() and "SECRET" not in r.stdout


def test_profile_mapped_csv_from_the_command_line(tmp_path: Path) -> None:
    f = write_mapped(tmp_path / "mine.csv")
    r = runner.invoke(
        app,
        [
            "profile",
            str(f),
            "--json",
            "--map",
            "timestamp=created,llm=model",  # either order
            "--map",
            "input=in_tok",
            "--map",
            "output=out_tok",
            "--map",
            "cached=hit_tok",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["format"] == "csv" and data["requests"] == 14
    assert data["cached_input_share"] == 0.375


def test_profile_errors_are_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    r = runner.invoke(app, ["profile", str(empty)])
    assert r.exit_code == 2
    assert r.output == f"error: {empty}: the file is empty; export some usage first\n"
    r = runner.invoke(app, ["profile", str(tmp_path / "nope.csv")])
    assert r.output == f"error: {tmp_path / 'nope.csv'}: no such file; check the path\n"
    r = runner.invoke(app, ["profile", str(empty), "--map", "timestamp"])
    assert (
        r.output
        == "error: --map: 'timestamp' is not FIELD=COLUMN; write e.g. --map timestamp=created_at\n"
    )
    f = write_litellm(tmp_path / "s.csv")
    r = runner.invoke(app, ["profile", str(f), "--since", "last tuesday"])
    assert r.output == (
        "error: --since: 'last tuesday' is not a date; give one like 2026-01-31 or "
        "2026-01-31T12:00\n"
    )


def test_evaluate_with_usage_on_the_shipped_sample() -> None:
    r = runner.invoke(
        app,
        [
            "evaluate",
            str(EXAMPLES / "support_bot.yaml"),
            "--usage",
            str(SAMPLE),
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["usage"][0].startswith("workload from usage files (support_bot_spendlogs.csv):")
    w = data["scenario"]["workload"]
    prof = runner.invoke(app, ["profile", str(SAMPLE), "--json"])
    expected = json.loads(prof.stdout)["workload"]
    for k, v in expected.items():
        assert w[k] == v, k
    text = runner.invoke(
        app, ["evaluate", str(EXAMPLES / "support_bot.yaml"), "--usage", str(SAMPLE)]
    )
    assert text.output.splitlines()[0].startswith(
        "workload from usage files (support_bot_spendlogs.csv)"
    )


def test_report_has_a_your_traffic_section(tmp_path: Path) -> None:
    def report_to(path: Path) -> Result:
        args = ["report", str(EXAMPLES / "support_bot.yaml"), "--usage", str(SAMPLE)]
        return runner.invoke(app, [*args, "-o", str(path), "-n", "200"])

    md = tmp_path / "r.md"
    r = report_to(md)
    assert r.exit_code == 0, r.output
    text = md.read_text()
    assert "## Your traffic" in text
    for chart in ("usage_hour_of_week.svg", "usage_token_histogram.svg", "usage_monthly.svg"):
        assert (tmp_path / "r_files" / chart).exists()
        assert f"r_files/{chart}" in text
    html = tmp_path / "r.html"
    r = report_to(html)
    assert r.exit_code == 0, r.output
    page = html.read_text()
    assert '<section id="traffic">' in page and "chart-usage-hour_of_week" in page
    js = tmp_path / "r.json"
    report_to(js)
    assert json.loads(js.read_text())["usage"]["format"] == "litellm"


def test_sample_is_reproducible(tmp_path: Path) -> None:
    """The shipped sample is what its generator writes (fixed seed)."""
    import runpy

    mod = runpy.run_path(str(EXAMPLES / "usage" / "make_sample.py"), run_name="not_main")
    before = SAMPLE.read_bytes()
    mod["OUT"] = tmp_path / "again.csv"
    main = mod["main"]
    main.__globals__["OUT"] = tmp_path / "again.csv"
    main()
    assert (tmp_path / "again.csv").read_bytes() == before
