"""Golden cases for the three cost pillars and the TCO helpers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.analysis import tco
from llmecon.pillars import deployment as dep
from llmecon.pillars import development as dev
from llmecon.pillars import sustainability as sus
from tests.conftest import api_option, build, self_hosted_option

# --------------------------------------------------------------------------- deployment


def test_api_cost_per_request_by_hand() -> None:
    # I = 2000 tokens, half cached; O = 300; $2.50 in, $1.25 cached, $10 out per 1M tokens
    # tokens: (2000*0.5*2.50 + 2000*0.5*1.25 + 300*10) / 1e6 = (2500 + 1250 + 3000) / 1e6
    #       = $0.00675
    # 20 % through the batch API at half price: * (1 - 0.2 + 0.2*0.5) = * 0.9 -> $0.006075
    # plus a $0.001 fee per request -> $0.007075
    c = dep.api_cost_per_request(2000, 300, 0.5, 2.5, 1.25, 10.0, 0.001, 0.2, 0.5)
    assert float(c) == pytest.approx(0.007075, rel=1e-12)
    # a month of 1M requests at flat prices: $7,075
    monthly = 1e6 * c * dep.price_factor(3, 0.0)
    np.testing.assert_allclose(monthly, [7075.0] * 3)


def test_api_cost_per_request_plain() -> None:
    # no cache, no batch: (1000 * 0.15 + 200 * 0.60) / 1e6 = $0.00027
    assert float(dep.api_cost_per_request(1000, 200, 0.0, 0.15, 0.075, 0.60)) == pytest.approx(
        0.00027, rel=1e-12
    )
    # all cached: 1000 * 0.075 + 200 * 0.6 = 195 -> $0.000195
    assert float(dep.api_cost_per_request(1000, 200, 1.0, 0.15, 0.075, 0.60)) == pytest.approx(
        0.000195, rel=1e-12
    )


def test_price_factor() -> None:
    # f_m = (1 + r)^(m/12): -50 %/yr -> month 12 at 0.5, month 6 at sqrt(0.5)
    f = dep.price_factor(13, -0.5)
    assert f.shape == (13,)
    assert float(f[0]) == 1.0
    assert float(f[6]) == pytest.approx(0.5**0.5)
    assert float(f[12]) == pytest.approx(0.5)
    np.testing.assert_allclose(dep.price_factor(4, 0.0), 1.0)
    assert dep.price_factor(5, [0.1, -0.1]).shape == (2, 5)


def test_ops_staff_cost() -> None:
    # (0.25 + 1.0 * 40 GPUs / 100) FTE * $180k / 12 = 0.65 * 15,000 = $9,750 per month
    got = dep.ops_staff_cost(0.25, 1.0, np.array([40.0, 0.0]), 180_000.0)
    np.testing.assert_allclose(got, [9750.0, 0.25 * 15_000])


# --------------------------------------------------------------------------- development


def test_engineering_cost() -> None:
    # 12 weeks * 40 h * $95/h = $45,600
    assert float(dev.engineering_cost(12, 95.0)) == 12 * 40 * 95 == 45_600


def test_per_example_cost() -> None:
    assert float(dev.per_example_cost(300, 2.0)) == 600.0


def test_distillation_data_cost() -> None:
    # 50k examples * (350 * $2.50 + 8 * $10) / 1e6 = 50,000 * 955 / 1e6 = $47.75
    got = float(dev.distillation_data_cost(50_000, 350, 8, 2.5, 10.0))
    assert got == pytest.approx(50_000 * (350 * 2.5 + 8 * 10.0) / 1e6)
    assert got == pytest.approx(47.75)


def test_delay_cost() -> None:
    # 13 weeks = 3 months (52/12 weeks per month) * $10k = $30,000
    assert float(dev.delay_cost(13, 10_000)) == pytest.approx(30_000.0)


def test_api_fine_tune_cost() -> None:
    # 20M training tokens at $25 per 1M = $500
    assert float(dev.api_fine_tune_cost(20e6, 25.0)) == pytest.approx(500.0)


# --------------------------------------------------------------------------- sustainability


def test_periodic_placement() -> None:
    # every 12 months over 36: months 12 and 24 (not 0, month 36 is past the horizon)
    p = sus.periodic(36, 12, 1000.0)
    assert np.flatnonzero(p).tolist() == [12, 24]
    assert float(p.sum()) == 2000.0
    # every 6 months over 25: 6, 12, 18, 24
    assert np.flatnonzero(sus.periodic(25, 6, 1.0)).tolist() == [6, 12, 18, 24]
    # every month: months 1 .. M-1
    assert np.flatnonzero(sus.periodic(5, 1, 1.0)).tolist() == [1, 2, 3, 4]
    # interval longer than the horizon: never
    assert float(sus.periodic(12, 48, 1.0).sum()) == 0.0


def test_periodic_vectorised() -> None:
    p = sus.periodic(13, np.array([4.0, 6.0]), np.array([1.0, 10.0]))
    assert p.shape == (2, 13)
    assert np.flatnonzero(p[0]).tolist() == [4, 8, 12]
    assert np.flatnonzero(p[1]).tolist() == [6, 12]
    assert float(p[1, 6]) == 10.0


@settings(max_examples=40, deadline=None)
@given(months=st.integers(1, 240), k=st.integers(1, 60))
def test_periodic_counts_floor_m_minus_1_over_k(months: int, k: int) -> None:
    p = sus.periodic(months, k, 1.0)
    assert float(p.sum()) == (months - 1) // k
    assert np.all(np.flatnonzero(p) % k == 0)


def test_observability_overage() -> None:
    # $29 base with 100k included; 450k traces -> 350k over at $8 per 100k = $28 -> $57
    got = sus.observability_cost(np.array([50_000.0, 450_000.0]), 29.0, 100_000.0, 8.0)
    np.testing.assert_allclose(got, [29.0, 29.0 + 3.5 * 8.0])


def _month0_purchase(capex: float, months: int, life: int) -> tuple[np.ndarray, float]:
    p = np.zeros(months)
    p[0] = capex
    refresh, residual = sus.purchase_cash_flows(p, life)
    return refresh, float(residual)


def test_residual_value() -> None:
    # $100k capex, 48-month life, 36-month horizon: 12 months of life left -> $25k
    assert _month0_purchase(100_000, 36, 48)[1] == pytest.approx(25_000.0)
    # horizon = life: fully depreciated, no refresh inside the horizon -> 0
    assert _month0_purchase(100_000, 48, 48)[1] == 0.0
    # 60 months with a refresh at month 48: that purchase is 12 months old -> 75 % left
    assert _month0_purchase(100_000, 60, 48)[1] == pytest.approx(75_000.0)
    assert [_month0_purchase(1.0, 36, life)[1] for life in (48, 36, 24)] == pytest.approx(
        [0.25, 0.0, 0.5]
    )


def test_residual_value_matches_periodic_refresh() -> None:
    """Round trip with ``periodic``: refreshes of a month-0 purchase fall where ``periodic``
    puts them, and the residual is that of the last purchase in the horizon."""
    for months in range(1, 100):
        for life in (12, 24, 36, 48):
            refresh, residual = _month0_purchase(1.0, months, life)
            assert refresh.tolist() == sus.periodic(months, life, 1.0).tolist()
            purchases = [0, *np.flatnonzero(sus.periodic(months, life, 1.0)).tolist()]
            age = months - purchases[-1]
            assert residual == pytest.approx(max(1.0 - age / life, 0.0))


# --------------------------------------------------------------------------- TCO


def test_discount_factors() -> None:
    v = tco.discount_factors(13, 0.08)
    assert float(v[0]) == 1.0
    assert float(v[12]) == pytest.approx(1 / 1.08)


@pytest.mark.parametrize(("c", "r", "m"), [(1000.0, 0.08, 36), (250.0, 0.12, 60), (1.0, 0.0, 7)])
def test_npv_constant_cash_flow_closed_form(c: float, r: float, m: int) -> None:
    # sum_{m=0}^{M-1} C v^m = C (1 - v^M) / (1 - v), v = (1 + r)^(-1/12); = C M when r = 0
    v = (1 + r) ** (-1 / 12)
    expected = c * (1 - v**m) / (1 - v) if r > 0 else c * m
    assert float(tco.npv(np.full(m, c), r)) == pytest.approx(expected, rel=1e-12)


def test_npv_vectorised_over_rates() -> None:
    got = tco.npv(np.ones(12), np.array([0.0, 0.1]))
    assert got.shape == (2,)
    assert float(got[0]) == 12.0
    assert float(got[1]) < 12.0


def test_cumulative_and_per_unit() -> None:
    np.testing.assert_allclose(tco.cumulative([1.0, 2.0, 3.0]), [1.0, 3.0, 6.0])
    # $500 over 2M requests per 1k = $0.25
    assert float(tco.per_unit(500.0, 2e6, 1e3)) == pytest.approx(0.25)
    assert np.isnan(float(tco.per_unit(500.0, 0.0, 1e3)))


@settings(max_examples=40, deadline=None)
@given(
    i=st.floats(0, 1e5),
    o=st.floats(0, 1e4),
    s=st.floats(0, 1),
    p_in=st.floats(0, 100),
    p_out=st.floats(0, 100),
    cached_ratio=st.floats(0, 1),
    b=st.floats(0, 1),
    ratio=st.floats(0, 1),
    dp=st.floats(0, 50),
)
def test_api_cost_per_request_properties(
    i: float,
    o: float,
    s: float,
    p_in: float,
    p_out: float,
    cached_ratio: float,
    b: float,
    ratio: float,
    dp: float,
) -> None:
    p_c = p_in * cached_ratio
    c = float(dep.api_cost_per_request(i, o, s, p_in, p_c, p_out, 0.0, b, ratio))
    assert c >= 0
    # a higher price never lowers the bill
    assert float(dep.api_cost_per_request(i, o, s, p_in + dp, p_c, p_out, 0.0, b, ratio)) >= c
    assert float(dep.api_cost_per_request(i, o, s, p_in, p_c, p_out + dp, 0.0, b, ratio)) >= c
    # more output tokens never lower the bill
    assert float(dep.api_cost_per_request(i, o + 1, s, p_in, p_c, p_out, 0.0, b, ratio)) >= c
    # no batch discount gives the undiscounted price
    full = float(dep.api_cost_per_request(i, o, s, p_in, p_c, p_out))
    assert c <= full * (1 + 1e-12) + 1e-18


def test_owned_fleet_keeps_gpus_once_bought() -> None:
    from llmecon.perf.capacity import owned_fleet

    assert owned_fleet(np.array([1.0, 3.0, 2.0, 4.0])).tolist() == [1.0, 3.0, 3.0, 4.0]


def test_purchase_cash_flows_refresh_and_book_value() -> None:
    from llmecon.pillars.sustainability import purchase_cash_flows

    # $100 bought in month 0 and $50 in month 5; 18 months; 12-month life
    p = np.zeros(18)
    p[0], p[5] = 100.0, 50.0
    refresh, residual = purchase_cash_flows(p, 12)
    expected = np.zeros(18)
    expected[12] = 100.0  # month-0 tranche bought again at month 12
    expected[17] = 50.0  # month-5 tranche at month 17
    assert refresh.tolist() == expected.tolist()
    # month-0 tranche: latest purchase month 12, 6 months old at the end -> 1 - 6/12 = 50 %
    # month-5 tranche: latest purchase month 17, 1 month old -> 1 - 1/12 of $50 = $45.83
    assert float(residual) == pytest.approx(100 * 0.5 + 50 * 11 / 12)


def test_onprem_buys_gpus_as_growth_needs_them() -> None:
    from llmecon import evaluate

    own = self_hosted_option(
        "p",
        zero_upkeep=False,
        pricing="on_prem",
        usd_per_gpu_hour=None,
        capex_usd_per_gpu=1000.0,
        measured_requests_per_s=0.5,
        headroom=0.0,
        amortisation_years=10,
    )
    s = build(
        [own],
        horizon_months=12,
        discount_rate_annual=0.0,
        workload={
            "input_tokens": 100,
            "output_tokens": 10,
            "monthly_growth": 0.2,
            "peak_to_average": 1.0,
        },
    )
    dev_cf = evaluate(s).option("p").pillars["development"]
    # replicas = ceil(1e6 * 1.2^m / 730.5 h / 3600 s / 0.5 rps): month 0 -> ceil(0.760) = 1,
    # month 11 -> ceil(0.760 * 1.2^11 = 5.65) = 6: six GPUs bought over the year, not on day 0
    rate0 = 1e6 / 730.5 / 3600 / 0.5
    need = np.ceil(rate0 * 1.2 ** np.arange(12) - 1e-9)
    bought = np.diff(need, prepend=0.0) * 1000.0
    life = 120.0  # months; residual of each tranche: 1 - age / life
    age = 12 - np.arange(12)
    bought_with_credit = bought.copy()
    bought_with_credit[-1] -= float((bought * (1 - age / life)).sum())
    assert need[-1] == 6
    upfront = dev_cf[0] - bought[0]  # engineering, eval set: paid in month 0
    assert dev_cf[1:].tolist() == pytest.approx(bought_with_credit[1:].tolist())
    assert upfront > 0


def test_announced_api_price_change_applies_from_its_month() -> None:
    from llmecon import evaluate

    gemini = api_option(
        "g",
        prices=None,
        provider="google",
        model="gemini-4-argon",
        zero_upkeep=False,
        price_change_per_year=0.0,
        ops_fte=0,
    )
    s = build(
        [gemini],
        horizon_months=3,
        start_date="2026-11-01",  # a month before the announced change
        discount_rate_annual=0.0,
        workload={"input_tokens": 1000},
    )
    bill = evaluate(s).option("g").pillars["deployment"]
    # genai-prices: $2 in / $10 out per 1M until 2026-12-01, then $4 / $20 (announced).
    # month 0 (from 2026-11-01): 1e6 x (1000 x 2 + 100 x 10) / 1e6 = $3,000
    # months 1, 2 (from 2026-12-01, 2026-12-31): 1e6 x (1000 x 4 + 100 x 20) / 1e6 = $6,000
    assert bill.tolist() == pytest.approx([3000.0, 6000.0, 6000.0])


def test_price_factor_steps_at_migrations() -> None:
    from llmecon.pillars.deployment import price_factor

    # -50 %/year reached at migrations every 6 months: flat for months 0-5, then 0.5^(6/12)
    f = price_factor(13, -0.5, 6.0)
    assert f[:6].tolist() == [1.0] * 6
    assert f[6:12].tolist() == pytest.approx([0.5**0.5] * 6)
    assert f[12] == pytest.approx(0.5)
