"""Speed of the decision analyses (issue floors: Monte Carlo 100,000 samples < 2 s on one core,
time(100,000 samples) / time(1 sample) < 200).

Prints: one full evaluation, MC with 1 and 100,000 samples (and samples/s), the ratio, one
break-even sweep and one sensitivity run. Usage::

    python benchmarks/analysis_speed.py [SCENARIO.yaml]   # default: a built-in example

Pin one core for the floor: ``OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/analysis_speed.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from llmecon.analysis.breakeven import breakeven
from llmecon.analysis.sensitivity import sensitivity
from llmecon.analysis.uncertainty import simulate
from llmecon.engine import evaluate
from llmecon.scenario import Scenario, load_scenario, parse_scenario

EXAMPLE: dict[str, Any] = {
    "name": "benchmark",
    "horizon_months": 36,
    "workload": {
        "requests_per_month": 3_000_000,
        "input_tokens": 800,
        "output_tokens": 250,
        "cached_input_share": 0.3,
        "monthly_growth": 0.02,
        "peak_to_average": 2.5,
    },
    "latency": {"ttft_ms": 1000, "itl_ms": 50},
    "options": [
        {"name": "gpt-4o-mini", "kind": "api", "provider": "openai", "model": "gpt-4o-mini"},
        {"name": "gpt-4o", "kind": "api", "provider": "openai", "model": "gpt-4o"},
        {
            "name": "llama-8b",
            "kind": "self_hosted",
            "model": "llama-3.1-8b",
            "gpu": "H100",
            "precision": "fp8",
        },
        {
            "name": "llama-70b",
            "kind": "self_hosted",
            "model": "llama-3.1-70b",
            "gpu": "H100",
            "precision": "fp8",
        },
        {
            "name": "slm",
            "kind": "slm",
            "model": "qwen2.5-1.5b",
            "gpu": "L4",
            "training": {"method": "distill"},
        },
        {"name": "cascade", "kind": "hybrid", "legs": ["slm", "gpt-4o"], "escalation_share": 0.2},
    ],
    "uncertainty": {
        "workload.requests_per_month": {"dist": "triangular", "low": 1e6, "mode": 3e6, "high": 8e6},
        "workload.monthly_growth": {"dist": "normal", "mean": 0.02, "sd": 0.015},
        "options.llama-8b.usd_per_gpu_hour": {"dist": "uniform", "low": 2.0, "high": 5.5},
        "options.llama-70b.usd_per_gpu_hour": {"dist": "uniform", "low": 2.0, "high": 5.5},
        "options.gpt-4o-mini.price_change_per_year": {
            "dist": "discrete",
            "values": [-0.5, -0.2, 0.0],
            "weights": [1, 2, 1],
        },
        "options.cascade.escalation_share": {
            "dist": "triangular",
            "low": 0.1,
            "mode": 0.2,
            "high": 0.4,
        },
        "organisation.engineer_usd_per_hour": {"dist": "lognormal", "median": 100, "sigma": 0.2},
    },
}


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Fastest of ``repeat`` runs [s]."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(scenario: Scenario) -> None:
    evaluate(scenario)  # warm caches (catalog, imports)
    simulate(scenario, 1)
    t_eval = best_of(lambda: evaluate(scenario))
    t1 = best_of(lambda: simulate(scenario, 1, seed=1))
    t100k = best_of(lambda: simulate(scenario, 100_000, seed=1))
    names = [o.name for o in scenario.options]
    t_be = best_of(lambda: breakeven(scenario, names[0], names[-1]))
    t_sens = best_of(lambda: sensitivity(scenario))
    print(
        f"scenario: {scenario.name} ({len(names)} options, {scenario.horizon_months} months, "
        f"{len(scenario.uncertainty)} uncertain inputs)"
    )
    print(f"one full evaluation:         {t_eval * 1e3:8.1f} ms")
    print(f"Monte Carlo 1 sample:        {t1 * 1e3:8.1f} ms")
    print(
        f"Monte Carlo 100,000 samples: {t100k:8.3f} s  ({100_000 / t100k:,.0f} samples/s)"
        f"  floor < 2 s: {'ok' if t100k < 2.0 else 'MISSED'}"
    )
    print(
        f"ratio t(100k) / t(1):        {t100k / t1:8.1f}    floor < 200: {'ok' if t100k / t1 < 200 else 'MISSED'}"
    )
    print(f"break-even (2,000 pts + jumps):{t_be * 1e3:8.1f} ms")
    print(f"sensitivity (all swings):    {t_sens * 1e3:8.1f} ms")


if __name__ == "__main__":
    main(load_scenario(sys.argv[1]) if len(sys.argv) > 1 else parse_scenario(EXAMPLE))
