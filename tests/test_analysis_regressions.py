"""Regression tests from the review of the decision analyses and reports, each with its
expected value computed by hand (ranking rule shared with Monte Carlo and sensitivity,
feasibility along break-even sweeps, stepped crossings, percentiles over feasible samples,
clipping notes, Markdown blocks, links and escaping).

Shared hand arithmetic (scenario ``_scenario`` below, 12 months, discount rate 0):

* ``api``: (500 x $1 + 100 x $5) / 1e6 = $0.001 per request -> NPV = 0.012 x R [USD]
  for a first-month volume R (no growth, every upkeep default zeroed).
* ``own``: one H100 replica at $2/GPU-h, 5 requests/s measured -> NPV $19,649 per replica
  over the horizon (engine base case; 2 replicas = $39,298).
"""

from __future__ import annotations

from typing import Any

import pytest

from llmecon.analysis.breakeven import breakeven
from llmecon.analysis.sensitivity import sensitivity
from llmecon.analysis.uncertainty import simulate
from llmecon.engine import evaluate
from tests.conftest import ZERO_ORG, api_option, build, self_hosted_option


def _scenario(
    options: list[dict[str, Any]] | None = None,
    unc: dict[str, Any] | None = None,
    organisation: dict[str, Any] | None = None,
    **kw: Any,
) -> Any:
    """12 months, discount rate 0, fixed organisation bills zeroed; options default to
    ``api_option()`` and ``self_hosted_option()`` (the module docstring's api and own)."""
    fields = {
        "name": "review",
        "horizon_months": 12,
        "discount_rate_annual": 0.0,
        "organisation": {**ZERO_ORG, **(organisation or {})},
        "uncertainty": unc,
        **kw,
    }
    return build(options, **fields)


# ----------------------------------------------------------------------------- Monte Carlo


def test_simulate_ranks_like_the_recommendation_when_failures_are_priced() -> None:
    # api: 12,000 + 12e6 requests x (1 - 0.6) x $0.001 = $16,800
    # own: 19,649 + 12e6 x (1 - 0.95) x $0.001 = $20,249 -> api is cheaper by NPV (recommend)
    # simulate divides again by quality: 16,800/0.6 = 28,000 > 20,249/0.95 = 21,315 -> own (wrong)
    s = _scenario(
        [api_option(quality=0.6), self_hosted_option(quality=0.95)],
        unc={"workload.requests_per_month": {"dist": "uniform", "low": 0.99e6, "high": 1.01e6}},
        organisation={"cost_per_failure_usd": 0.001},
    )
    ev = evaluate(s)
    assert ev.recommendation.option == "api"  # sanity: the recommendation ranks by NPV
    sim = simulate(s, 200, seed=0)
    assert sim.base_winner == "api"
    assert sim.option("api").p_cheapest == 1.0


def test_simulate_uses_sampled_quality() -> None:
    # quality is accepted as an uncertainty path; sampled api quality U(0.50, 0.55):
    # api per success >= 12,000 / 0.55 = 21,818 > own 19,649 / 0.95 = 20,683 in every sample
    # -> own is cheapest per successful task in 100 % of samples.
    s = _scenario(
        [api_option(quality=0.9), self_hosted_option(quality=0.95)],
        unc={"options.api.quality": {"dist": "uniform", "low": 0.50, "high": 0.55}},
    )
    sim = simulate(s, 200, seed=0)
    assert sim.option("own").p_cheapest == 1.0


RATE_LIMITED = [api_option(rate_limit_rpm=60), self_hosted_option()]
# api peak requests/min = R / (730.5 x 60) x peak-to-average 2 <= 60  <=>  R <= 1,314,900


def test_percentiles_are_over_feasible_samples() -> None:
    # R ~ U(5e5, 2e6); api feasible iff R <= 1,314,900; api NPV = 0.012 R.
    # Feasible R ~ U(5e5, 1,314,900): median 907,450 -> NPV P50 = $10,889.
    # Over all samples the median R is 1.25e6 -> $15,000 (what is reported now).
    s = _scenario(
        RATE_LIMITED,
        unc={"workload.requests_per_month": {"dist": "uniform", "low": 5e5, "high": 2e6}},
    )
    sim = simulate(s, 2000, seed=0)
    api = sim.option("api")
    assert 0.50 < api.p_feasible < 0.58  # (1,314,900 - 5e5) / 1.5e6 = 0.543
    assert api.npv_usd.p50 == pytest.approx(10_889, rel=0.03)


