"""Speed of the fleet search (issue floor: the whole catalog -- every GPU x precision x TP
1-8 x 4 pricing modes x 3 models x the engine presets, about 10^4 configurations -- priced
over a 36-month hourly traffic curve in under 1 s on one core).

Prints the configurations searched, feasible, seconds and configurations per second for the
screen alone (``engine.search.screen``) and for ``llmecon search``'s whole job
(``analysis.search.search``: the screen, the top 10 priced again by ``evaluate``, and the
API/hosted options), each the best of ``--runs``. Usage::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/search_speed.py [--runs 5]
    OMP_NUM_THREADS=1 python benchmarks/search_speed.py --runs 2 --workers   # 1, 2, 4 processes

For comparison (their own papers and docs): NVIDIA AIConfigurator searches TP/PP and
quantisation for tokens/s/GPU in about 30 s, with no money; Vidur-Search needs about one
CPU-hour per model to find QPS per dollar.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

from llmecon.analysis.search import search
from llmecon.engine.search import Space, screen
from llmecon.scenario import parse_scenario

MODELS = ("llama-3.1-8b", "qwen2.5-32b", "llama-3.3-70b")

SCENARIO = {
    "name": "search-benchmark",
    "horizon_months": 36,
    "start_date": "2026-01-01",
    "workload": {
        "requests_per_month": 20_000_000,
        "input_tokens": 2000,
        "output_tokens": 300,
        "cached_input_share": 0.5,
        "monthly_growth": 0.03,
        "peak_to_average": 2.0,
    },
    "latency": {"ttft_ms": 1500, "itl_ms": 50},
    "options": [
        {"name": "gpt-4o", "kind": "api", "provider": "openai", "model": "gpt-4o"},
        {"name": "own", "kind": "self_hosted", "model": "llama-3.3-70b", "gpu": "H100"},
    ],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", action="store_true", help="also time 1, 2 and 4 worker processes")
    args = ap.parse_args()
    s = parse_scenario(SCENARIO)
    space = Space(models=MODELS)
    screen(s, space)  # warm the catalogs and caches once
    best = float("inf")
    found = None
    for _ in range(args.runs):
        t = time.perf_counter()
        found = screen(s, space, top=10)
        best = min(best, time.perf_counter() - t)
    assert found is not None
    print(
        f"screen: {found.searched:,} configurations ({found.feasible:,} feasible) in "
        f"{best:.3f} s = {found.searched / best:,.0f} configurations/s"
    )
    whole = float("inf")
    for _ in range(args.runs):
        t = time.perf_counter()
        result = search(s, space, top=10)
        whole = min(whole, time.perf_counter() - t)
    print(
        f"search (screen + top 10 by evaluate + API options): {whole:.3f} s; "
        f"screen vs evaluate, largest gap {result.max_screen_error:.2e}"
    )
    top = result.results[0]
    print(
        f"best: {top.model} on {top.gpus_per_replica} x {top.gpu} {top.precision} "
        f"{top.engine} {top.pricing}, NPV ${top.npv_usd:,.0f}"
    )
    if args.workers:
        speedup(s, space, args.runs)


def speedup(s: Any, space: Space, runs: int) -> None:
    """Wall time of the search (screen only) and of a 100,000-sample Monte Carlo of the
    support-bot example with 1, 2 and 4 local worker processes (``--workers``)."""
    from llmecon.analysis.uncertainty import simulate
    from llmecon.scenario import load_scenario

    bot = load_scenario(Path(__file__).resolve().parents[1] / "examples" / "support_bot.yaml")
    base: dict[str, float] = {}
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    for workers in (1, 2, 4):
        for name, job in (
            ("search", lambda w=workers: search(s, space, 10, False, False, workers=w)),
            ("simulate 100k", lambda w=workers: simulate(bot, 100_000, 0, workers=w)),
        ):
            best = min(_timed(job) for _ in range(runs))
            base.setdefault(name, best)
            print(f"{name:14s} workers={workers}: {best:.2f} s (speed-up {base[name] / best:.2f}x)")


def _timed(job: Any) -> float:
    t = time.perf_counter()
    job()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
