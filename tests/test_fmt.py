"""The one money formatter (``llmecon.fmt``) on exact strings."""

from __future__ import annotations

import math

import pytest

from llmecon import fmt


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1234.4, "$1,234"),
        (100, "$100"),
        (99.994, "$99.99"),
        (12.345, "$12.35"),
        (0, "$0.00"),
        (-130_324, "−$130,324"),
        (-12.5, "−$12.50"),
        (-0.001, "$0.00"),  # rounds to zero: no sign
        (None, "-"),
        (math.nan, "-"),
        (math.inf, "-"),
    ],
)
def test_money(x: float | None, text: str) -> None:
    assert fmt.money(x) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1_234_000, "$1.23M"),
        (1_200_000, "$1.2M"),
        (340_000, "$340k"),
        (12, "$12"),
        (5e9, "$5B"),
        (999_999, "$1M"),  # rounding moves to the next suffix, never "$1e+03k"
        (999.7, "$1k"),
        (-1_200_000, "−$1.2M"),
        (-340_000, "−$340k"),
        (0, "$0"),
        (None, "-"),
    ],
)
def test_money_compact(x: float | None, text: str) -> None:
    assert fmt.money_compact(x) == text


def test_money_variants() -> None:
    assert fmt.money_cents(4.1) == "$4.10"
    assert fmt.money_cents(-4.1) == "−$4.10"
    assert fmt.money_sig(2.5) == "$2.5"
    assert fmt.money_sig(0.012345, 4) == "$0.01235"
    assert fmt.si(3.1e6) == "3.1M"
    assert fmt.si(-2500) == "-2.5k"


def test_plotly_formats_put_the_sign_before_the_dollar() -> None:
    # d3-format: "$" is the locale currency symbol, placed after the sign (−$1.2M)
    assert fmt.PLOTLY_MONEY_TICKFORMAT == "$~s"
    assert fmt.plotly_money() == "%{y:$,.0f}"
    assert fmt.plotly_money("x") == "%{x:$,.0f}"


def test_analysis_values_use_the_formatter() -> None:
    from llmecon.analysis._common import fmt_value

    assert fmt_value("options.a.usd_per_gpu_hour", 4.1) == "$4.10/GPU-h"
    assert fmt_value("options.a.prices.input_per_mtok", 2.5) == "$2.5/1M tokens"
    assert fmt_value("organisation.engineer_usd_per_hour", -1.2e6) == "−$1.2M"
    assert fmt_value("workload.requests_per_month", 3.1e6) == "3.1M requests/month"
