"""Fleet search: the cheapest way to serve the workload, over every configuration at once.

For each candidate model the search prices every combination of

* GPU type (the package catalog plus the scenario's own ``catalog:`` GPUs),
* GPUs per replica (tensor parallelism 1, 2, 4, 8 dividing the attention heads; 16 across two
  nodes when 8 do not hold the model),
* weight precision (those the GPU supports),
* engine preset (``perf.inference.ENGINE_PRESETS``; presets with identical factors are one),
* pricing mode (on demand, reserved for 1 or 3 years with the cost-minimising commitment,
  spot with its interruption overhead),

in one vectorised pass per model, with the same models the engine prices an option with:

1. capacity: ``perf.inference.at_slo`` on a stacked ``Replica`` (every layout's weights, KV
   capacity, FLOP/s and bandwidth as arrays) against the latency targets, at their percentile
   when the scenario names one;
2. fleet: ``perf.capacity.replica_summary`` of the model's trended monthly load over the hourly
   traffic curve, per configuration: replicas per hour ``n = clip(ceil(lambda (1 + h) / mu),
   n_min, n_max)`` and GPU-hours ``H_m``;
3. money: ``H p`` on demand, ``H p_s (1 + o)`` on spot, the newsvendor commitment plus on-demand
   burst reserved (``engine.self_hosted.commitment``), all times the GPU price trend; ops staff
   ``(f_0 + f_100 G / 100) S / 12``; plus the option's configuration-independent cash flows
   (build, evaluation set, delay, migrations, security, observability, compliance, failures,
   network and storage, training) priced once per model and GPU by the engine's own functions;
4. the objective the recommendation ranks by (``engine.recommend.rank_scores``): NPV, or NPV
   per successful task when every candidate has a quality.

The best ``top`` configurations are then written as complete scenario options and priced by
``evaluate`` itself, so each result's figures are the engine's (the screen and the engine
agree to rounding; ``SearchResult.max_screen_error`` says by how much).

Compared with AIConfigurator (TP/PP/quantisation for tokens/s/GPU under TTFT/TPOT targets,
~30 s, no money) and Vidur-Search (~1 CPU-hour per model for QPS per dollar), this searches
pricing modes too, in well under a second (``benchmarks/search_speed.py``).
"""

from __future__ import annotations

from llmecon.engine.search.auto import Filled, fill_auto
from llmecon.engine.search.results import Alternative, Config, SearchResult, sort_key
from llmecon.engine.search.screen import screen
from llmecon.engine.search.space import PRECISIONS, PRICING, Space, candidate_gpus, engines

__all__ = [
    "PRECISIONS",
    "PRICING",
    "Alternative",
    "Config",
    "Filled",
    "SearchResult",
    "Space",
    "candidate_gpus",
    "engines",
    "fill_auto",
    "screen",
    "sort_key",
]
