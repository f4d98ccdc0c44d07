"""Golden cases and invariants for the inference roofline (explicit Replica and Efficiency)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.perf.inference import (
    Efficiency,
    Replica,
    allreduce_time,
    at_batch,
    at_concurrency,
    at_max_throughput,
    at_request_rate,
    at_slo,
    decode_step_time,
    experts_touched,
    max_batch,
    prefill_time,
)

# A dense 8B-class model in bf16 on one 1 PFLOP/s, 3 TB/s GPU. Numbers chosen for hand arithmetic.
R = Replica(
    weight_bytes=16e9,
    active_params=8e9,
    num_layers=32,
    hidden_size=4096,
    attn_dim=4096,
    kv_bytes_per_token=131072.0,
    kv_capacity_tokens=1e6,
    num_gpus=1,
    peak_flops=1e15,
    mem_bandwidth=3e12,
    link_bandwidth=4.5e11,
)
# Explicit efficiencies (not the calibrated defaults, which may change).
E = Efficiency(
    mbu=0.8,
    mfu_decode=0.5,
    mfu_prefill=0.6,
    step_overhead_s=0.005,
    seq_overhead_s=0.0,
    allreduce_latency_s=1e-5,
    max_batch=256,
)


# --------------------------------------------------------------------------- building blocks


def test_decode_step_memory_bound_by_hand() -> None:
    # B = 8 sequences, context c = 1000 tokens
    # bytes = W + B c kv = 16e9 + 8 * 1000 * 131072 = 17.048576e9
    # t_mem = 17.048576e9 / (1 * 3e12 * 0.8) = 7.1035733e-3 s
    # flops = 2 N B + 4 B c L d = 2*8e9*8 + 4*8*1000*32*4096 = 1.32194304e11
    # t_comp = 1.32194304e11 / (1e15 * 0.5) = 2.64388608e-4 s
    # step = max + 0.005 overhead + 0 all-reduce (one GPU)
    t_mem = 17.048576e9 / 2.4e12
    t_comp = 1.32194304e11 / 5e14
    assert t_mem > t_comp
    step, mem_bound = decode_step_time(R, 8, 1000, E)
    assert float(step) == pytest.approx(t_mem + 0.005, rel=1e-12)
    assert float(step) == pytest.approx(0.01210357333333, rel=1e-11)
    assert bool(mem_bound)


def test_decode_step_reads_kv_once_per_query_head_without_group_sharing() -> None:
    # GQA with 4 query heads per KV head; a kernel that does not share the KV head across
    # its group (kv_group_shared = 0) reads the cache 1 + (1 - 0)(4 - 1) = 4 times:
    # bytes = 16e9 + 8 * 1000 * 131072 * 4 = 20.194304e9 -> t_mem = 20.194304e9 / 2.4e12
    gqa = replace(R, gqa_group=4.0)
    step, _ = decode_step_time(gqa, 8, 1000, replace(E, kv_group_shared=0.0))
    assert float(step) == pytest.approx(20.194304e9 / 2.4e12 + 0.005, rel=1e-12)
    # a sharing kernel (the default) reads it once, whatever the group
    shared, _ = decode_step_time(gqa, 8, 1000, E)
    assert float(shared) == pytest.approx(17.048576e9 / 2.4e12 + 0.005, rel=1e-12)
    # half sharing: 1 + 0.5 x 3 = 2.5 reads
    half, _ = decode_step_time(gqa, 8, 1000, replace(E, kv_group_shared=0.5))
    assert float(half) == pytest.approx((16e9 + 8 * 1000 * 131072 * 2.5) / 2.4e12 + 0.005)


def test_decode_step_compute_bound_by_hand() -> None:
    slow = replace(R, peak_flops=1e14)
    # B = 256, c = 1000:
    # bytes = 16e9 + 256*1000*131072 = 49.554432e9 -> t_mem = 49.554432e9 / 2.4e12 = 0.0206477 s
    # flops = 2*8e9*256 + 4*256*1000*32*4096 = 4.096e12 + 1.34217728e11 = 4.230217728e12
    # t_comp = 4.230217728e12 / (1e14 * 0.5) = 0.08460435 s
    t_mem = 49.554432e9 / 2.4e12
    t_comp = 4.230217728e12 / 5e13
    assert t_comp > t_mem
    step, mem_bound = decode_step_time(slow, 256, 1000, E)
    assert float(step) == pytest.approx(t_comp + 0.005, rel=1e-12)
    assert not bool(mem_bound)


def test_decode_step_tensor_parallel_divides_and_adds_allreduce() -> None:
    tp4 = replace(R, num_gpus=4)
    # t_mem = 17.048576e9 / (4 * 3e12 * 0.8); all-reduce: 2 L (lat + 2 (G-1)/G B h a / link)
    t_mem = 17.048576e9 / (4 * 2.4e12)
    t_ar = 2 * 32 * (1e-5 + 2 * 3 / 4 * (8 * 4096 * 2) / 4.5e11)
    step, _ = decode_step_time(tp4, 8, 1000, E)
    assert float(step) == pytest.approx(t_mem + 0.005 + t_ar, rel=1e-12)


def test_decode_step_per_sequence_overhead_by_hand() -> None:
    # t = max(...) + t_o + t_seq * B: B = 8, t_seq = 50 us adds 0.4 ms to the step
    seq = replace(E, seq_overhead_s=5e-5)
    t_mem = 17.048576e9 / 2.4e12
    step, _ = decode_step_time(R, 8, 1000, seq)
    assert float(step) == pytest.approx(t_mem + 0.005 + 8 * 5e-5, rel=1e-12)
    # the shipped Python-scheduler preset carries the fitted 0.22 ms per sequence, the C++
    # runtimes' 11 us; at 0 the step is the roofline plus t_o, bit for bit
    assert Efficiency().seq_overhead_s == 0.00022
    np.testing.assert_array_equal(
        decode_step_time(R, [1.0, 64.0], 1000, replace(E, seq_overhead_s=0.0))[0],
        decode_step_time(R, [1.0, 64.0], 1000, E)[0],
    )


def test_at_slo_itl_bound_exact_with_per_sequence_overhead() -> None:
    # the closed-form ITL bound adds t_seq to the slope in B, and stays exact
    seq = replace(E, seq_overhead_s=1e-4)
    tp2 = replace(R, num_gpus=2)
    for rep in (R, tp2):
        i, o, itl_t = 2000, 200, 0.03
        p, ok = at_slo(rep, i, o, np.inf, itl_t, seq)
        assert bool(ok)
        c_star = float(p.concurrency)
        assert 1.0 < c_star < 256.0
        assert float(at_concurrency(rep, c_star, i, o, seq).itl_s) <= itl_t * (1 + 1e-12)
        assert float(at_concurrency(rep, c_star * (1 + 1e-6), i, o, seq).itl_s) > itl_t
        # a per-sequence cost admits fewer sequences than none
        assert c_star < float(at_slo(rep, i, o, np.inf, itl_t, E)[0].concurrency)


def test_for_vendor_scales_bandwidth_and_flops() -> None:
    from llmecon.perf.inference import VENDOR_FACTORS, for_vendor

    eff = for_vendor(E, np.array(["NVIDIA", "AMD"]), {"AMD": (0.5, 0.8)})
    np.testing.assert_allclose(eff.mbu, [0.8, 0.4])
    np.testing.assert_allclose(eff.mfu_decode, [0.5, 0.4])
    np.testing.assert_allclose(eff.mfu_prefill, [0.6, 0.48])
    assert for_vendor(E, "NVIDIA") is E  # no factors: the same object
    for b, f in VENDOR_FACTORS.values():
        assert 0.0 < b <= 1.0 and 0.0 < f <= 1.0


def test_flop_factor_scales_the_compute_roofline_by_hand() -> None:
    # flop_factor f = 0.5 halves the reachable rate: peak 1e15 * 0.5 = 5e14 FLOP/s
    half = replace(R, flop_factor=0.5)
    # prefill I = 2000: 3.3048576e13 FLOP / (5e14 * 0.6) = 0.11016192 s (twice 0.05508096)
    assert float(prefill_time(half, 2000, E)) == pytest.approx(0.11016192, rel=1e-12)
    # decode B = 256, c = 1000: flops = 2*8e9*256 + 4*256*1000*32*4096 = 4.230217728e12
    # t_comp = 4.230217728e12 / (5e14 * 0.5) = 0.016920871 s; bytes = 16e9 + 256e3*131072
    # = 4.9554432e10, t_mem = 4.9554432e10 / 2.4e12 = 0.020647680 s: still memory-bound
    step, mem = decode_step_time(half, 256, 1000, E)
    assert bool(mem)
    assert float(step) == pytest.approx(4.9554432e10 / 2.4e12 + 0.005, rel=1e-12)
    # f = 0.25: t_comp = 4.230217728e12 / (2.5e14 * 0.5) = 0.033841742 s > t_mem
    step, mem = decode_step_time(replace(R, flop_factor=0.25), 256, 1000, E)
    assert not bool(mem)
    assert float(step) == pytest.approx(4.230217728e12 / 1.25e14 + 0.005, rel=1e-12)
    # the default, 1, is the nominal peak bit for bit
    np.testing.assert_array_equal(
        prefill_time(replace(R, flop_factor=1.0), 2000, E), prefill_time(R, 2000, E)
    )


def test_build_replica_sets_the_precision_flop_factor() -> None:
    from llmecon.catalog import resolve_gpu, resolve_model
    from llmecon.perf.inference import PRECISION_FLOP_FACTORS
    from llmecon.perf.replica import build_replica

    model, h100 = resolve_model("llama-3.1-8b"), resolve_gpu("H100")
    fp8, _ = build_replica(model, h100, "fp8", 1)
    bf16, _ = build_replica(model, h100, "bf16", 1)
    # the peak stays the nominal one (1979 / 989 TFLOP/s); the factor rides beside it
    assert np.asarray(fp8.peak_flops) == 1979e12 and np.asarray(bf16.peak_flops) == 989e12
    assert fp8.flop_factor == PRECISION_FLOP_FACTORS["fp8"] and bf16.flop_factor == 1.0
    assert 0.0 < PRECISION_FLOP_FACTORS["fp8"] < 1.0
    mine, _ = build_replica(model, h100, "fp8", 1, flop_factor=0.7)
    assert mine.flop_factor == 0.7


@settings(max_examples=60, deadline=None)
@given(
    f1=st.floats(0.05, 1.0),
    f2=st.floats(0.05, 1.0),
    b=st.integers(1, 512),
    i=st.integers(1, 32000),
)
def test_lower_flop_factor_never_speeds_up(f1: float, f2: float, b: int, i: int) -> None:
    lo, hi = min(f1, f2), max(f1, f2)
    slow, fast = replace(R, flop_factor=lo), replace(R, flop_factor=hi)
    assert float(prefill_time(slow, i, E)) >= float(prefill_time(fast, i, E))
    assert float(decode_step_time(slow, b, i, E)[0]) >= float(decode_step_time(fast, b, i, E)[0])


def test_prefill_time_by_hand() -> None:
    # I = 2000: flops = 2 N I + 2 L d I^2 = 3.2e13 + 2*32*4096*4e6 = 3.2e13 + 1.048576e12
    # t_comp = 3.3048576e13 / (1e15 * 0.6) = 0.05508096 s; t_mem = 16e9 / 2.4e12 = 6.67e-3 s
    assert float(prefill_time(R, 2000, E)) == pytest.approx(3.3048576e13 / 6e14, rel=1e-12)
    assert float(prefill_time(R, 2000, E)) == pytest.approx(0.05508096, rel=1e-12)
    # a short prompt is bound by reading the weights once: I = 10 -> 16e9 / 2.4e12
    assert float(prefill_time(R, 10, E)) == pytest.approx(16e9 / 2.4e12, rel=1e-12)


def test_prefill_time_with_tensor_parallel() -> None:
    tp2 = replace(R, num_gpus=2)
    # compute halves; all-reduce of 2000 tokens: 2*32*(1e-5 + 2*(1/2)*2000*4096*2/4.5e11)
    t_ar = 2 * 32 * (1e-5 + 1.0 * 2000 * 4096 * 2 / 4.5e11)
    assert float(prefill_time(tp2, 2000, E)) == pytest.approx(
        3.3048576e13 / (2 * 6e14) + t_ar, rel=1e-12
    )


def test_experts_touched_formula() -> None:
    # E (1 - (1 - k/E)^B)
    assert float(experts_touched(8, 2, 1)) == pytest.approx(2.0)  # one token touches k
    assert float(experts_touched(8, 2, 4)) == pytest.approx(8 * (1 - 0.75**4))  # 5.46875
    assert float(experts_touched(8, 2, 4)) == pytest.approx(5.46875)
    assert float(experts_touched(8, 2, 0)) == 0.0
    assert float(experts_touched(256, 8, 1000)) == pytest.approx(256.0, rel=1e-9)
    assert float(experts_touched(1, 1, 5)) == 1.0  # dense: the one "expert" always
    np.testing.assert_allclose(experts_touched(64, 8, [1, 2]), [8, 64 * (1 - (56 / 64) ** 2)])


def test_allreduce_time_by_hand() -> None:
    assert float(allreduce_time(R, 8, E)) == 0.0  # one GPU
    tp8 = replace(R, num_gpus=8)
    # 2 L (lat + 2 (G-1)/G * tokens h a / bw) = 64 * (1e-5 + 1.75 * 8*4096*2 / 4.5e11)
    expected = 64 * (1e-5 + 1.75 * 65536 / 4.5e11)
    assert float(allreduce_time(tp8, 8, E)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("tp", [2, 4, 8])
def test_allreduce_within_a_node_is_unchanged_bit_for_bit(tp: int) -> None:
    # G <= 8 GPUs per node: the ring stays on NVLink, whatever the network is
    rep = replace(R, num_gpus=tp)
    tokens = np.array([1.0, 8.0, 256.0, 2000.0])
    g = float(tp)
    old = 2.0 * 32.0 * (1e-5 + 2.0 * (g - 1.0) / g * (tokens * 4096.0 * 2.0) / 4.5e11)
    np.testing.assert_array_equal(allreduce_time(rep, tokens, E), old)
    slow_net = replace(rep, network_bandwidth=1.0)
    np.testing.assert_array_equal(allreduce_time(slow_net, tokens, E), old)
    np.testing.assert_array_equal(
        decode_step_time(slow_net, 64, 1000, E)[0], decode_step_time(rep, 64, 1000, E)[0]
    )


def test_allreduce_across_two_nodes_by_hand() -> None:
    # TP16 on 8-GPU nodes (H100-like: NVLink 450 GB/s, one 50 GB/s NIC per GPU): n = 2 nodes
    #   bw  = min(bw_link, (G/n) bw_net) = min(450e9, 8 * 50e9) = 400e9 bytes/s
    #   lat = lat_AR + 2 (n-1) lat_net   = 1e-5 + 2 * 4e-6       = 1.8e-5 s
    # 8 tokens: M = 8 * 4096 * 2 = 65536 bytes
    #   TP16: 2 L (lat + 2 (15/16) M / bw) = 64 * (1.8e-5 + 1.875 * 65536 / 4e11)
    #       = 64 * (1.8e-5 + 3.072e-7) = 1.1716608e-3 s
    #   TP8:  64 * (1e-5 + 1.75 * 65536 / 4.5e11) = 64 * 1.02548622e-5 = 6.5631118e-4 s
    tp8, tp16 = replace(R, num_gpus=8), replace(R, num_gpus=16)
    assert R.gpus_per_node == 8.0 and R.network_bandwidth == 50e9
    assert E.network_latency_s == 4e-6
    t16 = float(allreduce_time(tp16, 8, E))
    t8 = float(allreduce_time(tp8, 8, E))
    assert t16 == pytest.approx(1.1716608e-3, rel=1e-12)
    assert t8 == pytest.approx(64 * (1e-5 + 1.75 * 65536 / 4.5e11), rel=1e-12)
    assert t16 > t8
    # 2000 prompt tokens: M = 16.384e6 bytes
    #   TP16: 64 * (1.8e-5 + 1.875 * 16.384e6 / 4e11) = 64 * 9.48e-5 = 6.0672e-3 s
    #   TP8:  64 * (1e-5 + 1.75 * 16.384e6 / 4.5e11) = 64 * 7.37156e-5 = 4.7178e-3 s
    assert float(allreduce_time(tp16, 2000, E)) == pytest.approx(6.0672e-3, rel=1e-12)
    assert float(allreduce_time(tp16, 2000, E)) > float(allreduce_time(tp8, 2000, E))
    # per GPU the network is 8x slower than NVLink, but a node's 8 NICs carry the ring's
    # crossing together; with 6.25 GB/s per GPU (50 GB/s per node) the network binds:
    #   64 * (1.8e-5 + 1.875 * 65536 / 5e10) = 64 * 2.0457600e-5 = 1.3092864e-3 s
    thin = replace(tp16, network_bandwidth=6.25e9)
    assert float(allreduce_time(thin, 8, E)) == pytest.approx(1.3092864e-3, rel=1e-12)


def test_allreduce_mixed_layouts_match_their_own_paths() -> None:
    # an array of TP degrees, some within a node and some across: each equals its own
    tps = np.array([1.0, 4.0, 8.0, 16.0, 32.0])
    mixed = allreduce_time(replace(R, num_gpus=tps), 256, E)
    alone = [float(allreduce_time(replace(R, num_gpus=float(g)), 256, E)) for g in tps]
    np.testing.assert_array_equal(mixed, alone)


def test_allreduce_node_size_and_latency_overrides() -> None:
    # a 72-GPU NVLink domain keeps TP16 on NVLink: the in-node formula with G = 16
    nvl72 = replace(R, num_gpus=16, gpus_per_node=72)
    assert float(allreduce_time(nvl72, 8, E)) == pytest.approx(
        64 * (1e-5 + 1.875 * 65536 / 4.5e11), rel=1e-12
    )
    # TP32 over 4 nodes: 2 (n-1) = 6 network steps; bw = min(450e9, 8 * 50e9)
    tp32 = replace(R, num_gpus=32)
    slow = replace(E, network_latency_s=1e-4)
    expected = 64 * (1e-5 + 6 * 1e-4 + 2 * 31 / 32 * 65536 / 4e11)
    assert float(allreduce_time(tp32, 8, slow)) == pytest.approx(expected, rel=1e-12)


def test_at_slo_itl_bound_exact_across_nodes() -> None:
    # the closed-form ITL bound (dense models) uses the same inter-node all-reduce terms
    tp16 = replace(R, num_gpus=16, weight_bytes=140e9, active_params=70e9, num_layers=80)
    i, o, itl_t = 2000, 200, 0.03
    p, ok = at_slo(tp16, i, o, np.inf, itl_t, E)
    assert bool(ok)
    c_star = float(p.concurrency)
    assert 1.0 < c_star < 256.0
    assert float(at_concurrency(tp16, c_star, i, o, E).itl_s) <= itl_t
    assert float(at_concurrency(tp16, c_star * (1 + 1e-6), i, o, E).itl_s) > itl_t


def test_network_defaults_are_the_cited_facts() -> None:
    from llmecon.catalog import fact, resolve_gpu, resolve_model
    from llmecon.perf import inference
    from llmecon.perf.replica import build_replica

    node = fact("dgx_h100_gpus_per_node").value
    nic = fact("dgx_h100_compute_nic_gbit_per_s_per_gpu").value * 1e9 / 8.0  # [bytes/s]
    lat = fact("nccl_ring_net_step_latency_ll128_us").value * 1e-6  # [s]
    assert node == inference.DEFAULT_GPUS_PER_NODE
    assert nic == inference.DEFAULT_NETWORK_BANDWIDTH
    assert lat == pytest.approx(inference.DEFAULT_NETWORK_LATENCY_S, rel=1e-15)
    model, h100 = resolve_model("llama-3.1-70b"), resolve_gpu("H100")
    rep, _ = build_replica(model, h100, "fp8", 16)
    assert rep.gpus_per_node == 8.0 and rep.network_bandwidth == 50e9
    rep, _ = build_replica(model, h100, "fp8", 16, network_gbs_per_gpu=25.0, gpus_in_node=4)
    assert rep.gpus_per_node == 4 and rep.network_bandwidth == 25e9


def test_max_batch_kv_and_cap() -> None:
    # floor(1e6 / (2000 + 200/2)) = floor(476.19) = 476 -> capped at 256
    assert float(max_batch(R, 2000, 200, E)) == 256.0
    small = replace(R, kv_capacity_tokens=50_000)
    assert float(max_batch(small, 2000, 200, E)) == 23.0  # floor(50000 / 2100)
    assert float(max_batch(replace(R, kv_capacity_tokens=-1.0), 2000, 200, E)) == 0.0


# --------------------------------------------------------------------------- operating modes


def test_at_concurrency_cycle_arithmetic() -> None:
    c, i, o = 8, 2000, 200
    # max batch = min(floor(1e6 / 2100), 256) = 256 >= 8, so the engine runs B = C = 8
    t_p = 3.3048576e13 / 6e14  # prefill of 2000 tokens (compute-bound, above)
    t_pc = t_p  # batched prefill: FLOPs only; here equal because the prompt is compute-bound
    # decode at context I + O/2 = 2100: bytes 16e9 + 8*2100*131072 = 18.2020096e9
    t_d = 18.2020096e9 / 2.4e12 + 0.005
    cycle = c * t_pc + o * t_d
    p = at_concurrency(R, c, i, o, E)
    assert float(p.decode_step_s) == pytest.approx(t_d, rel=1e-12)
    assert float(p.requests_per_s) == pytest.approx(c / cycle, rel=1e-12)
    assert float(p.output_tokens_per_s) == pytest.approx(c / cycle * o, rel=1e-12)
    assert float(p.total_tokens_per_s) == pytest.approx(c / cycle * (i + o), rel=1e-12)
    assert float(p.itl_s) == pytest.approx(cycle / o, rel=1e-12)
    # TTFT = own prefill with an M/D/1 wait behind the other B-1 clients' prefills,
    # rho' = (1 - 1/B) B t_pc / T, plus half of the (1 - 1/B) step in progress, plus the
    # (1 - 1/B) decode work of the others that the step running the prefill also carries
    rho = (1 - 1 / c) * c * t_pc / cycle
    ttft = t_p * (1 + rho / (2 * (1 - rho))) + 1.5 * (1 - 1 / c) * t_d
    assert float(p.ttft_s) == pytest.approx(ttft, rel=1e-12)
    assert float(p.concurrency) == c
    assert bool(p.memory_bound)
    assert not bool(p.overloaded)


def test_at_concurrency_single_client_never_waits() -> None:
    # B = 1: rho' = 0 and no step in progress: TTFT = t_p exactly
    p = at_concurrency(R, 1, 2000, 200, E)
    assert float(p.ttft_s) == pytest.approx(3.3048576e13 / 6e14, rel=1e-12)


def test_at_concurrency_short_prompt_batched_prefill_skips_weight_reads() -> None:
    c, i, o = 4, 10, 100
    # one prefill alone reads the weights: t_p = 16e9 / 2.4e12 = 6.667 ms
    t_p = 16e9 / 2.4e12
    # batched with decode it costs only its FLOPs: (2*8e9*10 + 2*32*4096*100) / 6e14
    t_pc = (2 * 8e9 * 10 + 2 * 32 * 4096 * 10**2) / 6e14
    t_d = (16e9 + 4 * 60 * 131072) / 2.4e12 + 0.005  # context 10 + 100/2 = 60
    cycle = c * t_pc + o * t_d
    p = at_concurrency(R, c, i, o, E)
    assert float(p.requests_per_s) == pytest.approx(c / cycle, rel=1e-12)
    rho = 3 * t_pc / cycle
    ttft = t_p * (1 + rho / (2 * (1 - rho))) + 1.5 * 0.75 * t_d  # half a step + one step
    assert float(p.ttft_s) == pytest.approx(ttft, rel=1e-12)


def test_at_concurrency_above_max_batch_queues() -> None:
    small = replace(R, kv_capacity_tokens=21_000)  # floor(21000 / 2100) = 10 sequences fit
    i, o = 2000, 200
    at_cap = at_concurrency(small, 10, i, o, E)
    over = at_concurrency(small, 25, i, o, E)
    assert float(over.concurrency) == 10.0  # the running batch
    assert bool(over.overloaded) and not bool(at_cap.overloaded)
    assert float(over.requests_per_s) == pytest.approx(float(at_cap.requests_per_s), rel=1e-12)
    assert float(over.itl_s) == pytest.approx(float(at_cap.itl_s), rel=1e-12)
    # the 15 queued requests wait (C - B) / rps (Little's law) before their prefill
    wait = 15 / float(at_cap.requests_per_s)
    assert float(over.ttft_s) == pytest.approx(float(at_cap.ttft_s) + wait, rel=1e-12)


def test_at_max_throughput_uses_max_batch_and_masks_non_fit() -> None:
    p = at_max_throughput(R, 2000, 200, E)
    q = at_concurrency(R, 256, 2000, 200, E)
    assert float(p.concurrency) == 256.0
    assert float(p.requests_per_s) == pytest.approx(float(q.requests_per_s), rel=1e-12)
    none = at_max_throughput(replace(R, kv_capacity_tokens=1000.0), 2000, 200, E)
    assert float(none.requests_per_s) == 0.0
    assert np.isnan(float(none.ttft_s))
    assert bool(none.overloaded)


def test_at_request_rate_littles_law() -> None:
    i, o = 2000, 200
    sat = at_max_throughput(R, i, o, E)
    lam = 0.5 * float(sat.requests_per_s)
    p = at_request_rate(R, lam, i, o, E)
    assert not bool(p.overloaded)
    assert float(p.requests_per_s) == pytest.approx(lam)
    assert float(p.output_tokens_per_s) == pytest.approx(lam * o)
    # L = lambda W with W = TTFT + (O - 1) ITL, at the concurrency found
    latency = float(p.ttft_s) + (o - 1) * float(p.itl_s)
    assert float(p.concurrency) == pytest.approx(lam * latency, rel=1e-6)
    # the reported latencies are those of the closed-loop engine at that concurrency
    q = at_concurrency(R, float(p.concurrency), i, o, E)
    assert float(p.itl_s) == pytest.approx(float(q.itl_s), rel=1e-12)
    assert 1.0 < float(p.concurrency) < 256.0


def test_at_request_rate_light_load_latency_is_single_sequence() -> None:
    i, o = 2000, 200
    p = at_request_rate(R, 1e-4, i, o, E)
    one = at_concurrency(R, 1e-6, i, o, E)
    assert float(p.concurrency) < 0.01
    assert float(p.itl_s) == pytest.approx(float(one.itl_s), rel=1e-3)


def test_at_request_rate_overloaded_above_saturation() -> None:
    i, o = 2000, 200
    sat = at_max_throughput(R, i, o, E)
    mu = float(sat.requests_per_s)
    p = at_request_rate(R, [0.99 * mu, 1.5 * mu], i, o, E)
    np.testing.assert_array_equal(p.overloaded, [False, True])
    assert float(p.requests_per_s[1]) == pytest.approx(mu)  # served at the saturated rate
    assert np.isinf(p.ttft_s[1])
    assert float(p.concurrency[1]) == 256.0
    assert float(p.requests_per_s[0]) == pytest.approx(0.99 * mu)


def test_at_slo_largest_concurrency_meeting_targets() -> None:
    i, o = 2000, 200
    ttft_t, itl_t = 1.0, 0.040
    p, ok = at_slo(R, i, o, ttft_t, itl_t, E)
    assert bool(ok)
    c_star = float(p.concurrency)
    assert 1.0 < c_star < 256.0
    at = at_concurrency(R, c_star, i, o, E)
    assert float(at.ttft_s) <= ttft_t and float(at.itl_s) <= itl_t
    above = at_concurrency(R, c_star + 1.0, i, o, E)
    assert float(above.ttft_s) > ttft_t or float(above.itl_s) > itl_t
    # bisection is tight: even a hair above C* misses
    hair = at_concurrency(R, c_star * (1 + 1e-6), i, o, E)
    assert float(hair.ttft_s) > ttft_t or float(hair.itl_s) > itl_t
    assert float(p.requests_per_s) == pytest.approx(float(at.requests_per_s), rel=1e-12)


def test_at_slo_capped_by_max_batch_without_targets() -> None:
    p, ok = at_slo(R, 2000, 200, np.inf, np.inf, E)
    assert bool(ok)
    assert float(p.concurrency) == 256.0
    assert float(p.requests_per_s) == pytest.approx(
        float(at_max_throughput(R, 2000, 200, E).requests_per_s), rel=1e-12
    )


def test_at_slo_infeasible_when_one_sequence_misses() -> None:
    # single-sequence ITL is ~ (t_p + 200 t_d) / 200 > 10 ms, so a 1 ms ITL target is unreachable
    p, ok = at_slo(R, 2000, 200, np.inf, 0.001, E)
    assert not bool(ok)
    assert float(p.requests_per_s) == 0.0


def test_at_slo_vectorised_over_targets() -> None:
    p, ok = at_slo(R, 2000, 200, np.inf, np.array([0.02, 0.04, 0.2]), E)
    assert ok.tolist() == [True, True, True]
    c = p.concurrency
    assert c[0] <= c[1] <= c[2]


# --------------------------------------------------------------------------- properties

_shape_fields = {
    "params_b": st.floats(0.5, 80.0),
    "layers": st.integers(8, 96),
    "hidden": st.sampled_from([1024, 2048, 4096, 8192]),
    "kv_heads": st.sampled_from([1, 4, 8]),
    "kv_capacity": st.floats(2e4, 2e6),
    "gpus": st.sampled_from([1, 2, 4, 8]),
    "peak": st.floats(1e14, 2e15),
    "bw": st.floats(3e11, 8e12),
}
_shape = st.fixed_dictionaries(_shape_fields)


def _replica(s: dict[str, float]) -> Replica:
    return Replica(
        weight_bytes=s["params_b"] * 2e9,
        active_params=s["params_b"] * 1e9,
        num_layers=s["layers"],
        hidden_size=s["hidden"],
        attn_dim=s["hidden"],
        kv_bytes_per_token=2 * s["layers"] * s["kv_heads"] * 128 * 2,
        kv_capacity_tokens=s["kv_capacity"],
        num_gpus=s["gpus"],
        peak_flops=s["peak"],
        mem_bandwidth=s["bw"],
        link_bandwidth=4.5e11,
    )


@settings(max_examples=40, deadline=None)
@given(
    s=_shape,
    bw_x=st.floats(1.0, 4.0),
    flops_x=st.floats(1.0, 4.0),
    i=st.integers(1, 8000),
    o=st.integers(1, 2000),
    c=st.floats(1.0, 256.0),
)
def test_faster_gpu_never_lowers_throughput(
    s: dict[str, float], bw_x: float, flops_x: float, i: int, o: int, c: float
) -> None:
    slow = _replica(s)
    fast = replace(slow, mem_bandwidth=s["bw"] * bw_x, peak_flops=s["peak"] * flops_x)
    a, b = at_max_throughput(slow, i, o, E), at_max_throughput(fast, i, o, E)
    assert float(b.requests_per_s) >= float(a.requests_per_s) * (1 - 1e-12)
    a, b = at_concurrency(slow, c, i, o, E), at_concurrency(fast, c, i, o, E)
    assert float(b.requests_per_s) >= float(a.requests_per_s) * (1 - 1e-12)
    assert float(b.itl_s) <= float(a.itl_s) * (1 + 1e-12)
    # (TTFT is not monotone here: a faster decode raises the prefill share rho' of the cycle)


@settings(max_examples=40, deadline=None)
@given(
    s=_shape,
    i=st.integers(1, 8000),
    o=st.integers(1, 2000),
    c1=st.floats(1.0, 512.0),
    dc=st.floats(0.0, 256.0),
)
def test_throughput_and_latency_monotone_in_concurrency(
    s: dict[str, float], i: int, o: int, c1: float, dc: float
) -> None:
    r = _replica(s)
    a, b = at_concurrency(r, c1, i, o, E), at_concurrency(r, c1 + dc, i, o, E)
    if bool(a.memory_bound) and bool(b.memory_bound):
        assert float(b.requests_per_s) >= float(a.requests_per_s) * (1 - 1e-12)
    assert float(b.itl_s) >= float(a.itl_s) * (1 - 1e-12)
    assert float(b.ttft_s) >= float(a.ttft_s) * (1 - 1e-12)


@settings(max_examples=25, deadline=None)
@given(s=_shape, i=st.integers(1, 4000), o=st.integers(1, 1000), frac=st.floats(0.05, 0.95))
def test_request_rate_point_satisfies_littles_law(
    s: dict[str, float], i: int, o: int, frac: float
) -> None:
    r = _replica(s)
    sat = at_max_throughput(r, i, o, E)
    if float(sat.requests_per_s) <= 0:
        return
    lam = frac * float(sat.requests_per_s)
    p = at_request_rate(r, lam, i, o, E)
    assert not bool(p.overloaded)
    assert float(p.requests_per_s) == pytest.approx(lam)
    # the fixed point holds inside and beyond the batch cap (requests queue for a slot)
    latency = float(p.ttft_s) + (o - 1) * float(p.itl_s)
    assert float(p.concurrency) == pytest.approx(lam * latency, rel=1e-4, abs=1e-5)


def test_request_rate_little_law_beyond_max_batch() -> None:
    # 70B-like model, MQA, on 8 GPUs; 7,700-token prompts, 26-token answers; 14 sequences fit
    r = _replica(
        {
            "params_b": 70,
            "layers": 32,
            "hidden": 4096,
            "kv_heads": 1,
            "kv_capacity": 115_000,
            "gpus": 8,
            "peak": 3e14,
            "bw": 2.2e12,
        }
    )
    i, o = 7700, 26
    assert float(max_batch(r, i, o, E)) == 14.0  # floor(115000 / (7700 + 13))
    mu = float(at_max_throughput(r, i, o, E).requests_per_s)
    for frac in (0.8, 0.9):
        p = at_request_rate(r, frac * mu, i, o, E)
        latency = float(p.ttft_s) + (o - 1) * float(p.itl_s)
        # either a real fixed point C = lambda W, or the point is flagged overloaded
        assert bool(p.overloaded) or float(p.concurrency) == pytest.approx(
            frac * mu * latency, rel=1e-4
        )


# --------------------------------------------------------------------------- offline batch


def test_at_batch_waves_by_hand() -> None:
    """A batch larger than the engine's cap runs in waves; the last one part-empty."""
    # KV 1e6 tokens, I = 2000, O = 1000, r = 0.5: cap = floor(1e6 / 2500) = 400 > max_batch 256
    # -> waves of 256. N = 300: one wave of 256, one of 44.
    i, o = 2000.0, 1000.0
    full = at_concurrency(R, 256, i, o, E)
    last = at_concurrency(R, 44, i, o, E)
    time = 256 / full.requests_per_s + 44 / last.requests_per_s
    p = at_batch(R, 300, i, o, E)
    assert p.concurrency == pytest.approx(256)
    assert p.requests_per_s == pytest.approx(300 / time, rel=1e-12)
    assert p.output_tokens_per_s == pytest.approx(300 * o / time, rel=1e-12)
    assert not bool(p.overloaded)  # the second wave waits by design


