"""Capacity: traffic over the day and the months, replicas per hour, GPU-hours and their cost.

Naming: ``hourly_weights_*`` build the 24-hour traffic shape; ``monthly_requests`` applies
growth; ``replicas_per_hour`` turns load into replicas; ``gpu_hours`` and ``utilization`` follow;
``cost_*`` price GPU-hours in the four pricing modes.

Shapes: a leading sample axis ``(..., )`` broadcasts against months ``(M,)`` and hours
``(24,)``; ``replicas_per_hour`` returns ``(..., M, 24)``.

References
----------
.. [1] NIST/SEMATECH e-Handbook; the raised-cosine daily profile is the usual first-order
   diurnal shape used in capacity planning (peak-to-average ratio as its one parameter).
.. [2] Uptime Institute Global Data Center Survey (PUE); U.S. EIA Electric Power Monthly
   (commercial tariff) -- figures live in the catalog ``facts.csv`` with their dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = NDArray[np.float64]

HOURS_PER_MONTH: Final[float] = 8766.0 / 12.0  # 365.25 days / 12 months x 24 h
DAYS_PER_MONTH: Final[float] = HOURS_PER_MONTH / 24.0
SECONDS_PER_HOUR: Final[float] = 3600.0
PEAK_HOUR: Final[int] = 14


def hourly_weights_from_peak_ratio(peak_to_average: ArrayLike, peak_hour: int = PEAK_HOUR) -> F:
    """24 hourly traffic weights (mean 1) whose maximum equals ``peak_to_average``.

    Parameters
    ----------
    peak_to_average : numeric
        Busiest hour's rate over the daily mean rate, in [1, 24). [-]
    peak_hour : int
        Hour of the peak, 0-23. [h]

    Returns
    -------
    (24,) array, or (..., 24) for an array of ratios
        Weights ``w_h`` with ``mean(w) = 1`` and ``max(w) = peak_to_average``. [-]

    Notes
    -----
    Raised cosine ``s_h = ((1 + cos(2 pi (h - h_peak) / 24)) / 2)^k``, ``w = a + b s``:
    for p <= 2, ``k = 1``, ``b = 2 (p - 1)``, ``a = 2 - p``; for p > 2 the trough is 0 and k
    is solved so that ``1 / mean(s) = p`` (traffic concentrated in fewer hours) [1].
    """
    p_arr = np.asarray(peak_to_average, dtype=float)
    if np.any(p_arr < 1.0):
        raise ValueError("peak_to_average must be >= 1")
    if np.any(p_arr >= 24.0):
        raise ValueError("peak_to_average must be below 24 for an hourly profile")
    if p_arr.ndim == 0:
        return _weights_scalar(float(p_arr), int(peak_hour))
    c = (1.0 + np.cos(2.0 * np.pi * (np.arange(24) - peak_hour) / 24.0)) / 2.0
    return _weights_vectorised(p_arr, c)


@lru_cache(maxsize=64)
def _weights_scalar(p: float, peak_hour: int) -> F:
    """One ratio's weights, solved once (every Monte Carlo chunk asks again); read-only."""
    c = (1.0 + np.cos(2.0 * np.pi * (np.arange(24) - peak_hour) / 24.0)) / 2.0
    w = _weights_vectorised(np.asarray(p), c)
    w.setflags(write=False)
    return w


def _weights_vectorised(p: F, c: F) -> F:
    """``hourly_weights_from_peak_ratio`` for any array of ratios: k by bisection on log k in
    [0, ln 1e4] (``1 / mean(c^k)`` grows with k), 60 halvings: log k to ~1e-17. [-]"""
    lo = np.zeros(p.shape)
    hi = np.full(p.shape, np.log(1e4))
    steep = p > 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ratio = 1.0 / np.mean(c ** np.exp(mid)[..., None], axis=-1)
        below = ratio < p
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    s = c ** np.exp(0.5 * (lo + hi))[..., None]
    cosine = (2.0 - p)[..., None] + 2.0 * (p - 1.0)[..., None] * c
    w = np.where(steep[..., None], s / np.mean(s, axis=-1, keepdims=True), cosine)
    return np.asarray(w / np.mean(w, axis=-1, keepdims=True), dtype=float)


