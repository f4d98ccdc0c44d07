"""One vectorised evaluation equals the same evaluations done one at a time."""

from __future__ import annotations

import numpy as np
import pytest

from llmecon import evaluate, load_scenario
from llmecon.engine import Inputs
from llmecon.errors import UnknownParameter
from tests.conftest import EXAMPLES


@pytest.mark.parametrize(
    ("example", "path", "values"),
    [
        ("internal_assistant.yaml", "workload.requests_per_month", [5e4, 3e5, 2e6]),
        ("support_bot.yaml", "options.llama-70b-spot.spot_usd_per_gpu_hour", [1.0, 2.5, 4.0]),
        ("classification.yaml", "options.cascade.escalation_share", [0.0, 0.1, 0.3]),
        ("classification.yaml", "workload.input_tokens", [200.0, 350.0, 600.0]),
    ],
)
def test_array_override_matches_scalar_runs(example: str, path: str, values: list[float]) -> None:
    scenario = load_scenario(EXAMPLES / example)
    batch = evaluate(scenario, {path: np.array(values)})
    for i, v in enumerate(values):
        one = evaluate(scenario, {path: np.array(v)})
        for a, b in zip(batch.options, one.options, strict=True):
            assert a.npv_usd[i] == pytest.approx(float(b.npv_usd), rel=1e-9), (a.name, v)


def test_option_names_with_dots_resolve() -> None:
    scenario = load_scenario(EXAMPLES / "classification.yaml")
    inputs = Inputs(scenario)
    assert float(inputs.get("options.qwen-1.5b-slm.training.epochs")) == 3.0
    with pytest.raises(UnknownParameter):
        inputs.get("options.nope.usd_per_gpu_hour")


def test_used_paths_record_base_values() -> None:
    ev_inputs = Inputs(load_scenario(EXAMPLES / "internal_assistant.yaml"))
    from llmecon.engine import price_option

    for o in ev_inputs.scenario.options:
        price_option(ev_inputs, o)
    assert ev_inputs.used["workload.requests_per_month"] == 150000.0
    assert ev_inputs.used["options.gpt-4o-mini.prices.input_per_mtok"] == 0.15
