"""Golden cases for GPU memory: weights, KV cache per token, capacity and fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.catalog import resolve_gpu, resolve_model
from llmecon.perf import memory
from llmecon.perf.replica import DEFAULT_RESERVE_BYTES_PER_GPU, build_replica

GIB = 1024.0**3


# --------------------------------------------------------------------------- weights


def test_bytes_per_weight_by_precision() -> None:
    assert memory.bytes_per_weight("fp32") == 4.0
    assert memory.bytes_per_weight("bf16") == 2.0
    assert memory.bytes_per_weight("fp16") == 2.0
    assert memory.bytes_per_weight("fp8") == 1.0
    assert memory.bytes_per_weight("int8") == 1.0
    # int4 (AWQ/GPTQ): 4 bits + (16-bit scale + 4-bit zero) per 128-weight group = 4.15625 bits
    assert memory.bytes_per_weight("int4") == pytest.approx(4.15625 / 8.0, rel=1e-15)


def test_unknown_precision_raises() -> None:
    with pytest.raises(ValueError, match="unknown precision"):
        memory.bytes_per_weight("int3")
    with pytest.raises(ValueError, match="unknown KV-cache precision"):
        memory.kv_bytes_per_element("int4")


def test_weight_bytes_llama_3_1_70b_bf16_and_int4() -> None:
    model = resolve_model("Llama-3.1-70B")
    assert model.total_params_b == pytest.approx(70.55)  # catalog: computed from config
    n = 70.55e9
    bf16 = memory.weight_bytes(model.total_params_b * 1e9, memory.bytes_per_weight("bf16"))
    assert float(bf16) == pytest.approx(n * 2.0, rel=1e-12)  # 141.1e9 bytes
    assert float(bf16) == pytest.approx(141.1e9, rel=1e-12)
    int4 = memory.weight_bytes(n, memory.bytes_per_weight("int4"))
    # 70.55e9 * 4.15625 / 8 = 36,652,929,687.5 bytes
    assert float(int4) == pytest.approx(70.55e9 * 4.15625 / 8.0, rel=1e-12)
    assert float(int4) == pytest.approx(36_652_929_687.5, rel=1e-12)


def test_weight_bytes_broadcasts() -> None:
    out = memory.weight_bytes([1e9, 2e9], [2.0, 1.0])
    np.testing.assert_allclose(out, [2e9, 2e9])


# --------------------------------------------------------------------------- KV cache


def _kv_of(name: str, kv_precision: str = "bf16") -> float:
    m = resolve_model(name)
    return float(
        memory.kv_bytes_per_token(
            m.num_layers,
            m.num_kv_heads,
            m.head_dim,
            memory.kv_bytes_per_element(kv_precision),
            m.kv_lora_rank,
            m.rope_head_dim,
        )
    )


def test_kv_bytes_llama_3_1_8b() -> None:
    # GQA: 2 (K and V) * 32 layers * 8 KV heads * 128 head_dim * 2 bytes
    assert float(memory.kv_bytes_per_token(32, 8, 128, 2.0)) == 2 * 32 * 8 * 128 * 2 == 131072
    assert _kv_of("llama-3.1-8b") == 131072.0


def test_kv_bytes_llama_3_1_70b() -> None:
    # 2 * 80 layers * 8 KV heads * 128 * 2 bytes = 327,680 bytes/token
    assert _kv_of("Llama-3.1-70B") == 2 * 80 * 8 * 128 * 2 == 327680
    # fp8 KV halves it
    assert _kv_of("Llama-3.1-70B", "fp8") == 163840.0


def test_kv_bytes_falcon_7b_mqa() -> None:
    # MQA: one KV head: 2 * 32 * 1 * 64 * 2 = 8,192 bytes/token
    m = resolve_model("Falcon 7B")
    assert (m.num_layers, m.num_kv_heads, m.head_dim) == (32, 1, 64)
    assert _kv_of("Falcon 7B") == 2 * 32 * 1 * 64 * 2 == 8192


def test_kv_bytes_deepseek_v3_mla() -> None:
    # MLA caches kv_lora_rank + rope dims per layer: 61 * (512 + 64) * 2 = 70,272 bytes/token,
    # not 2 * 61 * 128 heads * 192 * 2 = 5,996,544 as GQA arithmetic would give.
    assert _kv_of("DeepSeek-V3") == 61 * (512 + 64) * 2 == 70272
    assert float(memory.kv_bytes_per_token(61, 128, 192, 2.0)) == 2 * 61 * 128 * 192 * 2


def test_kv_bytes_vectorised_mixes_mla_and_gqa() -> None:
    out = memory.kv_bytes_per_token([32, 61], [8, 128], [128, 192], 2.0, [0, 512], [0, 64])
    np.testing.assert_array_equal(out, [131072.0, 70272.0])


# --------------------------------------------------------------------------- capacity


def test_kv_capacity_tokens_golden() -> None:
    # (G*M*u - W - G*r) / kv = (2 * 80e9 * 0.9 - 141.1e9 - 2 * 1 GiB) / 327680
    got = memory.kv_capacity_tokens(80e9, 2, 141.1e9, 327680.0, 0.9, GIB)
    expected = (2 * 80e9 * 0.9 - 141.1e9 - 2 * GIB) / 327680.0
    assert float(got) == pytest.approx(expected, rel=1e-12)
    assert float(got) == pytest.approx(2296.5, abs=0.1)
    # negative when weights alone do not fit: (80e9*0.9 - 141.1e9) / 327680 < 0
    assert float(memory.kv_capacity_tokens(80e9, 1, 141.1e9, 327680.0)) == pytest.approx(
        (72e9 - 141.1e9) / 327680.0
    )


def test_max_concurrent_sequences_golden() -> None:
    # B = T / (I + O/2): 100,000 / (1000 + 500/2) = 80
    assert float(memory.max_concurrent_sequences(100_000, 1000, 500)) == 80.0
    # fractional: 10,000 / (300 + 8/2) = 32.894...
    assert float(memory.max_concurrent_sequences(10_000, 300, 8)) == pytest.approx(10_000 / 304)
    # negative capacity (does not fit) gives 0, not a negative count
    assert float(memory.max_concurrent_sequences(-5_000, 1000, 500)) == 0.0
    # zero-length requests are floored at one token of context
    assert float(memory.max_concurrent_sequences(1_000, 0, 0)) == 1000.0


@settings(max_examples=50, deadline=None)
@given(
    kv=st.floats(0, 1e8),
    i=st.floats(0, 1e5),
    o=st.floats(0, 1e5),
    di=st.floats(0, 1e4),
)
def test_max_concurrent_sequences_falls_with_longer_requests(
    kv: float, i: float, o: float, di: float
) -> None:
    base = float(memory.max_concurrent_sequences(kv, i, o))
    assert base >= 0.0
    assert float(memory.max_concurrent_sequences(kv, i + di, o)) <= base + 1e-9
    assert float(memory.max_concurrent_sequences(kv, i, o + di)) <= base + 1e-9


# --------------------------------------------------------------------------- fit


def test_llama_3_1_70b_bf16_does_not_fit_one_h100_but_fits_two() -> None:
    model = resolve_model("Llama-3.1-70B")
    h100 = resolve_gpu("H100")
    assert h100.memory_gb == 80
    _, one = build_replica(model, h100, "bf16", 1)
    assert not one.fits
    # 141.1 GB of weights against 80 * 0.9 - 1 GiB = 70.93 GB usable
    assert one.weight_gb == pytest.approx(141.1)
    assert one.usable_gb == pytest.approx((80e9 * 0.9 - GIB) / 1e9)
    assert one.kv_capacity_tokens == 0.0

    replica, two = build_replica(model, h100, "bf16", 2)
    assert two.fits
    expected_tokens = (2 * 80e9 * 0.9 - 141.1e9 - 2 * DEFAULT_RESERVE_BYTES_PER_GPU) / 327680.0
    assert two.kv_capacity_tokens == pytest.approx(expected_tokens, rel=1e-12)
    assert two.kv_gb_per_1k_tokens == pytest.approx(327680.0 * 1000 / 1e9)
    assert float(replica.kv_capacity_tokens) == pytest.approx(expected_tokens, rel=1e-12)
    assert replica.num_gpus == 2
    assert float(replica.weight_bytes) == pytest.approx(141.1e9)
    assert float(replica.peak_flops) == 989e12
    assert float(replica.mem_bandwidth) == 3350e9
    assert float(replica.link_bandwidth) == 450e9


def test_fp8_halves_weights_and_uses_fp8_kv() -> None:
    model = resolve_model("Llama-3.1-70B")
    h100 = resolve_gpu("H100")
    replica, fit = build_replica(model, h100, "fp8", 1)
    # 70.55 GB weights in 70.93 GB usable: 0.38 GB / 163,840 bytes per token = 2,320 tokens
    expected = (80e9 * 0.9 - 70.55e9 - GIB) / 163840.0
    assert fit.kv_capacity_tokens == pytest.approx(expected, rel=1e-12)
    assert fit.fits == (expected >= 1024)
    assert float(replica.kv_bytes_per_token) == 163840.0
    assert float(replica.peak_flops) == 1979e12  # fp8 tensor-core rate


def test_pcie_gpu_uses_its_link_bandwidth() -> None:
    l4 = resolve_gpu("L4")
    replica, _ = build_replica(resolve_model("llama-3.1-8b"), l4, "fp8", 2)
    assert float(replica.link_bandwidth) == 32e9


def test_moe_expert_weight_bytes_deepseek() -> None:
    m = resolve_model("DeepSeek-V3")
    # N_e = (671 - 37)e9 * 256 / (256 - 8) [parameters], fp8: 1 byte each
    n_e = (671 - 37) * 1e9 * 256 / 248
    replica, fit = build_replica(m, resolve_gpu("H200"), "fp8", 8)
    assert float(replica.expert_weight_bytes) == pytest.approx(n_e, rel=1e-12)
    assert float(replica.active_params) == pytest.approx(37e9)
    assert fit.weight_gb == pytest.approx(671.0)
    assert fit.fits  # 8 x 141 GB * 0.9 = 1015 GB > 671 GB
    assert math.isclose(float(replica.kv_bytes_per_token), 61 * 576 * 1.0)


def test_prefill_workspace_llama_405b_tp8_by_hand() -> None:
    # h = 16384, f = 53248, TP8: f / G = 6656; per token max(16384 + 3 x 6656 = 36352,
    # 2 x 16384 + 6656 = 39424) = 39424 elements x 2 bytes; x 91,680 tokens
    got = memory.prefill_workspace_bytes(91_680, 16384, 53248, 8)
    assert float(got) == 91_680 * 39_424 * 2.0 == pytest.approx(7.2288e9, rel=1e-4)


def test_prefill_workspace_narrow_mlp_peak_is_the_gate_up_moment() -> None:
    # h = 4096, f = 14336, TP1: max(4096 + 43008, 8192 + 14336) = 47104 elements
    assert float(memory.prefill_workspace_bytes(8192, 4096, 14336, 1)) == 8192 * 47104 * 2.0


@settings(max_examples=50, deadline=None)
@given(
    t=st.floats(0, 2e5),
    g=st.sampled_from([1, 2, 4, 8]),
)
def test_prefill_workspace_grows_with_tokens_and_shrinks_with_tp(t: float, g: int) -> None:
    w = memory.prefill_workspace_bytes(t, 8192, 28672, g)
    assert float(w) >= 0.0
    assert float(memory.prefill_workspace_bytes(t + 1.0, 8192, 28672, g)) >= float(w)
    assert float(memory.prefill_workspace_bytes(t, 8192, 28672, 2 * g)) <= float(w)


def test_replica_gqa_group_from_the_heads() -> None:
    gpu = resolve_gpu("H100")
    rep, _ = build_replica(resolve_model("Llama-3.1-70B"), gpu, "fp8", 4)
    assert float(rep.gqa_group) == 64 / 8  # type: ignore[arg-type]
    # latent attention (DeepSeek V3) caches one latent per layer: nothing to re-read
    mla, _ = build_replica(resolve_model("DeepSeek-V3"), resolve_gpu("H200"), "fp8", 8)
    assert float(mla.gqa_group) == 1.0  # type: ignore[arg-type]
