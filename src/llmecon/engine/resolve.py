"""Resolve: one pass from the scenario, the catalogs and the defaults to per-kind input records.

Every field of a record is a number or an array (an override makes it an array), and
``Inputs.origins`` says where it came from. The pricing functions (``engine.api``,
``engine.self_hosted``, ``engine.training``, ``engine.hybrid``) read only these records, so
they never ask "which kind am I?" or where a number came from.

Catalog look-ups live here: API prices (genai-prices), rate-limit tiers, GPU rental prices,
model architectures, the engine's efficiency preset. A missing fact is an error that names the
field to set, never a silent default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon import assumptions as A
from llmecon.catalog import (
    GPU,
    ModelArch,
    fact,
    rate_limit,
    resolve_model,
)
from llmecon.catalog.api_prices import ApiPrice, api_price, cheaper_versions
from llmecon.catalog.gpu_quotes import QuoteSelection, geo_of, select_quotes
from llmecon.engine.inputs import Inputs, memo_key
from llmecon.errors import CatalogError
from llmecon.perf import capacity as cap
from llmecon.perf import training as tr
from llmecon.perf.inference import ENGINE_PRESETS, ENGINE_VENDORS, Efficiency, for_vendor
from llmecon.pillars import deployment as dep
from llmecon.scenario import Option, Scenario, TrainingSpec

if TYPE_CHECKING:
    from llmecon.calibration import Calibration

F = NDArray[np.float64]


# --------------------------------------------------------------------------- outcome


@dataclass
class Outcome:
    """What pricing learns besides money: why an option fails (everywhere, or at some
    points), warnings, and the details that explain the numbers."""

    shape: tuple[int, ...]
    reasons: list[str] = field(default_factory=list)  # fail every point
    sample_reasons: list[str] = field(default_factory=list)  # fail the points in ``bad``
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    bad: NDArray[np.bool_] = field(default_factory=lambda: np.zeros((), dtype=bool))

    def __post_init__(self) -> None:
        self.bad = np.zeros(self.shape, dtype=bool)

    def fail_where(self, mask: ArrayLike, reason: str) -> None:
        """Mark the points in ``mask`` infeasible; the reason is listed with the share of
        points when only some fail."""
        m = np.broadcast_to(np.asarray(mask, dtype=bool), self.shape)
        if not m.any():
            return
        self.bad = self.bad | m
        self.sample_reasons.append(
            reason if m.all() else f"{reason} (in {m.mean():.0%} of samples)"
        )

    def per_point(self, x: ArrayLike) -> float | F:
        """``x`` as one value per point: a float for a scalar evaluation, else an array of
        the points' shape (never a mean over points)."""
        a = np.asarray(x, dtype=float)
        if not self.shape:
            return float(a.reshape(-1)[0]) if a.ndim else float(a)
        return np.array(np.broadcast_to(a, self.shape), dtype=float)


# --------------------------------------------------------------------------- common record


@dataclass
class Upkeep:
    """Observability and compliance, billed once per option (a hybrid's legs skip it)."""

    traced_share: F  # [-]
    observability_usd_per_month: F | None  # flat bill when the user gave one [USD/month]
    langfuse_base_usd_per_month: F  # [USD/month]
    langfuse_included_units: float  # [traces/month]
    langfuse_overage_usd_per_100k: F  # [USD per 100k traces]
    compliance_usd_per_year: F  # [USD/year]


@dataclass
class Common:
    """Fields every option kind prices."""

    name: str
    kind: str
    path: str  # 'options.<name>'
    months: int
    shape: tuple[int, ...]
    as_leg: bool
    requests: F  # (..., M) at this option's traffic share [requests/month]
    monthly_growth: F  # compound growth of ``requests`` [1/month]
    hourly_weights: F  # (24,) or (..., 24), mean 1 [-]
    discount_rate_annual: F  # [1/year]
    engineer_usd_per_hour: F
    engineering_weeks: F
    eval_set_examples: F
    eval_usd_per_example: F
    time_to_deploy_weeks: F
    cost_of_delay_usd_per_month: F
    migration_every_months: F
    migration_weeks: F
    trend_cap_months: F  # trends compound up to this month, then hold [months]
    security_hours_per_month: F
    ops_fte: F
    ops_engineer_usd_per_year: F
    network_storage_usd_per_month: F
    quality: F | None  # [-]
    cost_per_failure_usd: F
    upkeep: Upkeep | None
    input_tokens: F
    output_tokens: F
    cached_input_share: F
    batch_share: F
    #: the evaluation's memo (``Inputs.memo``): results that options share, computed once
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)


class _Reader:
    """Reads one option's fields from ``Inputs`` (owner = the option, for its assumptions)."""

    def __init__(self, inputs: Inputs, option: Option):
        self.inp = inputs
        self.o = option
        self.p = f"options.{option.name}"

    def get(self, field_: str, default: Any = None) -> F:
        return self.inp.get(f"{self.p}.{field_}", default, owner=self.o.name)

    def opt(self, field_: str) -> F:
        return self.get(field_, A.option_default(self.o.kind, field_))

    def org(self, field_: str) -> F:
        return self.inp.get(
            f"organisation.{field_}", lambda: A.organisation_default(field_), owner=self.o.name
        )

    def wl(self, field_: str) -> F:
        return self.inp.get(f"workload.{field_}", owner="")


def start_date(s: Scenario) -> dt.date:
    return s.start_date or dt.date.today()


def monthly_requests(inputs: Inputs) -> F:
    """The workload's requests per month, computed once per ``Inputs``. [requests/month]"""
    if "requests" not in inputs.memo:
        inputs.memo["requests"] = cap.monthly_requests(
            inputs.get("workload.requests_per_month"),
            inputs.get("workload.monthly_growth"),
            inputs.scenario.horizon_months,
        )
    return np.asarray(inputs.memo["requests"])


def hourly_weights(inputs: Inputs) -> F:
    """Hourly weights with mean 1: 24 for a day, or 168 for a week when the workload has
    weekday weights; (..., H) when swept. [-]"""
    if "weights" in inputs.memo:
        return np.asarray(inputs.memo["weights"])
    w = inputs.scenario.workload
    if w.hourly_weights is not None:
        raw = np.stack(
            np.broadcast_arrays(*[inputs.get(f"workload.hourly_weights.{h}") for h in range(24)]),
            axis=-1,
        )
        weights = cap.hourly_weights_from_profile(raw)
    else:
        weights = cap.hourly_weights_from_peak_ratio(inputs.get("workload.peak_to_average"))
    if w.weekday_weights is not None:
        days = np.stack(
            np.broadcast_arrays(*[inputs.get(f"workload.weekday_weights.{d}") for d in range(7)]),
            axis=-1,
        )
        weights = cap.weekly_weights(weights, days)
    inputs.memo["weights"] = weights
    return np.asarray(weights)


