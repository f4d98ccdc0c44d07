"""Shared plumbing of the decision analyses: one vectorised pricing call per question.

``price_samples`` prices every option of a scenario for a batch of input samples (the
``overrides`` of ``llmecon.engine.Inputs``) and returns NPV, total, feasibility and monthly
cash flows as arrays with a leading option axis. Errors from the engine become
``ScenarioError`` lines that name the parameter path and the fix.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon import fmt
from llmecon.catalog import CatalogError
from llmecon.engine import Inputs, price_all, totals
from llmecon.errors import ScenarioError, UnknownParameter
from llmecon.scenario import Scenario, field_bounds

F = NDArray[np.float64]

#: Paths that hold shares in [0, 1] (suffixes of the dotted path).
SHARE_SUFFIXES = ("_share", "batch_discount", ".quality", ".mfu")
#: Paths whose value may be negative (growth and price trends).
SIGNED_SUFFIXES = ("monthly_growth", "price_change_per_year")


def is_share(path: str) -> bool:
    """True for parameters that are shares in [0, 1]."""
    return path.endswith(SHARE_SUFFIXES)


def is_signed(path: str) -> bool:
    """True for parameters that may be negative."""
    return path.endswith(SIGNED_SUFFIXES)


def json_safe(obj: Any) -> Any:
    """The same structure with NaN and infinities as ``None`` (valid JSON)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def clip_to_domain(path: str, values: ArrayLike, scenario: Scenario | None = None) -> F:
    """Clip samples to the parameter's domain: the schema's bounds for a scenario field
    (growth in [-0.5, 2] per month, PUE in [1, 3] ...), within the kind's rule (shares in
    [0, 1], growth and trends >= -0.99, everything else >= 0)."""
    v = np.asarray(values, dtype=float)
    if is_share(path):
        lo, hi = 0.0, 1.0
    elif is_signed(path):
        lo, hi = -0.99, math.inf
    else:
        lo, hi = 0.0, math.inf
    s_lo, s_hi = field_bounds(path, scenario)
    return np.clip(v, max(lo, s_lo), min(hi, s_hi))


@dataclass
class Priced:
    """Every option priced for a batch of samples.

    Attributes
    ----------
    names, kinds : option names and kinds, in scenario order.
    npv, total : (options, N) arrays [USD].
    feasible : (options, N) bool array.
    monthly : (options, N, months) array [USD/month] (None unless asked for).
    deployment, sustainability : (options, N, months) [USD/month] (None unless asked for).
    reasons : infeasibility reasons per option.
    """

    names: list[str]
    kinds: list[str]
    npv: F
    total: F
    feasible: NDArray[np.bool_]
    reasons: dict[str, list[str]]
    #: (options, N) task success rate, NaN where unknown [-]
    quality: F | None = None
    monthly: F | None = None
    deployment: F | None = None
    sustainability: F | None = None
    #: the engine's inputs of this call: ``.used`` lists every numeric path read
    inputs: Inputs | None = None

    def index(self, name: str) -> int:
        return self.names.index(name)


def _engine_error(err: Exception, overrides: Mapping[str, ArrayLike]) -> ScenarioError:
    if isinstance(err, ScenarioError):
        return err
    if isinstance(err, UnknownParameter):
        return ScenarioError(
            [f"{err.args[0]}: unknown parameter; use a dotted path the engine reads"]
        )
    if isinstance(err, CatalogError):
        return ScenarioError([str(err)])
    paths = ", ".join(sorted(overrides)) or "(none)"
    return ScenarioError(
        [
            f"pricing failed with sampled parameters {paths}: {type(err).__name__}: {err}; "
            "sample fewer parameters to find the one the engine cannot take as an array"
        ]
    )