def hourly_weights_from_profile(weights: ArrayLike) -> F:
    """Normalise 24 user-given hourly weights to mean 1: (24,) or (..., 24) for profiles that
    differ by point. [-]"""
    w = np.asarray(weights, dtype=float)
    if w.shape[-1:] != (24,) or np.any(w < 0) or np.any(w.sum(axis=-1) <= 0):
        raise ValueError("hourly weights must be 24 non-negative numbers, not all zero")
    return np.asarray(w / w.mean(axis=-1, keepdims=True), dtype=float)


def weekly_weights(hourly: ArrayLike, weekdays: ArrayLike) -> F:
    """A week of hourly weights, mean 1: day d's volume ``v_d / mean(v)`` spread over its
    hours as the daily shape ``w_h`` says. (24,) and (7,) (or (..., 24), (..., 7)) ->
    (..., 168), Monday 00:00 first. [-]"""
    w = np.asarray(hourly, dtype=float)
    v = np.asarray(weekdays, dtype=float)
    if v.shape[-1:] != (7,) or np.any(v < 0) or np.any(v.sum(axis=-1) <= 0):
        raise ValueError("weekday weights must be 7 non-negative numbers, not all zero")
    v = v / v.mean(axis=-1, keepdims=True)
    week = v[..., :, None] * w[..., None, :]
    return np.asarray(week.reshape(*week.shape[:-2], 7 * w.shape[-1]), dtype=float)


def per_day(weights_count: int) -> float:
    """Days of traffic a sum over ``weights_count`` hourly entries covers: 1 for a 24-hour
    profile, 7 for a week. [days]"""
    return weights_count / 24.0


def monthly_requests(requests_per_month: ArrayLike, monthly_growth: ArrayLike, months: int) -> F:
    """Requests in each month with compound growth.

    Parameters
    ----------
    requests_per_month : numeric
        Volume in the first month. [requests/month]
    monthly_growth : numeric
        Compound growth per month (0.05 = 5 %). [1/month]
    months : int
        Horizon. [months]

    Returns
    -------
    (..., months) array
        ``R_m = R_0 (1 + g)^m``. [requests/month]
    """
    m = np.arange(months, dtype=float)
    r0 = np.asarray(requests_per_month, dtype=float)[..., None]
    g = np.asarray(monthly_growth, dtype=float)[..., None]
    return np.asarray(r0 * (1.0 + g) ** m, dtype=float)


def hourly_rate(monthly: ArrayLike, weights: ArrayLike) -> F:
    """Arrival rate in each hour of a typical day of each month.

    Parameters
    ----------
    monthly : (..., M) array
        Requests per month. [requests/month]
    weights : (24,) array
        Hourly weights with mean 1. [-]

    Returns
    -------
    (..., M, 24) array
        ``lambda = R_m / (730.5 h * 3600 s) * w_h``. [requests/s]
    """
    per_s = np.asarray(monthly, dtype=float) / (HOURS_PER_MONTH * SECONDS_PER_HOUR)
    return np.asarray(per_s[..., None] * np.asarray(weights, dtype=float), dtype=float)


