"""Rank the feasible options and say why, in numbers.

Ranking: by NPV, or by NPV per successful task when every feasible option has a quality
(success rate) from the user's evaluation and failures are not already priced
(``organisation.cost_per_failure_usd`` is 0: otherwise the NPV holds the failures and dividing
by quality would count them twice). Reasons name the dominant cost drivers; the
framework's questions (volume, predictability, latency, privacy) are answered for the scenario.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.engine.results import Evaluation, OptionResult, Recommendation
from llmecon.fmt import money_compact, money_sig, si
from llmecon.scenario import Scenario

#: Top two closer than this (relative to the runner-up's score) make a close call: each
#: default price, trend and efficiency factor is uncertain by more than this (llmecon
#: judgement; the Monte Carlo's P(cheapest) says it precisely when an uncertainty section
#: exists). [-]
CLOSE_CALL = 0.05


def _usd(x: float) -> str:
    return money_compact(x, 3)


def _m(x: object) -> float:
    return float(np.mean(np.asarray(x, dtype=float)))


def ranks_by_quality(scenario: Scenario, qualities: Sequence[object], requests: float) -> bool:
    """The ranking rule shared by the recommendation, Monte Carlo and sensitivity: rank by
    NPV per successful task when every feasible option (``qualities``) has a measured
    quality, there is traffic, and failures are not already priced in the NPV."""
    return (
        bool(qualities)
        and all(q is not None for q in qualities)
        and requests > 0
        and scenario.organisation.cost_per_failure_usd <= 0
    )


def rank_scores(
    npv: ArrayLike, quality: ArrayLike, feasible: ArrayLike, by_quality: bool
) -> NDArray[np.float64]:
    """Scores to minimise: NPV, or NPV / quality; ``inf`` where infeasible or quality <= 0
    (unknown quality is NaN). npv [USD], quality [-] -> [USD]."""
    v = np.asarray(npv, dtype=float)
    if by_quality:
        q = np.asarray(quality, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(q > 0, v / q, np.inf)
    return np.asarray(np.where(np.asarray(feasible, dtype=bool) & np.isfinite(v), v, np.inf))


def _score(o: OptionResult, by_quality: bool, npv: float | None = None) -> float:
    """NPV, or NPV / quality (a quality of 0 never wins)."""
    value = _m(o.npv_usd) if npv is None else npv
    q = np.nan if o.quality is None else o.quality
    return float(rank_scores(value, q, True, by_quality))


def _driver(o: OptionResult) -> str:
    totals = {k: _m(v.sum(axis=-1)) for k, v in o.pillars.items()}
    total = sum(totals.values()) or 1.0
    top = max(totals, key=lambda k: totals[k])
    share = totals[top] / total
    d = o.details
    extra = ""
    if top == "deployment" and "api_cost_per_request_usd" in d:
        extra = f": token bill {_usd(d['api_bill_usd'])} at {money_sig(d['api_cost_per_request_usd'] * 1000)} per 1k requests"
    elif top == "deployment" and "legs" in d:
        legs = ", ".join(f"{k} {_usd(v['total_usd'])}" for k, v in d["legs"].items())
        extra = f": legs {legs}"
    elif top == "deployment" and "per_replica" in d:
        util = d.get("utilization_month0")
        extra = (
            f": {d.get('replicas_peak', 0):.0f} peak replica(s) of {d.get('gpus_per_replica')} x {d.get('gpu')}"
            + (f", {util:.0%} utilized in month 0" if util is not None else "")
        )
    elif top == "development":
        extra = " (build effort, data and training are paid up front)"
    return f"{top} is {share:.0%} of {o.name}'s {_usd(total)}{extra}"


def _staffing(o: OptionResult) -> str:
    """The people the option's price holds: a judgement rule, so it is stated up front."""
    d = o.details
    if "ops_staff_usd" not in d:
        return ""
    total = _m(o.total_usd) or 1.0
    fte = _m(d["ops_fte_month0"])
    rule = "ops_fte + ops_fte_per_100_gpus x GPUs / 100" if "gpus_per_replica" in d else "ops_fte"
    return (
        f"staffing: {o.name} carries {fte:.2g} FTE in month 0, {_usd(_m(d['ops_staff_usd']))} "
        f"({_m(d['ops_staff_usd']) / total:.0%} of its cost) by the rule {rule} (llmecon "
        f"judgement; set options.{o.name}.ops_fte to your team's)"
    )


