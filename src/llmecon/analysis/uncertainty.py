"""Monte Carlo: sample the scenario's uncertain inputs and price every option for all samples
in vectorised engine calls (chunked to bound memory), no per-sample Python loop.

The ``uncertainty:`` section of a scenario maps a dotted parameter path to a distribution::

    uncertainty:
      workload.requests_per_month: {dist: triangular, low: 1e6, mode: 3e6, high: 8e6}
      options.llama-8b.usd_per_gpu_hour: {dist: uniform, low: 2.0, high: 4.5}
      workload.monthly_growth: {dist: normal, mean: 0.02, sd: 0.01}
      options.gpt-4o.prices.input_per_mtok: {dist: lognormal, median: 2.5, sigma: 0.3}
      options.cascade.escalation_share: {dist: discrete, values: [0.1, 0.2, 0.4], weights: [1, 2, 1]}

Distributions (parameters in the unit of the path):

* ``triangular``: ``low <= mode <= high``, ``low < high``.
* ``uniform``: ``low < high``.
* ``normal``: ``sd > 0``; ``mean`` defaults to the scenario's value.
* ``lognormal``: ``median > 0`` and ``sigma > 0`` (sigma of log X), or ``mean > 0`` and
  ``sd > 0`` of X itself (converted: ``sigma^2 = ln(1 + sd^2/mean^2)``,
  ``median = mean / sqrt(1 + sd^2/mean^2)``).
* ``discrete``: ``values`` (non-empty list), optional ``weights`` (same length, >= 0, not all
  0; default equal).

Samples are clipped to the parameter's domain: shares to [0, 1], growth and price trends to
>= -0.99, everything else to >= 0. The paths must be numbers the engine reads (see
``llmecon sensitivity`` for the list).

Results: P10/P50/P90 of total cost and NPV per option [USD]; the probability that each option
is the cheapest by NPV among the feasible ones; and the robustness of the base-case winner
(its probability of staying cheapest, and the runner-up's share). A seeded
``numpy.random.Generator`` draws all samples before pricing, so results do not depend on the
chunk size and the same seed gives identical results.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.analysis._common import (
    F,
    base_inputs,
    clip_to_domain,
    json_safe,
    price_samples,
    unknown_path_line,
)
from llmecon.analysis.parallel import check, run_chunks
from llmecon.engine.recommend import rank_scores, ranks_by_quality
from llmecon.errors import ScenarioError
from llmecon.scenario import Scenario

DISTRIBUTIONS = ("triangular", "uniform", "normal", "lognormal", "discrete")
_KEYS: dict[str, tuple[set[str], set[str]]] = {  # required, optional (besides 'dist')
    "triangular": ({"low", "mode", "high"}, set()),
    "uniform": ({"low", "high"}, set()),
    "normal": ({"sd"}, {"mean"}),
    "lognormal": (set(), {"median", "sigma", "mean", "sd"}),
    "discrete": ({"values"}, {"weights"}),
}
#: Default samples per vectorised engine call (bounds memory: ~40 arrays of chunk x months). [-]
CHUNK = 5_000
#: The base case's winner cheapest in fewer samples than this is a close call (issue 11:
#: "P(cheapest) under about 70 %"; llmecon judgement). [-]
CLOSE_CALL_P = 0.70
#: Most samples one simulation takes: its (options, samples) arrays stay in memory. [-]
MAX_SAMPLES = 1_000_000
_Z90 = 1.2815515655446004  # standard normal quantile at 0.9


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution; ``kind`` in DISTRIBUTIONS, ``p`` its parameters."""

    path: str
    kind: str
    p: Mapping[str, Any]

    def sample(self, rng: np.random.Generator, n: int) -> F:
        """n draws, clipped to the parameter's domain (see ``draw`` for the share clipped).
        [parameter unit]"""
        p = self.p
        if self.kind == "triangular":
            x = rng.triangular(p["low"], p["mode"], p["high"], n)
        elif self.kind == "uniform":
            x = rng.uniform(p["low"], p["high"], n)
        elif self.kind == "normal":
            x = rng.normal(p["mean"], p["sd"], n)
        elif self.kind == "lognormal":
            x = rng.lognormal(math.log(p["median"]), p["sigma"], n)
        else:
            values = np.asarray(p["values"], dtype=float)
            x = values[rng.choice(values.size, size=n, p=np.asarray(p["weights"], dtype=float))]
        return np.asarray(x, dtype=float)

    def range(self) -> tuple[float, float]:
        """(low, high) for a sensitivity swing: the declared bounds (triangular, uniform), the
        P10/P90 (normal, lognormal) or the smallest/largest value (discrete). [unit]"""
        p = self.p
        if self.kind in ("triangular", "uniform"):
            return float(p["low"]), float(p["high"])
        if self.kind == "normal":
            return p["mean"] - _Z90 * p["sd"], p["mean"] + _Z90 * p["sd"]
        if self.kind == "lognormal":
            m = math.log(p["median"])
            return math.exp(m - _Z90 * p["sigma"]), math.exp(m + _Z90 * p["sigma"])
        return float(min(p["values"])), float(max(p["values"]))


