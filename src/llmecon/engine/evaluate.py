"""``evaluate(scenario)`` = resolve -> price -> recommend.

1. resolve (``engine.resolve``): per-kind input records from the scenario, the catalogs and
   the defaults, with any input overridden by an array;
2. price (``engine.api``, ``engine.self_hosted`` + ``engine.training``, ``engine.hybrid``):
   monthly cash flows per pillar;
3. totals, NPV and unit costs; then rank and explain (``engine.recommend``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.engine.api import price_api
from llmecon.engine.hybrid import leg_shares, price_hybrid
from llmecon.engine.inputs import Inputs
from llmecon.engine.recommend import recommend
from llmecon.engine.resolve import (
    monthly_requests,
    resolve_api,
    resolve_hybrid,
    resolve_serving,
)
from llmecon.engine.results import Evaluation, OptionCost, OptionResult, Recommendation
from llmecon.engine.self_hosted import price_self_hosted
from llmecon.errors import ScenarioError
from llmecon.pillars.discount import npv, per_unit
from llmecon.scenario import Option, Scenario, check_references

if TYPE_CHECKING:
    from llmecon.engine.search import Filled

F = NDArray[np.float64]


def price_option(
    inputs: Inputs,
    option: Option,
    traffic_scale: float | F = 1.0,
    as_leg: bool = False,
    _path: tuple[str, ...] = (),
) -> OptionCost:
    """Monthly cash flows in three pillars for one option, at ``traffic_scale`` of the
    workload. ``as_leg``: priced as a hybrid's leg, without the tracing and compliance bills
    the hybrid pays once for both legs."""
    min_q = (
        None
        if as_leg or inputs.scenario.constraints.min_quality is None
        else inputs.get("constraints.min_quality")
    )
    if option.kind in ("api", "hosted_open"):
        return price_api(resolve_api(inputs, option, traffic_scale, as_leg), min_q)
    if option.kind in ("self_hosted", "slm"):
        return price_self_hosted(
            inputs, resolve_serving(inputs, option, traffic_scale, as_leg), min_q
        )
    if option.name in _path:
        cycle = " -> ".join((*_path, option.name))
        raise ScenarioError(
            [
                f"options.{option.name}.legs: hybrid legs form a cycle ({cycle}); a leg must not lead back to its hybrid"
            ]
        )
    h = resolve_hybrid(inputs, option)
    first, second = (inputs.scenario.option(n) for n in h.legs)
    s_first, s_second = leg_shares(h)
    scale = np.asarray(traffic_scale, dtype=float)
    legs = (
        price_option(inputs, first, s_first * scale, True, (*_path, option.name)),
        price_option(inputs, second, s_second * scale, True, (*_path, option.name)),
    )
    return price_hybrid(h, legs, min_q)


def price_all(
    scenario: Scenario,
    overrides: Mapping[str, ArrayLike] | None = None,
    only: Sequence[str] | None = None,
) -> tuple[Inputs, list[OptionCost], F]:
    """Price every option, or the ``only`` ones (vectorised over any overridden inputs).

    Options with ``auto`` fields take the cheapest configuration of the fleet search
    (``engine.search.fill_auto``, on the base scenario) first."""
    check_references(scenario)
    filled = None
    if has_auto(scenario):
        # imported here: the fleet search is only needed by a scenario with auto fields
        from llmecon.engine.search import fill_auto

        filled = fill_auto(scenario)
        scenario = filled.scenario
    inputs = Inputs(scenario, overrides or {})
    for line in scenario.user_catalog().notes:  # the user's entries that shadow the package's
        inputs.note("", line)
    chosen = scenario.options if only is None else [scenario.option(n) for n in only]
    costs = [price_option(inputs, o) for o in chosen]
    for cost in costs:
        _check_finite(inputs, cost)
        if filled is not None:
            _auto_outcome(inputs, filled, cost)
    return inputs, costs, monthly_requests(inputs)


def has_auto(scenario: Scenario) -> bool:
    """Whether an option leaves a configuration field to the fleet search (``auto``)."""
    return any(o.auto_fields() for o in scenario.options)


def _auto_outcome(inputs: Inputs, filled: Filled, cost: OptionCost) -> None:
    """An ``auto`` option's search note, details, or (nothing feasible) its reasons."""
    for line in filled.notes.get(cost.name, []):
        inputs.note(cost.name, line)
    if cost.name in filled.details:
        cost.details["auto"] = filled.details[cost.name]
    if cost.name in filled.infeasible:
        cost.feasible = np.zeros_like(np.asarray(cost.feasible), dtype=bool)
        cost.infeasible_reasons = filled.infeasible[cost.name]


