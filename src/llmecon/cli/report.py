"""``llmecon report``: a decision document people can share.

``llmecon report SCENARIO -o report.html`` writes one self-contained HTML file (charts and
their JavaScript inline; opens with no network); ``-o report.md`` writes Markdown with SVG
charts in a folder beside it; ``-o report.json`` the evaluation JSON plus the analyses. The
format follows the file's extension; ``--format`` picks it for other names.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from llmecon.cli.output import fail, friendly_errors


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"


#: File extension -> the format it implies.
EXTENSIONS: dict[str, ReportFormat] = {
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".md": ReportFormat.md,
    ".markdown": ReportFormat.md,
    ".json": ReportFormat.json,
}


def output_and_format(output: Path | None, fmt: ReportFormat | None) -> tuple[Path, ReportFormat]:
    """The file to write and its format: from ``--format`` and the extension of ``-o``, which
    must agree when both are given; html when neither says."""
    if output is None:
        f = fmt or ReportFormat.html
        return Path(f"report.{f.value}"), f
    implied = EXTENSIONS.get(output.suffix.lower())
    if fmt is not None and implied is not None and fmt is not implied:
        fail(
            [
                f"{output}: the extension {output.suffix} means --format {implied.value}, but "
                f"--format {fmt.value} was given; drop --format, or write to "
                f"{output.with_suffix('.' + fmt.value)}"
            ]
        )
    return output, fmt or implied or ReportFormat.html


def report_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write; .html/.htm, .md or .json picks the format (default: report.html).",
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="html, md or json (default: from the -o extension, else html).",
            show_default=False,
        ),
    ] = None,
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Monte Carlo samples (uncertainty section).")
    ] = 5_000,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = 0,
    usage: Annotated[
        list[Path] | None,
        typer.Option(
            "--usage",
            help="Usage exports: their profile replaces the workload and adds a 'Your traffic' section (repeatable).",
        ),
    ] = None,
) -> None:
    """Write a shareable decision report (HTML that opens offline, Markdown, or JSON).

    Recommendation, cost tables, charts (cumulative cost, volume break-even, pillars,
    tornado, Monte Carlo), assumptions, sources and overrides.

    Example: llmecon report examples/support_bot.yaml -o report.html
    """
    out, f = output_and_format(output, fmt)
    if samples < 1:
        fail([f"--samples: must be at least 1 (got {samples}); pass --samples 1 or more"])
    from llmecon.report.render import write_report
    from llmecon.scenario import load_scenario

    prof = None
    if usage:
        from llmecon.cli.profile import load_profile

        prof = load_profile(usage)
    with friendly_errors():
        s = load_scenario(scenario)
        if prof is not None:
            from llmecon.usage import apply_to_scenario

            s, _ = apply_to_scenario(s, prof)
        usage_kw = {} if prof is None else {"usage": prof}  # only when given
        written = write_report(s, out, f.value, samples, seed, **usage_kw)
    extra = written[1:]
    if extra:
        typer.echo(f"wrote {out} and {len(extra)} charts in {extra[0].parent}/")
    else:
        typer.echo(f"wrote {out}")