def replicas_per_hour(
    rate: ArrayLike,
    capacity_rps: ArrayLike,
    headroom: ArrayLike = 0.0,
    min_replicas: ArrayLike = 1,
    max_replicas: ArrayLike = np.inf,
    autoscale: bool = True,
) -> tuple[F, NDArray[np.bool_]]:
    """Replicas needed in each hour so that every replica stays within its SLO capacity.

    Parameters
    ----------
    rate : (..., M, 24) array
        Offered load. [requests/s]
    capacity_rps : numeric
        Requests/s one replica serves within the latency targets; broadcast against
        ``rate[..., None, None]``. [requests/s]
    headroom : numeric
        Spare capacity kept above the load (0.2 = 20 %). [-]
    min_replicas, max_replicas : numeric
        Autoscaling bounds. [-]
    autoscale : bool
        False: provision every hour of a month for that month's peak hour (fixed fleet).

    Returns
    -------
    replicas : (..., M, 24) array
        ``n = clip(ceil(lambda (1 + h) / mu), n_min, n_max)``. [-]
    short : (..., M, 24) bool array
        True where ``n_max`` replicas cannot carry the load.
    """
    cap = np.asarray(capacity_rps, dtype=float)[..., None, None]
    need = np.ceil(
        np.asarray(rate, dtype=float)
        * (1.0 + np.asarray(headroom, dtype=float)[..., None, None])
        / cap
        - 1e-9
    )
    if not autoscale:
        need = np.broadcast_to(need.max(axis=-1, keepdims=True), need.shape)
    lo = np.asarray(min_replicas, dtype=float)[..., None, None]
    hi = np.asarray(max_replicas, dtype=float)[..., None, None]
    return np.clip(need, lo, hi), np.asarray(need > hi)


def gpu_hours(replicas: ArrayLike, gpus_per_replica: ArrayLike) -> F:
    """GPU-hours per month from replicas in each hour of a typical day.

    Parameters
    ----------
    replicas : (..., M, 24) array
        Replicas running in each hour. [-]
    gpus_per_replica : numeric
        Tensor-parallel degree. [GPU]

    Returns
    -------
    (..., M) array
        ``H_m = sum_h n_{m,h} * G * 30.44 days``. [GPU-hours/month]
    """
    g = np.asarray(gpus_per_replica, dtype=float)[..., None]
    n = np.asarray(replicas, dtype=float)
    return np.asarray(n.sum(axis=-1) / per_day(n.shape[-1]) * g * DAYS_PER_MONTH, dtype=float)


def utilization(rate: ArrayLike, replicas: ArrayLike, capacity_rps: ArrayLike) -> F:
    """Share of provisioned SLO capacity actually used, per month. [-]

    ``U_m = sum_h lambda_{m,h} / sum_h (n_{m,h} mu)`` -- derived, never assumed.
    """
    cap = np.asarray(capacity_rps, dtype=float)[..., None]
    served = np.asarray(rate, dtype=float).sum(axis=-1)
    provisioned = np.asarray(replicas, dtype=float).sum(axis=-1) * cap
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(provisioned > 0, np.minimum(served / provisioned, 1.0), 0.0))


def cost_on_demand(hours: ArrayLike, usd_per_gpu_hour: ArrayLike) -> F:
    """On-demand cost: ``C = H * p``. [USD/month] (hours [GPU-h/month], price [USD/GPU-h])"""
    return np.asarray(
        np.asarray(hours, dtype=float) * np.asarray(usd_per_gpu_hour, dtype=float)[..., None]
    )


