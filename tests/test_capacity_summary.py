"""The fast hour-reduced replica summary equals reducing ``replicas_per_hour``'s array."""

from __future__ import annotations

import numpy as np
import pytest

from llmecon.perf import capacity as cap


@pytest.mark.parametrize(
    ("lo", "hi", "autoscale"),
    [
        (1, np.inf, True),
        (0, np.inf, True),
        (2, 7, True),
        (0, 3, True),
        (1, np.inf, False),
        (3, 2, True),
    ],
)
@pytest.mark.parametrize("profile", ["peak", "zeros"])
def test_summary_matches_full_array(lo: float, hi: float, autoscale: bool, profile: str) -> None:
    rng = np.random.default_rng(5)
    if profile == "peak":
        w = cap.hourly_weights_from_peak_ratio(3.2)
    else:
        raw = rng.uniform(0, 3, 24)
        raw[:5] = 0.0
        w = cap.hourly_weights_from_profile(raw)
    monthly = cap.monthly_requests(rng.uniform(0, 3e7, 500), rng.uniform(-0.05, 0.1, 500), 24)
    monthly[:3] = 0.0
    capacity = rng.uniform(0.5, 20, 500)
    headroom = rng.uniform(0, 0.5, 500)
    rate = cap.hourly_rate(monthly, w)
    full, short = cap.replicas_per_hour(rate, capacity, headroom, lo, hi, autoscale)
    s = cap.replica_summary(monthly, w, capacity, headroom, lo, hi, autoscale)
    np.testing.assert_array_equal(s.replica_hours_per_day, full.sum(axis=-1))
    np.testing.assert_array_equal(s.peak, full.max(axis=-1))
    np.testing.assert_array_equal(s.trough, full.min(axis=-1))
    np.testing.assert_array_equal(s.short, short.any(axis=-1))
    np.testing.assert_allclose(s.gpu_hours(2), cap.gpu_hours(full, 2))
    np.testing.assert_allclose(s.utilization(capacity), cap.utilization(rate, full, capacity))
