"""The vectorised pass: every layout x engine x pricing mode x region of a model priced at
once, with the engine's own models (see the package docstring)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.recommend import rank_scores, ranks_by_quality
from llmecon.engine.search.layouts import (
    Base,
    Layouts,
    build_layouts,
    preset_efficiency,
    resolve_bases,
    stack_efficiency,
    stack_replicas,
)
from llmecon.engine.search.results import (
    Config,
    SearchResult,
    config_at,
    front_points,
    search_assumptions,
)
from llmecon.engine.search.space import (
    PRECISIONS,
    PRICING,
    Space,
    engines,
    search_regions,
    search_templates,
    template_gpus,
    template_precisions,
)
from llmecon.engine.self_hosted import commitment
from llmecon.errors import ScenarioError
from llmecon.perf import capacity as cap
from llmecon.perf.inference import ENGINE_PRESETS, ENGINE_VENDORS, at_slo
from llmecon.pillars import deployment as dep
from llmecon.pillars.discount import npv
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]


def screen(
    scenario: Scenario, space: Space | None = None, top: int = 10, only: str | None = None
) -> SearchResult:
    """Price every configuration of the scenario's self-hosted models (``only``: of that
    option's ``auto`` fields) in one vectorised pass, and rank them by the recommendation's
    objective. ``analysis.search.search`` adds the check by ``evaluate`` and the scenario's
    API and hosted options."""
    t0 = time.perf_counter()
    space = space or Space()
    templates = search_templates(scenario, space, only)
    gpus_by_t = [template_gpus(scenario, t, space) for t in templates]
    regions = search_regions(scenario, space)
    bases = resolve_bases(scenario, templates, gpus_by_t, regions)
    engine_names = space.engines or engines()
    for e in engine_names:
        if e not in ENGINE_PRESETS:
            raise ScenarioError(
                [f"--engines: unknown engine {e!r}; known: {', '.join(sorted(ENGINE_PRESETS))}"]
            )
    modes = space.pricing or tuple(PRICING)
    for m in modes:
        if m not in PRICING:
            raise ScenarioError([f"--pricing: unknown mode {m!r}; known: {', '.join(PRICING)}"])
    by_quality = ranks_by_quality(scenario, [o.quality for o in templates], 1.0)
    infeasible: Counter[str] = Counter()
    blocks: list[dict[str, NDArray[Any]]] = []
    per_layout = len(engine_names) * len(modes) * len(regions)
    for t, template in enumerate(templates):
        gb = {g.name: bases[(t, g.name)] for g in gpus_by_t[t]}
        precisions = template_precisions(template, space)
        lay = build_layouts(
            scenario, template, gpus_by_t[t], precisions, gb, infeasible, per_layout
        )
        if not lay.replicas:
            continue
        low = _below_quality(scenario, template)
        if low:  # the same model at every configuration: none meets the bar
            infeasible[low] += len(lay.replicas) * per_layout
            continue
        block = _price_template(
            template, t, lay, gb, engine_names, modes, regions, by_quality, infeasible
        )
        if block:
            blocks.append(block)
    points = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]} if blocks else {}
    feasible = int(points["score"].size) if points else 0
    chosen: list[Config] = []
    if feasible:
        # the objective, then a tie-break that does not depend on how the space was chunked
        order = np.lexsort(
            (
                points["region_i"],
                points["mode_i"],
                points["engine"],
                points["tp"],
                _precision_rank(points["precision"]),
                points["gpu"],
                points["t"],
                points["score"],
            )
        )
        chosen = [
            config_at(scenario, templates, points, int(k), modes, regions)
            for k in order[: max(top, 0)]
        ]
    result = SearchResult(
        searched=feasible + sum(infeasible.values()),
        feasible=feasible,
        seconds=0.0,
        results=chosen,
        infeasible_by_reason=dict(infeasible.most_common()),
        objective="npv per successful task" if by_quality else "npv",
        assumptions=search_assumptions(
            {p for t in templates for p in template_precisions(t, space)}
        ),
        points=front_points(points, templates, modes, regions),
    )
    result.seconds = time.perf_counter() - t0
    return result


def _below_quality(scenario: Scenario, template: Option) -> str | None:
    """Why no configuration of ``template`` is feasible when its quality misses
    ``constraints.min_quality`` (as ``engine.shared.finish`` says it)."""
    bar, q = scenario.constraints.min_quality, template.quality
    if bar is None or q is None or q >= bar:
        return None
    return f"quality {q:.3g} is below the minimum {bar:g}"


def _precision_rank(names: NDArray[Any]) -> NDArray[np.intp]:
    """Each precision's place in ``PRECISIONS`` (vectorised)."""
    rank = np.zeros(names.shape, dtype=np.intp)
    for k, p in enumerate(PRECISIONS):
        rank[names == p] = k
    return rank