def test_at_batch_equals_steady_state_on_whole_waves_and_small_batches() -> None:
    i, o = 1000.0, 500.0
    # N a multiple of the wave: the job is that wave's cycle repeated
    assert at_batch(R, 512, i, o, E).output_tokens_per_s == pytest.approx(
        at_concurrency(R, 256, i, o, E).output_tokens_per_s, rel=1e-12
    )
    # N below the cap: one cycle of at_concurrency at C = N
    assert at_batch(R, 17, i, o, E).output_tokens_per_s == pytest.approx(
        at_concurrency(R, 17, i, o, E).output_tokens_per_s, rel=1e-12
    )


def test_at_batch_kv_bound_wave_uses_the_engines_reservation() -> None:
    """405B-class case: 3.5 sequences of 32k fit, so a batch of four runs as three and one."""
    rep = replace(R, kv_capacity_tokens=120_000.0)
    i, o = 32784.0, 2048.0
    # cap = floor(120000 / (32784 + 0.5 * 2048)) = floor(3.549) = 3
    p = at_batch(rep, 4, i, o, E)
    three = at_concurrency(rep, 3, i, o, E)
    one = at_concurrency(rep, 1, i, o, E)
    assert p.requests_per_s == pytest.approx(
        4 / (3 / three.requests_per_s + 1 / one.requests_per_s), rel=1e-12
    )
    # TensorRT-LLM reserves I + O: floor(120000 / 34832) = 3 as well; at 100k it is 2
    trt = replace(E, kv_reserve_output=1.0)
    small = replace(R, kv_capacity_tokens=100_000.0)
    two = at_concurrency(small, 2, i, o, trt)
    assert at_batch(small, 4, i, o, trt).requests_per_s == pytest.approx(
        two.requests_per_s, rel=1e-12
    )


def test_at_batch_model_that_does_not_fit_serves_nothing() -> None:
    p = at_batch(replace(R, kv_capacity_tokens=-5.0), 8, 1000.0, 100.0, E)
    assert float(p.output_tokens_per_s) == 0.0
    assert bool(p.overloaded)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 2000),
    i=st.floats(16, 32000),
    o=st.floats(2, 4000),
    kv=st.floats(5e4, 5e6),
)
def test_at_batch_never_beats_the_steady_stream_and_more_requests_take_longer(
    n: int, i: float, o: float, kv: float
) -> None:
    rep = replace(R, kv_capacity_tokens=kv)
    p = at_batch(rep, n, i, o, E)
    if float(p.output_tokens_per_s) == 0.0:
        return
    steady = at_concurrency(rep, float(p.concurrency), i, o, E)
    assert float(p.output_tokens_per_s) <= float(steady.output_tokens_per_s) * (1 + 1e-9)
    more = at_batch(rep, n + 1, i, o, E)
    assert (n + 1) / float(more.requests_per_s) >= n / float(p.requests_per_s) * (1 - 1e-9)
