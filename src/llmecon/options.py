"""Assemble the three pillars for each option kind: ``api``, ``hosted_open``, ``self_hosted``,
``slm`` and ``hybrid``.

``price_option`` returns an ``OptionCost``: monthly cash flows per pillar with a leading
sample axis when inputs are arrays, feasibility with reasons, and the details (replicas, GPU
count, capacity per replica) that explain the numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import median
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon import assumptions as A
from llmecon.catalog import (
    GPU,
    CatalogError,
    ModelArch,
    fact,
    gpu_prices,
    rate_limit,
    resolve_gpu,
    resolve_model,
)
from llmecon.catalog.api_prices import ApiPrice, api_price
from llmecon.inputs import Inputs
from llmecon.perf import capacity as cap
from llmecon.perf import training as tr
from llmecon.perf.inference import (
    Efficiency,
    Replica,
    ServingPoint,
    at_max_throughput,
    at_slo,
)
from llmecon.perf.replica import build_replica
from llmecon.pillars import deployment as dep
from llmecon.pillars import development as dev
from llmecon.pillars import sustainability as sus
from llmecon.pillars.discount import discount_factors
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]
TP_CANDIDATES = (1, 2, 4, 8)
_PRICING_ROWS = {"on_demand": "on-demand", "reserved": "reserved-1y", "spot": "spot"}


@dataclass
class OptionCost:
    name: str
    kind: str
    development: F
    deployment: F
    sustainability: F
    feasible: NDArray[np.bool_]
    infeasible_reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    quality: float | None = None
    #: task success rate per sample (sampled or blended), None when unknown [-]
    quality_samples: F | None = None
    deploy_weeks: float = 0.0

    @property
    def monthly(self) -> F:
        return np.asarray(self.development + self.deployment + self.sustainability)


class _Ctx:
    """Per-option helpers: the option's path prefix and the shared inputs."""

    def __init__(
        self, inputs: Inputs, option: Option, traffic_scale: float | F = 1.0, as_leg: bool = False
    ):
        self.as_leg = as_leg
        self.inp = inputs
        self.s: Scenario = inputs.scenario
        self.o = option
        self.p = f"options.{option.name}"
        self.months = self.s.horizon_months
        self.start = self.s.start_date or dt.date.today()
        self.scale = traffic_scale
        self.reasons: list[str] = []  # fail every sample
        self.sample_reasons: list[str] = []  # fail the samples in ``bad``
        self.warnings: list[str] = []
        self.details: dict[str, Any] = {}
        #: samples that fail a sample-dependent check (rate limit, replicas, SLO)
        self.bad: NDArray[np.bool_] = np.zeros(inputs.shape, dtype=bool)
        #: rate limits that apply: the user's, plus the published tier's
        self.limits: set[str] = {
            k for k in ("rate_limit_rpm", "rate_limit_tpm") if getattr(option, k) is not None
        }

    def fail_where(self, mask: ArrayLike, reason: str) -> None:
        """Mark the samples in ``mask`` infeasible; the reason is listed when the base case or
        any sample fails, with the share of samples when only some do."""
        m = np.broadcast_to(np.asarray(mask, dtype=bool), self.inp.shape)
        if not m.any():
            return
        self.bad = self.bad | m
        self.sample_reasons.append(
            reason if m.all() else f"{reason} (in {m.mean():.0%} of samples)"
        )

    def get(self, field_: str, default: Any = None) -> F:
        return self.inp.get(f"{self.p}.{field_}", default, owner=self.o.name)

    def kind_default(self, field_: str) -> A.Default:
        return A.option_default(self.o.kind, field_)

    def opt(self, field_: str) -> F:
        return self.get(field_, self.kind_default(field_))

    def org(self, field_: str) -> F:
        return self.inp.get(
            f"organisation.{field_}", lambda: A.organisation_default(field_), owner=self.o.name
        )

    def wl(self, field_: str) -> F:
        return self.inp.get(f"workload.{field_}", owner="")

    def zeros(self) -> F:
        return np.zeros((*self.inp.shape, self.months))

    def at(self, month: int, amount: F) -> F:
        out = self.zeros() + 0.0 * np.asarray(amount)[..., None]
        out[..., month] += amount
        return out

    def requests(self) -> F:
        r0, g = self.wl("requests_per_month"), self.wl("monthly_growth")
        # memoised per Inputs (perf: every option asks for the same curve; the power is costly)
        memo: dict[str, Any] = vars(self.inp).setdefault("_perf_memo", {})
        key = ("monthly_requests", id(r0), id(g), self.months)
        hit = memo.get("requests")
        if hit is not None and hit[0] == key:
            r = hit[1]
        else:
            r = cap.monthly_requests(r0, g, self.months)
            memo["requests"] = (key, r, r0, g)  # r0, g kept alive so their ids stay theirs
        return np.asarray(
            r * np.asarray(self.scale)[..., None] if np.ndim(self.scale) else r * float(self.scale)
        )

    def hourly_weights(self) -> F:
        w = self.s.workload
        if w.hourly_weights is not None:
            return cap.hourly_weights_from_profile(w.hourly_weights)
        return cap.hourly_weights_from_peak_ratio(w.peak_to_average)


@lru_cache(maxsize=256)
def _at_slo_scalar(
    replica: Replica, i: float, o: float, ttft: float, itl: float, eff: Efficiency
) -> tuple[ServingPoint, NDArray[np.bool_]]:
    """``at_slo`` for scalar inputs, memoised (perf: the TP search and every chunk of a Monte
    Carlo run ask the same question); the arrays returned are read-only."""
    point, ok = at_slo(replica, i, o, ttft, itl, eff)
    for v in vars(point).values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
    ok.setflags(write=False)
    return point, ok


