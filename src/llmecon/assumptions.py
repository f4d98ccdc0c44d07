"""Defaults used when a scenario leaves a field out, each with where it comes from.

Two kinds: *cited* defaults derive from a catalog fact (``facts.csv``, with source and date);
*judgement* defaults are llmecon's own round figures for effort and policy, labelled as such
in every result, because no public source states them. Either kind is overridden by setting
the field named in ``field``.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmecon.catalog import fact


@dataclass(frozen=True)
class Default:
    value: float
    why: str  # one line: the source, or "llmecon judgement: ..."

    def line(self, field: str) -> str:
        return f"{field} = {self.value:g} ({self.why}); set {field} to override"


def _loaded_hourly_rate() -> Default:
    wage = fact("software_developer_mean_annual_wage_usd")
    share = fact("employer_wages_share_of_compensation")
    yearly = wage.value / share.value
    return Default(
        round(yearly / 2080.0, 2),
        f"BLS mean software-developer wage ${wage.value:,.0f}/yr ({wage.as_of}) / wages' "
        f"{share.value:.1%} share of compensation (BLS ECEC) / 2080 h",
    )


def _loaded_yearly() -> Default:
    wage = fact("software_developer_mean_annual_wage_usd")
    share = fact("employer_wages_share_of_compensation")
    return Default(
        round(wage.value / share.value, -2),
        f"BLS mean software-developer wage ${wage.value:,.0f}/yr / {share.value:.1%} wage share",
    )


def _cited(key: str, what: str) -> Default:
    f = fact(key)
    return Default(f.value, f"{what}: {f.source}, {f.as_of}")


def organisation_default(field: str) -> Default:
    """Default for an ``organisation`` field."""
    if field == "engineer_usd_per_hour":
        return _loaded_hourly_rate()
    if field == "ops_engineer_usd_per_year":
        return _loaded_yearly()
    if field == "electricity_usd_per_kwh":
        return _cited("us_commercial_electricity_usd_per_kwh", "US commercial tariff")
    if field == "pue":
        return _cited("datacenter_pue_uptime_2023", "industry average PUE")
    if field == "colocation_usd_per_kw_month":
        return _cited("colocation_usd_per_kw_month", "colocation asking rate")
    if field == "compliance_usd_per_year":
        return Default(
            0.0, "not included: no public benchmark; add your assessment and audit budget"
        )
    if field == "traced_share":
        return Default(1.0, "every request traced")
    if field == "observability_usd_per_month":
        f = fact("langfuse_core_usd_per_month")
        return Default(
            f.value, f"Langfuse Core plan + overage per 100k traces ({f.source}, {f.as_of})"
        )
    raise KeyError(field)


#: Judgement defaults by option kind: (api, hosted_open, self_hosted, slm, hybrid).
_BY_KIND: dict[str, tuple[tuple[float, ...], str]] = {
    "engineering_weeks": (
        (4, 5, 12, 16, 6),
        "llmecon judgement: integration, evaluation and launch effort",
    ),
    "time_to_deploy_weeks": (
        (2, 3, 8, 12, 10),
        "llmecon judgement: API fastest, serving stack and training slower",
    ),
    "eval_set_examples": (
        (300, 300, 300, 300, 300),
        "llmecon judgement: a 300-example evaluation set",
    ),
    "eval_usd_per_example": (
        (2, 2, 2, 2, 2),
        "llmecon judgement: ~1 minute of expert review per example",
    ),
    "ops_fte": (
        (0.05, 0.05, 0.05, 0.05, 0.0),
        "llmecon judgement: upkeep of the integration (prompts, model and API changes, "
        "monitoring, incidents), the same for every kind of option",
    ),
    "ops_fte_per_100_gpus": (
        (0, 0, 2.0, 2.0, 2.0),
        "llmecon judgement: running the serving fleet (patching, upgrades, capacity, on-call) "
        "grows with it, 2 FTE per 100 GPUs: Google's SRE book staffs a 24/7 rotation with at "
        "least 8 engineers at most 25% on call, i.e. 2 FTE of on-call time",
    ),
    "network_storage_usd_per_month": (
        (0, 0, 0, 0, 0),
        "not included: set your egress and storage bill",
    ),
    "migration_weeks": (
        (2, 2, 4, 4, 0),
        "llmecon judgement: re-evaluation and prompt rework per migration",
    ),
    "security_hours_per_month": (
        (0, 0, 8, 8, 0),
        "llmecon judgement: patching the serving stack and images",
    ),
    "spot_interruption_overhead": (
        (0, 0, 0.15, 0.15, 0.15),
        "llmecon judgement: GPU-hours lost to preemption and warm spares",
    ),
    "headroom": ((0, 0, 0.2, 0.2, 0.2), "llmecon default spare capacity"),
}

_KIND_INDEX = {"api": 0, "hosted_open": 1, "self_hosted": 2, "slm": 3, "hybrid": 4}


def option_default(kind: str, field: str) -> Default:
    """Default for an option field of ``kind``."""
    if field == "migration_every_months":
        if kind in ("api", "hosted_open"):
            f = fact("observed_model_lifetime_months_low")
            return Default(
                f.value, f"observed API model lifetimes 12-20 months, low end ({f.source})"
            )
        return Default(12.0, "llmecon judgement: yearly base-model upgrade of a self-hosted model")
    if field == "price_change_per_year":
        return capability_trend(kind)
    if field == "gpu_price_change_per_year":
        return gpu_price_trend()
    values, why = _BY_KIND[field]
    return Default(float(values[_KIND_INDEX[kind]]), why)


def capability_trend(kind: str = "api") -> Default:
    """Annual change in the cost of equal capability, the same for every kind of option.

    The published trends (a16z: 10x/yr; Epoch AI: 9x-900x/yr) measure the cheapest model that
    reaches a fixed capability, which a user only gets by migrating. The most conservative
    published figure, MIT FutureTech's 3x/yr efficiency gain (which tries to remove hardware
    and market effects), is used: -(1 - 1/3) per year. An API option reaches it as lower
    token prices at each migration; a self-hosted option as a newer open model that needs
    fewer GPUs for the same quality (the densing law, capability per parameter doubling every
    3.3 months, says the same in spirit).
    """
    f = fact("inference_efficiency_gain_per_year_low")
    how = (
        "as lower prices at each migration to a newer model"
        if kind in ("api", "hosted_open")
        else "as fewer GPUs for the same work at each migration to a newer open model"
    )
    return Default(
        round(1.0 / f.value - 1.0, 4),
        f"most conservative published trend, {f.value:g}x/yr cheaper at equal capability "
        f"({f.source}), the same for every option, reached {how}; the answer with every "
        "trend flat is reported beside it",
    )


def gpu_price_trend() -> Default:
    """Rental GPU prices are held flat: the evidence points both ways."""
    down = fact("aws_p4d_ondemand_price_change_per_year_derived")
    low = fact("h100_1yr_contract_trough_oct2025_usd_per_gpu_hour")
    high = fact("h100_1yr_contract_mar2026_usd_per_gpu_hour")
    return Default(
        0.0,
        f"flat: list prices fell ({down.value:g}%/yr for AWS p4d, {down.as_of}) while the H100 "
        f"1-year contract index rose from ${low.value:g} ({low.as_of}) to ${high.value:g}/GPU-h "
        f"({high.as_of}); no direction is defensible",
    )


def trend_cap() -> Default:
    """How long trends compound before prices are held (judgement, with the evidence)."""
    return Default(
        5.0,
        "llmecon judgement: no source says when declines stop; Epoch AI doubts the fastest "
        "will persist and hardware price-performance is expected to plateau 2027-2035, so "
        "a trend compounds for 5 years and is held after",
    )


def training_default(field: str, method: str) -> Default:
    if field == "mfu":
        return Default(
            0.25,
            "median MFU implied by 12 published training runs in the catalog "
            "(training_compute.csv; benchmarks/training_check.py)",
        )
    if field == "examples":
        return Default(
            10000.0, "llmecon judgement: 10k task examples for fine-tuning or distillation"
        )
    if field == "retrain_every_months":
        return Default(6.0, "llmecon judgement: retrain twice a year as data drifts")
    if field == "label_usd_per_example":
        return Default(0.5, "llmecon judgement: crowd labeling of short examples")
    raise KeyError(field)