def cost_reserved(
    replicas: ArrayLike,
    gpus_per_replica: ArrayLike,
    committed_gpus: ArrayLike,
    reserved_usd_per_gpu_hour: ArrayLike,
    on_demand_usd_per_gpu_hour: ArrayLike,
) -> F:
    """Reserved commitment plus on-demand burst.

    Parameters
    ----------
    replicas : (..., M, 24) array
        Replicas in each hour. [-]
    gpus_per_replica : numeric
        [GPU]
    committed_gpus : numeric, or (..., M) array
        GPUs paid for every hour of the month whether used or not; one per month for
        commitments renewed by term (``best_commitment``). [GPU]
    reserved_usd_per_gpu_hour, on_demand_usd_per_gpu_hour : numeric
        [USD/GPU-hour]

    Returns
    -------
    (..., M) array
        ``C_m = K * 730.5 * p_r + sum_h max(n G - K, 0) * 30.44 * p_od``. [USD/month]
    """
    g = np.asarray(gpus_per_replica, dtype=float)[..., None, None]
    used = np.asarray(replicas, dtype=float) * g
    k = np.asarray(committed_gpus, dtype=float)
    # one commitment per point (...), or one per point and month (..., M)
    k_m = k if k.ndim == used.ndim - 1 else k[..., None]
    days = per_day(used.shape[-1])  # a week of hours counts 7 days
    burst = np.maximum(used - k_m[..., None], 0.0).sum(axis=-1) / days * DAYS_PER_MONTH
    base = k_m * HOURS_PER_MONTH * np.asarray(reserved_usd_per_gpu_hour, dtype=float)[..., None]
    return np.asarray(base + burst * np.asarray(on_demand_usd_per_gpu_hour, dtype=float)[..., None])


def best_commitment(
    gpus_per_hour: ArrayLike,
    reserved_usd_per_gpu_hour: ArrayLike,
    on_demand_usd_per_gpu_hour: ArrayLike,
    term_months: int = 12,
) -> F:
    """The reserved commitment that minimises ``cost_reserved``, chosen for each term.

    Parameters
    ----------
    gpus_per_hour : (..., M, 24) array
        GPUs in use in each hour of a typical day of each month. [GPU]
    reserved_usd_per_gpu_hour, on_demand_usd_per_gpu_hour : numeric
        [USD/GPU-hour]
    term_months : int
        Length of one commitment; a new one is chosen for each term (months 0-11, 12-23 ...).
        [months]

    Returns
    -------
    (..., M) array
        ``K*`` of the term each month falls in. [GPU]

    Notes
    -----
    Over one term ``C(K) = K H p_r + p_od sum_h max(g_h - K, 0)`` is convex in K with slope
    ``H (p_r - p_od P(g > K))``: the minimum is the smallest K with ``P(g > K) <= p_r / p_od``,
    the ``1 - p_r / p_od`` quantile of the term's hourly demand (the newsvendor rule), every
    hour weighted alike; 0 when reserving costs as much as on demand. A term depends only on
    its own months, so a longer horizon leaves the earlier terms' costs unchanged.
    """
    g = np.asarray(gpus_per_hour, dtype=float)
    months = g.shape[-2]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.nan_to_num(
            np.asarray(reserved_usd_per_gpu_hour, dtype=float)
            / np.asarray(on_demand_usd_per_gpu_hour, dtype=float),
            nan=1.0,
        )
    out = np.zeros((*np.broadcast_shapes(g.shape[:-2], ratio.shape), months))
    for start in range(0, months, term_months):
        stop = min(start + term_months, months)
        flat = np.sort(g[..., start:stop, :].reshape(*g.shape[:-2], -1), axis=-1)
        n = flat.shape[-1]
        # smallest K with #(g > K) <= r n: the element at rank ceil((1 - r) n) - 1
        rank = np.clip(np.ceil((1.0 - ratio) * n) - 1.0, 0, n - 1).astype(np.intp)
        flat = np.broadcast_to(flat, (*out.shape[:-1], n))
        k = np.take_along_axis(flat, np.broadcast_to(rank, out.shape[:-1])[..., None], axis=-1)
        out[..., start:stop] = np.where(ratio >= 1.0, 0.0, k[..., 0])[..., None]
    return out


def cost_spot(
    hours: ArrayLike, spot_usd_per_gpu_hour: ArrayLike, interruption_overhead: ArrayLike
) -> F:
    """Spot cost with rework after interruptions: ``C = H * p_s * (1 + o)``. [USD/month]

    ``interruption_overhead`` [-] is the share of GPU-hours lost to preemption, restarts and
    the replicas kept warm to absorb them.
    """
    factor = np.asarray(spot_usd_per_gpu_hour, dtype=float) * (
        1.0 + np.asarray(interruption_overhead, dtype=float)
    )
    return np.asarray(np.asarray(hours, dtype=float) * factor[..., None])