def _slo_point(
    replica: Replica, i: Any, o: Any, ttft: Any, itl: Any, eff: Efficiency
) -> tuple[ServingPoint, NDArray[np.bool_]]:
    """``at_slo``, from the memo when every input is a scalar."""
    if all(np.ndim(x) == 0 for x in (i, o, ttft, itl)):
        return _at_slo_scalar(replica, float(i), float(o), float(ttft), float(itl), eff)
    return at_slo(replica, i, o, ttft, itl, eff)


# --------------------------------------------------------------------------- common pieces


def _development_common(c: _Ctx, at_least_weeks: float = 0.0) -> F:
    rate = c.org("engineer_usd_per_hour")
    build = dev.engineering_cost(c.opt("engineering_weeks"), rate)
    evalset = dev.per_example_cost(c.opt("eval_set_examples"), c.opt("eval_usd_per_example"))
    weeks = np.maximum(c.opt("time_to_deploy_weeks"), at_least_weeks)
    # a hybrid's legs go live with it: the hybrid pays the cost of delay once
    delay = (
        0.0
        if c.as_leg
        else dev.delay_cost(weeks, c.inp.get("organisation.cost_of_delay_usd_per_month"))
    )
    c.details["time_to_deploy_weeks"] = float(np.mean(weeks))
    return c.at(0, build + evalset + delay)


def _sustainability_common(c: _Ctx, requests: F) -> F:
    rate = c.org("engineer_usd_per_hour")
    every = c.opt("migration_every_months")
    migration = sus.periodic(c.months, every, dev.engineering_cost(c.opt("migration_weeks"), rate))
    security = (c.opt("security_hours_per_month") * rate)[..., None]  # broadcasts on months
    if c.as_leg:  # a hybrid prices tracing and compliance once, for both legs
        return np.asarray(migration + security)
    return np.asarray(migration + security + _shared_upkeep(c, requests))


def _shared_upkeep(c: _Ctx, traced_requests: F) -> F:
    """Observability (per-trace plan) and compliance: one bill per option [USD/month]."""
    requests = traced_requests
    obs_override = c.s.organisation.observability_usd_per_month
    if obs_override is None:
        c.org("observability_usd_per_month")  # records the cited default
        obs = sus.observability_cost(
            requests * c.org("traced_share")[..., None],
            c.inp.get(
                "facts.langfuse_core_usd_per_month", fact("langfuse_core_usd_per_month").value
            ),
            fact("langfuse_core_included_units").value,
            c.inp.get(
                "facts.langfuse_overage_usd_per_100k_units",
                fact("langfuse_overage_usd_per_100k_units").value,
            ),
        )
    else:
        obs = np.broadcast_to(c.org("observability_usd_per_month")[..., None], requests.shape)
    compliance = c.org("compliance_usd_per_year")[..., None] / 12.0
    return np.asarray(obs + compliance)


def _quality(c: _Ctx, requests: F, quality: float | F | None = None) -> F:
    """Failure cost when the success rate is known [USD/month]: ``R_m (1 - q) c_fail``.

    A hybrid's legs are not charged: the hybrid charges its blended quality once."""
    if c.as_leg:
        return c.zeros()
    if quality is None:
        if c.o.quality is None:
            return c.zeros()
        quality = c.get("quality")
    return np.asarray(
        requests
        * (1.0 - np.asarray(quality)[..., None])
        * c.inp.get("organisation.cost_per_failure_usd")[..., None]
    )


def _residency(c: _Ctx, vendor_hosted: bool) -> None:
    cons = c.s.constraints
    if cons.data_residency == "on_premises":
        if vendor_hosted:
            c.reasons.append("data must stay on premises; a vendor API processes it off premises")
        elif c.o.pricing != "on_prem":
            c.reasons.append(
                f"data must stay on premises; pricing '{c.o.pricing}' rents cloud GPUs (use pricing: on_prem)"
            )
    elif cons.data_residency == "region" and vendor_hosted:
        regions = [r.lower() for r in (c.o.regions or [])]
        if not regions:
            c.reasons.append(
                f"data must stay in region '{cons.region}'; the vendor's processing regions are unknown "
                f"(list them in {c.p}.regions)"
            )
        elif (cons.region or "").lower() not in regions:
            c.reasons.append(
                f"data must stay in region '{cons.region}'; vendor regions are {', '.join(c.o.regions or [])}"
            )


# --------------------------------------------------------------------------- API options


def _catalog_api(c: _Ctx) -> ApiPrice | None:
    """Register the catalog's prices as the values behind ``prices.*`` (user prices win; when
    the user gives a ``prices`` block the catalog fills only the batch discount)."""
    if c.o.model is None:
        return None
    price = api_price(c.o.model, c.o.provider, on=c.start)
    paths: dict[str, float] = {}
    if c.o.prices is None:
        paths["prices.input_per_mtok"] = price.input_per_mtok
        paths["prices.output_per_mtok"] = price.output_per_mtok
        if price.cached_input_per_mtok is not None:
            paths["prices.cached_input_per_mtok"] = price.cached_input_per_mtok
    if price.batch_input_per_mtok:
        paths["prices.batch_discount"] = 1.0 - price.batch_input_per_mtok / price.input_per_mtok
    for k, v in paths.items():
        c.inp.catalog.setdefault(f"{c.p}.{k}", (v, price.source))
    cached = price.cached_input_per_mtok
    c.inp.source(
        c.o.name,
        f"{price.provider}/{price.model}: ${price.input_per_mtok:g} in, "
        f"{'$' + format(cached, 'g') if cached is not None else 'no'} cached, "
        f"${price.output_per_mtok:g} out per 1M tokens ({price.source}; as of {price.as_of})",
    )
    return price


