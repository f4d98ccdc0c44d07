"""Chart data and plotly figures of an evaluation.

Two layers, so that every face draws the same numbers:

* data: ``cumulative_series``, ``pillar_totals``, ``volume_sweep`` (one vectorised
  ``evaluate`` call over monthly volume, with the break-even crossings of the top two
  options), ``tornado_data`` (from ``analysis.sensitivity``) and ``monte_carlo`` (the NPV
  samples behind ``analysis.uncertainty.simulate``);
* figures: ``cumulative_figure``, ``pillars_figure``, ``volume_figure``, ``tornado_figure``,
  ``distributions_figure`` return plotly figures as plain data (``FigureSpec``), which
  ``report.plots`` wraps in ``plotly.graph_objects.Figure`` and the HTML report hands to
  plotly.js (``figure_json``); neither the engine nor the report imports plotly.

The HTML report embeds these figures; the Markdown report draws the same data as SVG
(``llmecon.report.svg``).
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from llmecon.analysis import tco
from llmecon.analysis._common import fmt_value, price_samples
from llmecon.analysis.breakeven import breakeven
from llmecon.analysis.sensitivity import sensitivity
from llmecon.analysis.uncertainty import simulate
from llmecon.engine import evaluate
from llmecon.errors import ScenarioError
from llmecon.fmt import PLOTLY_MONEY_TICKFORMAT, money_compact, plotly_money, si

if TYPE_CHECKING:
    from llmecon.analysis.breakeven import BreakEven
    from llmecon.analysis.sensitivity import Sensitivity, Tornado
    from llmecon.analysis.uncertainty import Simulation
    from llmecon.engine.results import Evaluation
    from llmecon.engine.search import SearchResult
    from llmecon.scenario import Scenario

F = NDArray[np.float64]
VOLUME = "workload.requests_per_month"
PILLARS = ("development", "deployment", "sustainability")
PILLAR_COLORS = {"development": "#4C78A8", "deployment": "#F58518", "sustainability": "#54A24B"}
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
#: Default span of the volume chart: base / SPAN .. base * SPAN. [-]
VOLUME_SPAN = 30.0
#: Default grid size of the volume chart. [-]
VOLUME_POINTS = 160
#: Default Monte Carlo samples and seed of the report. [-]
MC_SAMPLES = 5_000
MC_SEED = 0
#: Rows of the tornado chart. [-]
TORNADO_ROWS = 12


def colors(ev: Evaluation) -> dict[str, str]:
    """One color per option, in scenario order, shared by every chart."""
    return {o.name: PALETTE[i % len(PALETTE)] for i, o in enumerate(ev.options)}


def _mean_months(x: Any, months: int) -> F:
    return np.asarray(np.mean(np.reshape(np.asarray(x, dtype=float), (-1, months)), axis=0))


def short_usd(x: float) -> str:
    """``$1.23M``, ``$350k``, ``$12``, ``−$1.2M`` (``llmecon.fmt.money_compact``)."""
    return money_compact(x)


def short_num(x: float) -> str:
    """``3.1M``, ``350k``, ``12`` (``llmecon.fmt.si``)."""
    return si(x)


# --------------------------------------------------------------------------- data


def cumulative_series(ev: Evaluation) -> dict[str, F]:
    """Option name -> cumulative undiscounted cost at the end of each month [USD]."""
    return {o.name: tco.cumulative(_mean_months(o.monthly_usd, ev.months)) for o in ev.options}


def pillar_totals(ev: Evaluation) -> dict[str, dict[str, float]]:
    """Option name -> pillar -> total over the horizon [USD]."""
    return {
        o.name: {p: float(np.mean(np.asarray(o.pillars[p]).sum(axis=-1))) for p in PILLARS}
        for o in ev.options
    }


@dataclass
class VolumeSweep:
    """NPV of every option against first-month volume, with break-even points.

    ``x``: first-month volumes [requests/month]; ``npv``: option -> NPV at each x [USD];
    ``feasible``: option -> feasible at the base case; ``feasible_at``: option -> feasible at
    each x (a rate limit or SLO can rule an option out over part of the range); ``pair``: the
    top two options of the
    recommendation; ``breakevens``: NPV break-evens on volume of the recommended option
    against every other ranked option, top two first; ``crossings``: (volume, NPV there,
    cheaper below, cheaper above) of all of them, by volume.
    """

    x: F
    npv: dict[str, F]
    feasible: dict[str, bool]
    base: float
    months: int
    pair: tuple[str, str] | None
    breakevens: list[BreakEven]
    crossings: list[tuple[float, float, str, str]]
    feasible_at: dict[str, NDArray[np.bool_]]


def feasible_stretches(y: F, ok: NDArray[np.bool_]) -> tuple[F, F]:
    """``y`` split for drawing: (feasible points, infeasible points), NaN elsewhere. The
    infeasible stretches take one neighbour on each side, so the two lines join."""
    bad = ~np.asarray(ok, dtype=bool)
    near = bad.copy()
    near[1:] |= bad[:-1]
    near[:-1] |= bad[1:]
    y = np.asarray(y, dtype=float)
    return np.where(bad, np.nan, y), np.where(near, y, np.nan)


def volume_sweep(
    ev: Evaluation, points: int = VOLUME_POINTS, span: float = VOLUME_SPAN
) -> VolumeSweep:
    """Sweep ``workload.requests_per_month`` over base/span .. base*span (log-spaced) in ONE
    vectorised ``evaluate`` call, and find where the recommended option breaks even by NPV
    with the runner-up and every other ranked option (``analysis.breakeven``)."""

    s = ev.scenario
    base = float(s.workload.requests_per_month)
    lo, hi = (base / span, base * span) if base > 0 else (1e3, 1e8)
    x = np.geomspace(lo, hi, points)
    sweep = price_samples(s, {VOLUME: x}, n=x.size)
    npv = {n: np.asarray(sweep.npv[i], dtype=float) for i, n in enumerate(sweep.names)}
    feasible_at = {n: np.asarray(sweep.feasible[i], dtype=bool) for i, n in enumerate(sweep.names)}
    feasible = {o.name: o.feasible for o in ev.options}
    ranking = ev.recommendation.ranking
    pair = (ranking[0], ranking[1]) if len(ranking) >= 2 else None
    found: list[BreakEven] = []
    for other in ranking[1:]:
        try:
            found.append(
                breakeven(
                    s,
                    ranking[0],
                    other,
                    on=VOLUME,
                    metric="npv",
                    low=lo,
                    high=hi,
                    points=points,
                    log=True,
                    grid=sweep,
                )
            )
        except ScenarioError:
            continue
    cross = sorted(((c, be) for be in found for c in be.crossings), key=lambda t: t[0].value)
    crossings: list[tuple[float, float, str, str]] = []
    if cross:
        at = evaluate(s, {VOLUME: np.array([c.value for c, _ in cross])})
        y = np.broadcast_to(np.asarray(at.option(ranking[0]).npv_usd), (len(cross),))
        crossings = [
            (c.value, float(v), c.cheaper_below, c.cheaper_above)
            for (c, _), v in zip(cross, y, strict=True)
        ]
    return VolumeSweep(x, npv, feasible, base, ev.months, pair, found, crossings, feasible_at)


@dataclass
class TornadoData:
    """Rows of a tornado chart, largest swing first.

    ``output``: what is measured (an option's NPV or the NPV gap A - B) [USD]; ``base``: its
    base value; rows: (label, parameter value at low, at high, output at low, at high, flips).
    """

    title: str
    output: str
    base: float
    labels: list[str]
    low_values: list[float]
    high_values: list[float]
    at_low: list[float]
    at_high: list[float]
    flips: list[bool]


def tornado_data(
    ev: Evaluation, sens: Sensitivity | None = None, top: int = TORNADO_ROWS
) -> TornadoData | None:
    """The tornado of the NPV gap between the two cheapest options (or, with one option,
    of its NPV), from ``analysis.sensitivity``."""

    if sens is None:
        sens = sensitivity(ev.scenario, ev=ev)
    tor: Tornado | None = sens.difference
    title = (
        f"What moves the NPV gap {sens.option_a} − {sens.option_b} (below 0: {sens.option_a} is cheaper)"
        if tor is not None
        else ""
    )
    if tor is None or not tor.swings:
        name = ev.recommendation.option or (ev.options[0].name if ev.options else None)
        if name is None or name not in sens.options:
            return None
        tor = sens.options[name]
        title = f"What moves the NPV of {name}"
    rows = tor.swings[:top]
    if not rows:
        return None
    return TornadoData(
        title=title,
        output=tor.output,
        base=tor.base_usd,
        labels=[
            f"{r.parameter} ({fmt_value(r.parameter, r.low)} – {fmt_value(r.parameter, r.high)})"
            for r in rows
        ],
        low_values=[r.low for r in rows],
        high_values=[r.high for r in rows],
        at_low=[r.at_low_usd for r in rows],
        at_high=[r.at_high_usd for r in rows],
        flips=[r.flips for r in rows],
    )


@dataclass
class MonteCarlo:
    """NPV samples per option (the same draws as ``simulate`` with this seed) and the
    simulation's summary. ``npv``: (options, N) [USD]; ``feasible``: (options, N)."""

    simulation: Simulation
    names: list[str]
    npv: F
    feasible: NDArray[np.bool_]


def monte_carlo(
    scenario: Scenario, samples: int = MC_SAMPLES, seed: int = MC_SEED
) -> MonteCarlo | None:
    """Monte Carlo over the scenario's ``uncertainty:`` section; None without one."""

    if not scenario.uncertainty:
        return None
    sim = simulate(scenario, samples, seed, keep_samples=True)
    assert sim.draws is not None
    return MonteCarlo(sim, sim.draws.names, sim.draws.npv, sim.draws.feasible)


# --------------------------------------------------------------------------- plotly figures

#: A plotly figure as plain data: ``{"data": [trace, ...], "layout": {...}}``, arrays as numpy
#: arrays. ``plots`` wraps it in ``plotly.graph_objects.Figure`` for notebooks; the HTML
#: report hands it to plotly.js as JSON (``figure_json``), without importing plotly, whose
#: figure objects cost about half a second per report (validators and template copies).
FigureSpec = dict[str, Any]

_LAYOUT: dict[str, Any] = {
    "height": 440,
    "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
    "legend": {"orientation": "h", "y": -0.18},
    "font": {"family": "Helvetica, Arial, sans-serif", "size": 12},
}


def plotly_package_data(name: str) -> Path | None:
    """A file of plotly's package data (``plotly.min.js``, ``templates/...``), found without
    importing plotly; None when plotly is not installed."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "package_data" / name


@cache
def _template_json() -> str:
    """plotly's ``plotly_white`` template, read from plotly's package data (not imported)."""
    path = plotly_package_data("templates/plotly_white.json")
    try:
        return "{}" if path is None else path.read_text(encoding="utf-8")
    except OSError:
        return "{}"


def plotly_template() -> dict[str, Any]:
    """A fresh copy of the ``plotly_white`` template (``{}`` when plotly ships none)."""
    out: dict[str, Any] = json.loads(_template_json())
    return out


def _fig(title: str) -> FigureSpec:
    return {
        "data": [],
        "layout": {
            **copy.deepcopy(_LAYOUT),
            "template": plotly_template(),
            "title": {"text": title, "x": 0.01},
            "xaxis": {},
            "yaxis": {},
        },
    }


def _title(axis: dict[str, Any], text: str) -> None:
    axis["title"] = {"text": text}


def _vline(fig: FigureSpec, x: float, line: dict[str, Any], text: str | None = None) -> None:
    """A vertical line across the plot at data ``x`` (as ``Figure.add_vline``), labelled at
    its top left. Annotations on a log axis take log10 of the position (plotly.js)."""
    layout = fig["layout"]
    layout.setdefault("shapes", []).append(
        {
            "type": "line",
            "xref": "x",
            "yref": "y domain",
            "x0": x,
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": line,
        }
    )
    if text is not None:
        log = layout["xaxis"].get("type") == "log"
        layout.setdefault("annotations", []).append(
            {
                "text": text,
                "showarrow": False,
                "xref": "x",
                "yref": "y domain",
                "x": math.log10(x) if log and x > 0 else x,
                "y": 1,
                "xanchor": "right",
                "yanchor": "top",
            }
        )


def _label(name: str, feasible: bool) -> str:
    return name if feasible else f"{name} (infeasible)"


def cumulative_figure(ev: Evaluation) -> FigureSpec:
    """Cumulative cost per option by month."""
    c = colors(ev)
    fig = _fig(f"Cumulative cost over {ev.months} months (undiscounted)")
    months = np.arange(1, ev.months + 1)
    for o in ev.options:
        fig["data"].append(
            {
                "type": "scatter",
                "x": months,
                "y": np.asarray(cumulative_series(ev)[o.name], dtype=float),
                "name": _label(o.name, o.feasible),
                "mode": "lines",
                "line": {
                    "color": c[o.name],
                    "dash": "solid" if o.feasible else "dot",
                    "width": 2.5,
                },
                "hovertemplate": "%{fullData.name}<br>month %{x}: "
                + plotly_money()
                + "<extra></extra>",
            }
        )
    _title(fig["layout"]["xaxis"], "month")
    _title(fig["layout"]["yaxis"], "cumulative cost [USD]")
    fig["layout"]["yaxis"]["tickformat"] = PLOTLY_MONEY_TICKFORMAT
    return fig


def pillars_figure(ev: Evaluation) -> FigureSpec:
    """Stacked pillar totals per option."""
    data = pillar_totals(ev)
    names = [_label(o.name, o.feasible) for o in ev.options]
    fig = _fig(f"Cost by pillar over {ev.months} months")
    for p in PILLARS:
        fig["data"].append(
            {
                "type": "bar",
                "x": names,
                "y": [data[o.name][p] for o in ev.options],
                "name": p,
                "marker": {"color": PILLAR_COLORS[p]},
                "hovertemplate": "%{x}<br>" + p + ": " + plotly_money() + "<extra></extra>",
            }
        )
    fig["layout"]["barmode"] = "stack"
    _title(fig["layout"]["yaxis"], "total over the horizon [USD]")
    fig["layout"]["yaxis"]["tickformat"] = PLOTLY_MONEY_TICKFORMAT
    return fig


def volume_figure(ev: Evaluation, sweep: VolumeSweep | None = None) -> FigureSpec:
    """NPV of every option against first-month volume; break-evens of the top two marked."""
    sw = sweep or volume_sweep(ev)
    c = colors(ev)
    fig = _fig(f"NPV over {sw.months} months against monthly volume")
    layout = fig["layout"]
    layout["xaxis"].update(type="log")
    layout["yaxis"].update(type="log", tickformat=PLOTLY_MONEY_TICKFORMAT)
    _title(layout["xaxis"], "requests in month 1 [requests/month]")
    _title(layout["yaxis"], "NPV [USD] (log scale)")
    for name, y in sw.npv.items():
        ok = sw.feasible_at[name]
        y_ok, y_bad = feasible_stretches(y, ok)
        for part, feasible in ((y_ok, True), (y_bad, False)):
            if not np.isfinite(part).any():
                continue
            fig["data"].append(
                {
                    "type": "scatter",
                    "x": np.asarray(sw.x, dtype=float),
                    # gaps (NaN) break the line where the other stretch is drawn
                    "y": np.asarray(part, dtype=float),
                    "name": _label(name, feasible),
                    "legendgroup": name,
                    "mode": "lines",
                    "line": {
                        "color": c[name],
                        "dash": "solid" if feasible else "dot",
                        "width": 2.5,
                    },
                    "hovertemplate": "%{fullData.name}<br>%{x:,.3s} requests/month: "
                    + plotly_money()
                    + "<extra></extra>",
                }
            )
    if sw.crossings:
        fig["data"].append(
            {
                "type": "scatter",
                "x": [cx[0] for cx in sw.crossings],
                "y": [cx[1] for cx in sw.crossings],
                "name": "break-even",
                "mode": "markers+text",
                "marker": {"symbol": "diamond", "size": 13, "color": "black"},
                "text": [f"{short_num(cx[0])}/month" for cx in sw.crossings],
                "textposition": "top center",
                "customdata": [f"{cx[2]} below, {cx[3]} above" for cx in sw.crossings],
                "hovertemplate": "break-even at %{x:,.3s} requests/month:<br>%{customdata}"
                "<extra></extra>",
            }
        )
    _vline(fig, sw.base, {"color": "#888", "dash": "dash"}, "scenario")
    return fig


def tornado_figure(ev: Evaluation, data: TornadoData | None = None) -> FigureSpec:
    """Horizontal bars: the output at each parameter's low and high value, around its base."""
    t = data or tornado_data(ev)
    if t is None:
        return _fig("Sensitivity: no parameter to swing")
    fig = _fig(t.title)
    labels = list(reversed(t.labels))
    lo = list(reversed(t.at_low))
    hi = list(reversed(t.at_high))
    for end, values, color in (("low", lo, "#4C78A8"), ("high", hi, "#E45756")):
        fig["data"].append(
            {
                "type": "bar",
                "y": labels,
                "x": [v - t.base for v in values],
                "base": t.base,
                "orientation": "h",
                "name": f"parameter at {end}",
                "marker": {"color": color},
                "hovertemplate": f"%{{y}}<br>at {end}: {plotly_money('x')} from base"
                "<extra></extra>",
            }
        )
    _vline(fig, t.base, {"color": "#333", "width": 1})
    if t.base * min(*lo, *hi, t.base) <= 0 or t.base * max(*lo, *hi, t.base) <= 0:
        _vline(fig, 0, {"color": "#999", "dash": "dot"})
    layout = fig["layout"]
    layout.update(
        barmode="overlay",
        height=max(360, 120 + 32 * len(labels)),
        margin={"l": 20, "r": 30, "t": 60, "b": 60},
    )
    _title(layout["xaxis"], f"{t.output} [USD]")
    layout["xaxis"]["tickformat"] = PLOTLY_MONEY_TICKFORMAT
    layout["yaxis"]["automargin"] = True
    return fig


def distributions_figure(ev: Evaluation, mc: MonteCarlo | None = None) -> FigureSpec:
    """Violin plots of NPV per option over the Monte Carlo samples, with P(cheapest)."""
    m = mc if mc is not None else monte_carlo(ev.scenario)
    if m is None:
        return _fig("Monte Carlo: the scenario has no uncertainty section")
    c = colors(ev)
    sim = m.simulation
    fig = _fig(f"NPV distribution, {sim.samples:,} Monte Carlo samples (seed {sim.seed})")
    for i, name in enumerate(m.names):
        if not m.feasible[i].any():
            continue
        st = sim.option(name)
        fig["data"].append(
            {
                "type": "violin",
                "y": m.npv[i][m.feasible[i]].astype(np.float32),
                "name": f"{name}<br>P(cheapest) {st.p_cheapest:.0%}",
                "line": {"color": c.get(name, "#333")},
                "box": {"visible": True},
                "meanline": {"visible": True},
                "points": False,
                "spanmode": "hard",
            }
        )
    fig["layout"]["showlegend"] = False
    _title(fig["layout"]["yaxis"], "NPV [USD]")
    fig["layout"]["yaxis"]["tickformat"] = PLOTLY_MONEY_TICKFORMAT
    return fig


def _jsonable(obj: Any) -> Any:
    """Numpy arrays as plotly.js typed arrays (base64, ``{"dtype", "bdata"}``; finite ones
    only: NaN gaps go as a list with nulls), numpy scalars as numbers."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fiu" and obj.ndim == 1:
            if obj.dtype.kind == "f" and not np.isfinite(obj).all():
                return [float(v) if math.isfinite(v) else None for v in obj.tolist()]
            dtype = {"f": "f8", "i": "i4", "u": "u4"}[obj.dtype.kind]
            if obj.dtype == np.float32:
                dtype = "f4"
            raw = np.ascontiguousarray(obj, dtype="<" + dtype).tobytes()
            return {"dtype": dtype, "bdata": base64.b64encode(raw).decode("ascii")}
        return _jsonable(obj.tolist())
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def figure_json(fig: FigureSpec) -> str:
    """The figure as JSON for ``Plotly.newPlot``, safe inside an HTML ``<script>``."""
    text = json.dumps(_jsonable(fig), separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def pareto_front(points: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The configurations no other beats on both cost and latency, by latency: each is
    cheaper than every faster one. points: (score [USD], latency [ms], label)."""
    front: list[tuple[float, float, str]] = []
    best = math.inf
    for p in sorted(points, key=lambda p: (p[1], p[0])):
        if p[0] < best:
            front.append(p)
            best = p[0]
    return front


def pareto_figure(result: SearchResult, objective: str = "NPV") -> FigureSpec:
    """Cost against p95 TTFT of every feasible configuration of a fleet search, with the
    Pareto front (the cheapest at each latency) as a line."""
    pts = result.frontier  # built from the arrays on each access: once here
    fig = _fig(f"Cost against latency: {len(pts):,} feasible configurations")
    if pts:
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "configuration",
                "x": [p[1] for p in pts],
                "y": [p[0] for p in pts],
                "text": [p[2] for p in pts],
                "marker": {"color": "#9ecae9", "size": 5},
                "hovertemplate": f"%{{text}}<br>{plotly_money('y')}<br>%{{x:.0f}} ms"
                "<extra></extra>",
            }
        )
        front = pareto_front(pts)
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Pareto front",
                "x": [p[1] for p in front],
                "y": [p[0] for p in front],
                "text": [p[2] for p in front],
                "line": {"color": "#E45756", "shape": "hv"},
                "marker": {"symbol": "diamond", "size": 8},
                "hovertemplate": f"%{{text}}<br>{plotly_money('y')}<br>%{{x:.0f}} ms"
                "<extra></extra>",
            }
        )
    layout = fig["layout"]
    _title(layout["xaxis"], "TTFT at p95 (or the scenario's percentile) [ms]")
    _title(layout["yaxis"], f"{objective} [USD]")
    layout["yaxis"]["tickformat"] = PLOTLY_MONEY_TICKFORMAT
    layout["xaxis"]["type"] = "log"
    return fig
