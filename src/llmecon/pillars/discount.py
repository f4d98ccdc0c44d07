"""Monthly discounting of cash flows and unit costs (used by the engine and the TCO analysis)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = NDArray[np.float64]


def discount_factors(months: int, annual_rate: ArrayLike) -> F:
    """Monthly discount factors ``v_m = (1 + r)^(-m / 12)``, m = 0..M-1 (month 0 undiscounted).

    annual_rate [1/year] -> (..., M) [-].
    """
    m = np.arange(months, dtype=float)
    r = np.asarray(annual_rate, dtype=float)[..., None]
    return np.asarray((1.0 + r) ** (-m / 12.0))


def npv(cash_flows: ArrayLike, annual_rate: ArrayLike) -> F:
    """Net present value of monthly costs: ``NPV = sum_m CF_m (1 + r)^(-m/12)``. [USD]"""
    cf = np.asarray(cash_flows, dtype=float)
    return np.asarray((cf * discount_factors(cf.shape[-1], annual_rate)).sum(axis=-1))


def per_unit(total_usd: ArrayLike, units: ArrayLike, per: float) -> F:
    """Cost per ``per`` units (e.g. per 1,000 requests): ``total / units * per``; NaN for no
    units. [USD per ``per`` units]"""
    u = np.asarray(units, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.asarray(np.where(u > 0, np.asarray(total_usd, dtype=float) / u * per, np.nan))