def _check_finite(inputs: Inputs, cost: OptionCost) -> None:
    """A cost that overflowed or became NaN is an error naming the inputs, never a number
    that could be recommended."""
    with np.errstate(invalid="ignore", over="ignore"):
        ok = bool(np.all(np.isfinite(cost.monthly)))
    if ok:
        return
    own = f"options.{cost.name}."
    suspects = sorted(
        (p for p, v in inputs.used.items() if (p.startswith((own, "workload.")) and abs(v) >= 1e9)),
        key=lambda p: -abs(inputs.used[p]),
    )
    named = ", ".join(f"{p} = {inputs.used[p]:.3g}" for p in suspects[:4]) or (
        "no single extreme input; check the option's prices and volumes"
    )
    raise ScenarioError(
        [
            f"options.{cost.name}: its costs are not finite numbers (overflow or NaN) with these "
            f"inputs: {named}; use realistic values"
        ]
    )


def totals(inputs: Inputs, cost: OptionCost) -> tuple[F, F]:
    """(total, NPV) of one priced option [USD]."""
    monthly = cost.monthly
    return np.asarray(monthly.sum(axis=-1)), npv(monthly, inputs.get("discount_rate_annual"))


def _result(inputs: Inputs, cost: OptionCost, requests: F, tokens: F) -> OptionResult:
    total, value = totals(inputs, cost)
    n_req = requests.sum(axis=-1)
    q = cost.quality_samples
    per_success = None if q is None else per_unit(total, n_req * q, 1.0)
    quality = None if q is None else (float(q) if np.ndim(q) == 0 else np.asarray(q))
    return OptionResult(
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
        npv_usd=value,
        per_1k_requests_usd=per_unit(total, n_req, 1e3),
        per_1m_tokens_usd=per_unit(total, tokens.sum(axis=-1), 1e6),
        per_successful_task_usd=per_success,
        quality=quality,
        assumptions=inputs.assumptions.get(cost.name, []),
        sources=inputs.sources.get(cost.name, []),
        details=cost.details,
        feasible_points=np.asarray(cost.feasible),
    )


def evaluate(scenario: Scenario, overrides: Mapping[str, ArrayLike] | None = None) -> Evaluation:
    """Price, rank and explain every option of ``scenario``.

    With ``overrides`` (dotted path -> array), every figure is per point: arrays with the
    overrides' shape, ``Evaluation.recommendations`` one per point.
    """
    inputs, costs, requests = price_all(scenario, overrides)
    tokens = (
        requests
        * (inputs.get("workload.input_tokens") + inputs.get("workload.output_tokens"))[..., None]
    )
    results = [_result(inputs, cost, requests, tokens) for cost in costs]
    for r in results:  # a hybrid's legs record assumptions under their own names
        if r.kind == "hybrid":
            for leg in scenario.option(r.name).legs or []:
                r.assumptions = list(dict.fromkeys(r.assumptions + inputs.assumptions.get(leg, [])))
                r.sources = list(dict.fromkeys(r.sources + inputs.sources.get(leg, [])))
    swept = {
        p: np.broadcast_to(np.asarray(v, dtype=float), inputs.shape)
        for p, v in (overrides or {}).items()
    }
    ev = Evaluation(
        scenario,
        results,
        Recommendation(None, "npv", [], [], {}, {}),
        scenario.horizon_months,
        requests,
        inputs.assumptions.get("", []),
        swept=swept if inputs.shape else {},
        origins=dict(inputs.origins),
        recommender=recommend,
    )
    if inputs.shape:
        n = ev.points
        ev.recommendation = Recommendation(
            None,
            "per point",
            [],
            [
                f"inputs are overridden at {n} points ({', '.join(swept)}): there is one "
                "recommendation per point (Evaluation.recommendations; to_dict() lists them)"
            ],
            {},
            {},
        )
    else:
        _price_flat(scenario, overrides, results)
        ev.recommendation = recommend(ev)
    return ev


#: Trend fields held at 0 for the flat answer, by option kind.
_TRENDS = {
    "api": ("price_change_per_year",),
    "hosted_open": ("price_change_per_year",),
    "self_hosted": ("price_change_per_year", "gpu_price_change_per_year"),
    "slm": ("price_change_per_year", "gpu_price_change_per_year"),
}


def _price_flat(
    scenario: Scenario, overrides: Mapping[str, ArrayLike] | None, results: list[OptionResult]
) -> None:
    """Each option's NPV with every trend flat, in its details (``npv_flat_trends_usd``), so
    that the recommendation can say whether the trends decide the answer. Priced only when
    some option has a trend."""
    trended = any(
        float(np.max(np.abs(np.asarray(r.details.get(k, 0.0))))) > 0
        for r in results
        for k in ("price_change_per_year", "gpu_price_change_per_year")
    )
    if not trended:
        return
    flat: dict[str, ArrayLike] = dict(overrides or {})
    for o in scenario.options:
        for field in _TRENDS.get(o.kind, ()):
            flat[f"options.{o.name}.{field}"] = 0.0
    inputs, costs, _ = price_all(scenario, flat)
    for r, cost in zip(results, costs, strict=True):
        r.details["npv_flat_trends_usd"] = float(totals(inputs, cost)[1])
