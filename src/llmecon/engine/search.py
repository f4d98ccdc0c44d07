"""Fleet search: the cheapest way to serve the workload, over every configuration at once.

For each candidate model the search prices every combination of

* GPU type (the package catalog plus the scenario's own ``catalog:`` GPUs),
* GPUs per replica (tensor parallelism 1, 2, 4, 8 dividing the attention heads; 16 across two
  nodes when 8 do not hold the model),
* weight precision (those the GPU supports),
* engine preset (``perf.inference.ENGINE_PRESETS``; presets with identical factors are one),
* pricing mode (on demand, reserved for 1 or 3 years with the cost-minimising commitment,
  spot with its interruption overhead),

in one vectorised pass per model, with the same models the engine prices an option with:

1. capacity: ``perf.inference.at_slo`` on a stacked ``Replica`` (every layout's weights, KV
   capacity, FLOP/s and bandwidth as arrays) against the latency targets, at their percentile
   when the scenario names one;
2. fleet: ``perf.capacity.replica_summary`` of the model's trended monthly load over the hourly
   traffic curve, per configuration: replicas per hour ``n = clip(ceil(lambda (1 + h) / mu),
   n_min, n_max)`` and GPU-hours ``H_m``;
3. money: ``H p`` on demand, ``H p_s (1 + o)`` on spot, the newsvendor commitment plus on-demand
   burst reserved (``engine.self_hosted.commitment``), all times the GPU price trend; ops staff
   ``(f_0 + f_100 G / 100) S / 12``; plus the option's configuration-independent cash flows
   (build, evaluation set, delay, migrations, security, observability, compliance, failures,
   network and storage, training) priced once per model and GPU by the engine's own functions;
4. the objective the recommendation ranks by (``engine.recommend.rank_scores``): NPV, or NPV
   per successful task when every candidate has a quality.

The best ``top`` configurations are then written as complete scenario options and priced by
``evaluate`` itself, so each result's figures are the engine's (the screen and the engine
agree to rounding; ``SearchResult.max_screen_error`` says by how much).

Compared with AIConfigurator (TP/PP/quantisation for tokens/s/GPU under TTFT/TPOT targets,
~30 s, no money) and Vidur-Search (~1 CPU-hour per model for QPS per dollar), this searches
pricing modes too, in well under a second (``benchmarks/search_speed.py``).
"""

from __future__ import annotations

import time
import typing
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.catalog import GPU, tables
from llmecon.catalog.gpu_quotes import geo_of, select_quotes
from llmecon.engine.inputs import Inputs
from llmecon.engine.recommend import rank_scores, ranks_by_quality
from llmecon.engine.resolve import (
    EFFICIENCY_FIELDS,
    ENGINE_VENDORS,
    TP_CANDIDATES,
    Outcome,
    ServingInputs,
    _Reader,
    catalog_gpu_price,
    model_arch,
    resolve_serving,
    start_date,
)
from llmecon.engine.self_hosted import commitment
from llmecon.engine.shared import development_common, failure_cost, sustainability_common
from llmecon.engine.training import price_training
from llmecon.errors import ScenarioError
from llmecon.fmt import money
from llmecon.perf import capacity as cap
from llmecon.perf.inference import ENGINE_PRESETS, Efficiency, Replica, at_slo, for_vendor
from llmecon.perf.replica import build_replica
from llmecon.pillars import deployment as dep
from llmecon.pillars.discount import npv
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]

#: Pricing modes searched: name -> (option ``pricing``, ``reserved_term_years``).
PRICING: dict[str, tuple[str, int | None]] = {
    "on-demand": ("on_demand", None),
    "reserved-1y": ("reserved", 1),
    "reserved-3y": ("reserved", 3),
    "spot": ("spot", None),
}
PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4")
#: Option fields that pin a configuration the search varies (dropped from the template).
_CONFIG_FIELDS = (
    "gpu",
    "gpus_per_replica",
    "precision",
    "engine",
    "pricing",
    "reserved_term_years",
    "committed_gpus",
    "calibration",
    "measured_requests_per_s",
    "measured_output_tokens_per_s",
)
#: Price fields that belong to one GPU: kept only for configurations on the template's GPU.
_PRICE_FIELDS = ("usd_per_gpu_hour", "reserved_usd_per_gpu_hour", "spot_usd_per_gpu_hour")
AUTO = "auto"


