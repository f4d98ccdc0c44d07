"""The fleet search's results: ranked configurations, each with a complete scenario option,
and the scenario's API and hosted options beside them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.search.space import (
    AUTO,
    CONFIG_FIELDS,
    PRECISIONS,
    PRICE_FIELDS,
    PRICING,
    gpu_name,
)
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]


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

    def ranked(self) -> list[Config | Alternative]:
        """The configurations and the API/hosted options in one list, by the objective
        (infeasible options last; ties keep results first)."""
        both: list[Config | Alternative] = [*self.results, *self.alternatives]
        return sorted(both, key=lambda x: x.score)

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


def sort_key(c: Config) -> tuple[Any, ...]:
    """The ranking: the objective, then a tie-break independent of chunking."""
    return (c.score, c.order)


def front_points(
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


def search_assumptions(precisions_used: Iterable[str]) -> list[str]:
    out = []
    quantised = sorted(set(precisions_used) - {"bf16", "fp16"})
    if quantised:
        out.append(
            f"{', '.join(quantised)} weights keep the option's quality: the catalog has no "
            "sourced quality penalty for quantisation (llmecon judgement; set the option's "
            "quality from your own evaluation of the quantised model)"
        )
    return out


def config_at(
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
    for f in CONFIG_FIELDS:
        d.pop(f, None)
    same_gpu = template.gpu not in (None, AUTO) and gpu_name(scenario, template.gpu) == gpu
    if not same_gpu:
        for f in PRICE_FIELDS:
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
