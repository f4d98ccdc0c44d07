"""Regression floors of the inference model on the hold-out (TEST) benchmark rows."""

from __future__ import annotations

import numpy as np
import pytest

from llmecon.perf import inference as inf
from tests.perf_rows import load_rows, pct_errors, predict, row_efficiency, summarize

FLOORS = {"throughput": 0.25, "ttft": 0.35, "itl": 0.35}


def test_hold_out_errors_within_floors() -> None:
    rows = load_rows()
    assert len(rows) >= 70
    test = rows.split == "test"
    pred = predict(rows, row_efficiency(rows, inf.ENGINE_PRESETS))
    for metric, floor in FLOORS.items():
        s = summarize(pct_errors(pred[metric], np.where(test, rows.measured[metric], np.nan)))
        assert s.n >= 5, metric
        assert s.median_ape <= floor, (metric, s)


def test_at_concurrency_queues_beyond_max_batch() -> None:
    rows = load_rows()
    k = rows.ids.index("nim180-l33-70b-h100-tp2-fp8-5000-500-c250")
    rep = inf.Replica(**{f: np.asarray(v)[k] for f, v in vars(rows.replica).items()})
    eff = inf.ENGINE_PRESETS["trtllm"]
    cap = float(inf.max_batch(rep, 5000.0, 500.0, eff))
    at_cap = inf.at_concurrency(rep, cap, 5000.0, 500.0, eff)
    beyond = inf.at_concurrency(rep, cap + 100.0, 5000.0, 500.0, eff)
    assert np.isclose(beyond.output_tokens_per_s, at_cap.output_tokens_per_s)
    expected_wait = 100.0 / float(at_cap.requests_per_s)
    assert np.isclose(beyond.ttft_s - at_cap.ttft_s, expected_wait, rtol=1e-6)
    assert bool(beyond.overloaded)


def test_single_request_ttft_is_prefill() -> None:
    rows = load_rows()
    k = rows.ids.index("trtllm05-ttft-l2-7b-h100-tp1-fp8-2048-bs1")
    rep = inf.Replica(**{f: np.asarray(v)[k] for f, v in vars(rows.replica).items()})
    eff = inf.Efficiency()
    point = inf.at_concurrency(rep, 1.0, 2048.0, 1.0, eff)
    assert np.isclose(point.ttft_s, inf.prefill_time(rep, 2048.0, eff))


def test_meta_fp8_checkpoint_keeps_attention_in_16_bit() -> None:
    from llmecon.catalog import resolve_model
    from llmecon.perf import memory
    from tests.perf_rows import sixteen_bit_params

    m = resolve_model("Llama-3.1-405B")
    # per layer: Q and O 16384 x 16384 = 2 x 268,435,456; K and V 16384 x 1024 = 2 x 16,777,216
    attn = 2 * 268_435_456 + 2 * 16_777_216  # = 570,425,344
    embed = 2 * 128_256 * 16_384  # token embedding and output head = 4,202,692,608
    mlp = (m.total_params_b * 1e9 - embed - 126 * attn) / 126  # about 2.6172e9 per layer
    expected = 126 * attn + 2 * mlp + embed  # about 81.3e9
    assert sixteen_bit_params(m) == pytest.approx(expected, rel=1e-12)
    assert sixteen_bit_params(m) == pytest.approx(81.3e9, rel=2e-3)
    rows = load_rows()
    k = rows.ids.index("vllm-dstack-l31-405b-h100-tp8-fp8-2048-2048-bs4")
    amd = rows.ids.index("vllm-dstack-l31-405b-mi300x-tp8-fp8-2048-2048-bs4")
    # Meta's checkpoint: 405.85e9 bytes at 1 byte + 81.3e9 more at 2 bytes
    w = m.total_params_b * 1e9 + expected
    assert float(np.asarray(rows.replica.weight_bytes)[k]) == pytest.approx(w, rel=1e-12)
    # KV capacity: the source's nvidia-smi total, 81,559 MiB a GPU, x 0.9, less the weights,
    # 1 GiB a GPU and the profiled prefill's activations (benchmark_throughput.py runs without
    # chunked prefill, so the engine profiles --max-model-len 91,680 tokens: 91,680 x 39,424
    # x 2 bytes a GPU, test_memory), over 516,096 bytes per token (bf16 KV)
    workspace = 91_680 * 39_424 * 2.0
    kv = (8 * 81_559 * 2**20 * 0.9 - w - 8 * (memory.GIB + workspace)) / 516_096.0
    assert float(np.asarray(rows.replica.kv_capacity_tokens)[k]) == pytest.approx(kv, rel=1e-9)
    assert 115_000 < kv < 125_000  # three 32k-token sequences fit, four do not
    # AMD's Quark checkpoint quantises every linear layer: 1 byte per parameter
    assert float(np.asarray(rows.replica.weight_bytes)[amd]) == pytest.approx(405.85e9, rel=1e-3)


def test_row_settings_read_from_the_notes() -> None:
    rows = load_rows()
    k = rows.ids.index("vllm-dstack-l31-405b-h100-tp8-fp8-32784-2048-bs4")
    assert bool(rows.offline_batch[k])  # four requests submitted at once: ``inf.at_batch``
    share = rows.ids.index("vllm-dstack-l31-405b-mi300x-tp8-fp8-sharegpt-qps1000")
    assert rows.max_num_seqs[share] == 1024.0  # the server's --max-num-seqs
    online = rows.ids.index("trtllm014-online-l31-8b-h100-tp1-202-214-qps32")
    assert rows.num_requests[online] == 500.0
    assert np.isnan(rows.num_requests[k])


def test_finite_run_counts_the_drain_after_the_last_arrival() -> None:
    from tests.perf_rows import _finite_run

    # 500 requests at 16/s served, TTFT 0.1 s, ITL 0.02 s, O = 201: the last request ends
    # 0.1 + 200 x 0.02 = 4.1 s after it arrives, 499 / 16 = 31.1875 s after the first
    point = inf.ServingPoint(
        concurrency=np.asarray(10.0),
        requests_per_s=np.asarray(16.0),
        output_tokens_per_s=np.asarray(16.0 * 201),
        total_tokens_per_s=np.asarray(0.0),
        ttft_s=np.asarray(0.1),
        itl_s=np.asarray(0.02),
        decode_step_s=np.asarray(0.02),
        memory_bound=np.asarray(True),
    )
    got = _finite_run(point, np.asarray(500.0), np.asarray(201.0))
    assert float(got) == pytest.approx(500 / (31.1875 + 4.1) * 201, rel=1e-12)
    # no stated run length: the steady rate
    assert float(_finite_run(point, np.asarray(np.nan), np.asarray(201.0))) == 16.0 * 201