def _api(c: _Ctx) -> OptionCost:
    price = _catalog_api(c)
    requests = c.requests()
    i, o = c.wl("input_tokens"), c.wl("output_tokens")
    p_in, p_out = c.get("prices.input_per_mtok"), c.get("prices.output_per_mtok")
    cached_known = (
        c.o.prices is not None and c.o.prices.cached_input_per_mtok is not None
    ) or f"{c.p}.prices.cached_input_per_mtok" in c.inp.catalog
    if cached_known:
        p_cached = c.get("prices.cached_input_per_mtok")
    else:
        # no cached price: cached tokens cost the input price (and follow it when swept)
        c.inp.note(c.o.name, "no cached-input price known: cached tokens billed at the input price")
        p_cached = p_in
    if price is not None and price.tiers and c.o.prices is None:
        threshold, t_in, t_out, t_cached = price.tiers[0]
        if c.s.workload.input_tokens > threshold:
            # the tier scales the (possibly swept) base prices by its published ratio
            p_in = p_in * (t_in / price.input_per_mtok)
            p_out = p_out * (t_out / price.output_per_mtok)
            base_cached = price.cached_input_per_mtok or price.input_per_mtok
            p_cached = p_cached * (
                (t_cached or t_in * base_cached / price.input_per_mtok) / base_cached
            )
            c.inp.note(
                c.o.name,
                f"mean prompt {c.s.workload.input_tokens:g} tokens > {threshold} tier: "
                f"long-context prices ${t_in:g} in / ${t_out:g} out per 1M tokens",
            )
    batch_share = c.wl("batch_share")
    discount = (
        c.get("prices.batch_discount", 0.0) if c.s.workload.batch_share > 0 else np.asarray(0.0)
    )
    if (
        c.s.workload.batch_share > 0
        and (c.o.prices is None or c.o.prices.batch_discount is None)
        and (price is None or not price.batch_input_per_mtok)
    ):
        c.inp.note(c.o.name, "no batch price known: batch requests billed at standard prices")
    premium = c.get("fine_tune.inference_premium") if c.o.fine_tune else np.asarray(1.0)
    r_in, r_out, r_cached = _announced_changes(c, price)
    per_req = (
        dep.api_cost_per_request(
            i[..., None],
            o[..., None],
            c.wl("cached_input_share")[..., None],
            p_in[..., None] * r_in,
            p_cached[..., None] * r_cached,
            p_out[..., None] * r_out,
            c.get("prices.per_request", 0.0)[..., None] if c.o.prices else 0.0,
            batch_share[..., None],
            (1.0 - discount)[..., None],
        )
        * premium[..., None]
    )  # (..., months): announced price changes apply from their month
    trend = c.opt("price_change_per_year")
    # the trend is reached by moving to newer, cheaper models: prices step at each migration
    factor = dep.price_factor(c.months, trend, c.opt("migration_every_months"))
    bill = requests * per_req * factor
    c.details["api_cost_per_request_usd"] = float(np.mean(per_req[..., 0]))
    c.details["api_bill_flat_prices_usd"] = float(np.mean((requests * per_req).sum(axis=-1)))
    c.details["api_bill_usd"] = float(np.mean(bill.sum(axis=-1)))
    df = discount_factors(c.months, c.inp.get("discount_rate_annual"))
    c.details["api_bill_npv_usd"] = float(np.mean((bill * df).sum(axis=-1)))
    c.details["api_bill_flat_npv_usd"] = float(np.mean((requests * per_req * df).sum(axis=-1)))
    c.details["price_change_per_year"] = float(np.mean(trend))

    deployment = (
        bill
        + dep.ops_staff_cost(c.opt("ops_fte"), 0.0, 0.0, c.org("ops_engineer_usd_per_year"))
        + _quality(c, requests)
    )
    deployment = deployment + c.opt("network_storage_usd_per_month")[..., None]
    deployment = deployment + _rate_limits(c, requests)

    development = _development_common(c)
    if c.o.fine_tune is not None:
        ft = dev.api_fine_tune_cost(
            c.get("fine_tune.training_tokens"), c.get("fine_tune.usd_per_mtok_training")
        )
        development = development + c.at(0, ft)
        c.details["fine_tune_usd"] = float(np.mean(ft))
    sustainability = _sustainability_common(c, requests)
    _residency(c, vendor_hosted=True)
    return _finish(c, development, deployment, sustainability)


def _announced_changes(c: _Ctx, price: ApiPrice | None) -> tuple[F, F, F]:
    """Per-month multipliers (input, output, cached input) for price changes the provider has
    announced after the start date (genai-prices dated prices); ones when there are none or
    the user gave the prices."""
    ones = np.ones(c.months)
    if price is None or not price.scheduled or c.o.prices is not None:
        return ones, ones, ones
    month_start = [c.start + dt.timedelta(days=30.4375 * m) for m in range(c.months)]
    r_in, r_out, r_cached = ones.copy(), ones.copy(), ones.copy()
    base_cached = price.cached_input_per_mtok or price.input_per_mtok
    for when, p_in, p_out, p_cached in price.scheduled:
        day = dt.date.fromisoformat(when)
        hit = np.array([d >= day for d in month_start])
        r_in[hit] = p_in / price.input_per_mtok
        r_out[hit] = p_out / price.output_per_mtok
        r_cached[hit] = (
            p_cached if p_cached is not None else p_in * base_cached / price.input_per_mtok
        ) / base_cached
        if hit.any():
            c.inp.note(
                c.o.name,
                f"announced price change from {when}: ${p_in:g} in / ${p_out:g} out per 1M "
                f"tokens (from month {int(np.argmax(hit))})",
            )
    return r_in, r_out, r_cached


def _tier_limits(c: _Ctx) -> None:
    """Put the published limits of the option's tier into the catalog values."""
    tier = rate_limit(c.o.rate_limit_tier or "", c.o.model or "")
    limits = {
        "rate_limit_rpm": tier.rpm,
        "rate_limit_tpm": tier.tpm,
        "rate_limit_input_tpm": tier.input_tpm,
        "rate_limit_output_tpm": tier.output_tpm,
    }
    for key, value in limits.items():
        if value is not None:
            c.inp.catalog.setdefault(f"{c.p}.{key}", (value, tier.source))
            c.limits.add(key)
    shown = ", ".join(f"{k.removeprefix('rate_limit_')} {v:,.0f}" for k, v in limits.items() if v)
    c.inp.source(
        c.o.name,
        f"{tier.tier_id} limits for {tier.model}: {shown} ({tier.source}; as of {tier.as_of})",
    )


