"""Hostile values and flags: one clear error or an infeasible option with its reason, never
a traceback, a NaN or a silent default (issue #10, value classes)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmecon.cli import app
from llmecon.engine import evaluate
from llmecon.errors import ScenarioError
from llmecon.scenario import parse_scenario
from tests.conftest import api_option, build, scenario_dict, self_hosted_option

runner = CliRunner()


def _errors(args: list[str]) -> list[str]:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return [line for line in result.output.splitlines() if line.startswith("error: ")]


def _invalid(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert len(err.value.problems) == 1
    return err.value.problems[0]


def test_on_prem_gpu_without_list_price_says_which_field_to_set() -> None:
    own = self_hosted_option(gpu="L4", pricing="on_prem", usd_per_gpu_hour=None)
    ev = evaluate(build([api_option(), own]))
    assert ev.option("own").infeasible_reasons == [
        "no public price for L4: set options.own.capex_usd_per_gpu"
    ]
    assert ev.recommendation.option == "api"


def test_region_residency_needs_the_region() -> None:
    line = _invalid(scenario_dict(constraints={"data_residency": "region"}))
    assert line == "constraints: region: data_residency 'region' needs the region (e.g. region: eu)"


@pytest.mark.parametrize(
    "option, where",
    [
        (self_hosted_option(kind="slm", training={"mfu": 0}), "options[0].training.mfu"),
        (api_option(migration_every_months=1e-300), "options[0].migration_every_months"),
        (
            self_hosted_option(kind="slm", training={"retrain_every_months": 0.5}),
            "options[0].training.retrain_every_months",
        ),
    ],
)
def test_values_without_physical_meaning_are_refused(option: dict[str, Any], where: str) -> None:
    assert _invalid(scenario_dict([option])).startswith(f"{where}: ")


@pytest.mark.parametrize(
    "field, value",
    [("requests_per_month", 1e308), ("input_tokens", 1e300), ("output_tokens", 1e30)],
)
def test_absurd_volumes_are_refused_before_they_overflow(field: str, value: float) -> None:
    assert _invalid(scenario_dict(workload={field: value})).startswith(f"workload.{field}: ")


def test_tensor_parallel_degree_must_divide_the_heads() -> None:
    own = self_hosted_option(
        model="llama-3.1-70b", gpus_per_replica=3, measured_requests_per_s=None
    )
    reasons = evaluate(build([api_option(), own])).option("own").infeasible_reasons
    assert reasons[0] == (
        "3 GPUs per replica do not divide Llama 3.1 70B's 64 attention heads "
        "(set options.own.gpus_per_replica to a divisor, e.g. 8)"
    )


def test_prompt_beyond_the_context_window_is_infeasible() -> None:
    ev = evaluate(build(workload={"input_tokens": 1_000_000}))
    assert ev.option("own").infeasible_reasons[0] == (
        "prompt + output of 1,000,100 tokens exceed Llama 3.1 8B's 131,072-token context "
        "window (shorten the prompt, or pick a longer-context model)"
    )


@pytest.mark.parametrize(
    "flags, message",
    [
        (
            ["--ttft-ms", "0", "--itl-ms", "0"],
            "error: --ttft-ms: a latency target must be above 0 ms (got 0)",
        ),
        (
            ["--input-tokens", "inf"],
            "error: --input-tokens: inf is not a finite number; give a token count",
        ),
        (
            ["--model", "llama-3.1-70b", "--gpus", "3"],
            "error: --gpus: 3 GPUs do not divide Llama 3.1 70B's 64 attention heads; give a "
            "divisor (1, 2, 4, 8 ...)",
        ),
        (
            ["--input-tokens", "1000000"],
            "error: --input-tokens: 1,000,100 prompt + output tokens exceed Llama 3.1 8B's "
            "131,072-token context window; give fewer",
        ),
    ],
)
def test_perf_refuses_meaningless_flags(flags: list[str], message: str) -> None:
    base = {
        "--model": "llama-3.1-8b",
        "--gpu": "H100",
        "--input-tokens": "500",
        "--output-tokens": "100",
    }
    for k, v in zip(flags[::2], flags[1::2], strict=True):
        base[k] = v
    args = ["perf", *[x for kv in base.items() for x in kv]]
    assert message in _errors(args)


def _uncertain(tmp_path: Path) -> str:
    p = tmp_path / "s.yaml"
    p.write_text(
        "start_date: 2026-01-01\n"
        "workload: {requests_per_month: 1000000, input_tokens: 500, output_tokens: 100}\n"
        "options:\n"
        "  - {name: api, kind: api, prices: {input_per_mtok: 1, output_per_mtok: 5}}\n"
        "  - {name: b, kind: api, prices: {input_per_mtok: 2, output_per_mtok: 4}}\n"
        # YAML 1.1 reads 5e5 (no dot) as text: taken as the number it spells
        "uncertainty:\n  workload.requests_per_month: {dist: uniform, low: 5e5, high: 2e6}\n"
    )
    return str(p)


def test_simulate_flags_are_bounded(tmp_path: Path) -> None:
    path = _uncertain(tmp_path)
    assert _errors(["simulate", path, "--seed", "-1", "--samples", "10"]) == [
        "error: simulate: --seed must be 0 or more (got -1); pass e.g. --seed 7"
    ]
    assert _errors(["simulate", path, "--samples", "100000000"]) == [
        "error: simulate: --samples 100,000,000 is more than 1,000,000 (the samples are kept in "
        "memory); percentiles settle long before that, so sample fewer"
    ]
    assert runner.invoke(app, ["simulate", path, "--samples", "50"]).exit_code == 0
    assert _errors(["sensitivity", path, "--top", "-3"])[0].startswith("error: --top: ")


def test_a_cost_that_overflows_is_an_error_naming_the_inputs() -> None:
    """Prices near the float limit overflow in the bill: refused with the inputs named, never
    a NaN that could be recommended."""
    huge = api_option(input_per_mtok=1e300, output_per_mtok=1e300)
    with pytest.raises(ScenarioError) as err:
        evaluate(build([huge, api_option(name="b")], workload={"requests_per_month": 1e12}))
    line = err.value.problems[0]
    assert line.startswith("options.api: its costs are not finite numbers (overflow or NaN)")
    assert "workload.requests_per_month = 1e+12" in line


def test_monte_carlo_samples_stay_inside_the_schema_bounds() -> None:
    """A normal with sd 5 on monthly growth would draw +500 %/month; samples are clipped to
    the schema's [-0.5, 2.0] (and the share clipped is reported)."""
    from llmecon.analysis._common import clip_to_domain
    from llmecon.analysis.uncertainty import simulate

    assert clip_to_domain("workload.monthly_growth", [-3.0, 0.1, 50.0]).tolist() == [
        -0.5,
        0.1,
        2.0,
    ]
    assert clip_to_domain("organisation.pue", [0.5, 5.0]).tolist() == [1.0, 3.0]
    assert clip_to_domain("options.x.training.mfu", [0.0]).tolist() == [1e-9]
    s = build(uncertainty={"workload.monthly_growth": {"dist": "normal", "mean": 0, "sd": 5}})
    sim = simulate(s, 400, seed=3)
    assert any("monthly_growth samples fell outside its domain" in n for n in sim.notes)
    assert all(math.isfinite(o.npv_usd.p90) for o in sim.options)


