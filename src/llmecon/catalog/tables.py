"""Typed rows read from the CSV files in ``catalog/data`` (read once, cached)."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from llmecon.errors import CatalogError


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", name.lower()).replace(".", "")


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("llmecon.catalog").joinpath("data", filename).read_text(encoding="utf-8")
    return [
        {k: (v or "").strip() for k, v in row.items() if k}
        for row in csv.DictReader(text.splitlines())
    ]


def _num(value: str) -> float | None:
    if value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "yes", "1", "y"}


@dataclass(frozen=True)
class GPU:
    """One accelerator. Throughputs are dense (not 2:4 sparse)."""

    name: str
    aliases: tuple[str, ...]
    vendor: str
    memory_gb: float  # [GB, 1e9 bytes]
    mem_bandwidth_gbs: float  # [GB/s]
    bf16_tflops: float | None  # [TFLOP/s]
    fp16_tflops: float | None  # [TFLOP/s]
    fp8_tflops: float | None  # [TFLOP/s]
    int8_tops: float | None  # [TOP/s]
    tdp_w: float | None  # [W]
    interconnect_gbs_per_direction: float | None  # [GB/s]
    interconnect: str
    list_price_usd: float | None  # [USD]
    list_price_note: str
    source: str
    as_of: str
    notes: str

    def peak_tflops(self, precision: str) -> float:
        """Dense peak for matmuls whose weights are stored at ``precision`` [TFLOP/s].

        fp8 and int8 use their tensor-core rate where the GPU has one; weight-only formats
        (int4, and fp8/int8 on GPUs without such cores) compute in 16-bit.
        """
        half = self.bf16_tflops or self.fp16_tflops
        if precision == "fp8" and self.fp8_tflops:
            return self.fp8_tflops
        if precision == "int8" and self.int8_tops:
            return self.int8_tops
        if half is None:
            raise CatalogError(f"GPU {self.name!r} has no published 16-bit tensor throughput")
        return half

    def supports(self, precision: str) -> bool:
        """Whether ``precision`` can be served (bf16 needs bf16 units; others fall back)."""
        if precision == "bf16":
            return self.bf16_tflops is not None
        return True


@dataclass(frozen=True)
class ModelArch:
    """An open model's shape, from its published config.json."""

    name: str
    aliases: tuple[str, ...]
    hf_repo: str
    family: str
    total_params_b: float  # [1e9 parameters]
    active_params_b: float  # [1e9 parameters]
    num_layers: int
    hidden_size: int
    intermediate_size: float | None
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int
    vocab_size: int
    max_context: int  # [tokens]
    num_experts: int  # 1 for dense models
    experts_per_token: int
    moe_intermediate_size: float | None
    kv_lora_rank: int
    rope_head_dim: int
    license: str
    open_weights: bool
    source: str
    as_of: str
    notes: str

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 1

    @property
    def expert_params(self) -> float:
        """Parameters in routed experts (0 for dense): total - active scaled to all experts.

        ``N_e = (N_total - N_active) * E / (E - k)``: the active count holds k experts, the
        total holds E, so their difference is E - k experts' worth. [parameters]
        """
        if not self.is_moe:
            return 0.0
        e, k = self.num_experts, self.experts_per_token
        return (self.total_params_b - self.active_params_b) * 1e9 * e / (e - k)


@dataclass(frozen=True)
class GPUPrice:
    """One rental quote: a provider's instance in one region and pricing mode, on one date."""

    provider: str
    instance_type: str
    gpu: str
    gpus_per_instance: float | None
    usd_per_gpu_hour: float  # [USD/GPU-hour]
    pricing: str  # on-demand | reserved-1y | reserved-3y | spot
    region: str  # provider's region id; blank for region-free list prices
    as_of: str  # YYYY-MM-DD, YYYY-MM or "undated"
    source: str
    notes: str
    segment: str = ""  # hyperscaler | neocloud | marketplace
    geo: str = ""  # us | eu | uk | other (region-free rows: the provider's main market)


@dataclass(frozen=True)
class TrainingRecord:
    model: str
    params_b: float | None
    training_tokens: float | None  # [tokens]
    gpu_hours: float | None  # [GPU-hours]
    gpu: str
    source: str
    as_of: str
    notes: str


@dataclass(frozen=True)
class Fact:
    key: str
    value: float
    unit: str
    source: str
    as_of: str
    notes: str