def _rate_limits(c: _Ctx, requests: F) -> F:
    """Provisioned-throughput cost, or an infeasibility, when peak traffic passes the tier.

    A combined ``tpm`` limit counts input + output tokens; where a tier publishes separate
    input and output limits (Anthropic), input counts only uncached tokens (cache reads do not
    count against it) and output is checked on its own.
    """
    if c.o.rate_limit_tier is not None:
        _tier_limits(c)
    if not c.limits:
        c.inp.note(
            c.o.name,
            f"rate limits not checked: set {c.p}.rate_limit_tier (e.g. openai-tier-3) or "
            f"rate_limit_rpm / rate_limit_tpm",
        )
        return c.zeros()
    # max_h(R / s * w_h) = R / s * max_h w_h exactly: no (..., M, 24) array (perf)
    peak_rps = cap.hourly_rate(requests, c.hourly_weights().max(keepdims=True)).max(axis=-1)
    rpm = peak_rps * 60.0
    i, o = c.wl("input_tokens")[..., None], c.wl("output_tokens")[..., None]
    loads = {
        "rate_limit_rpm": (rpm, "requests/min"),
        "rate_limit_tpm": (rpm * (i + o), "tokens/min"),
        "rate_limit_input_tpm": (
            rpm * i * (1.0 - c.wl("cached_input_share")[..., None]),
            "uncached input tokens/min",
        ),
        "rate_limit_output_tpm": (rpm * o, "output tokens/min"),
    }
    over = np.zeros(rpm.shape, dtype=bool)
    passed = []
    for key in sorted(c.limits):
        load, unit = loads[key]
        hit = load > c.get(key)[..., None]
        if hit.any():
            passed.append(f"{np.max(load):,.0f} {unit} > {float(np.min(c.get(key))):,.0f}")
        over |= hit
    c.details["peak_requests_per_min"] = float(np.max(rpm))
    c.details["peak_tokens_per_min"] = float(np.max(loads["rate_limit_tpm"][0]))
    if not over.any():
        return c.zeros()
    first = int(np.argmax(over.reshape(-1, c.months).any(axis=0)))
    if c.o.on_rate_limit == "infeasible" or c.o.provisioned_usd_per_month is None:
        c.fail_where(
            over.any(axis=-1),
            f"peak load passes the tier's limits from month {first}: {'; '.join(passed)} "
            f"(a higher {c.p}.rate_limit_tier or rate_limit_rpm/tpm, or "
            f"on_rate_limit: provisioned with provisioned_usd_per_month)",
        )
        return c.zeros()
    return np.asarray(np.where(over, c.get("provisioned_usd_per_month")[..., None], 0.0))


# --------------------------------------------------------------------------- self-hosted


def _arch(c: _Ctx) -> ModelArch:
    if c.o.model is not None:
        return resolve_model(c.o.model)
    a = c.o.architecture or {}
    need = [
        "params_b",
        "num_layers",
        "hidden_size",
        "num_attention_heads",
        "num_kv_heads",
        "head_dim",
    ]
    missing = [k for k in need if k not in a]
    if missing:
        raise CatalogError(
            f"{c.p}.architecture: missing {', '.join(missing)}; give {', '.join(need)}"
        )
    return ModelArch(
        name=c.o.name,
        aliases=(),
        hf_repo="",
        family="custom",
        total_params_b=a["params_b"],
        active_params_b=a.get("active_params_b", a["params_b"]),
        num_layers=int(a["num_layers"]),
        hidden_size=int(a["hidden_size"]),
        intermediate_size=None,
        num_attention_heads=int(a["num_attention_heads"]),
        num_kv_heads=int(a["num_kv_heads"]),
        head_dim=int(a["head_dim"]),
        vocab_size=0,
        max_context=int(a.get("max_context", 0)),
        num_experts=int(a.get("num_experts", 1)),
        experts_per_token=int(a.get("experts_per_token", 1)),
        moe_intermediate_size=None,
        kv_lora_rank=int(a.get("kv_lora_rank", 0)),
        rope_head_dim=int(a.get("rope_head_dim", 0)),
        license="",
        open_weights=True,
        source="user-supplied architecture",
        as_of="",
        notes="",
    )


def _catalog_gpu_price(c: _Ctx, gpu: GPU, mode: str) -> float | None:
    """Median catalog price for ``gpu`` in a pricing mode (filtered by provider if given)."""
    rows = gpu_prices(gpu.name, _PRICING_ROWS[mode], c.o.provider)
    if not rows:
        return None
    values = sorted(r.usd_per_gpu_hour for r in rows)
    m = median(values)
    who = ", ".join(sorted({r.provider for r in rows}))
    dates = sorted({r.as_of for r in rows})
    c.inp.source(
        c.o.name,
        f"{gpu.name} {_PRICING_ROWS[mode]}: median ${m:.2f}/GPU-h of {len(rows)} catalog prices "
        f"(${values[0]:.2f}-${values[-1]:.2f}; {who}; as of {', '.join(dates)})",
    )
    c.details.setdefault("gpu_price_range_usd", {})[mode] = [values[0], values[-1]]
    return m


def _slo(c: _Ctx) -> tuple[F, F]:
    lat = c.s.latency
    c.inp.note(
        "",
        "latency targets are met by the modelled mean TTFT and ITL; tail latencies (p95, p99) "
        "are not modelled, so give targets with the margin your percentile needs",
    )
    ttft = c.inp.get("latency.ttft_ms") / 1000.0 if lat.ttft_ms is not None else np.asarray(np.inf)
    itl = c.inp.get("latency.itl_ms") / 1000.0 if lat.itl_ms is not None else np.asarray(np.inf)
    return ttft, itl


