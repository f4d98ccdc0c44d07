"""The decision analyses: ``breakeven``, ``sensitivity``, ``simulate``.

Human output is rich tables; ``--json`` prints the analysis's ``to_dict()`` (shapes documented
in the README section "Decision analysis JSON"). Input errors print one ``error:`` line per
problem to stderr and exit with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmecon.cli.output import console, friendly_errors, print_json, print_table, table
from llmecon.fmt import money

#: Sample counts above which ``simulate`` shows a progress bar. [-]
PROGRESS_ABOVE = 20_000

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
WorkersOpt = Annotated[
    int, typer.Option("--workers", help="Local processes to price chunks in (1 or more).")
]
DaskOpt = Annotated[
    str | None,
    typer.Option("--dask", help="Dask scheduler address, e.g. tcp://host:8786 (llmecon[dask])."),
]


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
    as_json: JsonFlag = False,
) -> None:
    """Where two options cost the same, and the month their cumulative costs cross.

    Sweeps monthly volume, or any numeric input with --on PARAM, by NPV, total cost and
    monthly run-rate.

    Example: llmecon breakeven examples/classification.yaml --between qwen-1.5b-slm gpt-4o
    """
    from rich.markup import escape

    from llmecon.analysis._common import fmt_value
    from llmecon.analysis.breakeven import breakeven_report
    from llmecon.scenario import load_scenario

    with friendly_errors():
        s = load_scenario(scenario)
        a, b = between if between else (None, None)
        report = breakeven_report(s, a, b, on)
    if as_json:
        print_json(report.to_dict())
        return
    out = console()
    out.print(f"[bold]Break-even: {escape(report.option_a)} vs {escape(report.option_b)}[/bold]")
    t = table(
        "parameter",
        "metric",
        "searched range",
        "crossings",
        "cheaper at base",
        names=("parameter", "metric", "searched range", "crossings", "cheaper at base"),
    )
    for r in report.results:
        xs = ", ".join(
            f"{fmt_value(r.parameter, c.value)} ({c.cheaper_above} above)" for c in r.crossings
        )
        t.add_row(
            escape(r.parameter),
            r.metric,
            f"{fmt_value(r.parameter, r.low)} – {fmt_value(r.parameter, r.high)} ({r.scale})",
            escape(xs or "none"),
            escape(r.base_cheaper or "tie"),
        )
    print_table(out, t)
    for r in report.results:
        out.print(f"• {escape(r.explain())}")
    if report.crossover is not None:
        out.print(f"• {escape(report.crossover.explain())}")


def sensitivity_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per tornado (1 or more).")] = 12,
    as_json: JsonFlag = False,
) -> None:
    """Swing every input one at a time and rank what moves the answer (tornado data).

    Ranges come from the scenario's uncertainty section, else +-30 %.

    Example: llmecon sensitivity examples/internal_assistant.yaml --json
    """
    from rich.markup import escape

    from llmecon.analysis._common import fmt_value
    from llmecon.analysis.sensitivity import sensitivity
    from llmecon.scenario import load_scenario

    with friendly_errors():
        s = load_scenario(scenario)
        result = sensitivity(s)
    if as_json:
        print_json(result.to_dict())
        return
    out = console()
    d = result.difference
    if d is not None:
        t = table(
            "parameter",
            "low",
            "high",
            "range from",
            f"{d.output} at low",
            "at high",
            "swing",
            "flips?",
            title=escape(
                f"Tornado of the NPV gap (base {money(d.base_usd)}; "
                f"below 0: {result.option_a} wins)"
            ),
            names=("parameter", "range from", "flips?"),
        )
        for sw in d.swings[:top]:
            t.add_row(
                escape(sw.parameter),
                fmt_value(sw.parameter, sw.low),
                fmt_value(sw.parameter, sw.high),
                escape(sw.source),
                money(sw.at_low_usd),
                money(sw.at_high_usd),
                money(sw.swing_usd),
                "yes" if sw.flips else "",
            )
        print_table(out, t)
    t = table(
        "option",
        "base NPV",
        "largest swings (parameter: low → high NPV)",
        title="NPV tornado per option",
        names=("option", "largest swings (parameter: low → high NPV)"),
    )
    for name, tor in result.options.items():
        lines = [
            escape(f"{sw.parameter}: {money(sw.at_low_usd)} → {money(sw.at_high_usd)}")
            for sw in tor.swings[:3]
        ]
        t.add_row(escape(name), money(tor.base_usd), "\n".join(lines))
    print_table(out, t)
    out.print(f"• {escape(result.explain())}")
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
    workers: WorkersOpt = 1,
    dask: DaskOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Monte Carlo over the uncertainty section: cost percentiles and P(cheapest).

    Also says how robust the recommendation is. Seeded and reproducible.

    Example: llmecon simulate examples/support_bot.yaml --samples 100000 --seed 7
    """
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from llmecon.analysis.uncertainty import simulate
    from llmecon.scenario import load_scenario

    out = console()
    with friendly_errors():
        s = load_scenario(scenario)
        if samples > PROGRESS_ABOVE and not as_json and out.is_terminal:
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
                    s,
                    samples,
                    seed,
                    progress=lambda done, _: bar.update(task, completed=done),
                    workers=workers,
                    dask=dask,
                )
        else:
            result = simulate(s, samples, seed, workers=workers, dask=dask)
    if as_json:
        print_json(result.to_dict())
        return
    t = table(
        "option",
        "NPV P10",
        "NPV P50",
        "NPV P90",
        "total P50",
        "P(feasible)",
        "P(cheapest)",
        title=f"Monte Carlo, {result.samples:,} samples, seed {result.seed} ({result.seconds:.2f} s)",
        names=("option",),
    )
    for o in result.options:
        t.add_row(
            escape(o.name),
            money(o.npv_usd.p10),
            money(o.npv_usd.p50),
            money(o.npv_usd.p90),
            money(o.total_usd.p50),
            f"{o.p_feasible:.0%}",
            f"{o.p_cheapest:.1%}",
        )
    print_table(out, t)
    out.print(f"• {escape(result.explain())}")
    for note in result.notes:
        out.print(f"• note: {escape(note)}")
