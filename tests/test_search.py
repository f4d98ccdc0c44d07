"""Fleet search (``engine.search``, ``analysis.search``, ``llmecon search``): the screen
agrees with ``evaluate`` configuration by configuration (brute force), its options paste
back to the same NPV, ``auto`` options take its best, and its invariants hold."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from llmecon.analysis.search import search
from llmecon.cli import app
from llmecon.engine import evaluate
from llmecon.engine.search import PRICING, Space, screen
from llmecon.scenario import Scenario, load_scenario, parse_scenario
from tests.conftest import EXAMPLES, api_option, scenario_dict

runner = CliRunner()

#: A small space: one 8B model, three GPUs, two precisions, three pricing modes, two engines.
SMALL = Space(
    gpus=("H100 SXM", "L40S", "A10G"),
    precisions=("bf16", "fp8"),
    pricing=("on-demand", "spot", "reserved-1y"),
    engines=("vllm", "trtllm"),
)


def _scenario(ttft_ms: float = 1000.0, itl_ms: float = 60.0, **option: Any) -> Scenario:
    own = {"name": "own", "kind": "self_hosted", "model": "llama-3.1-8b", "gpu": "H100"}
    own.update(option)
    return parse_scenario(
        scenario_dict(
            [api_option(), own],
            workload={"requests_per_month": 3e6, "input_tokens": 1500, "output_tokens": 250},
            latency={"ttft_ms": ttft_ms, "itl_ms": itl_ms},
        )
    )


def _as_option(gpu: str, tp: int, precision: str, engine: str, pricing: str) -> dict[str, Any]:
    kind, term = PRICING[pricing]
    o: dict[str, Any] = {
        "name": f"{gpu}-{tp}-{precision}-{engine}-{pricing}".replace(" ", "_"),
        "kind": "self_hosted",
        "model": "llama-3.1-8b",
        "gpu": gpu,
        "gpus_per_replica": tp,
        "precision": precision,
        "engine": engine,
        "pricing": kind,
    }
    if term is not None:
        o["reserved_term_years"] = term
    return o


def test_brute_force_agrees_with_the_search() -> None:
    """Every configuration of the small space priced as its own option by ``evaluate``: the
    same feasible set, the same NPVs (to 1e-9) and the same ranking as the screen."""
    s = _scenario()
    found = screen(s, SMALL, top=10_000)
    options = [
        _as_option(g, tp, p, e, m)
        for g, tp, p, e, m in itertools.product(
            SMALL.gpus or (),
            (1, 2, 4, 8),
            SMALL.precisions or (),
            SMALL.engines or (),
            SMALL.pricing or (),
        )
    ]
    assert found.searched == len(options) == 3 * 4 * 2 * 2 * 3
    brute = evaluate(s.model_copy(update={"options": [parse_option(o) for o in options]}))
    engine_npv = {o.name: float(o.npv_usd) for o in brute.options if o.feasible}
    screen_npv = {
        _as_option(r.gpu, r.gpus_per_replica, r.precision, r.engine, r.pricing)["name"]: r.npv_usd
        for r in found.results
    }
    assert set(screen_npv) == set(engine_npv)
    assert found.feasible == len(engine_npv)
    for name, value in screen_npv.items():
        assert value == pytest.approx(engine_npv[name], rel=1e-9), name
    # the same order (ties broken alike: both sorts are stable on the same NPVs)
    assert list(screen_npv) == sorted(
        engine_npv, key=lambda n: (engine_npv[n], list(screen_npv).index(n))
    )


def parse_option(o: dict[str, Any]) -> Any:
    from llmecon.scenario import Option

    return Option.model_validate(o)


def test_top_results_paste_back_to_the_same_npv() -> None:
    """Each result's ``option``, pasted into the scenario, evaluates to its ``npv_usd``
    within 0.1 % (the search checks it with ``evaluate``; this test does it by hand)."""
    s = load_scenario(EXAMPLES / "support_bot.yaml")
    found = search(s, top=3)
    assert found.max_screen_error < 1e-3
    pasted = [parse_option(r.option) for r in found.results]
    ev = evaluate(s.model_copy(update={"options": [*s.options, *pasted], "uncertainty": None}))
    for r in found.results:
        got = float(ev.option(r.option["name"]).npv_usd)
        assert got == pytest.approx(r.npv_usd, rel=1e-3)


def test_json_document_has_the_documented_fields() -> None:
    result = runner.invoke(
        app,
        [
            "search",
            str(EXAMPLES / "support_bot.yaml"),
            "--gpus",
            "H100,H200",
            "--precisions",
            "fp8",
            "--top",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) >= {"searched", "feasible", "seconds", "results", "infeasible_by_reason"}
    # 2 GPUs x 1 precision x TP 1, 2, 4, 8 x 2 engines (vllm, trtllm) x 4 pricing modes
    assert doc["searched"] == 2 * 1 * 4 * 2 * 4
    assert doc["feasible"] + sum(doc["infeasible_by_reason"].values()) == doc["searched"]
    first = doc["results"][0]
    assert set(first) >= {
        "model",
        "gpu",
        "gpus_per_replica",
        "precision",
        "engine",
        "pricing",
        "region",
        "npv_usd",
        "total_usd",
        "per_1m_tokens_usd",
        "peak_replicas",
        "utilization",
        "ttft_ms",
        "itl_ms",
        "option",
    }
    assert first["option"]["gpu"] == first["gpu"]
    assert [a["name"] for a in doc["alternatives"]] == [
        "gpt-4o",
        "gpt-4o-mini",
        "llama-70b-together",
    ]


def test_cli_table_names_the_search_and_the_best_option() -> None:
    result = runner.invoke(
        app, ["search", str(EXAMPLES / "support_bot.yaml"), "--gpus", "H100", "--top", "1"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Searched 160 configurations in ")
    assert "ranked by npv per successful task" in lines[0]
    assert "Paste into the scenario's options" in result.output
    assert "  gpu: H100 SXM" in result.output


def test_bad_search_arguments_get_one_line() -> None:
    result = runner.invoke(
        app, ["search", str(EXAMPLES / "support_bot.yaml"), "--pricing", "monthly"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --pricing: unknown mode 'monthly'; known: on-demand, reserved-1y, reserved-3y, spot"
    )


def test_auto_option_takes_the_best_configuration() -> None:
    """``gpu/precision/pricing: auto`` evaluates to the screen's best configuration, and the
    recommendation says what it beat."""
    s = _scenario(gpu="auto", precision="auto", pricing="auto", engine="vllm")
    ev = evaluate(s)
    own = ev.option("own")
    best = screen(s, Space(engines=("vllm",)), top=2, only="own").results[0]
    assert float(own.npv_usd) == pytest.approx(best.npv_usd, rel=1e-9)
    assert own.details["auto"]["chosen"]["gpu"] == best.gpu
    line = next(a for a in own.assumptions if " = auto -> " in a)
    assert line.startswith("options.own: gpu, precision, pricing = auto -> ")
    assert "it beat " in line


def test_trtllm_does_not_run_on_amd() -> None:
    s = _scenario(gpu="MI300X", engine="trtllm")
    own = evaluate(s).option("own")
    assert not own.feasible
    assert own.infeasible_reasons[0] == (
        "engine trtllm runs on NVIDIA GPUs only, not on MI300X "
        "(set options.own.engine to vllm or sglang)"
    )


def test_engine_preset_fields_the_scenario_cannot_set_are_kept() -> None:
    """TensorRT-LLM's per-sequence overhead (not settable in a scenario) reaches the
    engine: before the search's brute-force check found it, evaluate used vLLM's 0.26 ms."""
    from llmecon.engine.inputs import Inputs
    from llmecon.engine.resolve import resolve_efficiency
    from llmecon.perf.inference import ENGINE_PRESETS, Efficiency

    s = _scenario(engine="trtllm")
    eff = resolve_efficiency(Inputs(s, {}), s.option("own"), None, "NVIDIA")
    preset = ENGINE_PRESETS["trtllm"].seq_overhead_s
    assert preset != Efficiency().seq_overhead_s  # the C++ scheduler's own, not vLLM's
    assert eff.seq_overhead_s == pytest.approx(preset)


def _best(s: Scenario, space: Space) -> float:
    found = screen(s, space, top=1)
    return found.results[0].score if found.results else float("inf")


GPUS = ("H100 SXM", "H200 SXM", "L40S", "A10G", "A100 80GB SXM4", "L4")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(GPUS), min_size=1, max_size=3, unique=True),
    st.sampled_from(GPUS),
)
def test_adding_a_gpu_never_makes_the_best_worse(gpus: list[str], extra: str) -> None:
    s = _scenario()
    base = Space(gpus=tuple(gpus), precisions=("fp8",), engines=("vllm",))
    more = Space(gpus=(*gpus, extra), precisions=("fp8",), engines=("vllm",))
    assert _best(s, more) <= _best(s, base)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(200.0, 3000.0), st.floats(20.0, 120.0), st.floats(0.3, 1.0))
def test_a_tighter_slo_is_never_cheaper(ttft: float, itl: float, tighten: float) -> None:
    space = Space(gpus=("H100 SXM", "L40S"), precisions=("fp8", "bf16"), engines=("vllm",))
    loose = _best(_scenario(ttft, itl), space)
    tight = _best(_scenario(ttft * tighten, itl * tighten), space)
    assert tight >= loose or np.isclose(tight, loose, rtol=1e-12)


def test_fleet_auto_example_recommends_its_searched_fleet() -> None:
    """examples/fleet_auto.yaml: the auto option wins, and the reasons name what it beat."""
    ev = evaluate(load_scenario(EXAMPLES / "fleet_auto.yaml"))
    assert ev.recommendation.option == "llama-8b-auto"
    auto = ev.option("llama-8b-auto").details["auto"]
    assert auto["fields"] == ["gpu", "precision", "pricing", "gpus_per_replica"]
    assert auto["searched"] > auto["feasible"] > 0
    line = next(r for r in ev.recommendation.reasons if " = auto -> " in r)
    assert line.startswith(
        "options.llama-8b-auto: gpu, precision, pricing, gpus_per_replica = auto -> "
    )
    assert " it beat " in line


def test_readme_search_examples_hold() -> None:
    """The README's Fleet search console blocks, run."""
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text()
    block = re.search(
        r"\$ (llmecon search \S+ --top 3)\n(Searched [\d,]+ configurations).*?\n(│ 1 │[^\n]*?)\.\.\.",
        text,
        re.S,
    )
    assert block is not None
    result = runner.invoke(app, block.group(1).split()[1:])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(block.group(2) + " in ")

    def cells(line: str) -> list[str]:
        return [c.strip() for c in line.split("│") if c.strip()]

    row = next(line for line in result.output.splitlines() if line.startswith("│ 1 │"))
    want = cells(block.group(3))
    assert cells(row)[: len(want)] == want
    auto = re.search(
        r"\$ llmecon evaluate (examples/fleet_auto.yaml)\n(Recommendation: \S+)\n  (• [^\n]*?) \(\.\.\.\)",
        text,
    )
    assert auto is not None
    out = runner.invoke(app, ["evaluate", str(ROOT / auto.group(1))]).output
    assert auto.group(2) in out
    assert auto.group(3) in out