def engines() -> tuple[str, ...]:
    """Engine presets with distinct factors, in the schema's order (``default`` and presets
    equal to an earlier one are left out: they price the same)."""
    names = typing.get_args(Option.model_fields["engine"].annotation)
    out: list[str] = []
    for n in names:
        if n == "default" or n not in ENGINE_PRESETS:
            continue
        if all(ENGINE_PRESETS[n] != ENGINE_PRESETS[m] for m in out):
            out.append(n)
    return tuple(out)


@dataclass(frozen=True)
class Space:
    """What to search; ``None`` is everything."""

    models: tuple[str, ...] | None = None
    gpus: tuple[str, ...] | None = None
    precisions: tuple[str, ...] | None = None
    pricing: tuple[str, ...] | None = None
    engines: tuple[str, ...] | None = None
    #: geos or region ids whose GPU quotes to compare (``None``: the scenario's own rule)
    regions: tuple[str, ...] | None = None


@dataclass
class Config:
    """One configuration, priced by the screen."""

    template: str  # the option it was built from
    model: str
    gpu: str
    gpus_per_replica: int
    precision: str
    engine: str
    pricing: str  # a key of PRICING
    region: str
    npv_usd: float
    total_usd: float
    score: float  # the ranking objective [USD, or USD per success]
    peak_replicas: float
    utilization: float  # month 0: served / provisioned [-]
    ttft_ms: float
    itl_ms: float
    option: dict[str, Any]
    order: tuple[Any, ...] = ()  # tie-break of equal scores (``sort_key``)
    gpu_hours: float = 0.0  # over the horizon [GPU-hours]
    price: float = 0.0  # the pricing mode's GPU price [USD/GPU-hour]
    per_1m_tokens_usd: float = float("nan")
    verified: bool = False  # figures from ``evaluate`` of ``option``

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "gpu": self.gpu,
            "gpus_per_replica": self.gpus_per_replica,
            "precision": self.precision,
            "engine": self.engine,
            "pricing": self.pricing,
            "region": self.region,
            "npv_usd": self.npv_usd,
            "total_usd": self.total_usd,
            "per_1m_tokens_usd": self.per_1m_tokens_usd,
            "peak_replicas": self.peak_replicas,
            "utilization": self.utilization,
            "ttft_ms": self.ttft_ms,
            "itl_ms": self.itl_ms,
            "option": self.option,
            "score": self.score,
        }


