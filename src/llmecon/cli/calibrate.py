"""``llmecon calibrate``: fit the perf model's efficiency factors (MBU, MFU, step overhead) to
your own serving benchmarks of one setup, print each run's error before and after, and write
the calibration file that ``perf --calibration`` and a scenario option's ``calibration:``
read (``llmecon.calibration``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmecon.cli.output import console, fail, friendly_errors, print_table, table
from llmecon.cli.perf import Engine, Prec

if TYPE_CHECKING:
    from llmecon.calibration import Calibration, Measurement
    from llmecon.catalog import ModelArch


def calibrate_cmd(
    results: Annotated[
        list[Path],
        typer.Argument(
            metavar="RESULT...",
            help="Benchmark result files: vLLM `bench serve --save-result` JSON, SGLang "
            "bench_serving JSONL, genai-perf or AIPerf profile export JSON, guidellm "
            "benchmarks JSON.",
            show_default=False,
        ),
    ],
    gpu: Annotated[str, typer.Option("--gpu", help="Catalog GPU the runs used, e.g. H100.")],
    gpus: Annotated[
        int, typer.Option("--gpus", min=1, max=64, help="GPUs in one tensor-parallel replica.")
    ] = 1,
    precision: Annotated[Prec, typer.Option("--precision", help="Weight precision.")] = Prec.bf16,
    engine: Annotated[
        Engine, typer.Option("--engine", help="Engine preset to start from and keep.")
    ] = Engine.default,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Catalog model; default: the model the results name."),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Calibration file to write.")
    ] = Path("calibration.yaml"),
) -> None:
    """Fit efficiency factors to your own serving benchmarks of one setup.

    Example: llmecon calibrate vllm-c1.json vllm-c32.json --gpu H100 -o calibration.yaml
    """
    from llmecon import calibration as cal
    from llmecon.catalog import resolve_gpu
    from llmecon.perf import inference as inf
    from llmecon.perf.replica import build_replica

    with friendly_errors():
        measurements = cal.read_results(results)
    with friendly_errors("--gpu"):
        g = resolve_gpu(gpu)
    m = _model(model, measurements)
    if m.num_attention_heads and m.num_attention_heads % gpus:
        fail(
            [
                f"--gpus: {gpus} GPUs do not divide {m.name}'s {m.num_attention_heads} "
                "attention heads; give the tensor-parallel degree the runs used"
            ]
        )
    replica, fit = build_replica(m, g, precision.value, gpus)
    if not fit.fits:
        fail(
            [
                f"--gpus: {fit.explain(gpus, g.name)}; give the GPUs and precision the runs "
                "used (--gpus, --precision)"
            ]
        )
    setup = cal.Setup(m.name, g.name, gpus, precision.value, engine.value)
    calibration = cal.fit(measurements, replica, inf.ENGINE_PRESETS[engine.value], setup)
    with friendly_errors():  # before the table, so that a bad -o is the only output
        output.write_text(calibration.to_yaml(), encoding="utf-8")
    _show(calibration, len(results))
    typer.echo(f"wrote {output}; use it with: llmecon perf ... --calibration {output}")


def _model(given: str | None, measurements: list[Measurement]) -> ModelArch:
    """The catalog model: ``--model``, else the one the results name; an error for results
    of another model, or of several."""
    from llmecon.catalog import CatalogError, resolve_model

    def lookup(model_id: str) -> ModelArch | None:
        # a served name or a local path: the id itself, then its last path component
        for name in (model_id, model_id.rstrip("/").rsplit("/", 1)[-1]):
            try:
                return resolve_model(name)
            except CatalogError:
                continue
        return None

    named = [(m.source, m.model) for m in measurements if m.model]
    if given is not None:
        with friendly_errors("--model"):
            chosen = resolve_model(given)
        for src, model_id in named:
            hit = lookup(model_id)
            if hit is not None and hit.name != chosen.name:
                fail(
                    [
                        f"{src}: the results are for {hit.name} ({model_id!r}), not --model "
                        f"{chosen.name}; give results of {chosen.name}, or --model {hit.name}"
                    ]
                )
        return chosen
    if not named:
        fail(
            [
                "--model: the results do not name their model (SGLang bench_serving records "
                "none); give --model"
            ]
        )
    found: dict[str, tuple[str, str]] = {}
    for src, model_id in named:
        hit = lookup(model_id)
        if hit is None:
            fail(
                [
                    f"{src}: the results' model {model_id!r} is not in the catalog; give "
                    "--model with its catalog name (llmecon catalog models)"
                ]
            )
        found.setdefault(hit.name, (src, model_id))
    if len(found) > 1:
        listed = ", ".join(f"{src}: {name}" for name, (src, _) in found.items())
        fail(
            [
                f"RESULT: the results are for more than one model ({listed}); give the "
                "results of one setup"
            ]
        )
    hit = lookup(named[0][1])
    assert hit is not None
    return hit


def _pct(e: float) -> str:
    """A relative error as ``+12.3%``; under 0.05 % as ``0.0%`` (no sign from rounding)."""
    if math.isnan(e):
        return ""
    if math.isinf(e):
        return "unbounded"  # an overloaded request rate: the queue grows without end
    return "0.0%" if abs(e) < 0.0005 else f"{e:+.1%}"


def _num(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}" if math.isfinite(x) else ""


def _show(c: Calibration, files: int) -> None:
    """The runs' measured numbers and errors before and after, then the factors."""
    from rich.markup import escape

    out = console()
    runs = len(c.points)
    title = (
        f"{c.setup.describe()}: {runs} run{'s' * (runs != 1)} from {files} file{'s' * (files != 1)}"
    )
    t = table(
        "run",
        "load",
        "in/out tokens",
        "out tok/s",
        "before",
        "after",
        "TTFT ms",
        "before",
        "after",
        "ITL ms",
        "before",
        "after",
        title=escape(title),
        names=("run", "load"),
    )
    for p in c.points:
        tps, ttft, itl = p.measured.values()
        b = p.before.errors(p.measured)
        a = p.after.errors(p.measured)
        t.add_row(
            escape(p.label),
            escape(p.load),
            f"{p.input_tokens:,.0f}/{p.output_tokens:,.0f}",
            _num(tps, 1),
            _pct(b[0]),
            _pct(a[0]),
            _num(ttft * 1e3, 1),
            _pct(b[1]),
            _pct(a[1]),
            _num(itl * 1e3, 2),
            _pct(b[2]),
            _pct(a[2]),
        )
    print_table(out, t)
    f = table("factor", "preset", "fitted", title="Efficiency factors", names=("factor",))
    for label, attr, scale, fmt in (
        ("mbu", "mbu", 1.0, "{:.3f}"),
        ("mfu_prefill", "mfu_prefill", 1.0, "{:.3f}"),
        ("mfu_decode (tied to mfu_prefill)", "mfu_decode", 1.0, "{:.3f}"),
        ("step_overhead_ms", "step_overhead_s", 1e3, "{:.3f}"),
    ):
        f.add_row(
            escape(label),
            fmt.format(getattr(c.base, attr) * scale),
            fmt.format(getattr(c.factors, attr) * scale),
        )
    print_table(out, f)
    typer.echo(
        f"RMS log error of throughput, TTFT and ITL: {c.rms_log_error_before:.3f} with the "
        f"preset, {c.rms_log_error_after:.3f} fitted"
    )
    if any(p.mode == "burst" for p in c.points):
        typer.echo(
            "note: a burst's TTFT (every request sent at once) is shown but not fitted; the "
            "model's TTFT is a steady state's"
        )
    for note in c.notes:
        typer.echo(f"note: {note}")
