"""The result types of an evaluation, and their stable JSON shape.

``OptionCost`` is what a pricing function returns for one option; ``OptionResult`` adds the
totals, NPV and unit costs; ``Evaluation`` holds every option, the recommendation and the
scenario. Arrays carry a leading point axis when inputs were overridden by arrays (sweeps,
samples): results are then per point, never averaged silently (``Evaluation.point(k)`` is the
scalar evaluation at point k, ``to_dict`` lists every figure per point).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.scenario import Scenario, split_option_path

F = NDArray[np.float64]
PILLARS = ("development", "deployment", "sustainability")
SCHEMA_VERSION = 1


@dataclass
class OptionCost:
    """One option's monthly cash flows per pillar [USD/month], (..., months)."""

    name: str
    kind: str
    development: F
    deployment: F
    sustainability: F
    feasible: NDArray[np.bool_]
    infeasible_reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    #: task success rate per point (sampled or blended), None when unknown [-]
    quality_samples: F | None = None
    #: weeks until it goes live, per point [weeks]
    deploy_weeks: F = field(default_factory=lambda: np.asarray(0.0))

    @cached_property
    def monthly(self) -> F:
        """All three pillars [USD/month], summed once (the finiteness check, the totals and
        the cash flows all read it)."""
        return np.asarray(self.development + self.deployment + self.sustainability)


@dataclass
class OptionResult:
    """One option, priced. Arrays have a leading point axis when inputs were arrays."""

    name: str
    kind: str
    feasible: bool  # every point feasible
    infeasible_reasons: list[str]
    warnings: list[str]
    pillars: dict[str, F]  # (..., months) [USD/month]
    total_usd: F  # [USD]
    npv_usd: F  # [USD]
    per_1k_requests_usd: F  # [USD per 1000 requests]
    per_1m_tokens_usd: F  # [USD per 1M tokens]
    per_successful_task_usd: F | None
    quality: float | F | None  # [-], per point when swept
    assumptions: list[str]
    sources: list[str]
    details: dict[str, Any]
    feasible_points: NDArray[np.bool_] = field(default_factory=lambda: np.asarray(True))

    @property
    def monthly_usd(self) -> F:
        return np.asarray(sum(self.pillars.values()))


@dataclass
class Recommendation:
    option: str | None
    ranked_by: str
    ranking: list[str]
    reasons: list[str]
    questions: dict[str, str]
    infeasible: dict[str, list[str]]
    #: the top two are within ``CLOSE_CALL`` of each other: the tool's own uncertainty
    #: decides between them (``llmecon.analysis.close_call`` names the deciding assumptions)
    close_call: bool = False
    #: (runner-up, relative gap of its score over the winner's) [-]
    runner_up: tuple[str, float] | None = None


@dataclass
class Evaluation:
    """Every option priced, ranked and explained.

    ``shape`` is () for one scenario, or the shape of the overriding arrays; then every array
    has that leading shape, ``swept`` maps each overridden path to its values, and
    ``recommendations`` holds one recommendation per point (``recommendation`` is then a
    placeholder that says so).
    """

    scenario: Scenario
    options: list[OptionResult]
    recommendation: Recommendation
    months: int
    requests: F  # (..., months)
    assumptions: list[str] = field(default_factory=list)
    swept: dict[str, F] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    #: ranks one scalar evaluation (set by ``evaluate``; used by ``point``)
    recommender: Callable[[Evaluation], Recommendation] | None = field(default=None, repr=False)
    _recommendations: list[Recommendation] | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.requests)[:-1])

    @property
    def points(self) -> int:
        """Number of points (1 for a scalar evaluation)."""
        return int(np.prod(self.shape)) if self.shape else 1

    def option(self, name: str) -> OptionResult:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)

    def point(self, k: int) -> Evaluation:
        """The scalar evaluation at flat point ``k`` (its scenario carries the swept values),
        with its own recommendation."""
        if not self.shape:
            return self
        index = np.unravel_index(k, self.shape)
        options = [_option_at(o, index, self.shape) for o in self.options]
        ev = Evaluation(
            scenario=_scenario_at(
                self.scenario, {p: float(v[index]) for p, v in self.swept.items()}
            ),
            options=options,
            recommendation=self.recommendation,
            months=self.months,
            requests=np.asarray(self.requests[index]),
            assumptions=self.assumptions,
            origins=self.origins,
            recommender=self.recommender,
        )
        if self.recommender is not None:
            ev.recommendation = self.recommender(ev)
        return ev

    @property
    def recommendations(self) -> list[Recommendation]:
        """One recommendation per point, in flat (C) order."""
        if not self.shape:
            return [self.recommendation]
        if self._recommendations is None:
            self._recommendations = [self.point(k).recommendation for k in range(self.points)]
        return self._recommendations

    def to_dict(self, summary: str | None = None) -> dict[str, Any]:
        """The stable JSON shape (README: JSON output). With array overrides every number is
        a list in point order and ``recommendation`` is a list per point; ``summary="mean"``
        adds a labelled mean over the points."""
        return evaluation_to_dict(self, summary)


