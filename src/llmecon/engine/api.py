"""Price an ``api`` or ``hosted_open`` option: a token bill per month, plus the shared pieces.

Pillars [USD/month]:

* development: ``w_eng 40 h r_eng + n_eval c_eval + delay`` in month 0, plus an API
  fine-tuning job ``T_ft / 1e6 * p_ft`` when the option has ``fine_tune``.
* deployment: the token bill ``B_m = R_m * c_req * a_m * f_m``, with the cost of one request
  ``c_req = (I (1 - s_c) p_in + I s_c p_cached + O p_out) / 1e6 * (1 - s_b d_b) * k_ft
  + p_req`` (``pillars.deployment.api_cost_per_request``), ``a_m`` the provider's announced
  price changes and ``f_m`` the price trend reached at each migration, held after
  ``trend_cap_years`` (``pillars.deployment.price_factor``); plus ops staff, network/storage, failures, and
  provisioned throughput in the months where peak load passes the rate-limit tier.
* sustainability: migrations, security hours, observability and compliance.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.resolve import ApiInputs, Outcome, RateLimits
from llmecon.engine.results import OptionCost
from llmecon.engine.shared import (
    at_month,
    development_common,
    failure_cost,
    finish,
    sustainability_common,
    zeros,
)
from llmecon.perf import capacity as cap
from llmecon.pillars import deployment as dep
from llmecon.pillars import development as dev
from llmecon.pillars.discount import discount_factors

F = NDArray[np.float64]


def price_api(a: ApiInputs, min_quality: F | None) -> OptionCost:
    """Monthly cash flows of an API option (see the module docstring for the equations)."""
    c = a.common
    out = Outcome(c.shape, reasons=list(a.reasons), warnings=list(a.warnings))
    if a.context_window:
        tokens = c.input_tokens + c.output_tokens
        out.fail_where(
            tokens > a.context_window,
            f"prompt + output of {float(np.max(tokens)):,.0f} tokens exceed the model's "
            f"{a.context_window:,}-token context window (genai-prices; shorten the prompt, or "
            "pick a longer-context model)",
        )
    requests = c.requests
    r_in, r_out, r_cached = a.announced
    # without announced changes the cost of a request is the same every month: per point,
    # not per point and month (perf); with them, per month from their month on
    monthly = not all(np.all(r == 1.0) for r in a.announced)

    def lift(x: F) -> F:
        return np.asarray(x)[..., None] if monthly else np.asarray(x)

    per_req = dep.api_cost_per_request(
        lift(c.input_tokens),
        lift(c.output_tokens),
        lift(c.cached_input_share),
        lift(a.input_per_mtok) * (r_in if monthly else 1.0),
        lift(a.cached_input_per_mtok) * (r_cached if monthly else 1.0),
        lift(a.output_per_mtok) * (r_out if monthly else 1.0),
        lift(np.asarray(a.per_request_usd)),
        lift(c.batch_share),
        lift(1.0 - a.batch_discount),
    ) * lift(a.inference_premium)
    per_req_m = per_req if monthly else np.asarray(per_req)[..., None]  # (..., months or 1)
    # the trend is reached by moving to newer, cheaper models: prices step at each migration
    factor = dep.price_factor(
        c.months, a.price_change_per_year, c.migration_every_months, c.trend_cap_months
    )
    flat = requests * per_req_m
    bill = flat * factor
    df = discount_factors(c.months, c.discount_rate_annual)
    d = out.details
    d["api_cost_per_request_usd"] = out.per_point(per_req_m[..., 0])
    d["api_bill_flat_prices_usd"] = out.per_point(flat.sum(axis=-1))
    d["api_bill_usd"] = out.per_point(bill.sum(axis=-1))
    d["api_bill_npv_usd"] = out.per_point(_discounted(bill, df))
    d["api_bill_flat_npv_usd"] = out.per_point(_discounted(flat, df))
    d["price_change_per_year"] = out.per_point(a.price_change_per_year)

    staff = dep.ops_staff_cost(c.ops_fte, 0.0, 0.0, c.ops_engineer_usd_per_year)
    d["ops_fte_month0"] = out.per_point(c.ops_fte)
    whole = np.broadcast_shapes(np.shape(staff), bill.shape)  # (points..., months)
    d["ops_staff_usd"] = out.per_point(np.broadcast_to(staff, whole).sum(axis=-1))
    deployment = bill + staff + failure_cost(c)
    deployment = deployment + c.network_storage_usd_per_month[..., None]
    if a.rate_limits is not None:
        deployment = deployment + rate_limit_cost(a, a.rate_limits, out)

    development = development_common(c, out)
    if a.fine_tune_training_tokens is not None and a.fine_tune_usd_per_mtok is not None:
        ft = dev.api_fine_tune_cost(a.fine_tune_training_tokens, a.fine_tune_usd_per_mtok)
        development = development + at_month(c, 0, ft)
        d["fine_tune_usd"] = out.per_point(ft)
    sustainability = sustainability_common(c, requests)
    return finish(c, out, development, deployment, sustainability, min_quality)


def _discounted(cash_flows: F, df: F) -> F:
    """``sum_m CF_m v_m`` (a matrix product when the factors are the same for every point).
    [USD]"""
    if df.ndim == 1:
        return np.asarray(cash_flows @ df)
    return np.asarray((cash_flows * df).sum(axis=-1))


def rate_limit_cost(a: ApiInputs, limits: RateLimits, out: Outcome) -> F:
    """Provisioned-throughput cost, or an infeasibility, when peak traffic passes the tier.

    A combined ``tpm`` limit counts input + output tokens; where a tier publishes separate
    input and output limits (Anthropic), input counts only uncached tokens (cache reads do not
    count against it) and output is checked on its own. [USD/month]
    """
    c = a.common
    peak_weight = c.hourly_weights.max(axis=-1)
    # max_h(R / s * w_h) = R / s * max_h w_h exactly: no (..., M, 24) array (perf)
    peak_rps = (
        c.requests
        / (cap.HOURS_PER_MONTH * cap.SECONDS_PER_HOUR)
        * np.asarray(peak_weight)[..., None]
    )
    rpm = peak_rps * 60.0
    i, o = c.input_tokens[..., None], c.output_tokens[..., None]
    loads = {
        "rate_limit_rpm": (rpm, "requests/min"),
        "rate_limit_tpm": (rpm * (i + o), "tokens/min"),
        "rate_limit_input_tpm": (
            rpm * i * (1.0 - c.cached_input_share[..., None]),
            "uncached input tokens/min",
        ),
        "rate_limit_output_tpm": (rpm * o, "output tokens/min"),
    }
    over = np.zeros(rpm.shape, dtype=bool)
    passed = []
    for key, limit in limits.limits.items():
        load, unit = loads[key]
        hit = load > limit[..., None]
        if hit.any():
            passed.append(f"{np.max(load):,.0f} {unit} > {float(np.min(limit)):,.0f}")
        over |= hit
    out.details["peak_requests_per_min"] = out.per_point(rpm.max(axis=-1))
    out.details["peak_tokens_per_min"] = out.per_point(loads["rate_limit_tpm"][0].max(axis=-1))
    if not over.any():
        return zeros(c)
    first = int(np.argmax(over.reshape(-1, c.months).any(axis=0)))
    if limits.provisioned_usd_per_month is None:
        out.fail_where(
            over.any(axis=-1),
            f"peak load passes the tier's limits from month {first}: {'; '.join(passed)} "
            f"(a higher {c.path}.rate_limit_tier or rate_limit_rpm/tpm, or "
            f"on_rate_limit: provisioned with provisioned_usd_per_month)",
        )
        return zeros(c)
    return np.asarray(np.where(over, limits.provisioned_usd_per_month[..., None], 0.0))
