"""LLM inference on one replica: prefill, decode steps and continuous batching.

A *replica* is one copy of a model served on ``num_gpus`` GPUs with tensor parallelism.
The models are rooflines with calibrated efficiencies:

* ``decode_step_time`` -- one engine step that generates a token for each of ``B`` sequences;
* ``prefill_time`` -- compute-bound prompt processing (of the uncached tokens, with prefix
  caching: ``cached_share``);
* ``allreduce_time`` -- tensor-parallel all-reduces, over NVLink within a node and over
  the network when the group spans nodes;
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
.. [8] vLLM, "Automatic Prefix Caching" (docs.vllm.ai/en/latest/features/automatic_prefix_caching/
   and its design doc): a request whose prompt shares a cached prefix reuses that KV cache and
   skips the prefix's computation; KV blocks are shared across requests by reference count and
   freed blocks stay cached until evicted (LRU). On by default in vLLM V1 (under 1 % throughput
   loss at a 0 % hit rate; vLLM blog, 2025-01-27). ``vllm/v1/core/kv_cache_manager.py``
   (``get_computed_blocks``): a full hit still recomputes the last prompt token for its logits.
.. [9] L. Zheng et al., "SGLang: Efficient Execution of Structured Language Model Programs"
   (RadixAttention), arXiv:2312.07104 (hit rates 50-99 % on its benchmarks, 74.1 % in a
   Chatbot Arena deployment). Mooncake (Kimi), arXiv:2407.00079, Table 1: 30-51 % on a
   production trace, depending on the cache's size.
.. [10] NVIDIA NCCL, ``src/graph/tuning.cc`` (v2.30.7): the ring all-reduce cost model,
   latency ``base + (2(G-1) - 2(n-1)) lat_intra + 2(n-1) lat_net`` over n nodes, time
   ``lat + bytes / algorithm bandwidth``; S. Jeaugey (NCCL), NVIDIA/nccl issue #412
   (2023-04-24): the inter-node bus bandwidth grows with the NICs a node has, up to the
   NVLink bandwidth.
.. [11] NVIDIA DGX BasePOD reference architecture, "Core Components": DGX H100/H200 and
   B200 hold eight GPUs (one NVLink domain) and eight single-port ConnectX-7 NICs of up to
   400 Gb/s on the compute fabric, one per GPU.
.. [12] J. F. C. Kingman, "On queues in heavy traffic", J. R. Stat. Soc. B 24(2), 1962; W.
   Whitt, "Approximations for the GI/G/m queue", Prod. Oper. Manag. 2(2), 1993: the waiting
   time of an M/G/1 queue waits with probability rho and is then close to exponential.
.. [13] vLLM ``vllm/engine/arg_utils.py`` ``EngineArgs.get_batch_defaults``: the API server's
   ``max_num_batched_tokens`` is 8192 on GPUs of 70 GB or more other than A100, else 2048.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.perf.memory import max_concurrent_sequences

F = NDArray[np.float64]

#: vLLM's default ``max_num_seqs``: the engine's cap on sequences per step.
DEFAULT_MAX_BATCH: Final[int] = 256

_BISECT_STEPS: Final[int] = 48

#: GPUs in one NVLink domain (one server): NVIDIA DGX/HGX H100, H200 and B200 hold 8 [11]
#: (facts.csv ``dgx_h100_gpus_per_node``); taken for every GPU, the common 8-GPU server
#: (judgement for the PCIe and non-NVIDIA GPUs).
DEFAULT_GPUS_PER_NODE: Final[float] = 8.0

#: Compute-fabric bandwidth per GPU per direction: one 400 Gb/s ConnectX-7 NIC per GPU on
#: DGX H100/H200/B200 [11] = 50e9 bytes/s (facts.csv ``dgx_h100_compute_nic_gbit_per_s_per_gpu``).
DEFAULT_NETWORK_BANDWIDTH: Final[float] = 400e9 / 8.0

#: Latency of one ring step that crosses the network: NCCL's model constant for the ring
#: LL128 protocol [10] (facts.csv ``nccl_ring_net_step_latency_ll128_us``). LL128, NCCL's
#: mid-size protocol, rather than LL (2.7 us) or Simple (14 us) is a judgement: tensor-parallel
#: all-reduces run from kilobytes (decode) to about 100 MB (long prefills).
DEFAULT_NETWORK_LATENCY_S: Final[float] = 4.0e-6


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
    link_bandwidth : GPU-to-GPU bandwidth per direction inside a node (NVLink, Infinity
        Fabric or PCIe). [bytes/s]
    activation_bytes : bytes per activation element exchanged in all-reduce. [bytes]
    gpus_per_node : GPUs that share one node's ``link_bandwidth`` (the NVLink domain); a
        tensor-parallel group larger than this spans nodes and its all-reduce crosses the
        network (``allreduce_time``). Default 8 (``DEFAULT_GPUS_PER_NODE``). [-]
    network_bandwidth : inter-node (compute-fabric) bandwidth per GPU per direction: the
        node's NIC bandwidth over its GPUs. Default 50e9, one 400 Gb/s NIC per GPU as in DGX
        H100/H200/B200 (``DEFAULT_NETWORK_BANDWIDTH``); override for other fabrics. [bytes/s]
    gqa_group : query heads per KV head (grouped-query attention; 1 for multi-head and
        latent attention). With ``Efficiency.kv_group_shared`` below 1 the decode step reads
        the KV cache more than once (``decode_step_time``). Default 1. [-]
    flop_factor : share of ``peak_flops`` the model's FLOPs can reach at its precision,
        relative to 16-bit (``PRECISION_FLOP_FACTORS``; ``build_replica`` sets it, below 1
        for FP8). The roofline's compute time uses ``peak_flops * flop_factor``, and the
        ``Efficiency`` fractions apply on top of it. Default 1. [-]
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
    gpus_per_node: ArrayLike = DEFAULT_GPUS_PER_NODE
    network_bandwidth: ArrayLike = DEFAULT_NETWORK_BANDWIDTH
    flop_factor: ArrayLike = 1.0
    gqa_group: ArrayLike = 1.0


#: vLLM's per-step token budget on GPUs of 70 GB or more other than A100 (2048 elsewhere) [13].
DEFAULT_MAX_BATCHED_TOKENS: Final[int] = 8192


@dataclass(frozen=True)
class Efficiency:
    """Achieved fractions of peak and fixed costs (calibrated defaults; override freely).

    Attributes
    ----------
    mbu : model bandwidth utilization in decode, share of HBM bandwidth achieved. [-]
    mfu_decode : share of peak FLOP/s achieved by decode matmuls. [-]
    mfu_prefill : share of peak FLOP/s achieved by prefill. [-]
    step_overhead_s : fixed per-step cost (scheduling, kernel launches, sampling). [s]
    seq_overhead_s : per-sequence cost of one step, paid once for each of the ``B``
        sequences in the batch: the host-side work that grows with the batch (a Python
        scheduler building each sequence's block table and metadata, per-sequence sampling and
        detokenisation, output processing). The decode step is ``t_o + t_seq B`` plus the
        roofline. Default 0 (no per-sequence term); ``ENGINE_PRESETS`` sets it per engine
        family. [s]
    allreduce_latency_s : fixed latency of one all-reduce across the TP group. [s]
    network_latency_s : extra latency of each ring step that crosses the network when the
        TP group spans nodes; a ring all-reduce over n nodes has ``2 (n - 1)`` of them [10].
        Default 4 us, NCCL's ring LL128 network step (``DEFAULT_NETWORK_LATENCY_S``). [s]
    max_batch : engine cap on concurrent sequences (vLLM ``max_num_seqs`` = 256). [-]
    max_batched_tokens : tokens one engine step processes, decodes and prefill chunks
        together (vLLM ``max_num_batched_tokens``; 8192 on H100-class GPUs [13]). It sets how
        many decode steps a prefill stalls, so only the ITL percentiles use it. [tokens]
    kv_reserve_output : share of a sequence's ``O`` output tokens whose KV cache the
        scheduler holds while it runs, so each sequence occupies ``I + r * O`` tokens of
        cache (``max_batch``). 0.5 (default): an engine that admits requests while their
        current KV fits and preempts on overflow (vLLM, SGLang) holds on average half of the
        output; 1.0: TensorRT-LLM's default ``GUARANTEED_NO_EVICT`` capacity scheduler
        reserves the full ``I + O`` at admission, and ``trtllm-bench`` sizes its batch as
        KV memory / ((ISL + OSL) * KV bytes per token)
        (``tensorrt_llm/bench/build/tuning.py``, ``calc_engine_setting``). [-]
    kv_group_shared : 1 (default) where the decode attention kernel loads each KV head once
        for its whole group of query heads (FlashAttention and FlashInfer decode,
        TensorRT-LLM's XQA kernel, vLLM's ROCm custom paged attention); 0 where every query
        head reads its KV head again, as vLLM's generic paged-attention kernel does (one
        thread block per query head, ``kv_head_idx = head_idx / num_queries_per_kv``, in
        ``csrc/attention/attention_kernels.cu``): the decode step then reads the KV cache
        ``gqa_group`` times (``decode_step_time``). A property of the kernel, not fitted. [-]

    Defaults were fitted by ``benchmarks/calibrate.py`` (robust least squares on log errors
    of throughput, TTFT and ITL) on the 125 calibration rows of
    ``benchmarks/data/serving_benchmarks.csv`` (TensorRT-LLM, vLLM, NIM, LMDeploy; H100,
    H200, A100, A10G, L40S, MI300X; TP 1-8; bf16/fp16/fp8/int8/int4), refitted 2026-12-01
    with the FP8 factor (``PRECISION_FLOP_FACTORS``) and Meta's mixed FP8 405B checkpoint
    (``tests/perf_rows.py``); the 63 hold-out rows, the leave-one-source-out figures and the
    per-category errors are in ``benchmarks/README.md``. The shared defaults are the
    Python-scheduler values (vLLM, SGLang): ``t_o`` = 4.3 ms and ``t_seq`` = 0.22 ms per
    sequence; ``ENGINE_PRESETS`` holds the C++ runtimes' (TensorRT-LLM, NIM, LMDeploy: 1.1 ms
    and 11 us, TensorRT-LLM's batch cap 384 and ``kv_reserve_output`` = 1; the 2026-12-01 fit
    gives 4.4 us per sequence, the leave-one-source-out folds 5-11 us, and the 2026-11-30
    fit's 11 us is kept). ``mfu_decode`` (0.68) is weakly constrained: decode is memory-bound
    on most rows. ``max_batch`` stays vLLM's documented default ``max_num_seqs`` = 256.
    """

    mbu: ArrayLike = 0.81
    mfu_decode: ArrayLike = 0.68
    mfu_prefill: ArrayLike = 0.61
    step_overhead_s: ArrayLike = 0.0043
    seq_overhead_s: ArrayLike = 0.00022
    allreduce_latency_s: ArrayLike = 44e-6
    max_batch: ArrayLike = DEFAULT_MAX_BATCH
    kv_reserve_output: ArrayLike = 0.5
    network_latency_s: ArrayLike = DEFAULT_NETWORK_LATENCY_S
    max_batched_tokens: ArrayLike = DEFAULT_MAX_BATCHED_TOKENS
    kv_group_shared: ArrayLike = 1.0


#: TensorRT-LLM's engine-specific values (fitted by ``benchmarks/calibrate.py``, except
#: ``kv_reserve_output``, which is its scheduler's documented behaviour).
_TRTLLM: Final[Efficiency] = Efficiency(
    step_overhead_s=0.0011, seq_overhead_s=11e-6, max_batch=384, kv_reserve_output=1.0
)

#: LMDeploy's TurboMind: a C++ runtime like TensorRT-LLM's (the same fitted per-step cost),
#: with the admit-while-it-fits scheduling and batch cap of the default.
_TURBOMIND: Final[Efficiency] = Efficiency(step_overhead_s=0.0011, seq_overhead_s=11e-6)

#: Per-engine presets. Engines differ in how many sequences they batch by default (vLLM's
#: ``max_num_seqs`` = 256 [3]; TensorRT-LLM's ``trtllm-bench`` sizes the batch itself, fitted
#: as 384), in how much KV cache they hold per sequence (``kv_reserve_output``) and in the
#: host-side cost of one engine step, ``t_o + t_seq B`` (``step_overhead_s``,
#: ``seq_overhead_s``) per runtime family: C++ runtimes (TensorRT-LLM, NIM's TensorRT-LLM
#: engine, LMDeploy's TurboMind: 1.1 ms + 11 us per sequence, fitted) against Python
#: schedulers (vLLM, SGLang, the default: 4.3 ms + 0.22 ms per sequence). The
#: bandwidth/FLOP efficiencies are shared (fitted on all engines); a GPU vendor's own
#: factors are in ``VENDOR_FACTORS``.
ENGINE_PRESETS: Final[dict[str, Efficiency]] = {
    "default": Efficiency(),
    "vllm": Efficiency(),
    "sglang": Efficiency(),
    "trtllm": _TRTLLM,
    "nim": _TRTLLM,  # NIM serves this model with a TensorRT-LLM engine
    "lmdeploy": _TURBOMIND,
}

#: Engines that run on one vendor's GPUs only: TensorRT-LLM (and NIM, which serves models
#: with it) builds CUDA engines for NVIDIA GPUs (TensorRT-LLM documentation, "Support
#: Matrix", 2025). Engines not listed run on every vendor in the catalog (vLLM and SGLang
#: have ROCm builds).
ENGINE_VENDORS: Final[dict[str, frozenset[str]]] = {
    "trtllm": frozenset({"NVIDIA"}),
    "nim": frozenset({"NVIDIA"}),
}

#: Factors on the achieved HBM bandwidth (``mbu``) and FLOP/s (``mfu_decode``,
#: ``mfu_prefill``) by GPU vendor (``catalog`` ``GPU.vendor``), relative to the NVIDIA-fitted
#: ``Efficiency``: ``(bandwidth factor, FLOP factor)``. Vendors not listed: 1.
#: ``benchmarks/calibrate.py`` fits AMD's on the MI300X rows (vLLM ROCm
#: 0.6 2024, MLPerf v4.1 AMD) jointly with ``seq_overhead_s``: MI300X under the 2024 ROCm
#: stack reaches 0.57 of the bandwidth fraction and 0.50 of the FLOP fraction that the NVIDIA
#: rows reach (2026-12-01). They are fitted, not measured hardware figures:
#: they lump the HBM bandwidth MI300X achieves below its 5.3 TB/s peak (its eight HBM stacks
#: sit behind four I/O dies and the Infinity Fabric; Chips and Cheese, "Testing AMD's Giant
#: MI300X", 2024) with the maturity of 2024 ROCm kernels (vLLM's ROCm paged attention,
#: hipBLASLt GEMMs). The engine and ``perf`` apply them to the presets (``for_vendor``), not
#: to the user's own efficiency values or calibrations.
VENDOR_FACTORS: Final[dict[str, tuple[float, float]]] = {"AMD": (0.57, 0.50)}

#: Share of a precision's nominal dense tensor peak that the model's FLOPs reach, relative to
#: the 16-bit rows the ``Efficiency`` fractions are fitted on; ``perf.replica.build_replica``
#: sets it as ``Replica.flop_factor``. Precisions not listed: 1. FP8 doubles the tensor
#: rate of Hopper and Ada GPUs but not the rest of a layer's work (a judgement on the
#: mechanism: the attention matmuls of the engines' default kernels, normalisation, rotary
#: embedding and the quantisation of activations run at 16-bit rates or are memory-bound),
#: and the FP8 GEMMs themselves reach a smaller share of their doubled peak. The published
#: batch-1 prefills show it: Llama 2 7B, 2048 tokens, runs at 69 % of the A100's 16-bit peak
#: (133 ms, TensorRT-LLM ``performance.md``) but at 40 % of the H100's FP8 peak (36 ms), and
#: NIM's Llama 3.3 70B FP8 prefill at 46 % (``benchmarks/data/serving_benchmarks.csv``).
#: ``benchmarks/calibrate.py`` fits it with the other factors (``fp8_flop_factor`` = 0.85 on
#: the 125 calibration rows, 0.80-0.93 over the leave-one-source-out folds; 2026-12-01); it
#: is fitted, not a hardware constant.
PRECISION_FLOP_FACTORS: Final[dict[str, float]] = {"fp8": 0.85}


def for_vendor(
    eff: Efficiency,
    vendor: ArrayLike,
    factors: Mapping[str, tuple[float, float]] | None = None,
) -> Efficiency:
    """``eff`` with its bandwidth and FLOP fractions scaled by the GPU vendor's factors
    (``VENDOR_FACTORS`` unless ``factors``); ``vendor`` may be an array of names (per row)."""
    table = VENDOR_FACTORS if factors is None else factors
    v = np.asarray(vendor)
    bw = np.ones(v.shape)
    fl = np.ones(v.shape)
    for name, (b, f) in table.items():
        hit = v == name
        bw = np.where(hit, b, bw)
        fl = np.where(hit, f, fl)
    if not np.any(bw != 1.0) and not np.any(fl != 1.0):
        return eff
    return replace(
        eff,
        mbu=_f(eff.mbu) * bw,
        mfu_decode=_f(eff.mfu_decode) * fl,
        mfu_prefill=_f(eff.mfu_prefill) * fl,
    )


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
    #: the parts of TTFT and ITL that vary from request to request (``ttft_quantile``,
    #: ``itl_quantile``): the mean wait behind other prefills, its probability, the spread of
    #: the step in progress, and the stall of a decode step that carries a prefill chunk with
    #: the share of steps that do. [s], [-], [s], [s], [-]
    ttft_wait_s: F = field(default_factory=lambda: np.asarray(0.0))
    ttft_wait_prob: F = field(default_factory=lambda: np.asarray(0.0))
    step_spread_s: F = field(default_factory=lambda: np.asarray(0.0))
    itl_stall_s: F = field(default_factory=lambda: np.asarray(0.0))
    itl_stall_share: F = field(default_factory=lambda: np.asarray(0.0))

    def ttft_quantile(self, q: ArrayLike) -> F:
        """The q-quantile of TTFT (q = 0.95 for p95) under Poisson arrivals. [s]

        TTFT = fixed part + W + R: the wait W behind other prefills (an M/D/1 queue) waits
        with probability rho and is then close to exponential with mean E[W] / rho [12], so
        ``W_q = E[W] / rho ln(rho / (1 - q))`` for ``q > 1 - rho``, else 0; the position in
        the step in progress R is uniform on [0, S], ``R_q = q S``. Their quantiles are added,
        an upper bound on the quantile of the sum (comonotone). Prompt lengths are the mean:
        their spread is not modelled.
        """
        qq = np.clip(_f(q), 0.0, 1.0 - 1e-12)
        rho = _f(self.ttft_wait_prob)
        mean_w = _f(self.ttft_wait_s)
        fixed = _f(self.ttft_s) - mean_w - 0.5 * _f(self.step_spread_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.where(
                (rho > 0) & (rho > 1.0 - qq), mean_w / rho * np.log(rho / (1.0 - qq)), 0.0
            )
        return np.asarray(fixed + tail + qq * _f(self.step_spread_s))

    def itl_quantile(self, q: ArrayLike) -> F:
        """The q-quantile of the gap between tokens. [s]

        A share f of decode steps carries a prefill chunk and takes ``t_d + stall``, the rest
        ``t_d`` (Sarathi-Serve's stalls, bounded by chunking [4]); the mean is ``itl_s``.
        """
        qq = _f(q)
        f = _f(self.itl_stall_share)
        stall = _f(self.itl_stall_s)
        base = _f(self.itl_s) - f * stall
        return np.asarray(np.where(qq > 1.0 - f, base + stall, base))


def _f(x: ArrayLike) -> F:
    return np.asarray(x, dtype=float)


def _peak(replica: Replica) -> F:
    """The tensor rate the model's FLOPs can reach on one GPU, ``peak_flops * flop_factor``
    (``Replica``; the factor is 1 unless the precision's peak is out of reach). [FLOP/s]"""
    share = replica.flop_factor
    if isinstance(share, float) and share == 1.0:  # perf: the common case, no multiply
        return _f(replica.peak_flops)
    return _f(replica.peak_flops) * _f(share)


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


def _ring(replica: Replica, eff: Efficiency) -> tuple[F, F, F]:
    """The ring all-reduce's GPUs ``G``, latency per all-reduce and bus bandwidth.

    Returns ``(G, lat, bw)`` ([-], [s], [bytes/s]): within one node ``lat = lat_AR`` and
    ``bw = bw_link`` (the values used before groups could span nodes, so those results stay
    bit for bit); across ``n = ceil(G / G_node)`` nodes see ``allreduce_time``.
    """
    g = _f(replica.num_gpus)
    link = np.maximum(_f(replica.link_bandwidth), 1.0)
    per_node = np.maximum(_f(replica.gpus_per_node), 1.0)
    across = g > per_node  # i.e. n = ceil(G / G_node) > 1
    if not np.any(across):  # every group within one node (perf: skips the network terms)
        return g, _f(eff.allreduce_latency_s), link
    nodes = np.maximum(np.ceil(g / per_node), 1.0)
    # a node's NICs together carry the ring's crossing (NCCL spreads its ring channels over
    # the node's NICs) [10]
    fabric = np.maximum(_f(replica.network_bandwidth), 1.0) * (g / nodes)
    bw = np.where(across, np.minimum(link, fabric), link)
    lat = _f(eff.allreduce_latency_s) + np.where(
        across, 2.0 * (nodes - 1.0) * _f(eff.network_latency_s), 0.0
    )
    return g, lat, bw


def allreduce_time(replica: Replica, tokens: ArrayLike, eff: Efficiency) -> F:
    """Time spent in tensor-parallel all-reduces for one forward pass over ``tokens``.

    Parameters
    ----------
    replica : Replica
    tokens : numeric
        Tokens in the pass (decode batch, or the uncached prompt tokens in prefill). [-]
    eff : Efficiency

    Returns
    -------
    numeric
        All-reduce time, 0 for one GPU. [s]

    Notes
    -----
    Two all-reduces per layer (after attention and after the MLP) [1], each of
    ``M = tokens * hidden * a`` bytes; a ring all-reduce moves ``2 (G-1)/G`` of the message
    over each link: ``t = 2 L (lat + 2 (G-1)/G * M / bw)``.

    Within one node (``G <= G_node``, ``Replica.gpus_per_node``): ``lat = lat_AR`` and
    ``bw = bw_link`` (NVLink, or PCIe).

    Across ``n = ceil(G / G_node) > 1`` nodes the ring runs through the network. This is the
    bottleneck form (one pipelined ring over all G GPUs, as NCCL's ring), not a hierarchical
    one:

    * ``bw = min(bw_link, (G/n) * bw_net)``: NCCL runs its ring channels through different
      NICs, so the crossing between nodes is carried by the node's ``G/n`` NICs together, and
      a pipelined ring runs at its slowest hop; NCCL's maintainers give the inter-node bus
      bandwidth as growing with the NICs up to the NVLink bandwidth [10] (one 200 Gb/s NIC
      per 8-GPU node: about 24 GB/s, facts.csv ``nccl_internode_busbw_one_hdr200_nic_gbs``).
      ``bw_net`` is ``Replica.network_bandwidth`` (default 400 Gb/s per GPU; NCCL's
      maintainers expect 46-48 GB/s bus bandwidth per NDR 400 Gb/s NIC, facts.csv
      ``nccl_ndr400_busbw_per_nic_gbs_low``, so the nominal rate is used as NVLink's is).
      A hierarchical all-reduce (reduce-scatter in the node, all-reduce of ``M/g`` across
      nodes, all-gather; ``g = G/n``) runs its phases one after another and would cost
      ``2 (g-1)/g M / bw_link + 2 (n-1)/n M / (g bw_net)``, more than the ring on DGX-class
      nodes (TP16 on H100: 6.4e-3 against 4.7e-3 ns per byte of M);
    * ``lat = lat_AR + 2 (n-1) lat_net``: of the ring's ``2 (G-1)`` steps, ``2 (n-1)`` cross
      the network [10] (``Efficiency.network_latency_s``).

    E.g. DGX H100, TP16 (n = 2): ``bw = min(450, 8 x 50) = 400`` GB/s instead of 450, plus
    8 us per all-reduce.
    """
    g, lat, bw = _ring(replica, eff)
    msg = _f(tokens) * _f(replica.hidden_size) * _f(replica.activation_bytes)
    per = lat + 2.0 * (g - 1.0) / g * msg / bw
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
    ``M = (W - W_e) + W_e * touched(B)/E + B * c * kv``; ``kv`` counts each KV head once per
    query head where the kernel does not share it across the group
    (``Efficiency.kv_group_shared``).
    FLOPs: ``C = 2 * N_active * B + 4 * B * c * L * d_attn`` [1], [5].
    ``t = max(M / (G * bw * MBU), C / (G * peak * MFU)) + t_o + t_seq * B + t_allreduce``
    [2]: ``t_o`` the fixed per-step cost, ``t_seq`` the per-sequence one
    (``Efficiency.seq_overhead_s``).
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
    bytes_read = (w - we) + expert_bytes + b * c * _kv_read_bytes(replica, eff)
    flops = 2.0 * _f(replica.active_params) * b + 4.0 * b * c * _f(replica.num_layers) * _f(
        replica.attn_dim
    )
    t_mem = bytes_read / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    t_comp = flops / (g * _peak(replica) * _f(eff.mfu_decode))
    step = (
        np.maximum(t_mem, t_comp)
        + _f(eff.step_overhead_s)
        + _f(eff.seq_overhead_s) * b
        + allreduce_time(replica, b, eff)
    )
    return step, t_mem >= t_comp


def _kv_read_bytes(replica: Replica, eff: Efficiency) -> F:
    """KV-cache bytes one decode step reads per token of context: ``kv`` times
    ``1 + (1 - s)(g - 1)``, s = ``Efficiency.kv_group_shared``, g = ``Replica.gqa_group``
    (each of a KV head's g query heads reads it again where the kernel does not share
    it). [bytes/token]"""
    s, g = eff.kv_group_shared, replica.gqa_group
    kv = _f(replica.kv_bytes_per_token)
    if isinstance(s, float) and s == 1.0:  # perf: every preset shares; no multiply
        return kv
    return kv * (1.0 + (1.0 - _f(s)) * (_f(g) - 1.0))


def _cached_share(cached_share: ArrayLike) -> F:
    """``cached_share`` as an array, checked to lie in [0, 1]. [-]"""
    h = _f(cached_share)
    if not np.all((h >= 0.0) & (h <= 1.0)):  # also rejects NaN
        raise ValueError("cached_share must lie in [0, 1] (share of prompt tokens cached)")
    return h


def _uncached_tokens(prompt_tokens: F, cached_share: F) -> F:
    """Prompt tokens the prefill computes, ``u = max(I (1 - h), min(I, 1))``. [tokens]

    A prompt found whole in the cache still recomputes its last token, whose logits give the
    first output token (vLLM's ``get_computed_blocks`` caps a hit at ``I - 1`` tokens [8]).
    """
    if cached_share.ndim == 0 and float(cached_share) == 0.0:
        return prompt_tokens  # no cache: u = I (the general form gives the same; perf)
    return np.maximum(prompt_tokens * (1.0 - cached_share), np.minimum(prompt_tokens, 1.0))


def _prefill_flops(replica: Replica, prompt_tokens: F, cached_share: F) -> F:
    """FLOPs of one prefill, ``2 N u + 2 L d_attn (I^2 - (I - u)^2)`` (``prefill_time``). [FLOP]"""
    i = prompt_tokens
    u = _uncached_tokens(i, cached_share)
    # twice the keys the computed tokens attend to, sum over their positions; u = I: I^2
    keys = i**2 if u is i else i**2 - (i - u) ** 2
    return (
        2.0 * _f(replica.active_params) * u
        + 2.0 * _f(replica.num_layers) * _f(replica.attn_dim) * keys
    )


def prefill_time(
    replica: Replica, prompt_tokens: ArrayLike, eff: Efficiency, cached_share: ArrayLike = 0.0
) -> F:
    """Time to process one prompt of ``prompt_tokens`` tokens.

    Parameters
    ----------
    replica : Replica
    prompt_tokens : numeric
        Prompt length, I. [tokens]
    eff : Efficiency
    cached_share : numeric, optional
        Share of the prompt's tokens served from the prefix cache, h in [0, 1] (default 0:
        no cache). [-]

    Returns
    -------
    numeric
        Prefill time. [s]

    Notes
    -----
    With prefix caching (vLLM automatic prefix caching [8], SGLang RadixAttention [9]) the
    engine reuses the KV cache of the prompt's cached prefix and computes only the
    ``u = max(I (1 - h), min(I, 1))`` uncached tokens (a whole-prompt hit still recomputes the
    last token [8]). Those tokens sit at positions ``I - u .. I`` and, by causal attention,
    each attends to every earlier key, cached or not (4 L d_attn FLOPs per key [5]; on
    average ``I - u/2`` keys):

    ``C = 2 N_active u + 2 L d_attn (I^2 - (I - u)^2)``
    (``= 2 N I (1 - h) + 2 L d_attn I^2 (1 - h^2)`` for ``u = I (1 - h)``; without a cache,
    ``h = 0``, each token has on average I/2 keys: ``2 N I + 2 L d_attn I^2`` [5]);

    ``t = max(C / (G peak MFU_p), W / (G bw MBU)) + t_allreduce(u)`` -- the all-reduces carry
    the activations of the computed tokens only. The weights are read once whatever h is.
    Reading the cached prefix's KV (``h I kv`` bytes) is not counted: the prefill is taken as
    compute-bound, as without a cache, and those bytes are at most one decode step's read of
    the sequence's KV cache, which each of its O decode steps pays (``decode_step_time``).
    """
    i = np.maximum(_f(prompt_tokens), 0.0)
    h = _cached_share(cached_share)
    g = _f(replica.num_gpus)
    flops = _prefill_flops(replica, i, h)
    t_comp = flops / (g * _peak(replica) * _f(eff.mfu_prefill))
    t_mem = _f(replica.weight_bytes) / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    return np.maximum(t_comp, t_mem) + allreduce_time(replica, _uncached_tokens(i, h), eff)


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


def _prefill_compute_time(
    replica: Replica, prompt_tokens: F, eff: Efficiency, cached_share: F
) -> F:
    """Prefill time when the weight reads are shared with other work (batched prefill): the
    compute and all-reduce parts of ``prefill_time``. [s]"""
    g = _f(replica.num_gpus)
    flops = _prefill_flops(replica, prompt_tokens, cached_share)
    return flops / (g * _peak(replica) * _f(eff.mfu_prefill)) + allreduce_time(
        replica, _uncached_tokens(prompt_tokens, cached_share), eff
    )


def at_concurrency(
    replica: Replica,
    concurrency: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    eff: Efficiency,
    cached_share: ArrayLike = 0.0,
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
    cached_share : numeric, optional
        Share of each prompt's tokens served from the prefix cache, h in [0, 1]; default 0
        (no cache). It cuts the prefill work ``t_p``, ``t_pc`` (``prefill_time``) and nothing
        else (see Notes). [-]

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

    Prefix caching (``cached_share`` h > 0) shortens ``t_p`` and ``t_pc`` only: prefill
    computes the uncached ``I (1 - h)`` tokens, attending over the whole prompt
    (``prefill_time``) [8], [9]. Decode is unchanged (it attends over the whole context, cached
    or not), and so is the KV cache each sequence holds, ``I + r O`` tokens (``max_batch``):
    engines store a shared prefix once and share its blocks between the sequences that use
    it [8], [9], which lets more sequences fit, but how many share which prefix is a property
    of the traffic that h alone does not give (a system prompt shared by all, or a
    conversation's history reused only by its own next turn), so no saving is counted -- the
    batch cap is conservative. The cached blocks that give the hits cost no capacity either:
    they are the running sequences' own or freed blocks kept until evicted [8]. The hit rate
    itself depends on the cache's size (Mooncake, [9]): h is an input.
    """
    i = _f(input_tokens)
    o = np.maximum(_f(output_tokens), 1.0)
    h = _cached_share(cached_share)
    return _at_concurrency(replica, concurrency, i, o, eff, _load_free(replica, i, o, eff, h))


def _at_concurrency(
    replica: Replica,
    concurrency: ArrayLike,
    i: F,
    o: F,
    eff: Efficiency,
    parts: tuple[F, F, F, F],
) -> ServingPoint:
    """``at_concurrency`` with its load-free parts given (``_load_free``)."""
    c = np.maximum(_f(concurrency), 1e-9)
    cap, t_p, t_pc, u = parts
    b = np.where(cap >= 1.0, np.minimum(c, cap), c)
    t_d, mem_bound = decode_step_time(replica, b, i + 0.5 * o, eff)
    cycle = b * t_pc + o * t_d
    rps = b / cycle
    others = 1.0 - 1.0 / np.maximum(b, 1.0)
    rho = np.clip(others * b * t_pc / cycle, 0.0, 0.999)
    wait = t_p * rho / (2.0 * (1.0 - rho))
    ttft = t_p + wait + 1.5 * others * t_d + (c - b) / rps
    # a step holds at most max_batched_tokens: the b decodes and a prefill chunk of the rest;
    # each prompt's u uncached tokens stall ceil(u / chunk) of the cycle's o decode steps
    chunk = np.maximum(_f(eff.max_batched_tokens) - b, 1.0)
    stalled = np.minimum(o, b * np.ceil(np.maximum(u, 1.0) / chunk))
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
        ttft_wait_s=wait,
        ttft_wait_prob=rho,
        step_spread_s=others * t_d,
        itl_stall_s=b * t_pc / stalled,
        itl_stall_share=stalled / o,
    )


def _load_free(replica: Replica, i: F, o: F, eff: Efficiency, h: F) -> tuple[F, F, F, F]:
    """The parts of ``at_concurrency`` that do not depend on the concurrency: the batch cap,
    the prefill time and its compute part, with cached share ``h`` (computed once per search;
    perf)."""
    return (
        max_batch(replica, i, o, eff),
        prefill_time(replica, i, eff, h),
        _prefill_compute_time(replica, i, eff, h),
        _uncached_tokens(i, h),
    )


def _itl_limit(
    replica: Replica, i: F, o: F, eff: Efficiency, parts: tuple[F, F, F, F], itl_target: F
) -> F | None:
    """The largest batch whose ITL meets ``itl_target``, exactly, for a dense model (None for
    MoE, whose expert reads are not linear in the batch).

    With ``b`` sequences ITL is ``b t_pc / O + t_d(b)`` and ``t_d`` is the larger of two
    lines in ``b`` (bytes ``m0 + m1 b``, FLOPs ``k1 b``) plus the overheads ``t_o + t_seq b``
    and the all-reduce ``r0 + r1 b`` (``decode_step_time``), so ``ITL <= T`` holds exactly
    when both lines do: ``b <= (T - t_o - r0 - m0) / (m1 + r1 + t_seq + t_pc/O)`` and
    ``b <= (T - t_o - r0) / (k1 + r1 + t_seq + t_pc/O)``. [sequences]
    """
    we = _f(replica.expert_weight_bytes)
    if not (we.ndim == 0 and float(we) == 0.0):
        return None
    _, _, t_pc, _ = parts
    g = _f(replica.num_gpus)
    ctx = i + 0.5 * o
    m0 = _f(replica.weight_bytes) / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    m1 = ctx * _kv_read_bytes(replica, eff) / (g * _f(replica.mem_bandwidth) * _f(eff.mbu))
    k1 = (
        2.0 * _f(replica.active_params) + 4.0 * ctx * _f(replica.num_layers) * _f(replica.attn_dim)
    ) / (g * _peak(replica) * _f(eff.mfu_decode))
    _, lat, bw = _ring(replica, eff)
    layers2 = np.where(g > 1.0, 2.0 * _f(replica.num_layers), 0.0)
    r0 = layers2 * lat
    r1 = layers2 * 2.0 * (g - 1.0) / g * _f(replica.hidden_size) * _f(replica.activation_bytes) / bw
    room = _f(itl_target) - _f(eff.step_overhead_s) - r0
    slope = r1 + _f(eff.seq_overhead_s) + t_pc / o
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
    replica: Replica,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    eff: Efficiency,
    cached_share: ArrayLike = 0.0,
) -> ServingPoint:
    """Saturated (offline) throughput: concurrency = the largest batch that fits.

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]
    cached_share : numeric, optional
        Share of each prompt's tokens served from the prefix cache, h in [0, 1]; default 0.
        Shortens prefill only (``at_concurrency``). [-]

    Returns
    -------
    ServingPoint
        At ``C = max_batch(...)``; all rates are 0 where the model does not fit.
    """
    b = max_batch(replica, input_tokens, output_tokens, eff)
    point = at_concurrency(
        replica, np.maximum(b, 1.0), input_tokens, output_tokens, eff, cached_share
    )
    fits = b >= 1.0
    return _mask(point, fits)


def at_batch(
    replica: Replica,
    num_requests: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    eff: Efficiency,
    cached_share: ArrayLike = 0.0,
) -> ServingPoint:
    """A finite offline batch: ``num_requests`` requests of the same lengths, all submitted at
    once, run to completion (an offline batch job; vLLM's ``benchmark_throughput.py``).

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    num_requests : numeric
        Requests in the batch, N. [-]
    input_tokens, output_tokens : numeric
        Prompt and generated length of every request. [tokens]
    cached_share : numeric, optional
        Share of each prompt's tokens served from the prefix cache (``at_concurrency``). [-]

    Returns
    -------
    ServingPoint
        Rates over the whole job (``N O / time``); ``concurrency`` is the wave size ``B``;
        TTFT and ITL are those of a request in a full wave, timed from its wave's start (the
        requests of later waves also wait for the waves before theirs). ``overloaded`` is
        False: waiting for a wave is how a batch runs. All rates are 0 where the model does
        not fit.

    Notes
    -----
    The engine admits ``B = min(B_cap, N)`` of the requests, ``B_cap`` its batch cap with its
    own KV reservation (``max_batch``: ``I + r O`` tokens a sequence; vLLM admits while the
    current KV fits and preempts on overflow, holding on average half the output, r = 0.5;
    TensorRT-LLM reserves ``I + O``, r = 1). The others wait for a whole wave to finish:
    requests that start together finish together. The job runs ``floor(N / B)`` full waves
    and one of the ``N mod B`` left, each a cycle of ``at_concurrency``, ``b t_pc + O t_d(b)``
    [3], [4]. Where ``B >= N`` this is one cycle at ``C = N``; where ``N`` is a multiple of
    ``B`` it is ``at_concurrency`` at ``C = B``. A steady stream (``at_concurrency``) refills a
    slot as soon as one frees; a batch's last wave runs part-empty, which is what a small
    batch of long requests pays (Llama 3.1 405B at 32k tokens of prompt on 8x H100 holds
    three sequences; a batch of four runs as three and one).
    """
    n = np.maximum(_f(num_requests), 1.0)
    i = _f(input_tokens)
    o = np.maximum(_f(output_tokens), 1.0)
    h = _cached_share(cached_share)
    wave = np.minimum(max_batch(replica, i, o, eff), n)
    fits = wave >= 1.0
    b = np.maximum(wave, 1.0)
    parts = _load_free(replica, i, o, eff, h)
    full = _at_concurrency(replica, b, i, o, eff, parts)
    waves = np.floor(n / b)
    rest = n - waves * b
    last = _at_concurrency(replica, np.maximum(rest, 1.0), i, o, eff, parts)
    time = waves * (b / full.requests_per_s) + np.where(rest > 0, rest / last.requests_per_s, 0.0)
    rps = n / time
    point = replace(
        full,
        requests_per_s=rps,
        output_tokens_per_s=rps * o,
        total_tokens_per_s=rps * (i + o),
        overloaded=np.zeros(np.shape(rps), dtype=bool),  # later waves wait by design
    )
    return _mask(point, np.asarray(fits))


def _mask(point: ServingPoint, fits: NDArray[np.bool_]) -> ServingPoint:
    zero = np.where(fits, 1.0, 0.0)
    nan = np.where(fits, 1.0, np.nan)
    return replace(
        point,
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
    cached_share: ArrayLike = 0.0,
) -> ServingPoint:
    """Steady state under an open-loop arrival rate (Little's-law fixed point).

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    request_rate : numeric
        Arrivals, lambda. [requests/s]
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]
    cached_share : numeric, optional
        Share of each prompt's tokens served from the prefix cache, h in [0, 1]; default 0.
        Shortens prefill only (``at_concurrency``). [-]

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
    h = _cached_share(cached_share)
    b_max = np.maximum(max_batch(replica, input_tokens, output_tokens, eff), 1.0)
    sat = at_concurrency(replica, b_max, input_tokens, output_tokens, eff, h)
    o = np.maximum(_f(output_tokens), 1.0)

    i_f = _f(input_tokens)
    parts = _load_free(replica, i_f, o, eff, h)

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
    point = at_concurrency(replica, hi, input_tokens, output_tokens, eff, h)
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
        ttft_wait_s=point.ttft_wait_s,
        ttft_wait_prob=point.ttft_wait_prob,
        step_spread_s=point.step_spread_s,
        itl_stall_s=np.where(overloaded, sat.itl_stall_s, point.itl_stall_s),
        itl_stall_share=np.where(overloaded, sat.itl_stall_share, point.itl_stall_share),
    )


def at_slo(
    replica: Replica,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    ttft_target_s: ArrayLike,
    itl_target_s: ArrayLike,
    eff: Efficiency,
    cached_share: ArrayLike = 0.0,
    percentile: ArrayLike | None = None,
) -> tuple[ServingPoint, NDArray[np.bool_]]:
    """The largest concurrency whose TTFT and ITL meet their targets.

    Parameters
    ----------
    replica, eff : Replica, Efficiency
    input_tokens, output_tokens : numeric
        Mean prompt and generated lengths. [tokens]
    ttft_target_s, itl_target_s : numeric
        Latency targets; ``inf`` for none. [s]
    cached_share : numeric, optional
        Share of each prompt's tokens served from the prefix cache, h in [0, 1]; default 0.
        Shortens prefill only (``at_concurrency``), so TTFT and ITL fall at every
        concurrency and ``C*`` can only grow with h. [-]
    percentile : numeric, optional
        Meet the targets at this quantile (0.95 for p95: ``ServingPoint.ttft_quantile``,
        ``itl_quantile``) instead of the mean. The search by bisection assumes the quantiles
        grow with the concurrency (TTFT's do; ITL's stall share grows as each stall
        shrinks). [-]

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
    h = _cached_share(cached_share)
    parts = _load_free(replica, i_f, o_f, eff, h)

    def ok(c: F) -> NDArray[np.bool_]:
        p = _at_concurrency(replica, c, i_f, o_f, eff, parts)
        if percentile is None:
            return np.asarray((p.ttft_s <= ttft_t) & (p.itl_s <= itl_t))
        q = _f(percentile)
        return np.asarray((p.ttft_quantile(q) <= ttft_t) & (p.itl_quantile(q) <= itl_t))

    one = np.ones(np.broadcast(b_max, ttft_t, itl_t).shape)
    feasible = ok(one) & (b_max >= 1.0)
    hi = np.maximum(b_max * one, 1.0)
    # the exact ITL bound holds for the mean; a percentile is searched by bisection
    itl_cap = _itl_limit(replica, i_f, o_f, eff, parts, itl_t) if percentile is None else None
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
    point = at_concurrency(replica, c_star, input_tokens, output_tokens, eff, h)
    return _mask(point, feasible), np.asarray(feasible)