def _at(x: Any, index: tuple[Any, ...], shape: tuple[int, ...]) -> Any:
    """``x`` at one point when it carries the point axes, else ``x``."""
    if isinstance(x, np.ndarray) and x.shape[: len(shape)] == shape and x.ndim >= len(shape):
        v = x[index]
        return float(v) if np.ndim(v) == 0 and v.dtype.kind == "f" else v
    if isinstance(x, dict):
        return {k: _at(v, index, shape) for k, v in x.items()}
    return x


def _option_at(o: OptionResult, index: tuple[Any, ...], shape: tuple[int, ...]) -> OptionResult:
    ok = np.broadcast_to(o.feasible_points, shape)[index]
    reasons = o.infeasible_reasons if not bool(ok) else []
    return replace(
        o,
        feasible=bool(ok),
        feasible_points=np.asarray(bool(ok)),
        infeasible_reasons=reasons,
        pillars={
            k: np.asarray(np.broadcast_to(v, (*shape, v.shape[-1]))[index])
            for k, v in o.pillars.items()
        },
        total_usd=np.asarray(np.broadcast_to(o.total_usd, shape)[index]),
        npv_usd=np.asarray(np.broadcast_to(o.npv_usd, shape)[index]),
        per_1k_requests_usd=np.asarray(np.broadcast_to(o.per_1k_requests_usd, shape)[index]),
        per_1m_tokens_usd=np.asarray(np.broadcast_to(o.per_1m_tokens_usd, shape)[index]),
        per_successful_task_usd=None
        if o.per_successful_task_usd is None
        else np.asarray(np.broadcast_to(o.per_successful_task_usd, shape)[index]),
        quality=None if o.quality is None else float(np.broadcast_to(o.quality, shape)[index]),
        details=_at(o.details, index, shape),
    )


def _locate(data: dict[str, Any], path: str, create: bool = False) -> tuple[Any, str] | None:
    """(container, key) of a dotted ``path`` in a dumped scenario (option names may hold dots:
    the longest that matches wins); None when the path names no scenario field (a catalog
    value, a missing section unless ``create``)."""
    node: Any = data
    parts = path.split(".")
    if parts[0] == "options":
        names = {o["name"]: o for o in data.get("options", [])}
        split = split_option_path(path, names)
        if split is None:
            return None
        node, parts = names[split[0]], split[1].split(".")
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif create:
            node = node.setdefault(part, {})
        else:
            node = node.get(part)
        if node is None:
            return None
    last = parts[-1]
    if isinstance(node, list) and not (last.isdigit() and int(last) < len(node)):
        return None
    return node, last


