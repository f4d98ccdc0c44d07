"""Fit the ``Efficiency`` parameters of ``llmecon.perf.inference`` on the CALIBRATION rows.

Usage (repository root, project venv)::

    python benchmarks/calibrate.py

Minimises the robust (soft-L1) sum of squared log errors ``log(pred / measured)`` of output
throughput, TTFT and ITL over the calibration rows of ``benchmarks/data/serving_benchmarks.csv``
(split rule in ``tests/perf_rows.py``, ``SPLIT_RULE``; TEST rows are never used here) with
``scipy.optimize.least_squares``. Fitted, shared by all engines: ``mbu``, ``mfu_decode``,
``mfu_prefill``, ``allreduce_latency_s``. Per runtime family, the host-side cost of a decode
step ``t_o + t_seq B``: ``step_overhead_s`` and ``seq_overhead_s`` for Python schedulers
(vLLM, SGLang, the default), ``trtllm_step_overhead_s`` and ``trtllm_seq_overhead_s`` for
C++ runtimes (TensorRT-LLM, NIM, LMDeploy's TurboMind). Per GPU vendor: ``amd_bw_factor``
and ``amd_flop_factor`` (``inf.VENDOR_FACTORS["AMD"]``, on ``mbu`` and on both MFUs). Per
compute precision: ``fp8_flop_factor`` (``inf.PRECISION_FLOP_FACTORS["fp8"]``, on both MFUs
of the FP8 rows; ``build_replica`` sets it as ``Replica.flop_factor`` for users).
Engine-specific: TensorRT-LLM's batch cap ``max_batch`` (its benchmark tool sizes the batch
itself; vLLM's documented default ``max_num_seqs`` = 256 is kept for every other engine).
``kv_reserve_output`` is not fitted: it is taken from ``ENGINE_PRESETS`` (1.0 for
TensorRT-LLM's ``GUARANTEED_NO_EVICT`` scheduler, 0.5 otherwise).

It prints the fitted values and the line to paste into ``Efficiency`` / ``ENGINE_PRESETS``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests/

from llmecon.perf import inference as inf
from tests.perf_rows import METRICS, SPLIT_RULE, Rows, load_rows, predict, row_efficiency

#: name, lower bound, upper bound, log-scaled in the search
PARAMS: tuple[tuple[str, float, float], ...] = (
    ("mbu", 0.3, 0.95),
    ("mfu_decode", 0.1, 0.9),
    ("mfu_prefill", 0.1, 0.9),
    ("step_overhead_s", 1e-4, 2e-2),
    ("allreduce_latency_s", 1e-6, 1e-4),
    ("trtllm_step_overhead_s", 1e-4, 2e-2),
    ("seq_overhead_s", 1e-7, 2e-3),
    ("trtllm_seq_overhead_s", 1e-7, 2e-3),
    ("amd_bw_factor", 0.2, 1.0),
    ("amd_flop_factor", 0.2, 1.0),
    ("fp8_flop_factor", 0.2, 1.0),
)

#: TensorRT-LLM batch caps tried (a grid: the cap is an integer and the loss is flat between
#: the values where it binds).
TRTLLM_MAX_BATCH_GRID: tuple[int, ...] = (256, 384, 512, 768, 1024, 1536, 2048)


def presets_from(x: np.ndarray, trt_max_batch: int) -> dict[str, inf.Efficiency]:
    """Engine presets for a parameter vector (order of ``PARAMS``) and TRT-LLM batch cap.

    Two runtime families share their host-side step cost ``t_o + t_seq B``: Python
    schedulers (vLLM, SGLang, the default) and C++ runtimes (TensorRT-LLM, NIM, LMDeploy's
    TurboMind)."""
    v = dict(zip((p[0] for p in PARAMS), (float(t) for t in x), strict=True))
    base = inf.Efficiency(
        mbu=v["mbu"],
        mfu_decode=v["mfu_decode"],
        mfu_prefill=v["mfu_prefill"],
        step_overhead_s=v["step_overhead_s"],
        seq_overhead_s=v["seq_overhead_s"],
        allreduce_latency_s=v["allreduce_latency_s"],
        max_batch=inf.DEFAULT_MAX_BATCH,
    )
    cpp = {
        **vars(base),
        "step_overhead_s": v["trtllm_step_overhead_s"],
        "seq_overhead_s": v["trtllm_seq_overhead_s"],
    }
    trt = inf.Efficiency(
        **{
            **cpp,
            "max_batch": trt_max_batch,
            "kv_reserve_output": inf.ENGINE_PRESETS["trtllm"].kv_reserve_output,
        }
    )
    turbomind = inf.Efficiency(**cpp)
    return {
        "default": base,
        "vllm": base,
        "sglang": base,
        "trtllm": trt,
        "nim": trt,
        "lmdeploy": turbomind,
    }


def vendor_factors_from(x: np.ndarray) -> dict[str, tuple[float, float]]:
    """``inf.VENDOR_FACTORS`` for a parameter vector (order of ``PARAMS``)."""
    v = dict(zip((p[0] for p in PARAMS), (float(t) for t in x), strict=True))
    return {"AMD": (v["amd_bw_factor"], v["amd_flop_factor"])}


def precision_factors_from(x: np.ndarray) -> dict[str, float]:
    """``inf.PRECISION_FLOP_FACTORS`` for a parameter vector (order of ``PARAMS``)."""
    v = dict(zip((p[0] for p in PARAMS), (float(t) for t in x), strict=True))
    return {"fp8": v["fp8_flop_factor"]}


def residuals(z: np.ndarray, rows: Rows, mask: np.ndarray, trt_max_batch: int) -> np.ndarray:
    """Log errors of all metrics on the masked rows (z = log of the parameters)."""
    x = np.exp(z)
    eff = row_efficiency(
        rows, presets_from(x, trt_max_batch), vendor_factors_from(x), precision_factors_from(x)
    )
    pred = predict(rows, eff)
    out = []
    for m in METRICS:
        meas = rows.measured[m][mask]
        p = pred[m][mask]
        ok = np.isfinite(meas) & (meas > 0)
        # an infinite or missing prediction for a measured point counts as a large error
        r = np.where(np.isfinite(p) & (p > 0), np.log(np.where(p > 0, p, 1.0) / meas), 3.0)
        out.append(r[ok])
    return np.concatenate(out)


#: Starting points (order of ``PARAMS``); two guard against the kinks of max() in the roofline.
STARTS: tuple[tuple[float, ...], ...] = (
    (0.75, 0.45, 0.55, 4e-3, 1e-5, 2e-3, 2e-5, 2e-6, 0.7, 0.7, 0.7),
    (0.65, 0.6, 0.4, 2e-3, 3e-5, 1e-3, 5e-6, 1e-6, 0.9, 0.9, 0.9),
)


@dataclass(frozen=True)
class Fit:
    """Result of ``fit_mask``: the parameter vector (order of ``PARAMS``), the TRT-LLM batch
    cap, the robust cost and the number of rows fitted."""

    x: tuple[float, ...]
    trt_max_batch: int
    cost: float
    n_rows: int

    def values(self) -> dict[str, float]:
        """Fitted values by name (plus ``trtllm_max_batch``)."""
        out = dict(zip((p[0] for p in PARAMS), self.x, strict=True))
        out["trtllm_max_batch"] = float(self.trt_max_batch)
        return out

    def presets(self) -> dict[str, inf.Efficiency]:
        """Engine presets with these values (``presets_from``)."""
        return presets_from(np.asarray(self.x), self.trt_max_batch)

    def vendor_factors(self) -> dict[str, tuple[float, float]]:
        """Vendor factors with these values (``vendor_factors_from``)."""
        return vendor_factors_from(np.asarray(self.x))

    def precision_factors(self) -> dict[str, float]:
        """Precision factors with these values (``precision_factors_from``)."""
        return precision_factors_from(np.asarray(self.x))


def fit_mask(
    rows: Rows,
    mask: np.ndarray,
    grid: Sequence[int] = TRTLLM_MAX_BATCH_GRID,
    starts: Sequence[Sequence[float]] = STARTS,
    ftol: float = 1e-8,
) -> Fit:
    """Fit ``PARAMS`` and the TRT-LLM batch cap (over ``grid``) on the rows where ``mask``.

    Robust (soft-L1) least squares on the log errors of throughput, TTFT and ITL, from each
    of ``starts`` for every cap in ``grid``; the lowest cost wins. Importable: ``validate.py``
    refits on subsets (leave one source out) with a warm start and a narrower grid.
    """
    lo = np.log([p[1] for p in PARAMS])
    hi = np.log([p[2] for p in PARAMS])
    best = None
    best_mb = 0
    for mb in grid:
        for start in starts:
            z0 = np.clip(np.log(np.asarray(start, dtype=float)), lo + 1e-9, hi - 1e-9)
            res = least_squares(
                residuals,
                z0,
                bounds=(lo, hi),
                loss="soft_l1",
                f_scale=0.2,
                args=(rows, mask, mb),
                diff_step=1e-3,
                ftol=ftol,
            )
            if best is None or res.cost < best.cost:
                best, best_mb = res, mb
    assert best is not None
    return Fit(
        x=tuple(float(t) for t in np.exp(best.x)),
        trt_max_batch=int(best_mb),
        cost=float(best.cost),
        n_rows=int(mask.sum()),
    )


def fit(rows: Rows) -> tuple[dict[str, float], int]:
    """Fitted parameters and the number of calibration rows (the CALIBRATION split)."""
    result = fit_mask(rows, rows.split == "calib")
    print(f"robust cost {result.cost:.4f}")
    return result.values(), result.n_rows


def main() -> None:
    rows = load_rows()
    print(f"split: {SPLIT_RULE}")
    print(
        f"usable rows {len(rows)}: calibration {int((rows.split == 'calib').sum())}, "
        f"test {int((rows.split == 'test').sum())}; skipped {len(rows.skipped)}"
    )
    values, n = fit(rows)
    print(f"fitted on {n} calibration rows:")
    for name, v in values.items():
        print(f"  {name:22s} = {v:.4g}")
    print(
        "\nEfficiency defaults: "
        f"mbu={values['mbu']:.2f}, mfu_decode={values['mfu_decode']:.2f}, "
        f"mfu_prefill={values['mfu_prefill']:.2f}, "
        f"step_overhead_s={values['step_overhead_s']:.2g}, "
        f"allreduce_latency_s={values['allreduce_latency_s']:.2g}; "
        f"seq_overhead_s={values['seq_overhead_s']:.2g}; "
        f"C++ runtimes (trtllm, nim, lmdeploy) step_overhead_s="
        f"{values['trtllm_step_overhead_s']:.2g}, "
        f"seq_overhead_s={values['trtllm_seq_overhead_s']:.2g}; "
        f"trtllm max_batch={round(values['trtllm_max_batch'])}; "
        f"VENDOR_FACTORS AMD=({values['amd_bw_factor']:.2f}, {values['amd_flop_factor']:.2f}); "
        f"PRECISION_FLOP_FACTORS fp8={values['fp8_flop_factor']:.2f}"
    )


if __name__ == "__main__":
    main()
