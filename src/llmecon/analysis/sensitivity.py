"""One-at-a-time sensitivity (tornado): swing each uncertain parameter between a low and a
high value, all swings priced in ONE vectorised engine call.

Which parameters: every numeric path the engine read for the base case (``Inputs.used``),
except decisions and structural settings -- latency targets (``latency.*``), provider rate
limits, committed GPUs -- and parameters whose base value is 0 (a relative swing of 0 is 0)
unless the scenario's ``uncertainty:`` section gives them a range.

Ranges: from ``uncertainty.<path>`` when declared (triangular/uniform: low..high; normal and
lognormal: their P10..P90; discrete: smallest..largest value); otherwise the base value
±``DEFAULT_SWING`` (30 %) relative, with shares clipped to [0, 1] and non-signed values to
>= 0.

Output: for each option, NPV at the low and high value of every parameter; and the same for
the NPV difference between the two cheapest feasible options at the base case (A - B: below
0 A wins), sorted by swing size (|high - low|) -- tornado data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from llmecon.analysis._common import F, base_inputs, clip_to_domain, price_samples
from llmecon.analysis.uncertainty import Distribution, parse_uncertainty
from llmecon.engine import Evaluation, evaluate
from llmecon.engine.recommend import rank_scores
from llmecon.errors import ScenarioError
from llmecon.fmt import money
from llmecon.scenario import Scenario

#: Default relative swing when the scenario gives no range for a parameter. [-]
DEFAULT_SWING = 0.30
#: Paths left out of the default parameter set (decisions and structural settings).
EXCLUDED_PREFIXES = ("latency.",)
EXCLUDED_SUFFIXES = (".rate_limit_rpm", ".rate_limit_tpm", ".committed_gpus")


@dataclass(frozen=True)
class Swing:
    """One parameter's swing: values [parameter unit] and the output at each end [USD].

    ``swing_usd = |at_high - at_low|``; ``flips`` (difference only) is True when one end
    changes which of the two options is cheaper.
    """

    parameter: str
    base_value: float
    low: float
    high: float
    source: str  # 'uncertainty' | 'default ±30%'
    at_low_usd: float
    at_high_usd: float
    swing_usd: float
    flips: bool = False


@dataclass
class Tornado:
    """Tornado data for one output (an option's NPV, or the NPV difference A - B)."""

    output: str
    base_usd: float
    swings: list[Swing] = field(default_factory=list)


@dataclass
class Sensitivity:
    """All tornados of a scenario.

    ``options``: option name -> Tornado of its NPV; ``difference``: Tornado of
    NPV(option_a) - NPV(option_b) for the two cheapest feasible options (None with fewer than
    two options); ``skipped``: parameters left out, with why.
    """

    parameters: list[str]
    options: dict[str, Tornado]
    difference: Tornado | None
    option_a: str | None
    option_b: str | None
    default_swing: float = DEFAULT_SWING
    skipped: dict[str, str] = field(default_factory=dict)

    def explain(self) -> str:
        d = self.difference
        if d is None or not d.swings:
            return "sensitivity: nothing to compare"
        top = d.swings[0]
        flips = [s.parameter for s in d.swings if s.flips]
        flip_txt = (
            f"; the choice between {self.option_a} and {self.option_b} flips within the range of "
            + ", ".join(flips[:3])
            if flips
            else f"; no single parameter flips the choice of {self.option_a} over {self.option_b}"
        )
        return f"{top.parameter} moves the NPV gap most ({money(top.swing_usd)}){flip_txt}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "default_swing": self.default_swing,
            "option_a": self.option_a,
            "option_b": self.option_b,
            "options": {k: asdict(v) for k, v in self.options.items()},
            "difference": None if self.difference is None else asdict(self.difference),
            "skipped": self.skipped,
            "explain": self.explain(),
        }


def _excluded(path: str) -> bool:
    return path.startswith(EXCLUDED_PREFIXES) or path.endswith(EXCLUDED_SUFFIXES)


