"""Deployment & scaling pillar: what serving the traffic costs each month [USD/month].

GPU-hour pricing lives in ``perf.capacity`` (``cost_on_demand`` ...); this module holds API
token bills and the people who run the fleet.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = NDArray[np.float64]


def api_cost_per_request(
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    cached_share: ArrayLike,
    input_per_mtok: ArrayLike,
    cached_input_per_mtok: ArrayLike,
    output_per_mtok: ArrayLike,
    per_request: ArrayLike = 0.0,
    batch_share: ArrayLike = 0.0,
    batch_price_ratio: ArrayLike = 1.0,
) -> F:
    """Token bill of one request.

    Parameters
    ----------
    input_tokens, output_tokens : numeric
        Mean tokens per request. [tokens]
    cached_share : numeric
        Share of input tokens read from the prompt cache. [-]
    input_per_mtok, cached_input_per_mtok, output_per_mtok : numeric
        Prices. [USD per 1M tokens]
    per_request : numeric
        Fixed fee per request. [USD]
    batch_share : numeric
        Share of requests sent through the batch API. [-]
    batch_price_ratio : numeric
        Batch price over standard price (0.5 = half price). [-]

    Returns
    -------
    numeric
        ``c = [(I (1-s) p_in + I s p_c + O p_out) / 1e6] * (1 - b + b r) + p_req``. [USD/request]
    """
    i = np.asarray(input_tokens, dtype=float)
    s = np.asarray(cached_share, dtype=float)
    tokens = (
        i * (1.0 - s) * np.asarray(input_per_mtok, dtype=float)
        + i * s * np.asarray(cached_input_per_mtok, dtype=float)
        + np.asarray(output_tokens, dtype=float) * np.asarray(output_per_mtok, dtype=float)
    ) / 1e6
    b = np.asarray(batch_share, dtype=float)
    return np.asarray(
        tokens * (1.0 - b + b * np.asarray(batch_price_ratio, dtype=float))
        + np.asarray(per_request, dtype=float)
    )


def price_factor(
    months: int,
    change_per_year: ArrayLike,
    step_months: ArrayLike | None = None,
    cap_months: ArrayLike | None = None,
) -> F:
    """Price (or capability-cost) multiplier in each month.

    Continuous: ``f_m = (1 + r)^(t_m / 12)`` with ``t_m = min(m, C)``. With ``step_months`` k
    the price moves only at each migration to a newer model, every k months:
    ``t_m = min(floor(m / k) k, C)``. ``C`` (``cap_months``, default none) is where compounding
    stops: a 20-year horizon at -67 %/yr would otherwise price the same work at 1e-10 of
    today. r [1/year], k [months], C [months] -> (..., M) [-].
    """
    m = np.arange(months, dtype=float)
    rate = np.asarray(change_per_year, dtype=float)
    if step_months is not None:
        k = np.maximum(np.asarray(step_months, dtype=float)[..., None], 1e-9)
        m = np.floor(m / k) * k
    if cap_months is not None:
        m = np.minimum(m, np.asarray(cap_months, dtype=float)[..., None])
    if rate.ndim and np.ndim(m) == 1 and rate.size > 64:
        # few distinct rates (a discrete distribution): one power per distinct value (perf)
        values, index = np.unique(rate, return_inverse=True)
        if values.size * 8 < rate.size:
            table = (1.0 + values[:, None]) ** (m / 12.0)
            return np.asarray(table[index.reshape(rate.shape)])
    return np.asarray((1.0 + rate[..., None]) ** (m / 12.0))


def ops_staff_cost(
    fte_base: ArrayLike,
    fte_per_100_gpus: ArrayLike,
    mean_gpus: ArrayLike,
    usd_per_fte_year: ArrayLike,
) -> F:
    """People running the serving fleet.

    ``C_m = (f_0 + f_100 * G_m / 100) * S / 12`` with FTE [-], mean GPUs in month m [GPU] and
    loaded salary S [USD/year] -> [USD/month].
    """
    fte = (
        np.asarray(fte_base, dtype=float)[..., None]
        + np.asarray(fte_per_100_gpus, dtype=float)[..., None]
        * np.asarray(mean_gpus, dtype=float)
        / 100.0
    )
    return np.asarray(fte * np.asarray(usd_per_fte_year, dtype=float)[..., None] / 12.0)
