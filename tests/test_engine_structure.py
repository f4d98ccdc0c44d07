"""The engine's shape: no import circle in src/, every numeric scenario field sweepable or
declared structural, array results per point."""

from __future__ import annotations

import ast
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from llmecon.engine import Inputs, evaluate, price_all
from llmecon.engine.inputs import STRUCTURAL
from llmecon.scenario import Option, Scenario, parse_scenario
from tests.conftest import START_DATE, api_option, build, self_hosted_option

SRC = Path(__file__).resolve().parents[1] / "src" / "llmecon"


# --------------------------------------------------------------------------- import graph


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every llmecon module ``path`` imports, wherever the import stands (function bodies and
    TYPE_CHECKING blocks included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("llmecon"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("llmecon"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in modules else node.module)
    return out


def test_src_has_no_import_circle() -> None:
    files = sorted(SRC.rglob("*.py"))
    modules = {_module_name(p) for p in files}
    graph = {_module_name(p): _imports(p, modules) - {_module_name(p)} for p in files}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if n not in graph:
                continue
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n) :], n]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_options_module_is_gone_into_the_engine() -> None:
    assert not (SRC / "options.py").exists()
    assert not (SRC / "evaluation.py").exists()
    for kind in ("resolve", "api", "self_hosted", "training", "hybrid", "results", "evaluate"):
        assert (SRC / "engine" / f"{kind}.py").exists()


# --------------------------------------------------------------------------- schema walk


