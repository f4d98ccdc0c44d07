"""GPU memory: weights, KV cache, and how many sequences fit.

Functions are named for the quantity they return (``weight_bytes``, ``kv_bytes_per_token``,
``kv_capacity_tokens``, ``max_concurrent_sequences``). All take numpy-broadcastable numbers.

References
----------
.. [1] W. Kwon et al., "Efficient Memory Management for Large Language Model Serving with
   PagedAttention", SOSP 2023, arXiv:2309.06180 (KV cache = 2 x layers x kv_heads x head_dim
   x bytes per token; paged allocation).
.. [2] DeepSeek-AI, "DeepSeek-V2" arXiv:2405.04434 and "DeepSeek-V3" arXiv:2412.19437
   (multi-head latent attention caches kv_lora_rank + rope_head_dim values per layer).
.. [3] J. Lin et al., "AWQ", arXiv:2306.00978; E. Frantar et al., "GPTQ", arXiv:2210.17323
   (group-wise int4 with one fp16 scale and one 4-bit zero point per group of 128 weights).
.. [4] vLLM engine arguments: ``gpu_memory_utilization`` defaults to 0.9.
.. [5] vLLM V0 ``Worker.determine_num_available_blocks``: the KV cache gets
   ``gpu_memory_utilization`` x total memory less the peak memory of a profiling forward pass
   over ``max_num_batched_tokens`` tokens (weights + activations + non-torch memory); without
   chunked prefill ``max_num_batched_tokens`` = ``max_model_len``, and the engine refuses to
   start when the KV cache cannot hold one ``max_model_len`` sequence. vLLM's
   ``LlamaDecoderLayer``/``LlamaMLP`` keep the residual stream and hidden states whole on
   every tensor-parallel rank and shard the MLP's gate-up projection (2 x intermediate / TP)
   and its activated output (intermediate / TP).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Storage bits per weight, including group-wise quantization metadata [bits].
#: int4: 4 bits + (16-bit scale + 4-bit zero point) / 128-weight group = 4.15625 bits [3].
WEIGHT_BITS: Final[dict[str, float]] = {
    "fp32": 32.0,
    "bf16": 16.0,
    "fp16": 16.0,
    "fp8": 8.0,
    "int8": 8.0,
    "int4": 4.0 + (16.0 + 4.0) / 128.0,
}

#: Bytes per KV-cache element by KV precision [bytes].
KV_BYTES: Final[dict[str, float]] = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}

#: Share of GPU memory the serving engine may use (vLLM default ``gpu_memory_utilization``) [4].
DEFAULT_GPU_MEMORY_UTILIZATION: Final[float] = 0.9

GIB: Final[float] = 1024.0**3
GB: Final[float] = 1e9


def bytes_per_weight(precision: str) -> float:
    """Bytes one weight occupies at ``precision`` (``bf16``, ``fp8``, ``int4``...) [bytes]."""
    try:
        return WEIGHT_BITS[precision] / 8.0
    except KeyError:
        known = ", ".join(WEIGHT_BITS)
        raise ValueError(f"unknown precision {precision!r}; known: {known}") from None


def kv_bytes_per_element(precision: str) -> float:
    """Bytes of one KV-cache element for a KV precision [bytes]."""
    try:
        return KV_BYTES[precision]
    except KeyError:
        known = ", ".join(KV_BYTES)
        raise ValueError(f"unknown KV-cache precision {precision!r}; known: {known}") from None


def weight_bytes(params: ArrayLike, bytes_per_param: ArrayLike) -> NDArray[np.float64]:
    """Memory held by model weights.

    Parameters
    ----------
    params : numeric
        Total parameter count (all experts for MoE). [parameters]
    bytes_per_param : numeric
        Storage per parameter incl. quantization metadata, see ``bytes_per_weight``. [bytes]

    Returns
    -------
    numeric
        Weight memory. [bytes]

    Notes
    -----
    ``W = N * b``. Llama 3.1 70B (70.6e9 params) in bf16: 70.6e9 * 2 = 141.2e9 bytes.
    """
    return np.asarray(params, dtype=float) * np.asarray(bytes_per_param, dtype=float)


def kv_bytes_per_token(
    num_layers: ArrayLike,
    num_kv_heads: ArrayLike,
    head_dim: ArrayLike,
    kv_bytes: ArrayLike,
    kv_lora_rank: ArrayLike = 0,
    rope_head_dim: ArrayLike = 0,
) -> NDArray[np.float64]:
    """KV-cache memory per token of context.

    Parameters
    ----------
    num_layers : numeric
        Transformer layers. [-]
    num_kv_heads : numeric
        Key/value heads (GQA: fewer than query heads; MQA: 1). [-]
    head_dim : numeric
        Dimension per head. [-]
    kv_bytes : numeric
        Bytes per cached element, see ``kv_bytes_per_element``. [bytes]
    kv_lora_rank, rope_head_dim : numeric, optional
        For multi-head latent attention (MLA); when ``kv_lora_rank > 0`` the cache holds
        ``kv_lora_rank + rope_head_dim`` values per layer instead of keys and values [2]. [-]

    Returns
    -------
    numeric
        KV cache per token. [bytes/token]

    Notes
    -----
    GQA/MQA/MHA [1]: ``2 * L * H_kv * d_h * b`` (the 2 is one key and one value).
    MLA [2]: ``L * (r_kv + d_rope) * b``.
    Llama 3.1 8B in bf16: 2 * 32 * 8 * 128 * 2 = 131072 bytes/token.
    """
    layers = np.asarray(num_layers, dtype=float)
    b = np.asarray(kv_bytes, dtype=float)
    rank = np.asarray(kv_lora_rank, dtype=float)
    gqa = 2.0 * layers * np.asarray(num_kv_heads, dtype=float) * np.asarray(head_dim, dtype=float)
    mla = layers * (rank + np.asarray(rope_head_dim, dtype=float))
    return np.where(rank > 0, mla, gqa) * b


def kv_capacity_tokens(
    gpu_memory_bytes: ArrayLike,
    num_gpus: ArrayLike,
    weights_bytes: ArrayLike,
    kv_per_token_bytes: ArrayLike,
    memory_utilization: ArrayLike = DEFAULT_GPU_MEMORY_UTILIZATION,
    reserve_bytes_per_gpu: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Tokens of KV cache that fit beside the weights in one replica.

    Parameters
    ----------
    gpu_memory_bytes : numeric
        Memory of one GPU. [bytes]
    num_gpus : numeric
        GPUs in the replica (tensor parallel degree); weights and KV are sharded. [-]
    weights_bytes : numeric
        Whole-model weight memory. [bytes]
    kv_per_token_bytes : numeric
        KV cache per token. [bytes/token]
    memory_utilization : numeric
        Share of GPU memory the engine may use (0.9 in vLLM [4]). [-]
    reserve_bytes_per_gpu : numeric
        Activations, CUDA graphs and workspace kept per GPU. [bytes]

    Returns
    -------
    numeric
        KV capacity, negative when the weights alone do not fit. [tokens]

    Notes
    -----
    ``T = (G * M * u - W - G * r) / kv``.
    """
    g = np.asarray(num_gpus, dtype=float)
    free = (
        g * np.asarray(gpu_memory_bytes, dtype=float) * np.asarray(memory_utilization, dtype=float)
        - np.asarray(weights_bytes, dtype=float)
        - g * np.asarray(reserve_bytes_per_gpu, dtype=float)
    )
    return free / np.asarray(kv_per_token_bytes, dtype=float)


