"""Sustainability & maintenance pillar: recurring upkeep [USD/month]."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = NDArray[np.float64]


def periodic(months: int, every_months: ArrayLike, cost: ArrayLike) -> F:
    """A cost that recurs every ``k`` months (first at month k, not at 0).

    ``C_m = cost`` where ``m >= k`` and ``floor(m / k) > floor((m - 1) / k)``, else 0.
    every_months [months], cost [USD] -> (..., M) [USD/month].
    """
    m = np.arange(months, dtype=float)
    k = np.maximum(np.asarray(every_months, dtype=float)[..., None], 1e-9)
    hit = (np.floor(m / k) > np.floor((m - 1.0) / k)) & (m >= k)
    return np.asarray(np.where(hit, np.asarray(cost, dtype=float)[..., None], 0.0))


def observability_cost(
    requests: ArrayLike,
    base_usd: ArrayLike,
    included_units: ArrayLike,
    overage_usd_per_100k: ArrayLike,
) -> F:
    """Tracing plan with included units and overage (one trace per request).

    ``C_m = base + max(R_m - U, 0) / 1e5 * p`` with R_m [requests/month] -> [USD/month].
    """
    r = np.asarray(requests, dtype=float)
    over = np.maximum(r - np.asarray(included_units, dtype=float)[..., None], 0.0) / 1e5
    return np.asarray(
        np.asarray(base_usd, dtype=float)[..., None]
        + over * np.asarray(overage_usd_per_100k, dtype=float)[..., None]
    )


def purchase_cash_flows(purchases: ArrayLike, life_months: ArrayLike) -> tuple[F, F]:
    """Refreshes and end-of-horizon book value of hardware bought in tranches.

    Parameters
    ----------
    purchases : (..., M) array
        Capex of the hardware bought in each month. [USD]
    life_months : numeric
        Depreciation life, whole months (rounded), per point; each tranche is bought again
        every ``L`` months. [months]

    Returns
    -------
    refresh : (..., M) array
        ``R_m = sum_{k>=1} P_{m - kL}``. [USD/month]
    residual : (...) array
        Straight-line book value left after month M-1 of each tranche's latest purchase:
        ``V = sum_m P_m max(1 - a_m / L, 0)``, ``a_m = M - (m + floor((M-1-m)/L) L)``. [USD]
    """
    p = np.asarray(purchases, dtype=float)
    lives = np.maximum(np.rint(np.asarray(life_months, dtype=float)), 1.0)
    shape = np.broadcast_shapes(p.shape[:-1], lives.shape)
    p = np.broadcast_to(p, (*shape, p.shape[-1]))
    lives = np.broadcast_to(lives, shape)
    refresh = np.zeros(p.shape)
    residual = np.zeros(shape)
    # one pass per distinct life (few: whole months), exact for each point
    for life in np.unique(lives):
        at = lives == life
        r, v = _purchase_cash_flows(p[at] if shape else p, int(life))
        if shape:
            refresh[at], residual[at] = r, v
        else:
            refresh, residual = r, v
    return np.asarray(refresh), np.asarray(residual)


def _purchase_cash_flows(p: F, life: int) -> tuple[F, F]:
    months = p.shape[-1]
    refresh = np.zeros_like(p)
    for k in range(1, months // life + 1):
        refresh[..., k * life :] += p[..., : months - k * life]
    m = np.arange(months)
    age = months - (m + np.floor((months - 1 - m) / life) * life)
    residual = (p * np.maximum(1.0 - age / life, 0.0)).sum(axis=-1)
    return np.asarray(refresh), np.asarray(residual)
