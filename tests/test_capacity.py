"""Golden cases and invariants for traffic shapes, replicas, GPU-hours and their cost."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.perf import capacity as cap

HOURS = 365.25 * 24 / 12  # 730.5 h per month
DAYS = HOURS / 24  # 30.4375 days per month


def test_calendar_constants() -> None:
    assert cap.HOURS_PER_MONTH == 730.5
    assert cap.DAYS_PER_MONTH == 30.4375


# --------------------------------------------------------------------------- traffic shape


def test_flat_profile_is_all_ones() -> None:
    np.testing.assert_allclose(cap.hourly_weights_from_peak_ratio(1.0), np.ones(24))


@pytest.mark.parametrize("ratio", [1.5, 2.0, 4.0])
def test_peak_ratio_weights_mean_one_max_ratio(ratio: float) -> None:
    w = cap.hourly_weights_from_peak_ratio(ratio)
    assert w.shape == (24,)
    assert float(np.mean(w)) == pytest.approx(1.0, rel=1e-12)
    assert float(np.max(w)) == pytest.approx(ratio, rel=1e-9)
    assert int(np.argmax(w)) == cap.PEAK_HOUR
    assert float(np.min(w)) >= 0.0


def test_peak_ratio_two_has_zero_trough() -> None:
    # p = 2: w = 0 + 2 * (1 + cos) / 2 -> trough 0 at 12 hours from the peak
    w = cap.hourly_weights_from_peak_ratio(2.0)
    assert float(w[(cap.PEAK_HOUR + 12) % 24]) == pytest.approx(0.0, abs=1e-12)
    # p = 1.5: trough a = 2 - p = 0.5
    w = cap.hourly_weights_from_peak_ratio(1.5)
    assert float(np.min(w)) == pytest.approx(0.5, rel=1e-12)


def test_peak_ratio_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        cap.hourly_weights_from_peak_ratio(0.9)
    with pytest.raises(ValueError):
        cap.hourly_weights_from_peak_ratio(24.0)


@settings(max_examples=30, deadline=None)
@given(ratio=st.floats(1.0, 20.0))
def test_peak_ratio_weights_property(ratio: float) -> None:
    w = cap.hourly_weights_from_peak_ratio(ratio)
    assert float(np.mean(w)) == pytest.approx(1.0, rel=1e-9)
    assert float(np.max(w)) == pytest.approx(ratio, rel=1e-6)
    assert np.all(w >= 0)


def test_profile_normalised_to_mean_one() -> None:
    w = cap.hourly_weights_from_profile([0] * 12 + [2] * 12)
    np.testing.assert_allclose(w, [0] * 12 + [2] * 12)
    with pytest.raises(ValueError):
        cap.hourly_weights_from_profile([1] * 23)
    with pytest.raises(ValueError):
        cap.hourly_weights_from_profile([0] * 24)


def test_monthly_requests_compound_growth() -> None:
    # R_m = R_0 (1 + g)^m: 1000, 1100, 1210
    np.testing.assert_allclose(cap.monthly_requests(1000, 0.1, 3), [1000, 1100, 1210])
    assert cap.monthly_requests([1, 2], 0.0, 4).shape == (2, 4)


def test_hourly_rate_golden() -> None:
    # 2,629,800 requests/month = one per second on average (730.5 h * 3600 s)
    rate = cap.hourly_rate([2_629_800.0], cap.hourly_weights_from_peak_ratio(1.0))
    assert rate.shape == (1, 24)
    np.testing.assert_allclose(rate, 1.0)


# --------------------------------------------------------------------------- replicas


def test_capacity_needed_for_flat_traffic_by_hand() -> None:
    r = 100e6  # requests/month
    h, mu, g = 0.2, 5.0, 2  # headroom, requests/s per replica, GPUs per replica
    w = cap.hourly_weights_from_peak_ratio(1.0)
    rate = cap.hourly_rate(cap.monthly_requests(r, 0.0, 1), w)
    lam = r / (730.5 * 3600)  # 38.0257 requests/s
    np.testing.assert_allclose(rate, lam)
    replicas, short = cap.replicas_per_hour(rate, mu, h)
    n = math.ceil(lam * (1 + h) / mu)  # ceil(38.0257 * 1.2 / 5) = ceil(9.126) = 10
    assert n == 10
    np.testing.assert_array_equal(replicas, np.full((1, 24), 10.0))
    assert not short.any()
    hours = cap.gpu_hours(replicas, g)
    # 10 replicas * 24 h * 30.4375 days * 2 GPUs = 14,610 GPU-hours
    assert float(hours[0]) == pytest.approx(10 * 24 * 30.4375 * 2)
    assert float(hours[0]) == pytest.approx(14_610.0)
    # utilization: 38.0257 / (10 * 5) = 0.7605
    util = cap.utilization(rate, replicas, mu)
    assert float(util[0]) == pytest.approx(lam / 50.0)


def test_replicas_exact_multiple_does_not_round_up() -> None:
    # load exactly 3 replicas' worth (float noise below 1e-9 is forgiven)
    rate = np.full((1, 24), 0.3)
    replicas, _ = cap.replicas_per_hour(rate, 0.1, 0.0)
    np.testing.assert_array_equal(replicas, 3.0)


def test_replicas_bounds_and_fixed_fleet() -> None:
    w = cap.hourly_weights_from_peak_ratio(2.0)
    rate = cap.hourly_rate(cap.monthly_requests(2_629_800.0, 0.0, 1), w)  # mean 1 req/s
    replicas, short = cap.replicas_per_hour(rate, 0.25, 0.0, min_replicas=1)
    # peak hour 2 req/s / 0.25 = 8 replicas; trough 0 req/s -> min_replicas 1
    assert float(replicas.max()) == 8.0
    assert float(replicas.min()) == 1.0
    fixed, _ = cap.replicas_per_hour(rate, 0.25, 0.0, autoscale=False)
    np.testing.assert_array_equal(fixed, 8.0)
    capped, short = cap.replicas_per_hour(rate, 0.25, 0.0, max_replicas=5)
    assert float(capped.max()) == 5.0
    assert short.any() and not short.all()


# --------------------------------------------------------------------------- pricing modes


def _flat_replicas(n: float, months: int = 2) -> np.ndarray:
    return np.full((months, 24), float(n))


def test_cost_on_demand() -> None:
    # C = H * p: 14,610 GPU-h * $2.50 = $36,525
    np.testing.assert_allclose(cap.cost_on_demand(np.array([14_610.0]), 2.5), [36_525.0])


def test_cost_reserved_commitment_plus_burst() -> None:
    replicas = np.array([[2.0] * 12 + [5.0] * 12])  # (M=1, 24)
    g, k, p_r, p_od = 2, 6.0, 1.5, 3.0
    # base: K * 730.5 * p_r = 6 * 730.5 * 1.5 = 6574.5
    # burst: hours with 10 GPUs exceed K by 4 -> 12 h * 4 GPUs * 30.4375 days * $3 = 4383.0
    expected = 6 * 730.5 * 1.5 + 12 * 4 * 30.4375 * 3.0
    got = cap.cost_reserved(replicas, g, k, p_r, p_od)
    assert got.shape == (1,)
    assert float(got[0]) == pytest.approx(expected)
    assert float(got[0]) == pytest.approx(6574.5 + 4383.0)


def test_cost_reserved_without_burst_is_the_commitment() -> None:
    got = cap.cost_reserved(_flat_replicas(1), 1, 2.0, 1.0, 99.0)
    np.testing.assert_allclose(got, [2 * 730.5, 2 * 730.5])


def test_cost_spot_with_interruption_overhead() -> None:
    # C = H * p_s * (1 + o) = 1000 * 1.2 * 1.15 = 1380
    np.testing.assert_allclose(cap.cost_spot(np.array([1000.0]), 1.2, 0.15), [1380.0])


def test_onprem_energy_cost_by_hand() -> None:
    h, k, tdp, pue, tariff, idle = 500.0, 2.0, 700.0, 1.5, 0.1, 0.3
    # busy: 500 GPU-h * 700 W = 350 kWh; idle: (2 * 730.5 - 500) * 0.3 * 700 W = 201.81 kWh
    # (350 + 201.81) kWh * 1.5 PUE * $0.10 = $82.7715
    busy = 500 * 700 / 1000
    idle_kwh = (2 * 730.5 - 500) * 0.3 * 700 / 1000
    expected = (busy + idle_kwh) * 1.5 * 0.1
    got = cap.onprem_energy_cost(np.array([h]), k, tdp, pue, tariff, idle)
    assert float(got[0]) == pytest.approx(expected)
    assert float(got[0]) == pytest.approx(82.7715)
    # busy hours beyond the owned fleet do not make idle power negative
    over = cap.onprem_energy_cost(np.array([5000.0]), 1.0, tdp, pue, tariff, idle)
    assert float(over[0]) == pytest.approx(5000 * 0.7 * 1.5 * 0.1)


# --------------------------------------------------------------------------- properties

_load = st.floats(0.0, 5e8)


@settings(max_examples=40, deadline=None)
@given(
    r=_load,
    extra=st.floats(0.0, 5e8),
    ratio=st.floats(1.0, 6.0),
    mu=st.floats(0.01, 50.0),
    h=st.floats(0.0, 1.0),
    g=st.sampled_from([1, 2, 4, 8]),
    n_min=st.integers(0, 3),
    autoscale=st.booleans(),
)
def test_more_load_never_needs_fewer_replicas(
    r: float,
    extra: float,
    ratio: float,
    mu: float,
    h: float,
    g: int,
    n_min: int,
    autoscale: bool,
) -> None:
    w = cap.hourly_weights_from_peak_ratio(ratio)
    lo = cap.hourly_rate(cap.monthly_requests(r, 0.0, 2), w)
    hi = cap.hourly_rate(cap.monthly_requests(r + extra, 0.0, 2), w)
    n_lo, _ = cap.replicas_per_hour(lo, mu, h, n_min, np.inf, autoscale)
    n_hi, _ = cap.replicas_per_hour(hi, mu, h, n_min, np.inf, autoscale)
    assert np.all(n_hi >= n_lo)
    assert np.all(n_lo >= n_min)
    gh_lo, gh_hi = cap.gpu_hours(n_lo, g), cap.gpu_hours(n_hi, g)
    assert np.all(gh_hi >= gh_lo)
    for price in (0.0, 2.5):
        a, b = cap.cost_on_demand(gh_lo, price), cap.cost_on_demand(gh_hi, price)
        assert np.all(a >= 0) and np.all(b >= a)
        s_lo, s_hi = cap.cost_spot(gh_lo, price, 0.15), cap.cost_spot(gh_hi, price, 0.15)
        assert np.all(s_lo >= 0) and np.all(s_hi >= s_lo)
        res_lo = cap.cost_reserved(n_lo, g, 4.0, price * 0.6, price)
        res_hi = cap.cost_reserved(n_hi, g, 4.0, price * 0.6, price)
        assert np.all(res_lo >= 0) and np.all(res_hi >= res_lo)
    e_lo = cap.onprem_energy_cost(gh_lo, 100.0, 700.0, 1.4, 0.12)
    e_hi = cap.onprem_energy_cost(gh_hi, 100.0, 700.0, 1.4, 0.12)
    assert np.all(e_lo >= 0) and np.all(e_hi >= e_lo)
    # more capacity per replica never needs more replicas
    n_fast, _ = cap.replicas_per_hour(lo, mu * 2, h, n_min, np.inf, autoscale)
    assert np.all(n_fast <= n_lo)


@settings(max_examples=30, deadline=None)
@given(
    hours=st.floats(0.0, 1e6),
    p1=st.floats(0.0, 20.0),
    dp=st.floats(0.0, 20.0),
    o=st.floats(0.0, 1.0),
)
def test_cheaper_gpu_never_costs_more(hours: float, p1: float, dp: float, o: float) -> None:
    h = np.array([hours])
    assert cap.cost_on_demand(h, p1)[0] <= cap.cost_on_demand(h, p1 + dp)[0]
    assert cap.cost_spot(h, p1, o)[0] <= cap.cost_spot(h, p1 + dp, o)[0]
    n = _flat_replicas(3, 1)
    assert cap.cost_reserved(n, 2, 4.0, p1, p1)[0] <= cap.cost_reserved(n, 2, 4.0, p1 + dp, p1)[0]


@settings(max_examples=30, deadline=None)
@given(
    r=st.lists(st.floats(0.0, 3e8), min_size=1, max_size=4),
    ratio=st.floats(1.0, 6.0),
    mu=st.floats(0.05, 20.0),
    h=st.floats(0.0, 0.5),
    n_min=st.integers(0, 2),
    n_max=st.one_of(st.just(math.inf), st.integers(1, 200).map(float)),
    autoscale=st.booleans(),
)
def test_replica_summary_matches_hourly_array(
    r: list[float],
    ratio: float,
    mu: float,
    h: float,
    n_min: int,
    n_max: float,
    autoscale: bool,
) -> None:
    """Round trip: the fast summary equals reducing ``replicas_per_hour``'s (M, 24) array."""
    w = cap.hourly_weights_from_peak_ratio(ratio)
    monthly = np.asarray(r)
    n, short = cap.replicas_per_hour(cap.hourly_rate(monthly, w), mu, h, n_min, n_max, autoscale)
    s = cap.replica_summary(monthly, w, mu, h, n_min, n_max, autoscale)
    np.testing.assert_allclose(s.replica_hours_per_day, n.sum(axis=-1))
    np.testing.assert_allclose(s.peak, n.max(axis=-1))
    np.testing.assert_allclose(s.trough, n.min(axis=-1))
    np.testing.assert_array_equal(s.short, short.any(axis=-1))
    np.testing.assert_allclose(s.gpu_hours(2), cap.gpu_hours(n, 2))