def _capacity_rps(
    c: _Ctx, replica: Replica, eff: Efficiency
) -> tuple[F, NDArray[np.bool_], dict[str, float]]:
    """Requests/s one replica serves within the SLO, and whether the SLO is reachable."""
    i, o = c.wl("input_tokens"), c.wl("output_tokens")
    if c.o.measured_requests_per_s is not None:
        c.inp.note(
            c.o.name,
            f"capacity per replica = your measured {c.o.measured_requests_per_s:g} requests/s (model estimate replaced)",
        )
        return c.get("measured_requests_per_s"), np.asarray(True), {}
    if c.o.measured_output_tokens_per_s is not None:
        c.inp.note(
            c.o.name,
            f"capacity per replica = your measured {c.o.measured_output_tokens_per_s:g} output tokens/s (model estimate replaced)",
        )
        return c.get("measured_output_tokens_per_s") / np.maximum(o, 1.0), np.asarray(True), {}
    ttft, itl = _slo(c)
    if c.s.latency.ttft_ms is None and c.s.latency.itl_ms is None:
        c.inp.note("", "no latency targets: replicas sized at saturated throughput")
        point = at_max_throughput(replica, i, o, eff)
        ok = np.asarray(point.requests_per_s > 0)
    else:
        point, ok = _slo_point(replica, i, o, ttft, itl, eff)
    info = {
        "concurrency": float(np.mean(point.concurrency)),
        "output_tokens_per_s": float(np.mean(point.output_tokens_per_s)),
        "ttft_ms": float(np.nanmean(point.ttft_s) * 1000.0)
        if np.all(np.isfinite(point.ttft_s))
        else float("nan"),
        "itl_ms": float(np.nanmean(point.itl_s) * 1000.0)
        if np.all(np.isfinite(point.itl_s))
        else float("nan"),
    }
    return np.asarray(point.requests_per_s), ok, info


def _serving_cost(
    c: _Ctx, gpu: GPU, tp: int, capacity_rps: F, requests: F
) -> tuple[F, F, F, dict[str, Any]]:
    """Monthly GPU cost (deployment), capex (development) and refresh (sustainability)."""
    o = c.o
    weights = c.hourly_weights()
    max_rep = np.inf if o.max_replicas is None else float(o.max_replicas)
    headroom = c.opt("headroom")
    # reduced over the hours without building the (..., M, 24) array (perf: Monte Carlo, sweeps)
    summary = cap.replica_summary(
        requests,
        weights,
        np.maximum(capacity_rps, 1e-12),
        headroom,
        float(o.min_replicas),
        max_rep,
        o.autoscale,
    )
    hours = summary.gpu_hours(tp)
    info: dict[str, Any] = {
        "replicas_peak": float(np.max(summary.peak)),
        "replicas_mean_month0": float(
            np.mean(summary.replica_hours_per_day[..., 0]) / weights.size
        ),
        "gpu_hours_month0": float(np.mean(hours[..., 0])),
        "utilization_month0": float(np.mean(summary.utilization(capacity_rps)[..., 0])),
    }
    c.fail_where(
        np.any(summary.short, axis=-1),
        f"max_replicas={o.max_replicas} cannot carry the peak load; raise {c.p}.max_replicas",
    )
    zeros = c.zeros()
    capex_cf, refresh = zeros, zeros
    mode = o.pricing
    if mode == "on_prem":
        if o.capex_usd_per_gpu is None and gpu.list_price_usd is not None:
            c.inp.catalog.setdefault(
                f"{c.p}.capex_usd_per_gpu", (gpu.list_price_usd, gpu.list_price_note)
            )
            c.inp.note(
                o.name,
                f"{c.p}.capex_usd_per_gpu = {gpu.list_price_usd:,.0f} ({gpu.list_price_note}; the GPU alone: add your server share)",
            )
        if o.capex_usd_per_gpu is None and gpu.list_price_usd is None:
            c.reasons.append(f"no public price for {gpu.name}: set {c.p}.capex_usd_per_gpu")
            return zeros, zeros, zeros, info
        # buy GPUs as the peak first needs them (growth), refresh each tranche every life
        owned = cap.owned_fleet(summary.peak * tp)
        per_gpu = c.get("capex_usd_per_gpu")
        purchases = np.diff(owned, axis=-1, prepend=0.0) * per_gpu[..., None]
        life = round(float(np.mean(c.get("amortisation_years"))) * 12.0)
        refresh, residual = sus.purchase_cash_flows(purchases, life)
        capex_cf = purchases - c.at(c.months - 1, residual)
        tdp = gpu.tdp_w if gpu.tdp_w is not None else np.nan
        if gpu.tdp_w is None:
            c.reasons.append(f"no published TDP for {gpu.name}: on-prem power cannot be priced")
        energy = cap.onprem_energy_cost(
            hours, owned, tdp, c.org("pue"), c.org("electricity_usd_per_kwh")
        )
        c.inp.note(o.name, "on-prem idle GPUs draw 30 % of TDP (llmecon judgement)")
        colo = owned * tdp / 1000.0 * c.org("colocation_usd_per_kw_month")[..., None] + zeros
        gpu_cost = energy + colo
        c.details["_staff_gpus"] = owned  # people look after every installed GPU
        capex = purchases.sum(axis=-1)
        info["owned_gpus"] = float(np.mean(owned[..., -1]))
        info["capex_usd"] = float(np.mean(capex))
    else:

        def price(field_: str, m: str) -> F:
            if getattr(o, field_) is None:
                p = _catalog_gpu_price(c, gpu, m)
                if p is None:
                    raise CatalogError(
                        f"{c.p}.{field_}: no {m.replace('_', '-')} price for {gpu.name} in the catalog"
                        f"{' at ' + o.provider if o.provider else ''}; set {c.p}.{field_}"
                    )
                c.inp.catalog.setdefault(f"{c.p}.{field_}", (p, "catalog median"))
            return c.get(field_)

        if mode == "on_demand":
            gpu_cost = cap.cost_on_demand(hours, price("usd_per_gpu_hour", "on_demand"))
        elif mode == "spot":
            gpu_cost = cap.cost_spot(
                hours, price("spot_usd_per_gpu_hour", "spot"), c.opt("spot_interruption_overhead")
            )
        else:
            floor = summary.trough[..., 0] * tp
            if o.committed_gpus is None:
                c.inp.catalog.setdefault(
                    f"{c.p}.committed_gpus", (float(np.mean(floor)), "always-on floor")
                )
                c.inp.note(
                    o.name,
                    f"{c.p}.committed_gpus = {float(np.mean(floor)):g} (the always-on floor in month 0)",
                )
            committed = c.get("committed_gpus") if o.committed_gpus is not None else floor
            replicas, _ = cap.replicas_per_hour(
                cap.hourly_rate(requests, weights),
                np.maximum(capacity_rps, 1e-12),
                headroom,
                float(o.min_replicas),
                max_rep,
                o.autoscale,
            )
            gpu_cost = cap.cost_reserved(
                replicas,
                tp,
                committed,
                price("reserved_usd_per_gpu_hour", "reserved"),
                price("usd_per_gpu_hour", "on_demand"),
            )
    mean_gpus = hours / cap.HOURS_PER_MONTH
    info["mean_gpus_month0"] = float(np.mean(mean_gpus[..., 0]))
    c.details["_mean_gpus"] = c.details.pop("_staff_gpus", mean_gpus)
    return gpu_cost, capex_cf, refresh, info


