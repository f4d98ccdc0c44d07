"""The ``llmecon`` command line: thin — parse, call the library, render.

Commands: ``init``, ``evaluate``, ``catalog``, ``perf`` (and the analysis commands
``breakeven``, ``sensitivity``, ``simulate`` registered from ``cli_analysis``).
Errors print one line per problem to stderr and exit with status 2; never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from llmecon.cli_common import console, fail, friendly_errors, money
from llmecon.scenario import load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Should you call an API model, self-host an open model, or build a small language model?",
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(
    no_args_is_help=True, help="Browse the fact catalogs (every row has a source and date)."
)
app.add_typer(catalog_app, name="catalog")

T = TypeVar("T")


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the scenario.")] = Path(
        "scenario.yaml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example scenario.

    Example: llmecon init my.yaml && llmecon evaluate my.yaml
    """
    if path.exists() and not force:
        fail([f"{path} exists; pass --force to overwrite it"])
    text = (
        resources.files("llmecon")
        .joinpath("templates", "scenario.yaml")
        .read_text(encoding="utf-8")
    )
    path.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {path}; next: llmecon evaluate {path}")


def _evaluate(scenario_path: Path) -> Any:
    from llmecon.evaluation import evaluate

    with friendly_errors():
        return evaluate(load_scenario(scenario_path))
    return None  # pragma: no cover


@app.command("evaluate")
def evaluate_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="table, json or csv.")] = Fmt.table,
    show_assumptions: Annotated[
        bool, typer.Option("--assumptions", help="List every default and catalog source used.")
    ] = False,
) -> None:
    """Price every option in three pillars and recommend one.

    Example: llmecon evaluate examples/internal_assistant.yaml --format json
    """
    ev = _evaluate(scenario)
    if fmt is Fmt.json:
        typer.echo(json.dumps(ev.to_dict(), indent=2))
        return
    data = ev.to_dict()
    if fmt is Fmt.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "option",
                "kind",
                "feasible",
                "development_usd",
                "deployment_usd",
                "sustainability_usd",
                "total_usd",
                "npv_usd",
                "per_1k_requests_usd",
                "per_1m_tokens_usd",
            ]
        )
        for o in data["options"]:
            p = o["pillars"]
            w.writerow(
                [
                    o["name"],
                    o["kind"],
                    o["feasible"],
                    p["development"]["total_usd"],
                    p["deployment"]["total_usd"],
                    p["sustainability"]["total_usd"],
                    o["total_usd"],
                    o["npv_usd"],
                    o["per_1k_requests_usd"],
                    o["per_1m_tokens_usd"],
                ]
            )
        typer.echo(buf.getvalue(), nl=False)
        return
    render_evaluation(data, console(), show_assumptions)


def render_evaluation(data: dict[str, Any], out: Console, show_assumptions: bool = False) -> None:
    s = data["scenario"]
    out.print(
        f"[bold]{s['name']}[/bold] — {s['horizon_months']} months, "
        f"{s['workload']['requests_per_month']:,.0f} requests/month"
    )
    t = Table(title="Cost by option and pillar (USD over the horizon)")
    for col in (
        "option",
        "kind",
        "development",
        "deployment",
        "sustainability",
        "total",
        "NPV",
        "per 1k req",
        "per 1M tok",
    ):
        t.add_column(col, justify="left" if col in ("option", "kind") else "right")
    for o in data["options"]:
        p = o["pillars"]
        style = None if o["feasible"] else "dim"
        name = o["name"] + ("" if o["feasible"] else " (infeasible)")
        t.add_row(
            name,
            o["kind"],
            money(p["development"]["total_usd"]),
            money(p["deployment"]["total_usd"]),
            money(p["sustainability"]["total_usd"]),
            money(o["total_usd"]),
            money(o["npv_usd"]),
            money(o["per_1k_requests_usd"]),
            money(o["per_1m_tokens_usd"]),
            style=style,
        )
    out.print(t)
    r = data["recommendation"]
    if r["option"]:
        out.print(f"[bold green]Recommendation: {r['option']}[/bold green]")
    else:
        out.print("[bold red]No feasible option[/bold red]")
    for reason in r["reasons"]:
        out.print(f"  • {reason}")
    out.print("[bold]The framework's questions[/bold]")
    for k, v in r["questions"].items():
        out.print(f"  {k}: {v}")
    n = sum(len(o["assumptions"]) for o in data["options"]) + len(data["assumptions"])
    if not show_assumptions:
        out.print(f"[dim]{n} assumptions used; list them with --assumptions[/dim]")
        return
    out.print("[bold]Assumptions and sources[/bold]")
    for line in data["assumptions"]:
        out.print(f"  (all) {line}")
    for o in data["options"]:
        for line in o["sources"]:
            out.print(f"  {o['name']}: source: {line}")
        for line in o["assumptions"]:
            out.print(f"  {o['name']}: {line}")


