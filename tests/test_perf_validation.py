"""Regression floors of the inference model on the hold-out (TEST) benchmark rows."""

from __future__ import annotations

import numpy as np

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
