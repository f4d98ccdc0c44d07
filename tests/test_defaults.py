"""Defaults a practitioner can defend (issue 11): symmetric trends held after a cap, prices
the user typed left alone, the flat-trend answer beside the trended one, fine-tuned prices
from the catalog, price-in-time warnings, the router's quality curve, the staffing rule and
close calls. Each expectation is computed by hand in the test."""

from __future__ import annotations

import numpy as np
import pytest

from llmecon.analysis.close_call import deciders
from llmecon.engine import evaluate
from llmecon.perf.capacity import DAYS_PER_MONTH, HOURS_PER_MONTH, SECONDS_PER_HOUR
from llmecon.pillars.deployment import price_factor
from tests.conftest import ZERO_ORG, api_option, build, hybrid_option, self_hosted_option

PER_S = HOURS_PER_MONTH * SECONDS_PER_HOUR  # requests/month at 1 request/s


def _option(ev, name):  # type: ignore[no-untyped-def]
    return next(o for o in ev.options if o.name == name)


def test_trends_hold_after_the_cap() -> None:
    """-2/3 per year, stepping every 12 months, held after 60 months: month 59 is at
    (1/3)^4 (the step at month 48), months 60..239 at (1/3)^5 = 0.004115."""
    f = price_factor(240, -2.0 / 3.0, 12.0, 60.0)
    assert f[0] == 1.0
    assert f[59] == pytest.approx((1 / 3) ** 4)
    assert f[60] == pytest.approx((1 / 3) ** 5)
    assert f[239] == f[60]
    # without a cap the same trend reaches (1/3)^19 at month 228: 8.6e-10
    assert price_factor(240, -2.0 / 3.0, 12.0)[239] == pytest.approx((1 / 3) ** 19)


def test_default_cap_is_five_years_and_listed() -> None:
    s = build([api_option(price_change_per_year=-0.5)], horizon_months=120, organisation=ZERO_ORG)
    ev = evaluate(s)
    o = ev.options[0]
    bill = o.pillars["deployment"]
    # $0.001 per request x 1M requests = $1,000 in month 0; x 0.5^5 from month 60 on
    assert bill[0] == pytest.approx(1000.0)
    assert bill[60] == pytest.approx(1000.0 * 0.5**5)
    assert bill[119] == pytest.approx(1000.0 * 0.5**5)
    assert any(a.startswith("trend_cap_years = 5 (llmecon judgement") for a in ev.assumptions)


def test_self_hosted_fleet_follows_the_same_capability_trend() -> None:
    """4 requests/s on replicas that serve 1 request/s each, flat traffic, no headroom: 4
    replicas; after the migration at month 12, at -50 %/yr, the same work needs 2. GPU cost
    per month = replicas x 1 GPU x 24 h x DAYS_PER_MONTH x $2."""
    own = self_hosted_option(
        measured_requests_per_s=1.0,
        headroom=0,
        price_change_per_year=-0.5,
        migration_every_months=12,
        ops_fte_per_100_gpus=0,
    )
    s = build([own], workload={"requests_per_month": 4 * PER_S, "peak_to_average": 1.0})
    o = evaluate(s).options[0]
    dep = o.pillars["deployment"]
    month = 24 * DAYS_PER_MONTH * 2.0  # one GPU for a month at $2/GPU-h
    assert dep[0] == pytest.approx(4 * month)
    assert dep[11] == pytest.approx(4 * month)
    assert dep[12] == pytest.approx(2 * month)
    assert dep[35] == pytest.approx(1 * month)
    assert o.details["price_change_per_year"] == -0.5


