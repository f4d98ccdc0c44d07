"""``llmecon catalog ...``: browse the fact catalogs (every row has a source and a date)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from llmecon.cli.output import console, friendly_errors, print_json, print_table, text_table

app = typer.Typer(
    no_args_is_help=True, help="Browse the fact catalogs (every row has a source and date)."
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _emit(
    rows: list[dict[str, Any]], cols: list[str], as_json: bool, title: str, name: str
) -> None:
    if as_json:
        print_json(rows)
        return
    print_table(console(), text_table(rows, cols, title, names=(name,)))


@app.command("gpus")
def catalog_gpus(as_json: JsonFlag = False) -> None:
    """GPUs: memory, bandwidth, dense peak throughput, power. Example: llmecon catalog gpus --json"""
    from llmecon.catalog import gpus

    rows = [asdict(g) for g in gpus()]
    _emit(
        rows,
        ["name", "memory_gb", "mem_bandwidth_gbs", "bf16_tflops", "fp8_tflops", "tdp_w", "as_of"],
        as_json,
        "GPUs",
        "name",
    )


@app.command("models")
def catalog_models(as_json: JsonFlag = False) -> None:
    """Open-model architectures. Example: llmecon catalog models"""
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
        "name",
    )


@app.command("gpu-prices")
def catalog_gpu_prices(
    gpu: Annotated[str | None, typer.Option(help="Filter by GPU (any alias).")] = None,
    provider: Annotated[str | None, typer.Option(help="Filter by provider.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """GPU rental prices per GPU-hour. Example: llmecon catalog gpu-prices --gpu H100"""
    from llmecon.catalog import gpu_prices

    with friendly_errors("--gpu"):
        rows = [asdict(p) for p in gpu_prices(gpu, None, provider)]
    _emit(
        rows,
        ["provider", "instance_type", "gpu", "usd_per_gpu_hour", "pricing", "region", "as_of"],
        as_json,
        "GPU prices",
        "instance_type",
    )


@app.command("api-models")
def catalog_api_models(
    provider: Annotated[
        str | None, typer.Option(help="Provider id, e.g. openai, anthropic, together.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """API models with token prices (USD per 1M tokens). Example: llmecon catalog api-models --provider openai"""
    from llmecon.catalog.api_prices import api_models

    with friendly_errors("--provider"):
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
        "model",
    )


@app.command("rate-limits")
def catalog_rate_limits(
    provider: Annotated[str | None, typer.Option(help="Provider id, e.g. openai.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Published API rate-limit tiers. Example: llmecon catalog rate-limits --provider openai"""
    from llmecon.catalog import rate_limits

    rows = [asdict(r) for r in rate_limits() if provider is None or r.provider == provider]
    cols = ["tier_id", "model", "rpm", "tpm", "input_tpm", "output_tpm", "qualification", "as_of"]
    _emit(rows, cols, as_json, "API rate limits", "model")
