"""Totals, net present value and unit costs of monthly cash flows."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.pillars.discount import discount_factors, npv, per_unit

F = NDArray[np.float64]

__all__ = ["cumulative", "discount_factors", "npv", "per_unit"]


def cumulative(cash_flows: ArrayLike) -> F:
    """Cumulative cost by month. [USD]"""
    return np.asarray(np.cumsum(np.asarray(cash_flows, dtype=float), axis=-1))
