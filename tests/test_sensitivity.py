"""Sensitivity: one vectorised call, golden swings, ranges from the uncertainty section."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from llmecon.analysis._common import price_samples
from llmecon.analysis.sensitivity import DEFAULT_SWING, sensitivity, swing_ranges
from llmecon.scenario import ScenarioError
from tests.conftest import ZERO_ORG, api_option, build, hybrid_option


def scenario(uncertainty: dict[str, Any] | None = None) -> Any:
    return build(
        [
            api_option("cheap", 1.0, 5.0),
            api_option("dear", 2.0, 10.0),
            hybrid_option("mix", ["cheap", "dear"], 0.9, zero_upkeep=False),
        ],
        horizon_months=12,
        discount_rate_annual=0.0,
        organisation=ZERO_ORG,
        uncertainty=uncertainty or {},
    )


def test_golden_volume_swing() -> None:
    # cheap: 12 months x V x $0.001 = $12,000 at 1M/month; ±30 % volume -> $8,400 .. $15,600
    r = sensitivity(scenario())
    assert r.option_a == "cheap" and r.option_b == "dear"
    sw = next(s for s in r.options["cheap"].swings if s.parameter == "workload.requests_per_month")
    assert (sw.low, sw.high) == (pytest.approx(700_000), pytest.approx(1_300_000))
    assert sw.at_low_usd == pytest.approx(8_400.0)
    assert sw.at_high_usd == pytest.approx(15_600.0)
    assert sw.source == f"default ±{DEFAULT_SWING:.0%}"
    # the gap cheap - dear = -12,000 at base; volume moves it to -8,400 .. -15,600
    d = r.difference
    assert d is not None and d.base_usd == pytest.approx(-12_000.0)
    top = d.swings[0]
    assert top.swing_usd == pytest.approx(7_200.0)
    assert not top.flips


def test_sorted_by_swing_and_one_call_matches_single_overrides() -> None:
    s = scenario()
    r = sensitivity(s)
    tor = r.options["mix"]
    swings = [x.swing_usd for x in tor.swings]
    assert swings == sorted(swings, reverse=True)
    for sw in tor.swings[:3]:
        p = price_samples(s, {sw.parameter: np.array([sw.low, sw.high])}, n=2)
        k = p.index("mix")
        assert p.npv[k].tolist() == pytest.approx([sw.at_low_usd, sw.at_high_usd])


def test_shares_clipped_and_uncertainty_ranges_used() -> None:
    r = sensitivity(
        scenario(
            {"options.cheap.prices.output_per_mtok": {"dist": "uniform", "low": 1.0, "high": 20.0}}
        )
    )
    share = next(
        x for x in r.options["mix"].swings if x.parameter == "options.mix.escalation_share"
    )
    assert (share.low, share.high) == (pytest.approx(0.63), 1.0)  # 0.9 x 1.3 clipped to 1
    out = next(
        x for x in r.difference.swings if x.parameter == "options.cheap.prices.output_per_mtok"
    )  # type: ignore[union-attr]
    assert (out.low, out.high, out.source) == (1.0, 20.0, "uncertainty")
    # at $20/1M output tokens cheap costs 500 + 2000 per 1M requests > dear's 2000: flips
    assert out.flips


def test_skips_zero_and_structural() -> None:
    ranges, skipped = swing_ranges(scenario())
    assert "options.cheap.engineering_weeks" in skipped  # base 0
    assert all(not p.startswith("latency.") for p in ranges)
    with pytest.raises(ScenarioError):
        sensitivity(scenario(), swing=1.5)
    d = sensitivity(scenario()).to_dict()
    assert set(d) == {
        "parameters",
        "default_swing",
        "option_a",
        "option_b",
        "options",
        "difference",
        "skipped",
        "explain",
    }