def onprem_energy_cost(
    hours: ArrayLike,
    owned_gpus: ArrayLike,
    tdp_w: ArrayLike,
    pue: ArrayLike,
    usd_per_kwh: ArrayLike,
    idle_power_fraction: ArrayLike = 0.3,
) -> F:
    """Electricity for owned GPUs: busy hours at TDP, idle hours at a fraction of it.

    Parameters
    ----------
    hours : (..., M) array
        GPU-hours the serving load occupies. [GPU-h/month]
    owned_gpus : numeric or (..., M) array
        GPUs installed (powered all month), fixed or per month. [GPU]
    tdp_w : numeric
        Board power at load. [W]
    pue : numeric
        Power usage effectiveness of the facility [2]. [-]
    usd_per_kwh : numeric
        Electricity tariff. [USD/kWh]
    idle_power_fraction : numeric
        Idle draw as a share of TDP (an assumption the output names). [-]

    Returns
    -------
    (..., M) array
        ``E = (H * P + (K * 730.5 - H) * f * P) / 1000 * PUE * tariff``. [USD/month]
    """
    h = np.asarray(hours, dtype=float)
    tdp = np.asarray(tdp_w, dtype=float)[..., None]
    owned = np.asarray(owned_gpus, dtype=float)
    # one fleet size for all months, or one per month (..., M) like ``hours``
    k_hours = (
        owned if owned.ndim == h.ndim and owned.ndim > 0 else owned[..., None]
    ) * HOURS_PER_MONTH
    idle = np.maximum(k_hours - h, 0.0)
    kwh = (h * tdp + idle * np.asarray(idle_power_fraction, dtype=float)[..., None] * tdp) / 1000.0
    return np.asarray(
        kwh * (np.asarray(pue, dtype=float) * np.asarray(usd_per_kwh, dtype=float))[..., None]
    )


def owned_fleet(peak_gpus: ArrayLike) -> F:
    """GPUs installed in each month when GPUs are bought as the peak first needs them and
    kept: ``K_m = max_{j <= m} P_j``. peak_gpus (..., M) [GPU] -> (..., M) [GPU]."""
    return np.asarray(np.maximum.accumulate(np.asarray(peak_gpus, dtype=float), axis=-1))


# --------------------------------------------------------------------------- fast summaries

#: Most step breakpoints the lookup in ``replica_summary`` builds (and at most twice the number
#: of (sample, month) cells) before it falls back to the direct (…, M, 24) computation. [-]
_MAX_BREAKPOINTS: Final[int] = 1_000_000
#: Rows per chunk of the direct fallback (bounds its (rows, M, 24) temporaries). [-]
_DIRECT_CHUNK_ROWS: Final[int] = 4096
#: Cells (points x months x 24 hours) up to which ``replica_summary`` reduces the hourly array
#: directly instead of counting breakpoints (the breakpoints' fixed cost dominates). [-]
_DIRECT_CELLS: Final[int] = 200_000
_EPS: Final[float] = 1e-9  # the tolerance ``replicas_per_hour`` subtracts before ``ceil``


