"""Regression tests for the cost-engine review: each bug it confirmed, with the hand-computed
expected value (hybrid quality and failures, hybrid's own fields and delay, long-context tiers,
cached prices, separate input/output rate limits, flat-price and per-success reasons).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from llmecon.engine import evaluate
from tests.conftest import api_option, build, hybrid_option


def _scen(
    options: list[dict],
    months: int = 12,
    rate: float = 0.0,
    org: dict | None = None,
    min_quality: float | None = None,
    **wl: Any,
):
    """Flat 1M requests/month of 1,000 input and 100 output tokens, no observability bill."""
    return build(
        options,
        horizon_months=months,
        discount_rate_annual=rate,
        workload={"input_tokens": 1000, "monthly_growth": 0.0, "peak_to_average": 1.0, **wl},
        organisation={"observability_usd_per_month": 0.0, **(org or {})},
        constraints=None if min_quality is None else {"min_quality": min_quality},
    )


# ------------------------------------------------------------------ hybrid (options._hybrid)


def test_cascade_that_lifts_a_cheap_leg_over_the_quality_bar_is_feasible() -> None:
    # cascade: 50 % of traffic escalated from a 0.86 model to a 0.95 model
    # blended success = 0.86 * 0.5 + 0.95 * 0.5 = 0.905 >= min_quality 0.90 -> feasible
    s = _scen(
        [
            api_option("cheap", 0.1, 0.4, quality=0.86),
            api_option("big", 2.5, 10.0, quality=0.95),
            hybrid_option("casc", ["cheap", "big"], 0.5, mode="cascade"),
        ],
        min_quality=0.90,
    )
    o = evaluate(s).option("casc")
    assert o.quality == pytest.approx(0.905)
    assert o.feasible, o.infeasible_reasons


def test_cascade_failure_cost_counts_each_request_once() -> None:
    # 1M requests, free tokens, $1 per failed task; cascade escalates 20 % from q=0.8 to q=0.9
    # blended quality 0.8*0.8 + 0.9*0.2 = 0.82 -> failures 1M * 0.18 = $180,000
    # (engine: leg 1 1M * 0.2 + leg 2 0.2M * 0.1 = $220,000)
    s = _scen(
        [
            api_option("cheap", 0.0, 0.0, quality=0.8),
            api_option("big", 0.0, 0.0, quality=0.9),
            hybrid_option("casc", ["cheap", "big"], 0.2, mode="cascade"),
        ],
        months=1,
        org={"cost_per_failure_usd": 1.0},
    )
    o = evaluate(s).option("casc")
    assert float(o.total_usd) == pytest.approx(180_000.0)


def test_hybrid_own_network_storage_is_priced() -> None:
    # legs: $1/M tokens, 1M requests x 1,100 tokens -> leg a $1,100 + leg b 20 % x $1,100 = $1,320
    # the hybrid's own $1,000/month network & storage bill -> $2,320 in one month
    s = _scen(
        [
            api_option("a", 1.0, 1.0),
            api_option("b", 1.0, 1.0),
            hybrid_option("h", ["a", "b"], 0.2, network_storage_usd_per_month=1000.0),
        ],
        months=1,
    )
    assert float(evaluate(s).option("h").total_usd) == pytest.approx(2320.0)


def test_hybrid_user_quality_is_kept() -> None:
    s = _scen(
        [
            api_option("a", 1.0, 1.0),
            api_option("b", 1.0, 1.0),
            hybrid_option("h", ["a", "b"], 0.2, quality=0.97),
        ],
        months=1,
    )
    assert evaluate(s).option("h").quality == pytest.approx(0.97)


def test_hybrid_cost_of_delay_charged_once() -> None:
    # both legs take 52/12 weeks = 1 month; $1,000/month cost of delay; one go-live -> $1,000
    wk = 52.0 / 12.0
    s = _scen(
        [
            api_option("a", 0.0, 0.0, time_to_deploy_weeks=wk),
            api_option("b", 0.0, 0.0, time_to_deploy_weeks=wk),
            hybrid_option("h", ["a", "b"], 0.2, time_to_deploy_weeks=wk),
        ],
        months=1,
        org={"cost_of_delay_usd_per_month": 1000.0},
    )
    assert float(evaluate(s).option("h").total_usd) == pytest.approx(1000.0)


# ------------------------------------------------------------------ API pricing (options._api)


def test_long_context_tier_applies_to_cached_input() -> None:
    # claude-sonnet-4-5 > 200k prompt: $6 in, $0.60 cache read, $22.50 out (genai-prices tiers)
    # 250k prompt, half cached, 1k out: (125000*6 + 125000*0.6 + 1000*22.5)/1e6 = $0.8475
    o = api_option("son", prices=None, provider="anthropic", model="claude-sonnet-4-5")
    s = _scen(
        [o],
        months=1,
        requests_per_month=1000,
        input_tokens=250_000,
        output_tokens=1000,
        cached_input_share=0.5,
    )
    got = evaluate(s).option("son").details["api_cost_per_request_usd"]
    assert got == pytest.approx(0.8475, rel=1e-9)


def test_long_context_tier_follows_swept_input_price() -> None:
    # 1,000 requests x 250k input tokens; tier = 2x base input (6/3). Swept base $3 and $12 ->
    # tier $6 and $24 -> $1,500 and $6,000 (engine: $1,500 for both)
    o = api_option("son", prices=None, provider="anthropic", model="claude-sonnet-4-5")
    s = _scen([o], months=1, requests_per_month=1000, input_tokens=250_000, output_tokens=0)
    ev = evaluate(s, {"options.son.prices.input_per_mtok": np.array([3.0, 12.0])})
    np.testing.assert_allclose(ev.option("son").total_usd, [1500.0, 6000.0])


def test_user_prices_without_cached_price_do_not_use_catalog_cached_price() -> None:
    # negotiated $1/M input for gpt-4o, all input cached, no output:
    # at most 1000 * $1 / 1e6 = $0.001 per request (docs: "cached tokens at the input price")
    o = api_option("g", 1.0, 4.0, provider="openai", model="gpt-4o")
    s = _scen([o], months=1, input_tokens=1000, output_tokens=0, cached_input_share=1.0)
    assert evaluate(s).option("g").details["api_cost_per_request_usd"] <= 0.001 + 1e-12


# ------------------------------------------------------------------ rate limits


def _haiku_tier2() -> dict:
    return api_option(
        "haiku",
        prices=None,
        provider="anthropic",
        model="claude-haiku-4-5",
        rate_limit_tier="anthropic-tier-2",
    )


def test_anthropic_itpm_counts_uncached_input_only() -> None:
    # tier 2 haiku-4.5: 1,000 RPM, 450k ITPM (cache reads excluded), 90k OTPM
    # 420 req/min x 1000 tokens x 50 % uncached = 210k ITPM; 420 x 100 = 42k OTPM -> feasible
    s = _scen(
        [_haiku_tier2()],
        months=1,
        requests_per_month=420 * 730.5 * 60,
        input_tokens=1000,
        output_tokens=100,
        cached_input_share=0.5,
    )
    o = evaluate(s).option("haiku")
    assert o.feasible, o.infeasible_reasons


def test_anthropic_otpm_is_checked() -> None:
    # 300 req/min x 1000 output tokens = 300k OTPM > 90k -> infeasible
    s = _scen(
        [_haiku_tier2()],
        months=1,
        requests_per_month=300 * 730.5 * 60,
        input_tokens=100,
        output_tokens=1000,
    )
    assert not evaluate(s).option("haiku").feasible


# ------------------------------------------------------------------ recommendation texts


def test_flat_price_reason_matches_flat_price_npv() -> None:
    # 36 months, 50 %/yr discount. a: $1,000/month at flat prices, -50 %/yr trend; b: $1,241.66/month
    # flat NPV: a = 1000 * sum 1.5^(-m/12) = $21,180 < b = $26,299 -> a wins with flat prices
    # (engine: 11,007 + 36,000 - 15,590 = $31,417 > $26,299 -> "b would win")
    s = _scen(
        [
            api_option("a", 1.0, 0.0, price_change_per_year=-0.5),
            api_option("b", 1.241656053725627, 0.0),
        ],
        months=36,
        rate=0.5,
    )
    ev = evaluate(s)
    assert ev.recommendation.option == "a"
    s_flat = s.model_copy(deep=True)
    s_flat.options[0].price_change_per_year = 0.0
    assert float(evaluate(s_flat).option("a").npv_usd) == pytest.approx(21180.40, abs=0.1)
    assert "the answer holds with every price and capability trend flat" in (
        ev.recommendation.reasons
    ), ev.recommendation.reasons


def test_zero_quality_option_is_not_recommended() -> None:
    s = _scen(
        [api_option("zero", 1.0, 1.0, quality=0.0), api_option("good", 1.0, 1.0, quality=0.9)]
    )
    assert evaluate(s).recommendation.option == "good"


def test_per_success_reason_shows_per_task_figure() -> None:
    # a: 1M req/month x 1,100 tokens x $1/M = $1,100/month, 12 months, 0 % discount: NPV $13,200
    # successes 12M x 0.5 = 6M -> $0.0022 per successful task = $2.20 per 1,000
    # (the text once showed $26k = 13,200 / 0.5)
    s = _scen([api_option("a", 1.0, 1.0, quality=0.5), api_option("b", 2.0, 2.0, quality=0.9)])
    r = evaluate(s).recommendation.reasons[0]
    first = re.search(r"\$([\d,.]+)(k|M)?", r)
    assert first is not None
    v = float(first.group(1).replace(",", "")) * {"k": 1e3, "M": 1e6, None: 1.0}[first.group(2)]
    assert "NPV per 1,000 successful tasks" in r
    assert v == pytest.approx(2.2, rel=0.01), r
