"""Price a ``hybrid`` option: two legs at their traffic shares (a cascade sends every request
to the first leg and the escalated share ``s`` to the second; a router splits ``1 - s`` and
``s``), plus the hybrid's own build, router, tracing and compliance (priced once), and
failures at the blended quality.

Pillars [USD/month]: each the sum of the legs' pillars plus

* development: the hybrid's build and evaluation, and the delay until both legs are live;
* deployment: router ``R_m p_router / 1e6``, ops staff, network/storage, failures
  ``R_m (1 - q) c_fail`` with ``q`` the hybrid's measured quality, or
  ``q_1 + PGR(s) (q_2 - q_1)``, PGR the share of the quality gap the router recovers when it
  sends a share ``s`` to the second leg (RouteLLM, Ong et al. 2024, arXiv 2406.18665: ``s``
  for a router untested on the traffic, the default; their best in-domain router with
  ``router: trained``);
* sustainability: migrations and security, and tracing of ``R_m (1 + s)`` requests for a
  cascade (both legs answer the escalated ones), ``R_m`` for a router.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.resolve import HybridInputs, Outcome
from llmecon.engine.results import OptionCost
from llmecon.engine.shared import (
    development_common,
    failure_cost,
    finish,
    sustainability_common,
    zeros,
)
from llmecon.pillars import deployment as dep

F = NDArray[np.float64]

#: Leg details that add up into the hybrid's.
SUMMED_DETAILS = (
    "api_bill_usd",
    "api_bill_flat_prices_usd",
    "api_bill_npv_usd",
    "api_bill_flat_npv_usd",
)


def leg_shares(h: HybridInputs) -> tuple[F, F]:
    """Traffic shares of the first and second leg [-]."""
    share = h.escalation_share
    first = np.asarray(1.0) if h.mode != "route" else 1.0 - share
    return np.asarray(first), share


def price_hybrid(
    h: HybridInputs, legs: tuple[OptionCost, OptionCost], min_quality: F | None
) -> OptionCost:
    """Monthly cash flows of a hybrid whose legs were priced at ``leg_shares`` as legs."""
    c = h.common
    out = Outcome(c.shape)
    share = h.escalation_share
    requests = c.requests
    traced = requests * (1.0 + share[..., None]) if h.mode != "route" else requests
    router = requests * h.router_usd_per_mrequests[..., None] / 1e6
    q1, q2 = legs[0].quality_samples, legs[1].quality_samples
    quality: F | None = c.quality
    if quality is None and q1 is not None and q2 is not None:
        # q = q1 + PGR(s) (q2 - q1): the router's recovered share of the gap at share s
        knots, recovered = h.router_curve
        pgr = np.interp(share, knots, recovered)
        quality = q1 + pgr * (np.asarray(q2) - np.asarray(q1))
    staff = dep.ops_staff_cost(c.ops_fte, 0.0, 0.0, c.ops_engineer_usd_per_year)
    leg_weeks = np.maximum(legs[0].deploy_weeks, legs[1].deploy_weeks)  # live when both are
    development = sum((leg.development for leg in legs), zeros(c)) + development_common(
        c, out, leg_weeks
    )
    deployment = (
        sum((leg.deployment for leg in legs), zeros(c))
        + router
        + staff
        + c.network_storage_usd_per_month[..., None]
        + failure_cost(c, quality)
    )
    sustainability = sum((leg.sustainability for leg in legs), zeros(c)) + sustainability_common(
        c, traced
    )
    for leg in legs:
        out.reasons.extend(
            f"leg {leg.name}: {r}" for r in leg.infeasible_reasons if np.all(~leg.feasible)
        )
        out.sample_reasons.extend(
            f"leg {leg.name}: {r}" for r in leg.infeasible_reasons if not np.all(~leg.feasible)
        )
    out.bad = out.bad | ~np.broadcast_to(legs[0].feasible & legs[1].feasible, c.shape)
    shares = leg_shares(h)
    out.details["legs"] = {
        leg.name: {
            "traffic_share": out.per_point(x),
            "total_usd": out.per_point(leg.monthly.sum(axis=-1)),
        }
        for leg, x in zip(legs, shares, strict=True)
    }
    for key in SUMMED_DETAILS:
        if any(key in leg.details for leg in legs):
            out.details[key] = out.per_point(
                sum(np.asarray(leg.details.get(key, 0.0)) for leg in legs)
            )
    trend = [
        leg.details["price_change_per_year"]
        for leg in legs
        if "price_change_per_year" in leg.details
    ]
    if trend:
        out.details["price_change_per_year"] = trend[0]
    return finish(c, out, development, deployment, sustainability, min_quality, quality)