def resolve_common(
    inputs: Inputs, option: Option, traffic_scale: float | F = 1.0, as_leg: bool = False
) -> Common:
    r = _Reader(inputs, option)
    s = inputs.scenario
    requests = monthly_requests(inputs)
    scale = np.asarray(traffic_scale, dtype=float)
    if scale.ndim:
        requests = requests * scale[..., None]
    elif float(scale) != 1.0:  # the shared curve itself at full traffic (memo keys; perf)
        requests = requests * float(scale)
    upkeep = None
    if not as_leg:  # a hybrid prices tracing and compliance once, for both legs
        obs = None
        if s.organisation.observability_usd_per_month is not None:
            obs = r.org("observability_usd_per_month")
        else:
            r.org("observability_usd_per_month")  # records the cited default
        upkeep = Upkeep(
            traced_share=r.org("traced_share"),
            observability_usd_per_month=obs,
            langfuse_base_usd_per_month=inputs.get(
                "facts.langfuse_core_usd_per_month", fact("langfuse_core_usd_per_month").value
            ),
            langfuse_included_units=fact("langfuse_core_included_units").value,
            langfuse_overage_usd_per_100k=inputs.get(
                "facts.langfuse_overage_usd_per_100k_units",
                fact("langfuse_overage_usd_per_100k_units").value,
            ),
            compliance_usd_per_year=r.org("compliance_usd_per_year"),
        )
    return Common(
        name=option.name,
        kind=option.kind,
        path=r.p,
        months=s.horizon_months,
        shape=inputs.shape,
        as_leg=as_leg,
        requests=np.asarray(requests),
        monthly_growth=inputs.get("workload.monthly_growth"),
        hourly_weights=hourly_weights(inputs),
        discount_rate_annual=inputs.get("discount_rate_annual"),
        engineer_usd_per_hour=r.org("engineer_usd_per_hour"),
        engineering_weeks=r.opt("engineering_weeks"),
        eval_set_examples=r.opt("eval_set_examples"),
        eval_usd_per_example=r.opt("eval_usd_per_example"),
        time_to_deploy_weeks=r.opt("time_to_deploy_weeks"),
        cost_of_delay_usd_per_month=inputs.get("organisation.cost_of_delay_usd_per_month"),
        migration_every_months=r.opt("migration_every_months"),
        migration_weeks=r.opt("migration_weeks"),
        trend_cap_months=inputs.get("trend_cap_years", A.trend_cap) * 12.0,
        security_hours_per_month=r.opt("security_hours_per_month"),
        ops_fte=r.opt("ops_fte"),
        ops_engineer_usd_per_year=r.org("ops_engineer_usd_per_year"),
        network_storage_usd_per_month=r.opt("network_storage_usd_per_month"),
        quality=r.get("quality") if option.quality is not None else None,
        cost_per_failure_usd=inputs.get("organisation.cost_per_failure_usd"),
        upkeep=upkeep,
        input_tokens=r.wl("input_tokens"),
        output_tokens=r.wl("output_tokens"),
        cached_input_share=r.wl("cached_input_share"),
        batch_share=r.wl("batch_share"),
        memo=inputs.memo,
    )


def residency_reasons(s: Scenario, option: Option, vendor_hosted: bool) -> list[str]:
    """Why the scenario's data-residency rule rules ``option`` out (empty when it does not)."""
    cons = s.constraints
    p = f"options.{option.name}"
    if cons.data_residency == "on_premises":
        if vendor_hosted:
            return ["data must stay on premises; a vendor API processes it off premises"]
        if option.pricing != "on_prem":
            return [
                f"data must stay on premises; pricing '{option.pricing}' rents cloud GPUs (use pricing: on_prem)"
            ]
    elif cons.data_residency == "region" and vendor_hosted:
        regions = [x.lower() for x in (option.regions or [])]
        if not regions:
            return [
                f"data must stay in region '{cons.region}'; the vendor's processing regions are unknown "
                f"(list them in {p}.regions)"
            ]
        if (cons.region or "").lower() not in regions:
            return [
                f"data must stay in region '{cons.region}'; vendor regions are {', '.join(option.regions or [])}"
            ]
    return []


# --------------------------------------------------------------------------- API records


@dataclass
class RateLimits:
    """The limits that apply to an API option (the user's and its published tier's)."""

    limits: dict[str, F]  # rate_limit_rpm / _tpm / _input_tpm / _output_tpm -> limit
    provisioned_usd_per_month: F | None  # None: passing a limit is infeasible


@dataclass
class ApiInputs:
    """An ``api`` or ``hosted_open`` option, resolved."""

    common: Common
    input_per_mtok: F  # [USD per 1M tokens], long-context tier applied
    output_per_mtok: F
    cached_input_per_mtok: F
    per_request_usd: F | float
    batch_discount: F  # share off for batch requests [-]
    inference_premium: F  # fine-tuned model price multiplier [-]
    announced: tuple[F, F, F]  # per-month multipliers (input, output, cached) [-]
    price_change_per_year: F  # [1/year]
    rate_limits: RateLimits | None
    fine_tune_training_tokens: F | None
    fine_tune_usd_per_mtok: F | None
    reasons: list[str]
    context_window: int | None = None  # [tokens], from the price catalog when it says
    warnings: list[str] = field(default_factory=list)