def _num(spec: Mapping[str, Any], key: str, where: str, problems: list[str]) -> float | None:
    """A finite number; a numeric string such as ``2e6`` (YAML 1.1 reads exponents without a
    dot as text) counts, as it does in every other scenario field."""
    v = spec.get(key)
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            v = float(v.strip())
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        problems.append(f"{where}.{key}: must be a finite number, got {v!r}")
        return None
    return float(v)


def _parse_one(path: str, spec: Any, base: float, problems: list[str]) -> Distribution | None:
    where = f"uncertainty.{path}"
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: give a mapping like {{dist: uniform, low: 1, high: 2}}")
        return None
    kind = spec.get("dist")
    if kind not in DISTRIBUTIONS:
        problems.append(
            f"{where}.dist: unknown distribution {kind!r}; use one of {', '.join(DISTRIBUTIONS)}"
        )
        return None
    required, optional = _KEYS[kind]
    extra = set(spec) - required - optional - {"dist"}
    missing = required - set(spec)
    n0 = len(problems)
    if extra:
        problems.append(
            f"{where}: unknown key(s) {', '.join(sorted(extra))} for {kind}; allowed: {', '.join(sorted(required | optional))}"
        )
    if missing:
        problems.append(f"{where}: {kind} needs {', '.join(sorted(missing))}")
    if len(problems) > n0:
        return None
    p: dict[str, Any] = {}
    if kind == "discrete":
        values, weights = spec.get("values"), spec.get("weights")
        if (
            not isinstance(values, list)
            or not values
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in values
            )
        ):
            problems.append(f"{where}.values: give a non-empty list of numbers")
            return None
        if weights is None:
            weights = [1.0] * len(values)
        if (
            not isinstance(weights, list)
            or len(weights) != len(values)
            or not all(
                isinstance(w, int | float) and not isinstance(w, bool) and w >= 0 for w in weights
            )
            or sum(weights) <= 0
        ):
            problems.append(
                f"{where}.weights: give {len(values)} non-negative numbers, not all 0 (one per value)"
            )
            return None
        total = float(sum(weights))
        return Distribution(
            path,
            kind,
            {"values": [float(v) for v in values], "weights": [w / total for w in weights]},
        )
    for key in sorted(required | (optional & set(spec))):
        v = _num(spec, key, where, problems)
        if v is not None:
            p[key] = v
    if len(problems) > n0:
        return None
    if kind in ("triangular", "uniform") and not math.isfinite(p["high"] - p["low"]):
        problems.append(
            f"{where}: the range low={p['low']:g} .. high={p['high']:g} is wider than a number "
            "can hold; give the range the parameter can really take"
        )
        return None
    if kind == "triangular":
        if not p["low"] <= p["mode"] <= p["high"] or p["low"] >= p["high"]:
            problems.append(
                f"{where}: need low <= mode <= high and low < high (got {p['low']:g}, {p['mode']:g}, {p['high']:g})"
            )
    elif kind == "uniform":
        if p["low"] >= p["high"]:
            problems.append(f"{where}: need low < high (got {p['low']:g}, {p['high']:g})")
    elif kind == "normal":
        p.setdefault("mean", base)
        if p["sd"] <= 0:
            problems.append(f"{where}.sd: must be > 0")
    else:  # lognormal
        if "median" in p or "sigma" in p:
            if {"mean", "sd"} & set(p) or not {"median", "sigma"} <= set(p):
                problems.append(f"{where}: lognormal takes either median and sigma, or mean and sd")
            elif p["median"] <= 0 or p["sigma"] <= 0:
                problems.append(f"{where}: lognormal median and sigma must be > 0")
        elif {"mean", "sd"} <= set(p):
            if p["mean"] <= 0 or p["sd"] <= 0:
                problems.append(f"{where}: lognormal mean and sd must be > 0")
            else:
                r = 1.0 + (p["sd"] / p["mean"]) ** 2
                p = {"median": p["mean"] / math.sqrt(r), "sigma": math.sqrt(math.log(r))}
        else:
            problems.append(f"{where}: lognormal takes either median and sigma, or mean and sd")
    if len(problems) > n0:
        return None
    return Distribution(path, kind, p)


