"""Golden cases for training compute, GPU-hours and memory floors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.perf import training as tr


def test_full_fine_tune_is_6nd() -> None:
    # 8e9 params * 1e9 tokens * 6 = 4.8e19 FLOP
    assert float(tr.training_flops(8e9, 1e9, "full")) == 6 * 8e9 * 1e9 == 4.8e19
    assert float(tr.training_flops(8e9, 1e9, "pretrain")) == 4.8e19


def test_lora_is_4nd() -> None:
    # frozen base: 2ND forward + 2ND activation gradients = 4 * 8e9 * 1e9 = 3.2e19
    assert float(tr.training_flops(8e9, 1e9, "lora")) == 4 * 8e9 * 1e9 == 3.2e19
    assert float(tr.training_flops(8e9, 1e9, "qlora")) == 3.2e19


def test_gpu_hours_from_flops() -> None:
    # H = C / (peak * MFU) / 3600 = 4.8e19 / (989e12 * 0.4) / 3600 = 33.70 GPU-hours
    h = float(tr.training_gpu_hours(4.8e19, 989e12, 0.4))
    assert h == pytest.approx(4.8e19 / (989e12 * 0.4) / 3600, rel=1e-12)
    assert h == pytest.approx(33.7041, rel=1e-5)


def test_tinyllama_order_of_magnitude() -> None:
    # TinyLlama 1.1B on 3T tokens at 56 % MFU on A100 (312 TFLOP/s bf16):
    # 6 * 1.1e9 * 3e12 / (312e12 * 0.56) / 3600 = 31,473 GPU-hours (paper reports ~ 3 months on
    # 16 A100s = ~35k GPU-hours)
    h = float(tr.training_gpu_hours(tr.training_flops(1.1e9, 3e12), 312e12, 0.56))
    assert h == pytest.approx(6 * 1.1e9 * 3e12 / (312e12 * 0.56) / 3600, rel=1e-12)
    assert 25_000 < h < 40_000


def test_min_training_gpus_full_by_memory() -> None:
    # full: 16 bytes/param: 8e9 * 16 = 128e9 bytes over 80e9 * 0.8 = 64e9 usable -> 2 GPUs
    assert float(tr.min_training_gpus(8e9, 80e9, "full")) == 2.0
    # 70e9 * 16 = 1.12e12 / 64e9 = 17.5 -> 18
    assert float(tr.min_training_gpus(70e9, 80e9, "full")) == 18.0
    # LoRA keeps a bf16 base: 70e9 * 2 = 140e9 / 64e9 = 2.19 -> 3
    assert float(tr.min_training_gpus(70e9, 80e9, "lora")) == 3.0
    # QLoRA 4-bit base: 70e9 * 0.52 = 36.4e9 < 64e9 -> 1
    assert float(tr.min_training_gpus(70e9, 80e9, "qlora")) == 1.0
    # never fewer than one GPU
    assert float(tr.min_training_gpus(1.0, 80e9, "full")) == 1.0
    # usable share is a parameter: 8e9 * 16 / (80e9 * 1.0) = 1.6 -> 2
    assert float(tr.min_training_gpus(8e9, 80e9, "full", usable=1.0)) == 2.0


def test_chinchilla_20_tokens_per_param() -> None:
    # D = 20 N: 1.5e9 params -> 3e10 tokens
    assert float(tr.chinchilla_tokens(1.5e9)) == 3e10
    assert float(tr.chinchilla_tokens(70e9)) == 1.4e12
    assert float(tr.chinchilla_tokens(1e9, 100)) == 1e11


def test_vectorised() -> None:
    np.testing.assert_allclose(tr.training_flops([1e9, 2e9], 1e6), [6e15, 12e15])


@settings(max_examples=30, deadline=None)
@given(
    n=st.floats(1e6, 1e12),
    d=st.floats(1e6, 1e13),
    peak=st.floats(1e13, 5e15),
    mfu=st.floats(0.05, 0.8),
    x=st.floats(1.0, 10.0),
)
def test_more_data_or_params_never_cheaper(
    n: float, d: float, peak: float, mfu: float, x: float
) -> None:
    base = float(tr.training_gpu_hours(tr.training_flops(n, d), peak, mfu))
    assert base > 0
    assert float(tr.training_gpu_hours(tr.training_flops(n * x, d), peak, mfu)) >= base
    assert float(tr.training_gpu_hours(tr.training_flops(n, d * x), peak, mfu)) >= base
    # a faster GPU never needs more hours
    assert float(tr.training_gpu_hours(tr.training_flops(n, d), peak * x, mfu)) <= base
    # LoRA never costs more compute than full fine-tuning
    assert float(tr.training_flops(n, d, "lora")) < float(tr.training_flops(n, d, "full"))