@dataclass(frozen=True)
class ReplicaSummary:
    """What the cost model needs from ``replicas_per_hour`` without the (…, M, 24) array.

    Attributes
    ----------
    replica_hours_per_day : (..., M) array
        ``sum_h n_{m,h}`` over the 24 hours of a typical day of month m. [replica-hours/day]
    peak : (..., M) array
        ``max_h n_{m,h}``. [replicas]
    trough : (..., M) array
        ``min_h n_{m,h}``. [replicas]
    short : (..., M) bool array
        True where some hour needs more than ``max_replicas``.
    served_rps_per_day : (..., M) array
        ``sum_h lambda_{m,h}`` (for ``utilization``). [requests/s summed over 24 hours]
    """

    replica_hours_per_day: F
    peak: F
    trough: F
    short: NDArray[np.bool_]
    served_rps_per_day: F

    def gpu_hours(self, gpus_per_replica: ArrayLike) -> F:
        """GPU-hours per month, as ``gpu_hours(replicas, G)``. [GPU-hours/month]"""
        g = np.asarray(gpus_per_replica, dtype=float)[..., None]
        return np.asarray(self.replica_hours_per_day * g * DAYS_PER_MONTH, dtype=float)

    def utilization(self, capacity_rps: ArrayLike) -> F:
        """As ``utilization(rate, replicas, capacity_rps)``. [-]"""
        cap = np.asarray(capacity_rps, dtype=float)[..., None]
        provisioned = self.replica_hours_per_day * cap
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(
                np.where(
                    provisioned > 0, np.minimum(self.served_rps_per_day / provisioned, 1.0), 0.0
                )
            )


def _count_above(a: F, k_lo: int, k_hi: float, weights: F) -> F:
    """``sum_h #{k in [k_lo, k_hi) : a w_h - eps > k}`` for every element of ``a`` [-].

    Equal to ``sum_h (clip(ceil(a w_h - eps), k_lo, k_hi) - k_lo)`` for ``w_h > 0``, since
    ``ceil(x) > k <=> x > k`` for an integer k. Evaluated as a count of the sorted step
    breakpoints ``b = (k + eps) / w_h`` below ``a``, looked up through a uniform grid of
    cells: a cell index ``c(a) = floor(a / delta)`` is monotone in ``a``, so the breakpoints
    in lower cells are all below ``a`` and only the few in ``a``'s own cell are compared.
    Cost: a handful of gathers per element instead of 24 ceil/clip/sum passes.
    """
    w = weights[weights > 0]
    top = float(np.max(a)) if a.size else 0.0
    out = np.zeros(a.shape)
    if w.size == 0 or k_hi <= k_lo or top <= 0:
        return out
    # breakpoints up to the next power of two above the largest a: shared by later calls
    # with the same weights and bounds (breakpoints above every a are never counted)
    reach = 2.0 ** math.ceil(math.log2(max(top, 1.0)))
    table = _breakpoint_table(w.tobytes(), k_lo, k_hi, reach)
    if table is None:
        return out
    inv, g, below, in_cell = table
    c = (a * inv).astype(np.intp)  # == floor for a >= 0; clipped below for a < 0
    np.clip(c, 0, g, out=c)
    out = below[c]
    for b_j, m_j in in_cell:  # the j-th breakpoint of each cell, and its multiplicity
        out += (a > b_j[c]) * m_j[c]
    return np.asarray(out)


