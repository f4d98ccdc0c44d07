"""CLI command ``report``: a decision document people can share.

``llmecon report SCENARIO -o report.html`` writes one self-contained HTML file (charts and
their JavaScript inline; opens with no network); ``--format md`` writes Markdown with SVG
charts in a folder beside it; ``--format json`` the evaluation JSON plus the analyses.
Registered on the main app by ``register(app)``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from llmecon.cli_common import fail, friendly_errors
from llmecon.scenario import load_scenario


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"


def report_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: report.html/.md/.json)."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html, md or json.")
    ] = ReportFormat.html,
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Monte Carlo samples (uncertainty section).")
    ] = 5_000,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = 0,
) -> None:
    """Write a shareable decision report (HTML that opens offline, Markdown, or JSON).

    Recommendation, cost tables, charts (cumulative cost, volume break-even, pillars,
    tornado, Monte Carlo), assumptions, sources and overrides.

    Example: llmecon report examples/support_bot.yaml -o report.html
    """
    from llmecon.report.render import write_report

    out = output or Path(f"report.{fmt.value}")
    if samples < 1:
        fail([f"--samples must be at least 1 (got {samples})"])
    with friendly_errors():
        s = load_scenario(scenario)
        written = write_report(s, out, fmt.value, samples, seed)
    extra = written[1:]
    if extra:
        typer.echo(f"wrote {out} and {len(extra)} charts in {extra[0].parent}/")
    else:
        typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``report`` to a Typer app."""
    app.command("report")(report_cmd)
