"""Pillar pieces every option kind shares: build and evaluation effort, cost of delay,
migrations, security upkeep, observability and compliance, failures, and the final
assembly into an ``OptionCost``.

All amounts are monthly cash flows [USD/month] of shape (..., months).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.inputs import memo_key
from llmecon.engine.resolve import Common, Outcome, Upkeep
from llmecon.engine.results import OptionCost
from llmecon.pillars import development as dev
from llmecon.pillars import sustainability as sus

F = NDArray[np.float64]


def zeros(c: Common) -> F:
    return np.zeros((*c.shape, c.months))


def at_month(c: Common, month: int, amount: F) -> F:
    """``amount`` paid in ``month`` (0 elsewhere). [USD/month]"""
    out = zeros(c) + 0.0 * np.asarray(amount)[..., None]
    out[..., month] += amount
    return out


def development_common(c: Common, out: Outcome, at_least_weeks: float | F = 0.0) -> F:
    """Build effort, evaluation set and cost of delay, paid in month 0.

    ``E = w_eng * 40 h * r_eng + n_eval * c_eval + max(t_deploy, t_legs) / 4.345 * c_delay``
    [USD]. A hybrid's legs go live with it, so the hybrid pays the delay once.
    """
    build = dev.engineering_cost(c.engineering_weeks, c.engineer_usd_per_hour)
    evalset = dev.per_example_cost(c.eval_set_examples, c.eval_usd_per_example)
    weeks = np.maximum(c.time_to_deploy_weeks, at_least_weeks)
    delay = 0.0 if c.as_leg else dev.delay_cost(weeks, c.cost_of_delay_usd_per_month)
    out.details["time_to_deploy_weeks"] = out.per_point(weeks)
    return at_month(c, 0, build + evalset + delay)


def sustainability_common(c: Common, traced_requests: F) -> F:
    """Migrations every ``k`` months (engineering weeks each), security hours, and (unless a
    hybrid's leg) observability and compliance. [USD/month]"""
    rate = c.engineer_usd_per_hour
    migration = sus.periodic(
        c.months, c.migration_every_months, dev.engineering_cost(c.migration_weeks, rate)
    )
    security = (c.security_hours_per_month * rate)[..., None]
    if c.upkeep is None:
        return np.asarray(migration + security)
    return np.asarray(migration + security + shared_upkeep(c, traced_requests))


def shared_upkeep(c: Common, traced_requests: F) -> F:
    """Observability (Langfuse per-trace plan, or the user's flat bill) and compliance.

    ``C_m = base + max(s R_m - U, 0) / 1e5 * p + compliance / 12`` [USD/month].
    """
    u = c.upkeep
    assert u is not None
    parts = (
        u.traced_share,
        u.observability_usd_per_month,
        u.langfuse_base_usd_per_month,
        u.langfuse_overage_usd_per_100k,
        u.compliance_usd_per_year,
    )
    # options that trace the same requests at the same prices share one bill (perf)
    key = ("upkeep", id(traced_requests), *(memo_key(x) for x in parts))
    hit = c.memo.get(key)
    if hit is not None:
        return np.asarray(hit[0])
    bill = _upkeep(u, traced_requests)
    c.memo[key] = (bill, traced_requests, parts)  # keeps the ids alive
    return bill


def _upkeep(u: Upkeep, traced_requests: F) -> F:
    if u.observability_usd_per_month is None:
        obs = sus.observability_cost(
            traced_requests * u.traced_share[..., None],
            u.langfuse_base_usd_per_month,
            u.langfuse_included_units,
            u.langfuse_overage_usd_per_100k,
        )
    else:
        obs = np.broadcast_to(u.observability_usd_per_month[..., None], traced_requests.shape)
    return np.asarray(obs + u.compliance_usd_per_year[..., None] / 12.0)


def failure_cost(c: Common, quality: F | None = None) -> F:
    """Failures when the success rate is known: ``R_m (1 - q) c_fail`` [USD/month].

    A hybrid's legs are not charged: the hybrid charges its blended quality once."""
    q = c.quality if quality is None else quality
    if c.as_leg or q is None:
        return zeros(c)
    return np.asarray(
        c.requests * (1.0 - np.asarray(q)[..., None]) * c.cost_per_failure_usd[..., None]
    )


def _own(x: F, full: tuple[int, ...], pillars: tuple[F, ...]) -> F:
    """``np.broadcast_to(x, full).astype(float)`` without the copy when ``x`` already is a
    full-shape float64 array of its own, not shared with another pillar (perf)."""
    if (
        isinstance(x, np.ndarray)
        and x.shape == full
        and x.dtype == np.float64
        and x.flags.owndata
        and x.flags.writeable
        and sum(p is x for p in pillars) == 1
    ):
        return x
    return np.broadcast_to(x, full).astype(float)


def finish(
    c: Common,
    out: Outcome,
    development: F,
    deployment: F,
    sustainability: F,
    min_quality: F | None,
    quality: F | None = None,
) -> OptionCost:
    """Check the quality bar and assemble the priced option."""
    q = c.quality if quality is None else quality
    if min_quality is not None and not c.as_leg:  # a hybrid checks its blended quality
        if q is None:
            out.warnings.append(
                f"quality unknown: cannot check min_quality {float(np.min(min_quality)):g}; set {c.path}.quality from your evaluation"
            )
        else:
            below = np.asarray(q) < min_quality
            out.fail_where(
                below,
                f"quality {float(np.mean(q)):.3g} is below the minimum {float(np.max(min_quality)):g}",
            )
    feasible = ~out.bad & np.full(c.shape, not out.reasons, dtype=bool)
    full = (*c.shape, c.months)
    pillars = (development, deployment, sustainability)
    return OptionCost(
        name=c.name,
        kind=c.kind,
        development=_own(development, full, pillars),
        deployment=_own(deployment, full, pillars),
        sustainability=_own(sustainability, full, pillars),
        feasible=feasible,
        infeasible_reasons=list(dict.fromkeys(out.reasons + out.sample_reasons)),
        warnings=out.warnings,
        details=out.details,
        quality_samples=None if q is None else np.broadcast_to(np.asarray(q, dtype=float), c.shape),
        deploy_weeks=np.asarray(out.details.get("time_to_deploy_weeks", 0.0), dtype=float),
    )