def _catalog_api(inputs: Inputs, option: Option, on: dt.date) -> ApiPrice | None:
    """Register the catalog's prices as the values behind ``prices.*`` (user prices win; when
    the user gives a ``prices`` block the catalog fills only the batch discount)."""
    if option.model is None:
        return None
    p = f"options.{option.name}"
    price = api_price(option.model, option.provider, on=on)
    paths: dict[str, float] = {}
    billed = _fine_tuned(inputs, option, price, on) or price
    if option.prices is None:
        paths["prices.input_per_mtok"] = billed.input_per_mtok
        paths["prices.output_per_mtok"] = billed.output_per_mtok
        if billed.cached_input_per_mtok is not None:
            paths["prices.cached_input_per_mtok"] = billed.cached_input_per_mtok
    if price.batch_input_per_mtok:
        paths["prices.batch_discount"] = 1.0 - price.batch_input_per_mtok / price.input_per_mtok
    for k, v in paths.items():
        inputs.catalog.setdefault(f"{p}.{k}", (v, price.source))
    _price_in_time(inputs, option, price, on)
    cached = price.cached_input_per_mtok
    inputs.source(
        option.name,
        f"{price.provider}/{price.model}: ${price.input_per_mtok:g} in, "
        f"{'$' + format(cached, 'g') if cached is not None else 'no'} cached, "
        f"${price.output_per_mtok:g} out per 1M tokens ({price.source}; as of {price.as_of})",
    )
    return price


def _price_in_time(inputs: Inputs, option: Option, price: ApiPrice, on: dt.date) -> None:
    """Say what the catalog cannot: a start date before its oldest dated price, a deprecated
    model (its migration comes early: the provider's notice period), and a short name that
    resolved to an older model while newer ones exist."""
    p = f"options.{option.name}"
    warn = inputs.memo.setdefault(("warnings", option.name), [])
    if not price.as_of[:1].isdigit() and on < dt.date.today() - dt.timedelta(days=183):
        inputs.note(
            option.name,
            f"{p}: genai-prices holds no dated price for {price.model} on {on.isoformat()}; "
            "its current price is used (set prices: to price the past)",
        )
    if price.deprecated:
        notice = _deprecation_notice_months(price.provider)
        if notice is not None and option.migration_every_months is None:
            inputs.catalog.setdefault(
                f"{p}.migration_every_months",
                (notice[0], f"{price.model} is deprecated (genai-prices); {notice[1]}"),
            )
        every = (
            f"migrations priced every {notice[0]:g} months"
            if notice is not None
            else f"no notice period is published here; set {p}.migration_every_months"
        )
        warn.append(
            f"{price.model} is deprecated at {price.provider} (genai-prices): a forced "
            f"migration comes within the provider's notice period; {every}"
        )
    if option.model is not None:
        newer = cheaper_versions(price)
        if newer:
            listed = ", ".join(
                f"{m.model} (${m.input_per_mtok:g}/${m.output_per_mtok:g})" for m in newer[:4]
            )
            warn.append(
                f"model {option.model!r} resolved to {price.provider}/{price.model} "
                f"({price.name}, ${price.input_per_mtok:g}/${price.output_per_mtok:g} per 1M "
                f"tokens); the catalog also has cheaper versions {listed}: give the id you mean"
            )


def _deprecation_notice_months(provider: str) -> tuple[float, str] | None:
    """The provider's published minimum notice before retiring a model [months]."""
    if provider == "openai":
        f = fact("openai_deprecation_notice_ga_months")
        return f.value, f"OpenAI's minimum notice {f.value:g} months ({f.source})"
    if provider == "anthropic":
        f = fact("anthropic_deprecation_notice_days")
        return round(f.value / 30.4, 1), f"Anthropic's minimum notice {f.value:g} days ({f.source})"
    return None


def _fine_tuned(inputs: Inputs, option: Option, base: ApiPrice, on: dt.date) -> ApiPrice | None:
    """The catalog's prices for the fine-tuned model (genai-prices lists OpenAI's ``ft:``
    models), when the option fine-tunes and sets neither its premium nor its prices."""
    ft = option.fine_tune
    if ft is None or ft.inference_premium is not None or option.prices is not None:
        return None
    try:
        tuned = api_price(f"ft:{base.model}", base.provider, on=on)
    except CatalogError:
        return None
    inputs.note(
        option.name,
        f"options.{option.name}: fine-tuned inference at {tuned.provider}/{tuned.model} "
        f"${tuned.input_per_mtok:g} in / ${tuned.output_per_mtok:g} out per 1M tokens "
        f"({tuned.input_per_mtok / base.input_per_mtok:.2g}x / "
        f"{tuned.output_per_mtok / base.output_per_mtok:.2g}x the base model; {tuned.source}); "
        f"set options.{option.name}.fine_tune.inference_premium to override",
    )
    return tuned


def _fine_tune_premium(inputs: Inputs, option: Option, price: ApiPrice | None) -> A.Default:
    """The premium when the catalog has no fine-tuned prices: the provider's published one."""
    if price is not None and option.prices is None:
        tuned = f"options.{option.name}.prices.input_per_mtok"
        if inputs.catalog.get(tuned, (None, ""))[0] != price.input_per_mtok:
            return A.Default(1.0, "the catalog's fine-tuned prices already hold the premium")
    provider = (option.provider or (price.provider if price else "")).lower()
    if provider == "fireworks":
        f = fact("fireworks_multilora_inference_premium")
        return A.Default(f.value, f"Fireworks bills LoRA fine-tunes at the base price ({f.source})")
    return A.Default(
        1.0,
        f"no published fine-tuned price for {option.model or 'this model'} at "
        f"{provider or 'this provider'}: base price assumed",
    )


def _announced_changes(
    inputs: Inputs, option: Option, price: ApiPrice | None, months: int, start: dt.date
) -> tuple[F, F, F]:
    """Per-month multipliers (input, output, cached input) for price changes the provider has
    announced after the start date (genai-prices dated prices); ones when there are none or
    the user gave the prices."""
    ones = np.ones(months)
    if price is None or not price.scheduled or option.prices is not None:
        return ones, ones, ones
    month_start = [start + dt.timedelta(days=30.4375 * m) for m in range(months)]
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
            inputs.note(
                option.name,
                f"announced price change from {when}: ${p_in:g} in / ${p_out:g} out per 1M "
                f"tokens (from month {int(np.argmax(hit))})",
            )
    return r_in, r_out, r_cached


