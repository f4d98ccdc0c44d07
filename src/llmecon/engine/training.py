"""Price training a self-hosted model: fine-tuning (LoRA, QLoRA, full), distillation from a
teacher API, or pretraining.

* development (month 0): compute ``FLOPs / (peak * MFU) * p_gpu`` with ``FLOPs = 6 N D``
  (full, distillation, pretraining) or ``4 N D`` (LoRA/QLoRA, frozen base) [1], [2]; plus data:
  labels ``n * c_label``, or the teacher's token bill for ``n`` examples
  (``pillars.development.distillation_data_cost``).
* sustainability: a retraining every ``k`` months repeats compute and data plus one
  engineer-week (none after pretraining).

References
----------
[1] Kaplan et al. 2020, Scaling Laws for Neural Language Models (6ND).
[2] Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (20 tokens/param).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from llmecon.engine.resolve import Common, Outcome, TrainingInputs
from llmecon.engine.shared import at_month, zeros
from llmecon.perf import training as tr
from llmecon.pillars import development as dev
from llmecon.pillars import sustainability as sus

F = NDArray[np.float64]


def price_training(c: Common, t: TrainingInputs, out: Outcome) -> tuple[F, F]:
    """(development, sustainability) cash flows of the training [USD/month]."""
    method = {"distill": "full"}.get(t.method, t.method)
    flops = tr.training_flops(t.active_params, t.tokens, method)  # type: ignore[arg-type]
    peak = t.gpu.peak_tflops("bf16") * 1e12
    hours = tr.training_gpu_hours(flops, peak, t.mfu)
    n_min = float(tr.min_training_gpus(t.total_params, t.gpu.memory_gb * 1e9, method))  # type: ignore[arg-type]
    compute = hours * t.usd_per_gpu_hour
    data: F = np.asarray(0.0)
    if t.teacher is not None and t.examples is not None:
        assert t.teacher_input_tokens is not None and t.teacher_output_tokens is not None
        data = dev.distillation_data_cost(
            t.examples,
            t.teacher_input_tokens,
            t.teacher_output_tokens,
            t.teacher.input_per_mtok,
            t.teacher.output_per_mtok,
        )
    elif t.label_usd_per_example is not None and t.examples is not None:
        data = dev.per_example_cost(t.examples, t.label_usd_per_example)
    out.details["training"] = {
        "method": t.method,
        "gpu": t.gpu.name,
        "gpu_hours": out.per_point(hours),
        "min_gpus": n_min,
        "flops": out.per_point(flops),
        "compute_usd": out.per_point(compute),
        "data_usd": out.per_point(data),
    }
    once = compute + data
    development = at_month(c, 0, once)
    if t.retrain_every_months is None:
        return development, zeros(c)
    retrain = sus.periodic(
        c.months,
        t.retrain_every_months,
        once + dev.engineering_cost(1.0, t.engineer_usd_per_hour),
    )
    return development, retrain
