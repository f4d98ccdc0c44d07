"""``llmecon catalog ...``: browse the fact catalogs (every row has a source and a date)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from llmecon.cli.output import (
    console,
    fail,
    friendly_errors,
    print_json,
    print_table,
    text_table,
)

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


#: Largest config.json read; real ones are a few KB. [bytes]
MAX_CONFIG_BYTES = 1 << 20

_CONFIG_FIX = "give the model's config.json from Hugging Face"


def _read_config(path: Path) -> Any:
    """The JSON value in ``path``; every way it can fail is one ``error:`` line."""
    import json

    if path.is_dir():
        fail([f"{path}: is a directory; give the config.json file in it"])
    if path.exists() and path.stat().st_size > MAX_CONFIG_BYTES:
        fail([f"{path}: larger than 1 MiB, so not a model config; {_CONFIG_FIX}"])
    raw = path.read_bytes()  # OSError: friendly_errors names the file
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        fail([f"{path}: not UTF-8 text; {_CONFIG_FIX}"])
    except json.JSONDecodeError as err:
        at = f"line {err.lineno}, column {err.colno}"
        fail([f"{path}: not valid JSON ({at}: {err.msg}); {_CONFIG_FIX}"])
    except RecursionError:
        fail([f"{path}: nested too deeply to read; {_CONFIG_FIX}"])


@app.command("import-model")
def catalog_import_model(
    config: Annotated[
        Path, typer.Argument(metavar="CONFIG.json", help="A Hugging Face config.json.")
    ],
    name: Annotated[
        str | None,
        typer.Option(help="Name in the scenario (default: the repo's name, else type and size)."),
    ] = None,
) -> None:
    """A model's entry for a scenario's catalog, from its Hugging Face config.json.

    Prints YAML to paste under `models:` in the scenario's `catalog:` section; total and
    active parameters are computed from the shapes. Example: llmecon catalog import-model
    config.json --name my-8b
    """
    from llmecon.catalog.user import default_model_name, model_entry_yaml, model_from_hf_config

    if name is not None and not name.strip():
        fail(["--name: must not be empty; give the model's name in the scenario"])
    with friendly_errors():
        data = _read_config(config)
        if not isinstance(data, dict):
            kind = "list" if isinstance(data, list) else type(data).__name__
            fail([f"{config}: holds a JSON {kind}, not an object; {_CONFIG_FIX}"])
        label = name.strip() if name else default_model_name(data, str(config))
        row = model_from_hf_config(data, label, str(config))
    typer.echo("# paste under `models:` in a scenario's `catalog:` section")
    typer.echo(model_entry_yaml(row), nl=False)