def test_gpu_price_trend_is_continuous_and_flat_by_default() -> None:
    """+10 %/yr on $2/GPU-h: month 12 costs 1.1 x month 0, month 6 costs 1.1^0.5 x."""
    own = self_hosted_option(ops_fte_per_100_gpus=0, gpu_price_change_per_year=0.1)
    dep = evaluate(build([own])).options[0].pillars["deployment"]
    assert dep[12] / dep[0] == pytest.approx(1.1)
    assert dep[6] / dep[0] == pytest.approx(1.1**0.5)
    flat = evaluate(build([self_hosted_option(ops_fte_per_100_gpus=0)])).options[0]
    assert flat.details["gpu_price_change_per_year"] == 0.0
    assert any("gpu_price_change_per_year = 0 (flat" in a for a in flat.assumptions)


def test_prices_the_user_typed_are_not_trended() -> None:
    """api_option gives explicit prices; with no trend set, every month bills $1,000."""
    typed = api_option(price_change_per_year=None)
    ev = evaluate(build([typed]))
    o = ev.options[0]
    assert o.details["price_change_per_year"] == 0.0
    assert np.allclose(o.pillars["deployment"], 1000.0)
    assert any("are not trended" in a for a in o.assumptions)


def test_flat_answer_is_given_beside_the_trended_one() -> None:
    """gpt-4o-mini from the catalog trends at -2/3 per year; a contract at 90% of its list
    price does not: trended, the catalog price wins; flat, the contract wins."""
    catalog = api_option(
        "list",
        provider="openai",
        model="gpt-4o-mini",
        prices=None,
        price_change_per_year=None,
    )
    contract = api_option(
        "contract", 0.135, 0.54, provider="openai", model="gpt-4o-mini", price_change_per_year=None
    )
    ev = evaluate(build([catalog, contract], organisation=ZERO_ORG))
    assert ev.recommendation.option == "list"
    assert (
        "with every price and capability trend flat, contract would win: the trends decide "
        "this answer (options.<name>.price_change_per_year)"
    ) in ev.recommendation.reasons
    o = _option(ev, "contract")
    assert o.details["npv_flat_trends_usd"] == pytest.approx(float(o.npv_usd))


def test_fine_tuned_prices_come_from_the_catalog() -> None:
    """genai-prices lists ft:gpt-4o-mini at $0.30 in / $1.20 out per 1M tokens (2x base):
    (500 x 0.30 + 100 x 1.20) / 1e6 = $0.00027 per request."""
    ft = api_option(
        "ft",
        provider="openai",
        model="gpt-4o-mini",
        prices=None,
        fine_tune={"training_tokens": 1e6, "usd_per_mtok_training": 3.0},
    )
    o = evaluate(build([ft])).options[0]
    assert o.details["api_cost_per_request_usd"] == pytest.approx(0.00027)
    assert any("openai/ft:gpt-4o-mini $0.3 in / $1.2 out" in a for a in o.assumptions)


def test_a_short_name_that_resolves_to_a_dearer_model_is_flagged() -> None:
    ml = api_option("ml", provider="mistral", model="mistral-large", prices=None)
    o = evaluate(build([ml])).options[0]
    assert o.warnings == [
        "model 'mistral-large' resolved to mistral/mistral-large (Mistral Large, $2/$6 per 1M "
        "tokens); the catalog also has cheaper versions mistral-large-2512 ($0.5/$1.5), "
        "mistral-large-4 ($0.7/$2.1): give the id you mean"
    ]


def test_a_start_date_before_the_catalog_s_dated_prices_is_said() -> None:
    old = api_option("old", provider="openai", model="gpt-3.5-turbo", prices=None)
    s = build([old])
    s.start_date = s.start_date.replace(year=2023)
    o = evaluate(s).options[0]
    assert (
        "options.old: genai-prices holds no dated price for gpt-3.5-turbo on 2023-01-01; its "
        "current price is used (set prices: to price the past)"
    ) in o.assumptions