def _rate_limits(inputs: Inputs, option: Option) -> RateLimits | None:
    r = _Reader(inputs, option)
    keys = {k for k in ("rate_limit_rpm", "rate_limit_tpm") if getattr(option, k) is not None}
    if option.rate_limit_tier is not None:
        tier = rate_limit(option.rate_limit_tier, option.model or "")
        published = {
            "rate_limit_rpm": tier.rpm,
            "rate_limit_tpm": tier.tpm,
            "rate_limit_input_tpm": tier.input_tpm,
            "rate_limit_output_tpm": tier.output_tpm,
        }
        for key, value in published.items():
            if value is not None:
                inputs.catalog.setdefault(f"{r.p}.{key}", (value, tier.source))
                keys.add(key)
        shown = ", ".join(
            f"{k.removeprefix('rate_limit_')} {v:,.0f}" for k, v in published.items() if v
        )
        inputs.source(
            option.name,
            f"{tier.tier_id} limits for {tier.model}: {shown} ({tier.source}; as of {tier.as_of})",
        )
    if not keys:
        inputs.note(
            option.name,
            f"rate limits not checked: set {r.p}.rate_limit_tier (e.g. openai-tier-3) or "
            f"rate_limit_rpm / rate_limit_tpm",
        )
        return None
    provisioned = None
    if option.on_rate_limit == "provisioned" and option.provisioned_usd_per_month is not None:
        provisioned = r.get("provisioned_usd_per_month")
    return RateLimits({k: r.get(k) for k in sorted(keys)}, provisioned)


def resolve_api(
    inputs: Inputs, option: Option, traffic_scale: float | F = 1.0, as_leg: bool = False
) -> ApiInputs:
    r = _Reader(inputs, option)
    s = inputs.scenario
    start = start_date(s)
    price = _catalog_api(inputs, option, start)
    common = resolve_common(inputs, option, traffic_scale, as_leg)
    p_in, p_out = r.get("prices.input_per_mtok"), r.get("prices.output_per_mtok")
    cached_known = (
        option.prices is not None and option.prices.cached_input_per_mtok is not None
    ) or f"{r.p}.prices.cached_input_per_mtok" in inputs.catalog
    if cached_known:
        p_cached = r.get("prices.cached_input_per_mtok")
    else:
        # no cached price: cached tokens cost the input price (and follow it when swept)
        inputs.note(
            option.name, "no cached-input price known: cached tokens billed at the input price"
        )
        p_cached = p_in
    if price is not None and price.tiers and option.prices is None:
        threshold, t_in, t_out, t_cached = price.tiers[0]
        # the tier follows the (possibly swept) prompt length, point by point
        long = np.asarray(common.input_tokens > threshold)
        if long.any():
            base_cached = price.cached_input_per_mtok or price.input_per_mtok
            p_in = np.where(long, p_in * (t_in / price.input_per_mtok), p_in)
            p_out = np.where(long, p_out * (t_out / price.output_per_mtok), p_out)
            p_cached = np.where(
                long,
                p_cached * ((t_cached or t_in * base_cached / price.input_per_mtok) / base_cached),
                p_cached,
            )
            share = "" if long.all() else f" (at {long.mean():.0%} of points)"
            inputs.note(
                option.name,
                f"prompts above {threshold} tokens{share}: long-context prices "
                f"${t_in:g} in / ${t_out:g} out per 1M tokens",
            )
    # the batch discount applies wherever a (possibly swept) batch share is positive
    batching = bool(np.any(common.batch_share > 0))
    discount = r.get("prices.batch_discount", 0.0) if batching else np.asarray(0.0)
    if (
        batching
        and (option.prices is None or option.prices.batch_discount is None)
        and (price is None or not price.batch_input_per_mtok)
    ):
        inputs.note(option.name, "no batch price known: batch requests billed at standard prices")
    ft_tokens = ft_price = None
    if option.fine_tune is not None:
        premium = r.get("fine_tune.inference_premium", _fine_tune_premium(inputs, option, price))
        ft_tokens = r.get("fine_tune.training_tokens")
        ft_price = r.get("fine_tune.usd_per_mtok_training")
    else:
        premium = np.asarray(1.0)
    return ApiInputs(
        common=common,
        input_per_mtok=np.asarray(p_in),
        output_per_mtok=np.asarray(p_out),
        cached_input_per_mtok=np.asarray(p_cached),
        per_request_usd=r.get("prices.per_request", 0.0) if option.prices else 0.0,
        batch_discount=np.asarray(discount),
        inference_premium=premium,
        announced=_announced_changes(inputs, option, price, s.horizon_months, start),
        price_change_per_year=_api_trend(r, option),
        rate_limits=_rate_limits(inputs, option),
        fine_tune_training_tokens=ft_tokens,
        fine_tune_usd_per_mtok=ft_price,
        reasons=residency_reasons(s, option, vendor_hosted=True),
        context_window=None if price is None else price.context_window,
        warnings=list(inputs.memo.get(("warnings", option.name), [])),
    )


def _api_trend(r: _Reader, option: Option) -> F:
    """The capability trend, except on prices the user typed, which are never trended
    unless the user says so."""
    if option.prices is not None:
        return r.get(
            "price_change_per_year",
            A.Default(0.0, "your own prices (prices:) are not trended; set it to trend them"),
        )
    return r.opt("price_change_per_year")


# --------------------------------------------------------------------------- self-hosted records