@dataclass
class Alternative:
    """A scenario's API or hosted-open option, on the search's scale."""

    name: str
    kind: str
    model: str
    npv_usd: float
    total_usd: float
    per_1m_tokens_usd: float
    feasible: bool
    reasons: list[str]
    score: float = float("inf")  # the search's objective; inf when infeasible

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class SearchResult:
    """Ranked configurations (``results``, cheapest first), how many were searched and
    feasible, why the rest were not, and the scenario's API/hosted options beside them."""

    searched: int
    feasible: int
    seconds: float
    results: list[Config]
    infeasible_by_reason: dict[str, int]
    objective: str  # "npv" or "npv per successful task"
    alternatives: list[Alternative] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    #: largest relative gap between the screen's NPV and ``evaluate``'s for the results [-]
    max_screen_error: float = 0.0
    #: every feasible configuration's score, p95 TTFT [ms] and label parts (arrays), for
    #: the Pareto chart (``frontier``)
    points: dict[str, NDArray[Any]] = field(default_factory=dict)

    @property
    def frontier(self) -> list[tuple[float, float, str]]:
        """(score [USD], TTFT at p95 or the scenario's percentile [ms], label) of every
        feasible configuration."""
        p = self.points
        if not p:
            return []
        return [
            (float(sc), float(tt), f"{m} {g} x{tp} {pr} {e} {mo}")
            for sc, tt, m, g, tp, pr, e, mo in zip(
                p["score"],
                p["ttft_ms"],
                p["model"],
                p["gpu"],
                p["tp"],
                p["precision"],
                p["engine"],
                p["pricing"],
                strict=True,
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "searched": self.searched,
            "feasible": self.feasible,
            "seconds": round(self.seconds, 4),
            "objective": self.objective,
            "results": [r.to_dict() for r in self.results],
            "infeasible_by_reason": dict(self.infeasible_by_reason),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "assumptions": list(self.assumptions),
            "max_screen_error": self.max_screen_error,
        }


# --------------------------------------------------------------------------- templates


def sort_key(c: Config) -> tuple[Any, ...]:
    """The ranking: the objective, then a tie-break independent of chunking."""
    return (c.score, c.order)


def candidate_gpus(scenario: Scenario, space: Space | None = None) -> list[str]:
    """Every GPU the search would try, over all candidate models, in the search's order."""
    space = space or Space()
    names: dict[str, None] = {}
    for t in _templates(scenario, space, None):
        for g in _candidate_gpus(scenario, t, space):
            names.setdefault(g.name, None)
    return list(names)


def _auto_fields(o: Option) -> list[str]:
    return [f for f in ("gpu", "precision", "pricing", "gpus_per_replica") if _is_auto(o, f)]


def _is_auto(o: Option, f: str) -> bool:
    return getattr(o, f) == AUTO


def _templates(scenario: Scenario, space: Space, only: str | None) -> list[Option]:
    """One option per candidate model to vary: the scenario's self-hosted options (the
    ``only`` one for an ``auto`` option), or the first one with its model replaced for each
    of ``space.models`` it lacks."""
    hosted = [o for o in scenario.options if o.kind in ("self_hosted", "slm")]
    if only is not None:
        return [scenario.option(only)]
    if space.models is None:
        seen: dict[str, Option] = {}
        for o in hosted:
            seen.setdefault(o.model or "", o)
        if not seen:
            raise ScenarioError(
                [
                    "options: no self_hosted or slm option to search; add one, or name "
                    "open models with --models"
                ]
            )
        return list(seen.values())
    out = []
    cat = scenario.user_catalog()
    for m in space.models:
        name = cat.resolve_model(m).name
        own = next((o for o in hosted if o.model and cat.resolve_model(o.model).name == name), None)
        if own is None:
            base = hosted[0] if hosted else None
            data = (
                base.model_dump(exclude_none=True, exclude={"quality", "training", "architecture"})
                if base is not None and base.kind == "self_hosted"
                else {"kind": "self_hosted"}
            )
            data.update(name=f"search-{name}", model=name)
            own = Option.model_validate(_concrete(data, "H100 SXM"))
        out.append(own)
    return out


def _concrete(data: dict[str, Any], gpu: str) -> dict[str, Any]:
    """A template's fields with every ``auto`` replaced by a valid placeholder (the search
    varies them)."""
    d = dict(data)
    d["gpu"] = gpu
    for f, v in (("precision", "bf16"), ("pricing", "on_demand"), ("gpus_per_replica", None)):
        if d.get(f) == AUTO:
            d[f] = v
    return d


def _candidate_gpus(scenario: Scenario, template: Option, space: Space) -> list[GPU]:
    cat = scenario.user_catalog()
    if space.gpus is not None:
        return list(dict.fromkeys(cat.resolve_gpu(g) for g in space.gpus))
    if template.gpu and template.gpu != AUTO and not _is_search_all(template):
        return [cat.resolve_gpu(template.gpu)]
    return list(dict.fromkeys((*cat.gpus, *tables.gpus())))


def _is_search_all(template: Option) -> bool:
    """A plain option (nothing ``auto``) searched from the command line: vary everything."""
    return not _auto_fields(template)


# --------------------------------------------------------------------------- the pass


@dataclass
class _Base:
    """A template resolved on one GPU: the traffic, targets and the configuration-independent
    monthly cash flows."""

    s: ServingInputs
    fixed_monthly: F  # (M,) [USD/month]
    reasons: list[str]
    prices: dict[tuple[str, str | None], tuple[float | None, str | None]]  # (mode, region)
    spot_overhead: float = 0.0  # [-]


def _resolve_bases(
    scenario: Scenario,
    templates: list[Option],
    gpus_by_template: list[list[GPU]],
    regions: Sequence[str | None],
) -> dict[tuple[int, str], _Base]:
    """Resolve every (template, GPU) once in one ``Inputs``: the same records ``evaluate``
    builds, so traffic, trends and fixed costs are the engine's."""
    options: list[Option] = []
    keys: list[tuple[int, str, Option]] = []
    for t, (template, gpus) in enumerate(zip(templates, gpus_by_template, strict=True)):
        for g in gpus:
            d = template.model_dump(exclude_none=True)
            for f in _CONFIG_FIELDS:
                d.pop(f, None)
            if template.gpu in (None, AUTO) or g.name != _gpu_name(scenario, template.gpu):
                for f in _PRICE_FIELDS:
                    d.pop(f, None)
            d.update(name=f"search{t}:{g.name}", gpu=g.name, pricing="on_demand")
            d["precision"] = "bf16" if g.supports("bf16") else "fp16"
            o = Option.model_validate(d)
            options.append(o)
            keys.append((t, g.name, o))
    scn = scenario.model_copy(update={"options": options})
    inputs = Inputs(scn, {})
    bases: dict[tuple[int, str], _Base] = {}
    for t, gname, o in keys:
        reasons: list[str] = []
        try:
            s = resolve_serving(inputs, o)
        except Exception as err:
            msg = str(err).split("; ")[0].split(": ", 1)[-1]
            bases[(t, gname)] = _Base(None, np.zeros(0), [msg], {})  # type: ignore[arg-type]
            continue
        c = s.common
        out = Outcome(c.shape, reasons=[])
        fixed = (
            development_common(c, out)
            + sustainability_common(c, c.requests)
            + c.network_storage_usd_per_month[..., None]
            + failure_cost(c)
        )
        if s.training is not None:
            train_dev, train_sus = price_training(c, s.training, out)
            fixed = fixed + train_dev + train_sus
        reasons.extend(r for r in s.reasons if "bf16" not in r)
        prices = _prices(inputs, o, s, templates[t], scenario, regions)
        over = float(_Reader(inputs, o).opt("spot_interruption_overhead"))
        bases[(t, gname)] = _Base(s, np.asarray(fixed, dtype=float), reasons, prices, over)
    return bases


def _gpu_name(scenario: Scenario, name: str | None) -> str:
    return scenario.user_catalog().resolve_gpu(name or "").name


def _prices(
    inputs: Inputs,
    o: Option,
    s: ServingInputs,
    template: Option,
    scenario: Scenario,
    regions: Sequence[str | None],
) -> dict[tuple[str, str | None], tuple[float | None, str | None]]:
    """Each (pricing mode, region)'s GPU price for this option's GPU [USD/GPU-hour], or why
    there is none: the option's own when it set one for this GPU; for the scenario's region
    (``None``) the catalog's by the engine's rule (``catalog_gpu_price``); for a searched
    region the median of its quotes (``select_quotes``, that geo only), unless the data must
    stay in another."""
    out: dict[tuple[str, str | None], tuple[float | None, str | None]] = {}
    own_gpu = template.gpu not in (None, AUTO) and s.gpu.name == _gpu_name(scenario, template.gpu)
    cons = scenario.constraints
    home = geo_of(cons.region) if cons.region else None
    strict = cons.data_residency == "region"
    market = scenario.organisation.gpu_market or "neocloud"
    for mode in PRICING:
        attr = _PRICE_ATTR[mode]
        own = getattr(template, attr) if own_gpu else None
        if own is not None and mode.startswith("reserved"):
            own = own if f"reserved-{template.reserved_term_years}y" == mode else None
        for region in regions:
            if own is not None:
                out[(mode, region)] = (float(own), None)
                continue
            if region is None:
                sel = catalog_gpu_price(inputs, o.name, s.gpu, mode, o.provider)
            elif strict and home is not None and region != home:
                out[(mode, region)] = (
                    None,
                    f"data must stay in {cons.region}: region {region} is not allowed",
                )
                continue
            else:
                sel = select_quotes(
                    s.gpu.name,
                    mode,
                    catalog=scenario.user_catalog(),
                    on=start_date(scenario),
                    geo=region,
                    strict_geo=True,
                    segment=None if market == "any" else market,
                    provider=o.provider,
                )
            where = f" in {region}" if region else ""
            if sel is None:
                out[(mode, region)] = (None, f"no {mode} price for {s.gpu.name} in the catalog")
            elif sel.price is None:
                out[(mode, region)] = (
                    None,
                    f"no {mode} price for {s.gpu.name}{where or ' in the region'}",
                )
            else:
                out[(mode, region)] = (float(sel.price), None)
    return out


#: The option field that holds each pricing mode's GPU price.
_PRICE_ATTR = {
    "on-demand": "usd_per_gpu_hour",
    "spot": "spot_usd_per_gpu_hour",
    "reserved-1y": "reserved_usd_per_gpu_hour",
    "reserved-3y": "reserved_usd_per_gpu_hour",
}


def _efficiency(template: Option, engine: str, vendor: str) -> Efficiency:
    """The engine preset for the vendor with the template's own ``efficiency:`` values, as
    ``engine.resolve.resolve_efficiency`` builds it."""
    eff = for_vendor(ENGINE_PRESETS[engine], vendor)
    if template.efficiency is None:
        return eff
    own = {
        attr: float(getattr(template.efficiency, key)) * unit
        for key, (attr, unit) in EFFICIENCY_FIELDS.items()
        if getattr(template.efficiency, key) is not None
    }
    return replace(eff, **own)


@dataclass
class _Layouts:
    """Stacked layouts of one template: arrays over (layout,)."""

    gpu: list[str]
    tp: list[int]
    precision: list[str]
    replicas: list[Replica]
    vendor: list[str]


def _layouts(
    scenario: Scenario,
    template: Option,
    gpus: list[GPU],
    precisions: Sequence[str],
    bases: dict[str, _Base],
    unfit: Counter[str],
    per_layout: int,
) -> _Layouts:
    """Every (GPU, precision, TP) whose weights and 1,024 tokens of KV cache fit; the rest
    counted in ``unfit`` (``per_layout`` configurations each: engines x pricing modes)."""
    model = model_arch(template.model_copy(update={"gpu": gpus[0].name}), scenario)
    heads = model.num_attention_heads
    tps = [d for d in TP_CANDIDATES if not heads or heads % d == 0] or [1]
    if template.gpus_per_replica not in (None, AUTO) and not _is_search_all(template):
        tps = [int(template.gpus_per_replica)]  # type: ignore[arg-type]
    out = _Layouts([], [], [], [], [])
    for g in gpus:
        b = bases[g.name]
        if b.s is None or b.reasons:  # no price, no open weights...: every layout on it
            unfit[b.reasons[0]] += len(precisions) * len(tps) * per_layout
            continue
        for p in precisions:
            if not g.supports(p):
                unfit[f"{g.name} does not run {p}"] += len(tps) * per_layout
                continue
            kv = template.kv_precision
            fitted = False
            for tp in [*tps, 16]:
                if tp == 16 and (fitted or tps[-1] != 8 or heads % 16):
                    continue
                replica, fit = build_replica(
                    model, g, p, tp, kv, network_gbs_per_gpu=template.network_gbs_per_gpu
                )
                if not fit.fits:
                    unfit["the model does not fit in memory"] += per_layout
                    continue
                fitted = True
                out.gpu.append(g.name)
                out.tp.append(tp)
                out.precision.append(p)
                out.replicas.append(replica)
                out.vendor.append(g.vendor)
    return out


def _stack(replicas: list[Replica]) -> Replica:
    """One ``Replica`` whose fields are (layouts, 1) arrays, to broadcast against engines."""
    fields = vars(replicas[0]).keys()
    return Replica(
        **{
            k: np.asarray([float(getattr(r, k)) for r in replicas], dtype=float)[:, None]
            for k in fields
        }
    )


def _stack_eff(effs: list[list[Efficiency]]) -> Efficiency:
    """(layouts, engines) arrays of every efficiency field."""
    fields = vars(effs[0][0]).keys()
    return Efficiency(
        **{
            k: np.asarray([[float(getattr(e, k)) for e in row] for row in effs], dtype=float)
            for k in fields
        }
    )


def screen(
    scenario: Scenario, space: Space | None = None, top: int = 10, only: str | None = None
) -> SearchResult:
    """Price every configuration of the scenario's self-hosted models (``only``: of that
    option's ``auto`` fields) in one vectorised pass, and rank them by the recommendation's
    objective. ``analysis.search.search`` adds the check by ``evaluate`` and the scenario's
    API and hosted options."""
    t0 = time.perf_counter()
    space = space or Space()
    templates = _templates(scenario, space, only)
    gpus_by_t = [_candidate_gpus(scenario, t, space) for t in templates]
    regions = _regions(scenario, space)
    bases = _resolve_bases(scenario, templates, gpus_by_t, regions)
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
        precisions = _precisions(template, space)
        lay = _layouts(scenario, template, gpus_by_t[t], precisions, gb, infeasible, per_layout)
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
            _config(scenario, templates, points, int(k), modes, regions)
            for k in order[: max(top, 0)]
        ]
    result = SearchResult(
        searched=feasible + sum(infeasible.values()),
        feasible=feasible,
        seconds=0.0,
        results=chosen,
        infeasible_by_reason=dict(infeasible.most_common()),
        objective="npv per successful task" if by_quality else "npv",
        assumptions=_assumptions({p for t in templates for p in _precisions(t, space)}),
        points=_front_points(points, templates, modes, regions),
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


def _front_points(
    points: dict[str, NDArray[Any]],
    templates: list[Option],
    modes: Sequence[str],
    regions: Sequence[str | None],
) -> dict[str, NDArray[Any]]:
    """What the Pareto chart needs of every feasible configuration: score, p95 TTFT and
    the parts of its label."""
    if not points:
        return {}
    return {
        "score": points["score"],
        "ttft_ms": points["ttft_tail_ms"],
        "model": np.asarray([str(t.model) for t in templates], dtype=str)[points["t"].astype(int)],
        "gpu": points["gpu"],
        "tp": points["tp"],
        "precision": points["precision"],
        "engine": points["engine"],
        "pricing": np.asarray(modes, dtype=str)[points["mode_i"].astype(int)],
    }


def _regions(scenario: Scenario, space: Space) -> tuple[str | None, ...]:
    """The regions searched: ``None`` is the scenario's own rule (its region, or any)."""
    if space.regions is None:
        return (None,)
    return tuple(geo_of(r) for r in space.regions)


def _assumptions(precisions_used: Iterable[str]) -> list[str]:
    out = []
    quantised = sorted(set(precisions_used) - {"bf16", "fp16"})
    if quantised:
        out.append(
            f"{', '.join(quantised)} weights keep the option's quality: the catalog has no "
            "sourced quality penalty for quantisation (llmecon judgement; set the option's "
            "quality from your own evaluation of the quantised model)"
        )
    return out


def _precisions(template: Option, space: Space) -> tuple[str, ...]:
    if space.precisions is not None:
        return space.precisions
    if template.precision != AUTO and not _is_search_all(template):
        return (template.precision,)
    return PRECISIONS


def _price_template(
    template: Option,
    t: int,
    lay: _Layouts,
    bases: dict[str, _Base],
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
    replica = _stack(lay.replicas)
    eff = _stack_eff([[_efficiency(template, e, v) for e in engine_names] for v in lay.vendor])
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
    layout_of = idx // n_e
    gpu_k = [lay.gpu[i] for i in layout_of]
    staff = dep.ops_staff_cost(
        c.ops_fte,
        first.ops_fte_per_100_gpus,
        hours / cap.HOURS_PER_MONTH,
        c.ops_engineer_usd_per_year,
    )
    fixed = np.stack([bases[g].fixed_monthly for g in gpu_k])
    factor = first.gpu_price_factor
    tokens = float(np.sum(c.requests * (c.input_tokens + c.output_tokens)[..., None]))
    quality = template.quality
    base_rows = [bases[g] for g in gpu_k]
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
            quotes = [b.prices[(mode, region)] for b in base_rows]
            price = np.asarray([q[0] if q[0] is not None else np.nan for q in quotes])
            od = price
            missing = np.asarray([q[0] is None for q in quotes])
            if kind == "on_demand":
                gpu_cost = cap.cost_on_demand(hours, price)
            elif kind == "spot":
                over = np.asarray([b.spot_overhead for b in base_rows], dtype=float)
                gpu_cost = cap.cost_spot(hours, price, over)
            else:
                od_q = [b.prices[("on-demand", region)] for b in base_rows]
                od = np.asarray([q[0] if q[0] is not None else np.nan for q in od_q])
                missing = missing | np.asarray([q[0] is None for q in od_q])
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
            bad = np.flatnonzero(~good)
            if bad.size:
                infeasible.update(
                    quotes[k][1] or "max_replicas cannot carry the peak load" for k in bad
                )
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


def _score(value: F, quality: float | None, good: NDArray[np.bool_], by_quality: bool) -> F:
    q = np.nan if quality is None else quality
    return rank_scores(value, q, good, by_quality)


def _config(
    scenario: Scenario,
    templates: list[Option],
    points: dict[str, NDArray[Any]],
    k: int,
    modes: Sequence[str],
    regions: Sequence[str | None],
) -> Config:
    """Configuration ``k`` of the priced points, with its complete scenario option: the
    template's fields, the configuration's, and (for a searched region) its GPU prices."""
    t = int(points["t"][k])
    template = templates[t]
    mode = modes[int(points["mode_i"][k])]
    region = regions[int(points["region_i"][k])]
    gpu, tp = str(points["gpu"][k]), int(points["tp"][k])
    precision, engine = str(points["precision"][k]), str(points["engine"][k])
    kind, term = PRICING[mode]
    d = template.model_dump(exclude_none=True, exclude_unset=True)
    for f in _CONFIG_FIELDS:
        d.pop(f, None)
    same_gpu = template.gpu not in (None, AUTO) and _gpu_name(scenario, template.gpu) == gpu
    if not same_gpu:
        for f in _PRICE_FIELDS:
            d.pop(f, None)
    where = f"-{region}" if region else ""
    d.update(
        name=_slug(f"{template.model}-{gpu}-x{tp}-{precision}-{engine}-{mode}{where}"),
        kind=template.kind,
        model=template.model,
        gpu=gpu,
        gpus_per_replica=tp,
        precision=precision,
        engine=engine,
        pricing=kind,
    )
    if term is not None:
        d["reserved_term_years"] = term
    if region is not None:  # the engine prices the scenario's region: pin this one's quotes
        d.update(_region_prices(points, k, mode, region))
    return Config(
        template=template.name,
        model=str(template.model),
        gpu=gpu,
        gpus_per_replica=tp,
        precision=precision,
        engine=engine,
        pricing=mode,
        region=region or scenario.constraints.region or "any",
        npv_usd=float(points["npv"][k]),
        total_usd=float(points["total"][k]),
        score=float(points["score"][k]),
        peak_replicas=float(points["peak"][k]),
        utilization=float(points["util"][k]),
        ttft_ms=float(points["ttft_ms"][k]),
        itl_ms=float(points["itl_ms"][k]),
        option=d,
        order=(
            t,
            gpu,
            PRECISIONS.index(precision),
            tp,
            engine,
            int(points["mode_i"][k]),
            int(points["region_i"][k]),
        ),
        gpu_hours=float(points["gpu_hours"][k]),
        price=float(points["price"][k]),
        per_1m_tokens_usd=float(points["per_1m"][k]),
    )


def _region_prices(
    points: dict[str, NDArray[Any]], k: int, mode: str, region: str
) -> dict[str, float]:
    kind, _ = PRICING[mode]
    price = float(points["price"][k])
    if kind == "on_demand":
        return {"usd_per_gpu_hour": price}
    if kind == "spot":
        return {"spot_usd_per_gpu_hour": price}
    return {"reserved_usd_per_gpu_hour": price, "usd_per_gpu_hour": float(points["od_price"][k])}


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in text.lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


# --------------------------------------------------------------------------- auto options


@dataclass
class Filled:
    """A scenario with its ``auto`` options made concrete, and what the search said."""

    scenario: Scenario
    notes: dict[str, list[str]]  # option name -> assumption lines
    details: dict[str, dict[str, Any]]  # option name -> details["auto"]
    infeasible: dict[str, list[str]]  # option name -> reasons (no configuration meets them)


_FILLED: dict[int, tuple[Scenario, Filled]] = {}


def fill_auto(scenario: Scenario) -> Filled:
    """Replace each option's ``auto`` fields (``gpu``, ``precision``, ``pricing``,
    ``gpus_per_replica``) by the cheapest configuration the screen finds, with a note naming
    the runner-up it beat, by how much and why. Memoised per scenario object (a Monte Carlo
    run or a sweep searches once, on the base scenario)."""
    hit = _FILLED.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    options: list[Option] = []
    notes: dict[str, list[str]] = {}
    details: dict[str, dict[str, Any]] = {}
    infeasible: dict[str, list[str]] = {}
    for o in scenario.options:
        auto = _auto_fields(o) if o.kind in ("self_hosted", "slm") else []
        if not auto:
            options.append(o)
            continue
        if o.pricing == "on_prem":
            raise ScenarioError(
                [
                    f"options.{o.name}.pricing: on_prem cannot be searched with auto fields "
                    "(no rental price to compare); set gpu, precision and gpus_per_replica, or "
                    "rent (pricing: auto)"
                ]
            )
        space = Space(
            engines=(o.engine,),
            pricing=tuple(PRICING) if o.pricing == AUTO else (_mode_key(o),),
        )
        found = screen(scenario, space, top=2, only=o.name)
        if not found.results:
            reasons = [
                f"{v} configurations: {k}" for k, v in list(found.infeasible_by_reason.items())[:3]
            ]
            infeasible[o.name] = [
                f"no configuration of the auto fields ({', '.join(auto)}) is feasible "
                f"among {found.searched}: " + "; ".join(reasons)
            ]
            placeholder = _concrete(o.model_dump(exclude_none=True), "H100 SXM")
            options.append(Option.model_validate(placeholder))
            continue
        best = found.results[0]
        chosen = dict(best.option, name=o.name)
        options.append(Option.model_validate(chosen))
        line = (
            f"options.{o.name}: {', '.join(auto)} = auto -> {_label(best)} (llmecon search: the "
            f"cheapest of {found.feasible:,} feasible configurations among {found.searched:,}, "
            f"by {found.objective})"
        )
        if len(found.results) > 1:
            line += "; " + _beat(best, found.results[1])
        notes[o.name] = [line, *found.assumptions]
        details[o.name] = {
            "fields": auto,
            "chosen": best.to_dict() | {"option": None},
            "runner_up": None
            if len(found.results) < 2
            else found.results[1].to_dict() | {"option": None},
            "searched": found.searched,
            "feasible": found.feasible,
        }
        for d in details[o.name].values():
            if isinstance(d, dict):
                d.pop("option", None)
    filled = Filled(scenario.model_copy(update={"options": options}), notes, details, infeasible)
    if len(_FILLED) > 16:
        _FILLED.clear()
    _FILLED[id(scenario)] = (scenario, filled)
    return filled


def _mode_key(o: Option) -> str:
    if o.pricing == "reserved":
        return f"reserved-{o.reserved_term_years}y"
    return {"on_demand": "on-demand", "spot": "spot"}[str(o.pricing)]


def _label(c: Config) -> str:
    return f"{c.gpu} x{c.gpus_per_replica} {c.precision} {c.pricing}"


def _beat(best: Config, runner: Config) -> str:
    """Which runner-up the best beat, by how much, and why (GPU-hours against price)."""
    gap = runner.score - best.score
    rel = gap / abs(best.score) if best.score else 0.0
    why = []
    h0, h1 = best.gpu_hours, runner.gpu_hours
    p0, p1 = best.price, runner.price
    if h0 > 0 and h1 > 0 and abs(h1 / h0 - 1) > 0.005:
        why.append(f"{abs(h1 / h0 - 1):.0%} {'more' if h1 > h0 else 'fewer'} GPU-hours")
    if p0 > 0 and p1 > 0 and abs(p1 / p0 - 1) > 0.005:
        why.append(f"at a {abs(p1 / p0 - 1):.0%} {'higher' if p1 > p0 else 'lower'} GPU price")
    because = f": {_label(runner)} needs {' '.join(why)}" if why else ""
    return f"it beat {_label(runner)} by {money(gap)} ({rel:.1%}){because}"
