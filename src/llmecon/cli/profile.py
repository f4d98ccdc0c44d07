"""``llmecon profile``: a workload profile from real usage exports and logs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmecon.cli.output import console, fail, friendly_errors, print_json, print_table, table
from llmecon.fmt import money, si

if TYPE_CHECKING:
    from rich.console import Console

    from llmecon.usage.profile import UsageProfile

#: Inputs at least this large get a progress bar (in a terminal). [bytes]
PROGRESS_BYTES = 50_000_000


class UsageFormat(StrEnum):
    auto = "auto"
    openai_usage = "openai-usage"
    anthropic_usage = "anthropic-usage"
    litellm = "litellm"
    langfuse = "langfuse"
    helicone = "helicone"
    csv = "csv"


def parse_map(items: list[str] | None) -> dict[str, str]:
    """``--map`` pairs as field -> column: ``timestamp=created_at`` or, the other way round,
    ``created_at=timestamp`` (whichever side names a field; the field first when both do)."""
    from llmecon.usage.formats import MAP_KEYS

    out: dict[str, str] = {}
    for item in items or []:
        for pair in item.split(","):
            key, sep, col = (x.strip() for x in pair.partition("="))
            if not sep or not key or not col:
                fail(
                    [f"--map: {pair!r} is not FIELD=COLUMN; write e.g. --map timestamp=created_at"]
                )
            if key not in MAP_KEYS and col in MAP_KEYS:
                key, col = col, key
            out[key] = col
    return out


def load_profile(
    files: list[Path],
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    since: str | None = None,
    until: str | None = None,
    models: list[str] | None = None,
    show_progress: bool = True,
) -> UsageProfile:
    """Profile the files; input errors exit with one line each; a progress bar on stderr
    for large inputs in a terminal."""
    from llmecon.usage import profile_files
    from llmecon.usage.read import file_bytes

    with friendly_errors():
        big = show_progress and file_bytes(files) >= PROGRESS_BYTES
        if not big:
            return profile_files(files, fmt, mapping, since, until, models)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        err = Console(stderr=True)
        if not err.is_terminal:
            return profile_files(files, fmt, mapping, since, until, models)
        with Progress(
            TextColumn("scanning usage"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("scan", total=1.0)
            return profile_files(
                files,
                fmt,
                mapping,
                since,
                until,
                models,
                progress=lambda x: bar.update(task, completed=x),
            )
    raise AssertionError("unreachable")  # pragma: no cover


def profile_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Usage exports: CSV, JSON, JSONL or Parquet (.gz too).")
    ],
    fmt: Annotated[
        UsageFormat,
        typer.Option("--format", "-f", help="The export's source (auto: detect from the columns)."),
    ] = UsageFormat.auto,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN for other tables: timestamp, input, output, model (required), cached, requests, spend, project, provider, status, latency_ms, ttft_ms, end_timestamp.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="First day or time kept (ISO 8601; UTC unless an offset is given)."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="First day or time left out.")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", help="Keep only this model (repeatable).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the workload: and uncertainty: sections to this YAML file.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The whole profile as JSON.")] = False,
) -> None:
    """Profile real usage: requests, tokens, cache share, traffic shape, growth, bill.

    Reads OpenAI and Anthropic usage exports, LiteLLM SpendLogs, Langfuse observations,
    Helicone requests, or any table with --map, and prints the workload section of a
    scenario, the traffic charts and the bill priced at llmecon's API prices.

    Example: llmecon profile examples/usage/support_bot_spendlogs.csv -o workload.yaml
    """
    prof = load_profile(files, fmt.value, parse_map(mapping), since, until, model)
    if output is not None:
        with friendly_errors():
            output.write_text(prof.yaml_text(), encoding="utf-8")
    if as_json:
        print_json(prof.to_dict())
    else:
        render_profile(prof, console())
    if output is not None:
        typer.echo(f"wrote {output}", err=as_json)


def _n(x: float | None, digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def render_profile(p: UsageProfile, out: Console) -> None:
    """The human form of ``profile``."""
    from rich.markup import escape

    from llmecon.usage.charts import text_charts

    out.print(
        f"[bold]{escape(p.format_label)}[/bold] — {len(p.files)} file(s), "
        f"{p.rows_used:,} rows used of {p.rows_read:,}, {p.start} to {p.end} UTC "
        + (
            f"({p.covered_hours / 24:,.1f} days)"
            if p.covered_hours >= 48
            else f"({p.covered_hours:,.0f} hours)"
        )
    )
    line = p.malformed_line()
    if line:
        out.print(f"[yellow]{escape(line)}[/yellow]")
    if p.requests_per_month is not None:
        out.print(f"Requests per month: {si(p.requests_per_month)} ({p.requests_per_month:,.0f})")
    out.print(
        f"Tokens per month: {si(p.input_tokens_per_month)} input, "
        f"{si(p.output_tokens_per_month)} output; cached input share {p.cached_input_share:.1%}"
    )
    t = table("tokens per request", "mean", "p50", "p90", "p99", names=("tokens per request",))
    for name, s in (("input", p.input_tokens), ("output", p.output_tokens)):
        t.add_row(name, _n(s.mean, 1), _n(s.p50), _n(s.p90), _n(s.p99))
    if p.input_tokens.mean is not None:
        print_table(out, t)
    for title, groups in (("model", p.models), ("project", p.projects)):
        if not groups or (title == "project" and len(groups) < 1):
            continue
        g = table(title, "requests/month", "share", "input/req", "output/req", names=(title,))
        for x in groups:
            g.add_row(
                escape(x.name),
                _n(x.requests_per_month),
                f"{x.share:.1%}",
                _n(x.input_tokens_mean, 1),
                _n(x.output_tokens_mean, 1),
            )
        print_table(out, g)
    if p.growth is not None:
        gr = p.growth
        ci = (
            f" (95 % interval {gr.low:+.1%} to {gr.high:+.1%})"
            if gr.low is not None and gr.high is not None
            else " (two months: no interval)"
        )
        out.print(f"Monthly growth: {gr.monthly:+.2%}{ci}, fitted on {gr.months} months")
    if p.peak_to_average is not None:
        out.print(f"Peak to average (busiest hour): {p.peak_to_average:.2f}")
    lat = []
    if p.ttft_s is not None:
        lat.append(
            f"TTFT mean {p.ttft_s.mean:.3f} s"
            + (f", p90 {p.ttft_s.p90:.3f} s" if p.ttft_s.p90 is not None else "")
        )
    if p.latency_s is not None:
        lat.append(
            f"total mean {p.latency_s.mean:.3f} s"
            + (f", p90 {p.latency_s.p90:.3f} s" if p.latency_s.p90 is not None else "")
        )
    if lat:
        out.print("Observed latency: " + "; ".join(lat))
    if p.failure_share is not None:
        out.print(f"Failed requests: {p.failure_share:.2%}")
    for line in text_charts(p):
        out.print(escape(line), highlight=False)
    r = p.reconciliation
    if r is not None and r.lines:
        t = table(
            "month",
            "model",
            "requests",
            "logged",
            "llmecon prices",
            "difference",
            title="The bill: logged spend against llmecon's API prices",
            names=("month", "model"),
        )
        for x in r.lines:
            t.add_row(
                x.month,
                escape(x.model),
                _n(x.requests),
                money(x.logged_usd),
                money(x.priced_usd),
                money(x.difference_usd),
            )
        print_table(out, t)
        out.print(escape(r.explain()))
    out.print("[bold]workload:[/bold] (paste into a scenario, or use evaluate --usage)")
    for yl in p.yaml_text().splitlines():
        out.print("  " + escape(yl), highlight=False)
    for n in p.notes:
        out.print(f"[dim]note: {escape(n)}[/dim]")
