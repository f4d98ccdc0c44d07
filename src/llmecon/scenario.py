"""The scenario schema: a workload, its latency targets, the organisation, and the options
to price. Loaded from YAML, validated with pydantic, every error one line naming the YAML path
and the fix.

Units are in field names (``_usd``, ``_per_month``, ``_ms``) or in the field descriptions.
``None`` on an optional field means "use llmecon's default", and every default used is listed
as an assumption in the result.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import stat
import typing
from collections import Counter
from collections.abc import Container
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from llmecon.errors import ScenarioError

if typing.TYPE_CHECKING:
    from llmecon.catalog.user import UserCatalog

NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Pos = Annotated[float, Field(gt=0)]
PosShare = Annotated[float, Field(gt=0, le=1)]
#: An interval of whole or fractional months, at least one (a shorter one has no meaning in a
#: monthly cash-flow model).
Months = Annotated[float, Field(ge=1)]

OptionKind = Literal["api", "hosted_open", "self_hosted", "slm", "hybrid"]
Precision = Literal["bf16", "fp16", "fp8", "int8", "int4"]
PricingMode = Literal["on_demand", "reserved", "spot", "on_prem"]
#: the option fields the fleet search may fill (``auto``)
PrecisionChoice = Literal["bf16", "fp16", "fp8", "int8", "int4", "auto"]
PricingChoice = Literal["on_demand", "reserved", "spot", "on_prem", "auto"]


#: Control characters other than tab and newline, stripped from every text field.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: Any, info: Any) -> Any:
        # YAML's true/false must not turn into 1/0 silently in a numeric field
        if isinstance(v, bool):
            field = cls.model_fields.get(info.field_name)
            if field is not None and field.annotation is not bool:
                wanted = (
                    "a number"
                    if field.annotation in (int, float)
                    or "float" in str(field.annotation)
                    or "int" in str(field.annotation)
                    else "text"
                )
                raise ValueError(f"expected {wanted}, got true/false; write the value itself")
        if isinstance(v, str):
            # terminal control sequences (ESC, bells, C1 codes) must never reach a terminal
            v = _CONTROL.sub("", v)
        return v


class Workload(_Strict):
    # upper bounds far above any real workload keep every cost finite
    requests_per_month: NonNeg = Field(
        le=1e13, description="Requests in the first month, at most 1e13 [requests/month]."
    )
    input_tokens: NonNeg = Field(
        le=1e8, description="Mean prompt tokens per request, at most 1e8 [tokens]."
    )
    output_tokens: NonNeg = Field(
        le=1e7, description="Mean generated tokens per request, at most 1e7 [tokens]."
    )
    cached_input_share: Share = Field(
        0.0, description="Share of input tokens read from a prompt cache [-]."
    )
    monthly_growth: float = Field(
        0.0, ge=-0.5, le=2.0, description="Compound volume growth per month [-]."
    )
    peak_to_average: float = Field(
        2.0, ge=1.0, lt=24.0, description="Busiest hour over mean hour [-]."
    )
    hourly_weights: list[NonNeg] | None = Field(
        None, description="24 relative hourly volumes; overrides peak_to_average."
    )
    weekday_weights: list[NonNeg] | None = Field(
        None,
        description=(
            "7 relative daily volumes, Monday first (business-hours workloads); each day "
            "keeps the hourly shape."
        ),
    )
    batch_share: Share = Field(
        0.0, description="Share of requests that tolerate a 24 h batch API [-]."
    )

    @field_validator("hourly_weights")
    @classmethod
    def _24(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (len(v) != 24 or sum(v) <= 0):
            raise ValueError("give exactly 24 non-negative weights, not all zero")
        return v

    @field_validator("weekday_weights")
    @classmethod
    def _7(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (len(v) != 7 or sum(v) <= 0):
            raise ValueError("give exactly 7 non-negative weights (Monday first), not all zero")
        return v


class Latency(_Strict):
    ttft_ms: Pos | None = Field(
        None,
        description="Time-to-first-token target, met by the modelled mean TTFT, or at `percentile` [ms].",
    )
    itl_ms: Pos | None = Field(
        None,
        description="Inter-token latency target, met by the mean ITL, or at `percentile` [ms].",
    )
    percentile: float | None = Field(
        None,
        ge=50.0,
        le=99.9,
        description="Meet the targets at this percentile (e.g. 95) instead of the mean [%].",
    )


class Constraints(_Strict):
    data_residency: Literal["none", "on_premises", "region"] = Field(
        "none", description="Where data may be processed."
    )
    region: str | None = Field(
        None, description="Required region (e.g. 'eu') when data_residency is 'region'."
    )
    min_quality: Share | None = Field(
        None, description="Minimum task success rate an option must reach [-]."
    )

    @model_validator(mode="after")
    def _region_named(self) -> Constraints:
        if self.data_residency == "region" and not (self.region or "").strip():
            raise ValueError("region: data_residency 'region' needs the region (e.g. region: eu)")
        return self


class Organisation(_Strict):
    engineer_usd_per_hour: Pos | None = Field(
        None, description="Loaded engineering cost [USD/hour]."
    )
    ops_engineer_usd_per_year: Pos | None = Field(
        None, description="Loaded cost of one serving-operations FTE [USD/year]."
    )
    electricity_usd_per_kwh: Pos | None = Field(
        None, description="Electricity tariff for on-prem [USD/kWh]."
    )
    pue: float | None = Field(
        None, ge=1.0, le=3.0, description="Data-centre power usage effectiveness [-]."
    )
    colocation_usd_per_kw_month: NonNeg | None = Field(
        None, description="Hosting per kW of IT load [USD/kW-month]."
    )
    cost_of_delay_usd_per_month: NonNeg = Field(
        0.0, description="Value lost per month of later go-live [USD/month]."
    )
    gpu_market: Literal["hyperscaler", "neocloud", "marketplace", "any"] | None = Field(
        None,
        description=(
            "Where rented GPUs are priced from (catalog quotes' market segment); default neocloud."
        ),
    )
    compliance_usd_per_year: NonNeg | None = Field(
        None,
        description="Assessments and audits for options that process data in-house or via a vendor [USD/year].",
    )
    observability_usd_per_month: NonNeg | None = Field(
        None, description="Tracing/evaluation tooling [USD/month]."
    )
    traced_share: Share | None = Field(
        None, description="Share of requests sent to the tracing tool [-]."
    )
    cost_per_failure_usd: NonNeg = Field(
        0.0, description="Cost of one failed task, e.g. a human fallback [USD]."
    )


class ApiPrices(_Strict):
    input_per_mtok: NonNeg = Field(description="[USD per 1M input tokens]")
    output_per_mtok: NonNeg = Field(description="[USD per 1M output tokens]")
    cached_input_per_mtok: NonNeg | None = Field(
        None, description="[USD per 1M cached input tokens]"
    )
    per_request: NonNeg = Field(0.0, description="[USD per request]")
    batch_discount: Share | None = Field(
        None, description="Batch price as a share off the standard price [-]."
    )


class ApiFineTune(_Strict):
    training_tokens: NonNeg = Field(
        description="Training tokens (examples x tokens x epochs) [tokens]."
    )
    usd_per_mtok_training: NonNeg = Field(
        description="Provider's training price [USD per 1M tokens]."
    )
    inference_premium: float | None = Field(
        None,
        ge=1.0,
        description=(
            "Fine-tuned over base inference price [x]; default: the catalog's fine-tuned "
            "prices (OpenAI ft: models), else the provider's published premium."
        ),
    )


class TrainingSpec(_Strict):
    method: Literal["none", "lora", "qlora", "full", "distill", "pretrain"] = Field(
        "lora", description="distill: teacher-API data + full fine-tune; pretrain: from scratch."
    )
    examples: NonNeg | None = Field(None, description="Training examples [-].")
    tokens_per_example: NonNeg | None = Field(
        None, description="[tokens] (default: workload input + output)"
    )
    epochs: Pos = Field(3.0, description="[-]")
    pretrain_tokens: NonNeg | None = Field(
        None, description="Pretraining tokens; default 20 x params (Chinchilla) [tokens]."
    )
    gpu: str | None = Field(None, description="Training GPU (default: the serving GPU).")
    usd_per_gpu_hour: NonNeg | None = Field(None, description="Training GPU price [USD/GPU-hour].")
    mfu: PosShare | None = Field(
        None, description="Training model-FLOPs utilization, in (0, 1] [-]."
    )
    label_usd_per_example: NonNeg | None = Field(
        None, description="Human labeling price [USD/example]."
    )
    teacher_model: str | None = Field(
        None, description="API model that writes synthetic data (distillation)."
    )
    teacher_provider: str | None = Field(None, description="Provider of the teacher model.")
    retrain_every_months: Months | None = Field(
        None, description="Retraining interval, at least 1 [months]."
    )


class EfficiencySpec(_Strict):
    """Serving-engine efficiency factors (defaults: the engine preset)."""

    mbu: PosShare | None = Field(None, description="Achieved share of HBM bandwidth in decode [-].")
    mfu_decode: PosShare | None = Field(
        None, description="Achieved share of peak FLOP/s in decode [-]."
    )
    mfu_prefill: PosShare | None = Field(
        None, description="Achieved share of peak FLOP/s in prefill [-]."
    )
    step_overhead_ms: NonNeg | None = Field(
        None, description="Fixed cost of one engine step (scheduling, launches, sampling) [ms]."
    )
    allreduce_latency_us: NonNeg | None = Field(
        None, description="Fixed latency of one tensor-parallel all-reduce [us]."
    )
    max_batch: Pos | None = Field(None, description="Engine cap on concurrent sequences [-].")
    network_latency_us: NonNeg | None = Field(
        None,
        description="Latency of each all-reduce ring step across nodes (TP above 8) [us].",
    )
    kv_reserve_output: Share | None = Field(
        None, description="Share of output tokens whose KV cache a running sequence holds [-]."
    )


class Option(_Strict):
    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._+:/()-]{0,63}$",
        description="Unique name (letters, digits, spaces, . _ + : / ( ) -); hybrids refer to their legs by it.",
    )
    kind: OptionKind = Field(description="What kind of option this is.")
    # api / hosted_open
    provider: str | None = Field(
        None,
        description="API provider id (openai, anthropic, together...); for GPUs, filters catalog prices by provider.",
    )
    model: str | None = Field(None, description="Catalog model (API model id, or open model name).")
    prices: ApiPrices | None = Field(
        None, description="Explicit token prices instead of the catalog's."
    )
    fine_tune: ApiFineTune | None = Field(
        None, description="A provider fine-tuning job and its inference premium."
    )
    rate_limit_rpm: Pos | None = Field(
        None, description="Provider tier requests per minute [1/min]."
    )
    rate_limit_tpm: Pos | None = Field(
        None, description="Provider tier tokens per minute [tokens/min]."
    )
    rate_limit_tier: str | None = Field(
        None, description="Published tier, e.g. openai-tier-3 (`llmecon catalog rate-limits`)."
    )
    on_rate_limit: Literal["infeasible", "provisioned"] = Field(
        "infeasible", description="Over the limits: infeasible, or buy provisioned throughput."
    )
    provisioned_usd_per_month: NonNeg | None = Field(
        None, description="Provisioned throughput price when over the rate limit [USD/month]."
    )
    regions: list[str] | None = Field(
        None, description="Regions where the vendor can process data."
    )
    # self_hosted / slm
    gpu: str | None = Field(
        None,
        description=(
            "Serving GPU (any alias; `llmecon catalog gpus`), or auto: the cheapest that "
            "meets the targets (`llmecon search`)."
        ),
    )
    gpus_per_replica: int | Literal["auto"] | None = Field(
        None,
        description=(
            "Tensor-parallel degree; default: the fewest GPU-hours among 1, 2, 4, 8 that fit "
            "(16 across two nodes when 8 do not); auto: the cheapest (`llmecon search`)."
        ),
    )
    network_gbs_per_gpu: Pos | None = Field(
        None,
        description=(
            "Network bandwidth per GPU for tensor parallelism across nodes; default DGX "
            "H100's 400 Gb/s = 50 GB/s [GB/s per direction]."
        ),
    )
    precision: PrecisionChoice = Field(
        "bf16", description="Weight precision; auto: the cheapest the GPU runs."
    )
    kv_precision: Literal["bf16", "fp16", "fp8"] | None = Field(
        None, description="KV-cache precision; default fp8 with fp8 weights, else bf16."
    )
    engine: Literal["default", "vllm", "sglang", "trtllm", "nim"] = Field(
        "default", description="Serving engine whose efficiency preset applies."
    )
    prefix_caching: bool = Field(
        True,
        description="Skip the workload's cached_input_share of each prompt in prefill (self-hosted).",
    )
    calibration: str | None = Field(
        None,
        description=(
            "A file from `llmecon calibrate` (relative to the scenario file): its fitted "
            "factors replace the engine preset's; efficiency.* still override."
        ),
    )
    efficiency: EfficiencySpec | None = Field(
        None, description="Efficiency factors that override the engine preset."
    )
    pricing: PricingChoice = Field(
        "on_demand",
        description=(
            "How GPUs are paid for; auto: the cheapest of on_demand, reserved (1 or 3 years) "
            "and spot."
        ),
    )
    usd_per_gpu_hour: NonNeg | None = Field(
        None, description="Your GPU price; overrides the catalog [USD/GPU-hour]."
    )
    reserved_usd_per_gpu_hour: NonNeg | None = Field(
        None, description="Committed price [USD/GPU-hour]."
    )
    reserved_term_years: Literal[1, 3] = Field(
        1, description="Reserved commitment term (1 or 3 years) [years]."
    )
    spot_usd_per_gpu_hour: NonNeg | None = Field(None, description="Spot price [USD/GPU-hour].")
    spot_interruption_overhead: NonNeg | None = Field(
        None, description="Extra GPU-hours lost to preemption [-]."
    )
    committed_gpus: NonNeg | None = Field(
        None, description="Reserved GPUs; default: the always-on floor."
    )
    capex_usd_per_gpu: NonNeg | None = Field(
        None, description="On-prem purchase price per GPU incl. server share [USD]."
    )
    amortisation_years: Pos = Field(
        4.0, description="On-prem depreciation and refresh period [years]."
    )
    min_replicas: int = Field(1, ge=0, description="Autoscaling floor [replicas].")
    max_replicas: int | None = Field(None, ge=1, description="Autoscaling ceiling [replicas].")
    headroom: NonNeg = Field(0.2, description="Spare capacity above load [-].")
    autoscale: bool = Field(True, description="False: hold each month's peak fleet all day.")
    measured_requests_per_s: Pos | None = Field(
        None, description="Your measured per-replica capacity at the SLO [requests/s]."
    )
    measured_output_tokens_per_s: Pos | None = Field(
        None, description="Your measured per-replica output tokens/s at the SLO [tokens/s]."
    )
    architecture: dict[str, float] | None = Field(
        None, description="Explicit architecture instead of a catalog model."
    )
    training: TrainingSpec | None = Field(
        None, description="Fine-tuning, distillation or pretraining of the served model."
    )
    # common
    engineering_weeks: NonNeg | None = Field(None, description="Build effort [engineer-weeks].")
    eval_set_examples: NonNeg | None = Field(None, description="Evaluation examples to create [-].")
    eval_usd_per_example: NonNeg | None = Field(None, description="[USD/example]")
    time_to_deploy_weeks: NonNeg | None = Field(
        None, description="Build time before go-live [weeks]."
    )
    ops_fte: NonNeg | None = Field(None, description="Serving-operations FTE at one replica [FTE].")
    ops_fte_per_100_gpus: NonNeg | None = Field(
        None, description="Extra FTE per 100 GPUs in the fleet [FTE]."
    )
    network_storage_usd_per_month: NonNeg | None = Field(
        None, description="Egress and storage bill [USD/month]."
    )
    migration_every_months: Months | None = Field(
        None, description="API deprecation / model migration interval, at least 1 [months]."
    )
    migration_weeks: NonNeg | None = Field(
        None, description="Effort per migration [engineer-weeks]."
    )
    price_change_per_year: float | None = Field(
        None,
        ge=-0.99,
        le=5.0,
        description=(
            "Cost of equal capability, change per year, reached at each migration: API and "
            "hosted prices, or the GPUs a self-hosted model needs (newer open models) [-]."
        ),
    )
    gpu_price_change_per_year: float | None = Field(
        None,
        ge=-0.99,
        le=5.0,
        description="Rental GPU price change per year (self-hosted, continuous) [-].",
    )
    security_hours_per_month: NonNeg | None = Field(
        None, description="Patching effort [hours/month]."
    )
    quality: Share | None = Field(
        None, description="Task success rate from your own evaluation [-]."
    )
    # hybrid
    mode: Literal["route", "cascade"] | None = Field(
        None,
        description="Hybrid: cascade (all to the first leg, a share escalates) or route (split).",
    )
    legs: list[str] | None = Field(
        None, description="Two option names: [first/cheap leg, second/escalation leg]."
    )
    escalation_share: Share | None = Field(
        None, description="Cascade: share escalated; route: share sent to the second leg [-]."
    )
    router_usd_per_mrequests: NonNeg = Field(0.0, description="Router cost [USD per 1M requests].")
    router: Literal["random", "trained"] | None = Field(
        None,
        description=(
            "Hybrid: how well the router picks what the second leg answers, for the blended "
            "quality (random: the default; trained: RouteLLM's in-domain router); a quality "
            "set on the hybrid replaces it."
        ),
    )

    @field_validator("gpus_per_replica", mode="before")
    @classmethod
    def _tp(cls, v: Any) -> Any:
        """A whole number of GPUs from 1 to 64, or auto (one message, not one per type)."""
        if v is None or v == "auto":
            return v
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 64:
            raise ValueError("give a whole number of GPUs from 1 to 64, or auto")
        return v

    def auto_fields(self) -> list[str]:
        """The configuration fields a self-hosted or SLM option leaves to the fleet search
        (``auto``)."""
        if self.kind not in ("self_hosted", "slm"):
            return []
        fields = ("gpu", "precision", "pricing", "gpus_per_replica")
        return [f for f in fields if getattr(self, f) == "auto"]

    @model_validator(mode="after")
    def _kind_fields(self) -> Option:
        problems = []
        if self.kind in ("api", "hosted_open") and self.model is None and self.prices is None:
            problems.append(
                "model: an API option needs a catalog model or explicit prices; set model "
                "(`llmecon catalog api-models`) or prices"
            )
        if self.kind in ("self_hosted", "slm"):
            if self.model is None and self.architecture is None:
                problems.append(
                    "model: no model given; give a catalog model (e.g. llama-3.1-8b) or an architecture"
                )
            if self.gpu is None:
                problems.append("gpu: give a GPU (e.g. H100); `llmecon catalog gpus` lists them")
        if self.kind == "hybrid" and (self.legs is None or len(self.legs) != 2):
            problems.append("legs: a hybrid needs exactly two option names; list the two legs")
        if self.kind == "hybrid" and self.escalation_share is None:
            problems.append(
                "escalation_share: a hybrid needs the share of traffic sent to its second leg; "
                "give it (e.g. 0.2)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Scenario(_Strict):
    name: str = Field("scenario", description="Short name shown in outputs.")
    description: str = Field("", description="What the scenario models.")
    horizon_months: int = Field(36, ge=1, le=240, description="Months priced [months].")
    start_date: dt.date | None = Field(
        None,
        description="Month 0 (go-live); API prices active then, announced changes from their month. Default: today.",
    )
    discount_rate_annual: float = Field(0.08, ge=0.0, le=1.0, description="For NPV [1/year].")
    catalog: dict[str, Any] | None = Field(
        None,
        description=(
            "Your own catalog entries: gpus, models and gpu_prices lists with the package "
            "CSVs' columns (`llmecon catalog import-model` writes a model's)."
        ),
    )
    _user_catalog: Any = PrivateAttr(default=None)
    #: the directory of the scenario file (relative calibration paths start there)
    _base_dir: Any = PrivateAttr(default=None)
    trend_cap_years: float | None = Field(
        None,
        gt=0.0,
        le=20.0,
        description="Years over which price and capability trends compound; flat after [years].",
    )
    workload: Workload = Field(description="Traffic: volume, tokens, shape, growth.")
    latency: Latency = Field(Latency(), description="Serving targets for self-hosted options.")
    constraints: Constraints = Field(Constraints(), description="Residency and quality bars.")
    organisation: Organisation = Field(
        Organisation(), description="Rates and bills of your organisation."
    )
    options: list[Option] = Field(min_length=1, description="The options to price.")
    uncertainty: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Distributions per input path for `simulate` (see llmecon.analysis.uncertainty).",
    )

    @model_validator(mode="after")
    def _names(self) -> Scenario:
        names = [o.name for o in self.options]
        counts = Counter(names)
        dup = {n for n, k in counts.items() if k > 1}
        if dup:
            raise ValueError(f"option names must be unique; repeated: {', '.join(sorted(dup))}")
        by_name = {o.name: o for o in self.options}
        for o in self.options:
            for leg in o.legs or []:
                if leg not in by_name:
                    raise ValueError(
                        f"option {o.name!r}: leg {leg!r} is not an option name; names: {', '.join(names[:20])}"
                        + (" ..." if len(names) > 20 else "")
                    )
                if leg == o.name:
                    raise ValueError(f"option {o.name!r}: a hybrid cannot use itself as a leg")
        cycle = _leg_cycle(by_name)
        if cycle:
            raise ValueError(
                f"option {cycle[0]!r}: hybrid legs form a cycle ({' -> '.join(cycle)}); "
                "a leg must not lead back to its hybrid"
            )
        return self

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)

    def __eq__(self, other: object) -> bool:
        # the same scenario whichever file it was read from: private state (the file's
        # directory, the parsed user catalog) is not part of it
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    def base_dir(self) -> Path:
        """Where relative file paths in the scenario start: its file's directory, else the
        working directory."""
        return Path(self._base_dir) if self._base_dir is not None else Path.cwd()

    def user_catalog(self) -> UserCatalog:
        """The scenario's own catalog entries, looked up before the package's."""
        if self._user_catalog is None:
            from llmecon.catalog.user import parse_user_catalog

            self._user_catalog = parse_user_catalog(self.catalog, "catalog")
        cat: UserCatalog = self._user_catalog
        return cat


def split_option_path(path: str, names: Container[str]) -> tuple[str, str] | None:
    """(name, rest) of ``options.<name>.<rest>``; option names may contain dots, so each split
    point is tried, the longest name first (linear in the path's length). None when no option
    name matches."""
    if not path.startswith("options."):
        return None
    body = path[len("options.") :]
    cut = len(body)
    while True:
        cut = body.rfind(".", 0, cut)
        if cut <= 0:
            return None
        if body[:cut] in names:
            return body[:cut], body[cut + 1 :]


def _constraint_bounds(items: Any) -> tuple[float, float]:
    lo, hi = -math.inf, math.inf
    for m in items:
        for attr, is_lo in (("ge", True), ("gt", True), ("le", False), ("lt", False)):
            v = getattr(m, attr, None)
            if v is not None:
                # an open bound (gt, lt) as the nearest value inside it
                x = float(v) + (1e-9 * max(1.0, abs(float(v))) if attr == "gt" else 0.0)
                x = x - (1e-9 * max(1.0, abs(x)) if attr == "lt" else 0.0)
                lo, hi = (max(lo, x), hi) if is_lo else (lo, min(hi, x))
    return lo, hi


def _annotation_bounds(tp: Any) -> tuple[float, float]:
    """Bounds inside an annotation: ``Annotated[float, Field(ge=0)]``, optionally ``| None``."""
    lo, hi = -math.inf, math.inf
    if typing.get_origin(tp) is typing.Annotated:
        for extra in typing.get_args(tp)[1:]:
            a, b = _constraint_bounds(getattr(extra, "metadata", [extra]))
            lo, hi = max(lo, a), min(hi, b)
        a, b = _annotation_bounds(typing.get_args(tp)[0])
        return max(lo, a), min(hi, b)
    for arg in typing.get_args(tp):
        if arg is not type(None):
            a, b = _annotation_bounds(arg)
            lo, hi = max(lo, a), min(hi, b)
    return lo, hi


def field_bounds(path: str, scenario: Scenario | None = None) -> tuple[float, float]:
    """The schema's bounds [lo, hi] of the numeric field at a dotted ``path``
    (``options.<name>.<field>`` included); (-inf, inf) where the schema sets none or the path
    names no schema field (a catalog value such as ``facts.*``)."""
    model: type[BaseModel] = Scenario
    parts = path.split(".")
    if parts[0] == "options":
        split = split_option_path(path, {o.name for o in scenario.options} if scenario else ())
        rest = split[1] if split else ".".join(parts[2:])
        model, parts = Option, rest.split(".")
    for i, part in enumerate(parts):
        f = model.model_fields.get(part)
        if f is None:
            return -math.inf, math.inf
        last = i == len(parts) - 1 or (i == len(parts) - 2 and parts[-1].isdigit())
        if last:
            a, b = _constraint_bounds(f.metadata)
            c, d = _annotation_bounds(f.annotation)
            return max(a, c), min(b, d)
        inner = f.annotation
        nested = [
            x
            for x in (typing.get_args(inner) or (inner,))
            if isinstance(x, type) and issubclass(x, BaseModel)
        ]
        if not nested:
            return -math.inf, math.inf
        model = nested[0]
    return -math.inf, math.inf


def _leg_cycle(by_name: dict[str, Option]) -> list[str]:
    """A cycle of hybrid legs (``[h1, h2, h1]``), or [] when there is none."""
    state: dict[str, int] = {}
    for start in by_name:
        if start in state:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            name, i = stack.pop()
            if i == 0:
                state[name] = 1
                path.append(name)
            legs = by_name[name].legs or []
            if i < len(legs):
                stack.append((name, i + 1))
                leg = legs[i]
                if state.get(leg) == 1:
                    return [*path[path.index(leg) :], leg]
                if leg not in state and leg in by_name:
                    stack.append((leg, 0))
            else:
                state[name] = 2
                path.pop()
    return []


def _loc(loc: tuple[Any, ...], data: Any) -> str:
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out or "(top level)"


_FIX = {
    "missing": "add it",
    "extra_forbidden": "remove it or check its spelling",
    "literal_error": "use one of the allowed values",
    "greater_than_equal": "use a larger value",
    "less_than_equal": "use a smaller value",
    "greater_than": "use a larger value",
    "less_than": "use a smaller value",
    "string_pattern_mismatch": "use up to 64 letters, digits, spaces and . _ + : / ( ) -",
    "string_type": "give text (quote it if it looks like a number)",
    "float_type": "give a number",
    "float_parsing": "give a number",
    "int_type": "give a whole number",
    "int_parsing": "give a whole number",
    "int_parsing_size": "give a whole number in the field's range",
    "int_from_float": "give a whole number",
    "bool_type": "give true or false",
    "bool_parsing": "give true or false",
    "list_type": "give a list (lines starting with - )",
    "dict_type": "give a mapping (key: value lines)",
    "model_type": "give a mapping (key: value lines)",
    "model_attributes_type": "give a mapping (key: value lines)",
    "date_type": "give a date like 2026-01-01",
    "date_parsing": "give a date like 2026-01-01",
    "date_from_datetime_parsing": "give a date like 2026-01-01",
    "date_from_datetime_inexact": "give a date like 2026-01-01",
    "finite_number": "give a finite number",
    "too_short": "give more items",
    "too_long": "give fewer items",
}


def _messages(err: ValidationError, data: Any) -> list[str]:
    lines = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if p not in ("function-after",))
        # pydantic puts the model-validator's own location at the model, drop the tag
        path = _loc(loc, data)
        msg = e["msg"].removeprefix("Value error, ")
        if not loc and msg.startswith("option"):
            path = "options"  # the scenario-level checks are all about the options list
        fix = _FIX.get(e["type"], "")
        if e["type"] == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
        elif e["type"] == "string_pattern_mismatch":
            msg = f"{e['input']!r} is not a usable name"
        elif e["type"] == "missing":
            msg = "required field is missing"
        lines.append(f"{path}: {msg}" + (f"; {fix}" if fix and fix not in msg else ""))
    return lines


def parse_scenario(data: Any, source: str = "(top level)") -> Scenario:
    """Validate a mapping into a ``Scenario``; raise ``ScenarioError`` with one line per problem.
    ``source`` (a file name) opens the shape errors (``check_shape``)."""
    if not isinstance(data, dict):
        raise ScenarioError(
            ["(top level): a scenario must be a YAML mapping with workload and options"]
        )
    check_shape(data, source)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_messages(err, data)) from None
    scenario.user_catalog()  # its errors name catalog.<table>[i].<column>
    return scenario


#: Largest scenario file read. [bytes]
MAX_FILE_BYTES = 1 << 20
#: Most values a document may hold once YAML aliases are expanded. [-]
MAX_VALUES = 100_000
#: Deepest nesting of mappings and lists. [-]
MAX_DEPTH = 32


def _read_text(p: Path) -> str:
    """The file's text: UTF-8 (a BOM allowed) or UTF-16 with a BOM; a clear error for
    anything else (a directory, a FIFO or device, a binary or over-large file)."""
    try:
        st = p.stat()
    except OSError as err:
        raise ScenarioError([f"{p}: cannot be read ({err.strerror}); check the path"]) from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError([f"{p}: is a directory; give a scenario YAML file"])
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError([f"{p}: not a regular file (a pipe or device); give a YAML file"])
    if st.st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            [
                f"{p}: {st.st_size:,} bytes is larger than a scenario can be ({MAX_FILE_BYTES:,}); "
                "check that this is the scenario file"
            ]
        )
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise ScenarioError(
            [f"{p}: cannot be read ({err.strerror}); check its permissions"]
        ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            [
                f"{p}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); "
                "save the scenario as UTF-8 YAML"
            ]
        ) from None
    if "\x00" in text:
        raise ScenarioError(
            [f"{p}: holds NUL bytes, so it is not YAML text; give a scenario YAML file"]
        )
    return text


# libyaml's parser where PyYAML was built with it: ten times faster than the pure-Python one,
# and it caps nesting itself (1,000 levels) with a ScannerError.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type, misc]
    """YAML's safe loader that refuses duplicate keys (the last one would win silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            line = key_node.start_mark.line + 1
            if first is not None:
                raise ScenarioError(
                    [f"line {line}: key {key!r} is repeated (first on line {first}); keep one"]
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-untyped-call, no-any-return]


def check_shape(data: Any, where: str = "(top level)") -> None:
    """Refuse documents that nest deeper than ``MAX_DEPTH`` or hold more than ``MAX_VALUES``
    values once aliases are expanded (a YAML alias bomb), before anything walks them."""
    sizes: dict[int, tuple[int, int]] = {}  # id -> (values, depth), shared nodes counted once

    def walk(node: Any, depth: int) -> tuple[int, int]:
        if depth > MAX_DEPTH:
            raise ScenarioError(
                [f"{where}: nested more than {MAX_DEPTH} levels deep; a scenario is a few levels"]
            )
        if not isinstance(node, dict | list):
            return 1, 0
        hit = sizes.get(id(node))
        if hit is not None:
            return hit
        children = list(node.values()) if isinstance(node, dict) else node
        total, deepest = 1, 0
        for child in children:
            n, d = walk(child, depth + 1)
            total += n
            deepest = max(deepest, d + 1)
            if total > MAX_VALUES:
                raise ScenarioError(
                    [
                        f"{where}: expands to more than {MAX_VALUES:,} values (YAML anchors and "
                        "aliases?); write the scenario out plainly"
                    ]
                )
        if depth + deepest > MAX_DEPTH:
            raise ScenarioError(
                [f"{where}: nested more than {MAX_DEPTH} levels deep; a scenario is a few levels"]
            )
        sizes[id(node)] = (total, deepest)
        return total, deepest

    walk(data, 0)


def read_yaml_text(text: str, where: str) -> Any:
    """The data of a scenario's YAML text (a file's, or one sent to the web API), every way it
    can fail one line starting with ``where``: a repeated key, malformed YAML, too deep."""
    try:
        return yaml.load(text, Loader=_Loader)
    except ScenarioError as err:
        raise ScenarioError([f"{where}: {line}" for line in err.problems]) from None
    except RecursionError:
        raise ScenarioError(
            [f"{where}: nested too deeply to read; a scenario is a few levels of mappings"]
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        if "maximum nesting depth" in problem:  # libyaml's own cap
            raise ScenarioError(
                [f"{where}: nested too deeply to read; a scenario is a few levels of mappings"]
            ) from None
        raise ScenarioError(
            [f"{where}:{at} malformed YAML ({problem}); fix the indentation or quoting there"]
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError([f"{p}: no such file; create one with `llmecon init {p}`"])
    data = read_yaml_text(_read_text(p), str(p))
    scenario = parse_scenario(data, str(p))
    scenario._base_dir = p.resolve().parent
    return scenario


def dump_scenario(scenario: Scenario) -> str:
    """YAML text of a scenario (round-trips through ``parse_scenario``)."""
    return yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True), sort_keys=False)


def check_references(scenario: Scenario) -> None:
    """Resolve every catalog name the scenario uses; raise ``ScenarioError`` listing each
    unknown GPU, model or API model with its YAML path and close matches."""
    from llmecon.catalog import CatalogError, rate_limit
    from llmecon.catalog.api_prices import api_price

    cat = scenario.user_catalog()
    resolve_gpu, resolve_model = cat.resolve_gpu, cat.resolve_model
    problems = []
    for i, o in enumerate(scenario.options):
        where = f"options[{i}]"
        checks: list[tuple[str, Any]] = []
        if o.kind in ("api", "hosted_open") and o.model is not None and o.prices is None:
            checks.append(("model", lambda o=o: api_price(o.model or "", o.provider)))
        if o.rate_limit_tier is not None:
            checks.append(
                ("rate_limit_tier", lambda o=o: rate_limit(o.rate_limit_tier or "", o.model or ""))
            )
        if o.kind in ("self_hosted", "slm"):
            if o.model is not None:
                checks.append(("model", lambda o=o: resolve_model(o.model or "")))
            if o.gpu != "auto":
                checks.append(("gpu", lambda o=o: resolve_gpu(o.gpu or "")))
            if o.training is not None and o.training.gpu is not None:
                checks.append(("training.gpu", lambda o=o: resolve_gpu(o.training.gpu or "")))  # type: ignore[union-attr]
            if o.training is not None and o.training.teacher_model is not None:
                t = o.training
                checks.append(
                    (
                        "training.teacher_model",
                        lambda t=t: api_price(t.teacher_model or "", t.teacher_provider),
                    )
                )
        for field, check in checks:
            try:
                check()
            except CatalogError as err:
                problems.append(f"{where}.{field}: {err}")
    if problems:
        raise ScenarioError(problems)


def reference_markdown() -> str:
    """The scenario reference (docs/SCENARIO.md), generated from the schema itself."""
    import types
    import typing

    from pydantic.fields import FieldInfo

    sections: list[tuple[str, type[BaseModel]]] = [
        ("(top level)", Scenario),
        ("workload", Workload),
        ("latency", Latency),
        ("constraints", Constraints),
        ("organisation", Organisation),
        ("options[]", Option),
        ("options[].prices", ApiPrices),
        ("options[].fine_tune", ApiFineTune),
        ("options[].training", TrainingSpec),
    ]

    def fmt(ann: Any) -> str:
        origin, args = typing.get_origin(ann), typing.get_args(ann)
        if origin is typing.Annotated:
            return fmt(args[0])
        if origin is typing.Literal:
            return " \\| ".join(repr(a) for a in args)
        if origin in (typing.Union, types.UnionType):
            return " \\| ".join(fmt(a) for a in args if a is not type(None)) + " (optional)"
        if origin in (list, dict):
            return f"{origin.__name__}[{', '.join(fmt(a) for a in args)}]"
        return getattr(ann, "__name__", str(ann))

    def default_text(f: FieldInfo) -> str:
        if f.default_factory is not None:
            return "`{}`"
        if f.is_required() or f.default is None:
            return ""
        if isinstance(f.default, BaseModel):
            return "see below"
        return f"`{f.default!r}`"

    lines = [
        "# Scenario reference",
        "",
        "Generated from `llmecon.scenario` by `llmecon.scenario.reference_markdown()`; a test",
        "keeps it in step with the code. Unknown keys are rejected. An empty default means the",
        "field is required or, when optional, that llmecon fills it in and lists the value it",
        "used under the option's `assumptions`.",
        "",
    ]
    for title, model in sections:
        lines += [f"## {title}", "", "| field | type | default | meaning |", "|---|---|---|---|"]
        for name, f in model.model_fields.items():
            desc = (f.description or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {fmt(f.annotation)} | {default_text(f)} | {desc} |")
        lines.append("")
    return "\n".join(lines)