def test_trained_router_recovers_more_of_the_gap() -> None:
    """Escalating 0.2: RouteLLM's best router recovers 0.5 + (0.2 - 0.134) / (0.313 -
    0.134) x 0.3 = 0.610615 of the gap; legs at 0.8 and 0.9 -> 0.8610615. A random router
    recovers 0.2 -> 0.82."""
    legs = [api_option("small", quality=0.8), api_option("big", quality=0.9)]
    trained = build([*legs, hybrid_option("h", ["small", "big"], 0.2, router="trained")])
    random = build([*legs, hybrid_option("h", ["small", "big"], 0.2)])
    assert _option(evaluate(trained), "h").quality == pytest.approx(0.8610615, abs=1e-6)
    assert _option(evaluate(random), "h").quality == pytest.approx(0.82)


def test_staffing_rule_scales_with_the_fleet() -> None:
    """One replica of one GPU: 0.05 + 2 x 1 / 100 = 0.07 FTE; the reason states it."""
    own = self_hosted_option(ops_fte=None, ops_fte_per_100_gpus=None, min_replicas=1)
    ev = evaluate(build([own], workload={"requests_per_month": 1000}))
    o = ev.options[0]
    assert o.details["ops_fte_month0"] == pytest.approx(0.07)
    assert any(r.startswith("staffing: own carries 0.07 FTE") for r in ev.recommendation.reasons)


def test_close_call_names_what_decides_it() -> None:
    """Two API options 2% apart: a close call; each decider's flip value is where the two
    rank equal (re-priced there, the gap is ~0)."""
    a = api_option("a", 1.0, 5.0)
    b = api_option("b", 1.0, 5.0, engineering_weeks=0.4)
    b["prices"]["input_per_mtok"] = 0.98
    ev = evaluate(build([a, b], organisation=ZERO_ORG))
    rec = ev.recommendation
    assert rec.close_call
    found = deciders(ev)
    assert found and found[0].flip_value is not None
    d = found[0]
    at = evaluate(ev.scenario, {d.parameter: np.array([d.flip_value])})
    gap = float(at.options[0].npv_usd[0] - at.options[1].npv_usd[0])
    assert abs(gap) < 1e-3 * float(at.options[0].npv_usd[0])


def _catalog_priced(**option: object) -> dict[str, object]:
    own = self_hosted_option(usd_per_gpu_hour=None, **option)
    return own


def test_gpu_price_follows_region_and_market() -> None:
    """H100 on-demand, us, hyperscaler: the median of the hyperscaler quotes is $11.06125
    (tests/test_gpu_quotes.py works it out); us neocloud: Lambda's two quotes 4.29 and 3.99
    give 4.14, with the other neocloud quote the median is 4.065."""
    cons = {"data_residency": "none", "region": "us"}
    hyper = build([_catalog_priced()], constraints=cons, organisation={"gpu_market": "hyperscaler"})
    neo = build([_catalog_priced()], constraints=cons)
    o = evaluate(hyper).options[0]
    assert ev_price(o) == pytest.approx(11.06125)
    assert ev_price(evaluate(neo).options[0]) == pytest.approx(4.065)
    assert any("in us, hyperscaler segment" in a for a in o.assumptions)


def ev_price(o) -> float:  # type: ignore[no-untyped-def]
    return float(o.details["usd_per_gpu_hour"])


def test_residency_filters_gpu_prices_and_never_prices_from_elsewhere() -> None:
    """No H100 reserved-1y quote is in uk: under residency the option is infeasible, with
    the fix; without residency the quotes of every geo are used, and the note says so."""
    reserved = _catalog_priced(pricing="reserved")
    strict = build([reserved], constraints={"data_residency": "region", "region": "uk"})
    o = evaluate(strict).options[0]
    assert not o.feasible
    assert o.infeasible_reasons[0].startswith("no H100 SXM reserved-1y quote in uk in the catalog")
    assert o.infeasible_reasons[0].endswith("set usd_per_gpu_hour (or add a gpu_prices row)")
    loose = evaluate(build([reserved], constraints={"data_residency": "none", "region": "uk"}))
    assert loose.options[0].feasible
    assert any("used quotes from all geos" in a for a in loose.options[0].assumptions)


