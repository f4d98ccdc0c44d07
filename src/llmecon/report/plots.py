"""Charts of an evaluation for notebooks: each function returns a plotly Figure.

    from llmecon import evaluate, load_scenario
    from llmecon.report import plots
    ev = evaluate(load_scenario("examples/support_bot.yaml"))
    plots.cumulative(ev).show()

The same figures are embedded in the HTML report (``llmecon.report.render``).
"""

from __future__ import annotations

from typing import Any

from llmecon.engine.results import Evaluation
from llmecon.report import charts


def _figure(spec: charts.FigureSpec) -> Any:
    import plotly.graph_objects as go

    return go.Figure(spec)


def cumulative(ev: Evaluation) -> Any:
    """Cumulative undiscounted cost per option by month."""
    return _figure(charts.cumulative_figure(ev))


def pillars(ev: Evaluation) -> Any:
    """Stacked development / deployment / sustainability totals per option."""
    return _figure(charts.pillars_figure(ev))


def volume(
    ev: Evaluation, points: int = charts.VOLUME_POINTS, span: float = charts.VOLUME_SPAN
) -> Any:
    """NPV per option against first-month volume (base/span .. base*span, one vectorised
    evaluation) with the break-evens of the top two options marked."""
    return _figure(charts.volume_figure(ev, charts.volume_sweep(ev, points, span)))


def tornado(ev: Evaluation, top: int = charts.TORNADO_ROWS) -> Any:
    """Tornado of the NPV gap between the two cheapest options (analysis.sensitivity)."""
    return _figure(charts.tornado_figure(ev, charts.tornado_data(ev, top=top)))


def distributions(
    ev: Evaluation, samples: int = charts.MC_SAMPLES, seed: int = charts.MC_SEED
) -> Any:
    """NPV distributions per option from a Monte Carlo over the ``uncertainty:`` section,
    labelled with the probability each option is cheapest."""
    return _figure(charts.distributions_figure(ev, charts.monte_carlo(ev.scenario, samples, seed)))


def pareto(ev: Evaluation, top: int = 10) -> Any:
    """Cost against p95 TTFT of every configuration the fleet search finds feasible for the
    scenario's self-hosted models (``analysis.search``), with the Pareto front."""
    from llmecon.analysis.search import search

    result = search(ev.scenario, top=top, verify=False, alternatives=False)
    objective = "NPV per success" if result.objective != "npv" else "NPV"
    return _figure(charts.pareto_figure(result, objective))