def model_arch(option: Option, scenario: Scenario | None = None) -> ModelArch:
    """The option's catalog model (the scenario's own catalog first), or its user-given
    architecture."""
    if option.model is not None:
        if scenario is not None:
            return scenario.user_catalog().resolve_model(option.model)
        return resolve_model(option.model)
    a = option.architecture or {}
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
            f"options.{option.name}.architecture: missing {', '.join(missing)}; give {', '.join(need)}"
        )
    return ModelArch(
        name=option.name,
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


def catalog_gpu_price(
    inputs: Inputs, owner: str, gpu: GPU, mode: str, provider: str | None
) -> QuoteSelection | None:
    """The catalog's default price for ``gpu`` in a pricing mode (``gpu_quotes.RULE``): the
    median of dated quotes in the scenario's geo and market segment; the rule, the quotes
    and every fallback taken are listed for ``owner``. None when the catalog has no row."""
    s = inputs.scenario
    cons = s.constraints
    geo = geo_of(cons.region) if cons.region else None
    strict = cons.data_residency == "region"
    market = s.organisation.gpu_market
    if market is None:
        market = "neocloud"
        inputs.note(
            "",
            "organisation.gpu_market = neocloud (llmecon judgement: GPU clouds that rent "
            "capacity at market prices; hyperscaler list prices run 2-3x higher); set "
            "organisation.gpu_market to hyperscaler, marketplace or any",
        )
    sel = select_quotes(
        gpu.name,
        mode,
        catalog=s.user_catalog(),
        on=start_date(s),
        geo=geo,
        strict_geo=strict,
        segment=None if market == "any" else market,
        provider=provider,
    )
    if sel is None:
        return None
    inputs.note(owner, sel.rule)
    for line in sel.notes:
        inputs.note(owner, f"{gpu.name} {mode}: {line}")
    if sel.price is not None:
        inputs.source(owner, sel.summary)
    return sel


#: Efficiency fields a scenario may set under ``efficiency:``, with the unit conversion from
#: the scenario's unit to ``perf.inference.Efficiency``'s.
EFFICIENCY_FIELDS: dict[str, tuple[str, float]] = {
    "mbu": ("mbu", 1.0),
    "mfu_decode": ("mfu_decode", 1.0),
    "mfu_prefill": ("mfu_prefill", 1.0),
    "step_overhead_ms": ("step_overhead_s", 1e-3),
    "allreduce_latency_us": ("allreduce_latency_s", 1e-6),
    "max_batch": ("max_batch", 1.0),
    "network_latency_us": ("network_latency_s", 1e-6),
    "kv_reserve_output": ("kv_reserve_output", 1.0),
}


def resolve_efficiency(
    inputs: Inputs, option: Option, calibration: Calibration | None = None, vendor: str = ""
) -> Efficiency:
    """The engine preset's efficiency factors for the GPU's vendor (``VENDOR_FACTORS``), or
    the option's calibration's, each overridable and sweepable at
    ``options.<name>.efficiency.<field>``."""
    preset = for_vendor(ENGINE_PRESETS[option.engine], vendor)
    r = _Reader(inputs, option)
    why = f"engine preset '{option.engine}' (perf.inference.ENGINE_PRESETS, fitted by benchmarks/calibrate.py)"
    if calibration is not None:
        from llmecon import calibration as cal

        engine = calibration.setup.engine if option.engine == "default" else option.engine
        preset = cal.apply(calibration, ENGINE_PRESETS.get(engine, preset))
        why = (
            f"{r.p}.calibration {option.calibration} ({calibration.created}, "
            f"{len(calibration.points)} runs fitted by llmecon calibrate)"
        )
    values: dict[str, Any] = {}
    shown = []
    for key, (attr, unit) in EFFICIENCY_FIELDS.items():
        base = float(np.asarray(getattr(preset, attr))) / unit
        inputs.catalog.setdefault(f"{r.p}.efficiency.{key}", (base, why))
        v = r.get(f"efficiency.{key}")
        values[attr] = float(v) * unit if v.ndim == 0 else v * unit
        if option.efficiency is None or getattr(option.efficiency, key) is None:
            shown.append(f"{key} {base:g}")
    if shown:
        inputs.note(
            option.name,
            f"{r.p}.efficiency: {', '.join(shown)} ({why}); set {r.p}.efficiency.<field> to override",
        )
    # fields the scenario cannot set (seq_overhead_s, max_batched_tokens) keep the preset's
    return replace(preset, **values)


@dataclass
class GpuPricing:
    """How the option pays for GPUs, resolved for its pricing mode."""

    mode: str  # on_demand | reserved | spot | on_prem
    usd_per_gpu_hour: F | None = None  # on-demand [USD/GPU-hour]
    reserved_usd_per_gpu_hour: F | None = None
    spot_usd_per_gpu_hour: F | None = None
    spot_interruption_overhead: F | None = None  # [-]
    committed_gpus: F | None = None  # None: the cost-minimising commitment [GPU]
    reserved_term_months: int = 12  # [months]
    capex_usd_per_gpu: F | None = None  # [USD]
    amortisation_years: F | None = None  # [years]
    tdp_w: float | None = None  # [W]
    pue: F | None = None
    electricity_usd_per_kwh: F | None = None
    colocation_usd_per_kw_month: F | None = None


@dataclass
class ServingInputs:
    """A ``self_hosted`` or ``slm`` option, resolved."""

    common: Common
    model: ModelArch
    gpu: GPU
    precision: str
    kv_precision: str | None
    tp_candidates: tuple[int, ...]  # one entry when the user fixed gpus_per_replica
    efficiency: Efficiency
    ttft_s: F  # latency targets, inf when none [s]
    itl_s: F
    has_slo: bool
    measured_requests_per_s: F | None
    headroom: F  # [-]
    min_replicas: float
    max_replicas: float
    autoscale: bool
    ops_fte_per_100_gpus: F
    pricing: GpuPricing
    training: TrainingInputs | None
    reasons: list[str]
    #: requests per month in today's GPU work: ``R_m f_m`` with ``f_m`` the capability trend
    #: reached at each migration (a newer open model serves the same quality on fewer GPUs);
    #: every fleet is sized for it [requests/month]
    load: F
    capability_change_per_year: F  # [1/year]
    gpu_price_factor: F  # (..., M) rental price multiplier (GPU price trend) [-]
    gpu_price_change_per_year: F  # [1/year]
    #: share of prompt tokens the engine's prefix cache skips in prefill [-]
    prefix_cached_share: F
    #: network bandwidth per GPU for tensor parallelism across nodes; None: the catalog's
    #: (DGX H100, 400 Gb/s per GPU) [GB/s per direction]
    network_gbs: float | None = None
    #: True when the tensor-parallel degree is searched (not set by the user)
    auto_tp: bool = True
    #: meet the latency targets at this quantile (0.95 for p95); None: the mean [-]
    slo_quantile: F | None = None


def _gpu_pricing(inputs: Inputs, option: Option, gpu: GPU, reasons: list[str]) -> GpuPricing:
    r = _Reader(inputs, option)
    mode = option.pricing
    out = GpuPricing(mode=mode)

    def price(field_: str, m: str) -> F:
        if getattr(option, field_) is None:
            found = catalog_gpu_price(inputs, option.name, gpu, m, option.provider)
            if found is None:
                raise CatalogError(
                    f"{r.p}.{field_}: no {m} price for {gpu.name} in the catalog"
                    f"{' at ' + option.provider if option.provider else ''}; set {r.p}.{field_}"
                )
            if found.price is None:  # data residency: no quote in the region
                reasons.append(found.reason or f"no {m} price for {gpu.name} in the region")
                return np.asarray(0.0)  # infeasible everywhere: never priced
            assert found.low is not None and found.high is not None
            inputs.memo.setdefault(("gpu_price_range", option.name), {})[m] = [
                found.low,
                found.high,
            ]
            inputs.catalog.setdefault(f"{r.p}.{field_}", (found.price, "catalog median"))
        return r.get(field_)

    if mode == "on_demand":
        out.usd_per_gpu_hour = price("usd_per_gpu_hour", "on-demand")
    elif mode == "spot":
        out.spot_usd_per_gpu_hour = price("spot_usd_per_gpu_hour", "spot")
        out.spot_interruption_overhead = r.opt("spot_interruption_overhead")
    elif mode == "reserved":
        term = f"reserved-{option.reserved_term_years}y"
        out.reserved_usd_per_gpu_hour = price("reserved_usd_per_gpu_hour", term)
        out.usd_per_gpu_hour = price("usd_per_gpu_hour", "on-demand")
        out.reserved_term_months = 12 * option.reserved_term_years
        if option.committed_gpus is not None:
            out.committed_gpus = r.get("committed_gpus")
    else:  # on_prem
        if option.capex_usd_per_gpu is None and gpu.list_price_usd is not None:
            inputs.catalog.setdefault(
                f"{r.p}.capex_usd_per_gpu", (gpu.list_price_usd, gpu.list_price_note)
            )
            inputs.note(
                option.name,
                f"{r.p}.capex_usd_per_gpu = {gpu.list_price_usd:,.0f} ({gpu.list_price_note}; the GPU alone: add your server share)",
            )
        if option.capex_usd_per_gpu is None and gpu.list_price_usd is None:
            reasons.append(f"no public price for {gpu.name}: set {r.p}.capex_usd_per_gpu")
            return out
        out.capex_usd_per_gpu = r.get("capex_usd_per_gpu")
        out.amortisation_years = r.get("amortisation_years")
        out.tdp_w = gpu.tdp_w
        if gpu.tdp_w is None:
            reasons.append(f"no published TDP for {gpu.name}: on-prem power cannot be priced")
        out.pue = r.org("pue")
        out.electricity_usd_per_kwh = r.org("electricity_usd_per_kwh")
        out.colocation_usd_per_kw_month = r.org("colocation_usd_per_kw_month")
        inputs.note(option.name, "on-prem idle GPUs draw 30 % of TDP (llmecon judgement)")
    return out


TP_CANDIDATES = (1, 2, 4, 8)


def _tp_candidates(option: Option, model: ModelArch, reasons: list[str]) -> tuple[int, ...]:
    """The tensor-parallel degrees to search: the user's, or 1, 2, 4, 8; a degree must divide
    the attention heads (each GPU holds whole heads, as vLLM, SGLang and TensorRT-LLM
    require)."""
    heads = model.num_attention_heads
    if isinstance(option.gpus_per_replica, int):  # ``auto`` is filled before resolving
        tp = option.gpus_per_replica
        if heads and heads % tp:
            reasons.append(
                f"{tp} GPUs per replica do not divide {model.name}'s {heads} attention heads "
                f"(set options.{option.name}.gpus_per_replica to a divisor, e.g. "
                f"{max(d for d in TP_CANDIDATES if heads % d == 0)})"
            )
        return (tp,)
    return tuple(d for d in TP_CANDIDATES if not heads or heads % d == 0) or (1,)


def resolve_serving(
    inputs: Inputs, option: Option, traffic_scale: float | F = 1.0, as_leg: bool = False
) -> ServingInputs:
    r = _Reader(inputs, option)
    s = inputs.scenario
    model = model_arch(option, s)
    gpu = s.user_catalog().resolve_gpu(option.gpu or "")
    reasons: list[str] = []
    if option.precision == "bf16" and not gpu.supports("bf16"):
        reasons.append(f"{gpu.name} has no bf16 units; use precision fp16")
    if not model.open_weights:
        reasons.append(f"{model.name} has no open weights to self-host")
    vendors = ENGINE_VENDORS.get(option.engine)
    if vendors is not None and gpu.vendor not in vendors:
        reasons.append(
            f"engine {option.engine} runs on {'/'.join(sorted(vendors))} GPUs only, not on "
            f"{gpu.name} (set options.{option.name}.engine to vllm or sglang)"
        )
    inputs.source(option.name, f"{model.name}: {model.source} ({model.as_of})")
    inputs.source(option.name, f"{gpu.name}: {gpu.source} ({gpu.as_of})")
    common = resolve_common(inputs, option, traffic_scale, as_leg)
    measured = None
    if option.measured_requests_per_s is not None:
        inputs.note(
            option.name,
            f"capacity per replica = your measured {option.measured_requests_per_s:g} requests/s (model estimate replaced)",
        )
        measured = r.get("measured_requests_per_s")
    elif option.measured_output_tokens_per_s is not None:
        inputs.note(
            option.name,
            f"capacity per replica = your measured {option.measured_output_tokens_per_s:g} output tokens/s (model estimate replaced)",
        )
        measured = r.get("measured_output_tokens_per_s") / np.maximum(common.output_tokens, 1.0)
    lat = s.latency
    has_slo = lat.ttft_ms is not None or lat.itl_ms is not None
    quantile = None
    if measured is None and has_slo and lat.percentile is not None:
        quantile = inputs.get("latency.percentile") / 100.0
        inputs.note(
            "",
            f"latency targets are met at p{lat.percentile:g}: TTFT's wait behind other prefills "
            "is an M/D/1 queue with an exponential tail (Kingman), ITL's tail the decode steps "
            "that carry a prefill chunk (perf.inference.ServingPoint.ttft_quantile, "
            "itl_quantile); prompt-length spread is not modelled",
        )
    elif measured is None:
        inputs.note(
            "",
            "latency targets are met by the modelled mean TTFT and ITL; set latency.percentile "
            "(e.g. 95) to meet them at a percentile",
        )
    if measured is None and not has_slo:
        inputs.note("", "no latency targets: replicas sized at saturated throughput")
    ttft = inputs.get("latency.ttft_ms") / 1000.0 if lat.ttft_ms is not None else np.asarray(np.inf)
    itl = inputs.get("latency.itl_ms") / 1000.0 if lat.itl_ms is not None else np.asarray(np.inf)
    pricing = _gpu_pricing(inputs, option, gpu, reasons)
    calibrated = _calibration(inputs, option, model, gpu)
    if option.autoscale:
        inputs.note(
            option.name,
            f"{r.p}.autoscale = true: the fleet follows each hour's load (replicas ready "
            "before the hour's traffic, no cold starts, rented GPUs billed only for the hours "
            f"used: full elasticity); set {r.p}.autoscale: false to hold each month's peak "
            "all day",
        )
    serving = ServingInputs(
        common=common,
        model=model,
        gpu=gpu,
        precision=option.precision,
        kv_precision=option.kv_precision,
        tp_candidates=(
            (calibrated.setup.gpus,)
            if calibrated is not None and option.gpus_per_replica is None
            else _tp_candidates(option, model, reasons)
        ),
        efficiency=resolve_efficiency(inputs, option, calibrated, gpu.vendor),
        ttft_s=np.asarray(ttft),
        itl_s=np.asarray(itl),
        has_slo=has_slo,
        measured_requests_per_s=measured,
        headroom=r.opt("headroom"),
        min_replicas=float(option.min_replicas),
        max_replicas=np.inf if option.max_replicas is None else float(option.max_replicas),
        autoscale=option.autoscale,
        ops_fte_per_100_gpus=r.opt("ops_fte_per_100_gpus"),
        pricing=pricing,
        training=None,
        reasons=reasons,
        load=common.requests,
        capability_change_per_year=r.opt("price_change_per_year"),
        gpu_price_factor=np.asarray(1.0),
        gpu_price_change_per_year=np.asarray(0.0),
        prefix_cached_share=_prefix_cache(inputs, option, common),
        slo_quantile=quantile,
        network_gbs=option.network_gbs_per_gpu,
        auto_tp=option.gpus_per_replica is None,
    )
    serving.load = _trended_load(inputs, common, serving.capability_change_per_year)
    if option.pricing != "on_prem":
        serving.gpu_price_change_per_year = r.opt("gpu_price_change_per_year")
        serving.gpu_price_factor = dep.price_factor(
            common.months, serving.gpu_price_change_per_year, None, common.trend_cap_months
        )
    serving.training = resolve_training(inputs, option, model, gpu, common, reasons)
    return serving


def _calibration(inputs: Inputs, option: Option, model: ModelArch, gpu: GPU) -> Calibration | None:
    """The option's calibration file, checked against its setup (model, GPU, GPUs per
    replica, precision, engine); the replica then takes the calibrated layout."""
    if not option.calibration:
        return None
    from llmecon import calibration as cal

    p = f"options.{option.name}.calibration"
    path = Path(option.calibration)
    if not path.is_absolute():
        path = inputs.scenario.base_dir() / path
    found = cal.load_calibration(path, where=p)
    cal.check_setup(
        found,
        model=model.name,
        gpu=gpu.name,
        gpus=(
            option.gpus_per_replica
            if isinstance(option.gpus_per_replica, int)
            else found.setup.gpus
        ),
        precision=option.precision,
        engine=None if option.engine == "default" else option.engine,
        where=f"{p} ({path})",
        fix=f"calibrate this option's setup with `llmecon calibrate`, or remove {p}",
    )
    return found


def _prefix_cache(inputs: Inputs, option: Option, common: Common) -> F:
    """The workload's cached-input share, skipped in self-hosted prefill as API bills skip
    it: vLLM (automatic prefix caching, on by default since V1), SGLang (RadixAttention) and
    TensorRT-LLM reuse a cached prefix's KV instead of recomputing it."""
    if not option.prefix_caching or not np.any(common.cached_input_share > 0):
        return np.asarray(0.0)
    f = fact("vllm_v1_prefix_cache_throughput_loss_at_zero_hit")
    inputs.note(
        option.name,
        f"options.{option.name}.prefix_caching: the workload's cached_input_share of each "
        f"prompt is not recomputed in prefill (vLLM automatic prefix caching, on by default, "
        f"under {f.value:g}% cost at no hits: {f.source}); KV memory still holds the whole "
        f"prompt; set options.{option.name}.prefix_caching: false to turn it off",
    )
    return common.cached_input_share


def _trended_load(inputs: Inputs, c: Common, change_per_year: F) -> F:
    """``R_m f_m``, one array for every option with the same traffic and trend (options that
    serve one model on one GPU share their fleet search through it). [requests/month]"""
    key = (
        "load",
        id(c.requests),
        *(memo_key(x) for x in (change_per_year, c.migration_every_months, c.trend_cap_months)),
    )
    hit = inputs.memo.get(key)
    if hit is None:
        factor = dep.price_factor(
            c.months, change_per_year, c.migration_every_months, c.trend_cap_months
        )
        load = c.requests if np.all(factor == 1.0) else np.asarray(c.requests * factor)
        # the inputs stay alive with the result, so their ids stay theirs
        hit = (load, (c.requests, change_per_year, c.migration_every_months))
        inputs.memo[key] = hit
    return np.asarray(hit[0])


# --------------------------------------------------------------------------- training records


@dataclass
class TrainingInputs:
    """Fine-tuning, distillation or pretraining of a self-hosted model, resolved."""

    method: str  # lora | qlora | full | distill | pretrain
    gpu: GPU
    active_params: float  # [parameters]
    total_params: float  # [parameters]
    tokens: F  # training tokens processed (examples x tokens x epochs, or corpus) [tokens]
    examples: F | None  # [-]
    mfu: F  # [-]
    usd_per_gpu_hour: F  # [USD/GPU-hour]
    label_usd_per_example: F | None  # lora/qlora/full [USD/example]
    teacher: ApiPrice | None  # distillation teacher
    teacher_input_tokens: F | None  # per example [tokens]
    teacher_output_tokens: F | None
    retrain_every_months: F | None  # None: never (pretraining) [months]
    engineer_usd_per_hour: F


def resolve_training(
    inputs: Inputs,
    option: Option,
    model: ModelArch,
    serving_gpu: GPU,
    common: Common,
    reasons: list[str] | None = None,
) -> TrainingInputs | None:
    o = option
    s = inputs.scenario
    t = o.training
    p = f"options.{o.name}"
    if t is None and o.kind == "slm":
        t = TrainingSpec()
        inputs.note(o.name, f"{p}.training.method = lora (default for an SLM)")
        # the section is absent: its schema defaults stand behind its paths (sweepable)
        inputs.catalog.setdefault(f"{p}.training.epochs", (t.epochs, "schema default"))
    if t is None or t.method == "none":
        return None
    tp = f"{p}.training"
    gpu = s.user_catalog().resolve_gpu(t.gpu) if t.gpu else serving_gpu
    method = {"distill": "full"}.get(t.method, t.method)
    params = model.active_params_b * 1e9
    examples = per_ex = None
    if t.method == "pretrain":
        tokens = inputs.get(
            f"{tp}.pretrain_tokens",
            A.Default(
                float(tr.chinchilla_tokens(params)),
                "Chinchilla 20 tokens/param (Hoffmann et al. 2022)",
            ),
            owner=o.name,
        )
        inputs.note(o.name, "pretraining corpus assumed open (no data purchase)")
    else:
        examples = inputs.get(
            f"{tp}.examples", A.training_default("examples", method), owner=o.name
        )
        per_ex = inputs.get(
            f"{tp}.tokens_per_example",
            A.Default(
                s.workload.input_tokens + s.workload.output_tokens,
                "workload input + output tokens",
            ),
            owner=o.name,
        )
        tokens = examples * per_ex * inputs.get(f"{tp}.epochs", owner=o.name)
    mfu = inputs.get(f"{tp}.mfu", A.training_default("mfu", method), owner=o.name)
    if t.usd_per_gpu_hour is None:
        found = catalog_gpu_price(inputs, o.name, gpu, "on-demand", o.provider)
        if found is None:
            raise CatalogError(
                f"{tp}.usd_per_gpu_hour: no on-demand price for {gpu.name} in the catalog; set it"
            )
        if found.price is None:  # data residency: training data may not leave the region
            if reasons is not None:
                reasons.append(f"training: {found.reason}")
            inputs.catalog.setdefault(f"{tp}.usd_per_gpu_hour", (0.0, "no price in the region"))
        else:
            inputs.catalog.setdefault(f"{tp}.usd_per_gpu_hour", (found.price, "catalog median"))
    price = inputs.get(f"{tp}.usd_per_gpu_hour", owner=o.name)
    teacher = None
    t_in = t_out = label = None
    if t.method == "distill":
        teacher_model = t.teacher_model
        teacher_provider = t.teacher_provider
        if teacher_model is None:
            apis = [x for x in s.options if x.kind in ("api", "hosted_open") and x.model]
            if not apis:
                raise CatalogError(f"{tp}.teacher_model: distillation needs a teacher API model")
            teacher_model = apis[0].model
            teacher_provider = t.teacher_provider or apis[0].provider
            inputs.note(o.name, f"{tp}.teacher_model = {teacher_model} (first API option)")
        teacher = api_price(teacher_model or "", teacher_provider, on=start_date(s))
        # the teacher reads and writes each example's tokens in the workload's proportion
        w = s.workload
        in_share = w.input_tokens / max(w.input_tokens + w.output_tokens, 1.0)
        assert per_ex is not None
        t_in, t_out = per_ex * in_share, per_ex * (1.0 - in_share)
        inputs.source(o.name, f"teacher {teacher.provider}/{teacher.model}: {teacher.source}")
    elif t.method in ("lora", "qlora", "full"):
        label = inputs.get(
            f"{tp}.label_usd_per_example",
            A.training_default("label_usd_per_example", method),
            owner=o.name,
        )
    every = None
    if t.method != "pretrain":
        every = inputs.get(
            f"{tp}.retrain_every_months",
            A.training_default("retrain_every_months", method),
            owner=o.name,
        )
        inputs.note(
            o.name, "each retraining repeats the training compute and data, plus 1 engineer-week"
        )
    return TrainingInputs(
        method=t.method,
        gpu=gpu,
        active_params=params,
        total_params=model.total_params_b * 1e9,
        tokens=np.asarray(tokens),
        examples=examples,
        mfu=mfu,
        usd_per_gpu_hour=price,
        label_usd_per_example=label,
        teacher=teacher,
        teacher_input_tokens=t_in,
        teacher_output_tokens=t_out,
        retrain_every_months=every,
        engineer_usd_per_hour=common.engineer_usd_per_hour,
    )


# --------------------------------------------------------------------------- hybrid records


@dataclass
class HybridInputs:
    """A ``hybrid`` option: its own fields; the legs are resolved at their traffic shares."""

    common: Common
    mode: str  # cascade | route
    escalation_share: F  # share of traffic the second leg answers [-]
    router_usd_per_mrequests: F  # [USD per 1M requests]
    legs: tuple[str, str]
    #: (share escalated, share of the quality gap recovered) knots of the router [-]
    router_curve: tuple[tuple[float, ...], tuple[float, ...]] = ((0.0, 1.0), (0.0, 1.0))


def resolve_hybrid(inputs: Inputs, option: Option) -> HybridInputs:
    r = _Reader(inputs, option)
    if option.mode is None:
        inputs.note(option.name, f"{r.p}.mode = cascade (default)")
    first, second = option.legs or ["", ""]
    return HybridInputs(
        common=resolve_common(inputs, option),
        mode=option.mode or "cascade",
        escalation_share=r.get("escalation_share"),
        router_usd_per_mrequests=r.get("router_usd_per_mrequests"),
        legs=(first, second),
        router_curve=_router_curve(inputs, option),
    )


def _router_curve(inputs: Inputs, option: Option) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Share of the quality gap between the legs recovered at each share escalated
    (RouteLLM's "performance gap recovered", Ong et al. 2024, arXiv 2406.18665)."""
    p = f"options.{option.name}"
    if option.quality is not None:
        return (0.0, 1.0), (0.0, 1.0)  # the user's own blended quality is used
    if option.router == "trained":
        a = fact("routellm_mtbench_best_strong_share_for_pgr50")
        b = fact("routellm_mtbench_best_strong_share_for_pgr80")
        inputs.note(
            option.name,
            f"{p}.router = trained: escalating {a.value:g} of requests recovers 50% of the "
            f"quality gap between the legs and {b.value:g} recovers 80% (RouteLLM's best "
            f"in-domain router on MT-Bench, {a.source}); set {p}.quality from your own "
            "evaluation to replace it",
        )
        return (0.0, a.value, b.value, 1.0), (0.0, 0.5, 0.8, 1.0)
    f = fact("routellm_random_router_strong_share_for_pgr50")
    inputs.note(
        option.name,
        f"{p}.router = random (default): escalating a share s recovers s of the quality gap "
        f"between the legs, as a router untested on your traffic does (RouteLLM's random "
        f"router recovers 50% at s = {f.value:g}, {f.source}); set {p}.router: trained for an "
        f"in-domain router, or {p}.quality from your own evaluation",
    )
    return (0.0, 1.0), (0.0, 1.0)