def parse_uncertainty(
    scenario: Scenario, used: Mapping[str, float] | None = None
) -> dict[str, Distribution]:
    """Validate the scenario's ``uncertainty:`` section into distributions, by path.

    Raises ``ScenarioError`` with one line per problem, naming ``uncertainty.<path>`` and the
    fix (unknown paths list close valid ones).
    """
    used = base_inputs(scenario).used if used is None else used
    problems: list[str] = []
    out: dict[str, Distribution] = {}
    for path, spec in scenario.uncertainty.items():
        if path not in used:
            problems.append(unknown_path_line("uncertainty.", path, sorted(used)))
            continue
        d = _parse_one(path, spec, used[path], problems)
        if d is not None:
            out[path] = d
    if problems:
        raise ScenarioError(problems)
    return out


@dataclass(frozen=True)
class Percentiles:
    """P10, P50 and P90 [USD]."""

    p10: float
    p50: float
    p90: float


@dataclass
class OptionStats:
    """One option across the samples: percentiles of total and NPV [USD], mean NPV [USD],
    share of samples where it is feasible and where it is the cheapest feasible by NPV."""

    name: str
    total_usd: Percentiles
    npv_usd: Percentiles
    npv_mean_usd: float
    p_feasible: float
    p_cheapest: float


@dataclass(frozen=True)
class SampleSet:
    """The samples behind a ``Simulation``: drawn ``values`` per path (N,), and per option
    (options, N) arrays of NPV [USD], total [USD] and feasibility."""

    values: dict[str, F]
    names: list[str]
    npv: F
    total: F
    feasible: NDArray[np.bool_]


@dataclass
class Simulation:
    """Monte Carlo result (see the module docstring).

    ``base_winner``: the cheapest feasible option by NPV at the base case;
    ``p_base_winner_cheapest``: share of samples where it stays cheapest; ``runner_up`` and
    ``p_runner_up_cheapest``: the other option most often cheapest and its share;
    ``p_none_feasible``: share of samples without a feasible option (the ``p_cheapest``
    values plus this sum to 1).
    """

    samples: int
    seed: int | None
    parameters: dict[str, dict[str, Any]]
    options: list[OptionStats]
    base_winner: str | None
    p_base_winner_cheapest: float
    runner_up: str | None
    p_runner_up_cheapest: float
    p_none_feasible: float
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: with ``keep_samples``: the drawn inputs and each sample's priced options
    draws: SampleSet | None = field(default=None, repr=False)

    def option(self, name: str) -> OptionStats:
        return next(o for o in self.options if o.name == name)

    def explain(self) -> str:
        if self.base_winner is None:
            return "no option is feasible at the base case"
        runner = (
            f"; {self.runner_up} is cheapest in {self.p_runner_up_cheapest:.0%}"
            if self.runner_up is not None
            else ""
        )
        close = (
            f": a close call (under {CLOSE_CALL_P:.0%}), decided by the uncertain inputs"
            if self.close_call
            else ""
        )
        return (
            f"{self.base_winner} is cheapest in {self.p_base_winner_cheapest:.0%} of "
            f"{self.samples:,} samples{runner}{close}"
        )

    @property
    def close_call(self) -> bool:
        """The base case's winner is cheapest in fewer than ``CLOSE_CALL_P`` of the samples."""
        return self.base_winner is not None and self.p_base_winner_cheapest < CLOSE_CALL_P

    def to_dict(self) -> dict[str, Any]:
        def pct(p: Percentiles) -> dict[str, float]:
            return {"p10": p.p10, "p50": p.p50, "p90": p.p90}

        return json_safe(
            {
                "samples": self.samples,
                "seed": self.seed,
                "parameters": self.parameters,
                "options": [
                    {
                        "name": o.name,
                        "total_usd": pct(o.total_usd),
                        "npv_usd": pct(o.npv_usd),
                        "npv_mean_usd": o.npv_mean_usd,
                        "p_feasible": o.p_feasible,
                        "p_cheapest": o.p_cheapest,
                    }
                    for o in self.options
                ],
                "robustness": {
                    "base_winner": self.base_winner,
                    "p_base_winner_cheapest": self.p_base_winner_cheapest,
                    "runner_up": self.runner_up,
                    "p_runner_up_cheapest": self.p_runner_up_cheapest,
                    "p_none_feasible": self.p_none_feasible,
                    "close_call": self.close_call,
                },
                "notes": self.notes,
                "explain": self.explain(),
            }
        )