def _aliases(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(a.strip() for a in row.get("aliases", "").split(";") if a.strip())


@cache
def gpus() -> tuple[GPU, ...]:
    """All GPUs in the catalog."""
    out = []
    for r in _rows("gpus.csv"):
        out.append(
            GPU(
                name=r["name"],
                aliases=_aliases(r),
                vendor=r.get("vendor", ""),
                memory_gb=float(r["memory_gb"]),
                mem_bandwidth_gbs=float(r["mem_bandwidth_gbs"]),
                bf16_tflops=_num(r["bf16_tflops"]),
                fp16_tflops=_num(r.get("fp16_tflops", "")),
                fp8_tflops=_num(r["fp8_tflops"]),
                int8_tops=_num(r["int8_tops"]),
                tdp_w=_num(r["tdp_w"]),
                interconnect_gbs_per_direction=_num(r.get("interconnect_gbs_per_direction", "")),
                interconnect=r.get("interconnect", ""),
                list_price_usd=_num(r.get("list_price_usd", "")),
                list_price_note=r.get("list_price_note", ""),
                source=r["source"],
                as_of=r["as_of"],
                notes=r.get("notes", ""),
            )
        )
    return tuple(out)


def _int(value: str, default: int = 0) -> int:
    n = _num(value)
    return default if n is None else int(n)


@cache
def models() -> tuple[ModelArch, ...]:
    """All model architectures in the catalog."""
    out = []
    for r in _rows("models.csv"):
        total = float(r["total_params_b"])
        out.append(
            ModelArch(
                name=r["name"],
                aliases=_aliases(r),
                hf_repo=r.get("hf_repo", ""),
                family=r.get("family", ""),
                total_params_b=total,
                active_params_b=_num(r.get("active_params_b", "")) or total,
                num_layers=_int(r["num_layers"]),
                hidden_size=_int(r["hidden_size"]),
                intermediate_size=_num(r.get("intermediate_size", "")),
                num_attention_heads=_int(r["num_attention_heads"]),
                num_kv_heads=_int(r["num_kv_heads"]),
                head_dim=_int(r["head_dim"]),
                vocab_size=_int(r.get("vocab_size", "")),
                max_context=_int(r.get("max_context", "")),
                num_experts=max(_int(r.get("num_experts", ""), 1), 1),
                experts_per_token=max(_int(r.get("experts_per_token", ""), 1), 1),
                moe_intermediate_size=_num(r.get("moe_intermediate_size", "")),
                kv_lora_rank=_int(r.get("kv_lora_rank", "")),
                rope_head_dim=_int(r.get("rope_head_dim", "")),
                license=r.get("license", ""),
                open_weights=_bool(r.get("open_weights", "true")),
                source=r["source"],
                as_of=r["as_of"],
                notes=r.get("notes", ""),
            )
        )
    return tuple(out)


@cache
def _gpu_price_rows() -> tuple[GPUPrice, ...]:
    """The GPU rental quotes in use: those ``llmecon prices update`` wrote to the user's
    cache while that file is intact (``llmecon.prices_cache``), else the shipped
    ``gpu_prices.csv``. Reads files only: runs stay offline."""
    from llmecon import prices_cache

    cached = prices_cache.cached_gpu_rows()
    return gpu_prices_from_rows(_rows("gpu_prices.csv") if cached is None else cached)


def gpu_prices_from_rows(rows: list[dict[str, str]]) -> tuple[GPUPrice, ...]:
    """``GPUPrice`` rows from CSV rows with ``gpu_prices.csv``'s columns (a row with no
    price is left out) [USD/GPU-hour]."""
    out = []
    for r in rows:
        price = _num(r["usd_per_gpu_hour"])
        if price is None:
            continue
        out.append(
            GPUPrice(
                provider=r["provider"],
                instance_type=r["instance_type"],
                gpu=r["gpu"],
                gpus_per_instance=_num(r.get("gpus_per_instance", "")),
                usd_per_gpu_hour=price,
                pricing=r["pricing"],
                region=r.get("region", ""),
                as_of=r["as_of"],
                source=r["source"],
                notes=r.get("notes", ""),
                segment=r.get("segment", "").lower(),
                geo=r.get("geo", "").lower(),
            )
        )
    return tuple(out)


def gpu_prices(
    gpu: str | None = None,
    pricing: str | None = None,
    provider: str | None = None,
    *,
    geo: str | None = None,
    segment: str | None = None,
) -> tuple[GPUPrice, ...]:
    """Rental prices [USD/GPU-hour], filtered by GPU (any alias), pricing mode, provider, geo
    (``us``, ``eu``, ``uk``, ``other``) and market segment (``hyperscaler``, ``neocloud``,
    ``marketplace``); provider, geo and segment match case-insensitively. All rows, any date:
    ``catalog.gpu_quotes.select_quotes`` applies the dated default-price rule."""
    name = resolve_gpu(gpu).name if gpu else None
    return tuple(
        p
        for p in _gpu_price_rows()
        if (name is None or p.gpu == name)
        and (pricing is None or p.pricing == pricing)
        and (provider is None or p.provider.lower() == provider.lower())
        and (geo is None or p.geo == geo.lower())
        and (segment is None or p.segment == segment.lower())
    )


@cache
def training_records() -> tuple[TrainingRecord, ...]:
    """Published training runs (GPU-hours and tokens)."""
    return tuple(
        TrainingRecord(
            model=r["model"],
            params_b=_num(r.get("params_b", "")),
            training_tokens=_num(r.get("training_tokens", "")),
            gpu_hours=_num(r.get("gpu_hours", "")),
            gpu=r.get("gpu", ""),
            source=r["source"],
            as_of=r["as_of"],
            notes=r.get("notes", ""),
        )
        for r in _rows("training_compute.csv")
    )


@cache
def facts() -> dict[str, Fact]:
    """Cited constants keyed by name (``facts.csv``)."""
    out: dict[str, Fact] = {}
    for r in _rows("facts.csv"):
        value = _num(r["value"])
        if value is None:
            continue
        out[r["key"]] = Fact(
            r["key"], value, r.get("unit", ""), r["source"], r["as_of"], r.get("notes", "")
        )
    return out


def fact(key: str) -> Fact:
    """One cited constant; raises ``CatalogError`` if it is not in the catalog."""
    try:
        return facts()[key]
    except KeyError:
        raise CatalogError(f"no fact {key!r} in the catalog") from None


@cache
def _index(kind: str) -> dict[str, Any]:
    rows: tuple[Any, ...] = gpus() if kind == "gpu" else models()
    index: dict[str, Any] = {}
    for row in rows:
        for name in (row.name, *row.aliases, getattr(row, "hf_repo", "")):
            if name:
                index.setdefault(_norm(name), row)
    return index


def _resolve(kind: str, name: str) -> Any:
    index = _index(kind)
    hit = index.get(_norm(name))
    if hit is not None:
        return hit
    rows: tuple[Any, ...] = gpus() if kind == "gpu" else models()
    names = [r.name for r in rows]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
    known = ", ".join(close or names[:8])
    label = "GPU" if kind == "gpu" else "model"
    raise CatalogError(f"unknown {label} {name!r}; {'did you mean' if close else 'known'}: {known}")


def resolve_gpu(name: str) -> GPU:
    """Find a GPU by name or alias (case, spaces and dashes ignored)."""
    gpu: GPU = _resolve("gpu", name)
    return gpu


def resolve_model(name: str) -> ModelArch:
    """Find a model by name, alias or Hugging Face repo id (case, spaces and dashes ignored)."""
    model: ModelArch = _resolve("model", name)
    return model


@dataclass(frozen=True)
class RateLimit:
    """A provider's published rate limits for one usage tier and model."""

    tier_id: str
    provider: str
    model: str
    tier: str
    rpm: float | None  # [requests/min]
    tpm: float | None  # [tokens/min], input + output
    input_tpm: float | None  # [input tokens/min] (Anthropic counts input and output apart)
    output_tpm: float | None  # [output tokens/min]
    rpd: float | None  # [requests/day]
    qualification: str
    source: str
    as_of: str
    notes: str


@cache
def rate_limits() -> tuple[RateLimit, ...]:
    """Published API rate-limit tiers (``rate_limits.csv``)."""
    return tuple(
        RateLimit(
            tier_id=r["tier_id"],
            provider=r["provider"],
            model=r["model"],
            tier=r["tier"],
            rpm=_num(r["rpm"]),
            tpm=_num(r["tpm"]),
            input_tpm=_num(r["input_tpm"]),
            output_tpm=_num(r["output_tpm"]),
            rpd=_num(r["rpd"]),
            qualification=r.get("qualification", ""),
            source=r["source"],
            as_of=r["as_of"],
            notes=r.get("notes", ""),
        )
        for r in _rows("rate_limits.csv")
    )


def rate_limit(tier_id: str, model: str) -> RateLimit:
    """The limits of ``tier_id`` (e.g. ``openai-tier-3``) for an API model id."""
    rows = [r for r in rate_limits() if r.tier_id == tier_id]
    if not rows:
        known = ", ".join(sorted({r.tier_id for r in rate_limits()}))
        raise CatalogError(f"unknown rate-limit tier {tier_id!r}; known: {known}")
    for r in rows:
        if r.model == model:
            return r
    models_ = ", ".join(sorted({r.model for r in rows if r.model}))
    raise CatalogError(f"no published {tier_id} limits for {model!r}; the catalog has: {models_}")