def _price_template(
    template: Option,
    t: int,
    lay: Layouts,
    bases: dict[str, Base],
    engine_names: Sequence[str],
    modes: Sequence[str],
    regions: Sequence[str | None],
    by_quality: bool,
    infeasible: Counter[str],
) -> dict[str, NDArray[Any]]:
    """Every (layout, engine, pricing mode, region) of one template, priced in one pass:
    arrays over the feasible configurations (``_BLOCK_FIELDS`` and their names)."""
    first = bases[lay.gpu[0]].s
    c = first.common
    n_l, n_e = len(lay.replicas), len(engine_names)
    replica = stack_replicas(lay.replicas)
    eff = stack_efficiency(
        [[preset_efficiency(template, e, v) for e in engine_names] for v in lay.vendor]
    )
    q = None if first.slo_quantile is None else float(first.slo_quantile)
    if first.has_slo:
        point, ok = at_slo(
            replica,
            c.input_tokens,
            c.output_tokens,
            first.ttft_s,
            first.itl_s,
            eff,
            first.prefix_cached_share,
            q,
        )
    else:
        from llmecon.perf.inference import at_max_throughput

        point = at_max_throughput(
            replica, c.input_tokens, c.output_tokens, eff, first.prefix_cached_share
        )
        ok = np.asarray(point.requests_per_s > 0)
    rps = np.broadcast_to(np.asarray(point.requests_per_s, dtype=float), (n_l, n_e)).ravel()
    ok = np.broadcast_to(np.asarray(ok) & (np.asarray(point.requests_per_s) > 0), (n_l, n_e))
    ok = ok.ravel()
    shown_q = 0.95 if q is None else q
    ttft = np.broadcast_to(
        np.asarray(point.ttft_s if q is None else point.ttft_quantile(q)), (n_l, n_e)
    ).ravel()
    itl = np.broadcast_to(
        np.asarray(point.itl_s if q is None else point.itl_quantile(q)), (n_l, n_e)
    ).ravel()
    ttft_tail = np.broadcast_to(np.asarray(point.ttft_quantile(shown_q)), (n_l, n_e)).ravel()
    tp = np.repeat(np.asarray(lay.tp, dtype=float), n_e)
    runs = np.asarray(
        [[v in ENGINE_VENDORS.get(e, frozenset({v})) for e in engine_names] for v in lay.vendor]
    ).ravel()
    for e in engine_names:
        if e in ENGINE_VENDORS:
            col = np.asarray([v not in ENGINE_VENDORS[e] for v in lay.vendor])
            if col.any():
                vendors = "/".join(sorted(ENGINE_VENDORS[e]))
                infeasible[f"{e} runs on {vendors} GPUs only"] += (
                    int(col.sum()) * len(modes) * len(regions)
                )
    n_slo = int((~ok & runs).sum())
    if n_slo:
        infeasible["misses the latency targets"] += n_slo * len(modes) * len(regions)
    ok = ok & runs
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return {}
    rps_k, tp_k = rps[idx], tp[idx]
    summary = cap.replica_summary(
        first.load,
        c.hourly_weights,
        np.maximum(rps_k, 1e-12),
        first.headroom,
        first.min_replicas,
        first.max_replicas,
        first.autoscale,
    )
    hours = summary.gpu_hours(tp_k)  # (K, M)
    short = np.any(summary.short, axis=-1)
    # per-GPU tables, gathered per configuration (no Python loop over configurations)
    gpus = list(dict.fromkeys(lay.gpu))
    gpu_of_layout = np.asarray([gpus.index(g) for g in lay.gpu], dtype=np.intp)
    gi = gpu_of_layout[idx // n_e]
    table = [bases[g] for g in gpus]
    staff = dep.ops_staff_cost(
        c.ops_fte,
        first.ops_fte_per_100_gpus,
        hours / cap.HOURS_PER_MONTH,
        c.ops_engineer_usd_per_year,
    )
    fixed = np.stack([b.fixed_monthly for b in table])[gi]
    factor = first.gpu_price_factor
    tokens = float(np.sum(c.requests * (c.input_tokens + c.output_tokens)[..., None]))
    quality = template.quality
    provisioned = summary.replica_hours_per_day[..., 0] * rps_k
    with np.errstate(invalid="ignore", divide="ignore"):
        util0 = np.where(
            provisioned > 0, np.minimum(summary.served_rps_per_day[..., 0] / provisioned, 1.0), 0.0
        )
    replicas_h = None
    cols: dict[str, list[Any]] = {k: [] for k in _BLOCK_FIELDS}
    for m_i, mode in enumerate(modes):
        kind, term = PRICING[mode]
        for r_i, region in enumerate(regions):
            quotes = [b.prices[(mode, region)] for b in table]
            price, missing = _price_table(quotes)
            price, missing = price[gi], missing[gi]
            od = price
            od_quotes = quotes
            if kind == "on_demand":
                gpu_cost = cap.cost_on_demand(hours, price)
            elif kind == "spot":
                over = np.asarray([b.spot_overhead for b in table], dtype=float)[gi]
                gpu_cost = cap.cost_spot(hours, price, over)
            else:
                od_quotes = [b.prices[("on-demand", region)] for b in table]
                od_price, od_missing = _price_table(od_quotes)
                od = od_price[gi]
                missing = missing | od_missing[gi]
                if replicas_h is None:
                    replicas_h, _ = cap.replicas_per_hour(
                        cap.hourly_rate(first.load, c.hourly_weights),
                        np.maximum(rps_k, 1e-12),
                        first.headroom,
                        first.min_replicas,
                        first.max_replicas,
                        first.autoscale,
                    )
                assert term is not None
                committed = commitment(first, rps_k, tp_k, replicas_h, price, od, 12 * term)
                gpu_cost = cap.cost_reserved(replicas_h, tp_k, committed, price, od)
            monthly = fixed + np.nan_to_num(gpu_cost) * factor + staff
            value = npv(monthly, c.discount_rate_annual)
            total = monthly.sum(axis=-1)
            good = ~missing & ~short
            # why not, counted per GPU: its quote's reason, else the replica ceiling
            no_price = np.bincount(gi[missing], minlength=len(gpus))
            for g in np.flatnonzero(no_price):
                infeasible[quotes[g][1] or od_quotes[g][1] or "no price"] += int(no_price[g])
            capped = int((short & ~missing).sum())
            if capped:
                infeasible["max_replicas cannot carry the peak load"] += capped
            score = _score(value, quality, good, by_quality)
            keep = np.flatnonzero(good)
            i = idx[keep]
            li, ei = np.divmod(i, n_e)
            n = keep.size
            cols["t"].append(np.full(n, t))
            cols["layout"].append(li)
            cols["engine_i"].append(ei)
            cols["mode_i"].append(np.full(n, m_i))
            cols["region_i"].append(np.full(n, r_i))
            cols["score"].append(score[keep])
            cols["npv"].append(value[keep])
            cols["total"].append(total[keep])
            cols["peak"].append(summary.peak[keep].max(axis=-1))
            cols["gpu_hours"].append(hours[keep].sum(axis=-1))
            cols["price"].append(price[keep])
            cols["od_price"].append((od if kind == "reserved" else price)[keep])
            cols["util"].append(util0[keep])
            cols["ttft_ms"].append(ttft[i] * 1000.0)
            cols["itl_ms"].append(itl[i] * 1000.0)
            cols["ttft_tail_ms"].append(ttft_tail[i] * 1000.0)
    block = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
    li = block["layout"].astype(int)
    block["gpu"] = np.asarray(lay.gpu, dtype=str)[li]
    block["precision"] = np.asarray(lay.precision, dtype=str)[li]
    block["tp"] = np.asarray(lay.tp, dtype=int)[li]
    block["engine"] = np.asarray(engine_names, dtype=str)[block["engine_i"].astype(int)]
    block["per_1m"] = block["total"] / tokens * 1e6 if tokens else block["total"] * np.nan
    return block


#: The arrays of a block of priced configurations (one entry per feasible configuration).
_BLOCK_FIELDS = (
    "t",
    "layout",
    "engine_i",
    "mode_i",
    "region_i",
    "score",
    "npv",
    "total",
    "peak",
    "gpu_hours",
    "price",
    "od_price",
    "util",
    "ttft_ms",
    "itl_ms",
    "ttft_tail_ms",
)


def _price_table(
    quotes: Sequence[tuple[float | None, str | None]],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Per GPU, its price (NaN where none) and whether it has none. [USD/GPU-hour]"""
    price = np.asarray([q[0] if q[0] is not None else np.nan for q in quotes], dtype=float)
    return price, np.isnan(price)


def _score(value: F, quality: float | None, good: NDArray[np.bool_], by_quality: bool) -> F:
    q = np.nan if quality is None else quality
    return rank_scores(value, q, good, by_quality)