def _scenario_at(s: Scenario, values: dict[str, float]) -> Scenario:
    """``s`` with the scenario fields among ``values`` set (catalog-only paths are skipped)."""
    if not values:
        return s
    data = s.model_dump(mode="python")
    for path, value in values.items():
        spot = _locate(data, path)
        if spot is not None and (isinstance(spot[0], list) or spot[1] in spot[0]):
            node, last = spot
            node[int(last) if isinstance(node, list) else last] = value
    return Scenario.model_validate(data)


# --------------------------------------------------------------------------- JSON shape


def _finite(v: float) -> float | None:
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def _num(x: Any) -> float | list[Any] | None:
    """A number, or a list per point (None for NaN and infinities: valid JSON)."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return _finite(float(a))
    return [_num(v) for v in a]


def clean(obj: Any) -> Any:
    """``obj`` as JSON-ready values: arrays as lists, NaN and infinities as None, keys that
    start with ``_`` dropped."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, float | np.floating):
        return _finite(float(obj))
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    return obj


def _recommendation_dict(r: Recommendation) -> dict[str, Any]:
    return {
        "option": r.option,
        "ranked_by": r.ranked_by,
        "ranking": r.ranking,
        "reasons": r.reasons,
        "questions": r.questions,
        "infeasible": r.infeasible,
        "close_call": r.close_call,
    }


def _swept_scenario(ev: Evaluation) -> dict[str, Any]:
    """The scenario, with each swept path's value replaced by its list of values."""
    data = ev.scenario.model_dump(mode="json", exclude_none=True)
    for path, values in ev.swept.items():
        spot = _locate(data, path, create=True)
        if spot is not None:
            node, last = spot
            node[int(last) if isinstance(node, list) else last] = clean(
                np.asarray(values, dtype=float).reshape(-1)
            )
    return data


def evaluation_to_dict(ev: Evaluation, summary: str | None = None) -> dict[str, Any]:
    shape = ev.shape
    options = []
    for o in ev.options:
        pillars = {
            name: {
                "total_usd": _num(v.sum(axis=-1)),
                "monthly_usd": [
                    [round(float(x), 2) for x in row] for row in np.reshape(v, (-1, ev.months))
                ]
                if shape
                else [round(float(x), 2) for x in v],
            }
            for name, v in o.pillars.items()
        }
        feasible: Any = o.feasible
        if shape:
            feasible = np.broadcast_to(o.feasible_points, shape).reshape(-1).tolist()
        options.append(
            {
                "name": o.name,
                "kind": o.kind,
                "feasible": feasible,
                "infeasible_reasons": o.infeasible_reasons,
                "warnings": o.warnings,
                "total_usd": _num(o.total_usd),
                "npv_usd": _num(o.npv_usd),
                "per_1k_requests_usd": _num(o.per_1k_requests_usd),
                "per_1m_tokens_usd": _num(o.per_1m_tokens_usd),
                "per_successful_task_usd": None
                if o.per_successful_task_usd is None
                else _num(o.per_successful_task_usd),
                "quality": None if o.quality is None else _num(o.quality),
                "pillars": pillars,
                "assumptions": o.assumptions,
                "sources": o.sources,
                "details": clean(o.details),
            }
        )
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario": _swept_scenario(ev),
        "options": options,
        "recommendation": [_recommendation_dict(r) for r in ev.recommendations]
        if shape
        else _recommendation_dict(ev.recommendation),
        "assumptions": ev.assumptions,
    }
    if shape:
        out["points"] = ev.points
        out["swept"] = {
            p: clean(np.asarray(v, dtype=float).reshape(-1)) for p, v in ev.swept.items()
        }
    if summary is not None:
        if summary != "mean":
            raise ValueError(f"summary: unknown statistic {summary!r}; use 'mean'")
        out["summary"] = {
            "statistic": f"mean over {ev.points} point(s)",
            "options": {
                o.name: {
                    "total_usd": _finite(float(np.mean(o.total_usd))),
                    "npv_usd": _finite(float(np.mean(o.npv_usd))),
                }
                for o in ev.options
            },
        }
    return out
