"""Break-even between two options: where their costs are equal, found on a vectorised grid.

* ``breakeven(scenario, a, b, on=PATH)`` -- the values of any numeric parameter (monthly
  volume, GPU $/h, API price, growth, escalation share ...) where option A's cost equals B's.
  The cost is the horizon NPV (``metric="npv"``), the undiscounted horizon total
  (``"total"``) or the monthly run-rate (``"run_rate"``: month-0 deployment plus the mean
  monthly sustainability over the horizon, i.e. without one-off development) [USD].
* ``crossover_month(scenario, a, b)`` -- the months in which the cumulative costs cross.

Method: the parameter is swept over ``points`` grid values (log-spaced for positive
volumes, prices and counts; linear for shares, growth and trends) in ONE engine call through
``Inputs`` overrides; the difference ``cost_A - cost_B`` is scanned for sign changes and each
bracket is narrowed by k-section (all brackets at once, ``refine_points`` values per bracket
per call) until it is narrower than ``rtol`` relative. Stepped costs (whole replicas) give
several crossings; all are reported, with the cheaper option on every interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.analysis._common import (
    F,
    Priced,
    base_inputs,
    check_option,
    fmt_value,
    is_share,
    is_signed,
    json_safe,
    price_samples,
    unknown_path_line,
)
from llmecon.engine import evaluate
from llmecon.errors import ScenarioError
from llmecon.scenario import Scenario

Metric = Literal["npv", "total", "run_rate"]
METRICS: tuple[str, ...] = ("npv", "total", "run_rate")
VOLUME = "workload.requests_per_month"
#: Default sweep span for log-scaled parameters: base / SPAN .. base * SPAN. [-]
LOG_SPAN = 100.0
#: Linear ranges for known signed parameters.
_LINEAR_RANGES: dict[str, tuple[float, float]] = {
    "monthly_growth": (-0.2, 0.5),
    "price_change_per_year": (-0.9, 1.0),
    "discount_rate_annual": (0.0, 0.5),
}
_METRIC_TEXT = {"npv": "NPV", "total": "total cost", "run_rate": "monthly run-rate"}


@dataclass(frozen=True)
class Crossing:
    """One parameter value where cost_A - cost_B changes sign.

    ``value`` is the refined crossing [parameter unit]; ``cheaper_below`` / ``cheaper_above``
    name the cheaper option just below and just above it; ``jump`` is True where the
    difference jumps across zero (a step, e.g. one more replica) rather than passing through;
    ``feasibility_edge`` is True where the "cheaper" side is decided because the other option
    is infeasible there (an infeasible option never counts as cheaper).
    """

    value: float
    cheaper_below: str
    cheaper_above: str
    jump: bool = False
    #: the crossing is where one option stops (or starts) being feasible
    feasibility_edge: bool = False


@dataclass(frozen=True)
class Interval:
    """A range of the parameter on which one option is cheaper. [parameter unit]"""

    low: float
    high: float
    cheaper: str


@dataclass
class BreakEven:
    """Where two options cost the same along one parameter.

    Attributes
    ----------
    parameter : dotted path swept.
    metric : 'npv' | 'total' | 'run_rate'.
    option_a, option_b : the two options compared.
    low, high : searched range [parameter unit]; ``scale`` 'log' or 'linear'.
    base_value : the scenario's value of the parameter.
    crossings : every crossing in the range, ascending.
    intervals : the cheaper option on each interval between crossings.
    base_cheaper : the cheaper option at the base value.
    infeasible : option name -> reasons, for options infeasible at the base case.
    """

    parameter: str
    metric: str
    option_a: str
    option_b: str
    low: float
    high: float
    scale: str
    base_value: float
    crossings: list[Crossing] = field(default_factory=list)
    intervals: list[Interval] = field(default_factory=list)
    base_cheaper: str | None = None
    infeasible: dict[str, list[str]] = field(default_factory=dict)
    #: grid step of the sweep: relative (log scale) or in the parameter's unit (linear)
    resolution: float = 0.0
    #: options infeasible at every value searched (then there is no break-even to find)
    infeasible_throughout: list[str] = field(default_factory=list)

    def explain(self) -> str:
        """One line, e.g. 'self-hosting wins above 3.1M requests/month'."""
        p, m = self.parameter, _METRIC_TEXT[self.metric]
        lo, hi = fmt_value(p, self.low), fmt_value(p, self.high)
        if self.infeasible_throughout:
            names = " and ".join(self.infeasible_throughout)
            verb = "is" if len(self.infeasible_throughout) == 1 else "are"
            return (
                f"no break-even: {names} {verb} infeasible over the whole searched range of "
                f"{p}, {lo} to {hi}"
            )
        note = ""
        if self.infeasible:
            note = f" (note: {', '.join(sorted(self.infeasible))} infeasible at the base case)"
        if not self.crossings:
            winner = self.intervals[0].cheaper if self.intervals else self.option_a
            loser = self.option_b if winner == self.option_a else self.option_a
            return (
                f"{winner} is cheaper than {loser} by {m} over the whole searched range of "
                f"{p}, {lo} to {hi}: no break-even{note}"
            )
        if len(self.crossings) == 1:
            c = self.crossings[0]
            why = ""
            if c.feasibility_edge:
                why = " where the other option is infeasible"
            return (
                f"{c.cheaper_above} wins above {_label(p)}{fmt_value(p, c.value)} by {m}{why} "
                f"({c.cheaper_below} below){note}"
            )
        parts = []
        for i, iv in enumerate(self.intervals):
            if i == 0:
                parts.append(f"{iv.cheaper} below {fmt_value(p, iv.high)}")
            elif i == len(self.intervals) - 1:
                parts.append(f"{iv.cheaper} above {fmt_value(p, iv.low)}")
            else:
                parts.append(f"{iv.cheaper} from {fmt_value(p, iv.low)} to {fmt_value(p, iv.high)}")
        return (
            f"{len(self.crossings)} break-evens on {p} by {m}, cheaper option: "
            + "; ".join(parts)
            + note
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["explain"] = self.explain()
        return json_safe(d)


@dataclass
class CrossoverMonth:
    """Months in which the cumulative (undiscounted) costs of A and B cross.

    ``months`` lists each month m (0-based) at whose end the cheaper-so-far option changes;
    ``leader_at_start`` / ``leader_at_end`` are the cheaper option after month 0 and at the
    horizon; ``difference_usd`` is cumulative A - B at the horizon [USD].
    """

    option_a: str
    option_b: str
    horizon_months: int
    months: list[int]
    leader_at_start: str
    leader_at_end: str
    difference_usd: float
    #: options that are infeasible at the scenario's inputs (no crossover is claimed)
    infeasible: list[str] = field(default_factory=list)

    def explain(self) -> str:
        if self.infeasible:
            return (
                f"no crossover month: {' and '.join(self.infeasible)} "
                f"{'is' if len(self.infeasible) == 1 else 'are'} infeasible at the scenario's inputs"
            )
        if not self.months:
            return (
                f"{self.leader_at_start} stays cheaper than "
                f"{self.option_b if self.leader_at_start == self.option_a else self.option_a} "
                f"in cumulative cost over all {self.horizon_months} months"
            )
        first = self.months[0]
        overtaker = self.option_b if self.leader_at_start == self.option_a else self.option_a
        more = (
            f" (crosses {len(self.months)} times; {self.leader_at_end} ahead at the horizon)"
            if len(self.months) > 1
            else ""
        )
        return (
            f"{overtaker}'s cumulative cost drops below {self.leader_at_start}'s in month {first + 1} "
            f"of {self.horizon_months}{more}"
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["explain"] = self.explain()
        return json_safe(d)


def _label(path: str) -> str:
    """'' for the volume (its unit says it), else 'path = '."""
    return "" if path == VOLUME else f"{path} = "


# --------------------------------------------------------------------------- crossing finder


def sign_changes(diff: ArrayLike) -> NDArray[np.intp]:
    """Indices i where ``diff[i]`` and ``diff[i+1]`` have strictly opposite signs, or where
    ``diff`` leaves an exact zero run to the opposite side of the one it came from.

    Zeros are attributed to the sign of the preceding non-zero value so that a curve touching
    zero without crossing gives no crossing.
    """
    d = np.asarray(diff, dtype=float)
    s = np.sign(d)
    # carry the last non-zero sign forward over zeros (and backward for leading zeros)
    nz = s != 0
    if not nz.any():
        return np.zeros(0, dtype=np.intp)
    idx = np.where(nz, np.arange(s.size), 0)
    np.maximum.accumulate(idx, out=idx)
    filled = s[idx]
    first = int(np.argmax(nz))
    filled[:first] = s[first]
    return np.flatnonzero(filled[:-1] * filled[1:] < 0).astype(np.intp)


def isolate_jumps(
    f: Callable[[F], F],
    x: F,
    d: F,
    log: bool,
    steps: int = 7,
    factor: float = 20.0,
    section: int = 15,
) -> tuple[F, F]:
    """Add grid points just left and right of every step in ``d = f(x)``.

    A stepped cost (one more replica) can jump back across zero within one grid interval, just
    after a continuous crossing: the window between them is narrower than the grid and both
    crossings hide. Each interval whose change is ``factor`` times the median change is cut
    into ``section + 1`` parts ``steps`` times (those close enough to zero to hide a crossing), keeping the part with the largest change (the
    jump), vectorised over all such intervals in one call of ``f`` per step (16^7 ~ 2.7e8 times
    narrower: each call of ``f`` costs mostly its fixed overhead, so few wide calls beat many
    narrow ones); the two points around each jump join the grid.
    """
    with np.errstate(invalid="ignore"):  # inf - inf where an option is infeasible
        dd = np.abs(np.diff(d))
    ok = np.isfinite(dd)
    if not ok.any():
        return x, d
    typical = max(float(np.median(dd[ok])), 1e-12)
    sus = np.flatnonzero(ok & (dd > factor * typical))
    # A jump hides a pair of crossings only where it can reach zero: within about its own
    # size of it (the smooth part moves ~``typical`` per interval). Jumps far from zero
    # (most replica steps of a stepped cost) need no narrowing; the margin is 4x.
    with np.errstate(invalid="ignore"):
        near = np.minimum(np.abs(d[sus]), np.abs(d[sus + 1])) <= 4.0 * (dd[sus] + typical)
    sus = sus[near]
    if sus.size == 0:
        return x, d
    lo, hi = x[sus].astype(float), x[sus + 1].astype(float)
    d_lo, d_hi = d[sus].astype(float), d[sus + 1].astype(float)
    t = np.arange(1, section + 1) / (section + 1)
    rows = np.arange(sus.size)
    for _ in range(steps):
        if log:
            pts = np.exp(np.log(lo)[:, None] + (np.log(hi) - np.log(lo))[:, None] * t)
        else:
            pts = lo[:, None] + (hi - lo)[:, None] * t
        vals = f(pts.reshape(-1)).reshape(pts.shape)
        grid = np.concatenate([lo[:, None], pts, hi[:, None]], axis=1)
        dv = np.concatenate([d_lo[:, None], vals, d_hi[:, None]], axis=1)
        with np.errstate(invalid="ignore"):
            change = np.abs(np.diff(dv, axis=1))
        j = np.argmax(np.where(np.isnan(change), np.inf, change), axis=1)
        lo, hi = grid[rows, j], grid[rows, j + 1]
        d_lo, d_hi = dv[rows, j], dv[rows, j + 1]
    xs = np.concatenate([x, lo, hi])
    ds = np.concatenate([d, d_lo, d_hi])
    order = np.argsort(xs, kind="stable")
    xs, ds = xs[order], ds[order]
    keep = np.concatenate([[True], np.diff(xs) > 0])
    return xs[keep], ds[keep]


def refine_crossings(
    f: Callable[[F], F],
    lo: ArrayLike,
    hi: ArrayLike,
    log: bool,
    rtol: float = 1e-6,
    refine_points: int = 31,
    max_calls: int = 12,
) -> tuple[F, F]:
    """Narrow brackets [lo_j, hi_j] (with f(lo) and f(hi) of opposite signs) by k-section.

    Every call evaluates ``refine_points`` interior values of every bracket at once
    (one vectorised ``f`` call on a small array), keeping the sub-bracket with the sign change.
    Returns the narrowed (lo, hi). Brackets shrink by ``refine_points + 1`` per call.
    """
    left: F = np.array(lo, dtype=float, ndmin=1)
    right: F = np.array(hi, dtype=float, ndmin=1)
    if left.size == 0:
        return left, right
    f_lo = np.sign(f(left))
    k = refine_points
    t = np.arange(1, k + 1) / (k + 1)
    for _ in range(max_calls):
        width = (np.log(right) - np.log(left)) if log else (right - left)
        scale = 1.0 if log else np.maximum(np.maximum(abs(left), abs(right)), 1e-12)
        if np.all(width / scale <= rtol):
            break
        pts = (
            np.exp(np.log(left)[:, None] + width[:, None] * t)
            if log
            else left[:, None] + width[:, None] * t
        )
        vals = np.sign(f(pts.reshape(-1))).reshape(pts.shape)
        vals = np.where(vals == 0, f_lo[:, None], vals)  # a zero counts as the left side
        grid = np.concatenate([left[:, None], pts, right[:, None]], axis=1)
        signs = np.concatenate([f_lo[:, None], vals], axis=1)
        # first index where the sign differs from the left end's sign
        j = np.argmax(signs != f_lo[:, None], axis=1)
        j = np.where((signs != f_lo[:, None]).any(axis=1), j, k + 1)
        rows = np.arange(left.size)
        left, right = grid[rows, j - 1], grid[rows, j]
    return left, right


def crossings_on_grid(
    x: ArrayLike, diff: ArrayLike, a: str, b: str
) -> tuple[list[tuple[int, str, str]], list[str]]:
    """Brackets of sign changes of ``diff = cost_a - cost_b`` on a grid.

    Returns [(i, cheaper_below, cheaper_above)] for brackets [x_i, x_i+1] and the cheaper
    option on each interval (len = crossings + 1).
    """
    d = np.asarray(diff, dtype=float)
    idx = sign_changes(d)
    who = np.where(d < 0, 0, np.where(d > 0, 1, -1))
    out = []
    for i in idx:
        below = a if d[: i + 1][d[: i + 1] != 0][-1] < 0 else b
        above = b if below == a else a
        out.append((int(i), below, above))
    if out:
        winners = [out[0][1]] + [c[2] for c in out]
    else:
        nzw = who[who >= 0]
        winners = [(a, b)[int(nzw[0])]] if nzw.size else [a]
    return out, winners


# --------------------------------------------------------------------------- break-even


def _metric(p: Priced, metric: str) -> F:
    if metric == "npv":
        return p.npv
    if metric == "total":
        return p.total
    assert p.deployment is not None and p.sustainability is not None
    return np.asarray(p.deployment[..., 0] + p.sustainability.mean(axis=-1))


def default_range(path: str, base: float) -> tuple[float, float, bool]:
    """(low, high, log) searched for a parameter when none is given.

    Shares: [0, 1] linear; growth, trends, discount rate: fixed linear ranges; positive
    values: base/100 .. base*100 log-spaced; a zero volume: 1e3 .. 1e10 requests/month
    log-spaced; another zero base: [0, 1] linear.
    """
    if is_share(path):
        return 0.0, 1.0, False
    if path == VOLUME and base <= 0:
        # no traffic yet: search from a hobby project to a large consumer service
        return 1e3, 1e10, True
    for suffix, (lo, hi) in _LINEAR_RANGES.items():
        if path.endswith(suffix):
            return min(lo, base), max(hi, base), False
    if is_signed(path) or base <= 0:
        return (
            (min(-1.0, base), max(1.0, base), False)
            if is_signed(path)
            else (0.0, max(1.0, base), False)
        )
    return base / LOG_SPAN, base * LOG_SPAN, True


def breakeven(
    scenario: Scenario,
    a: str,
    b: str,
    on: str = VOLUME,
    metric: Metric | str = "npv",
    low: float | None = None,
    high: float | None = None,
    points: int = 2000,
    log: bool | None = None,
    rtol: float = 1e-6,
    grid: Priced | None = None,
    cache: dict[bytes, Priced] | None = None,
) -> BreakEven:
    """Values of parameter ``on`` where options ``a`` and ``b`` cost the same.

    Parameters
    ----------
    scenario : Scenario
    a, b : str
        Option names.
    on : str
        Dotted parameter path (``workload.requests_per_month`` [requests/month],
        ``options.X.usd_per_gpu_hour`` [USD/GPU-h], ``options.X.prices.input_per_mtok``
        [USD/1M tokens], ``workload.monthly_growth`` [1/month], ``options.X.escalation_share``
        [-] ...).
    metric : 'npv' | 'total' | 'run_rate'
        NPV or total over the horizon [USD], or the monthly run-rate [USD/month].
    low, high : float, optional
        Searched range [parameter unit]; default from ``default_range``.
    points : int
        Grid size of the one vectorised sweep; a window in which the other option wins that is
        narrower than one grid step (0.46 % of the value over 4 decades at 2,000 points) can
        be missed, and ``resolution`` in the result says how fine the grid was.
    log : bool, optional
        Log-spaced grid (default: by parameter kind, see ``default_range``).
    rtol : float
        Relative width to which each crossing is refined.
    grid : Priced, optional
        Every option already priced on this grid (``price_samples`` over the same ``points``
        values of ``on``), reused instead of pricing it again.
    cache : dict, optional
        Priced values of ``on`` shared between calls on the same scenario, options and
        parameter (e.g. one per metric), so that no value is priced twice.
    """
    where = f"breakeven {a} vs {b}"
    check_option(scenario, a, where)
    check_option(scenario, b, where)
    if a == b:
        raise ScenarioError([f"{where}: compare two different options"])
    if metric not in METRICS:
        raise ScenarioError(
            [f"{where}: unknown metric {metric!r}; use one of {', '.join(METRICS)}"]
        )
    used = base_inputs(scenario).used
    if on not in used:
        raise ScenarioError([unknown_path_line("--on ", on, sorted(used))])
    base = used[on]
    d_lo, d_hi, d_log = default_range(on, base)
    lo = d_lo if low is None else float(low)
    hi = d_hi if high is None else float(high)
    use_log = (d_log if log is None else log) and lo > 0
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise ScenarioError(
            [f"{where}: search range low={lo:g} high={hi:g} is empty; give low < high"]
        )
    if points < 3:
        raise ScenarioError([f"{where}: points must be at least 3"])
    x = np.geomspace(lo, hi, points) if use_log else np.linspace(lo, hi, points)
    names = [o.name for o in scenario.options]
    need_flows = metric == "run_rate"

    def diff(values: F) -> F:
        """cost_a - cost_b; -inf where only a is feasible, +inf where only b is."""
        key = values.tobytes()
        p = None if cache is None else cache.get(key)
        if p is None:
            p = price_samples(
                scenario,
                {on: values},
                n=values.size,
                cash_flows=need_flows or cache is not None,
                only=(a, b),
            )
            if cache is not None:
                cache[key] = p
        m = _metric(p, metric)
        fa, fb = p.feasible[0], p.feasible[1]
        d = m[0] - m[1]
        return np.asarray(np.where(fa & ~fb, -np.inf, np.where(~fa & fb, np.inf, d)))

    base_p = price_samples(scenario, {}, n=1, cash_flows=need_flows)
    base_m = _metric(base_p, metric)
    infeasible = {
        n: base_p.reasons[n] for n in (a, b) if not bool(base_p.feasible[names.index(n)].all())
    }
    if grid is not None and grid.npv.shape[-1] == x.size and metric != "run_rate":
        # the caller priced every option on this very grid: reuse it
        m = _metric(grid, metric)
        ia, ib = grid.index(a), grid.index(b)
        fa, fb = grid.feasible[ia], grid.feasible[ib]
        d = np.where(fa & ~fb, -np.inf, np.where(~fa & fb, np.inf, m[ia] - m[ib]))
    else:
        d = diff(x)
    x, d = isolate_jumps(diff, x, d, use_log)
    with np.errstate(invalid="ignore"):
        throughout = [
            n for n, side in ((a, np.inf), (b, -np.inf)) if bool(np.all((d == side) | np.isnan(d)))
        ]
    brackets, winners = crossings_on_grid(x, d, a, b)
    crossings: list[Crossing] = []
    if brackets:
        i = np.array([br[0] for br in brackets])
        r_lo, r_hi = refine_crossings(diff, x[i], x[i + 1], use_log, rtol=rtol)
        # a jump: the difference on both sides of the narrowed bracket stays far from zero
        d_edges = diff(np.concatenate([r_lo, r_hi]))
        finite = np.abs(d[np.isfinite(d)])
        span = max(float(finite.max()) if finite.size else 0.0, 1e-9)
        for j, (_, below, above) in enumerate(brackets):
            v = math.sqrt(r_lo[j] * r_hi[j]) if use_log else 0.5 * (r_lo[j] + r_hi[j])
            edge_l, edge_r = d_edges[j], d_edges[len(brackets) + j]
            gap = min(abs(edge_l), abs(edge_r))
            edge = not (np.isfinite(edge_l) and np.isfinite(edge_r))
            crossings.append(Crossing(float(v), below, above, bool(gap > 1e-4 * span), edge))
    edges = [lo] + [c.value for c in crossings] + [hi]
    intervals = [Interval(float(edges[k]), float(edges[k + 1]), w) for k, w in enumerate(winners)]
    da = float(base_m[names.index(a)][0] - base_m[names.index(b)][0])
    return BreakEven(
        parameter=on,
        metric=str(metric),
        option_a=a,
        option_b=b,
        low=float(lo),
        high=float(hi),
        scale="log" if use_log else "linear",
        base_value=float(base),
        crossings=crossings,
        intervals=intervals,
        base_cheaper=a if da < 0 else (b if da > 0 else None),
        infeasible=infeasible,
        infeasible_throughout=throughout,
        resolution=float(
            (hi / lo) ** (1.0 / (points - 1)) - 1.0 if use_log else (hi - lo) / (points - 1)
        ),
    )


def crossover_month(scenario: Scenario, a: str, b: str) -> CrossoverMonth:
    """Months at which cumulative costs of ``a`` and ``b`` cross, at the scenario's inputs."""
    where = f"breakeven {a} vs {b}"
    check_option(scenario, a, where)
    check_option(scenario, b, where)
    p = price_samples(scenario, {}, n=1, cash_flows=True)
    assert p.monthly is not None
    cum = np.cumsum(p.monthly[p.index(a), 0] - p.monthly[p.index(b), 0])
    brackets, winners = crossings_on_grid(np.arange(cum.size), cum, a, b)
    return CrossoverMonth(
        option_a=a,
        option_b=b,
        horizon_months=scenario.horizon_months,
        months=[i + 1 for i, _, _ in brackets],
        leader_at_start=winners[0],
        leader_at_end=winners[-1],
        difference_usd=float(cum[-1]),
        infeasible=[n for n in (a, b) if not bool(p.feasible[p.index(n), 0])],
    )