def test_a_scenario_brings_its_own_gpu_and_price() -> None:
    """An RTX 5090 from the scenario's catalog, priced at the user's $0.89/GPU-h (the only
    quote for it): the self-hosted option is priced on it and says where the price came from."""
    own = self_hosted_option(gpu="RTX 5090", usd_per_gpu_hour=None, precision="fp8")
    s = build(
        [own],
        catalog={
            "gpus": [
                {
                    "name": "RTX 5090",
                    "memory_gb": 32,
                    "mem_bandwidth_gbs": 1792,
                    "bf16_tflops": 209.5,
                    "fp8_tflops": 419,
                }
            ],
            "gpu_prices": [{"gpu": "RTX 5090", "usd_per_gpu_hour": 0.89, "pricing": "on-demand"}],
        },
    )
    o = evaluate(s).options[0]
    assert o.details["gpu"] == "RTX 5090"
    assert o.details["usd_per_gpu_hour"] == 0.89
    assert any(
        x.startswith("RTX 5090 on-demand: median $0.89/GPU-h of 1 quotes") for x in o.sources
    )


def test_a_bad_catalog_entry_names_its_path() -> None:
    from llmecon.errors import ScenarioError

    with pytest.raises(ScenarioError) as err:
        build([api_option()], catalog={"gpus": [{"name": "X", "memory_gb": -1}]})
    assert any(line.startswith("catalog.gpus[0].memory_gb: ") for line in err.value.problems)


def test_prefix_caching_serves_more_per_replica_and_can_be_turned_off() -> None:
    """Half of each 2,000-token prompt cached: the modelled replica (no measured figure)
    needs fewer GPUs with the cache than without; prefix_caching: false gives the old fleet."""
    fields = {"measured_requests_per_s": None, "gpus_per_replica": None, "precision": "fp8"}
    work = {
        "requests_per_month": 3e7,
        "input_tokens": 2000,
        "output_tokens": 100,
        "cached_input_share": 0.5,
    }
    cached = evaluate(build([self_hosted_option(**fields)], workload=work)).options[0]
    plain = evaluate(
        build([self_hosted_option(prefix_caching=False, **fields)], workload=work)
    ).options[0]
    assert cached.details["gpu_hours_month0"] < plain.details["gpu_hours_month0"]
    assert any("prefix_caching: the workload's cached_input_share" in a for a in cached.assumptions)
    assert not any("prefix_caching:" in a for a in plain.assumptions)


def test_weekday_weights_shape_the_week() -> None:
    """Business days twice the weekend: v = (2,2,2,2,2,1,1)/mean 12/7 -> 7/6 on weekdays,
    7/12 at weekends. Flat hours, replicas that serve 1 request/s, no headroom, autoscaling:
    at a mean of 6 requests/s, weekdays need 7 replicas and weekends 3.5 -> 4, so a mean day
    runs (5 x 7 + 2 x 4) / 7 x 24 replica-hours, against 6 x 24 without the weekday shape."""
    own = self_hosted_option(measured_requests_per_s=1.0, headroom=0, ops_fte_per_100_gpus=0)
    work = {"requests_per_month": 6 * PER_S, "peak_to_average": 1.0}
    week = build([own], workload={**work, "weekday_weights": [2, 2, 2, 2, 2, 1, 1]})
    flat = build([own], workload=work)
    month = 24 * DAYS_PER_MONTH * 2.0  # one GPU for a month at $2/GPU-h
    assert evaluate(week).options[0].pillars["deployment"][0] == pytest.approx(
        (5 * 7 + 2 * 4) / 7 * month
    )
    assert evaluate(flat).options[0].pillars["deployment"][0] == pytest.approx(6 * month)


def test_weekday_weights_need_seven() -> None:
    from llmecon.errors import ScenarioError

    with pytest.raises(ScenarioError) as err:
        build([api_option()], workload={"weekday_weights": [1, 1, 1]})
    assert "give exactly 7 non-negative weights (Monday first)" in err.value.problems[0]