def price_samples(
    scenario: Scenario,
    overrides: Mapping[str, ArrayLike] | None = None,
    n: int | None = None,
    cash_flows: bool = False,
    only: Sequence[str] | None = None,
) -> Priced:
    """Price all options for a batch of samples in one vectorised engine call.

    Parameters
    ----------
    scenario : Scenario
    overrides : mapping of dotted path -> (N,) array
        Sampled inputs; paths not given keep their base value.
    n : int, optional
        Number of samples N when ``overrides`` is empty (results are broadcast to it).
    cash_flows : bool
        Also return monthly cash flows (options, N, months).
    only : option names, optional
        Price only these options (in this order); ``names`` lists them.
    """
    ov = dict(overrides or {})
    try:
        inputs, costs, _ = price_all(scenario, ov, only)
        pairs = [totals(inputs, c) for c in costs]
    except (ScenarioError, UnknownParameter, CatalogError, ValueError, TypeError) as err:
        raise _engine_error(err, ov) from None
    size = n if n is not None else (int(np.prod(inputs.shape)) if inputs.shape else 1)
    shape = (size,)

    def b(x: ArrayLike) -> F:
        return np.broadcast_to(np.asarray(x, dtype=float).reshape(-1) if np.ndim(x) else x, shape)

    npv = np.stack([b(p[1]) for p in pairs])
    total = np.stack([b(p[0]) for p in pairs])
    feasible = np.stack(
        [
            np.broadcast_to(
                np.asarray(c.feasible).reshape(-1) if np.ndim(c.feasible) else c.feasible, shape
            )
            for c in costs
        ]
    )
    out = Priced(
        names=[c.name for c in costs],
        kinds=[c.kind for c in costs],
        npv=npv,
        total=total,
        feasible=feasible,
        reasons={c.name: c.infeasible_reasons for c in costs},
        inputs=inputs,
        quality=np.stack(
            [
                np.full(shape, np.nan)
                if c.quality_samples is None
                else b(np.asarray(c.quality_samples))
                for c in costs
            ]
        ),
    )
    if cash_flows:
        months = scenario.horizon_months

        def m(x: F) -> F:
            return np.broadcast_to(np.asarray(x, dtype=float).reshape(-1, months), (*shape, months))

        out.monthly = np.stack([m(c.monthly) for c in costs])
        out.deployment = np.stack([m(c.deployment) for c in costs])
        out.sustainability = np.stack([m(c.sustainability) for c in costs])
    return out


def base_inputs(scenario: Scenario) -> Inputs:
    """The base-case ``Inputs`` after pricing: ``.used`` lists every numeric path read."""
    inputs = price_samples(scenario, {}, n=1).inputs
    assert inputs is not None
    return inputs


def unknown_path_line(prefix: str, path: str, valid: Sequence[str]) -> str:
    """One error line for a path the engine does not read, listing the closest valid ones."""
    close = difflib.get_close_matches(path, list(valid), n=3, cutoff=0.5)
    some = close or [p for p in valid if p.startswith("workload.")][:3] or list(valid)[:3]
    return (
        f"{prefix}{path}: not a number the engine reads; use a dotted path such as "
        f"{', '.join(some)} (`llmecon sensitivity SCENARIO` lists them all)"
    )


def option_names(scenario: Scenario) -> list[str]:
    return [o.name for o in scenario.options]


def check_option(scenario: Scenario, name: str, where: str) -> None:
    names = option_names(scenario)
    if name not in names:
        raise ScenarioError([f"{where}: no option named {name!r}; options: {', '.join(names)}"])


def fmt_value(path: str, x: float) -> str:
    """Human text for a parameter value with its unit, e.g. '3.1M requests/month', '$4.10/h'."""
    if not math.isfinite(x):
        return str(x)
    if path.endswith("requests_per_month"):
        return f"{fmt.si(x)} requests/month"
    if "per_gpu_hour" in path:
        return f"{fmt.money_cents(x)}/GPU-h"
    if path.endswith("_per_mtok"):
        return f"{fmt.money_sig(x)}/1M tokens"
    if is_share(path) or is_signed(path) or path.endswith(("discount_rate_annual", "headroom")):
        return f"{x:.1%}"
    if "usd" in path:
        return fmt.money_compact(x)
    return f"{x:,.4g}"


def _si(x: float) -> str:
    return fmt.si(x)
