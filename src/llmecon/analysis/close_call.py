"""What decides a close call: the assumptions that flip it, and where.

When the recommendation's top two are within ``engine.recommend.CLOSE_CALL`` of each other,
``deciders(ev)`` names the two or three inputs whose plausible swing flips the choice (the
sensitivity tornado of the gap between them), each with the value at which it flips: the
nearest sign change of the ranking score along the parameter's break-even range, found on a
grid priced in one vectorised call and interpolated linearly between the two grid points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from llmecon.analysis._common import price_samples
from llmecon.analysis.breakeven import default_range
from llmecon.analysis.sensitivity import sensitivity
from llmecon.engine.recommend import rank_scores
from llmecon.engine.results import Evaluation

#: Grid points per parameter for the flip value. [-]
GRID = 161


@dataclass(frozen=True)
class Decider:
    """One input that decides the close call."""

    parameter: str
    base_value: float
    flip_value: float | None  # None: no flip inside the searched range
    low: float  # searched range
    high: float
    winner_above: str | None  # the option ranked first just above the flip

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "base_value": self.base_value,
            "flip_value": self.flip_value,
            "searched": [self.low, self.high],
            "winner_above": self.winner_above,
        }

    def line(self) -> str:
        return line_of(self.to_dict())


def line_of(d: dict[str, Any]) -> str:
    """A decider as one line of text, from ``Decider.to_dict()`` (the CLI reads it back from
    the JSON it prints)."""
    if d["flip_value"] is None:
        lo, hi = d["searched"]
        return (
            f"{d['parameter']} = {d['base_value']:.4g} moves the gap most, but does not flip "
            f"it between {lo:.4g} and {hi:.4g}"
        )
    return (
        f"{d['parameter']} = {d['base_value']:.4g} flips it at {d['flip_value']:.4g} "
        f"({d['winner_above']} wins above)"
    )


def deciders(ev: Evaluation, top: int = 3) -> list[Decider]:
    """The inputs that decide a close call, largest swing first (empty when it is not one)."""
    rec = ev.recommendation
    if ev.shape or not rec.close_call or len(rec.ranking) < 2:
        return []
    a, b = rec.ranking[0], rec.ranking[1]
    sens = sensitivity(ev.scenario, ev=ev)
    if sens.difference is None:
        return []
    swings = sens.difference.swings
    chosen = [s for s in swings if s.flips][:top] or swings[:top]
    by_quality = rec.ranked_by == "npv_per_success"
    out = []
    for s in chosen:
        low, high, log = default_range(s.parameter, s.base_value)
        low, high = min(low, s.low), max(high, s.high)
        grid = np.geomspace(low, high, GRID) if log and low > 0 else np.linspace(low, high, GRID)
        p = price_samples(ev.scenario, {s.parameter: grid}, n=grid.size, only=[a, b])
        assert p.quality is not None
        sa = rank_scores(p.npv[0], p.quality[0], p.feasible[0], by_quality)
        sb = rank_scores(p.npv[1], p.quality[1], p.feasible[1], by_quality)
        out.append(_flip(s.parameter, s.base_value, grid, sa, sb, a, b))
    return out


def _flip(
    path: str, base: float, grid: np.ndarray, sa: np.ndarray, sb: np.ndarray, a: str, b: str
) -> Decider:
    """The sign change of ``sb - sa`` nearest ``base``, interpolated (infinite scores count
    as a sign, and the flip then sits at the grid point where feasibility changes)."""
    with np.errstate(invalid="ignore"):
        d = np.where(np.isfinite(sa) & np.isfinite(sb), sb - sa, np.where(np.isfinite(sa), 1, -1))
    sign = np.sign(d)
    idx = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    low, high = float(grid[0]), float(grid[-1])
    if idx.size == 0:
        return Decider(path, base, None, low, high, None)
    k = int(idx[np.argmin(np.abs(grid[idx] - base))])
    x0, x1, d0, d1 = float(grid[k]), float(grid[k + 1]), float(d[k]), float(d[k + 1])
    both = math.isfinite(d0) and math.isfinite(d1) and d0 != d1
    flip = x0 + (x1 - x0) * d0 / (d0 - d1) if both else x1
    winner_above = b if d1 < 0 else a
    return Decider(path, base, flip, low, high, winner_above)
