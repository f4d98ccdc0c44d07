"""Development pillar: one-off costs before and during the build [USD]."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = NDArray[np.float64]
HOURS_PER_WEEK = 40.0
WEEKS_PER_MONTH = 52.0 / 12.0


def engineering_cost(weeks: ArrayLike, usd_per_hour: ArrayLike) -> F:
    """Effort cost ``C = weeks * 40 h * rate``. weeks [engineer-weeks], rate [USD/h] -> [USD]."""
    return np.asarray(
        np.asarray(weeks, dtype=float) * HOURS_PER_WEEK * np.asarray(usd_per_hour, dtype=float)
    )


def per_example_cost(examples: ArrayLike, usd_per_example: ArrayLike) -> F:
    """Evaluation-set or labeling cost ``C = n * p``. n [-], p [USD/example] -> [USD]."""
    return np.asarray(np.asarray(examples, dtype=float) * np.asarray(usd_per_example, dtype=float))


def distillation_data_cost(
    examples: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    teacher_input_per_mtok: ArrayLike,
    teacher_output_per_mtok: ArrayLike,
) -> F:
    """Synthetic data written by a teacher API.

    ``C = n * (I * p_in + O * p_out) / 1e6`` with n examples [-], I/O tokens per example
    [tokens] and teacher prices [USD/1M tokens] -> [USD].
    """
    n = np.asarray(examples, dtype=float)
    per = np.asarray(input_tokens, dtype=float) * np.asarray(
        teacher_input_per_mtok, dtype=float
    ) + np.asarray(output_tokens, dtype=float) * np.asarray(teacher_output_per_mtok, dtype=float)
    return np.asarray(n * per / 1e6)


def delay_cost(weeks_to_deploy: ArrayLike, usd_per_month: ArrayLike) -> F:
    """Value lost while the option is built: ``C = weeks / (52/12) * v``. [USD]"""
    return np.asarray(
        np.asarray(weeks_to_deploy, dtype=float)
        / WEEKS_PER_MONTH
        * np.asarray(usd_per_month, dtype=float)
    )


def api_fine_tune_cost(training_tokens: ArrayLike, usd_per_mtok: ArrayLike) -> F:
    """Provider fine-tuning job: ``C = D / 1e6 * p``. D [tokens], p [USD/1M tokens] -> [USD]."""
    return np.asarray(
        np.asarray(training_tokens, dtype=float) / 1e6 * np.asarray(usd_per_mtok, dtype=float)
    )