def test_workers_and_dask_give_the_one_process_answer() -> None:
    """``search`` and ``simulate`` split into chunks (local processes, a Dask LocalCluster)
    give exactly the one-process results for the same seed."""
    distributed = pytest.importorskip("distributed")
    from llmecon.analysis.uncertainty import simulate

    s = load_scenario(EXAMPLES / "support_bot.yaml")
    space = Space(gpus=("H100 SXM", "H200 SXM", "L40S", "A100 80GB SXM4", "MI300X"))
    one = search(s, space, top=15, alternatives=False)
    two = search(s, space, top=15, alternatives=False, workers=2)
    mc_one = simulate(s, 3000, seed=11)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = search(s, space, top=15, alternatives=False, dask=client)
        mc_dask = simulate(s, 3000, seed=11, dask=client)
    for other in (two, on_dask):
        assert [r.to_dict() for r in other.results] == [r.to_dict() for r in one.results]
        assert (other.searched, other.feasible) == (one.searched, one.feasible)
        assert other.infeasible_by_reason == one.infeasible_by_reason
    assert mc_dask.to_dict() == mc_one.to_dict()


def test_regions_compare_quotes_and_respect_residency() -> None:
    """``--regions us,eu``: each region's median quote, pinned in the pasted option; with
    data residency in the EU, US quotes are never used."""
    s = load_scenario(EXAMPLES / "support_bot.yaml")
    space = Space(gpus=("H100 SXM",), pricing=("on-demand",), regions=("us", "eu"))
    found = search(s, space, top=50, alternatives=False)
    assert {r.region for r in found.results} == {"us", "eu"}
    assert found.max_screen_error < 1e-9  # the pinned prices reproduce the NPV
    for r in found.results:
        assert r.option["usd_per_gpu_hour"] == pytest.approx(r.price)
    eu_only = s.model_copy(
        update={
            "constraints": s.constraints.model_copy(
                update={"region": "eu-west-1", "data_residency": "region"}
            )
        }
    )
    kept = screen(eu_only, space, top=50)
    assert {r.region for r in kept.results} == {"eu"}
    # every layout that meets the targets is refused in the US and priced in the EU
    refused = kept.infeasible_by_reason["data must stay in eu-west-1: region us is not allowed"]
    assert refused == kept.feasible > 0


def test_a_model_below_the_quality_bar_is_never_ranked() -> None:
    """constraints.min_quality applies to every configuration of a model, as evaluate
    applies it to an option."""
    s = _scenario(quality=0.7)
    s = s.model_copy(update={"constraints": s.constraints.model_copy(update={"min_quality": 0.8})})
    found = screen(s, SMALL)
    assert found.results == [] and found.feasible == 0
    assert found.infeasible_by_reason["quality 0.7 is below the minimum 0.8"] > 0
    assert found.searched == 3 * 4 * 2 * 2 * 3