def test_best_commitment_is_the_newsvendor_quantile_by_term() -> None:
    """12 hours at 2 GPUs and 12 at 6 each day. Per day, C(K) = 24 K p_r + p_od sum_h
    max(g_h - K, 0):
    p_r = 1, p_od = 3: C(2) = 48 + 3 * 12 * 4 = 192, C(4) = 96 + 3 * 12 * 2 = 168,
    C(6) = 144 -> K* = 6 (P(g > K) <= 1/3 first at 6);
    p_r = 2, p_od = 3: C(2) = 96 + 144 = 240 < C(6) = 288 -> K* = 2 (P(g > 2) = 1/2 <= 2/3);
    p_r >= p_od: K* = 0. A second 12-month term with twice the demand gets its own K."""
    from llmecon.perf.capacity import best_commitment

    day = np.array([2.0] * 12 + [6.0] * 12)
    gpus = np.broadcast_to(day, (24, 24)).copy()
    gpus[12:] *= 2.0  # months 12-23: twice the demand
    k = best_commitment(gpus, 1.0, 3.0)
    assert k[:12].tolist() == [6.0] * 12 and k[12:].tolist() == [12.0] * 12
    assert best_commitment(gpus, 2.0, 3.0)[0] == 2.0
    assert best_commitment(gpus, 3.0, 3.0)[0] == 0.0
    # the chosen K is the cheapest of all integers 0..14 for the first term
    one = gpus[:12]
    costs = {
        kk: float(cap.cost_reserved(one, 1, np.full(12, float(kk)), 1.0, 3.0).sum())
        for kk in range(15)
    }
    assert min(costs, key=lambda kk: costs[kk]) == 6