@lru_cache(maxsize=64)
def _breakpoint_table(w_bytes: bytes, k_lo: int, k_hi: float, top: float) -> tuple[Any, ...] | None:
    """The step breakpoints ``(k + eps) / w_h`` below ``top`` on a uniform grid of cells (see
    ``_count_above``): the grid's scale, its last cell, the count of breakpoints below each
    cell, and per rank j the j-th breakpoint of each cell with its multiplicity."""
    w = np.frombuffer(w_bytes, dtype=float)
    parts = []
    for wh in w:
        k_end = min(k_hi, math.ceil(top * wh) + 1.0)
        if k_end > k_lo:
            parts.append((np.arange(k_lo, k_end, dtype=float) + _EPS) / wh)
    if not parts:
        return None
    u, mult = np.unique(np.concatenate(parts), return_counts=True)
    # Weights in simple ratios (0.5, 1, 1.5...) put several hours' steps at one load, apart
    # only by the eps offsets (relative gaps below 1e-9). Merged into the lowest, each grid
    # cell holds one breakpoint and a count is one gather, not four; an ``a`` inside such a
    # cluster (1e-9 relative) counts the whole cluster: "up to rounding exactly at a step",
    # as ``replica_summary`` documents.
    if u.size > 1:
        head = np.concatenate(([True], np.diff(u) > _EPS * u[1:]))
        u, mult = u[head], np.add.reduceat(mult, np.flatnonzero(head))
    g = max(4 * u.size, 64)
    limit = max(16 * u.size, 1 << 16)
    while True:
        inv = g / u[-1]
        cell = np.clip(np.floor(u * inv), 0, g).astype(np.intp)
        per_cell = np.bincount(cell, minlength=g + 1)
        if per_cell.max() <= 1 or 4 * g > limit:
            break
        g *= 4
    cum = np.concatenate(([0.0], np.cumsum(mult, dtype=float)))
    start = np.searchsorted(cell, np.arange(g + 1), "left")  # first breakpoint in cell c
    end = np.append(start[1:], u.size)
    in_cell = []
    for j in range(int(per_cell.max())):
        idx = start + j
        valid = idx < end
        safe = np.minimum(idx, u.size - 1)
        in_cell.append(
            (np.where(valid, u[safe], np.inf), np.where(valid, mult[safe], 0).astype(float))
        )
    return inv, g, cum[start], in_cell


def _direct_sum(need_scale: F, weights: F, lo: float, hi: float, autoscale: bool) -> F:
    """``sum_h clip(ceil(a w_h - eps), lo, hi)`` by the (…, M, 24) array, in row chunks. [-]"""
    flat = (
        need_scale.reshape(-1, need_scale.shape[-1])
        if need_scale.ndim
        else need_scale.reshape(1, 1)
    )
    out = np.empty(flat.shape)
    for i in range(0, flat.shape[0], _DIRECT_CHUNK_ROWS):
        x = np.ceil(flat[i : i + _DIRECT_CHUNK_ROWS, :, None] * weights - _EPS)
        if not autoscale:
            x = np.broadcast_to(x.max(axis=-1, keepdims=True), x.shape)
        out[i : i + _DIRECT_CHUNK_ROWS] = np.clip(x, lo, hi).sum(axis=-1)
    return out.reshape(need_scale.shape)