# --------------------------------------------------------------------------- catalog


def _emit(rows: list[dict[str, Any]], cols: list[str], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    t = Table(title=title)
    for c in cols:
        t.add_column(c)
    for r in rows:
        t.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in cols])
    console().print(t)


JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@catalog_app.command("gpus")
def catalog_gpus(as_json: JsonFlag = False) -> None:
    """GPUs: memory, bandwidth, dense peak throughput, power. Example: llmecon catalog gpus --json"""
    from dataclasses import asdict

    from llmecon.catalog import gpus

    rows = [asdict(g) for g in gpus()]
    _emit(
        rows,
        ["name", "memory_gb", "mem_bandwidth_gbs", "bf16_tflops", "fp8_tflops", "tdp_w", "as_of"],
        as_json,
        "GPUs",
    )


@catalog_app.command("models")
def catalog_models(as_json: JsonFlag = False) -> None:
    """Open-model architectures. Example: llmecon catalog models"""
    from dataclasses import asdict

    from llmecon.catalog import models

    rows = [asdict(m) for m in models()]
    _emit(
        rows,
        [
            "name",
            "total_params_b",
            "active_params_b",
            "num_layers",
            "num_kv_heads",
            "max_context",
            "license",
        ],
        as_json,
        "Models",
    )


@catalog_app.command("gpu-prices")
def catalog_gpu_prices(
    gpu: Annotated[str | None, typer.Option(help="Filter by GPU (any alias).")] = None,
    provider: Annotated[str | None, typer.Option(help="Filter by provider.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """GPU rental prices per GPU-hour. Example: llmecon catalog gpu-prices --gpu H100"""
    from dataclasses import asdict

    from llmecon.catalog import gpu_prices

    with friendly_errors():
        rows = [asdict(p) for p in gpu_prices(gpu, None, provider)]
    _emit(
        rows,
        ["provider", "instance_type", "gpu", "usd_per_gpu_hour", "pricing", "region", "as_of"],
        as_json,
        "GPU prices",
    )


@catalog_app.command("api-models")
def catalog_api_models(
    provider: Annotated[
        str | None, typer.Option(help="Provider id, e.g. openai, anthropic, together.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """API models with token prices (USD per 1M tokens). Example: llmecon catalog api-models --provider openai"""
    from llmecon.catalog.api_prices import api_models

    with friendly_errors():
        rows = [m.as_dict() for m in api_models(provider)]
    _emit(
        rows,
        [
            "provider",
            "model",
            "input_per_mtok",
            "cached_input_per_mtok",
            "output_per_mtok",
            "batch_input_per_mtok",
        ],
        as_json,
        "API models",
    )


@catalog_app.command("rate-limits")
def catalog_rate_limits(
    provider: Annotated[str | None, typer.Option(help="Provider id, e.g. openai.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Published API rate-limit tiers. Example: llmecon catalog rate-limits --provider openai"""
    from dataclasses import asdict

    from llmecon.catalog import rate_limits

    rows = [asdict(r) for r in rate_limits() if provider is None or r.provider == provider]
    cols = ["tier_id", "model", "rpm", "tpm", "input_tpm", "output_tpm", "qualification", "as_of"]
    _emit(rows, cols, as_json, "API rate limits")


# --------------------------------------------------------------------------- perf


class Prec(StrEnum):
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"
    int8 = "int8"
    int4 = "int4"


@app.command()
def perf(
    model: Annotated[str, typer.Option("--model", help="Catalog model, e.g. Llama-3.1-8B.")],
    gpu: Annotated[str, typer.Option("--gpu", help="Catalog GPU, e.g. H100-SXM-80GB.")],
    input_tokens: Annotated[float, typer.Option("--input-tokens", min=1, help="Prompt tokens.")],
    output_tokens: Annotated[
        float, typer.Option("--output-tokens", min=1, help="Generated tokens.")
    ],
    gpus: Annotated[
        int, typer.Option("--gpus", min=1, max=64, help="GPUs in one tensor-parallel replica.")
    ] = 1,
    precision: Annotated[Prec, typer.Option("--precision")] = Prec.bf16,
    concurrency: Annotated[
        float | None, typer.Option("--concurrency", min=1, help="Requests in flight.")
    ] = None,
    request_rate: Annotated[
        float | None, typer.Option("--request-rate", min=0, help="Arrivals [req/s].")
    ] = None,
    max_throughput: Annotated[
        bool, typer.Option("--max-throughput", help="Saturated batch.")
    ] = False,
    ttft_ms: Annotated[
        float | None, typer.Option("--ttft-ms", min=0, help="TTFT target [ms].")
    ] = None,
    itl_ms: Annotated[
        float | None, typer.Option("--itl-ms", min=0, help="ITL target [ms].")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Predict throughput and latency of one replica.

    Example: llmecon perf --model Llama-3.1-8B --gpu H100 --input-tokens 1000 --output-tokens 200 --concurrency 32 --json
    """
    from llmecon.catalog import resolve_gpu, resolve_model
    from llmecon.perf import inference as inf
    from llmecon.perf.replica import build_replica

    modes = sum(x is not None for x in (concurrency, request_rate)) + int(max_throughput)
    slo = ttft_ms is not None or itl_ms is not None
    if modes > 1 or (modes == 1 and slo):
        fail(
            [
                "give one of --concurrency, --request-rate, --max-throughput, or the targets --ttft-ms/--itl-ms"
            ]
        )
    with friendly_errors():
        m, g = resolve_model(model), resolve_gpu(gpu)
    replica, fit = build_replica(m, g, precision.value, gpus)
    eff = inf.Efficiency()
    b = float(inf.max_batch(replica, input_tokens, output_tokens, eff)) if fit.fits else 0.0
    out: dict[str, Any] = {
        "model": m.name,
        "gpu": g.name,
        "gpus": gpus,
        "precision": precision.value,
        "fits": fit.fits,
        "fit": fit.explain(gpus, g.name),
        "max_batch": int(b),
    }
    if fit.fits:
        if concurrency is not None:
            p, mode = (
                inf.at_concurrency(replica, concurrency, input_tokens, output_tokens, eff),
                "concurrency",
            )
        elif request_rate is not None:
            p, mode = (
                inf.at_request_rate(replica, request_rate, input_tokens, output_tokens, eff),
                "request_rate",
            )
        elif slo:
            p, ok = inf.at_slo(
                replica,
                input_tokens,
                output_tokens,
                (ttft_ms or np.inf) / 1e3,
                (itl_ms or np.inf) / 1e3,
                eff,
            )
            mode = "slo"
            out["slo_met"] = bool(ok)
        else:
            p, mode = (
                inf.at_max_throughput(replica, input_tokens, output_tokens, eff),
                "max_throughput",
            )

        def f(x: Any) -> float | None:
            return None if not np.isfinite(float(x)) else round(float(x), 3)

        out.update(
            mode=mode,
            concurrency=f(p.concurrency),
            output_tokens_per_s=f(p.output_tokens_per_s),
            total_tokens_per_s=f(p.total_tokens_per_s),
            requests_per_s=f(p.requests_per_s),
            ttft_ms=f(p.ttft_s * 1e3),
            itl_ms=f(p.itl_s * 1e3),
            bottleneck="memory bandwidth" if bool(p.memory_bound) else "compute",
            overloaded=bool(p.overloaded),
        )
    else:
        out.update(
            output_tokens_per_s=0.0,
            total_tokens_per_s=0.0,
            requests_per_s=0.0,
            ttft_ms=None,
            itl_ms=None,
            bottleneck="memory capacity",
        )
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    t = Table(title=f"{m.name} on {gpus} x {g.name} ({precision.value})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in out.items():
        t.add_row(k, str(v))
    console().print(t)


def _register_analysis() -> None:
    import llmecon.cli_analysis
    import llmecon.cli_report

    llmecon.cli_analysis.register(app)
    llmecon.cli_report.register(app)


_register_analysis()


def main() -> None:  # pragma: no cover
    app()