def default_pair(scenario: Scenario) -> tuple[str, str]:
    """The two options to compare by default: the recommendation's top two; when fewer than
    two are feasible, the two cheapest by base NPV (feasible first)."""

    ranking = evaluate(scenario).recommendation.ranking
    if len(ranking) >= 2:
        return ranking[0], ranking[1]
    p = price_samples(scenario, {}, n=1)
    order = sorted(
        range(len(p.names)), key=lambda i: (not bool(p.feasible[i, 0]), float(p.npv[i, 0]))
    )
    if len(order) < 2:
        raise ScenarioError(["breakeven: the scenario needs at least two options to compare"])
    return p.names[order[0]], p.names[order[1]]


@dataclass
class BreakEvenReport:
    """Everything ``llmecon breakeven`` shows for one pair of options."""

    option_a: str
    option_b: str
    results: list[BreakEven]
    crossover: CrossoverMonth | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "option_a": self.option_a,
            "option_b": self.option_b,
            "breakevens": [r.to_dict() for r in self.results],
            "crossover_month": None if self.crossover is None else self.crossover.to_dict(),
        }


def breakeven_report(
    scenario: Scenario,
    a: str | None = None,
    b: str | None = None,
    on: str | None = None,
    points: int = 400,
) -> BreakEvenReport:
    """Default analysis: volume break-even by NPV, total and run-rate plus the crossover
    month; or, with ``on``, that parameter's break-even by NPV and total."""
    if (a is None) != (b is None):
        raise ScenarioError(["--between: give two option names"])
    if a is None or b is None:
        a, b = default_pair(scenario)
    metrics: tuple[str, ...] = ("npv", "total") if on else ("npv", "total", "run_rate")
    shared: dict[bytes, Priced] = {}  # the metrics share every priced value
    results = [
        breakeven(scenario, a, b, on or VOLUME, m, points=points, cache=shared) for m in metrics
    ]
    return BreakEvenReport(a, b, results, crossover_month(scenario, a, b))