def _choose_tp(c: _Ctx, model: ModelArch, gpu: GPU, eff: Efficiency) -> tuple[int, list[str]]:
    """Cheapest tensor-parallel degree: the one whose fleet needs the fewest GPU-hours over the
    horizon in the base case (ties go to fewer GPUs per replica). GPU-hours decide the cost in
    every pricing mode but reserved and on-prem, where they are a close proxy."""
    notes: list[str] = []
    if c.o.gpus_per_replica is not None:
        return c.o.gpus_per_replica, notes
    w = c.s.workload
    i, o = w.input_tokens, w.output_tokens
    lat = c.s.latency
    ttft = lat.ttft_ms / 1000 if lat.ttft_ms else np.inf
    itl = lat.itl_ms / 1000 if lat.itl_ms else np.inf
    monthly = cap.monthly_requests(w.requests_per_month, w.monthly_growth, c.months)
    rate = cap.hourly_rate(monthly * (float(np.mean(c.scale))), c.hourly_weights())
    best, best_hours = None, np.inf
    for tp in TP_CANDIDATES:
        replica, fit = build_replica(model, gpu, c.o.precision, tp, c.o.kv_precision)
        if not fit.fits:
            continue
        point, ok = _slo_point(replica, i, o, ttft, itl, eff)
        rps = float(point.requests_per_s)
        if not bool(ok) or rps <= 0:
            notes.append(f"TP{tp}: misses the latency targets")
            continue
        max_rep = np.inf if c.o.max_replicas is None else float(c.o.max_replicas)
        replicas, _ = cap.replicas_per_hour(
            rate, rps, c.o.headroom, float(c.o.min_replicas), max_rep, c.o.autoscale
        )
        hours = float(cap.gpu_hours(replicas, tp).sum())
        notes.append(f"TP{tp}: {rps:.3g} req/s per replica, {hours:,.0f} GPU-hours")
        if hours < best_hours * (1 - 1e-9):
            best, best_hours = tp, hours
    return (best if best is not None else TP_CANDIDATES[-1]), notes


def _self_hosted(c: _Ctx) -> OptionCost:
    o = c.o
    model = _arch(c)
    gpu = resolve_gpu(o.gpu or "")
    if o.precision == "bf16" and not gpu.supports("bf16"):
        c.reasons.append(f"{gpu.name} has no bf16 units; use precision fp16")
    if not model.open_weights:
        c.reasons.append(f"{model.name} has no open weights to self-host")
    eff = Efficiency()
    tp, tp_notes = _choose_tp(c, model, gpu, eff)
    replica, fit = build_replica(model, gpu, o.precision, tp, o.kv_precision)
    c.inp.source(o.name, f"{model.name}: {model.source} ({model.as_of})")
    c.inp.source(o.name, f"{gpu.name}: {gpu.source} ({gpu.as_of})")
    c.details.update(
        model=model.name,
        gpu=gpu.name,
        gpus_per_replica=tp,
        precision=o.precision,
        fit=fit.explain(tp, gpu.name),
    )
    if o.gpus_per_replica is None:
        c.inp.note(
            o.name,
            f"{c.p}.gpus_per_replica = {tp} (fewest GPU-hours; {'; '.join(tp_notes) or 'none fit'})",
        )
    requests = c.requests()
    if not fit.fits:
        c.reasons.append(f"{model.name} does not fit: {fit.explain(tp, gpu.name)}")
        z = c.zeros()
        return _finish(c, z, z, z)
    capacity_rps, ok, info = _capacity_rps(c, replica, eff)
    c.details["per_replica"] = {"requests_per_s": float(np.mean(capacity_rps)), **info}
    if bool(np.any(ok)) and not bool(np.all(ok)):
        # some samples miss the SLO: price them at saturated capacity, and mark them infeasible
        sat = at_max_throughput(replica, c.wl("input_tokens"), c.wl("output_tokens"), eff)
        capacity_rps = np.where(ok, capacity_rps, np.maximum(sat.requests_per_s, 1e-9))
        c.fail_where(~np.asarray(ok), f"latency targets unreachable on {tp} x {gpu.name}")
    if not bool(np.any(ok)):
        single = at_slo(
            replica, c.s.workload.input_tokens, c.s.workload.output_tokens, np.inf, np.inf, eff
        )[0]
        c.reasons.append(
            f"latency targets unreachable on {tp} x {gpu.name}: even one request takes TTFT "
            f"{float(np.min(single.ttft_s)) * 1000:.0f} ms / ITL {float(np.min(single.itl_s)) * 1000:.1f} ms "
            f"against {c.s.latency.ttft_ms} / {c.s.latency.itl_ms} ms (relax latency, or pick a faster GPU or higher TP)"
        )
        z = c.zeros()
        return _finish(c, z, z, z)
    gpu_cost, capex_cf, refresh, info2 = _serving_cost(c, gpu, tp, capacity_rps, requests)
    c.details.update(info2)
    mean_gpus = c.details.pop("_mean_gpus")
    staff = dep.ops_staff_cost(
        c.opt("ops_fte"),
        c.opt("ops_fte_per_100_gpus"),
        mean_gpus,
        c.org("ops_engineer_usd_per_year"),
    )
    deployment = (
        gpu_cost + staff + c.opt("network_storage_usd_per_month")[..., None] + _quality(c, requests)
    )
    development = _development_common(c) + capex_cf
    sustainability = _sustainability_common(c, requests) + refresh
    train_dev, train_sus = _training(c, model, gpu)
    _residency(c, vendor_hosted=False)
    return _finish(c, development + train_dev, deployment, sustainability + train_sus)


