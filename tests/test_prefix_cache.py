"""Prefix caching on self-hosted prefill (``cached_share``): hand cases and invariants."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.catalog import fact, resolve_gpu, resolve_model
from llmecon.perf.inference import (
    Efficiency,
    ServingPoint,
    at_concurrency,
    at_max_throughput,
    at_request_rate,
    at_slo,
    max_batch,
    prefill_time,
)
from llmecon.perf.replica import build_replica

# The dense 8B-class replica of test_inference (1 PFLOP/s, 3 TB/s), numbers for hand
# arithmetic, and its random replica shapes.
from tests.test_inference import E, R, _replica
from tests.test_inference import _shape_fields as _INFERENCE_SHAPE


def _same(a: ServingPoint, b: ServingPoint) -> None:
    for name, value in vars(a).items():
        np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)


# --------------------------------------------------------------------------- h = 0: unchanged


def test_zero_share_is_the_no_cache_prefill_bit_for_bit() -> None:
    # the no-cache expression, in the order the model evaluates it
    flops = 2.0 * 8e9 * 2000.0 + 2.0 * 32.0 * 4096.0 * 2000.0**2
    assert float(prefill_time(R, 2000, E, 0.0)) == flops / (1.0 * 1e15 * 0.6)
    assert float(prefill_time(R, 2000, E, 0.0)) == float(prefill_time(R, 2000, E))


@pytest.mark.parametrize("tp", [1, 2, 4, 8])
def test_zero_share_leaves_every_mode_unchanged(tp: int) -> None:
    rep, _ = build_replica(resolve_model("llama-3.1-70b"), resolve_gpu("H100"), "fp8", tp)
    eff = Efficiency()
    i = np.array([[128.0], [2000.0], [8000.0]])
    o = np.array([[1.0, 200.0]])
    _same(at_max_throughput(rep, i, o, eff, 0.0), at_max_throughput(rep, i, o, eff))
    _same(at_concurrency(rep, 9.0, i, o, eff, 0.0), at_concurrency(rep, 9.0, i, o, eff))
    _same(at_request_rate(rep, 0.3, i, o, eff, 0.0), at_request_rate(rep, 0.3, i, o, eff))
    p0, ok0 = at_slo(rep, i, o, 2.0, 0.05, eff, 0.0)
    p, ok = at_slo(rep, i, o, 2.0, 0.05, eff)
    _same(p0, p)
    np.testing.assert_array_equal(ok0, ok)


def test_zero_share_in_an_array_matches_the_scalar_path() -> None:
    # an array h takes the general path (u = max(I (1-h), min(I, 1))); its h = 0 entries
    # still equal the no-cache numbers exactly
    i = np.array([10.0, 2000.0, 30000.0])
    tp2 = replace(R, num_gpus=2)
    mixed = prefill_time(tp2, i[:, None], E, np.array([0.0, 0.5]))
    np.testing.assert_array_equal(mixed[:, 0], prefill_time(tp2, i, E))
    a = at_max_throughput(tp2, i[:, None], 200, E, np.array([0.0, 0.5]))
    b = at_max_throughput(tp2, i, 200, E)
    np.testing.assert_array_equal(a.requests_per_s[:, 0], b.requests_per_s)
    np.testing.assert_array_equal(a.ttft_s[:, 0], b.ttft_s)


# --------------------------------------------------------------------------- hand cases


def test_prefill_half_cached_by_hand() -> None:
    # I = 2000, h = 0.5: u = I (1 - h) = 1000 tokens computed, at positions 1000..2000, each
    # attending to every earlier key (cached or not):
    #   linear    2 N u                    = 2 * 8e9 * 1000                 = 1.6e13
    #   attention 2 L d (I^2 - (I - u)^2)  = 2 * 32 * 4096 * (4e6 - 1e6)    = 7.86432e11
    #             (= 2 L d I^2 (1 - h^2) = 262144 * 4e6 * 0.75)
    #   C = 1.6786432e13 FLOPs; t_comp = C / (1e15 * 0.6) = 0.0279773866... s
    #   t_mem = W / (bw MBU) = 16e9 / 2.4e12 = 6.67e-3 s < t_comp; one GPU: no all-reduce
    t = float(prefill_time(R, 2000, E, 0.5))
    assert t == pytest.approx(1.6786432e13 / 6e14, rel=1e-12)
    assert t == pytest.approx(0.027977386666667, rel=1e-12)
    # against no cache (0.05508096 s): the linear part halves, the attention part keeps 3/4
    assert t / float(prefill_time(R, 2000, E)) == pytest.approx(1.6786432e13 / 3.3048576e13)


def test_prefill_half_cached_tensor_parallel_all_reduces_only_computed_tokens() -> None:
    tp2 = replace(R, num_gpus=2)
    # compute over 2 GPUs, plus all-reduces of the u = 1000 computed tokens' activations:
    # 2 L (lat + 2 (G-1)/G * u h a / bw) = 64 * (1e-5 + 1.0 * 1000 * 4096 * 2 / 4.5e11)
    t_ar = 64 * (1e-5 + 1000 * 4096 * 2 / 4.5e11)
    assert float(prefill_time(tp2, 2000, E, 0.5)) == pytest.approx(
        1.6786432e13 / (2 * 6e14) + t_ar, rel=1e-12
    )


def test_full_hit_recomputes_the_last_token() -> None:
    # h = 1: vLLM still computes the last prompt token (its logits give the first output):
    # C = 2 N + 2 L d (I^2 - (I-1)^2) = 1.6e10 + 262144 * 3999 = 1.7048313856e10 FLOPs
    # -> 2.8e-5 s, below the weight read 16e9 / 2.4e12, which sets the time
    assert fact("vllm_v1_min_recomputed_prompt_tokens").value == 1.0
    assert float(prefill_time(R, 2000, E, 1.0)) == pytest.approx(16e9 / 2.4e12, rel=1e-12)
    tp2 = replace(R, num_gpus=2)
    t_ar = 64 * (1e-5 + 1.0 * 1 * 4096 * 2 / 4.5e11)  # the one token's activations
    assert float(prefill_time(tp2, 2000, E, 1.0)) == pytest.approx(
        16e9 / (2 * 2.4e12) + t_ar, rel=1e-12
    )


def test_cycle_uses_the_cached_prefill_and_decode_is_unchanged() -> None:
    c, i, o, h = 8, 2000, 200, 0.5
    t_pc = 1.6786432e13 / 6e14  # compute-bound batched prefill of the 1000 uncached tokens
    t_p = t_pc  # compute-bound alone too (above the weight read)
    t_d = 18.2020096e9 / 2.4e12 + 0.005  # decode at context I + O/2 = 2100, as without a cache
    cycle = c * t_pc + o * t_d
    p = at_concurrency(R, c, i, o, E, h)
    assert float(p.decode_step_s) == pytest.approx(t_d, rel=1e-12)
    assert float(p.requests_per_s) == pytest.approx(c / cycle, rel=1e-12)
    assert float(p.itl_s) == pytest.approx(cycle / o, rel=1e-12)
    rho = (1 - 1 / c) * c * t_pc / cycle
    ttft = t_p * (1 + rho / (2 * (1 - rho))) + 1.5 * (1 - 1 / c) * t_d
    assert float(p.ttft_s) == pytest.approx(ttft, rel=1e-12)
    # the prompt is still the request's: total tokens count all I of it
    assert float(p.total_tokens_per_s) == pytest.approx(c / cycle * (i + o), rel=1e-12)


def test_kv_memory_per_sequence_is_unchanged() -> None:
    # the batch cap holds I + r O tokens per sequence whatever h: floor(50000 / 2100) = 23
    small = replace(R, kv_capacity_tokens=50_000)
    assert float(max_batch(small, 2000, 200, E)) == 23.0
    for h in (0.0, 0.5, 0.99):
        assert float(at_max_throughput(small, 2000, 200, E, h).concurrency) == 23.0


def test_vectorised_share_broadcasts() -> None:
    h = np.array([0.0, 0.5, 0.9])
    t = prefill_time(R, np.array([[2000.0], [8000.0]]), E, h)
    assert t.shape == (2, 3)
    assert np.all(np.diff(t, axis=1) < 0)
    p, ok = at_slo(R, 2000, 200, 0.5, 0.04, E, h)
    assert p.requests_per_s.shape == (3,) and ok.shape == (3,)
    assert np.all(np.diff(p.requests_per_s) >= 0)
    m = at_max_throughput(R, 2000, 200, E, h)
    assert np.all(np.diff(m.requests_per_s) > 0) and np.all(np.diff(m.ttft_s) < 0)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_share_outside_unit_interval_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="cached_share"):
        prefill_time(R, 2000, E, bad)
    with pytest.raises(ValueError, match="cached_share"):
        at_slo(R, 2000, 200, 1.0, 0.04, E, [0.2, bad])


# --------------------------------------------------------------------------- properties

# test_inference's random replica shapes, with tensor parallelism across two nodes (16)
_shape = st.fixed_dictionaries({**_INFERENCE_SHAPE, "gpus": st.sampled_from([1, 2, 4, 8, 16])})


_TIGHT = 1e-12  # same arithmetic path: only rounding
_BISECT = 1e-9  # a bisection's end point


@settings(max_examples=60, deadline=None)
@given(
    s=_shape,
    i=st.integers(1, 32000),
    o=st.integers(1, 2000),
    c=st.floats(1.0, 512.0),
    h1=st.floats(0.0, 1.0),
    dh=st.floats(0.0, 1.0),
)
def test_more_caching_never_lowers_throughput_nor_raises_ttft(
    s: dict[str, float], i: int, o: int, c: float, h1: float, dh: float
) -> None:
    r = _replica(s)
    h2 = min(h1 + dh, 1.0)
    assert float(prefill_time(r, i, E, h2)) <= float(prefill_time(r, i, E, h1)) * (1 + _TIGHT)
    for a, b in (
        (at_concurrency(r, c, i, o, E, h1), at_concurrency(r, c, i, o, E, h2)),
        (at_max_throughput(r, i, o, E, h1), at_max_throughput(r, i, o, E, h2)),
    ):
        assert float(b.requests_per_s) >= float(a.requests_per_s) * (1 - _TIGHT)
        assert float(b.itl_s) <= float(a.itl_s) * (1 + _TIGHT) or np.isnan(float(a.itl_s))
        assert float(b.ttft_s) <= float(a.ttft_s) * (1 + _TIGHT) or np.isnan(float(a.ttft_s))
        assert float(b.decode_step_s) == float(a.decode_step_s) or np.isnan(float(a.decode_step_s))


@settings(max_examples=40, deadline=None)
@given(
    s=_shape,
    i=st.integers(1, 32000),
    o=st.integers(2, 1000),
    ttft=st.floats(0.05, 10.0),
    itl=st.floats(0.01, 0.2),
    h1=st.floats(0.0, 1.0),
    dh=st.floats(0.0, 1.0),
)
def test_more_caching_never_lowers_throughput_within_an_slo(
    s: dict[str, float], i: int, o: int, ttft: float, itl: float, h1: float, dh: float
) -> None:
    # at an SLO the TTFT sits at its target when it binds, so only throughput is monotone:
    # with lower TTFT and ITL at every concurrency, the largest concurrency meeting the
    # targets can only grow with h
    r = _replica(s)
    h2 = min(h1 + dh, 1.0)
    a, ok_a = at_slo(r, i, o, ttft, itl, E, h1)
    b, ok_b = at_slo(r, i, o, ttft, itl, E, h2)
    assert bool(ok_b) or not bool(ok_a)
    assert float(b.requests_per_s) >= float(a.requests_per_s) * (1 - _BISECT)
    assert float(b.concurrency) >= float(a.concurrency) * (1 - _BISECT)