def draw(
    dists: Mapping[str, Distribution],
    n: int,
    seed: int | None,
    clipped: dict[str, float] | None = None,
) -> dict[str, F]:
    """All samples, drawn up front in declaration order from one seeded Generator, clipped to
    each parameter's domain; ``clipped`` (when given) receives the share of samples clipped
    per path."""
    rng = np.random.default_rng(seed)
    out = {}
    for path, d in dists.items():
        raw = d.sample(rng, n)
        x = clip_to_domain(path, raw)
        if clipped is not None:
            clipped[path] = float(np.mean(x != raw)) if n else 0.0
        out[path] = x
    return out


def _price_chunk(
    job: tuple[Scenario, dict[str, F], int],
) -> tuple[F, F, NDArray[np.bool_], F]:
    """NPV, total, feasibility and quality of one chunk of samples (options, n); runs here,
    in a worker process or on a Dask worker."""
    scenario, overrides, n = job
    p = price_samples(scenario, overrides, n=n)
    assert p.quality is not None
    return p.npv, p.total, p.feasible, p.quality


def simulate(
    scenario: Scenario,
    samples: int = 10_000,
    seed: int | None = 0,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
    keep_samples: bool = False,
    workers: int = 1,
    dask: Any = None,
) -> Simulation:
    """Monte Carlo over the scenario's ``uncertainty:`` section.

    Parameters
    ----------
    scenario : Scenario
    samples : int
        Number of samples N.
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives identical results.
    chunk : int
        Samples per vectorised engine call (memory bound; results do not depend on it).
    progress : callable(done, total), optional
        Called after each chunk (e.g. to advance a rich progress bar).
    keep_samples : bool
        Hand the drawn inputs and the priced samples back (``Simulation.draws``), so that a
        chart draws the same samples without pricing them again.
    workers, dask : int, scheduler address or ``distributed.Client``, optional
        Price the chunks in ``workers`` local processes, or on a Dask cluster
        (``analysis.parallel``); the samples are drawn here, so the results are identical to
        one process for the same seed.
    """
    import time

    t0 = time.perf_counter()
    if samples < 1:
        raise ScenarioError([f"simulate: --samples must be at least 1 (got {samples})"])
    if samples > MAX_SAMPLES:
        raise ScenarioError(
            [
                f"simulate: --samples {samples:,} is more than {MAX_SAMPLES:,} (the samples are "
                "kept in memory); percentiles settle long before that, so sample fewer"
            ]
        )
    if seed is not None and (isinstance(seed, bool) or int(seed) < 0):
        raise ScenarioError(
            [f"simulate: --seed must be 0 or more (got {seed}); pass e.g. --seed 7"]
        )
    if chunk < 1:
        raise ScenarioError(["simulate: chunk must be at least 1"])
    if not scenario.uncertainty:
        raise ScenarioError(
            [
                "uncertainty: the scenario declares no uncertain inputs; add e.g. "
                "uncertainty: {workload.requests_per_month: {dist: triangular, low: 1e6, mode: 2e6, high: 5e6}}"
            ]
        )
    base = price_samples(scenario, {}, n=1)
    assert base.inputs is not None
    dists = parse_uncertainty(scenario, base.inputs.used)
    clipped: dict[str, float] = {}
    values = draw(dists, samples, seed, clipped)
    names = base.names
    k = len(names)
    npv = np.empty((k, samples))
    total = np.empty((k, samples))
    feasible = np.empty((k, samples), dtype=bool)
    quality = np.empty((k, samples))
    check(workers, dask)
    if workers > 1 or dask is not None:  # at least two chunks per worker
        chunk = max(1, min(chunk, -(-samples // (2 * max(workers, 2)))))
    bounds = [(a, min(a + chunk, samples)) for a in range(0, samples, chunk)]
    jobs = [(scenario, {path: v[a:b] for path, v in values.items()}, b - a) for a, b in bounds]
    for (start, stop), (c_npv, c_total, c_ok, c_q) in zip(
        bounds, run_chunks(_price_chunk, jobs, workers, dask), strict=True
    ):
        npv[:, start:stop] = c_npv
        total[:, start:stop] = c_total
        feasible[:, start:stop] = c_ok
        quality[:, start:stop] = c_q
        if progress is not None:
            progress(stop, samples)
    # rank as the recommendation does (one shared rule), with each sample's own quality
    assert base.quality is not None
    base_ok = base.feasible[:, 0]
    base_q = [None if np.isnan(q) else float(q) for q in base.quality[base_ok, 0]]
    base_volume = float(scenario.workload.requests_per_month)
    by_quality = ranks_by_quality(scenario, base_q, base_volume)
    masked = rank_scores(npv, quality, feasible, by_quality)
    cheapest = np.argmin(masked, axis=0)
    none = ~np.isfinite(masked).any(axis=0)
    counts = np.bincount(cheapest[~none], minlength=k)
    p_cheapest = counts / samples
    # costs of an option are summarised over the samples where it is feasible
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: never feasible
        q = np.nanpercentile(np.where(feasible, npv, np.nan), [10, 50, 90], axis=1)
        qt = np.nanpercentile(np.where(feasible, total, np.nan), [10, 50, 90], axis=1)
        npv_mean = np.nanmean(np.where(feasible, npv, np.nan), axis=1)
    stats = [
        OptionStats(
            name=names[i],
            total_usd=Percentiles(*(float(x) for x in qt[:, i])),
            npv_usd=Percentiles(*(float(x) for x in q[:, i])),
            npv_mean_usd=float(npv_mean[i]),
            p_feasible=float(feasible[i].mean()),
            p_cheapest=float(p_cheapest[i]),
        )
        for i in range(k)
    ]
    base_masked = rank_scores(base.npv[:, 0], base.quality[:, 0], base_ok, by_quality)
    winner = int(np.argmin(base_masked)) if np.isfinite(base_masked).any() else None
    runner, p_runner = None, 0.0
    others = [i for i in range(k) if i != winner]
    if others:
        r = max(others, key=lambda i: (p_cheapest[i], -float(base_masked[i])))
        if p_cheapest[r] > 0 or winner is None:
            runner, p_runner = names[r], float(p_cheapest[r])
    notes = [
        f"{share:.1%} of {path} samples fell outside its domain and were clipped to its bound"
        for path, share in clipped.items()
        if share > 0
    ]
    if any(0.0 < float(feasible[i].mean()) < 1.0 for i in range(k)):
        notes.append("feasibility varies across samples")
    infeasible = [names[i] for i in range(k) if not feasible[i].any()]
    if infeasible:
        notes.append("infeasible in every sample: " + ", ".join(infeasible))
    return Simulation(
        samples=samples,
        seed=seed,
        parameters={path: {"dist": d.kind, **d.p} for path, d in dists.items()},
        options=stats,
        base_winner=None if winner is None else names[winner],
        p_base_winner_cheapest=0.0 if winner is None else float(p_cheapest[winner]),
        runner_up=runner,
        p_runner_up_cheapest=p_runner,
        p_none_feasible=float(none.mean()),
        seconds=time.perf_counter() - t0,
        notes=notes,
        draws=SampleSet(values, names, npv, total, feasible) if keep_samples else None,
    )
