"""Published rate-limit tiers, and feasibility decided per sample."""

from __future__ import annotations

import numpy as np
import pytest

from llmecon import evaluate, parse_scenario
from llmecon.catalog import CatalogError, rate_limit
from llmecon.scenario import ScenarioError
from tests.conftest import api_option, scenario_dict


def _scenario(requests: float, tier: str, **extra: object) -> dict[str, object]:
    gpt_4o = api_option(
        "o",
        prices=None,
        provider="openai",
        model="gpt-4o",
        rate_limit_tier=tier,
        zero_upkeep=False,
        **extra,
    )
    return scenario_dict(
        [gpt_4o],
        workload={
            "requests_per_month": requests,
            "input_tokens": 1000,
            "output_tokens": 200,
            "peak_to_average": 1.0,
        },
    )


def test_tier_row() -> None:
    t = rate_limit("openai-tier-1", "gpt-4o")
    assert (t.rpm, t.tpm) == (500.0, 30000.0)
    with pytest.raises(CatalogError, match="unknown rate-limit tier 'openai-tier-9'"):
        rate_limit("openai-tier-9", "gpt-4o")


def test_tier_limits_make_an_api_infeasible_above_its_tpm() -> None:
    # flat traffic: 1e6 requests/month / 730.5 h / 60 = 22.8 requests/min x 1,200 tokens
    # = 27,379 tokens/min < 30,000 (tier 1); 2e6 requests/month -> 54,757 > 30,000
    ok = evaluate(parse_scenario(_scenario(1e6, "openai-tier-1")))
    assert ok.options[0].feasible
    assert ok.options[0].details["peak_tokens_per_min"] == pytest.approx(1e6 / 730.5 / 60 * 1200)
    over = evaluate(parse_scenario(_scenario(2e6, "openai-tier-1")))
    assert not over.options[0].feasible
    assert (
        over.options[0]
        .infeasible_reasons[0]
        .startswith("peak load passes the tier's limits from month 0: 54,757 tokens/min > 30,000")
    )
    higher = evaluate(parse_scenario(_scenario(2e6, "openai-tier-2")))
    assert higher.options[0].feasible


def test_unknown_tier_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError) as err:
        evaluate(parse_scenario(_scenario(1e6, "openai-tier-9")))
    assert err.value.problems[0].startswith("options[0].rate_limit_tier: unknown rate-limit tier")


def test_feasibility_is_per_sample() -> None:
    scenario = parse_scenario(_scenario(1e6, "openai-tier-1"))
    ev = evaluate(scenario, {"workload.requests_per_month": np.array([5e5, 1e6, 2e6, 4e6])})
    from llmecon.engine import price_all

    _, costs, _ = price_all(
        scenario, {"workload.requests_per_month": np.array([5e5, 1e6, 2e6, 4e6])}
    )
    assert costs[0].feasible.tolist() == [True, True, False, False]
    assert costs[0].infeasible_reasons[0].endswith("(in 50% of samples)")
    assert ev.options[0].feasible is False  # not feasible in every sample