def _questions(ev: Evaluation) -> dict[str, str]:
    s = ev.scenario
    w = s.workload
    q: dict[str, str] = {}
    tokens = w.requests_per_month * (w.input_tokens + w.output_tokens)
    hosted = [
        o
        for o in ev.options
        if o.kind in ("self_hosted", "slm") and o.feasible and "utilization_month0" in o.details
    ]
    util = max((o.details["utilization_month0"] for o in hosted), default=None)
    vol = f"{w.requests_per_month:,.0f} requests/month ({si(tokens)} tokens/month)"
    if util is not None:
        level = "low" if util < 0.3 else ("high" if util > 0.6 else "moderate")
        favour = {
            "low": "favours the API: a GPU fleet would mostly idle",
            "moderate": "is where the answer depends on prices",
            "high": "favours self-hosting: GPUs stay busy",
        }[level]
        q["volume"] = (
            f"{vol}; the best self-hosted fleet would be {util:.0%} utilized in month 0: volume is {level}, which {favour}"
        )
    else:
        q["volume"] = f"{vol}; no self-hosted option to compare utilization"
    unpredictable = w.peak_to_average >= 3 or abs(w.monthly_growth) >= 0.1
    q["predictability"] = (
        f"peak-to-average {w.peak_to_average:g}, growth {w.monthly_growth:+.0%}/month: "
        + (
            "unpredictable or spiky, which favours pay-per-token APIs"
            if unpredictable
            else "steady, which lets a fixed fleet stay busy"
        )
    )
    lat = s.latency
    tight = (lat.ttft_ms is not None and lat.ttft_ms <= 300) or (
        lat.itl_ms is not None and lat.itl_ms <= 25
    )
    q["latency"] = f"targets TTFT {lat.ttft_ms or '-'} ms, ITL {lat.itl_ms or '-'} ms: " + (
        "latency-sensitive, which favours a small model close to the application"
        if tight
        else "not tight enough to rule out a large model or an API"
    )
    ruled = [o.name for o in ev.options if any("data must stay" in r for r in o.infeasible_reasons)]
    q["privacy"] = f"data residency '{s.constraints.data_residency}'" + (
        f" rules out {', '.join(ruled)}" if ruled else ": no option is ruled out by it"
    )
    return q


def recommend(ev: Evaluation) -> Recommendation:
    """The recommendation of a scalar evaluation (one point)."""
    feasible = [o for o in ev.options if o.feasible]
    infeasible = {o.name: o.infeasible_reasons for o in ev.options if not o.feasible}
    failures_priced = ev.scenario.organisation.cost_per_failure_usd > 0
    successes = float(np.mean(np.asarray(ev.requests).sum(axis=-1)))
    by_quality = ranks_by_quality(ev.scenario, [o.quality for o in feasible], successes)
    ranked = sorted(feasible, key=lambda o: _score(o, by_quality))
    reasons: list[str] = []
    basis = "npv_per_success" if by_quality else "npv"
    if not ranked:
        reasons.append(
            "no option is feasible: "
            + "; ".join(f"{k}: {v[0]}" for k, v in infeasible.items() if v)
        )
        return Recommendation(None, basis, [], reasons, _questions(ev), infeasible)
    best = ranked[0]
    label = "NPV per 1,000 successful tasks" if by_quality else "NPV"
    per = successes / 1e3 if by_quality else 1.0  # NPV / q / (requests / 1000)
    if len(ranked) > 1:
        nxt = ranked[1]
        a, b = _score(best, by_quality) / per, _score(nxt, by_quality) / per
        reasons.append(
            f"{best.name} has the lowest {label} over {ev.months} months: {_usd(a)} vs {_usd(b)} for {nxt.name} "
            f"({(b - a) / max(abs(b), 1e-9):.0%} less)"
        )
    else:
        reasons.append(
            f"{best.name} is the only feasible option ({label} {_usd(_score(best, by_quality) / per)})"
        )
    reasons.append(_driver(best))
    if len(ranked) > 1:
        reasons.append(_driver(ranked[1]))
    auto = best.details.get("auto")
    if auto:  # an ``auto`` option: which configuration the search chose, and what it beat
        reasons.append(auto["reason"])
    staffing = _staffing(best)
    if staffing:
        reasons.append(staffing)
    # the same ranking with every trend held flat (a second pricing, in ``evaluate``)
    flat = {
        o.name: _score(o, by_quality, float(o.details["npv_flat_trends_usd"]))
        for o in ranked
        if "npv_flat_trends_usd" in o.details
    }
    if len(flat) == len(ranked) and any(
        float(np.max(np.abs(np.asarray(o.details.get(k, 0.0)))) > 0)
        for o in ranked
        for k in ("price_change_per_year", "gpu_price_change_per_year")
    ):
        flat_best = min(flat, key=lambda k: flat[k])
        if flat_best != best.name:
            reasons.append(
                f"with every price and capability trend flat, {flat_best} would win: the "
                "trends decide this answer (options.<name>.price_change_per_year)"
            )
        else:
            reasons.append("the answer holds with every price and capability trend flat")
    close = False
    runner_up = None
    if len(ranked) > 1:
        a, b = _score(best, by_quality), _score(ranked[1], by_quality)
        gap = (b - a) / max(abs(b), 1e-9)
        runner_up = (ranked[1].name, gap)
        close = gap < CLOSE_CALL
        if close:
            reasons.append(
                f"a close call: {best.name} and {ranked[1].name} are {gap:.1%} apart, within "
                f"the {CLOSE_CALL:.0%} that the defaults' own uncertainty moves a cost; the "
                "assumptions that decide it are listed with the value at which each flips it"
            )
    if by_quality:
        reasons.append(
            "ranked by cost per successful task because every feasible option has a measured quality"
        )
    elif failures_priced and all(o.quality is not None for o in feasible):
        reasons.append("ranked by NPV, which already prices each failure at cost_per_failure_usd")
    for name, why in infeasible.items():
        if why:
            reasons.append(f"{name} is infeasible: {why[0]}")
    return Recommendation(
        best.name,
        basis,
        [o.name for o in ranked],
        reasons,
        _questions(ev),
        infeasible,
        close_call=close,
        runner_up=runner_up,
    )