def replica_summary(
    monthly: ArrayLike,
    weights: ArrayLike,
    capacity_rps: ArrayLike,
    headroom: ArrayLike = 0.0,
    min_replicas: float = 1.0,
    max_replicas: float = np.inf,
    autoscale: bool = True,
) -> ReplicaSummary:
    """``replicas_per_hour(hourly_rate(monthly, weights), ...)`` reduced over the hours.

    Parameters
    ----------
    monthly : (..., M) array
        Requests per month. [requests/month]
    weights : (24,) array
        Hourly weights with mean 1. [-]
    capacity_rps : numeric
        Requests/s one replica serves within the SLO; broadcasts against ``monthly[..., 0]``.
        [requests/s]
    headroom : numeric
        Spare capacity above the load. [-]
    min_replicas, max_replicas : float
        Autoscaling bounds (scalars). [-]
    autoscale : bool
        False: every hour of a month runs that month's peak-hour fleet.

    Returns
    -------
    ReplicaSummary
        Sums, peaks and troughs over the hours of ``n = clip(ceil(lambda (1 + h) / mu), n_min,
        n_max)`` -- the same numbers as reducing ``replicas_per_hour``'s array (up to rounding
        exactly at a step), without building the (…, M, 24) array: peaks and troughs use the
        largest/smallest weight, the sum a breakpoint count (see ``_count_above``).
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim > 1:  # a weight profile per point: reduce the (..., M, 24) array directly
        return _summary_direct(
            monthly, w, capacity_rps, headroom, min_replicas, max_replicas, autoscale
        )
    per_s = np.asarray(monthly, dtype=float) / (HOURS_PER_MONTH * SECONDS_PER_HOUR)
    cap = np.asarray(capacity_rps, dtype=float)[..., None]
    scale = (1.0 + np.asarray(headroom, dtype=float)[..., None]) / cap
    lo, hi = float(min_replicas), float(max_replicas)

    a = np.asarray(per_s * scale)

    def need_at(weight: float) -> F:
        need = a * weight
        need -= _EPS
        return np.asarray(np.ceil(need, out=need))

    need_peak = need_at(float(w.max()))
    peak = np.clip(need_peak, lo, hi)
    trough = peak if not autoscale else np.clip(need_at(float(w.min())), lo, hi)
    served = per_s * float(w.sum())
    shape = np.broadcast_shapes(a.shape, peak.shape)
    a = np.broadcast_to(a, shape)
    if not autoscale:
        total = np.broadcast_to(peak * float(w.size), shape).astype(float)
    elif lo > hi:
        total = np.full(shape, hi * w.size)
    else:
        top = float(np.max(a)) if a.size else 0.0
        k0 = max(lo, 1.0)
        n_bp = (
            sum(max(min(hi, top * wh + 2.0) - k0, 0.0) for wh in w[w > 0])
            if math.isfinite(top)
            else math.inf
        )
        too_many = n_bp > min(_MAX_BREAKPOINTS, 2 * a.size + 4096)
        # a small array is cheaper to reduce directly than to build the breakpoints for
        small = a.size * w.size <= _DIRECT_CELLS
        if not math.isfinite(top) or too_many or small or lo != math.floor(lo):
            total = _direct_sum(np.ascontiguousarray(a), w, lo, hi, autoscale)
        else:
            # hours with w_h > 0 step from lo upwards; k = 0 steps (lo == 0) sit at a ~ 1e-9 and
            # are counted directly where a is that small; hours with w_h = 0 stay at clip(0).
            n_pos = int(np.count_nonzero(w > 0))
            total = (
                _count_above(a, int(k0), hi, w)
                + lo * n_pos
                + (w.size - n_pos) * min(max(0.0, lo), hi)
            )
            if lo == 0.0 and hi >= 1.0:
                b0 = _EPS / w[w > 0]
                tiny = a <= float(b0.max()) if b0.size else np.zeros(shape, dtype=bool)
                ones = np.full(shape, float(n_pos))
                if np.any(tiny):
                    ones[tiny] = (a[tiny][:, None] > b0).sum(axis=-1)
                total = total + ones
    days = per_day(w.size)  # a week of weights sums 7 days
    return ReplicaSummary(
        replica_hours_per_day=np.asarray(total, dtype=float) / days,
        peak=np.broadcast_to(peak, shape),
        trough=np.broadcast_to(trough, shape),
        short=np.broadcast_to(np.asarray(need_peak > hi), shape),
        served_rps_per_day=np.broadcast_to(served / days, shape),
    )


def _summary_direct(
    monthly: ArrayLike,
    weights: F,
    capacity_rps: ArrayLike,
    headroom: ArrayLike,
    min_replicas: float,
    max_replicas: float,
    autoscale: bool,
) -> ReplicaSummary:
    """``replica_summary`` for weights (..., 24) that differ by point, from the full
    (..., M, 24) arrays of ``hourly_rate`` and ``replicas_per_hour``."""
    rate = hourly_rate(monthly, weights[..., None, :])
    n, short = replicas_per_hour(
        rate, capacity_rps, headroom, min_replicas, max_replicas, autoscale
    )
    days = per_day(n.shape[-1])
    return ReplicaSummary(
        replica_hours_per_day=np.asarray(n.sum(axis=-1) / days, dtype=float),
        peak=np.asarray(n.max(axis=-1)),
        trough=np.asarray(n.min(axis=-1)),
        short=np.asarray(short.any(axis=-1)),
        served_rps_per_day=np.asarray(rate.sum(axis=-1) / days),
    )