def _unwrap(tp: Any) -> Any:
    """The non-None member of an Optional, and the base type of an Annotated."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if origin in (typing.Union, __import__("types").UnionType) and len(args) == 1:
        return _unwrap(args[0])
    return tp


def numeric_fields(model: type[BaseModel], prefix: str) -> list[str]:
    """Dotted paths of every numeric field below ``model`` (a list of numbers as ``.N``, a
    mapping of numbers as the field itself)."""
    out: list[str] = []
    for name, f in model.model_fields.items():
        tp = _unwrap(f.annotation)
        path = f"{prefix}{name}"
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            out += numeric_fields(tp, f"{path}.")
        elif tp in (int, float):
            out.append(path)
        elif typing.get_origin(tp) is list and _unwrap(typing.get_args(tp)[0]) in (int, float):
            out.append(f"{path}.N")
        elif typing.get_origin(tp) is dict and _unwrap(typing.get_args(tp)[1]) in (int, float):
            out.append(path)
    return out


#: One scenario that reads every optional numeric field at least once (each option takes
#: another branch of the engine).
KITCHEN_SINK: dict[str, Any] = {
    "start_date": START_DATE,
    "workload": {
        "requests_per_month": 2_000_000,
        "input_tokens": 800,
        "output_tokens": 200,
        "cached_input_share": 0.2,
        "batch_share": 0.1,
        "hourly_weights": [1.0] * 12 + [2.0] * 12,
        "weekday_weights": [1.0] * 5 + [0.5] * 2,
    },
    "latency": {"ttft_ms": 2000, "itl_ms": 100, "percentile": 95},
    "constraints": {"min_quality": 0.5},
    "organisation": {
        "engineer_usd_per_hour": 100,
        "ops_engineer_usd_per_year": 200_000,
        "electricity_usd_per_kwh": 0.1,
        "pue": 1.3,
        "colocation_usd_per_kw_month": 150,
        "cost_of_delay_usd_per_month": 1000,
        "compliance_usd_per_year": 5000,
        "observability_usd_per_month": 100,
        "traced_share": 0.5,
        "cost_per_failure_usd": 0.01,
    },
    "options": [
        {
            "name": "api",
            "kind": "api",
            "prices": {
                "input_per_mtok": 1,
                "output_per_mtok": 4,
                "cached_input_per_mtok": 0.5,
                "per_request": 0.0001,
                "batch_discount": 0.5,
            },
            "fine_tune": {
                "training_tokens": 1e6,
                "usd_per_mtok_training": 3,
                "inference_premium": 1.5,
            },
            "rate_limit_rpm": 1e6,
            "rate_limit_tpm": 1e9,
            "on_rate_limit": "provisioned",
            "provisioned_usd_per_month": 1000,
            "quality": 0.9,
            "engineering_weeks": 1,
            "eval_set_examples": 10,
            "eval_usd_per_example": 1,
            "time_to_deploy_weeks": 1,
            "ops_fte": 0.1,
            "network_storage_usd_per_month": 10,
            "migration_every_months": 12,
            "migration_weeks": 1,
            "price_change_per_year": -0.1,
            "security_hours_per_month": 1,
        },
        {
            "name": "reserved",
            "kind": "self_hosted",
            "model": "llama-3.1-8b",
            "gpu": "H100",
            "pricing": "reserved",
            "usd_per_gpu_hour": 3,
            "reserved_usd_per_gpu_hour": 2,
            "committed_gpus": 1,
            "headroom": 0.1,
            "ops_fte_per_100_gpus": 1,
            "efficiency": {
                "mbu": 0.7,
                "mfu_decode": 0.5,
                "mfu_prefill": 0.5,
                "step_overhead_ms": 5,
                "allreduce_latency_us": 20,
                "max_batch": 128,
                "kv_reserve_output": 0.5,
            },
            "quality": 0.8,
        },
        {
            "name": "spot",
            "kind": "self_hosted",
            "model": "llama-3.1-8b",
            "gpu": "H100",
            "pricing": "spot",
            "spot_usd_per_gpu_hour": 1.5,
            "spot_interruption_overhead": 0.1,
            "measured_output_tokens_per_s": 2000,
        },
        {
            "name": "onprem",
            "kind": "self_hosted",
            "model": "llama-3.1-8b",
            "gpu": "H100",
            "pricing": "on_prem",
            "capex_usd_per_gpu": 25_000,
            "amortisation_years": 4,
            "measured_requests_per_s": 10,
        },
        {
            "name": "slm",
            "kind": "slm",
            "model": "llama-3.1-8b",
            "gpu": "H100",
            "usd_per_gpu_hour": 3,
            "training": {
                "method": "lora",
                "examples": 1000,
                "tokens_per_example": 500,
                "epochs": 2,
                "usd_per_gpu_hour": 3,
                "mfu": 0.3,
                "label_usd_per_example": 0.2,
                "retrain_every_months": 6,
            },
        },
        {
            "name": "pretrained",
            "kind": "slm",
            "model": "qwen2.5-1.5b",
            "gpu": "H100",
            "usd_per_gpu_hour": 3,
            "training": {"method": "pretrain", "pretrain_tokens": 1e9},
        },
        {
            "name": "cascade",
            "kind": "hybrid",
            "legs": ["api", "spot"],
            "escalation_share": 0.2,
            "router_usd_per_mrequests": 1,
        },
    ],
}


def _concrete(template: str, scenario: Scenario) -> list[str]:
    if template.startswith("options."):
        rest = template[len("options.") :]
        return [f"options.{o.name}.{rest}" for o in scenario.options]
    return [template]


def test_every_numeric_field_is_sweepable_or_declared_structural() -> None:
    scenario = parse_scenario(KITCHEN_SINK)
    inputs, _, _ = price_all(scenario)
    # peak_to_average is read when no hourly weights are given
    shaped = {**KITCHEN_SINK, "workload": {**KITCHEN_SINK["workload"], "hourly_weights": None}}
    used = set(inputs.used) | set(price_all(parse_scenario(shaped))[0].used)
    templates = numeric_fields(Scenario, "")
    templates += numeric_fields(Option, "options.<option>.")
    missing = []
    for t in templates:
        if t.startswith("options.<option>") is False and t.startswith("options."):
            continue  # the list of options itself: walked through Option
        if t in STRUCTURAL or t.removesuffix(".N") in STRUCTURAL:
            continue
        if t.startswith("options.<option>."):
            rest = t[len("options.<option>.") :].replace(".N", ".0")
            if not any(p.startswith("options.") and p.endswith("." + rest) for p in used):
                missing.append(t)
        elif t.replace(".N", ".0") not in used:
            missing.append(t)
    assert not missing, f"numeric fields neither read through Inputs.get nor structural: {missing}"
    assert all(len(why) > 20 for why in STRUCTURAL.values())


@pytest.mark.parametrize(
    "path, values",
    [
        ("workload.peak_to_average", [1.5, 3.0]),
        ("options.own.efficiency.mbu", [0.5, 0.8]),
        ("options.own.efficiency.step_overhead_ms", [2.0, 8.0]),
        ("options.own.efficiency.mfu_prefill", [0.3, 0.6]),
        ("constraints.min_quality", [0.5, 0.95]),
    ],
)
def test_newly_sweepable_fields_equal_scalar_runs(path: str, values: list[float]) -> None:
    own = self_hosted_option(measured_requests_per_s=None, gpus_per_replica=None, quality=0.9)
    data = {"latency": {"ttft_ms": 1500, "itl_ms": 60}, "constraints": {"min_quality": 0.5}}
    scenario = build([api_option(quality=0.9), own], workload={"peak_to_average": 2.0}, **data)
    swept = evaluate(scenario, {path: np.asarray(values)})
    for k, v in enumerate(values):
        one = evaluate(scenario, {path: np.asarray(v)})
        for name in ("api", "own"):
            a, b = swept.option(name), one.option(name)
            assert float(a.npv_usd[k]) == pytest.approx(float(b.npv_usd), rel=1e-9)
            assert bool(a.feasible_points.reshape(-1)[k]) == bool(b.feasible_points)


def test_hourly_weights_are_sweepable_one_by_one() -> None:
    own = self_hosted_option()
    flat = build([own], workload={"hourly_weights": [1.0] * 24})
    swept = evaluate(flat, {"workload.hourly_weights.9": np.asarray([1.0, 10.0])})
    peaked = build([own], workload={"hourly_weights": [1.0] * 9 + [10.0] + [1.0] * 14})
    assert float(swept.option("own").npv_usd[0]) == pytest.approx(
        float(evaluate(flat).option("own").npv_usd), rel=1e-12
    )
    assert float(swept.option("own").npv_usd[1]) == pytest.approx(
        float(evaluate(peaked).option("own").npv_usd), rel=1e-12
    )


def test_tensor_parallel_choice_follows_the_swept_volume() -> None:
    """70B fp8 on H100 with the TP degree left open: each point picks its own layout, and
    every point equals the scalar evaluation at its volume."""
    big = self_hosted_option(
        model="llama-3.1-70b",
        precision="fp8",
        measured_requests_per_s=None,
        gpus_per_replica=None,
    )
    scenario = build([big], latency={"ttft_ms": 1500, "itl_ms": 40})
    volumes = np.geomspace(1e4, 1e8, 13)  # small fleets to large: the layouts trade places
    swept = evaluate(scenario, {"workload.requests_per_month": volumes})
    tp = swept.option("own").details["gpus_per_replica"]
    for k, v in enumerate(volumes):
        one = evaluate(scenario, {"workload.requests_per_month": np.asarray(v)})
        assert float(swept.option("own").npv_usd[k]) == pytest.approx(
            float(one.option("own").npv_usd), rel=1e-9
        )
        assert int(tp[k]) == one.option("own").details["gpus_per_replica"]


def test_long_context_tier_follows_the_swept_prompt() -> None:
    """gemini-1.5-pro doubles its prices above 128k-token prompts: a sweep across the
    threshold prices each point at its own tier, as scalar runs do."""
    opt = api_option(prices=None, provider="google", model="gemini-1.5-pro")
    scenario = build([opt], workload={"input_tokens": 1000})
    prompts = np.asarray([100_000.0, 200_000.0])
    swept = evaluate(scenario, {"workload.input_tokens": prompts})
    for k, i in enumerate(prompts):
        one = evaluate(build([opt], workload={"input_tokens": float(i)}))
        assert float(swept.option("api").npv_usd[k]) == pytest.approx(
            float(one.option("api").npv_usd), rel=1e-12
        )


def test_amortisation_life_follows_the_swept_value() -> None:
    onprem = self_hosted_option(pricing="on_prem", capex_usd_per_gpu=30_000)
    scenario = build([onprem], horizon_months=60)
    swept = evaluate(scenario, {"options.own.amortisation_years": np.asarray([2.0, 4.0])})
    for k, years in enumerate((2.0, 4.0)):
        one = build([{**onprem, "amortisation_years": years}], horizon_months=60)
        assert float(swept.option("own").npv_usd[k]) == pytest.approx(
            float(evaluate(one).option("own").npv_usd), rel=1e-12
        )


# --------------------------------------------------------------------------- per-point results


def test_array_results_are_per_point_never_a_mean() -> None:
    scenario = build()
    volumes = np.geomspace(1e5, 1e8, 4)
    ev = evaluate(scenario, {"workload.requests_per_month": volumes})
    data = ev.to_dict()
    assert data["points"] == 4
    assert data["swept"] == {"workload.requests_per_month": [pytest.approx(v) for v in volumes]}
    assert data["scenario"]["workload"]["requests_per_month"] == [pytest.approx(v) for v in volumes]
    assert isinstance(data["recommendation"], list) and len(data["recommendation"]) == 4
    for k, v in enumerate(volumes):
        one = evaluate(build(workload={"requests_per_month": float(v)}))
        ref = one.to_dict()
        for got, want in zip(data["options"], ref["options"], strict=True):
            assert got["npv_usd"][k] == pytest.approx(want["npv_usd"], rel=1e-9)
            assert got["total_usd"][k] == pytest.approx(want["total_usd"], rel=1e-9)
            assert got["pillars"]["deployment"]["monthly_usd"][k] == pytest.approx(
                want["pillars"]["deployment"]["monthly_usd"], rel=1e-9
            )
        assert data["recommendation"][k]["option"] == ref["recommendation"]["option"]
        assert data["recommendation"][k]["reasons"][0] == ref["recommendation"]["reasons"][0]
    assert "summary" not in data
    summary = ev.to_dict(summary="mean")["summary"]
    assert summary["statistic"] == "mean over 4 point(s)"


def test_inputs_say_where_each_number_came_from() -> None:
    scenario = build([api_option(), self_hosted_option(usd_per_gpu_hour=None)])
    inputs = Inputs(scenario, {"workload.output_tokens": np.asarray([50.0, 100.0])})
    for o in scenario.options:
        from llmecon.engine import price_option

        price_option(inputs, o)
    assert inputs.origins["workload.requests_per_month"] == "scenario"
    assert inputs.origins["workload.output_tokens"] == "override"
    assert inputs.origins["options.own.usd_per_gpu_hour"] == "catalog: catalog median"
    assert inputs.origins["organisation.engineer_usd_per_hour"].startswith("default: BLS")


def test_hybrid_legs_in_a_cycle_are_named() -> None:
    """A cycle of hybrid legs is refused at validation, naming it (no RecursionError)."""
    from llmecon.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"hybrid legs form a cycle \(h1 -> h2 -> h1\)"):
        build(
            [
                api_option(),
                {"name": "h1", "kind": "hybrid", "legs": ["api", "h2"], "escalation_share": 0.1},
                {"name": "h2", "kind": "hybrid", "legs": ["api", "h1"], "escalation_share": 0.1},
            ]
        )
