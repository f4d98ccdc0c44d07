"""Each (model, GPU) resolved once by the engine, its prices per pricing mode and region, and
the stacked replica layouts (GPU x precision x GPUs per replica) that fit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from llmecon.catalog import GPU
from llmecon.catalog.gpu_quotes import geo_of, select_quotes
from llmecon.engine.inputs import Inputs
from llmecon.engine.resolve import (
    EFFICIENCY_FIELDS,
    TP_CANDIDATES,
    Outcome,
    ServingInputs,
    _Reader,
    catalog_gpu_price,
    model_arch,
    resolve_serving,
    start_date,
)
from llmecon.engine.search.space import (
    AUTO,
    CONFIG_FIELDS,
    PRICE_FIELDS,
    PRICING,
    gpu_name,
    is_search_all,
)
from llmecon.engine.shared import development_common, failure_cost, sustainability_common
from llmecon.engine.training import price_training
from llmecon.errors import CatalogError, ScenarioError, UnknownParameter
from llmecon.perf.inference import ENGINE_PRESETS, Efficiency, Replica, for_vendor
from llmecon.perf.replica import build_replica
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]


@dataclass
class Base:
    """A template resolved on one GPU: the traffic, targets and the configuration-independent
    monthly cash flows."""

    s: ServingInputs
    fixed_monthly: F  # (M,) [USD/month]
    reasons: list[str]
    prices: dict[tuple[str, str | None], tuple[float | None, str | None]]  # (mode, region)
    spot_overhead: float = 0.0  # [-]


def resolve_bases(
    scenario: Scenario,
    templates: list[Option],
    gpus_by_template: list[list[GPU]],
    regions: Sequence[str | None],
) -> dict[tuple[int, str], Base]:
    """Resolve every (template, GPU) once in one ``Inputs``: the same records ``evaluate``
    builds, so traffic, trends and fixed costs are the engine's."""
    options: list[Option] = []
    keys: list[tuple[int, str, Option]] = []
    for t, (template, gpus) in enumerate(zip(templates, gpus_by_template, strict=True)):
        for g in gpus:
            d = template.model_dump(exclude_none=True)
            for f in CONFIG_FIELDS:
                d.pop(f, None)
            if template.gpu in (None, AUTO) or g.name != gpu_name(scenario, template.gpu):
                for f in PRICE_FIELDS:
                    d.pop(f, None)
            d.update(name=f"search{t}:{g.name}", gpu=g.name, pricing="on_demand")
            d["precision"] = "bf16" if g.supports("bf16") else "fp16"
            o = Option.model_validate(d)
            options.append(o)
            keys.append((t, g.name, o))
    scn = scenario.model_copy(update={"options": options})
    inputs = Inputs(scn, {})
    bases: dict[tuple[int, str], Base] = {}
    for t, gname, o in keys:
        reasons: list[str] = []
        try:
            s = resolve_serving(inputs, o)
        except (CatalogError, ScenarioError, UnknownParameter) as err:
            # a GPU the option cannot use (no price, no row...): one reason for its layouts
            msg = str(err).split("; ")[0].split(": ", 1)[-1]
            bases[(t, gname)] = Base(None, np.zeros(0), [msg], {})  # type: ignore[arg-type]
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
        bases[(t, gname)] = Base(s, np.asarray(fixed, dtype=float), reasons, prices, over)
    return bases


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
    own_gpu = template.gpu not in (None, AUTO) and s.gpu.name == gpu_name(scenario, template.gpu)
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


def preset_efficiency(template: Option, engine: str, vendor: str) -> Efficiency:
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
class Layouts:
    """Stacked layouts of one template: arrays over (layout,)."""

    gpu: list[str]
    tp: list[int]
    precision: list[str]
    replicas: list[Replica]
    vendor: list[str]


def build_layouts(
    scenario: Scenario,
    template: Option,
    gpus: list[GPU],
    precisions: Sequence[str],
    bases: dict[str, Base],
    unfit: Counter[str],
    per_layout: int,
) -> Layouts:
    """Every (GPU, precision, TP) whose weights and 1,024 tokens of KV cache fit; the rest
    counted in ``unfit`` (``per_layout`` configurations each: engines x pricing modes)."""
    model = model_arch(template.model_copy(update={"gpu": gpus[0].name}), scenario)
    heads = model.num_attention_heads
    tps = [d for d in TP_CANDIDATES if not heads or heads % d == 0] or [1]
    if template.gpus_per_replica not in (None, AUTO) and not is_search_all(template):
        tps = [int(template.gpus_per_replica)]  # type: ignore[arg-type]
    out = Layouts([], [], [], [], [])
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


def stack_replicas(replicas: list[Replica]) -> Replica:
    """One ``Replica`` whose fields are (layouts, 1) arrays, to broadcast against engines."""
    fields = vars(replicas[0]).keys()
    return Replica(
        **{
            k: np.asarray([float(getattr(r, k)) for r in replicas], dtype=float)[:, None]
            for k in fields
        }
    )


def stack_efficiency(effs: list[list[Efficiency]]) -> Efficiency:
    """(layouts, engines) arrays of every efficiency field."""
    fields = vars(effs[0][0]).keys()
    return Efficiency(
        **{
            k: np.asarray([[float(getattr(e, k)) for e in row] for row in effs], dtype=float)
            for k in fields
        }
    )
