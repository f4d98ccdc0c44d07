"""``llmecon calibrate`` and ``llmecon.calibration``: each benchmark tool's result format as
the tool writes it, a round trip (perf model -> synthetic results -> fit -> the same
factors), the calibration file, and the one-line errors for malformed and mismatched files."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmecon import calibration as cal
from llmecon.catalog import resolve_gpu, resolve_model
from llmecon.cli import app
from llmecon.errors import ScenarioError
from llmecon.perf import inference as inf
from llmecon.perf.replica import build_replica

runner = CliRunner()

MODEL_ID = "meta-llama/Llama-3.1-8B-Instruct"
BASE = inf.ENGINE_PRESETS["default"]
_PRESET = cal.Factors.of(BASE)
RATIO = _PRESET.mfu_decode / _PRESET.mfu_prefill  # mfu_decode is tied to mfu_prefill by it
#: the factors the synthetic benchmarks are made with
TRUE = replace(BASE, mbu=0.62, mfu_prefill=0.45, mfu_decode=0.45 * RATIO, step_overhead_s=0.0031)
SETUP = cal.Setup("Llama 3.1 8B", "H100 SXM", 1, "bf16", "default")

#: (concurrency, request rate, input tokens, output tokens) of the synthetic runs: three
#: concurrencies and a longer prompt separate MBU, step overhead and MFU
RUNS: list[tuple[float | None, float | None, float, float]] = [
    (1, None, 1000, 200),
    (16, None, 1000, 200),
    (64, None, 1000, 200),
    (8, None, 3000, 100),
    (None, 4.0, 500, 300),
]


def _replica() -> inf.Replica:
    replica, fit = build_replica(resolve_model("Llama-3.1-8B"), resolve_gpu("H100"), "bf16", 1)
    assert fit.fits
    return replica


def _measure(
    conc: float | None, rate: float | None, i: float, o: float, eff: inf.Efficiency = TRUE
) -> dict[str, float]:
    """What a benchmark of the perf model itself would measure."""
    rep = _replica()
    if rate is None:
        assert conc is not None
        p = inf.at_concurrency(rep, conc, i, o, eff)
    else:
        p = inf.at_request_rate(rep, rate, i, o, eff)
    return {
        "rps": float(p.requests_per_s),
        "tps": float(p.output_tokens_per_s),
        "ttft_ms": float(p.ttft_s) * 1e3,
        "itl_ms": float(p.itl_s) * 1e3,
    }


def _stats(mean: float, **more: float) -> dict[str, float]:
    return {"mean": mean, "median": mean, "std": 0.0, "p99": mean * 1.4, **more}


def vllm_result(conc: float | None, rate: float | None, i: float, o: float) -> dict[str, Any]:
    """One ``vllm bench serve --save-result`` object: ``main_async``'s ``result_json``
    merged with ``benchmark()``'s result and ``process_one_metric``'s mean/median/std/p99
    (vllm/benchmarks/serve.py, commit 009e6d4a)."""
    m = _measure(conc, rate, i, o)
    n = 200
    out: dict[str, Any] = {
        "date": "20261130-120000",
        "endpoint_type": "openai",
        "backend": "openai",
        "label": None,
        "model_id": MODEL_ID,
        "tokenizer_id": MODEL_ID,
        "num_prompts": n,
        "request_rate": "inf" if rate is None else rate,
        "burstiness": 1.0,
        "max_concurrency": conc,
        "duration": n / m["rps"],
        "completed": n,
        "failed": 0,
        "total_input_tokens": int(i * n),
        "total_output_tokens": int(o * n),
        "request_throughput": m["rps"],
        "request_goodput": None,
        "output_throughput": m["tps"],
        "total_token_throughput": m["rps"] * (i + o),
        "max_output_tokens_per_s": m["tps"] * 1.2,
        "max_concurrent_requests": conc or n,
        "rtfx": 0.0,
    }
    for metric, v in (
        ("ttft", m["ttft_ms"]),
        ("tpot", m["itl_ms"]),
        ("itl", m["itl_ms"]),
        ("e2el", m["ttft_ms"] + (o - 1) * m["itl_ms"]),
    ):
        out[f"mean_{metric}_ms"] = v
        out[f"median_{metric}_ms"] = v
        out[f"std_{metric}_ms"] = 0.1 * v
        out[f"p99_{metric}_ms"] = 1.5 * v
    return out


def sglang_line(conc: float | None, rate: float | None, i: float, o: float) -> dict[str, Any]:
    """One line of ``python -m sglang.bench_serving``'s output JSONL: ``benchmark()``'s
    ``result`` dict (python/sglang/bench_serving.py, commit 0033168f); no model id."""
    m = _measure(conc, rate, i, o)
    n = 300
    return {
        "backend": "sglang",
        "dataset_name": "random",
        "request_rate": math.inf if rate is None else rate,
        "max_concurrency": conc,
        "sharegpt_output_len": None,
        "random_input_len": int(i),
        "random_output_len": int(o),
        "random_range_ratio": 1.0,
        "duration": n / m["rps"],
        "completed": n,
        "total_input_tokens": int(i * n),
        "total_output_tokens": int(o * n),
        "total_output_tokens_retokenized": int(o * n) - 3,
        "request_throughput": m["rps"],
        "input_throughput": m["rps"] * i,
        "output_throughput": m["tps"],
        "mean_e2e_latency_ms": m["ttft_ms"] + (o - 1) * m["itl_ms"],
        "median_e2e_latency_ms": m["ttft_ms"] + (o - 1) * m["itl_ms"],
        "std_e2e_latency_ms": 1.0,
        "p99_e2e_latency_ms": 2 * m["ttft_ms"] + (o - 1) * m["itl_ms"],
        "mean_ttft_ms": m["ttft_ms"],
        "median_ttft_ms": m["ttft_ms"],
        "std_ttft_ms": 1.0,
        "p99_ttft_ms": 2 * m["ttft_ms"],
        "mean_tpot_ms": m["itl_ms"],
        "median_tpot_ms": m["itl_ms"],
        "std_tpot_ms": 0.1,
        "p99_tpot_ms": 1.3 * m["itl_ms"],
        "mean_itl_ms": m["itl_ms"],
        "median_itl_ms": m["itl_ms"],
        "std_itl_ms": 0.5,
        "p95_itl_ms": 1.2 * m["itl_ms"],
        "p99_itl_ms": 1.6 * m["itl_ms"],
        "concurrency": m["rps"] * (m["ttft_ms"] + (o - 1) * m["itl_ms"]) / 1e3,
        "accept_length": None,
    }


def _profile_metrics(conc: float | None, rate: float | None, i: float, o: float) -> dict[str, Any]:
    """genai-perf's statistics objects (``metrics/statistics.py``: ``unit``, ``avg``, p1..p99,
    min, max, std; system metrics ``avg`` only); AIPerf's ``JsonMetricResult`` mimics them."""
    m = _measure(conc, rate, i, o)

    def dist(v: float, unit: str) -> dict[str, Any]:
        ps = {f"p{p}": v * (0.8 + p / 250) for p in (1, 5, 10, 25, 50, 75, 90, 95, 99)}
        return {"unit": unit, "avg": v, **ps, "min": 0.7 * v, "max": 1.5 * v, "std": 0.1 * v}

    return {
        "request_throughput": {"unit": "requests/sec", "avg": m["rps"]},
        "request_latency": dist(m["ttft_ms"] + (o - 1) * m["itl_ms"], "ms"),
        "request_count": {"unit": "count", "avg": 120},
        "time_to_first_token": dist(m["ttft_ms"], "ms"),
        "time_to_second_token": dist(m["itl_ms"], "ms"),
        "inter_token_latency": dist(m["itl_ms"], "ms"),
        "output_token_throughput": {"unit": "tokens/sec", "avg": m["tps"]},
        "output_token_throughput_per_user": dist(1e3 / m["itl_ms"], "tokens/sec/user"),
        "output_sequence_length": dist(o, "tokens"),
        "input_sequence_length": dist(i, "tokens"),
    }


def genai_perf_export(conc: float | None, rate: float | None, i: float, o: float) -> dict[str, Any]:
    """``profile_export_genai_perf.json``: the statistics, then ``input_config`` (the config's
    ``to_json_dict``: model_names, analyze, endpoint, perf_analyzer with its ``stimulus``,
    input, output, tokenizer, subcommand; perf_analyzer genai-perf, commit 263c5f6e)."""
    stimulus = {"concurrency": conc} if rate is None else {"request_rate": rate}
    return {
        **_profile_metrics(conc, rate, i, o),
        "input_config": {
            "model_names": [MODEL_ID],
            "analyze": {},
            "endpoint": {"model_selection_strategy": "round_robin", "type": "chat"},
            "perf_analyzer": {"path": "perf_analyzer", "verbose": False, "stimulus": stimulus},
            "input": {"num_dataset_entries": 100},
            "output": {"artifact_directory": "artifacts"},
            "tokenizer": {"name": ""},
            "subcommand": "profile",
        },
    }


def aiperf_export(conc: float | None, rate: float | None, i: float, o: float) -> dict[str, Any]:
    """``profile_export_aiperf.json``: ``JsonExportData`` (aiperf/common/models/
    export_models.py, commit db4f6397), ``input_config`` the ``UserConfig``."""
    loadgen: dict[str, Any] = {"concurrency": conc} if rate is None else {"request_rate": rate}
    return {
        **_profile_metrics(conc, rate, i, o),
        "input_config": {
            "endpoint": {"model_names": [MODEL_ID], "type": "chat", "streaming": True},
            "loadgen": {**loadgen, "request_count": 120},
            "input": {"prompt": {"input_tokens": {"mean": i}}},
        },
        "was_cancelled": False,
        "error_summary": [],
        "start_time": "2026-11-30T12:00:00",
        "end_time": "2026-11-30T12:05:00",
    }


def _summary(v: float) -> dict[str, Any]:
    d = {
        "mean": v,
        "median": v,
        "mode": v,
        "variance": 0.0,
        "std_dev": 0.0,
        "min": v,
        "max": v,
        "count": 100,
        "total_sum": 100 * v,
        "percentiles": {"p50": v, "p90": v, "p99": v},
    }
    return {"successful": d, "errored": None, "incomplete": None, "total": d}


def guidellm_benchmark(
    conc: float | None, rate: float | None, i: float, o: float, v03: bool = False
) -> dict[str, Any]:
    """One of guidellm's ``benchmarks[]``: v0.7.3's ``GenerativeBenchmark`` (``config``:
    ``BenchmarkConfig`` with ``strategy`` and ``backend``; ``metrics``:
    ``GenerativeMetrics`` of ``StatusDistributionSummary``), or v0.3.0's (``args.strategy``,
    ``worker.backend_model``)."""
    m = _measure(conc, rate, i, o)
    if rate is not None:
        strategy: dict[str, Any] = {"type_": "constant", "rate": rate, "max_concurrency": None}
    elif conc == 1:
        strategy = {"type_": "synchronous"}
    else:
        strategy = {"type_": "concurrent", "streams": int(conc or 1)}
    metrics = {
        "request_totals": {"successful": 100, "errored": 0, "incomplete": 0, "total": 100},
        "requests_per_second": _summary(m["rps"]),
        "request_concurrency": _summary(m["rps"] * (m["ttft_ms"] + (o - 1) * m["itl_ms"]) / 1e3),
        "request_latency": _summary((m["ttft_ms"] + (o - 1) * m["itl_ms"]) / 1e3),
        "prompt_token_count": _summary(i),
        "output_token_count": _summary(o),
        "total_token_count": _summary(i + o),
        "time_to_first_token_ms": _summary(m["ttft_ms"]),
        "time_per_output_token_ms": _summary((m["ttft_ms"] + (o - 1) * m["itl_ms"]) / o),
        "inter_token_latency_ms": _summary(m["itl_ms"]),
        "output_tokens_per_second": _summary(m["tps"]),
        "tokens_per_second": _summary(m["rps"] * (i + o)),
    }
    if v03:
        return {
            "type_": "generative_benchmark",
            "args": {"strategy": strategy, "max_number": 100},
            "run_stats": {"requests_made": {"successful": 100, "errored": 0, "incomplete": 0}},
            "worker": {"type_": "generative_requests_worker", "backend_model": MODEL_ID},
            "metrics": metrics,
        }
    return {
        "type_": "generative_benchmark",
        "config": {
            "id_": "b1",
            "run_id": "r1",
            "run_index": 0,
            "strategy": strategy,
            "constraints": {},
            "profile": {"type_": "sweep"},
            "requests": {},
            "backend": {
                "kind": "openai_http",
                "target": "http://localhost:8000",
                "model": MODEL_ID,
            },
            "environment": {},
        },
        "metrics": metrics,
    }


def guidellm_report(
    runs: list[tuple[float | None, float | None, float, float]], v03: bool = False
) -> dict[str, Any]:
    """``benchmarks.json``: ``GenerativeBenchmarksReport`` (metadata, config, benchmarks)."""
    benchmarks = [guidellm_benchmark(c, r, i, o, v03=v03) for c, r, i, o in runs]
    if v03:
        return {"benchmarks": benchmarks}
    return {
        "metadata": {"version": 2, "guidellm_version": "0.7.3", "python_version": "3.12"},
        "config": {"spec": {}},
        "benchmarks": benchmarks,
    }


def _write(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj, indent=2), encoding="utf-8")
    return path


def _write_lines(path: Path, objs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8")
    return path


def _files(tmp_path: Path, fmt: str) -> list[Path]:
    """The synthetic ``RUNS`` in ``fmt``'s files (one file per run where the tool writes one)."""
    if fmt == "vllm":
        return [_write(tmp_path / f"vllm-{k}.json", vllm_result(*r)) for k, r in enumerate(RUNS)]
    if fmt == "sglang":
        return [_write_lines(tmp_path / "sglang.jsonl", [sglang_line(*r) for r in RUNS])]
    if fmt == "genai-perf":
        return [
            _write(tmp_path / f"gp-{k}_genai_perf.json", genai_perf_export(*r))
            for k, r in enumerate(RUNS)
        ]
    if fmt == "aiperf":
        return [
            _write(tmp_path / f"ap-{k}_aiperf.json", aiperf_export(*r)) for k, r in enumerate(RUNS)
        ]
    return [_write(tmp_path / "benchmarks.json", guidellm_report(RUNS))]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("fmt", ["vllm", "sglang", "genai-perf", "aiperf", "guidellm"])
def test_each_format_reads_as_written_and_fits_the_factors(tmp_path: Path, fmt: str) -> None:
    files = _files(tmp_path, fmt)
    ms = cal.read_results(files)
    assert [m.format for m in ms] == [fmt] * len(RUNS)
    assert [m.model for m in ms] == [None if fmt == "sglang" else MODEL_ID] * len(RUNS)
    for m, (conc, rate, i, o) in zip(ms, RUNS, strict=True):
        want = _measure(conc, rate, i, o)
        assert (m.concurrency, m.request_rate) == (conc, rate)
        assert (m.input_tokens, m.output_tokens) == (i, o)
        assert m.mode == ("request_rate" if rate else "concurrency") and not m.burst
        assert m.output_tokens_per_s == pytest.approx(want["tps"], rel=1e-12)
        assert m.requests_per_s == pytest.approx(want["rps"], rel=1e-12)
        assert m.ttft_s == pytest.approx(want["ttft_ms"] / 1e3, rel=1e-12)
        assert m.itl_s == pytest.approx(want["itl_ms"] / 1e3, rel=1e-12)
        assert len(m.sha256) == 64
    c = cal.fit(ms, _replica(), BASE, SETUP)
    assert c.factors.mbu == pytest.approx(0.62, rel=0.01)
    assert c.factors.mfu_prefill == pytest.approx(0.45, rel=0.01)
    assert c.factors.step_overhead_s == pytest.approx(0.0031, rel=0.01)
    assert c.rms_log_error_after < 1e-6 < c.rms_log_error_before


def test_vllm_append_result_burst_and_capped_rate(tmp_path: Path) -> None:
    burst = vllm_result(200, None, 1000, 200) | {"max_concurrency": None}
    capped = vllm_result(None, 4.0, 500, 300) | {"max_concurrency": 8}
    path = tmp_path / "appended.json"
    # --append-result: a newline, then the next object, no trailing newline
    path.write_text(json.dumps(burst) + "\n" + json.dumps(capped), encoding="utf-8")
    one, two = cal.read_result(path)
    assert (one.run, one.mode, one.concurrency, one.load) == (1, "burst", 200.0, "burst of 200")
    assert (two.run, two.mode, two.concurrency, two.load) == (
        2,
        "request_rate",
        8.0,
        "4 req/s, C<=8",
    )


def test_guidellm_v03_layout_and_throughput_run(tmp_path: Path) -> None:
    report = guidellm_report(RUNS[:2], v03=True)
    report["benchmarks"][1]["args"]["strategy"] = {"type_": "throughput", "max_concurrency": None}
    ms = cal.read_result(_write(tmp_path / "old.json", report))
    assert [(m.model, m.mode, m.load) for m in ms] == [
        (MODEL_ID, "concurrency", "C=1"),
        (MODEL_ID, "burst", f"burst of {ms[1].concurrency:g}"),
    ]
    assert ms[0].completed == 100


def test_genai_perf_time_units_and_old_namespace(tmp_path: Path) -> None:
    doc = genai_perf_export(4, None, 1000, 200)
    ttft = doc["time_to_first_token"]["avg"]
    doc["time_to_first_token"] = {"unit": "ns", "avg": ttft * 1e6}
    doc["input_config"] = {"model": [MODEL_ID], "concurrency": 4, "request_rate": None}
    (m,) = cal.read_result(_write(tmp_path / "old_genai_perf.json", doc))
    assert m.ttft_s == pytest.approx(ttft / 1e3) and m.concurrency == 4 and m.model == MODEL_ID


# --------------------------------------------------------------------------- round trip


def test_round_trip_recovers_the_factors(tmp_path: Path) -> None:
    """Predictions -> a vLLM result file -> calibrate from the preset -> the same factors
    (within 1 %), written and read back, and applied."""
    path = _write_lines(tmp_path / "vllm.jsonl", [vllm_result(*r) for r in RUNS])
    c = cal.fit(cal.read_results([path]), _replica(), BASE, SETUP, created="2026-11-30")
    for got, want in (
        (c.factors.mbu, 0.62),
        (c.factors.mfu_prefill, 0.45),
        (c.factors.mfu_decode, 0.45 * RATIO),
        (c.factors.step_overhead_s, 0.0031),
    ):
        assert got == pytest.approx(want, rel=0.01)
    assert c.base == cal.Factors.of(BASE) and c.notes == ()
    for p in c.points:
        assert all(abs(e) < 1e-6 for e in p.after.errors(p.measured))
    out = tmp_path / "calibration.yaml"
    out.write_text(c.to_yaml(), encoding="utf-8")
    back = cal.load_calibration(out)
    assert back.setup == SETUP and back.created == "2026-11-30"
    for name in ("mbu", "mfu_decode", "mfu_prefill", "step_overhead_s"):
        assert getattr(back.factors, name) == pytest.approx(getattr(c.factors, name), rel=1e-9)
    assert back.sources == (cal.SourceFile(str(path), c.sources[0].sha256, "vllm"),)
    assert [p.label for p in back.points] == [f"vllm.jsonl#{k}" for k in range(1, 6)]
    eff = cal.apply(back, inf.ENGINE_PRESETS["default"])
    assert eff.mbu == pytest.approx(0.62, rel=0.01)
    assert (eff.max_batch, eff.kv_reserve_output) == (BASE.max_batch, BASE.kv_reserve_output)
    assert out.read_text().startswith("# llmecon calibration:")


def test_runs_that_cannot_separate_the_factors_say_so(tmp_path: Path) -> None:
    """One run at one concurrency: the weight reads (1 / mbu) and the step overhead add up in
    every step, so a line of factors fits it exactly."""
    path = _write_lines(tmp_path / "one.jsonl", [vllm_result(*RUNS[0])])
    c = cal.fit(cal.read_results([path]), _replica(), BASE, SETUP)
    assert c.rms_log_error_after < 1e-6
    assert c.notes == (
        "the runs do not separate mbu and step_overhead_s (one trades off against another); "
        "add runs at other concurrencies or prompt lengths",
    )


# --------------------------------------------------------------------------- errors


def _error(fn: Any, *args: Any) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        fn(*args)
    return err.value.problems


def test_malformed_results_name_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert _error(cal.read_result, bad) == [
        f"{bad}: not JSON (line 1, column 2: Expecting property name enclosed in double "
        "quotes); give a vLLM `bench serve --save-result` JSON, an SGLang bench_serving "
        "JSONL, a genai-perf or AIPerf profile export JSON, or a guidellm benchmarks JSON"
    ]
    other = _write(tmp_path / "other.json", {"hello": 1})
    assert _error(cal.read_result, other) == [
        f"{other}: not a benchmark result llmecon reads; give a vLLM `bench serve "
        "--save-result` JSON, an SGLang bench_serving JSONL, a genai-perf or AIPerf profile "
        "export JSON, or a guidellm benchmarks JSON"
    ]
    doc = vllm_result(4, None, 1000, 200)
    del doc["mean_ttft_ms"]
    missing = _write(tmp_path / "missing.json", doc)
    assert _error(cal.read_result, missing) == [
        f"{missing}: mean_ttft_ms: missing; a vLLM bench serve --save-result JSON has it -- "
        "give the file as the benchmark wrote it"
    ]
    lines = _write_lines(
        tmp_path / "s.jsonl",
        [sglang_line(4, None, 1000, 200), sglang_line(8, None, 1000, 200) | {"completed": 0}],
    )
    assert _error(cal.read_result, lines) == [
        f"{lines}: line 2: completed: is 0, so the run measured nothing; give a run that "
        "completed requests"
    ]
    report = guidellm_report(RUNS[:1])
    report["benchmarks"][0]["config"]["strategy"] = {"type_": "replay"}
    g = _write(tmp_path / "g.json", report)
    assert _error(cal.read_result, g) == [
        f"{g}: benchmarks[0].config.strategy.type_: strategy 'replay' is not one llmecon "
        "reads; give synchronous, concurrent, throughput, constant or poisson runs"
    ]
    report = guidellm_report(RUNS[:1])
    del report["benchmarks"][0]["metrics"]["time_to_first_token_ms"]
    g2 = _write(tmp_path / "g2.json", report)
    assert _error(cal.read_result, g2) == [
        f"{g2}: benchmarks[0].metrics.time_to_first_token_ms.successful.mean: missing; a "
        "guidellm benchmarks JSON has it -- give the file as the benchmark wrote it"
    ]
    assert _error(cal.read_result, tmp_path / "nope.json") == [
        f"{tmp_path / 'nope.json'}: no such file; check the path"
    ]


def _calibration(tmp_path: Path) -> Path:
    path = _write_lines(tmp_path / "vllm.jsonl", [vllm_result(*r) for r in RUNS])
    c = cal.fit(cal.read_results([path]), _replica(), BASE, SETUP)
    out = tmp_path / "calibration.yaml"
    out.write_text(c.to_yaml(), encoding="utf-8")
    return out


def test_malformed_calibration_files(tmp_path: Path) -> None:
    good = _calibration(tmp_path).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.replace("  mbu: 0.62\n", "  mbu: 1.5\n", 1), encoding="utf-8")
    assert _error(cal.load_calibration, bad) == [
        f"{bad}: factors.mbu: 1.5 is not a share in (0, 1]; give a calibration file written "
        "by `llmecon calibrate`"
    ]
    bad.write_text("workload: {}\n", encoding="utf-8")
    assert _error(cal.load_calibration, bad) == [
        f"{bad}: not an llmecon calibration file; give a calibration file written by "
        "`llmecon calibrate`"
    ]
    bad.write_text("llmecon_calibration: 1\nsetup: [\n", encoding="utf-8")
    assert _error(cal.load_calibration, bad) == [
        f"{bad}: line 3, column 1: malformed YAML; a calibration file from `llmecon "
        "calibrate` is plain YAML"
    ]
    bad.write_text(good.split("factors:")[0], encoding="utf-8")
    assert _error(cal.load_calibration, bad) == [
        f"{bad}: factors: missing or not a mapping; give a calibration file written by "
        "`llmecon calibrate`"
    ]


def test_mismatched_calibration_names_what_differs(tmp_path: Path) -> None:
    c = cal.load_calibration(_calibration(tmp_path))
    assert _error(
        lambda: cal.check_setup(
            c,
            model="Llama 3.1 70B",
            gpu="H200 SXM",
            gpus=2,
            precision="bf16",
            engine="trtllm",
            where="options.llama.calibration",
        )
    ) == [
        "options.llama.calibration: calibrated for model Llama 3.1 8B, not Llama 3.1 70B; "
        "calibrate this setup with `llmecon calibrate`, or use a calibration made for it",
        "options.llama.calibration: calibrated for GPU H100 SXM, not H200 SXM; calibrate "
        "this setup with `llmecon calibrate`, or use a calibration made for it",
        "options.llama.calibration: calibrated on 1 GPU(s) per replica, not 2; calibrate "
        "this setup with `llmecon calibrate`, or use a calibration made for it",
        "options.llama.calibration: calibrated for engine default, not trtllm; calibrate "
        "this setup with `llmecon calibrate`, or use a calibration made for it",
    ]
    # the same setup (names as people write them; no engine chosen) passes
    cal.check_setup(c, model="llama-3.1-8b", gpu="H100-SXM", gpus=1, precision="bf16", where="x")


# --------------------------------------------------------------------------- CLI


PERF = ["perf", "--gpu", "H100", "--input-tokens", "1000", "--output-tokens", "200"]


def test_perf_with_calibration_and_mismatch(tmp_path: Path) -> None:
    path = _calibration(tmp_path)
    args = [*PERF, "--model", "Llama-3.1-8B", "--concurrency", "16", "--json"]
    plain = json.loads(runner.invoke(app, args).output)
    result = runner.invoke(app, [*args, "--calibration", str(path)])
    assert result.exit_code == 0, result.output
    calibrated = json.loads(result.output)
    want = _measure(16, None, 1000, 200)
    assert calibrated["calibration"] == str(path)
    assert calibrated["output_tokens_per_s"] == pytest.approx(want["tps"], rel=1e-3)
    assert calibrated["ttft_ms"] == pytest.approx(want["ttft_ms"], rel=1e-3)
    assert calibrated["output_tokens_per_s"] != plain["output_tokens_per_s"]
    other = runner.invoke(
        app, [*PERF, "--model", "Llama-3.1-70B", "--gpus", "2", "--calibration", str(path)]
    )
    assert other.exit_code == 2
    fix = "give the calibration of this setup (llmecon calibrate), or drop --calibration"
    assert other.stderr == (
        f"error: {path}: calibrated for model Llama 3.1 8B, not Llama 3.1 70B; {fix}\n"
        f"error: {path}: calibrated on 1 GPU(s) per replica, not 2; {fix}\n"
    )
    # the calibration names its engine ("default" here); another --engine contradicts it
    clash = runner.invoke(app, [*args, "--calibration", str(path), "--engine", "trtllm"])
    assert clash.exit_code == 2
    assert clash.stderr == (
        f"error: --engine: trtllm, but {path} was measured on default; drop --engine (the "
        "calibration names its engine) or give a calibration measured on this engine\n"
    )
    assert json.loads(
        runner.invoke(app, [*args, "--calibration", str(path), "--engine", "default"]).output
    ) == {**calibrated, "engine": "default"}
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n", encoding="utf-8")
    broken = runner.invoke(app, [*PERF, "--model", "Llama-3.1-8B", "--calibration", str(bad)])
    assert broken.exit_code == 2
    assert broken.stderr == (
        f"error: {bad}: not an llmecon calibration file; give a calibration file written by "
        "`llmecon calibrate`\n"
    )


CLI_OUTPUT = """\
                         Llama 3.1 8B on 1 x H100 SXM (bf16), engine default: 3 runs from 1 file
┏━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━┓
┃ run          ┃ load ┃ in/out tokens ┃ out tok/s ┃ before ┃ after ┃ TTFT ms ┃ before ┃ after ┃ ITL ms ┃ before ┃ after ┃
┡━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━┩
│ vllm.jsonl#1 │ C=1  │     1,000/200 │      88.5 │  +6.4% │  0.0% │    36.7 │ -26.2% │  0.0% │  11.31 │  -6.0% │  0.0% │
│ vllm.jsonl#2 │ C=16 │     1,000/200 │     869.7 │  +9.8% │  0.0% │    61.6 │ -19.8% │  0.0% │  18.40 │  -8.9% │  0.0% │
│ vllm.jsonl#3 │ C=8  │     3,000/100 │     344.6 │ +16.9% │  0.0% │   161.7 │ -26.6% │  0.0% │  23.22 │ -14.5% │  0.0% │
└──────────────┴──────┴───────────────┴───────────┴────────┴───────┴─────────┴────────┴───────┴────────┴────────┴───────┘
                  Efficiency factors
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━┓
┃ factor                           ┃ preset ┃ fitted ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━┩
│ mbu                              │  0.810 │  0.620 │
│ mfu_prefill                      │  0.610 │  0.450 │
│ mfu_decode (tied to mfu_prefill) │  0.680 │  0.502 │
│ step_overhead_ms                 │  4.300 │  3.100 │
└──────────────────────────────────┴────────┴────────┘
RMS log error of throughput, TTFT and ITL: 0.186 with the preset, 0.000 fitted
wrote {out}; use it with: llmecon perf ... --calibration {out}
"""


def test_cli_prints_errors_before_and_after_and_writes_the_file(tmp_path: Path) -> None:
    runs = [RUNS[0], RUNS[1], RUNS[3]]
    path = _write_lines(tmp_path / "vllm.jsonl", [vllm_result(*r) for r in runs])
    out = tmp_path / "c.yaml"
    result = runner.invoke(app, ["calibrate", str(path), "--gpu", "H100", "-o", str(out)])
    assert result.exit_code == 0, result.output
    # exact, but for the spaces rich pads a centred title with
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines == CLI_OUTPUT.format(out=out).splitlines()
    c = cal.load_calibration(out)
    assert c.setup == SETUP and len(c.points) == 3
    assert c.sources[0].file == str(path)


def test_cli_model_errors(tmp_path: Path) -> None:
    sg = _write_lines(tmp_path / "sg.jsonl", [sglang_line(*RUNS[0])])
    result = runner.invoke(app, ["calibrate", str(sg), "--gpu", "H100"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --model: the results do not name their model (SGLang bench_serving records "
        "none); give --model\n"
    )
    v = _write(tmp_path / "v.json", vllm_result(*RUNS[0]))
    result = runner.invoke(
        app, ["calibrate", str(v), "--gpu", "H100", "--model", "Llama-3.1-70B", "--gpus", "4"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {v}: the results are for Llama 3.1 8B ('{MODEL_ID}'), not --model Llama 3.1 "
        "70B; give results of Llama 3.1 70B, or --model Llama 3.1 8B\n"
    )
    unknown = _write(tmp_path / "u.json", vllm_result(*RUNS[0]) | {"model_id": "my-model"})
    result = runner.invoke(app, ["calibrate", str(unknown), "--gpu", "H100"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {unknown}: the results' model 'my-model' is not in the catalog; give --model "
        "with its catalog name (llmecon catalog models)\n"
    )
    ok = runner.invoke(
        app,
        [
            "calibrate",
            str(unknown),
            "--gpu",
            "H100",
            "--model",
            "Llama-3.1-8B",
            "-o",
            str(tmp_path / "ok.yaml"),
        ],
    )
    assert ok.exit_code == 0, ok.output


def test_a_scenario_option_applies_its_calibration_and_refuses_another_setup(
    tmp_path: Path,
) -> None:
    """``calibration: FILE`` (relative to the scenario file) replaces the preset's factors:
    the option's efficiency assumption names the file, and the layout is the calibrated one
    (1 GPU); a calibration made for another model is refused, naming both."""
    from llmecon.engine import evaluate
    from llmecon.errors import ScenarioError
    from llmecon.scenario import load_scenario

    path = _write_lines(tmp_path / "vllm.jsonl", [vllm_result(*r) for r in RUNS])
    c = cal.fit(cal.read_results([path]), _replica(), BASE, SETUP, created="2026-11-30")
    (tmp_path / "cal.yaml").write_text(c.to_yaml(), encoding="utf-8")
    text = (
        "start_date: 2026-01-01\n"
        "workload: {requests_per_month: 3000000, input_tokens: 1000, output_tokens: 200}\n"
        "options:\n"
        "  - {name: own, kind: self_hosted, model: llama-3.1-8b, gpu: H100, usd_per_gpu_hour: 2,"
        " calibration: cal.yaml}\n"
    )
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    o = evaluate(load_scenario(tmp_path / "s.yaml")).options[0]
    assert o.details["gpus_per_replica"] == 1
    assert any("options.own.calibration cal.yaml (2026-11-30" in a for a in o.assumptions)
    (tmp_path / "other.yaml").write_text(text.replace("llama-3.1-8b", "llama-3.1-70b"))
    with pytest.raises(ScenarioError) as err:
        evaluate(load_scenario(tmp_path / "other.yaml"))
    assert "calibrated for model Llama 3.1 8B, not Llama 3.1 70B" in str(err.value)
