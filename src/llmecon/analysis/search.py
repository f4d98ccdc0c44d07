"""``search``: the fleet search (``engine.search.screen``) checked by ``evaluate``, beside the
scenario's API and hosted-open options, so that one table answers "API, hosted or self-host,
and on what"."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np

from llmecon.analysis.parallel import check, run_chunks, split
from llmecon.engine.evaluate import evaluate
from llmecon.engine.recommend import rank_scores
from llmecon.engine.results import OptionResult
from llmecon.engine.search import (
    Alternative,
    SearchResult,
    Space,
    candidate_gpus,
    screen,
    sort_key,
)
from llmecon.scenario import Option, Scenario

__all__ = ["SearchResult", "Space", "search"]


def search(
    scenario: Scenario,
    space: Space | None = None,
    top: int = 10,
    verify: bool = True,
    alternatives: bool = True,
    workers: int = 1,
    dask: Any = None,
) -> SearchResult:
    """Rank every self-hosted configuration of ``scenario`` (``engine.search.screen``).

    ``verify``: the ``top`` results are written as scenario options and priced by
    ``evaluate`` in one call, and their figures are the engine's (``max_screen_error`` keeps
    the largest relative gap between the screen's NPV and the engine's). ``alternatives``:
    the scenario's API and hosted-open options, priced by ``evaluate``. ``workers`` (local
    processes) or ``dask`` (a scheduler address or ``distributed.Client``): the GPUs are
    split into blocks screened apart and merged (``analysis.parallel``); the answer is the
    same as in one process.
    """
    t0 = time.perf_counter()
    space = space or Space()
    if workers > 1 or dask is not None:
        check(workers, dask)
        names = candidate_gpus(scenario, space)
        parts = 2 * workers if dask is None else max(2, min(len(names), 8))
        chunks = [(scenario, replace(space, gpus=tuple(c)), top) for c in split(names, parts)]
        result = merge(list(run_chunks(_screen_chunk, chunks, workers, dask)), top)
    else:
        result = screen(scenario, space, top)
    _price_by_evaluate(scenario, result, verify, alternatives)
    result.seconds = time.perf_counter() - t0
    return result


def _screen_chunk(args: tuple[Scenario, Space, int]) -> SearchResult:
    """One block of GPUs, screened (runs in a worker process or on a Dask worker)."""
    scenario, space, top = args
    return screen(scenario, space, top)


def merge(parts: list[SearchResult], top: int) -> SearchResult:
    """One result from blocks of the space: the best ``top`` of the blocks' best (the top
    of a union is within the union of the tops), counts and reasons summed."""
    rows = sorted((r for p in parts for r in p.results), key=sort_key)[:top]
    reasons: Counter[str] = Counter()
    for p in parts:
        reasons.update(p.infeasible_by_reason)
    return SearchResult(
        searched=sum(p.searched for p in parts),
        feasible=sum(p.feasible for p in parts),
        seconds=0.0,
        results=rows,
        infeasible_by_reason=dict(reasons.most_common()),
        objective=parts[0].objective if parts else "npv",
        assumptions=list(dict.fromkeys(a for p in parts for a in p.assumptions)),
        points=_concat([p.points for p in parts if p.points]),
    )


def _concat(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    if not blocks:
        return {}
    return {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}


def _price_by_evaluate(
    scenario: Scenario, result: SearchResult, verify: bool, alternatives: bool
) -> None:
    """One ``evaluate`` call for both: the results' options (their figures become the
    engine's, and ``max_screen_error`` the largest gap to the screen's NPV) and the
    scenario's API and hosted-open options (``alternatives``, scored like the results)."""
    tops = [Option.model_validate(r.option) for r in result.results] if verify else []
    keep = [o for o in scenario.options if o.kind in ("api", "hosted_open")] if alternatives else []
    if not tops and not keep:
        return
    scn = scenario.model_copy(update={"options": keep + tops, "uncertainty": None})
    ev = evaluate(scn)
    by_name = {o.name: o for o in ev.options}
    worst = 0.0
    for r in result.results if verify else []:
        o = by_name[r.option["name"]]
        engine_npv = float(np.asarray(o.npv_usd))
        if r.npv_usd:
            worst = max(worst, abs(engine_npv - r.npv_usd) / abs(r.npv_usd))
        r.npv_usd = engine_npv
        r.total_usd = float(np.asarray(o.total_usd))
        r.per_1m_tokens_usd = float(np.asarray(o.per_1m_tokens_usd))
        r.verified = True
    result.max_screen_error = worst
    by_quality = result.objective != "npv"
    result.alternatives = [_alternative(scenario, by_name[o.name], by_quality) for o in keep]


def _alternative(scenario: Scenario, o: OptionResult, by_quality: bool) -> Alternative:
    """An API or hosted-open option on the search's scale."""
    npv_usd = float(np.asarray(o.npv_usd))
    quality = np.nan if o.quality is None else float(np.mean(o.quality))
    return Alternative(
        name=o.name,
        kind=o.kind,
        model=str(scenario.option(o.name).model),
        npv_usd=npv_usd,
        total_usd=float(np.asarray(o.total_usd)),
        per_1m_tokens_usd=float(np.asarray(o.per_1m_tokens_usd)),
        feasible=o.feasible,
        reasons=list(o.infeasible_reasons),
        score=float(rank_scores(npv_usd, quality, o.feasible, by_quality)),
    )
