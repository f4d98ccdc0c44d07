"""Break-even: golden hand-computed crossings, stepped curves with several crossings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from llmecon.analysis.breakeven import (
    breakeven,
    breakeven_report,
    crossings_on_grid,
    crossover_month,
    refine_crossings,
    sign_changes,
)
from llmecon.perf.capacity import HOURS_PER_MONTH
from llmecon.scenario import ScenarioError
from tests.conftest import ZERO_ORG, api_option, build, self_hosted_option


def golden(**self_hosted: Any) -> Any:
    """API at $0.001/request (500 in x $1 + 100 out x $5 per 1M) vs one self-hosted replica
    at $2/GPU-h; every other cost set to 0."""
    fields = {"measured_requests_per_s": 1000.0, "headroom": 0.0, "ops_fte_per_100_gpus": 0}
    own = self_hosted_option(**{**fields, **self_hosted})
    return build(
        [api_option(), own],
        horizon_months=24,
        workload={"peak_to_average": 1.0},
        organisation=ZERO_ORG,
    )


def test_golden_linear_crossing() -> None:
    # API: V * (500 * 1 + 100 * 5) / 1e6 = V * 0.001 USD/month; own: 1 replica x 730.5 h x $2
    # = $1,461/month; equal at V = 1,461,000 requests/month (NPV, total and run-rate alike).
    expected = 2.0 * HOURS_PER_MONTH / 0.001
    assert expected == pytest.approx(1_461_000.0)
    s = golden()
    for metric in ("npv", "total", "run_rate"):
        r = breakeven(s, "api", "own", metric=metric)
        assert len(r.crossings) == 1
        c = r.crossings[0]
        assert c.value == pytest.approx(expected, rel=1e-5)
        assert (c.cheaper_below, c.cheaper_above) == ("api", "own")
        assert [iv.cheaper for iv in r.intervals] == ["api", "own"]
        assert "own wins above 1.46M requests/month" in r.explain()


def test_golden_gpu_price_crossing() -> None:
    # at 1M requests/month the API costs $1,000/month: equal at p = 1000 / 730.5 $/GPU-h
    s = golden()
    r = breakeven(s, "api", "own", on="options.own.usd_per_gpu_hour")
    assert len(r.crossings) == 1
    assert r.crossings[0].value == pytest.approx(1000.0 / HOURS_PER_MONTH, rel=1e-5)
    assert r.crossings[0].cheaper_below == "own"
    assert r.scale == "log"


def test_stepped_curve_several_crossings() -> None:
    # flat traffic, one replica serves exactly 2M requests/month -> own = 1461 * ceil(V / 2M);
    # API = V / 1000. Crossings: 1.461M, 2M (jump), 2.922M, 4M (jump), 4.383M; above, own wins.
    rps = 2e6 / (HOURS_PER_MONTH * 3600.0)
    s = golden(measured_requests_per_s=rps, autoscale=False)
    r = breakeven(s, "api", "own", metric="total", low=1e6, high=1e7)
    got = [c.value for c in r.crossings]
    assert got == pytest.approx([1.461e6, 2e6, 2.922e6, 4e6, 4.383e6], rel=1e-4)
    assert [c.jump for c in r.crossings] == [False, True, False, True, False]
    assert [iv.cheaper for iv in r.intervals] == ["api", "own", "api", "own", "api", "own"]
    assert "5 break-evens" in r.explain()


def test_crossing_finder_on_arrays() -> None:
    # a = 12 x, b = 100 ceil(x / 10): crossings at 25/3, 10, 50/3, 20, 25, 30, 100/3
    def diff(x: np.ndarray) -> np.ndarray:
        return 12.0 * x - 100.0 * np.ceil(x / 10.0)

    x = np.linspace(1.0, 39.0, 400)
    brackets, winners = crossings_on_grid(x, diff(x), "a", "b")
    i = np.array([b[0] for b in brackets])
    lo, hi = refine_crossings(diff, x[i], x[i + 1], log=False, rtol=1e-9)
    assert (lo + hi) / 2 == pytest.approx([25 / 3, 10, 50 / 3, 20, 25, 30, 100 / 3], rel=1e-7)
    assert winners == ["a", "b", "a", "b", "a", "b", "a", "b"]


def test_sign_changes_touching_zero_is_not_a_crossing() -> None:
    assert sign_changes([1.0, 0.0, 1.0]).tolist() == []
    assert sign_changes([1.0, 0.0, -1.0]).tolist() == [1]
    assert sign_changes([0.0, 0.0, -1.0, 2.0]).tolist() == [2]
    assert sign_changes([0.0, 0.0]).tolist() == []


def test_no_crossing_says_who_is_cheaper() -> None:
    s = golden()
    r = breakeven(s, "api", "own", low=1e3, high=1e5)
    assert r.crossings == []
    assert r.intervals[0].cheaper == "api"
    assert "api is cheaper than own" in r.explain() and "no break-even" in r.explain()


def test_crossover_month_and_report_shape() -> None:
    # own has $10k up-front, then $1461/month; API $3000/month at 3M requests: own pays back
    # when 10000 + 1461 n < 3000 n for n months, n > 6.5 -> the 7th month (0-based index 6)
    s = golden(engineering_weeks=10000 / (40 * 101.76))
    s.workload.requests_per_month = 3_000_000
    s.organisation.engineer_usd_per_hour = 101.76
    c = crossover_month(s, "api", "own")
    assert c.leader_at_start == "api" and c.leader_at_end == "own"
    assert c.months == [6]
    assert "month 7 of 24" in c.explain()
    rep = breakeven_report(s, "api", "own").to_dict()
    assert set(rep) == {"option_a", "option_b", "breakevens", "crossover_month"}
    assert [b["metric"] for b in rep["breakevens"]] == ["npv", "total", "run_rate"]


def test_errors_are_one_line_each() -> None:
    s = golden()
    with pytest.raises(ScenarioError, match="no option named 'nope'"):
        breakeven(s, "api", "nope")
    with pytest.raises(ScenarioError, match=r"workload\.requests_per_month"):
        breakeven(s, "api", "own", on="workload.request_per_month")
    with pytest.raises(ScenarioError, match="empty"):
        breakeven(s, "api", "own", low=5.0, high=1.0)


def test_zero_volume_searches_a_realistic_range() -> None:
    from llmecon.analysis.breakeven import VOLUME, default_range

    assert default_range(VOLUME, 0.0) == (1e3, 1e10, True)
    assert default_range(VOLUME, 2e6) == (2e4, 2e8, True)