def test_a_model_too_large_for_a_node_spans_two() -> None:
    """Llama 3.1 405B in bf16 is 810 GB of weights, more than 8 x 80 GB: the search takes 16
    GPUs over two nodes; a slower network (one 50 GB/s link per node) serves less per
    replica."""
    fields = {"measured_requests_per_s": None, "gpus_per_replica": None}
    big = self_hosted_option(model="llama-3.1-405b", precision="bf16", **fields)
    slow = self_hosted_option(
        model="llama-3.1-405b", precision="bf16", network_gbs_per_gpu=6.25, **fields
    )
    work = {"requests_per_month": 3e6, "input_tokens": 1000, "output_tokens": 200}
    lat = {"ttft_ms": 3000, "itl_ms": 100}
    fast = evaluate(build([big], workload=work, latency=lat)).options[0]
    narrow = evaluate(build([slow], workload=work, latency=lat)).options[0]
    assert fast.details["gpus_per_replica"] == 16
    assert (
        narrow.details["per_replica"]["requests_per_s"]
        < fast.details["per_replica"]["requests_per_s"]
    )


def test_one_option_s_swept_staffing_prices_beside_an_unswept_one() -> None:
    """Regression: the staffing detail broadcast a swept (N, 1) staff cost onto an unswept
    (M,) bill. At 0.05 FTE more, b costs 0.05 x salary / 12 more per month."""
    s = build([api_option("a"), api_option("b")], organisation=ZERO_ORG)
    ev = evaluate(s, {"options.b.ops_fte": np.array([0.0, 0.05])})
    b = ev.option("b")
    salary = float(b.details["ops_staff_usd"][1]) / 36 / 0.05 * 12
    assert float(b.total_usd[1] - b.total_usd[0]) == pytest.approx(0.05 * salary / 12 * 36)
    assert float(b.details["ops_staff_usd"][0]) == 0.0


def test_evaluate_lists_a_close_call_s_deciders(tmp_path: object) -> None:
    """The CLI prints each decider under the close-call reason, and --format json carries
    them; each line is ``analysis.close_call.line_of`` of its JSON entry."""
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from llmecon.analysis.close_call import line_of
    from llmecon.cli import app
    from llmecon.scenario import dump_scenario

    a = api_option("a", 1.0, 5.0)
    b = api_option("b", 1.0, 5.0, engineering_weeks=0.4)
    b["prices"]["input_per_mtok"] = 0.98
    path = Path(str(tmp_path)) / "s.yaml"
    path.write_text(dump_scenario(build([a, b], organisation=ZERO_ORG)), encoding="utf-8")
    data = json.loads(CliRunner().invoke(app, ["evaluate", str(path), "-f", "json"]).output)
    found = data["recommendation"]["deciders"]
    assert data["recommendation"]["close_call"] is True and found
    table = CliRunner().invoke(app, ["evaluate", str(path)]).output
    for d in found:
        assert f"    - {line_of(d)}\n" in table


def test_a_deprecated_model_is_a_warning() -> None:
    """genai-prices 0.2.3 marks gemini-2.0-flash deprecated; Google publishes no notice
    period in the catalog, so the warning says to set the migration interval."""
    flash = api_option("flash", provider="google", model="gemini-2.0-flash", prices=None)
    o = evaluate(build([flash])).options[0]
    assert o.warnings == [
        "gemini-2.0-flash is deprecated at google (genai-prices): a forced migration comes "
        "within the provider's notice period; no notice period is published here; set "
        "options.flash.migration_every_months"
    ]
    # OpenAI gives at least 6 months' notice, Anthropic 60 days = 60 / 30.4 = 2.0 months
    from llmecon.engine.resolve import _deprecation_notice_months

    assert _deprecation_notice_months("openai")[0] == 6.0  # type: ignore[index]
    assert _deprecation_notice_months("anthropic")[0] == 2.0  # type: ignore[index]