def test_no_crossover_month_is_claimed_for_an_infeasible_option() -> None:
    from llmecon.analysis.breakeven import crossover_month

    big = self_hosted_option(
        name="big", model="llama-3.1-405b", gpu="L4", measured_requests_per_s=None
    )
    got = crossover_month(build([api_option(), big]), "api", "big")
    assert got.infeasible == ["big"]
    assert got.explain() == "no crossover month: big is infeasible at the scenario's inputs"


def test_one_output_token_has_no_inter_token_latency_to_meet() -> None:
    """A yes/no classifier (1 output token) under an ITL target stays feasible, and its cost
    does not fall as the output grows (the ITL target no longer folds the batch's prefills
    into a per-token time at O = 1)."""
    own = self_hosted_option(measured_requests_per_s=None, gpus_per_replica=None)
    costs = []
    for out_tokens in (1, 2, 4, 8):
        ev = evaluate(
            build(
                [own],
                workload={"requests_per_month": 3e8, "output_tokens": out_tokens},
                latency={"ttft_ms": 1000, "itl_ms": 50},
            )
        )
        assert ev.option("own").feasible
        costs.append(float(ev.option("own").npv_usd))
    assert costs == sorted(costs)


def test_terminal_control_codes_are_stripped_and_markup_is_shown_as_text(
    tmp_path: Path,
) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(
        'start_date: 2026-01-01\nname: "evil\\x1b[2Jname [bold]x"\n'
        'description: "plan [/] final \\x07"\n'
        "workload: {requests_per_month: 1000000, input_tokens: 500, output_tokens: 100}\n"
        "options:\n  - {name: api, kind: api, prices: {input_per_mtok: 1, output_per_mtok: 5}}\n"
    )
    result = runner.invoke(app, ["evaluate", str(p)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert result.output.splitlines()[0].startswith("evil[2Jname [bold]x — 36 months")


def test_a_range_wider_than_a_float_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(
        "start_date: 2026-01-01\n"
        "workload: {requests_per_month: 1000000, input_tokens: 500, output_tokens: 100}\n"
        "options:\n  - {name: api, kind: api, prices: {input_per_mtok: 1, output_per_mtok: 5}}\n"
        "uncertainty:\n"
        "  options.api.prices.input_per_mtok: {dist: uniform, low: -1.0e308, high: 1.0e308}\n"
    )
    assert _errors(["simulate", str(p), "--samples", "10"]) == [
        "error: uncertainty.options.api.prices.input_per_mtok: the range low=-1e+308 .. "
        "high=1e+308 is wider than a number can hold; give the range the parameter can really take"
    ]


def test_the_only_negative_cash_flow_is_the_labelled_residual_credit() -> None:
    """On-prem GPUs still on the books at the horizon are credited in the last month: one GPU
    at $30,000 with the default 4-year life, after 24 months, is worth 30,000 x (1 - 24/48) =
    $15,000. That credit is the only negative amount, and the details name it."""
    onprem = self_hosted_option(pricing="on_prem", capex_usd_per_gpu=30_000)
    ev = evaluate(build([api_option(), onprem], horizon_months=24))
    own = ev.option("own")
    assert own.details["residual_value_credit_usd"] == pytest.approx(15_000.0)
    assert float(own.pillars["development"][-1]) == pytest.approx(-15_000.0)
    for o in ev.options:
        for name, monthly in o.pillars.items():
            negative = monthly < 0
            if o.name == "own" and name == "development":
                negative[-1] = False
            assert not negative.any(), (o.name, name)


def test_break_even_against_an_always_infeasible_option_says_so() -> None:
    """405B on one L4 never fits: there is no break-even, and no claim that the API is
    'cheaper' than an option that cannot run."""
    from llmecon.analysis.breakeven import breakeven

    big = self_hosted_option(
        name="big", model="llama-3.1-405b", gpu="L4", measured_requests_per_s=None
    )
    be = breakeven(build([api_option(), big]), "api", "big", points=50)
    assert be.crossings == [] and be.infeasible_throughout == ["big"]
    assert be.explain() == (
        "no break-even: big is infeasible over the whole searched range of "
        "workload.requests_per_month, 10k requests/month to 100M requests/month"
    )


def test_an_integer_beyond_64_bits_names_its_fix(tmp_path: Path) -> None:
    """Found by the fuzz test: 9.2e18 months fails pydantic's integer parsing by size."""
    p = tmp_path / "s.yaml"
    p.write_text(
        "workload: {requests_per_month: 1000, input_tokens: 10, output_tokens: 10}\n"
        "horizon_months: 9.223372036854776e+18\n"
        "options:\n  - {name: a, kind: api, prices: {input_per_mtok: 1, output_per_mtok: 1}}\n"
    )
    result = CliRunner().invoke(app, ["evaluate", str(p)])
    assert result.exit_code == 2
    assert result.output.endswith("; give a whole number in the field's range\n")
