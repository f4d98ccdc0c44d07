"""CLI commands of the decision analyses: ``breakeven``, ``sensitivity``, ``simulate``.

Registered on the main app by ``register(app)``. Human output is rich tables; ``--json``
prints the analysis's ``to_dict()`` (shapes documented in the README section "Decision
analysis JSON"). Input errors print one ``error:`` line per problem to stderr and exit with
status 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from llmecon.analysis._common import fmt_value
from llmecon.cli_common import console, friendly_errors, money
from llmecon.scenario import load_scenario

#: Sample counts above which ``simulate`` shows a progress bar. [-]
PROGRESS_ABOVE = 20_000


def _console(c: Console | None) -> Console:
    return c or console()


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, allow_nan=False))


def breakeven_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    between: Annotated[
        tuple[str, str] | None,
        typer.Option("--between", help="Two option names (default: the two cheapest)."),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="Parameter path to sweep (default: workload.requests_per_month)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    console: Console | None = None,
) -> None:
    """Where two options cost the same, and the month their cumulative costs cross.

    Sweeps monthly volume, or any numeric input with --on PARAM, by NPV, total cost and
    monthly run-rate.

    Example: llmecon breakeven examples/classification.yaml --between qwen-1.5b-slm gpt-4o
    """
    from llmecon.analysis.breakeven import breakeven_report

    with friendly_errors():
        s = load_scenario(scenario)
        a, b = between if between else (None, None)
        report = breakeven_report(s, a, b, on)
    if as_json:
        _print_json(report.to_dict())
        return
    out = _console(console)
    out.print(f"[bold]Break-even: {report.option_a} vs {report.option_b}[/bold]")
    t = Table("parameter", "metric", "searched range", "crossings", "cheaper at base")
    for r in report.results:
        xs = ", ".join(
            f"{fmt_value(r.parameter, c.value)} ({c.cheaper_above} above)" for c in r.crossings
        )
        t.add_row(
            r.parameter,
            r.metric,
            f"{fmt_value(r.parameter, r.low)} – {fmt_value(r.parameter, r.high)} ({r.scale})",
            xs or "none",
            r.base_cheaper or "tie",
        )
    out.print(t)
    for r in report.results:
        out.print(f"• {r.explain()}")
    if report.crossover is not None:
        out.print(f"• {report.crossover.explain()}")


def sensitivity_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    top: Annotated[int, typer.Option("--top", help="Rows per tornado.")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    console: Console | None = None,
) -> None:
    """Swing every input one at a time and rank what moves the answer (tornado data).

    Ranges come from the scenario's uncertainty section, else +-30 %.

    Example: llmecon sensitivity examples/internal_assistant.yaml --json
    """
    from llmecon.analysis.sensitivity import sensitivity

    with friendly_errors():
        s = load_scenario(scenario)
        result = sensitivity(s)
    if as_json:
        _print_json(result.to_dict())
        return
    out = _console(console)
    d = result.difference
    if d is not None:
        t = Table(
            "parameter",
            "low",
            "high",
            "range from",
            f"{d.output} at low",
            "at high",
            "swing",
            "flips?",
            title=f"Tornado of the NPV gap (base {money(d.base_usd)}; below 0: {result.option_a} wins)",
        )
        for sw in d.swings[:top]:
            t.add_row(
                sw.parameter,
                fmt_value(sw.parameter, sw.low),
                fmt_value(sw.parameter, sw.high),
                sw.source,
                money(sw.at_low_usd),
                money(sw.at_high_usd),
                money(sw.swing_usd),
                "yes" if sw.flips else "",
            )
        out.print(t)
    t = Table(
        "option",
        "base NPV",
        "largest swings (parameter: low → high NPV)",
        title="NPV tornado per option",
    )
    for name, tor in result.options.items():
        lines = [
            f"{sw.parameter}: {money(sw.at_low_usd)} → {money(sw.at_high_usd)}"
            for sw in tor.swings[:3]
        ]
        t.add_row(name, money(tor.base_usd), "\n".join(lines))
    out.print(t)
    out.print(f"• {result.explain()}")
    out.print(
        f"• {len(result.parameters)} parameters swung (default ±{result.default_swing:.0%} where the "
        f"uncertainty section gives no range); {len(result.skipped)} left out"
    )


def simulate_cmd(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML file with an uncertainty section.")
    ],
    samples: Annotated[int, typer.Option("--samples", "-n", help="Monte Carlo samples.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    console: Console | None = None,
) -> None:
    """Monte Carlo over the uncertainty section: cost percentiles and P(cheapest).

    Also says how robust the recommendation is. Seeded and reproducible.

    Example: llmecon simulate examples/support_bot.yaml --samples 100000 --seed 7
    """
    from llmecon.analysis.uncertainty import simulate

    out = _console(console)
    with friendly_errors():
        s = load_scenario(scenario)
        if samples > PROGRESS_ABOVE and not as_json:
            with Progress(
                TextColumn("simulating"),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,}"),
                TimeElapsedColumn(),
                console=out,
                transient=True,
            ) as bar:
                task = bar.add_task("mc", total=samples)
                result = simulate(
                    s, samples, seed, progress=lambda done, _: bar.update(task, completed=done)
                )
        else:
            result = simulate(s, samples, seed)
    if as_json:
        _print_json(result.to_dict())
        return
    t = Table(
        "option",
        "NPV P10",
        "NPV P50",
        "NPV P90",
        "total P50",
        "P(feasible)",
        "P(cheapest)",
        title=f"Monte Carlo, {result.samples:,} samples, seed {result.seed} ({result.seconds:.2f} s)",
    )
    for o in result.options:
        t.add_row(
            o.name,
            money(o.npv_usd.p10),
            money(o.npv_usd.p50),
            money(o.npv_usd.p90),
            money(o.total_usd.p50),
            f"{o.p_feasible:.0%}",
            f"{o.p_cheapest:.1%}",
        )
    out.print(t)
    out.print(f"• {result.explain()}")
    for note in result.notes:
        out.print(f"• note: {note}")


def register(app: typer.Typer) -> None:
    """Add ``breakeven``, ``sensitivity`` and ``simulate`` to a Typer app."""
    app.command("breakeven")(_no_console(breakeven_cmd))
    app.command("sensitivity")(_no_console(sensitivity_cmd))
    app.command("simulate")(_no_console(simulate_cmd))


def _no_console(fn: Any) -> Any:
    """The command without its ``console`` parameter (which Typer cannot parse)."""
    import functools
    import inspect
    import typing

    hints = typing.get_type_hints(fn, include_extras=True)
    sig = inspect.signature(fn)
    params = [
        p.replace(annotation=hints.get(name, p.annotation))
        for name, p in sig.parameters.items()
        if name != "console"
    ]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper
