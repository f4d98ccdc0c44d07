"""Latency percentiles (issue 12): TTFT's queueing tail and ITL's prefill stalls, hand-computed
cases, invariants, and targets met at a percentile in ``at_slo`` and in a scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.catalog import resolve_gpu, resolve_model
from llmecon.engine import evaluate
from llmecon.perf import inference as inf
from llmecon.perf.replica import build_replica
from tests.conftest import build, self_hosted_option


def _point(**parts: float) -> inf.ServingPoint:
    one = np.asarray(1.0)
    base = {
        "concurrency": one,
        "requests_per_s": one,
        "output_tokens_per_s": one,
        "total_tokens_per_s": one,
        "ttft_s": np.asarray(0.1),
        "itl_s": np.asarray(0.02),
        "decode_step_s": np.asarray(0.015),
        "memory_bound": np.asarray(True),
    }
    return inf.ServingPoint(**{**base, **{k: np.asarray(v) for k, v in parts.items()}})


def test_ttft_quantile_by_hand() -> None:
    """Mean TTFT 100 ms = fixed + mean wait 20 ms + half the 10 ms step spread: fixed = 75 ms.
    The wait waits with probability 0.5, then exponential with mean 20 / 0.5 = 40 ms:
    p90 = 75 + 40 ln(0.5 / 0.1) + 0.9 x 10 = 75 + 64.378 + 9 = 148.378 ms; p40 (below
    1 - 0.5) has no wait: 75 + 4 = 79 ms."""
    p = _point(ttft_wait_s=0.02, ttft_wait_prob=0.5, step_spread_s=0.01)
    assert float(p.ttft_quantile(0.9)) == pytest.approx(0.075 + 0.04 * math.log(5) + 0.009)
    assert float(p.ttft_quantile(0.4)) == pytest.approx(0.079)


def test_itl_quantile_by_hand() -> None:
    """Mean ITL 20 ms, 10 % of steps stalled by 50 ms: the others take 20 - 5 = 15 ms;
    p50 = 15 ms, p95 = 65 ms; 0.9 x 15 + 0.1 x 65 = 20 (the mean)."""
    p = _point(itl_stall_s=0.05, itl_stall_share=0.1)
    assert float(p.itl_quantile(0.5)) == pytest.approx(0.015)
    assert float(p.itl_quantile(0.95)) == pytest.approx(0.065)


REPLICA, _ = build_replica(resolve_model("llama-3.1-8b"), resolve_gpu("H100"), "fp8", 1)
EFF = inf.ENGINE_PRESETS["vllm"]


@settings(max_examples=40, deadline=None)
@given(
    rate=st.floats(0.1, 20.0),
    i=st.floats(100, 8000),
    o=st.floats(2, 1000),
    q=st.floats(0.5, 0.99),
)
def test_quantiles_grow_with_q_and_add_up_to_the_means(
    rate: float, i: float, o: float, q: float
) -> None:
    p = inf.at_request_rate(REPLICA, rate, i, o, EFF)
    if bool(p.overloaded):
        return
    assert float(p.ttft_quantile(q)) <= float(p.ttft_quantile(min(q + 0.005, 0.999))) + 1e-12
    assert float(p.itl_quantile(q)) <= float(p.itl_quantile(min(q + 0.005, 0.999))) + 1e-12
    # the parts add back up to the means
    wait = float(p.ttft_wait_s)
    assert float(p.ttft_s) == pytest.approx(
        float(p.ttft_quantile(0.0)) + wait + 0.5 * float(p.step_spread_s), rel=1e-9
    )
    # the steps that carry no prefill chunk take exactly one decode step
    assert float(p.itl_quantile(0.0)) == pytest.approx(float(p.decode_step_s), rel=1e-9)


def test_a_percentile_target_serves_no_more_than_the_mean_one() -> None:
    mean, ok_m = inf.at_slo(REPLICA, 2000, 200, 0.5, 0.05, EFF)
    p95, ok_p = inf.at_slo(REPLICA, 2000, 200, 0.5, 0.05, EFF, percentile=0.95)
    assert bool(ok_m) and bool(ok_p)
    assert float(p95.requests_per_s) <= float(mean.requests_per_s)
    assert float(p95.ttft_quantile(0.95)) <= 0.5 + 1e-9
    assert float(p95.itl_quantile(0.95)) <= 0.05 + 1e-9


def test_a_scenario_meets_its_targets_at_a_percentile() -> None:
    fields = {"measured_requests_per_s": None, "gpus_per_replica": None, "precision": "fp8"}
    work = {"requests_per_month": 3e7, "input_tokens": 2000, "output_tokens": 200}
    mean = build([self_hosted_option(**fields)], workload=work, latency={"ttft_ms": 80})
    p99 = build(
        [self_hosted_option(**fields)],
        workload=work,
        latency={"ttft_ms": 80, "percentile": 99},
    )
    m, t = evaluate(mean), evaluate(p99)
    assert (
        t.options[0].details["per_replica"]["requests_per_s"]
        < m.options[0].details["per_replica"]["requests_per_s"]
    )
    assert any(a.startswith("latency targets are met at p99") for a in t.assumptions)


def test_perf_meets_targets_at_a_percentile_and_refuses_one_without_targets() -> None:
    import json

    from typer.testing import CliRunner

    from llmecon.cli import app

    base = [
        "perf", "--model", "llama-3.1-8b", "--gpu", "H100", "--precision", "fp8",
        "--input-tokens", "2000", "--output-tokens", "200",
    ]  # fmt: skip
    r = CliRunner().invoke(app, [*base, "--ttft-ms", "80", "--percentile", "99", "--json"])
    out = json.loads(r.output)
    assert out["mode"] == "slo at p99" and out["slo_met"] is True
    assert out["ttft_p99_ms"] <= 80.0 + 1e-3
    r = CliRunner().invoke(app, [*base, "--percentile", "99"])
    assert r.exit_code == 2
    assert r.output == (
        "error: --percentile: applies to latency targets; give --ttft-ms or --itl-ms with it\n"
    )