def _training(c: _Ctx, model: ModelArch, serving_gpu: GPU) -> tuple[F, F]:
    """Development and retraining cash flows of fine-tuning, distillation or pretraining."""
    o = c.o
    t = o.training
    if t is None and o.kind == "slm":
        from llmecon.scenario import TrainingSpec

        t = TrainingSpec()
        c.inp.note(o.name, f"{c.p}.training.method = lora (default for an SLM)")
    if t is None or t.method == "none":
        return c.zeros(), c.zeros()
    tp = f"{c.p}.training"
    gpu = resolve_gpu(t.gpu) if t.gpu else serving_gpu
    method = {"distill": "full"}.get(t.method, t.method)
    params = model.active_params_b * 1e9
    if t.method == "pretrain":
        tokens = c.inp.get(
            f"{tp}.pretrain_tokens",
            A.Default(
                float(tr.chinchilla_tokens(params)),
                "Chinchilla 20 tokens/param (Hoffmann et al. 2022)",
            ),
            owner=o.name,
        )
        c.inp.note(o.name, "pretraining corpus assumed open (no data purchase)")
    else:
        examples = c.inp.get(f"{tp}.examples", A.training_default("examples", method), owner=o.name)
        per_ex = c.inp.get(
            f"{tp}.tokens_per_example",
            A.Default(
                c.s.workload.input_tokens + c.s.workload.output_tokens,
                "workload input + output tokens",
            ),
            owner=o.name,
        )
        tokens = examples * per_ex * c.inp.get(f"{tp}.epochs", owner=o.name)
    flops = tr.training_flops(params, tokens, method)  # type: ignore[arg-type]
    peak = gpu.peak_tflops("bf16") * 1e12
    mfu = c.inp.get(f"{tp}.mfu", A.training_default("mfu", method), owner=o.name)
    hours = tr.training_gpu_hours(flops, peak, mfu)
    n_min = float(tr.min_training_gpus(model.total_params_b * 1e9, gpu.memory_gb * 1e9, method))  # type: ignore[arg-type]
    if t.usd_per_gpu_hour is None:
        p = _catalog_gpu_price(c, gpu, "on_demand")
        if p is None:
            raise CatalogError(
                f"{tp}.usd_per_gpu_hour: no on-demand price for {gpu.name} in the catalog; set it"
            )
        c.inp.catalog.setdefault(f"{tp}.usd_per_gpu_hour", (p, "catalog median"))
    price = c.inp.get(f"{tp}.usd_per_gpu_hour", owner=o.name)
    compute = hours * price
    data = np.asarray(0.0)
    if t.method == "distill":
        teacher = t.teacher_model
        if teacher is None:
            apis = [x for x in c.s.options if x.kind in ("api", "hosted_open") and x.model]
            if not apis:
                raise CatalogError(f"{tp}.teacher_model: distillation needs a teacher API model")
            teacher = apis[0].model
            c.inp.note(o.name, f"{tp}.teacher_model = {teacher} (first API option)")
        tp_price = api_price(
            teacher or "",
            t.teacher_provider or (apis[0].provider if t.teacher_model is None else None),
        )
        # the teacher reads and writes each example's tokens in the workload's proportion
        w = c.s.workload
        in_share = w.input_tokens / max(w.input_tokens + w.output_tokens, 1.0)
        data = dev.distillation_data_cost(
            examples,
            per_ex * in_share,
            per_ex * (1.0 - in_share),
            tp_price.input_per_mtok,
            tp_price.output_per_mtok,
        )
        c.inp.source(o.name, f"teacher {tp_price.provider}/{tp_price.model}: {tp_price.source}")
    elif t.method in ("lora", "qlora", "full"):
        data = dev.per_example_cost(
            examples,
            c.inp.get(
                f"{tp}.label_usd_per_example",
                A.training_default("label_usd_per_example", method),
                owner=o.name,
            ),
        )
    c.details["training"] = {
        "method": t.method,
        "gpu": gpu.name,
        "gpu_hours": float(np.mean(hours)),
        "min_gpus": n_min,
        "flops": float(np.mean(flops)),
        "compute_usd": float(np.mean(compute)),
        "data_usd": float(np.mean(data)),
    }
    once = compute + data
    development = c.at(0, once)
    if t.method == "pretrain":
        return development, c.zeros()
    every = c.inp.get(
        f"{tp}.retrain_every_months",
        A.training_default("retrain_every_months", method),
        owner=o.name,
    )
    retrain = sus.periodic(
        c.months, every, once + dev.engineering_cost(1.0, c.org("engineer_usd_per_hour"))
    )
    c.inp.note(
        o.name, "each retraining repeats the training compute and data, plus 1 engineer-week"
    )
    return development, retrain


