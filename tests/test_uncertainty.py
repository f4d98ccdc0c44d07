"""Monte Carlo: validation, golden draws, properties and reproducibility."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmecon.analysis.uncertainty import parse_uncertainty, simulate
from llmecon.scenario import ScenarioError
from tests.conftest import ZERO_ORG, api_option, build, hybrid_option, self_hosted_option

UNC: dict[str, Any] = {
    "workload.requests_per_month": {"dist": "triangular", "low": 2e5, "mode": 1e6, "high": 4e6},
    "options.own.usd_per_gpu_hour": {"dist": "uniform", "low": 1.0, "high": 3.0},
    "workload.monthly_growth": {"dist": "normal", "mean": 0.02, "sd": 0.02},
    "options.api.prices.output_per_mtok": {"dist": "lognormal", "median": 5.0, "sigma": 0.2},
    "options.mix.escalation_share": {"dist": "discrete", "values": [0.1, 0.3], "weights": [3, 1]},
}


def scenario(unc: dict[str, Any] | None = None) -> Any:
    return build(
        [
            api_option(),
            self_hosted_option(),
            hybrid_option("mix", ["own", "api"], 0.2, zero_upkeep=False),
        ],
        horizon_months=12,
        organisation=ZERO_ORG,
        uncertainty=UNC if unc is None else unc,
    )


S = scenario()


def test_validation_one_line_per_problem() -> None:
    bad = {
        "workload.request_per_month": {"dist": "uniform", "low": 1, "high": 2},
        "workload.output_tokens": {"dist": "gamma"},
        "workload.input_tokens": {"dist": "triangular", "low": 3, "mode": 1, "high": 2},
        "options.own.usd_per_gpu_hour": {"dist": "uniform", "low": 1},
        "options.api.prices.input_per_mtok": {"dist": "lognormal", "median": 1, "sd": 2},
        "options.mix.escalation_share": {"dist": "discrete", "values": [0.1, 0.2], "weights": [1]},
        "workload.monthly_growth": {"dist": "normal", "sd": -1, "extra": 1},
    }
    with pytest.raises(ScenarioError) as e:
        parse_uncertainty(scenario(bad))
    lines = e.value.problems
    assert len(lines) == 7
    assert all(line.startswith("uncertainty.") for line in lines)
    assert "workload.requests_per_month" in lines[0]  # suggests the valid path
    assert "use one of triangular, uniform, normal, lognormal, discrete" in lines[1]
    assert "low <= mode <= high" in lines[2]
    assert "uniform needs high" in lines[3]
    assert "either median and sigma, or mean and sd" in lines[4]
    assert "weights" in lines[5]
    assert "unknown key(s) extra" in lines[6]


def test_lognormal_mean_sd_and_normal_default_mean() -> None:
    d = parse_uncertainty(
        scenario(
            {
                "options.own.usd_per_gpu_hour": {"dist": "lognormal", "mean": 2.0, "sd": 1.0},
                "workload.monthly_growth": {"dist": "normal", "sd": 0.01},
            }
        )
    )
    r = 1 + (1.0 / 2.0) ** 2
    assert d["options.own.usd_per_gpu_hour"].p["median"] == pytest.approx(2.0 / math.sqrt(r))
    assert d["options.own.usd_per_gpu_hour"].p["sigma"] == pytest.approx(math.sqrt(math.log(r)))
    assert d["workload.monthly_growth"].p["mean"] == 0.0  # the scenario's value


def test_golden_linear_api_percentiles() -> None:
    # api NPV is linear in the volume when it is the only uncertain input; uniform volume on
    # [0.5M, 1.5M] -> P50 of NPV equals NPV at ~1M (the base case) within sampling noise
    s = scenario({"workload.requests_per_month": {"dist": "uniform", "low": 5e5, "high": 1.5e6}})
    r = simulate(s, 20_000, seed=3)
    from llmecon.engine import evaluate

    base = float(evaluate(s).option("api").npv_usd)
    api = r.option("api")
    assert api.npv_usd.p50 == pytest.approx(base, rel=0.02)
    # P10 / P90 of a uniform: 0.6M and 1.4M -> 0.6x and 1.4x the per-request part
    assert api.npv_usd.p10 < 0.7 * base and api.npv_usd.p90 > 1.3 * base


def test_reproducible_and_chunk_independent() -> None:
    a = simulate(S, 500, seed=11, chunk=64)
    b = simulate(S, 500, seed=11, chunk=500)
    assert a.to_dict() == b.to_dict()
    c = simulate(S, 500, seed=12)
    assert c.to_dict()["options"] != a.to_dict()["options"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300))
def test_properties(seed: int, n: int) -> None:
    r = simulate(S, n, seed=seed)
    for o in r.options:
        assert o.npv_usd.p10 <= o.npv_usd.p50 <= o.npv_usd.p90
        assert o.total_usd.p10 <= o.total_usd.p50 <= o.total_usd.p90
        assert 0.0 <= o.p_cheapest <= 1.0
    assert sum(o.p_cheapest for o in r.options) + r.p_none_feasible == pytest.approx(1.0)
    assert r.p_base_winner_cheapest == r.option(r.base_winner).p_cheapest  # type: ignore[arg-type]
    again = simulate(S, n, seed=seed)
    assert again.to_dict() == r.to_dict()


def test_samples_clipped_to_domain() -> None:
    from llmecon.analysis.uncertainty import draw

    d = parse_uncertainty(
        scenario(
            {
                "options.mix.escalation_share": {"dist": "normal", "mean": 0.5, "sd": 2.0},
                "options.own.usd_per_gpu_hour": {"dist": "normal", "mean": 0.1, "sd": 5.0},
            }
        )
    )
    x = draw(d, 2000, seed=1)
    assert np.all(
        (x["options.mix.escalation_share"] >= 0) & (x["options.mix.escalation_share"] <= 1)
    )
    assert np.all(x["options.own.usd_per_gpu_hour"] >= 0)


def test_no_uncertainty_section_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match="declares no uncertain inputs"):
        simulate(scenario({}), 10)


def test_json_shape() -> None:
    d = simulate(S, 50, seed=0).to_dict()
    assert set(d) == {"samples", "seed", "parameters", "options", "robustness", "notes", "explain"}
    assert set(d["options"][0]) == {
        "name",
        "total_usd",
        "npv_usd",
        "npv_mean_usd",
        "p_feasible",
        "p_cheapest",
    }
    assert set(d["robustness"]) == {
        "base_winner",
        "p_base_winner_cheapest",
        "runner_up",
        "p_runner_up_cheapest",
        "p_none_feasible",
        "close_call",
    }


def test_a_winner_cheapest_in_under_70_percent_of_samples_is_a_close_call() -> None:
    """Two equal APIs whose price swings ±10 % apart: each wins about half the samples."""
    s = build(
        [api_option("a"), api_option("b")],
        uncertainty={
            "options.b.prices.input_per_mtok": {"dist": "uniform", "low": 0.9, "high": 1.1}
        },
    )
    sim = simulate(s, 400, seed=0)
    assert sim.close_call
    assert sim.explain().endswith(": a close call (under 70%), decided by the uncertain inputs")
