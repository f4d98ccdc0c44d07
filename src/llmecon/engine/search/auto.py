"""``auto`` option fields: filled with the best configuration the screen finds, with a note
naming the runner-up it beat, by how much and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.search.results import Config
from llmecon.engine.search.screen import screen
from llmecon.engine.search.space import AUTO, PRICING, Space, concrete
from llmecon.errors import ScenarioError
from llmecon.fmt import money
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]


@dataclass
class Filled:
    """A scenario with its ``auto`` options made concrete, and what the search said."""

    scenario: Scenario
    notes: dict[str, list[str]]  # option name -> assumption lines
    details: dict[str, dict[str, Any]]  # option name -> details["auto"]
    infeasible: dict[str, list[str]]  # option name -> reasons (no configuration meets them)


_FILLED: dict[int, tuple[Scenario, Filled]] = {}


def fill_auto(scenario: Scenario) -> Filled:
    """Replace each option's ``auto`` fields (``gpu``, ``precision``, ``pricing``,
    ``gpus_per_replica``) by the cheapest configuration the screen finds, with a note naming
    the runner-up it beat, by how much and why. Memoised per scenario object (a Monte Carlo
    run or a sweep searches once, on the base scenario)."""
    hit = _FILLED.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    options: list[Option] = []
    notes: dict[str, list[str]] = {}
    details: dict[str, dict[str, Any]] = {}
    infeasible: dict[str, list[str]] = {}
    for o in scenario.options:
        auto = o.auto_fields()
        if not auto:
            options.append(o)
            continue
        if o.pricing == "on_prem":
            raise ScenarioError(
                [
                    f"options.{o.name}.pricing: on_prem cannot be searched with auto fields "
                    "(no rental price to compare); set gpu, precision and gpus_per_replica, or "
                    "rent (pricing: auto)"
                ]
            )
        space = Space(
            engines=(o.engine,),
            pricing=tuple(PRICING) if o.pricing == AUTO else (_mode_key(o),),
        )
        found = screen(scenario, space, top=2, only=o.name)
        if not found.results:
            reasons = [
                f"{v} configurations: {k}" for k, v in list(found.infeasible_by_reason.items())[:3]
            ]
            infeasible[o.name] = [
                f"no configuration of the auto fields ({', '.join(auto)}) is feasible "
                f"among {found.searched}: " + "; ".join(reasons)
            ]
            placeholder = concrete(o.model_dump(exclude_none=True), "H100 SXM")
            options.append(Option.model_validate(placeholder))
            continue
        best = found.results[0]
        chosen = dict(best.option, name=o.name)
        options.append(Option.model_validate(chosen))
        line = (
            f"options.{o.name}: {', '.join(auto)} = auto -> {_label(best)} (llmecon search: the "
            f"cheapest of {found.feasible:,} feasible configurations among {found.searched:,}, "
            f"by {found.objective})"
        )
        if len(found.results) > 1:
            line += "; " + _beat(best, found.results[1])
        notes[o.name] = [line, *found.assumptions]
        details[o.name] = {
            "fields": auto,
            "chosen": _summary(best),
            "runner_up": _summary(found.results[1]) if len(found.results) > 1 else None,
            "searched": found.searched,
            "feasible": found.feasible,
            "reason": line,
        }
    filled = Filled(scenario.model_copy(update={"options": options}), notes, details, infeasible)
    if len(_FILLED) > 16:
        _FILLED.clear()
    _FILLED[id(scenario)] = (scenario, filled)
    return filled


def _summary(c: Config) -> dict[str, Any]:
    """A configuration's figures without its option (the option is the filled one)."""
    return {k: v for k, v in c.to_dict().items() if k != "option"}


def _mode_key(o: Option) -> str:
    if o.pricing == "reserved":
        return f"reserved-{o.reserved_term_years}y"
    return {"on_demand": "on-demand", "spot": "spot"}[str(o.pricing)]


def _label(c: Config) -> str:
    return f"{c.gpu} x{c.gpus_per_replica} {c.precision} {c.pricing}"


def _beat(best: Config, runner: Config) -> str:
    """Which runner-up the best beat, by how much, and why (GPU-hours against price)."""
    gap = runner.score - best.score
    rel = gap / abs(best.score) if best.score else 0.0
    why = []
    h0, h1 = best.gpu_hours, runner.gpu_hours
    p0, p1 = best.price, runner.price
    if h0 > 0 and h1 > 0 and abs(h1 / h0 - 1) > 0.005:
        why.append(f"{abs(h1 / h0 - 1):.0%} {'more' if h1 > h0 else 'fewer'} GPU-hours")
    if p0 > 0 and p1 > 0 and abs(p1 / p0 - 1) > 0.005:
        why.append(f"at a {abs(p1 / p0 - 1):.0%} {'higher' if p1 > p0 else 'lower'} GPU price")
    because = f": {_label(runner)} needs {' '.join(why)}" if why else ""
    return f"it beat {_label(runner)} by {money(gap)} ({rel:.1%}){because}"