def swing_ranges(
    scenario: Scenario, swing: float = DEFAULT_SWING, used: dict[str, float] | None = None
) -> tuple[dict[str, tuple[float, float, float, str]], dict[str, str]]:
    """Parameter path -> (base, low, high, source), and the skipped paths with why."""
    used = base_inputs(scenario).used if used is None else used
    dists: dict[str, Distribution] = (
        parse_uncertainty(scenario, used) if scenario.uncertainty else {}
    )
    ranges: dict[str, tuple[float, float, float, str]] = {}
    skipped: dict[str, str] = {}
    for path, base in used.items():
        if path in dists:
            lo, hi = dists[path].range()
            ranges[path] = (
                base,
                float(clip_to_domain(path, lo)),
                float(clip_to_domain(path, hi)),
                "uncertainty",
            )
            continue
        if _excluded(path):
            skipped[path] = "a decision or structural setting, not an uncertainty"
            continue
        if base == 0.0:
            skipped[path] = "base value 0: give a range in the uncertainty section to swing it"
            continue
        lo, hi = sorted((base * (1.0 - swing), base * (1.0 + swing)))
        ranges[path] = (
            base,
            float(clip_to_domain(path, lo)),
            float(clip_to_domain(path, hi)),
            f"default ±{swing:.0%}",
        )
    return ranges, skipped


def sensitivity(
    scenario: Scenario, swing: float = DEFAULT_SWING, ev: Evaluation | None = None
) -> Sensitivity:
    """Tornado data for every option's NPV and for the NPV gap of the recommendation's top
    two options; a swing "flips" the choice when the second ranks ahead of the first by the
    recommendation's own rule (NPV, or NPV per successful task; feasibility counted).

    All 2 x P swings are priced in one vectorised call: sample 2i holds parameter i at its
    low value, sample 2i+1 at its high value, every other parameter at its base value.
    """
    if not 0.0 < swing < 1.0:
        raise ScenarioError([f"sensitivity: swing {swing:g} must be between 0 and 1 (0.3 = ±30 %)"])
    base_p = price_samples(scenario, {}, n=1)
    assert base_p.inputs is not None
    ranges, skipped = swing_ranges(scenario, swing, base_p.inputs.used)
    paths = list(ranges)
    names = base_p.names
    # the pair the recommendation compares, ranked by its rule (NPV or per successful task)
    rec = (ev if ev is not None and not ev.shape else evaluate(scenario)).recommendation
    a, b = (rec.ranking[0], rec.ranking[1]) if len(rec.ranking) >= 2 else (None, None)
    by_quality = rec.ranked_by == "npv_per_success"
    n = 2 * len(paths)
    if n == 0:
        return Sensitivity([], {}, None, a, b, swing, skipped)
    overrides: dict[str, F] = {}
    for i, path in enumerate(paths):
        base, lo, hi, _ = ranges[path]
        col = np.full(n, base)
        col[2 * i], col[2 * i + 1] = lo, hi
        overrides[path] = col
    p = price_samples(scenario, overrides, n=n)

    flipped = np.zeros(n, dtype=bool)
    if a is not None and b is not None:
        assert p.quality is not None
        ia, ib = names.index(a), names.index(b)
        sa = rank_scores(p.npv[ia], p.quality[ia], p.feasible[ia], by_quality)
        sb = rank_scores(p.npv[ib], p.quality[ib], p.feasible[ib], by_quality)
        flipped = sb < sa  # b ranks ahead of a in that swing

    def tornado(label: str, values: F, base_value: float, flips: bool) -> Tornado:
        swings = []
        for i, path in enumerate(paths):
            base, lo, hi, source = ranges[path]
            at_lo, at_hi = float(values[2 * i]), float(values[2 * i + 1])
            flip = flips and bool(flipped[2 * i] or flipped[2 * i + 1])
            swings.append(
                Swing(path, base, lo, hi, source, at_lo, at_hi, abs(at_hi - at_lo), bool(flip))
            )
        swings.sort(key=lambda s: (-s.swing_usd, s.parameter))
        return Tornado(label, base_value, swings)

    options = {
        name: tornado(f"NPV of {name}", p.npv[k], float(base_p.npv[k, 0]), False)
        for k, name in enumerate(names)
    }
    difference = None
    if a is not None and b is not None:
        ia, ib = names.index(a), names.index(b)
        difference = tornado(
            f"NPV of {a} - NPV of {b}",
            p.npv[ia] - p.npv[ib],
            float(base_p.npv[ia, 0] - base_p.npv[ib, 0]),
            True,
        )
    return Sensitivity(paths, options, difference, a, b, swing, skipped)
