"""Check the training-compute model against published training runs.

For each run in the catalog's ``training_compute.csv`` with GPU-hours and tokens, predict
GPU-hours as ``6 N D / (peak x MFU) / 3600`` (N = active parameters, bf16 dense peak, the
default MFU) and print the error, plus the MFU each run implies.

Run: python benchmarks/training_check.py
"""

from __future__ import annotations

import numpy as np

from llmecon.assumptions import training_default
from llmecon.catalog import CatalogError, resolve_gpu, resolve_model, training_records
from llmecon.perf.training import training_flops, training_gpu_hours


def main() -> None:
    mfu = training_default("mfu", "pretrain").value
    print(f"Training GPU-hours: 6ND / (dense bf16 peak x MFU {mfu:g}) vs published runs\n")
    print(
        f"{'run':<24}{'GPU':<16}{'published h':>14}{'predicted h':>14}{'error':>9}{'implied MFU':>13}"
    )
    errors = []
    implied_list = []
    for rec in training_records():
        if not rec.gpu_hours or not rec.training_tokens or not rec.gpu:
            continue
        try:
            model = resolve_model(rec.model.split(" (")[0])
            n = model.active_params_b * 1e9
        except CatalogError:
            n = (rec.params_b or 0.0) * 1e9
        gpu = resolve_gpu(rec.gpu)
        peak = gpu.peak_tflops("bf16") * 1e12
        flops = float(training_flops(n, rec.training_tokens, "pretrain"))
        pred = float(training_gpu_hours(flops, peak, mfu))
        implied = flops / (rec.gpu_hours * 3600.0 * peak)
        err = pred / rec.gpu_hours - 1.0
        errors.append(err)
        implied_list.append(implied)
        print(
            f"{rec.model:<24}{gpu.name:<16}{rec.gpu_hours:>14,.0f}{pred:>14,.0f}{err:>+9.0%}{implied:>13.2f}"
        )
    e = np.abs(np.array(errors))
    signed = np.array(errors)
    print(
        f"\nn={len(e)}  median APE {np.median(e):.0%}  p90 APE {np.quantile(e, 0.9):.0%}  "
        f"signed bias (median) {np.median(signed):+.0%}"
    )
    # leave-one-out: the default MFU is the median implied MFU; re-fit it without each run
    implied_all = np.array(implied_list)
    loo = [
        implied_all[i] / np.median(np.delete(implied_all, i)) - 1.0 for i in range(len(implied_all))
    ]
    la = np.abs(np.array(loo))
    print(
        f"leave-one-out (MFU = median implied MFU of the other runs): median APE {np.median(la):.0%}  "
        f"p90 APE {np.quantile(la, 0.9):.0%}"
    )
    print(
        "Published GPU-hours include restarts, evaluation and idle time; token counts marked '15T+'"
    )
    print("or 'up to 9T' are lower or upper bounds, so the implied MFU is only indicative.")


if __name__ == "__main__":
    main()
