"""``llmecon search``: the cheapest way to serve the workload, across every configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmecon.cli.analysis import DaskOpt, WorkersOpt
from llmecon.cli.output import console, friendly_errors, print_json, print_table, table
from llmecon.fmt import money

if TYPE_CHECKING:
    from llmecon.engine.search import SearchResult


def _names(value: str | None) -> tuple[str, ...] | None:
    """``a,b, c`` -> ``("a", "b", "c")``; None when not given."""
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def search_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    models: Annotated[
        str | None, typer.Option("--models", help="Open models, comma-separated.")
    ] = None,
    gpus: Annotated[str | None, typer.Option("--gpus", help="GPUs, comma-separated.")] = None,
    precisions: Annotated[
        str | None, typer.Option("--precisions", help="bf16,fp16,fp8,int8,int4.")
    ] = None,
    pricing: Annotated[
        str | None,
        typer.Option("--pricing", help="on-demand,reserved-1y,reserved-3y,spot."),
    ] = None,
    engines: Annotated[
        str | None, typer.Option("--engines", help="Engine presets, comma-separated.")
    ] = None,
    regions: Annotated[
        str | None,
        typer.Option("--regions", help="Geos or regions to compare quotes in, e.g. us,eu."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Results to show (1 or more).")] = 10,
    workers: WorkersOpt = 1,
    dask: DaskOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search every GPU, GPUs per replica, precision, engine and pricing mode for the
    cheapest way to self-host, beside the scenario's API and hosted options.

    Example: llmecon search examples/support_bot.yaml --top 5
    """
    from llmecon.analysis.search import search
    from llmecon.engine.search import Space
    from llmecon.scenario import load_scenario

    space = Space(
        models=_names(models),
        gpus=_names(gpus),
        precisions=_names(precisions),
        pricing=_names(pricing),
        engines=_names(engines),
        regions=_names(regions),
    )
    with friendly_errors():
        s = load_scenario(scenario)
        result = search(s, space, top, workers=workers, dask=dask)
    if as_json:
        print_json(result.to_dict())
        return
    render_search(result)


def render_search(result: SearchResult) -> None:
    """The ranked table, the API and hosted options beside it, and why the rest failed."""
    from rich.markup import escape

    from llmecon.engine.search import Config

    data = result.to_dict()

    out = console()
    rate = data["searched"] / data["seconds"] if data["seconds"] > 0 else float("inf")
    out.print(
        f"Searched {data['searched']:,} configurations in {data['seconds']:.2f} s "
        f"({rate:,.0f}/s): {data['feasible']:,} feasible; ranked by {data['objective']}"
    )
    t = table(
        "#",
        "option",
        "GPU",
        "GPUs",
        "precision",
        "engine",
        "pricing",
        "region",
        "NPV",
        "per 1M tok",
        "peak replicas",
        "util",
        "TTFT ms",
        "ITL ms",
        title="Cheapest configurations (self-hosted), with the API and hosted options",
        names=("option", "GPU", "precision", "engine", "pricing", "region"),
    )
    for i, x in enumerate(result.ranked(), 1):
        if isinstance(x, Config):
            cells = [
                escape(x.model),
                escape(x.gpu),
                str(x.gpus_per_replica),
                x.precision,
                x.engine,
                x.pricing,
                escape(x.region),
                money(x.npv_usd),
                money(x.per_1m_tokens_usd),
                f"{x.peak_replicas:,.0f}",
                f"{x.utilization:.0%}",
                f"{x.ttft_ms:,.0f}",
                f"{x.itl_ms:,.1f}",
            ]
        else:
            name = escape(f"{x.name} ({x.kind})") + ("" if x.feasible else " (infeasible)")
            cells = [name, "-", "-", "-", "-", "per token", "-", money(x.npv_usd)]
            cells += [money(x.per_1m_tokens_usd), "-", "-", "-", "-"]
        t.add_row(str(i), *cells)
    print_table(out, t)
    if data["results"]:
        best = data["results"][0]
        out.print(
            f"Paste into the scenario's options (evaluates to the same NPV, "
            f"{money(best['npv_usd'])}):"
        )
        import yaml

        out.print(escape(yaml.safe_dump([best["option"]], sort_keys=False).rstrip()))
    reasons = list(data["infeasible_by_reason"].items())
    if reasons:
        out.print("Not feasible:")
        for reason, n in reasons[:6]:
            out.print(f"  {n:,} × {escape(reason)}")
        if len(reasons) > 6:
            rest = sum(n for _, n in reasons[6:])
            out.print(f"  {rest:,} × {len(reasons) - 6} other reasons (--json lists them)")
    for line in data["assumptions"]:
        out.print(f"Assumption: {escape(line)}")