# --------------------------------------------------------------------------- hybrid and finish


def _hybrid(c: _Ctx, inputs: Inputs) -> OptionCost:
    """Both legs at their traffic shares, plus the hybrid's own build, router, tracing and
    compliance (priced once), and failures at the blended quality."""
    o = c.o
    first, second = (c.s.option(n) for n in (o.legs or []))
    share = c.get("escalation_share")
    s_first = np.asarray(1.0) if o.mode != "route" else 1.0 - share
    if o.mode is None:
        c.inp.note(o.name, f"{c.p}.mode = cascade (default)")
    legs = [
        price_option(inputs, first, s_first, as_leg=True),
        price_option(inputs, second, share, as_leg=True),
    ]
    requests = c.requests()
    # a cascade traces the escalated requests twice (both legs answer them)
    traced = requests * (1.0 + share[..., None]) if o.mode != "route" else requests
    router = requests * c.get("router_usd_per_mrequests")[..., None] / 1e6
    q1, q2 = legs[0].quality_samples, legs[1].quality_samples
    quality: float | F | None = None
    if o.quality is not None:
        quality = c.get("quality")
    elif q1 is not None and q2 is not None:
        # cascade: the share escalated is answered by the second leg; route: split
        quality = q1 * (1.0 - share) + q2 * share
    staff = dep.ops_staff_cost(c.opt("ops_fte"), 0.0, 0.0, c.org("ops_engineer_usd_per_year"))
    leg_weeks = max(leg.deploy_weeks for leg in legs)  # it goes live when both legs are ready
    development = sum((leg.development for leg in legs), c.zeros()) + _development_common(
        c, leg_weeks
    )
    deployment = (
        sum((leg.deployment for leg in legs), c.zeros())
        + router
        + staff
        + c.opt("network_storage_usd_per_month")[..., None]
        + _quality(c, requests, quality)
    )
    sustainability = sum((leg.sustainability for leg in legs), c.zeros()) + _sustainability_common(
        c, traced
    )
    for leg in legs:
        c.reasons.extend(f"leg {leg.name}: {r}" for r in leg.infeasible_reasons)
    c.bad = c.bad | ~np.broadcast_to(legs[0].feasible & legs[1].feasible, c.inp.shape)
    c.details["legs"] = {
        leg.name: {
            "traffic_share": float(np.mean(x)),
            "total_usd": float(np.mean(leg.monthly.sum(axis=-1))),
        }
        for leg, x in zip(legs, (s_first, share), strict=True)
    }
    for key in (
        "api_bill_usd",
        "api_bill_flat_prices_usd",
        "api_bill_npv_usd",
        "api_bill_flat_npv_usd",
    ):
        if any(key in leg.details for leg in legs):
            c.details[key] = sum(leg.details.get(key, 0.0) for leg in legs)
    trend = [
        leg.details["price_change_per_year"]
        for leg in legs
        if "price_change_per_year" in leg.details
    ]
    if trend:
        c.details["price_change_per_year"] = trend[0]
    return _finish(c, development, deployment, sustainability, quality)


def _own(x: F, full: tuple[int, ...], pillars: tuple[F, ...]) -> F:
    """``np.broadcast_to(x, full).astype(float)`` without the copy when ``x`` already is a
    full-shape float64 array of its own, not shared with another pillar (perf)."""
    if (
        isinstance(x, np.ndarray)
        and x.shape == full
        and x.dtype == np.float64
        and x.flags.owndata
        and x.flags.writeable
        and sum(p is x for p in pillars) == 1
    ):
        return x
    return np.broadcast_to(x, full).astype(float)


def _finish(
    c: _Ctx, development: F, deployment: F, sustainability: F, quality: float | F | None = None
) -> OptionCost:
    shape = c.inp.shape
    q = quality
    if q is None and c.o.quality is not None:
        q = c.get("quality")  # an array when sampled
    cons = c.s.constraints
    if cons.min_quality is not None and not c.as_leg:  # a hybrid checks its blended quality
        if q is None:
            c.warnings.append(
                f"quality unknown: cannot check min_quality {cons.min_quality:g}; set {c.p}.quality from your evaluation"
            )
        else:
            c.fail_where(
                np.asarray(q) < cons.min_quality,
                f"quality {float(np.mean(q)):.3g} is below the minimum {cons.min_quality:g}",
            )
    feasible = ~c.bad & np.full(shape, not c.reasons, dtype=bool)
    full = (*shape, c.months)
    pillars = (development, deployment, sustainability)
    return OptionCost(
        name=c.o.name,
        kind=c.o.kind,
        development=_own(development, full, pillars),
        deployment=_own(deployment, full, pillars),
        sustainability=_own(sustainability, full, pillars),
        feasible=feasible,
        infeasible_reasons=list(dict.fromkeys(c.reasons + c.sample_reasons)),
        warnings=c.warnings,
        details=c.details,
        quality=None if q is None else float(np.mean(q)),
        quality_samples=None if q is None else np.broadcast_to(np.asarray(q, dtype=float), shape),
        deploy_weeks=float(c.details.get("time_to_deploy_weeks", 0.0)),
    )


def price_option(
    inputs: Inputs, option: Option, traffic_scale: float | F = 1.0, as_leg: bool = False
) -> OptionCost:
    """Monthly cash flows in three pillars for one option, at ``traffic_scale`` of the workload.

    ``as_leg``: priced as a hybrid's leg, without the tracing and compliance bills the hybrid
    pays once for both legs.
    """
    c = _Ctx(inputs, option, traffic_scale, as_leg)
    if option.kind in ("api", "hosted_open"):
        return _api(c)
    if option.kind in ("self_hosted", "slm"):
        return _self_hosted(c)
    return _hybrid(c, inputs)
