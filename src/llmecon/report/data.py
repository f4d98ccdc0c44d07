"""The stable JSON shape of an evaluation (documented in the README)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from llmecon.evaluation import Evaluation

SCHEMA_VERSION = 1


def _num(x: Any) -> float | None:
    v = float(np.mean(np.asarray(x, dtype=float)))
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, float | np.floating):
        return None if math.isnan(obj) or math.isinf(obj) else round(float(obj), 6)
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    return obj


def evaluation_to_dict(ev: Evaluation) -> dict[str, Any]:
    options = []
    for o in ev.options:
        pillars = {
            name: {
                "total_usd": _num(v.sum(axis=-1)),
                "monthly_usd": [
                    round(float(x), 2) for x in np.mean(np.reshape(v, (-1, ev.months)), axis=0)
                ],
            }
            for name, v in o.pillars.items()
        }
        options.append(
            {
                "name": o.name,
                "kind": o.kind,
                "feasible": o.feasible,
                "infeasible_reasons": o.infeasible_reasons,
                "warnings": o.warnings,
                "total_usd": _num(o.total_usd),
                "npv_usd": _num(o.npv_usd),
                "per_1k_requests_usd": _num(o.per_1k_requests_usd),
                "per_1m_tokens_usd": _num(o.per_1m_tokens_usd),
                "per_successful_task_usd": None
                if o.per_successful_task_usd is None
                else _num(o.per_successful_task_usd),
                "quality": o.quality,
                "pillars": pillars,
                "assumptions": o.assumptions,
                "sources": o.sources,
                "details": _clean(o.details),
            }
        )
    r = ev.recommendation
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": ev.scenario.model_dump(mode="json", exclude_none=True),
        "options": options,
        "recommendation": {
            "option": r.option,
            "ranked_by": r.ranked_by,
            "ranking": r.ranking,
            "reasons": r.reasons,
            "questions": r.questions,
            "infeasible": r.infeasible,
        },
        "assumptions": ev.assumptions,
    }
