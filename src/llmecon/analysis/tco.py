"""Totals, net present value and unit costs of monthly cash flows."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.pillars.discount import discount_factors, npv

F = NDArray[np.float64]

__all__ = ["cumulative", "discount_factors", "npv", "per_unit"]


def cumulative(cash_flows: ArrayLike) -> F:
    """Cumulative cost by month. [USD]"""
    return np.asarray(np.cumsum(np.asarray(cash_flows, dtype=float), axis=-1))


def per_unit(total_usd: ArrayLike, units: ArrayLike, per: float) -> F:
    """Cost per ``per`` units (e.g. per 1,000 requests): ``total / units * per``; NaN for no units."""
    u = np.asarray(units, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(u > 0, np.asarray(total_usd, dtype=float) / u * per, np.nan))
