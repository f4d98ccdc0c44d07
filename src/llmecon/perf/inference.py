"""LLM inference on one replica: prefill, decode steps and continuous batching.

A *replica* is one copy of a model served on ``num_gpus`` GPUs with tensor parallelism.
The models are rooflines with calibrated efficiencies:

* ``decode_step_time`` -- one engine step that generates a token for each of ``B`` sequences;
* ``prefill_time`` -- compute-bound prompt processing;
* ``at_concurrency`` / ``at_request_rate`` / ``at_max_throughput`` / ``at_slo`` -- throughput,
  TTFT and inter-token latency (ITL) of a continuously batching engine (vLLM, TensorRT-LLM,
  SGLang) in four operating modes.

Every numeric field may be a numpy array; results broadcast.

References
----------
.. [1] R. Pope et al., "Efficiently Scaling Transformer Inference", MLSys 2023,
   arXiv:2211.05102 (memory- vs compute-bound decode, 2N FLOPs per token, all-reduce cost).
.. [2] S. Williams, A. Waterman, D. Patterson, "Roofline", CACM 52(4), 2009.
.. [3] G.-I. Yu et al., "Orca: continuous batching", OSDI 2022; W. Kwon et al., vLLM,
   SOSP 2023, arXiv:2309.06180.
.. [4] A. Agrawal et al., "Sarathi-Serve: chunked prefills", OSDI 2024, arXiv:2403.02310
   (prefill work interleaved with decode steps stretches inter-token latency).
.. [5] J. Kaplan et al., "Scaling Laws for Neural Language Models", arXiv:2001.08361
   (forward pass = 2N FLOPs per token plus 2 * n_layer * n_ctx * d_attn for attention).
.. [6] N. Shazeer et al., "Outrageously Large Neural Networks" (MoE), arXiv:1701.06538;
   expected distinct experts among E when B tokens each pick k: E * (1 - (1 - k/E)^B).
.. [7] J. D. C. Little, "A Proof for the Queuing Formula L = lambda W", Oper. Res. 9(3), 1961.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.perf.memory import max_concurrent_sequences

F = NDArray[np.float64]

#: vLLM's default ``max_num_seqs``: the engine's cap on sequences per step.
DEFAULT_MAX_BATCH: Final[int] = 256

_BISECT_STEPS: Final[int] = 48


@dataclass(frozen=True)
class Replica:
    """Numbers that define one model replica on its GPUs (all numeric, broadcastable).

    Attributes
    ----------
    weight_bytes : whole-model weights in memory. [bytes]
    expert_weight_bytes : weights of routed experts (0 for dense models). [bytes]
    active_params : parameters used per token (MoE: shared + k experts). [parameters]
    num_layers, hidden_size, attn_dim : transformer shape; ``attn_dim`` = query heads x
        head_dim. [-]
    num_experts, experts_per_token : routed experts and top-k (1, 1 for dense). [-]
    kv_bytes_per_token : KV cache per token of context. [bytes/token]
    kv_capacity_tokens : KV cache that fits in the replica. [tokens]
    num_gpus : tensor-parallel degree. [-]
    peak_flops : dense tensor throughput of one GPU at the compute precision. [FLOP/s]
    mem_bandwidth : HBM bandwidth of one GPU. [bytes/s]
    link_bandwidth : GPU-to-GPU bandwidth per direction. [bytes/s]
    activation_bytes : bytes per activation element exchanged in all-reduce. [bytes]
    """

    weight_bytes: ArrayLike
    active_params: ArrayLike
    num_layers: ArrayLike
    hidden_size: ArrayLike
    attn_dim: ArrayLike
    kv_bytes_per_token: ArrayLike
    kv_capacity_tokens: ArrayLike
    num_gpus: ArrayLike
    peak_flops: ArrayLike
    mem_bandwidth: ArrayLike
    link_bandwidth: ArrayLike
    expert_weight_bytes: ArrayLike = 0.0
    num_experts: ArrayLike = 1.0
    experts_per_token: ArrayLike = 1.0
    activation_bytes: ArrayLike = 2.0


@dataclass(frozen=True)
class Efficiency:
    """Achieved fractions of peak and fixed costs (calibrated defaults; override freely).

    Attributes
    ----------
    mbu : model bandwidth utilization in decode, share of HBM bandwidth achieved. [-]
    mfu_decode : share of peak FLOP/s achieved by decode matmuls. [-]
    mfu_prefill : share of peak FLOP/s achieved by prefill. [-]
    step_overhead_s : fixed per-step cost (scheduling, kernel launches, sampling). [s]
    allreduce_latency_s : fixed latency of one all-reduce across the TP group. [s]
    max_batch : engine cap on concurrent sequences (vLLM ``max_num_seqs`` = 256). [-]
    kv_reserve_output : share of a sequence's ``O`` output tokens whose KV cache the
        scheduler holds while it runs, so each sequence occupies ``I + r * O`` tokens of
        cache (``max_batch``). 0.5 (default): an engine that admits requests while their
        current KV fits and preempts on overflow (vLLM, SGLang) holds on average half of the
        output; 1.0: TensorRT-LLM's default ``GUARANTEED_NO_EVICT`` capacity scheduler
        reserves the full ``I + O`` at admission, and ``trtllm-bench`` sizes its batch as
        KV memory / ((ISL + OSL) * KV bytes per token)
        (``tensorrt_llm/bench/build/tuning.py``, ``calc_engine_setting``). [-]

    Defaults were fitted by ``benchmarks/calibrate.py`` (robust least squares on log errors
    of throughput, TTFT and ITL) on the 49 calibration rows of
    ``benchmarks/data/serving_benchmarks.csv`` (TensorRT-LLM, vLLM, NIM; H100, H200, A100,
    L40S; TP 1-8; bf16/fp16/fp8/int8/int4); the 25 hold-out rows and the figures are in
    ``benchmarks/README.md``. The shared defaults are the vLLM-like values (the vLLM rows
    are vLLM 0.4.2, Python scheduler, so ``step_overhead_s`` = 5.8 ms); refitted 2026-11-27
    after the TTFT model counted the decode work of the step that runs the prefill;
    ``ENGINE_PRESETS`` holds the engine-specific values (TensorRT-LLM's C++ runtime: its own
    fitted ``step_overhead_s`` and batch cap, ``kv_reserve_output`` = 1).
    ``max_batch`` stays vLLM's documented default ``max_num_seqs`` = 256.
    """

    mbu: ArrayLike = 0.74
    mfu_decode: ArrayLike = 0.59
    mfu_prefill: ArrayLike = 0.53
    step_overhead_s: ArrayLike = 0.0058
    allreduce_latency_s: ArrayLike = 29e-6
    max_batch: ArrayLike = DEFAULT_MAX_BATCH
    kv_reserve_output: ArrayLike = 0.5


#: TensorRT-LLM's engine-specific values (fitted by ``benchmarks/calibrate.py``, except
#: ``kv_reserve_output``, which is its scheduler's documented behaviour).
_TRTLLM: Final[Efficiency] = Efficiency(
    step_overhead_s=0.00099, max_batch=384, kv_reserve_output=1.0
)

#: Per-engine presets. Engines differ in how many sequences they batch by default (vLLM's
#: ``max_num_seqs`` = 256 [3]; TensorRT-LLM's ``trtllm-bench`` sizes the batch itself, fitted
#: as 384), in how much KV cache they hold per sequence (``kv_reserve_output``) and in the
#: fixed cost of one engine step: TensorRT-LLM's C++ runtime (0.99 ms fitted) against vLLM
#: 0.4.2's Python scheduler (5.8 ms, the default). The bandwidth/FLOP efficiencies are shared
#: (fitted on all engines). SGLang has no calibration rows and uses the default.
ENGINE_PRESETS: Final[dict[str, Efficiency]] = {
    "default": Efficiency(),
    "vllm": Efficiency(),
    "sglang": Efficiency(),
    "trtllm": _TRTLLM,
    "nim": _TRTLLM,  # NIM serves this model with a TensorRT-LLM engine
}


@dataclass(frozen=True)
class ServingPoint:
    """Steady-state performance of one replica at one operating point (arrays broadcast).

    Attributes
    ----------
    concurrency : sequences in flight in the engine. [-]
    requests_per_s : completed requests. [1/s]
    output_tokens_per_s, total_tokens_per_s : generated, and prompt + generated. [tokens/s]
    ttft_s : mean time to first token. [s]
    itl_s : mean inter-token latency. [s]
    decode_step_s : one decode step at this batch. [s]
    memory_bound : True where the decode step is limited by memory bandwidth. [-]
    overloaded : True where offered load exceeds what the replica can serve. [-]
    """

    concurrency: F
    requests_per_s: F
    output_tokens_per_s: F
    total_tokens_per_s: F
    ttft_s: F
    itl_s: F
    decode_step_s: F
    memory_bound: NDArray[np.bool_]
    overloaded: NDArray[np.bool_] = field(default_factory=lambda: np.asarray(False))


def _f(x: ArrayLike) -> F:
    return np.asarray(x, dtype=float)


def experts_touched(num_experts: ArrayLike, experts_per_token: ArrayLike, tokens: ArrayLike) -> F:
    """Expected distinct experts hit per layer when ``tokens`` each route to top-k.

    Parameters
    ----------
    num_experts : numeric
        Routed experts per layer, E. [-]
    experts_per_token : numeric
        Experts each token selects, k. [-]
    tokens : numeric
        Tokens in the step (decode batch size). [-]

    Returns
    -------
    numeric
        Expected distinct experts, ``E * (1 - (1 - k/E)^B)`` (uniform routing) [6]. [-]
    """
    e = _f(num_experts)
    k = _f(experts_per_token)
    b = np.maximum(_f(tokens), 0.0)
    return e * (1.0 - (1.0 - np.minimum(k / e, 1.0)) ** b)


def allreduce_time(replica: Replica, tokens: ArrayLike, eff: Efficiency) -> F:
    """Time spent in tensor-parallel all-reduces for one forward pass over ``tokens``.

    Parameters
    ----------
    replica : Replica
    tokens : numeric
        Tokens in the pass (decode batch, or prompt tokens in prefill). [-]
    eff : Efficiency

    Returns
    -------
    numeric
        All-reduce time, 0 for one GPU. [s]

    Notes
    -----
    Two all-reduces per layer (after attention and after the MLP) [1], each of
    ``tokens * hidden * a`` bytes; a ring all-reduce moves ``2 (G-1)/G`` of the message over
    each link: ``t = 2 L (lat + 2 (G-1)/G * tokens * h * a / bw_link)``.
    """
    g = _f(replica.num_gpus)
    msg = _f(tokens) * _f(replica.hidden_size) * _f(replica.activation_bytes)
    link = np.maximum(_f(replica.link_bandwidth), 1.0)
    per = _f(eff.allreduce_latency_s) + 2.0 * (g - 1.0) / g * msg / link
    return np.where(g > 1.0, 2.0 * _f(replica.num_layers) * per, 0.0)


def decode_step_time(
    replica: Replica, batch: ArrayLike, context: ArrayLike, eff: Efficiency
) -> tuple[F, NDArray[np.bool_]]:
    """Time of one decode step generating one token for each of ``batch`` sequences.

    Parameters
    ----------
    replica : Replica
    batch : numeric
        Sequences in the step, B. [-]
    context : numeric
        Mean context length the sequences attend over, c. [tokens]
    eff : Efficiency

    Returns
    -------
    step : numeric
        Step time. [s]
    memory_bound : bool array
        True where bytes, not FLOPs, set the step time.

    Notes
    -----
    Bytes read: dense weights + touched experts + KV cache,
    ``M = (W - W_e) + W_e * touched(B)/E + B * c * kv``.
    FLOPs: ``C = 2 * N_active * B + 4 * B * c * L * d_attn`` [1], [5].
    ``t = max(M / (G * bw * MBU), C / (G * peak * MFU)) + t_overhead + t_allreduce`` [2].
    """
    b = np.maximum(_f(batch), 1e-9)
    c = _f(context)
    g = _f(replica.num_gpus)
    w = _f(replica.weight_bytes)
    we = _f(replica.expert_weight_bytes)
    if we.ndim == 0 and float(we) == 0.0:  # dense: no expert weights to touch (perf)
        expert_bytes: F = np.asarray(0.0)
    else:
        expert_bytes = we * (
            experts_touched(replica.num_experts, replica.experts_per_token, b)
            / _f(replica.num_experts)
        )
    bytes_read = (w - we) + expert_bytes + b * c * _f(replica.kv_bytes_per_token)
    flops = 2.0 * _f(replica.active_params) * b + 4.0 * b * c * _f(replica.num_layers) * _f(
        replica.attn_dim
    )
    t_mem = bytes_read / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    t_comp = flops / (g * _f(replica.peak_flops) * _f(eff.mfu_decode))
    step = np.maximum(t_mem, t_comp) + _f(eff.step_overhead_s) + allreduce_time(replica, b, eff)
    return step, t_mem >= t_comp


def prefill_time(replica: Replica, prompt_tokens: ArrayLike, eff: Efficiency) -> F:
    """Time to process one prompt of ``prompt_tokens`` tokens.

    Parameters
    ----------
    replica : Replica
    prompt_tokens : numeric
        Prompt length, I. [tokens]
    eff : Efficiency

    Returns
    -------
    numeric
        Prefill time. [s]

    Notes
    -----
    Causal attention gives each token on average I/2 keys:
    ``C = 2 * N_active * I + 2 * L * d_attn * I^2`` [5];
    ``t = max(C / (G * peak * MFU_p), W / (G * bw * MBU)) + t_allreduce(I)``.
    """
    i = np.maximum(_f(prompt_tokens), 0.0)
    g = _f(replica.num_gpus)
    flops = (
        2.0 * _f(replica.active_params) * i
        + 2.0 * _f(replica.num_layers) * _f(replica.attn_dim) * i**2
    )
    t_comp = flops / (g * _f(replica.peak_flops) * _f(eff.mfu_prefill))
    t_mem = _f(replica.weight_bytes) / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    return np.maximum(t_comp, t_mem) + allreduce_time(replica, i, eff)


def max_batch(
    replica: Replica, input_tokens: ArrayLike, output_tokens: ArrayLike, eff: Efficiency
) -> F:
    """Largest concurrency the KV cache and the engine cap allow (0 if the model does not fit).

    Parameters
    ----------
    replica : Replica
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]
    eff : Efficiency

    Returns
    -------
    numeric
        ``min(floor(T_kv / (I + r * O)), max_batch)`` with ``r = eff.kv_reserve_output``
        (0.5: on average half the output is in the cache; 1.0: the scheduler reserves the
        whole ``I + O`` at admission, as TensorRT-LLM's ``GUARANTEED_NO_EVICT`` does). [-]
    """
    kv_fit = np.floor(
        max_concurrent_sequences(
            replica.kv_capacity_tokens, input_tokens, output_tokens, eff.kv_reserve_output
        )
    )
    return np.minimum(kv_fit, _f(eff.max_batch))


def _prefill_compute_time(replica: Replica, prompt_tokens: F, eff: Efficiency) -> F:
    """Prefill time when the weight reads are shared with other work (batched prefill). [s]"""
    g = _f(replica.num_gpus)
    flops = (
        2.0 * _f(replica.active_params) * prompt_tokens
        + 2.0 * _f(replica.num_layers) * _f(replica.attn_dim) * prompt_tokens**2
    )
    return flops / (g * _f(replica.peak_flops) * _f(eff.mfu_prefill)) + allreduce_time(
        replica, prompt_tokens, eff
    )


def at_concurrency(
    replica: Replica,
    concurrency: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    eff: Efficiency,
) -> ServingPoint:
    """Steady state of a continuously batching engine holding ``concurrency`` sequences.

    Parameters
    ----------
    replica : Replica
    concurrency : numeric
        Sequences in flight, C (closed loop: a client sends its next request when the
        previous one completes). [-]
    input_tokens, output_tokens : numeric
        Mean prompt length I and generated length O. [tokens]
    eff : Efficiency

    Returns
    -------
    ServingPoint
        ``concurrency`` is the running batch ``B = min(C, B_max)`` (``max_batch``; C where
        the model does not fit, so the single-request numbers stay defined).

    Notes
    -----
    The engine runs ``B = min(C, B_max)`` sequences; the other ``C - B`` wait in its queue.
    In one cycle every running sequence is prefilled once and ``O`` decode steps run at
    batch B, with prefill chunks riding in the decode steps [3], [4], so a batched prefill
    costs its FLOPs but no extra weight reads (``t_pc``, compute part of ``prefill_time``):

    * cycle ``T = B * t_pc + O * t_d(B, I + O/2)``; requests/s ``= B / T``;
    * ITL ``= T / O`` (decode steps stretched by the others' prefills);
    * TTFT ``= t_p * (1 + rho' / (2 (1 - rho'))) + 1.5 (1 - 1/B) t_d + (C - B) / rps``:
      the request's own prefill ``t_p`` (``prefill_time``), an M/D/1 wait behind the
      prefills of the ``B - 1`` other clients, ``rho' = (1 - 1/B) B t_pc / T`` (a closed
      loop of one client never waits), half of the step in progress, the decode work of the
      others that the step running the prefill also carries (the first token appears when
      that whole step ends [3], [4]), and the Little's-law wait [7] of the queued requests.
    """
    i = _f(input_tokens)
    o = np.maximum(_f(output_tokens), 1.0)
    return _at_concurrency(replica, concurrency, i, o, eff, _load_free(replica, i, o, eff))


def _at_concurrency(
    replica: Replica,
    concurrency: ArrayLike,
    i: F,
    o: F,
    eff: Efficiency,
    parts: tuple[F, F, F],
) -> ServingPoint:
    """``at_concurrency`` with its load-free parts given (``_load_free``)."""
    c = np.maximum(_f(concurrency), 1e-9)
    cap, t_p, t_pc = parts
    b = np.where(cap >= 1.0, np.minimum(c, cap), c)
    t_d, mem_bound = decode_step_time(replica, b, i + 0.5 * o, eff)
    cycle = b * t_pc + o * t_d
    rps = b / cycle
    others = 1.0 - 1.0 / np.maximum(b, 1.0)
    rho = np.clip(others * b * t_pc / cycle, 0.0, 0.999)
    ttft = t_p * (1.0 + rho / (2.0 * (1.0 - rho))) + 1.5 * others * t_d + (c - b) / rps
    return ServingPoint(
        concurrency=b + 0.0 * rps,
        requests_per_s=rps,
        output_tokens_per_s=rps * o,
        total_tokens_per_s=rps * (i + o),
        ttft_s=ttft,
        itl_s=cycle / o,
        decode_step_s=t_d,
        memory_bound=np.asarray(mem_bound),
        overloaded=np.asarray(c > b),
    )


def _load_free(replica: Replica, i: F, o: F, eff: Efficiency) -> tuple[F, F, F]:
    """The parts of ``at_concurrency`` that do not depend on the concurrency: the batch cap,
    the prefill time and its compute part (computed once per search; perf)."""
    return (
        max_batch(replica, i, o, eff),
        prefill_time(replica, i, eff),
        _prefill_compute_time(replica, i, eff),
    )


def _itl_limit(
    replica: Replica, i: F, o: F, eff: Efficiency, parts: tuple[F, F, F], itl_target: F
) -> F | None:
    """The largest batch whose ITL meets ``itl_target``, exactly, for a dense model (None for
    MoE, whose expert reads are not linear in the batch).

    With ``b`` sequences ITL is ``b t_pc / O + t_d(b)`` and ``t_d`` is the larger of two
    lines in ``b`` (bytes ``m0 + m1 b``, FLOPs ``k1 b``) plus overhead and the all-reduce
    ``r0 + r1 b`` (``decode_step_time``), so ``ITL <= T`` holds exactly when both lines do:
    ``b <= (T - t_o - r0 - m0) / (m1 + r1 + t_pc/O)`` and ``b <= (T - t_o - r0) / (k1 + r1 +
    t_pc/O)``. [sequences]
    """
    we = _f(replica.expert_weight_bytes)
    if not (we.ndim == 0 and float(we) == 0.0):
        return None
    _, _, t_pc = parts
    g = _f(replica.num_gpus)
    ctx = i + 0.5 * o
    m0 = _f(replica.weight_bytes) / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    m1 = ctx * _f(replica.kv_bytes_per_token) / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    k1 = (
        2.0 * _f(replica.active_params) + 4.0 * ctx * _f(replica.num_layers) * _f(replica.attn_dim)
    ) / (g * _f(replica.peak_flops) * _f(eff.mfu_decode))
    link = np.maximum(_f(replica.link_bandwidth), 1.0)
    layers2 = np.where(g > 1.0, 2.0 * _f(replica.num_layers), 0.0)
    r0 = layers2 * _f(eff.allreduce_latency_s)
    r1 = (
        layers2
        * 2.0
        * (g - 1.0)
        / g
        * _f(replica.hidden_size)
        * _f(replica.activation_bytes)
        / link
    )
    room = _f(itl_target) - _f(eff.step_overhead_s) - r0
    slope = r1 + t_pc / o
    with np.errstate(divide="ignore", invalid="ignore"):
        by_bytes = (room - m0) / (m1 + slope)
        by_flops = room / (k1 + slope)
    limit = np.minimum(by_bytes, by_flops)
    return np.asarray(np.where(np.isnan(limit), np.inf, limit))


def _bisect_max(ok_fn: object, lo: F, hi: F, steps: int = _BISECT_STEPS) -> F:
    """Largest x in [lo, hi] with ok_fn(x) True, for ok monotone decreasing in x (vectorised)."""
    assert callable(ok_fn)
    lo = lo.copy()
    hi = hi.copy()
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        good = ok_fn(mid)
        lo = np.where(good, mid, lo)
        hi = np.where(good, hi, mid)
    return lo


def at_max_throughput(
    replica: Replica, input_tokens: ArrayLike, output_tokens: ArrayLike, eff: Efficiency
) -> ServingPoint:
    """Saturated (offline) throughput: concurrency = the largest batch that fits.

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]

    Returns
    -------
    ServingPoint
        At ``C = max_batch(...)``; all rates are 0 where the model does not fit.
    """
    b = max_batch(replica, input_tokens, output_tokens, eff)
    point = at_concurrency(replica, np.maximum(b, 1.0), input_tokens, output_tokens, eff)
    fits = b >= 1.0
    return _mask(point, fits)


def _mask(point: ServingPoint, fits: NDArray[np.bool_]) -> ServingPoint:
    zero = np.where(fits, 1.0, 0.0)
    nan = np.where(fits, 1.0, np.nan)
    return ServingPoint(
        concurrency=point.concurrency * zero,
        requests_per_s=point.requests_per_s * zero,
        output_tokens_per_s=point.output_tokens_per_s * zero,
        total_tokens_per_s=point.total_tokens_per_s * zero,
        ttft_s=point.ttft_s * nan,
        itl_s=point.itl_s * nan,
        decode_step_s=point.decode_step_s * nan,
        memory_bound=point.memory_bound,
        overloaded=point.overloaded | ~fits,
    )


def at_request_rate(
    replica: Replica,
    request_rate: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    eff: Efficiency,
) -> ServingPoint:
    """Steady state under an open-loop arrival rate (Little's-law fixed point).

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    request_rate : numeric
        Arrivals, lambda. [requests/s]
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]

    Returns
    -------
    ServingPoint
        With ``overloaded`` True where lambda exceeds the saturated request rate; there the
        throughput is the saturated one and TTFT is ``inf`` (the queue grows without bound).

    Notes
    -----
    Concurrency satisfies ``C = lambda * latency(C)`` [7] with
    ``latency = TTFT + (O - 1) * ITL``; the residual is monotone in C, solved by bisection.
    """
    lam = _f(request_rate)
    b_max = np.maximum(max_batch(replica, input_tokens, output_tokens, eff), 1.0)
    sat = at_concurrency(replica, b_max, input_tokens, output_tokens, eff)
    o = np.maximum(_f(output_tokens), 1.0)

    i_f = _f(input_tokens)
    parts = _load_free(replica, i_f, o, eff)

    def under(c: F) -> NDArray[np.bool_]:
        p = _at_concurrency(replica, c, i_f, o, eff, parts)
        return np.asarray(lam * (p.ttft_s + (o - 1.0) * p.itl_s) <= c)

    # ``under`` is False below the fixed point and True above it; find its smallest C.
    # Below the saturated rate the fixed point may lie above the batch cap (requests queue
    # for a slot; ``at_concurrency`` adds that wait), so widen the bracket until it holds.
    lo = np.full(np.broadcast(lam, b_max).shape, 1e-6)
    hi = b_max * np.ones_like(lo)
    stable = lam < sat.requests_per_s
    for _ in range(60):
        widen = stable & ~under(hi)
        if not widen.any():
            break
        hi = np.where(widen, 2.0 * hi, hi)
    for _ in range(_BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        good = under(mid)
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
    point = at_concurrency(replica, hi, input_tokens, output_tokens, eff)
    overloaded = lam > sat.requests_per_s
    served = np.where(overloaded, sat.requests_per_s, lam)
    return ServingPoint(
        concurrency=np.where(overloaded, b_max, hi),
        requests_per_s=served,
        output_tokens_per_s=served * o,
        total_tokens_per_s=served * (_f(input_tokens) + o),
        ttft_s=np.where(overloaded, np.inf, point.ttft_s),
        itl_s=np.where(overloaded, sat.itl_s, point.itl_s),
        decode_step_s=np.where(overloaded, sat.decode_step_s, point.decode_step_s),
        memory_bound=np.where(overloaded, sat.memory_bound, point.memory_bound),
        overloaded=np.asarray(overloaded | (b_max < 1.0)),
    )


def at_slo(
    replica: Replica,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    ttft_target_s: ArrayLike,
    itl_target_s: ArrayLike,
    eff: Efficiency,
) -> tuple[ServingPoint, NDArray[np.bool_]]:
    """The largest concurrency whose TTFT and ITL meet their targets.

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]
    ttft_target_s, itl_target_s : numeric
        Latency targets; ``inf`` for none. [s]

    Returns
    -------
    point : ServingPoint
        At the largest feasible (fractional) concurrency ``C* <= max_batch``.
    feasible : bool array
        False where even one sequence misses a target or the model does not fit; then the
        point is the single-sequence one and rates are 0.

    Notes
    -----
    TTFT and ITL grow monotonically with C, so ``C*`` is found by bisection on
    ``[1, max_batch]`` (for a dense model the ITL bound is exact, ``_itl_limit``). Requests
    of fewer than two output tokens have no inter-token gap, so the ITL target does not bind
    them.
    """
    b_max = max_batch(replica, input_tokens, output_tokens, eff)
    ttft_t = _f(ttft_target_s)
    # a request of one output token has no gap between tokens: no ITL to meet (the modelled
    # ITL, the cycle over O, would fold the batch's prefills into it)
    itl_t = np.where(_f(output_tokens) < 2.0, np.inf, _f(itl_target_s))

    i_f = _f(input_tokens)
    o_f = np.maximum(_f(output_tokens), 1.0)
    parts = _load_free(replica, i_f, o_f, eff)

    def ok(c: F) -> NDArray[np.bool_]:
        p = _at_concurrency(replica, c, i_f, o_f, eff, parts)
        return np.asarray((p.ttft_s <= ttft_t) & (p.itl_s <= itl_t))

    one = np.ones(np.broadcast(b_max, ttft_t, itl_t).shape)
    feasible = ok(one) & (b_max >= 1.0)
    hi = np.maximum(b_max * one, 1.0)
    itl_cap = _itl_limit(replica, i_f, o_f, eff, parts, itl_t)
    if itl_cap is not None:
        # dense model: the ITL bound is exact; bisect only where TTFT binds below it
        c_itl = np.clip(itl_cap * (1.0 - 1e-12), 1.0, hi)
        good = ok(c_itl)
        c_star = c_itl
        if not np.all(good | ~feasible):
            c_star = np.where(good, c_itl, _bisect_max(ok, one, c_itl))
    else:
        c_star = _bisect_max(ok, one, hi)
        c_star = np.where(ok(hi), np.maximum(b_max, 1.0), c_star)
    point = at_concurrency(replica, c_star, input_tokens, output_tokens, eff)
    return _mask(point, feasible), np.asarray(feasible)
