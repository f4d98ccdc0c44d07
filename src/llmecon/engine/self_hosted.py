"""Price a ``self_hosted`` or ``slm`` option: GPU replicas sized from the traffic and the
latency targets, paid on demand, reserved, on spot or bought (on-prem).

Pillars [USD/month]:

* development: build, evaluation set and delay in month 0; on-prem GPUs ``P_m = (K_m -
  K_{m-1}) c_gpu`` as the owned fleet ``K_m = max_{j<=m} peak_j`` grows, less their book value
  at the end; training (``engine.training``).
* deployment: GPU-hours ``H_m = 30.44 d * sum_h n_{m,h} * G`` with ``n_{m,h} =
  clip(ceil(lambda_{m,h} (1 + headroom) / mu), n_min, n_max)`` replicas of G GPUs serving
  ``mu`` requests/s each within the latency targets (``perf.inference.at_slo``), priced
  ``H p`` (on demand), ``H p_spot (1 + overhead)`` (spot), committed GPUs at the reserved
  price plus the rest on demand (reserved), or power and colocation of the owned fleet
  (on-prem); plus ops staff ``(f_0 + f_100 G_mean / 100) S / 12``, network/storage and
  failures.
* sustainability: migrations, security hours, observability and compliance, GPU refreshes
  every amortisation life (on-prem), retraining.

The tensor-parallel degree, when not given, is chosen per point as the one whose fleet needs
the fewest GPU-hours over the horizon (ties go to fewer GPUs per replica), so it follows swept
traffic, token lengths and latency targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.inputs import Inputs, memo_key
from llmecon.engine.resolve import Outcome, ServingInputs
from llmecon.engine.results import OptionCost
from llmecon.engine.shared import (
    at_month,
    development_common,
    failure_cost,
    finish,
    sustainability_common,
    zeros,
)
from llmecon.engine.training import price_training
from llmecon.perf import capacity as cap
from llmecon.perf.inference import Efficiency, Replica, ServingPoint, at_max_throughput, at_slo
from llmecon.perf.replica import Fit, build_replica
from llmecon.pillars import deployment as dep
from llmecon.pillars import sustainability as sus

F = NDArray[np.float64]


@dataclass
class _Layout:
    """One tensor-parallel layout that fits: capacity and GPU-hours per point."""

    tp: int
    replica: Replica
    fit: Fit
    rps: F  # requests/s per replica within the SLO [requests/s]
    usable: NDArray[np.bool_]  # meets the SLO
    info: dict[str, Any]
    summary: cap.ReplicaSummary | None  # None until needed (pruned layouts never need it)
    hours: F  # GPU-hours over the horizon, inf where not usable [GPU-hours]
    _bounds: tuple[F, F] | None = None

    def fleet(self, s: ServingInputs, rows: NDArray[np.bool_] | None = None) -> cap.ReplicaSummary:
        """The fleet per month at this layout's capacity, computed once; with ``rows`` (a
        mask over a 1-D array of points) only at those points (elsewhere zeros, and
        ``hours`` inf: the search never picks them)."""
        if self.summary is not None:
            return self.summary
        if rows is None or rows.all():
            self.summary = _fleet(s, self.rps)
            hours = self.summary.gpu_hours(self.tp).sum(axis=-1)
            self.hours = np.where(self.usable, hours, np.inf)
            return self.summary
        c = s.common

        def pick(x: Any) -> Any:
            a = np.asarray(x)
            return a[rows] if a.ndim and a.shape[0] == rows.size else a

        part = cap.replica_summary(
            s.load[rows],
            pick(c.hourly_weights) if np.ndim(c.hourly_weights) > 1 else c.hourly_weights,
            np.maximum(pick(self.rps), 1e-12),
            pick(s.headroom),
            s.min_replicas,
            s.max_replicas,
            s.autoscale,
        )
        full = s.load.shape

        def scatter(v: Any, dtype: Any = float) -> Any:
            out = np.zeros(full, dtype=dtype)
            out[rows] = v
            return out

        self.summary = cap.ReplicaSummary(
            replica_hours_per_day=scatter(part.replica_hours_per_day),
            peak=scatter(part.peak),
            trough=scatter(part.trough),
            short=scatter(part.short, bool),
            served_rps_per_day=scatter(part.served_rps_per_day),
        )
        hours = np.full(rows.shape, np.inf)
        hours[rows] = part.gpu_hours(self.tp).sum(axis=-1)
        self.hours = np.where(self.usable, hours, np.inf)
        return self.summary

    def hour_bounds(self, s: ServingInputs) -> tuple[F, F]:
        if self._bounds is None:
            self._bounds = self._hour_bounds(s)
        return self._bounds

    def _hour_bounds(self, s: ServingInputs) -> tuple[F, F]:
        """Lower and upper bounds on the horizon's GPU-hours without the hourly fleet, from
        ``sum_h max(a w_h, n_min) <= sum_h n_h <= sum_h (a w_h + max(1, n_min))`` with ``a =
        lambda (1 + headroom) / mu`` and ``sum_h w_h = 24`` (the peak hour all day without
        autoscaling), summed over the M months: with ``A = sum_m a_m``, ``24 max(A, M n_min)
        <= sum_m sum_h n <= 24 (A + M max(1, n_min))``; inf where the layout misses the
        targets. O(points), not O(points x months). [GPU-hours]"""
        c = s.common
        months = s.load.shape[-1]
        served = np.asarray(s.load.sum(axis=-1)) / (cap.HOURS_PER_MONTH * cap.SECONDS_PER_HOUR)
        total_a = served * (1.0 + s.headroom) / np.maximum(self.rps, 1e-12)
        if not s.autoscale:
            total_a = total_a * np.asarray(c.hourly_weights).max(axis=-1)
        lo = s.min_replicas
        scale = 24.0 * self.tp * cap.DAYS_PER_MONTH
        low = np.maximum(total_a, months * lo) * scale * (1.0 - 1e-9)
        high = (total_a + months * max(1.0, lo)) * scale
        return np.where(self.usable, low, np.inf), np.where(self.usable, high, np.inf)


def _fleet(s: ServingInputs, rps: F) -> cap.ReplicaSummary:
    """Replicas per hour of every month for a capacity of ``rps`` per replica, reduced."""
    c = s.common
    return cap.replica_summary(
        s.load,
        c.hourly_weights,
        np.maximum(rps, 1e-12),
        s.headroom,
        s.min_replicas,
        s.max_replicas,
        s.autoscale,
    )


def _layout(inputs: Inputs, s: ServingInputs, tp: int, replica: Replica, fit: Fit) -> _Layout:
    """Capacity and fleet of one layout, shared by the options of one evaluation that serve
    the same model on the same GPUs and traffic (e.g. the same fleet on demand and on spot)."""
    c = s.common
    eff = s.efficiency
    key = (
        "layout",
        replica,
        *(
            memo_key(x)
            for x in (
                c.input_tokens,
                c.output_tokens,
                s.prefix_cached_share,
                s.slo_quantile,
                s.ttft_s,
                s.itl_s,
                s.headroom,
                s.measured_requests_per_s,
                s.load,
                c.hourly_weights,
                s.min_replicas,
                s.max_replicas,
                s.autoscale,
                s.has_slo,
            )
        ),
        eff if _scalar_efficiency(eff) else id(eff),
    )
    hit = inputs.memo.get(key)
    if hit is not None:
        return hit[0]  # type: ignore[no-any-return]
    rps, ok, info = _capacity(inputs, s, replica)
    usable = np.broadcast_to(np.asarray(ok) & (rps > 0), c.shape)
    layout = _Layout(tp, replica, fit, rps, usable, info, None, np.full(c.shape, np.inf))
    inputs.memo[key] = (layout, (c, s))  # the arrays stay alive, so their ids stay theirs
    return layout


@lru_cache(maxsize=256)
def _at_slo_scalar(
    replica: Replica,
    i: float,
    o: float,
    ttft: float,
    itl: float,
    eff: Efficiency,
    cached: float = 0.0,
    quantile: float | None = None,
) -> tuple[ServingPoint, NDArray[np.bool_]]:
    """``at_slo`` for scalar inputs, memoised (the TP search and every chunk of a Monte Carlo
    run ask the same question); the arrays returned are read-only."""
    point, ok = at_slo(replica, i, o, ttft, itl, eff, cached, quantile)
    for v in vars(point).values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
    ok.setflags(write=False)
    return point, ok


def _scalar_efficiency(eff: Efficiency) -> bool:
    return all(np.ndim(v) == 0 for v in vars(eff).values())


def _slo_point(
    inputs: Inputs,
    replica: Replica,
    i: F,
    o: F,
    ttft: F,
    itl: F,
    eff: Efficiency,
    cached: F,
    quantile: F | None = None,
) -> tuple[ServingPoint, NDArray[np.bool_]]:
    """``at_slo``, memoised: across calls for scalar inputs, within one evaluation (options
    that share a model, GPU and layout) for arrays."""
    scalar = all(np.ndim(x) == 0 for x in (i, o, ttft, itl, cached)) and (
        quantile is None or np.ndim(quantile) == 0
    )
    if scalar and _scalar_efficiency(eff):
        q = None if quantile is None else float(quantile)
        return _at_slo_scalar(
            replica, float(i), float(o), float(ttft), float(itl), eff, float(cached), q
        )
    key = (
        "at_slo",
        replica,
        *(memo_key(x) for x in (i, o, ttft, itl, cached, quantile)),
        eff if _scalar_efficiency(eff) else id(eff),
    )
    hit = inputs.memo.get(key)
    if hit is None:
        # the inputs are kept alive with the result, so their ids stay theirs
        args = (i, o, ttft, itl, eff, cached, quantile)
        hit = (at_slo(replica, *args), args)
        inputs.memo[key] = hit
    return hit[0]


def _capacity(
    inputs: Inputs, s: ServingInputs, replica: Replica
) -> tuple[F, NDArray[np.bool_], dict[str, Any]]:
    """Requests/s one replica serves within the SLO, and where the SLO is reachable."""
    c = s.common
    if s.measured_requests_per_s is not None:
        return np.asarray(s.measured_requests_per_s), np.asarray(True), {}
    if not s.has_slo:
        point = at_max_throughput(
            replica, c.input_tokens, c.output_tokens, s.efficiency, s.prefix_cached_share
        )
        ok = np.asarray(point.requests_per_s > 0)
    else:
        ttft, itl = s.ttft_s, s.itl_s
        point, ok = _slo_point(
            inputs,
            replica,
            c.input_tokens,
            c.output_tokens,
            ttft,
            itl,
            s.efficiency,
            s.prefix_cached_share,
            s.slo_quantile,
        )
    info = {
        "concurrency": point.concurrency,
        "output_tokens_per_s": point.output_tokens_per_s,
        "ttft_ms": point.ttft_s * 1000.0,
        "itl_ms": point.itl_s * 1000.0,
    }
    return np.asarray(point.requests_per_s), np.asarray(ok), info


def _distinct(values: NDArray[Any]) -> NDArray[Any]:
    """The sorted distinct values (``np.unique`` without its import of numpy.ma, 20 ms)."""
    flat = np.sort(values.ravel())
    return flat[np.concatenate(([True], flat[1:] != flat[:-1]))] if flat.size else flat


def _pick(values: list[Any], best: NDArray[np.intp], shape: tuple[int, ...]) -> F:
    """Per point, the value of the candidate ``best`` chose (each value per point)."""
    if len(values) == 1:
        return np.asarray(values[0], dtype=float)
    used = _distinct(np.asarray(best))
    stack = np.stack(
        [np.broadcast_to(np.asarray(values[int(k)], dtype=float), shape) for k in used]
    )
    return np.asarray(np.take_along_axis(stack, np.searchsorted(used, best)[None], axis=0)[0])


def price_self_hosted(inputs: Inputs, s: ServingInputs, min_quality: F | None) -> OptionCost:
    """Monthly cash flows of a self-hosted option (see the module docstring)."""
    c = s.common
    out = Outcome(c.shape, reasons=list(s.reasons))
    window = s.model.max_context
    if window:
        tokens = c.input_tokens + c.output_tokens
        out.fail_where(
            tokens > window,
            f"prompt + output of {float(np.max(tokens)):,.0f} tokens exceed {s.model.name}'s "
            f"{window:,}-token context window (shorten the prompt, or pick a longer-context model)",
        )
    d = out.details
    d.update(model=s.model.name, gpu=s.gpu.name, precision=s.precision)
    d["price_change_per_year"] = out.per_point(s.capability_change_per_year)
    if s.pricing.mode != "on_prem":
        d["gpu_price_change_per_year"] = out.per_point(s.gpu_price_change_per_year)
    # every layout that fits, with its capacity and GPU-hours per point
    fitting: list[_Layout] = []
    last_unfit: tuple[int, Fit] | None = None
    notes = []
    candidates = list(s.tp_candidates)
    for k, tp in enumerate(candidates):
        replica, fit = build_replica(
            s.model, s.gpu, s.precision, tp, s.kv_precision, network_gbs_per_gpu=s.network_gbs
        )
        if not fit.fits:
            last_unfit = (tp, fit)
            # a model too large for one node: two nodes, paying the inter-node all-reduce
            heads = s.model.num_attention_heads
            if k == len(candidates) - 1 and tp == 8 and s.auto_tp and heads % 16 == 0:
                candidates.append(16)
            continue
        fitting.append(_layout(inputs, s, tp, replica, fit))
    _search(fitting, s)
    if len(candidates) > 1 and not c.shape:
        for layout in fitting:
            if layout.usable.any():
                notes.append(
                    f"TP{layout.tp}: {float(layout.rps):.3g} req/s per replica, "
                    f"{float(layout.hours):,.0f} GPU-hours"
                )
            else:
                notes.append(f"TP{layout.tp}: misses the latency targets")
    if not fitting:
        assert last_unfit is not None
        tp, fit = last_unfit
        d.update(gpus_per_replica=tp, fit=fit.explain(tp, s.gpu.name))
        out.reasons.append(f"{s.model.name} does not fit: {fit.explain(tp, s.gpu.name)}")
        z = zeros(c)
        return finish(c, out, z, z, z, min_quality)
    choice = _choose_layout(inputs, s, fitting)
    best, unusable, tp_arr = choice.best, choice.unusable, choice.tp
    if len(s.tp_candidates) > 1:
        inputs.note(
            c.name,
            f"{c.path}.gpus_per_replica = {_show(tp_arr)} (fewest GPU-hours"
            + (f"; {'; '.join(notes)})" if notes else " at each point)"),
        )
    if unusable.all() and not s.has_slo and s.measured_requests_per_s is None:
        # no targets, yet nothing is served: one request's KV cache does not fit
        last = fitting[-1]
        d.update(gpus_per_replica=last.tp, fit=last.fit.explain(last.tp, s.gpu.name))
        need = float(np.max(c.input_tokens + c.output_tokens))
        room = float(np.asarray(last.replica.kv_capacity_tokens))
        out.reasons.append(
            f"one request of {need:,.0f} tokens needs more KV cache than {last.tp} x "
            f"{s.gpu.name} hold ({room:,.0f} tokens) "
            "(shorten the prompt, or pick GPUs with more memory)"
        )
        z = zeros(c)
        return finish(c, out, z, z, z, min_quality)
    if unusable.all():
        # no layout meets the targets anywhere: explain on the largest one that fits
        last = fitting[-1]
        d.update(gpus_per_replica=last.tp, fit=last.fit.explain(last.tp, s.gpu.name))
        single = at_slo(
            last.replica,
            c.input_tokens,
            c.output_tokens,
            np.inf,
            np.inf,
            s.efficiency,
            s.prefix_cached_share,
        )[0]
        out.reasons.append(
            f"latency targets unreachable on {last.tp} x {s.gpu.name}: even one request takes TTFT "
            f"{float(np.min(single.ttft_s)) * 1000:.0f} ms / ITL {float(np.min(single.itl_s)) * 1000:.1f} ms "
            f"against {inputs.scenario.latency.ttft_ms} / {inputs.scenario.latency.itl_ms} ms "
            "(relax latency, or pick a faster GPU or higher TP)"
        )
        z = zeros(c)
        return finish(c, out, z, z, z, min_quality)
    tp_pp = out.per_point(tp_arr)
    d["gpus_per_replica"] = int(tp_pp) if isinstance(tp_pp, float) else tp_pp
    first = fitting[int(best.reshape(-1)[0])]
    d["fit"] = first.fit.explain(first.tp, s.gpu.name)
    if unusable.any():
        last = fitting[-1]
        out.fail_where(unusable, f"latency targets unreachable on {last.tp} x {s.gpu.name}")
    rps, summary = choice.rps, choice.summary
    assert summary is not None  # set whenever some point is usable
    d["per_replica"] = {
        "requests_per_s": out.per_point(rps),
        **{k: out.per_point(v) for k, v in choice.info.items()},
    }
    gpu_cost, capex_cf, refresh, staff_gpus = _serving_cost(s, out, tp_arr, rps, summary)
    staff = dep.ops_staff_cost(
        c.ops_fte, s.ops_fte_per_100_gpus, staff_gpus, c.ops_engineer_usd_per_year
    )
    d["ops_fte_month0"] = out.per_point(
        c.ops_fte + s.ops_fte_per_100_gpus * staff_gpus[..., 0] / 100.0
    )
    d["ops_staff_usd"] = out.per_point(staff.sum(axis=-1))
    deployment = gpu_cost + staff + c.network_storage_usd_per_month[..., None] + failure_cost(c)
    development = development_common(c, out) + capex_cf
    sustainability = sustainability_common(c, c.requests) + refresh
    if s.training is not None:
        train_dev, train_sus = price_training(c, s.training, out)
        development = development + train_dev
        sustainability = sustainability + train_sus
    if "committed_gpus" in d:
        inputs.note(
            c.name,
            f"{c.path}.committed_gpus = {_show(np.asarray(d['committed_gpus']))} in the first "
            f"term (chosen for each {s.pricing.reserved_term_months}-month term as the "
            "commitment that costs least for that term's hourly GPU demand: the (1 - reserved / "
            "on-demand price) quantile of its hours; details.committed_gpus_by_term lists every "
            "term); autoscaling above it assumes on-demand GPUs are there when needed",
        )
    price_range = inputs.memo.get(("gpu_price_range", c.name))
    if price_range:
        d["gpu_price_range_usd"] = price_range
    return finish(c, out, development, deployment, sustainability, min_quality)


def commitment(
    s: ServingInputs,
    capacity_rps: F,
    tp: F,
    replicas: F,
    reserved_usd_per_gpu_hour: F,
    on_demand_usd_per_gpu_hour: F,
    term: int,
) -> F:
    """The cost-minimising commitment of each reserved term (``cap.best_commitment``), chosen
    on the whole term's demand, also where the horizon ends inside a term (the traffic curve
    runs on to the term's end), so a longer horizon never changes an earlier month. Prices
    [USD/GPU-hour] and capacities may be arrays over configurations (``analysis.search``).
    [GPU]"""
    c = s.common
    months = c.months
    full = -(-months // term) * term
    if full > months:
        steps = np.arange(1, full - months + 1, dtype=float)
        # past the horizon the trend is held at its last step (a term ends within a year)
        more = s.load[..., -1:] * (1.0 + c.monthly_growth[..., None]) ** steps
        weights = c.hourly_weights
        extra, _ = cap.replicas_per_hour(
            cap.hourly_rate(more, weights[..., None, :] if weights.ndim > 1 else weights),
            np.maximum(capacity_rps, 1e-12),
            s.headroom,
            s.min_replicas,
            s.max_replicas,
            s.autoscale,
        )
        shape = np.broadcast_shapes(replicas.shape[:-2], extra.shape[:-2])
        replicas = np.concatenate(
            [
                np.broadcast_to(replicas, (*shape, *replicas.shape[-2:])),
                np.broadcast_to(extra, (*shape, *extra.shape[-2:])),
            ],
            axis=-2,
        )
    k = cap.best_commitment(
        replicas * np.asarray(tp)[..., None, None],
        reserved_usd_per_gpu_hour,
        on_demand_usd_per_gpu_hour,
        term,
    )
    return np.asarray(k[..., :months])


def _show(tp: F) -> str:
    """``2``, or ``2/4 by point`` when points differ. [GPU]"""
    values = [int(v) for v in _distinct(np.asarray(tp))]
    return str(values[0]) if len(values) == 1 else "/".join(map(str, values)) + " by point"


@dataclass
class _Choice:
    """The layout each point runs: its index among the fitting layouts, its GPUs per replica,
    capacity, serving details and fleet; ``unusable`` where no layout meets the targets
    (priced at the largest layout's saturated capacity)."""

    best: NDArray[np.intp]
    unusable: NDArray[np.bool_]
    tp: F
    rps: F
    info: dict[str, F]
    summary: cap.ReplicaSummary | None


def _choose_layout(inputs: Inputs, s: ServingInputs, fitting: list[_Layout]) -> _Choice:
    """Per point, the layout with the fewest GPU-hours (shared by the options whose layouts
    are the same objects, e.g. one fleet priced on demand and on spot)."""
    key = ("choice", *(id(x) for x in fitting))
    hit = inputs.memo.get(key)
    if hit is not None:
        return hit[0]  # type: ignore[no-any-return]
    c = s.common
    hours_all = np.stack([np.broadcast_to(x.hours, c.shape) for x in fitting])
    best = _argmin_first(hours_all)
    unusable = ~np.isfinite(np.take_along_axis(hours_all, best[None], 0)[0])
    # where no layout meets the targets, keep the largest one (priced at saturation, marked)
    best = np.where(unusable, len(fitting) - 1, best)
    tp_arr = np.asarray([x.tp for x in fitting], dtype=float)[best]
    choice = _Choice(best, unusable, tp_arr, np.asarray(0.0), {}, None)
    if unusable.all():
        inputs.memo[key] = (choice, fitting)
        return choice
    flat = np.asarray(best).reshape(-1)
    one = bool(np.all(flat == flat[0]))
    if one:
        chosen = fitting[int(flat[0])]
        rps, info = np.asarray(chosen.rps, dtype=float), dict(chosen.info)
    else:
        rps = _pick([x.rps for x in fitting], best, c.shape)
        info = {k: _pick([x.info[k] for x in fitting], best, c.shape) for k in fitting[0].info}
    if unusable.any():
        last = fitting[-1]
        sat = at_max_throughput(
            last.replica, c.input_tokens, c.output_tokens, s.efficiency, s.prefix_cached_share
        )
        rps = np.where(unusable, np.maximum(sat.requests_per_s, 1e-9), rps)
        summary = _fleet(s, rps)
    elif one:  # one layout everywhere: its fleet is the option's
        summary = fitting[int(flat[0])].fleet(s)
    else:  # each point takes the fleet of its own layout
        summary = _pick_fleet([x.summary for x in fitting], best)
    choice.rps, choice.info, choice.summary = rps, info, summary
    inputs.memo[key] = (choice, fitting)
    return choice


def _search(fitting: list[_Layout], s: ServingInputs) -> None:
    """Compute the fleets the per-point choice needs, by branch and bound: layouts in order
    of their lower bound on GPU-hours (``_Layout.hour_bounds``); each at only the points where
    that bound does not exceed the fewest hours found so far (it cannot win elsewhere, so the
    choice is exactly the full search's). One point, a capped fleet or points in more than
    one dimension: every layout everywhere."""
    c = s.common
    if len(fitting) < 2 or len(c.shape) != 1 or np.isfinite(s.max_replicas):
        for x in fitting:
            x.fleet(s)
        return
    bounds = [x.hour_bounds(s) for x in fitting]
    order = sorted(
        range(len(fitting)),
        key=lambda k: float(np.mean(np.where(np.isfinite(bounds[k][0]), bounds[k][0], 1e300))),
    )
    best = np.full(c.shape, np.inf)
    for k in order:
        x = fitting[k]
        need = np.asarray(x.usable & (bounds[k][0] <= best * (1.0 + 1e-9)))
        if x.summary is None and need.any():
            x.fleet(s, need)
        if x.summary is not None:
            best = np.minimum(best, x.hours)


def _pick_fleet(
    fleets: list[cap.ReplicaSummary | None], best: NDArray[np.intp]
) -> cap.ReplicaSummary:
    """Per point, the fleet of the layout ``best`` chose (only chosen layouts are stacked;
    pruned ones, without a fleet, are never chosen)."""
    used = [int(k) for k in _distinct(np.asarray(best))]
    chosen = [fleets[k] for k in used]
    assert all(f is not None for f in chosen)
    masks = [np.asarray(best == k)[..., None] for k in used[1:]]

    def pick(field: str) -> Any:
        out = getattr(chosen[0], field)
        for mask, f in zip(masks, chosen[1:], strict=True):
            out = np.where(mask, getattr(f, field), out)
        return out

    return cap.ReplicaSummary(
        replica_hours_per_day=pick("replica_hours_per_day"),
        peak=pick("peak"),
        trough=pick("trough"),
        short=pick("short"),
        served_rps_per_day=pick("served_rps_per_day"),
    )


def _argmin_first(hours: F) -> NDArray[np.intp]:
    """Per point, the first candidate within 1e-9 of the fewest GPU-hours (ties go to fewer
    GPUs per replica). hours (candidates, ...) -> (...)."""
    low = hours.min(axis=0)
    close = hours <= low * (1 + 1e-9)
    return np.asarray(np.argmax(close, axis=0))


def _serving_cost(
    s: ServingInputs, out: Outcome, tp: F, capacity_rps: F, summary: cap.ReplicaSummary
) -> tuple[F, F, F, F]:
    """Monthly GPU cost (deployment), capex (development), refresh (sustainability) and the
    GPUs people look after, per month."""
    c = s.common
    pr = s.pricing
    weights = c.hourly_weights
    hours = summary.gpu_hours(tp)
    d = out.details
    d["replicas_peak"] = out.per_point(summary.peak.max(axis=-1))
    d["replicas_mean_month0"] = out.per_point(summary.replica_hours_per_day[..., 0] / 24.0)
    d["gpu_hours_month0"] = out.per_point(hours[..., 0])
    # served over provisioned capacity, month 0 only (as ``ReplicaSummary.utilization``)
    provisioned = summary.replica_hours_per_day[..., 0] * capacity_rps
    with np.errstate(invalid="ignore", divide="ignore"):
        util0 = np.where(
            provisioned > 0,
            np.minimum(summary.served_rps_per_day[..., 0] / provisioned, 1.0),
            0.0,
        )
    d["utilization_month0"] = out.per_point(util0)
    max_rep = "none" if not np.isfinite(s.max_replicas) else f"{s.max_replicas:g}"
    out.fail_where(
        np.any(summary.short, axis=-1),
        f"max_replicas={max_rep} cannot carry the peak load; raise {c.path}.max_replicas",
    )
    z = zeros(c)
    capex_cf, refresh = z, z
    mean_gpus = hours / cap.HOURS_PER_MONTH
    staff_gpus = mean_gpus
    tp_m = np.asarray(tp)[..., None]
    if pr.mode == "on_prem":
        if pr.capex_usd_per_gpu is None:  # no public price: infeasible, reason given
            return z, z, z, mean_gpus
        # buy GPUs as the peak first needs them (growth), refresh each tranche every life
        owned = cap.owned_fleet(summary.peak * tp_m)
        purchases = np.diff(owned, axis=-1, prepend=0.0) * pr.capex_usd_per_gpu[..., None]
        assert pr.amortisation_years is not None
        life = np.rint(pr.amortisation_years * 12.0)
        refresh, residual = sus.purchase_cash_flows(purchases, life)
        # the only negative cash flow: the book value of the owned GPUs, credited in the last
        # month (labelled in the details)
        capex_cf = purchases - at_month(c, c.months - 1, residual)
        d["residual_value_credit_usd"] = out.per_point(residual)
        tdp = pr.tdp_w if pr.tdp_w is not None else np.nan
        assert pr.pue is not None and pr.electricity_usd_per_kwh is not None
        assert pr.colocation_usd_per_kw_month is not None
        energy = cap.onprem_energy_cost(hours, owned, tdp, pr.pue, pr.electricity_usd_per_kwh)
        colo = owned * tdp / 1000.0 * pr.colocation_usd_per_kw_month[..., None] + z
        gpu_cost = energy + colo
        staff_gpus = owned  # people look after every installed GPU
        d["owned_gpus"] = out.per_point(owned[..., -1])
        d["capex_usd"] = out.per_point(purchases.sum(axis=-1))
    elif pr.mode == "on_demand":
        assert pr.usd_per_gpu_hour is not None
        gpu_cost = cap.cost_on_demand(hours, pr.usd_per_gpu_hour)
    elif pr.mode == "spot":
        assert pr.spot_usd_per_gpu_hour is not None and pr.spot_interruption_overhead is not None
        gpu_cost = cap.cost_spot(hours, pr.spot_usd_per_gpu_hour, pr.spot_interruption_overhead)
    else:
        assert pr.reserved_usd_per_gpu_hour is not None and pr.usd_per_gpu_hour is not None
        replicas, _ = cap.replicas_per_hour(
            cap.hourly_rate(s.load, weights[..., None, :] if weights.ndim > 1 else weights),
            np.maximum(capacity_rps, 1e-12),
            s.headroom,
            s.min_replicas,
            s.max_replicas,
            s.autoscale,
        )
        if pr.committed_gpus is not None:
            committed = pr.committed_gpus
        else:
            committed = commitment(
                s,
                capacity_rps,
                tp,
                replicas,
                pr.reserved_usd_per_gpu_hour,
                pr.usd_per_gpu_hour,
                pr.reserved_term_months,
            )
            d["committed_gpus"] = out.per_point(committed[..., 0])
            d["committed_gpus_by_term"] = [
                out.per_point(committed[..., m])
                for m in range(0, c.months, pr.reserved_term_months)
            ]
        gpu_cost = cap.cost_reserved(
            replicas, tp, committed, pr.reserved_usd_per_gpu_hour, pr.usd_per_gpu_hour
        )
    for key in ("usd_per_gpu_hour", "reserved_usd_per_gpu_hour", "spot_usd_per_gpu_hour"):
        value = getattr(pr, key)
        if value is not None:
            d[key] = out.per_point(value)
    if pr.mode != "on_prem":  # rentals follow the GPU price trend
        gpu_cost = gpu_cost * s.gpu_price_factor
    d["mean_gpus_month0"] = out.per_point(mean_gpus[..., 0])
    return gpu_cost, capex_cf, refresh, staff_gpus
