"""Points per second of the vectorised inference model on one core.

Usage (repository root, project venv; pin one core for the figure the issue asks)::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/perf_speed.py [--points 1000000]

Builds ``--points`` random (configuration x load) points -- catalog models x GPUs x TP degree
x precision x concurrency x prompt/output lengths -- as one ``Replica`` with array fields, then
times ``at_concurrency`` and, separately, ``at_slo`` (a 48-step bisection over concurrency,
so about 50 ``at_concurrency`` evaluations per point). Prints points/s (best of 3 runs).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from llmecon.catalog import gpus, models
from llmecon.perf import inference as inf
from llmecon.perf.replica import build_replica


def random_points(n: int, seed: int = 0) -> tuple[inf.Replica, dict[str, np.ndarray]]:
    """``n`` random configurations (as one array Replica) and loads."""
    rng = np.random.default_rng(seed)
    combos = []
    for m in models():
        for g in gpus():
            if g.bf16_tflops is None and g.fp16_tflops is None:
                continue
            for tp in (1, 2, 4, 8):
                for prec in ("bf16", "fp8", "int4"):
                    rep, fit = build_replica(m, g, prec, tp)
                    if fit.fits:
                        combos.append({k: float(v) for k, v in vars(rep).items()})
    table = {k: np.array([c[k] for c in combos]) for k in combos[0]}
    pick = rng.integers(0, len(combos), n)
    replica = inf.Replica(**{k: v[pick] for k, v in table.items()})
    load = {
        "concurrency": rng.integers(1, 257, n).astype(float),
        "input_tokens": rng.choice([128.0, 512.0, 1000.0, 2048.0, 8000.0], n),
        "output_tokens": rng.choice([64.0, 128.0, 256.0, 1000.0], n),
    }
    return replica, load


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls [s]."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--slo-points", type=int, default=100_000)
    args = ap.parse_args()
    eff = inf.Efficiency()
    rep, load = random_points(args.points)
    t = best_time(
        lambda: inf.at_concurrency(
            rep, load["concurrency"], load["input_tokens"], load["output_tokens"], eff
        )
    )
    print(f"at_concurrency: {args.points:,} points in {t:.3f} s = {args.points / t:,.0f} points/s")
    n = args.slo_points
    rep_s, load_s = random_points(n, seed=1)
    t = best_time(
        lambda: inf.at_slo(rep_s, load_s["input_tokens"], load_s["output_tokens"], 2.0, 0.05, eff),
        repeat=2,
    )
    print(f"at_slo:         {n:,} points in {t:.3f} s = {n / t:,.0f} points/s")


if __name__ == "__main__":
    main()
