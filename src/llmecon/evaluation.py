"""``evaluate(scenario)``: price every option, rank them and explain the ranking.

The ``Evaluation`` it returns carries everything the faces render: per-option pillars by
month, totals, NPV, unit costs, feasibility with reasons, assumptions, catalog sources and the
recommendation with its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.analysis import tco
from llmecon.inputs import Inputs
from llmecon.options import OptionCost, price_option
from llmecon.perf import capacity as cap
from llmecon.scenario import Scenario, check_references

F = NDArray[np.float64]
PILLARS = ("development", "deployment", "sustainability")


@dataclass
class OptionResult:
    """One option, priced. Arrays have a leading sample axis when inputs were sampled."""

    name: str
    kind: str
    feasible: bool
    infeasible_reasons: list[str]
    warnings: list[str]
    pillars: dict[str, F]  # (..., months) [USD/month]
    total_usd: F  # [USD]
    npv_usd: F  # [USD]
    per_1k_requests_usd: F  # [USD per 1000 requests]
    per_1m_tokens_usd: F  # [USD per 1M tokens]
    per_successful_task_usd: F | None
    quality: float | None
    assumptions: list[str]
    sources: list[str]
    details: dict[str, Any]

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


@dataclass
class Evaluation:
    scenario: Scenario
    options: list[OptionResult]
    recommendation: Recommendation
    months: int
    requests: F  # (..., months)
    assumptions: list[str] = field(default_factory=list)

    def option(self, name: str) -> OptionResult:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape (see README: JSON output)."""
        from llmecon.report.data import evaluation_to_dict

        return evaluation_to_dict(self)

    # Charts for notebooks: plotly Figures (plotly is imported only when one is drawn).

    def plot_cumulative(self) -> Any:
        """Cumulative undiscounted cost per option by month (plotly Figure)."""
        from llmecon.report.charts import cumulative_figure

        return cumulative_figure(self)

    def plot_pillars(self) -> Any:
        """Stacked development / deployment / sustainability totals per option."""
        from llmecon.report.charts import pillars_figure

        return pillars_figure(self)

    def plot_volume(self, points: int = 160, span: float = 30.0) -> Any:
        """NPV per option against first-month volume (base/span .. base*span, one
        vectorised evaluation) with the break-evens of the top two options marked."""
        from llmecon.report.charts import volume_figure, volume_sweep

        return volume_figure(self, volume_sweep(self, points, span))

    def plot_tornado(self, top: int = 12) -> Any:
        """Tornado of the NPV gap between the two cheapest options (analysis.sensitivity)."""
        from llmecon.report.charts import tornado_data, tornado_figure

        return tornado_figure(self, tornado_data(self, top=top))

    def plot_distributions(self, samples: int = 5_000, seed: int = 0) -> Any:
        """NPV distributions per option from a Monte Carlo over the ``uncertainty:`` section,
        labelled with the probability each option is cheapest."""
        from llmecon.report.charts import distributions_figure, monte_carlo

        return distributions_figure(self, monte_carlo(self.scenario, samples, seed))


def price_all(
    scenario: Scenario, overrides: Mapping[str, ArrayLike] | None = None
) -> tuple[Inputs, list[OptionCost], F]:
    """Price every option (vectorised over any overridden inputs)."""
    check_references(scenario)
    inputs = Inputs(scenario, overrides or {})
    costs = [price_option(inputs, o) for o in scenario.options]
    requests = cap.monthly_requests(
        inputs.get("workload.requests_per_month"),
        inputs.get("workload.monthly_growth"),
        scenario.horizon_months,
    )
    return inputs, costs, requests


def totals(scenario: Scenario, inputs: Inputs, cost: OptionCost) -> tuple[F, F]:
    """(total, NPV) of one priced option [USD]."""
    monthly = cost.monthly
    rate = inputs.get("discount_rate_annual")
    return np.asarray(monthly.sum(axis=-1)), tco.npv(monthly, rate)


def evaluate(scenario: Scenario, overrides: Mapping[str, ArrayLike] | None = None) -> Evaluation:
    """Price, rank and explain every option of ``scenario``."""
    from llmecon.analysis.recommend import recommend

    inputs, costs, requests = price_all(scenario, overrides)
    tokens = (
        requests
        * (inputs.get("workload.input_tokens") + inputs.get("workload.output_tokens"))[..., None]
    )
    results = []
    for cost in costs:
        total, npv = totals(scenario, inputs, cost)
        n_req = requests.sum(axis=-1)
        per_success = None
        if cost.quality is not None:
            per_success = tco.per_unit(total, n_req * cost.quality, 1.0)
        results.append(
            OptionResult(
                name=cost.name,
                kind=cost.kind,
                feasible=bool(np.all(cost.feasible)),
                infeasible_reasons=cost.infeasible_reasons,
                warnings=cost.warnings,
                pillars={
                    "development": cost.development,
                    "deployment": cost.deployment,
                    "sustainability": cost.sustainability,
                },
                total_usd=total,
                npv_usd=npv,
                per_1k_requests_usd=tco.per_unit(total, n_req, 1e3),
                per_1m_tokens_usd=tco.per_unit(total, tokens.sum(axis=-1), 1e6),
                per_successful_task_usd=per_success,
                quality=cost.quality,
                assumptions=inputs.assumptions.get(cost.name, []),
                sources=inputs.sources.get(cost.name, []),
                details=cost.details,
            )
        )
    for r in results:  # a hybrid's legs record assumptions under their own names
        if r.kind == "hybrid":
            for leg in scenario.option(r.name).legs or []:
                r.assumptions = list(dict.fromkeys(r.assumptions + inputs.assumptions.get(leg, [])))
                r.sources = list(dict.fromkeys(r.sources + inputs.sources.get(leg, [])))
    ev = Evaluation(
        scenario,
        results,
        Recommendation(None, "npv", [], [], {}, {}),
        scenario.horizon_months,
        requests,
        inputs.assumptions.get("", []),
    )
    ev.recommendation = recommend(ev)
    return ev