def prefill_workspace_bytes(
    tokens: ArrayLike,
    hidden_size: ArrayLike,
    intermediate_size: ArrayLike,
    num_gpus: ArrayLike,
    activation_bytes: ArrayLike = 2.0,
) -> NDArray[np.float64]:
    """Peak activation memory of one forward pass over ``tokens`` tokens, per GPU.

    Parameters
    ----------
    tokens : numeric
        Tokens in the pass: the engine's largest batch, which it profiles at start-up
        (vLLM ``max_num_batched_tokens``; ``max_model_len`` without chunked prefill) [5]. [tokens]
    hidden_size : numeric
        Model width h. [-]
    intermediate_size : numeric
        MLP width f (for a mixture of experts, the width one token's experts add up to). [-]
    num_gpus : numeric
        Tensor-parallel degree G. [-]
    activation_bytes : numeric
        Bytes per activation element (2 for bf16/fp16). [bytes]

    Returns
    -------
    numeric
        ``T * max(h + 3 f / G, 2 h + f / G) * a`` [bytes per GPU].

    Notes
    -----
    The residual stream (h) lives through the whole layer on every rank; inside the MLP the
    gate-up output (2 f / G) and its activated half (f / G) are alive together, and then the
    activated half and the down projection's unreduced output (h) [5]. The larger of the two
    moments is the peak. Llama 3.1 405B (h = 16384, f = 53248) at TP8 over 91,680 tokens:
    91680 x max(16384 + 19968, 32768 + 6656) x 2 = 7.23e9 bytes per GPU. It comes out of the
    KV cache of an engine that profiles its largest batch (``kv_capacity_tokens``'s
    ``reserve_bytes_per_gpu``).
    """
    t = np.asarray(tokens, dtype=float)
    h = np.asarray(hidden_size, dtype=float)
    f = np.asarray(intermediate_size, dtype=float) / np.asarray(num_gpus, dtype=float)
    per_token = np.maximum(h + 3.0 * f, 2.0 * h + f)
    return np.asarray(t * per_token * np.asarray(activation_bytes, dtype=float))


def max_concurrent_sequences(
    kv_tokens: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    output_reserve: ArrayLike = 0.5,
) -> NDArray[np.float64]:
    """Sequences whose KV cache fits at once, with paged allocation.

    Parameters
    ----------
    kv_tokens : numeric
        KV capacity of the replica. [tokens]
    input_tokens, output_tokens : numeric
        Prompt and generated length per request. [tokens]
    output_reserve : numeric
        Share of the output whose KV a sequence holds: 0.5 with paged allocation (on average
        half the output is generated) [1]; 1.0 for schedulers that reserve ``I + O`` at
        admission. [-]

    Returns
    -------
    numeric
        Concurrent sequences (fractional; 0 when nothing fits). [-]

    Notes
    -----
    ``B = T / (I + r O)``, r = 0.5 by default. ``floor`` it for an engine batch.
    """
    mean_context = np.asarray(input_tokens, dtype=float) + np.asarray(
        output_reserve, dtype=float
    ) * np.asarray(output_tokens, dtype=float)
    return np.maximum(np.asarray(kv_tokens, dtype=float), 0.0) / np.maximum(mean_context, 1.0)
