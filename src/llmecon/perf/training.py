"""Training compute: full fine-tuning, LoRA/QLoRA and small-model pretraining.

``training_flops`` counts FLOPs by method; ``training_gpu_hours`` turns them into GPU-hours at
an MFU; ``min_training_gpus`` is the memory floor on the GPU count; ``chinchilla_tokens`` gives
a compute-optimal pretraining budget.

References
----------
.. [1] J. Kaplan et al., "Scaling Laws for Neural Language Models", arXiv:2001.08361
   (training ~ 6 N D FLOPs: 2ND forward, 4ND backward).
.. [2] J. Hoffmann et al., "Training Compute-Optimal Large Language Models" (Chinchilla),
   arXiv:2203.15556 (~20 tokens per parameter).
.. [3] E. Hu et al., "LoRA", arXiv:2106.09685; T. Dettmers et al., "QLoRA", arXiv:2305.14314.
   With a frozen base no weight gradients are formed: ~2ND forward + ~2ND for activation
   gradients, ~4 N D.
.. [4] S. Rajbhandari et al., "ZeRO", arXiv:1910.02054: mixed-precision Adam holds 16 bytes per
   parameter (2 weights + 2 gradients + 12 optimizer state).
.. [5] P. Zhang et al., "TinyLlama", arXiv:2401.02385 / jzhang38/TinyLlama: ~56 % MFU on A100.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = NDArray[np.float64]
Method = Literal["full", "lora", "qlora", "pretrain"]

#: FLOPs per parameter per token by method [1], [3].
FLOPS_PER_PARAM_TOKEN: Final[dict[str, float]] = {
    "full": 6.0,
    "pretrain": 6.0,
    "lora": 4.0,
    "qlora": 4.0,
}

#: Bytes of training state per parameter [4]; LoRA keeps a bf16 frozen base, QLoRA a 4-bit base
#: (0.5 bytes + block-wise constants, ~0.52 [3]); adapters and their optimizer are <1 %.
STATE_BYTES_PER_PARAM: Final[dict[str, float]] = {
    "full": 16.0,
    "pretrain": 16.0,
    "lora": 2.0,
    "qlora": 0.52,
}

CHINCHILLA_TOKENS_PER_PARAM: Final[float] = 20.0


def training_flops(params: ArrayLike, tokens: ArrayLike, method: Method = "full") -> F:
    """Training FLOPs.

    Parameters
    ----------
    params : numeric
        Parameters of the model trained (MoE: active parameters). [parameters]
    tokens : numeric
        Training tokens processed (dataset tokens x epochs). [tokens]
    method : {'full', 'pretrain', 'lora', 'qlora'}

    Returns
    -------
    numeric
        ``C = k N D`` with k = 6 (full, pretrain) [1] or 4 (LoRA, QLoRA) [3]. [FLOP]
    """
    return np.asarray(
        FLOPS_PER_PARAM_TOKEN[method]
        * np.asarray(params, dtype=float)
        * np.asarray(tokens, dtype=float)
    )


def training_gpu_hours(flops: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike) -> F:
    """GPU-hours to execute ``flops`` at an achieved model-FLOPs utilization.

    Parameters
    ----------
    flops : numeric
        Training compute. [FLOP]
    peak_flops : numeric
        Dense peak of one GPU at the training precision. [FLOP/s]
    mfu : numeric
        Model FLOPs utilization, e.g. 0.4 (Llama 3 405B: 38-43 %; TinyLlama 56 % [5]). [-]

    Returns
    -------
    numeric
        ``H = C / (peak * MFU) / 3600``. [GPU-hours]
    """
    return np.asarray(
        np.asarray(flops, dtype=float)
        / (np.asarray(peak_flops, dtype=float) * np.asarray(mfu, dtype=float))
        / 3600.0
    )


def min_training_gpus(
    params: ArrayLike, gpu_memory_bytes: ArrayLike, method: Method = "full", usable: ArrayLike = 0.8
) -> F:
    """Fewest GPUs whose memory holds the training state (sharded, ZeRO-3 style).

    Parameters
    ----------
    params : numeric
        Total parameters (MoE: all experts). [parameters]
    gpu_memory_bytes : numeric
        Memory of one GPU. [bytes]
    method : {'full', 'pretrain', 'lora', 'qlora'}
    usable : numeric
        Share of memory left for state after activations and workspace (assumption). [-]

    Returns
    -------
    numeric
        ``ceil(N * s / (M * u))`` with s from [4] / [3]. [GPU]
    """
    state = STATE_BYTES_PER_PARAM[method] * np.asarray(params, dtype=float)
    return np.asarray(
        np.maximum(
            np.ceil(
                state
                / (np.asarray(gpu_memory_bytes, dtype=float) * np.asarray(usable, dtype=float))
            ),
            1.0,
        )
    )


def chinchilla_tokens(
    params: ArrayLike, tokens_per_param: ArrayLike = CHINCHILLA_TOKENS_PER_PARAM
) -> F:
    """Compute-optimal pretraining tokens, ``D = 20 N`` [2]. [tokens]"""
    return np.asarray(np.asarray(params, dtype=float) * np.asarray(tokens_per_param, dtype=float))