def test_simulate_says_when_samples_were_clipped() -> None:
    # measured_requests_per_s ~ N(0.5, 1): P(x < 0) = Phi(-0.5) = 30.9 % clipped to 0
    # -> own's NPV P90 is ~$9e15 (a zero-throughput replica), and notes say nothing.
    s = _scenario(
        unc={"options.own.measured_requests_per_s": {"dist": "normal", "mean": 0.5, "sd": 1.0}}
    )
    sim = simulate(s, 500, seed=0)
    assert any("clip" in n for n in sim.notes)


# ----------------------------------------------------------------------------- break-even


def test_breakeven_does_not_call_an_infeasible_option_cheaper() -> None:
    # api NPV 0.012 R = 19,649 at R = 1,637,417 (the reported crossing), but api is infeasible
    # (60 rpm limit) above R = 1,314,900: the decision flips there, not at 1.64M.
    be = breakeven(_scenario(RATE_LIMITED), "api", "own")
    api_wins = [iv for iv in be.intervals if iv.cheaper == "api"]
    assert api_wins
    assert all(iv.high <= 1_314_900 * 1.001 for iv in api_wins)


def test_breakeven_lists_every_crossing_of_a_stepped_cost() -> None:
    # Fixed provisioning, flat traffic, no headroom: own = 19,649 x n, n = ceil(x),
    # x = R / C with C = 5 req/s x 730.5 h x 3600 s = 13,149,000 requests/month.
    # api priced at (1 + e) x own's average slope, e = 0.02: api - own = 19,649 ((1+e) x - n).
    # own is cheaper on (n / 1.02, n] for n = 1..50 -> crossings at n / 1.02 (n = 1..50) and the
    # jumps back at x = n (n = 1..49): 99 crossings, all inside the default range
    # base/100 .. base*100 = x in [0.0076, 76]. The finder reports 53.
    p = 0.20755 * 1.02  # 600 tokens x p / 1e6 x 12 months = 1.02 x 19,649 / C per request
    s = _scenario(
        [
            api_option(prices={"input_per_mtok": p, "output_per_mtok": p}),
            self_hosted_option(autoscale=False, headroom=0.0),
        ],
        workload={"peak_to_average": 1.0, "requests_per_month": 1e7},
    )
    be = breakeven(s, "api", "own")
    assert len(be.crossings) == 99


# ----------------------------------------------------------------------------- sensitivity


def test_sensitivity_compares_the_recommendations_top_two() -> None:
    # NPV: api 12,000, api2 14,400, own 19,649. Per success: api 12,000/0.5 = 24,000,
    # api2 14,400/0.95 = 15,158, own 19,649/0.95 = 20,683 -> ranking api2 > own > api.
    s = _scenario(
        [
            api_option(quality=0.5),
            api_option(
                name="api2",
                quality=0.95,
                prices={"input_per_mtok": 1.2, "output_per_mtok": 6.0},
            ),
            self_hosted_option(quality=0.95),
        ]
    )
    assert evaluate(s).recommendation.ranking == ["api2", "own", "api"]
    se = sensitivity(s)
    assert (se.option_a, se.option_b) == ("api2", "own")


# ----------------------------------------------------------------------------- Markdown report


def _md(s: Any, files_dir: str = "r_files") -> str:
    from llmecon.report.render import collect, render_markdown

    return render_markdown(collect(s, samples=100, seed=0), files_dir)[0]


def _html_of_md(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


MC_SCENARIO = _scenario(
    unc={"workload.requests_per_month": {"dist": "uniform", "low": 5e5, "high": 2e6}}
)


def test_markdown_blocks_render_as_separate_blocks() -> None:
    html = _html_of_md(_md(MC_SCENARIO))
    assert "<th>NPV P10</th>" in html  # the Monte Carlo table is a table
    assert "| option | NPV P10" not in html  # ... not literal pipes inside a bullet
    assert "\nRanked by" not in html.split("<h3>At a glance</h3>")[0].split("</ul>")[0]


def test_markdown_image_links_survive_a_space_in_the_file_name() -> None:
    html = _html_of_md(_md(MC_SCENARIO, "my report_files"))
    assert html.count("<img ") == 5  # cumulative, volume, pillars, tornado, distributions


def test_markdown_escapes_free_text_name_and_description() -> None:
    s = _scenario(name="<script>alert(1)</script>", description="<img src=x onerror=alert(1)> & co")
    html = _html_of_md(_md(s))
    assert "<script>" not in html
    assert "<img src=x onerror" not in html and 'onerror="alert' not in html
