"""``llmecon perf``: predict one replica's throughput, time to first token and inter-token
latency (the roofline model of ``llmecon.perf.inference``)."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from llmecon.cli.output import console, fail, friendly_errors, print_json, print_table, table


class Engine(StrEnum):
    """The serving engines a scenario option's ``engine`` names (``inference.ENGINE_PRESETS``)."""

    default = "default"
    vllm = "vllm"
    sglang = "sglang"
    trtllm = "trtllm"
    nim = "nim"


class Prec(StrEnum):
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"
    int8 = "int8"
    int4 = "int4"


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
    precision: Annotated[Prec, typer.Option("--precision", help="Weight precision.")] = Prec.bf16,
    concurrency: Annotated[
        float | None,
        typer.Option("--concurrency", min=1, help="Requests in flight."),
    ] = None,
    request_rate: Annotated[
        float | None, typer.Option("--request-rate", min=0, help="Arrivals (req/s).")
    ] = None,
    max_throughput: Annotated[
        bool, typer.Option("--max-throughput", help="Saturated batch.")
    ] = False,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            min=1,
            help="An offline job: this many requests submitted at once, run to completion "
            "in waves of the engine's batch.",
        ),
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option(
            "--engine",
            help="Serving engine whose efficiency preset applies (default: the shared "
            "preset, vLLM's).",
        ),
    ] = None,
    ttft_ms: Annotated[
        float | None, typer.Option("--ttft-ms", min=0, help="TTFT target (ms).")
    ] = None,
    itl_ms: Annotated[
        float | None, typer.Option("--itl-ms", min=0, help="ITL target (ms).")
    ] = None,
    percentile: Annotated[
        float | None,
        typer.Option(
            "--percentile", min=50, max=99.9, help="Meet the targets at this percentile (%)."
        ),
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option(
            "--calibration",
            help="Calibration file from `llmecon calibrate` for this model, GPU, --gpus and "
            "--precision: its fitted MBU, MFU and step overhead replace the preset's.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Predict throughput and latency of one replica.

    Example: llmecon perf --model Llama-3.1-8B --gpu H100 --input-tokens 1000 --output-tokens 200 --concurrency 32 --json
    """
    given = [
        flag
        for flag, on in (
            ("--concurrency", concurrency is not None),
            ("--request-rate", request_rate is not None),
            ("--max-throughput", max_throughput),
            ("--batch", batch is not None),
            ("--ttft-ms/--itl-ms", ttft_ms is not None or itl_ms is not None),
        )
        if on
    ]
    if len(given) > 1:
        fail(
            [
                f"{', '.join(given)}: more than one operating point; give one of --concurrency, "
                "--request-rate, --max-throughput, --batch, or the targets --ttft-ms/--itl-ms"
            ]
        )
    if percentile is not None and ttft_ms is None and itl_ms is None:
        fail(["--percentile: applies to latency targets; give --ttft-ms or --itl-ms with it"])
    title, out = predict(
        model,
        gpu,
        input_tokens,
        output_tokens,
        gpus,
        precision.value,
        concurrency,
        request_rate,
        ttft_ms,
        itl_ms,
        calibration,
        percentile,
        None if engine is None else engine.value,
        batch,
    )
    if as_json:
        print_json(out)
        return
    from rich.markup import escape

    t = table("metric", "value", title=escape(title), names=("metric",))
    for k, v in out.items():
        t.add_row(k, escape(str(v)))
    print_table(console(), t)


def predict(
    model: str,
    gpu: str,
    input_tokens: float,
    output_tokens: float,
    gpus: int,
    precision: str,
    concurrency: float | None,
    request_rate: float | None,
    ttft_ms: float | None,
    itl_ms: float | None,
    calibration: Path | None = None,
    percentile: float | None = None,
    engine: str | None = None,
    batch: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """A title and the ``perf --json`` dict for one operating point: the given
    concurrency, request rate or latency targets, else the saturated batch; with a
    ``calibration`` file, at its fitted efficiency factors (``llmecon.calibration``); with
    ``engine``, at that engine's preset (``inference.ENGINE_PRESETS``); with ``batch``, an
    offline job of that many requests (``inference.at_batch``)."""
    from llmecon.catalog import resolve_gpu, resolve_model
    from llmecon.perf import inference as inf
    from llmecon.perf.replica import build_replica

    with friendly_errors("--model"):
        m = resolve_model(model)
    with friendly_errors("--gpu"):
        g = resolve_gpu(gpu)
    problems = [
        f"{flag}: {value:g} is not a finite number; give a token count"
        for flag, value in (("--input-tokens", input_tokens), ("--output-tokens", output_tokens))
        if not math.isfinite(value)
    ]
    if m.num_attention_heads and m.num_attention_heads % gpus:
        problems.append(
            f"--gpus: {gpus} GPUs do not divide {m.name}'s {m.num_attention_heads} attention "
            "heads; give a divisor (1, 2, 4, 8 ...)"
        )
    total = input_tokens + output_tokens
    if m.max_context and math.isfinite(total) and total > m.max_context:
        problems.append(
            f"--input-tokens: {total:,.0f} prompt + output tokens exceed {m.name}'s "
            f"{m.max_context:,}-token context window; give fewer"
        )
    for flag, value in (("--ttft-ms", ttft_ms), ("--itl-ms", itl_ms)):
        if value is not None and not value > 0:
            problems.append(f"{flag}: a latency target must be above 0 ms (got {value:g})")
    preset = engine or "default"
    vendors = inf.ENGINE_VENDORS.get(preset)
    if vendors is not None and g.vendor not in vendors:
        problems.append(
            f"--engine: {engine} runs on {'/'.join(sorted(vendors))} GPUs only, not on "
            f"{g.name}; give vllm or sglang"
        )
    if problems:
        fail(problems)
    replica, fit = build_replica(m, g, precision, gpus)
    eff = inf.for_vendor(inf.ENGINE_PRESETS[preset], g.vendor)
    if calibration is not None:
        from llmecon import calibration as cal

        with friendly_errors():
            c = cal.load_calibration(calibration)
            cal.check_setup(
                c,
                model=m.name,
                gpu=g.name,
                gpus=gpus,
                precision=precision,
                where=str(calibration),
                fix="give the calibration of this setup (llmecon calibrate), or drop --calibration",
            )
        if engine is not None and engine != c.setup.engine:
            fail(
                [
                    f"--engine: {engine}, but {calibration} was measured on "
                    f"{c.setup.engine}; drop --engine (the calibration names its engine) or "
                    "give a calibration measured on this engine"
                ]
            )
        # the engine the factors were fitted from supplies the ones a calibration leaves
        preset = c.setup.engine
        eff = cal.apply(c, inf.ENGINE_PRESETS[preset])
    b = float(inf.max_batch(replica, input_tokens, output_tokens, eff)) if fit.fits else 0.0
    title = f"{m.name} on {gpus} x {g.name} ({precision})"
    out: dict[str, Any] = {
        "model": m.name,
        "gpu": g.name,
        "gpus": gpus,
        "precision": precision,
        "engine": preset,
        "fits": fit.fits,
        "fit": fit.explain(gpus, g.name),
        "max_batch": int(b),
    }
    if calibration is not None:
        out["calibration"] = str(calibration)
    if not fit.fits:
        out.update(
            output_tokens_per_s=0.0,
            total_tokens_per_s=0.0,
            requests_per_s=0.0,
            ttft_ms=None,
            itl_ms=None,
            bottleneck="memory capacity",
        )
        return title, out
    if concurrency is not None:
        p = inf.at_concurrency(replica, concurrency, input_tokens, output_tokens, eff)
        mode = "concurrency"
    elif request_rate is not None:
        p = inf.at_request_rate(replica, request_rate, input_tokens, output_tokens, eff)
        mode = "request_rate"
    elif batch is not None:
        p = inf.at_batch(replica, batch, input_tokens, output_tokens, eff)
        mode = "batch"
        out["batch"] = batch
    elif ttft_ms is not None or itl_ms is not None:
        p, ok = inf.at_slo(
            replica,
            input_tokens,
            output_tokens,
            (ttft_ms or math.inf) / 1e3,
            (itl_ms or math.inf) / 1e3,
            eff,
            percentile=None if percentile is None else percentile / 100.0,
        )
        mode = "slo" if percentile is None else f"slo at p{percentile:g}"
        out["slo_met"] = bool(ok)
    else:
        p = inf.at_max_throughput(replica, input_tokens, output_tokens, eff)
        mode = "max_throughput"

    def f(x: Any) -> float | None:
        return None if not math.isfinite(float(x)) else round(float(x), 3)

    out.update(
        mode=mode,
        concurrency=f(p.concurrency),
        output_tokens_per_s=f(p.output_tokens_per_s),
        total_tokens_per_s=f(p.total_tokens_per_s),
        requests_per_s=f(p.requests_per_s),
        ttft_ms=f(p.ttft_s * 1e3),
        itl_ms=f(p.itl_s * 1e3),
        **{
            f"{name}_p{q}_ms": f(quantile(q / 100.0) * 1e3)
            for name, quantile in (("ttft", p.ttft_quantile), ("itl", p.itl_quantile))
            for q in (50, 90, 99)
        },
        bottleneck="memory bandwidth" if bool(p.memory_bound) else "compute",
        overloaded=bool(p.overloaded),
    )
    return title, out
