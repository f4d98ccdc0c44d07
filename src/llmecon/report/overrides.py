"""Which numbers the user set that replace a catalog value or an llmecon default.

A field counts as an override when the scenario sets it explicitly (pydantic's
``model_fields_set``), it is a number (or a block of numbers such as ``prices`` or
``architecture``), and llmecon would otherwise fill it in: fields that default to ``None``
("use the catalog or llmecon's default") and numeric fields whose explicit value differs from
the schema default. Descriptions of the workload and choices (names, kinds, models, GPUs,
pricing modes, quality measurements, replica bounds) are not overrides.

The replaced value is found by pricing a copy of the scenario with those fields unset and
reading what the engine used there, with its source (catalog row or default's reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from llmecon.engine import price_all
from llmecon.scenario import Scenario

#: Option and training fields that describe the choice, not a replaceable number.
NOT_OVERRIDES = frozenset(
    {
        "name",
        "kind",
        "provider",
        "model",
        "gpu",
        "precision",
        "pricing",
        "kv_precision",
        "mode",
        "legs",
        "regions",
        "rate_limit_tier",
        "quality",
        "min_replicas",
        "max_replicas",
        "committed_gpus",
        "provisioned_usd_per_month",
        "fine_tune",
        "method",
        "teacher_model",
        "teacher_provider",
        "escalation_share",
        "router_usd_per_mrequests",
    }
)
#: What an unset field falls back to, where llmecon derives it rather than reading a default.
DERIVED = {
    "prices": "the catalog's token prices (genai-prices snapshot)",
    "usd_per_gpu_hour": "the catalog's median on-demand GPU price",
    "reserved_usd_per_gpu_hour": "the catalog's reserved GPU price",
    "spot_usd_per_gpu_hour": "the catalog's median spot GPU price",
    "capex_usd_per_gpu": "the catalog's GPU purchase price",
    "architecture": "the catalog's model architecture",
    "measured_requests_per_s": "the inference model's predicted throughput",
    "measured_output_tokens_per_s": "the inference model's predicted throughput",
    "rate_limit_rpm": "the catalog's rate-limit tier",
    "rate_limit_tpm": "the catalog's rate-limit tier",
    "gpus_per_replica": "llmecon's choice of the fewest GPU-hours",
}


@dataclass
class Override:
    """One user-set number: ``path`` (dotted), ``value`` (as set), ``replaced`` (what the
    engine would have used, as text, or None when it reads no such number without it) and
    ``replaced_source`` (the catalog row or default's reason)."""

    path: str
    value: Any
    replaced: str | None
    replaced_source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "value": self.value,
            "replaced": self.replaced,
            "replaced_source": self.replaced_source,
        }


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _candidates(model: BaseModel, prefix: str) -> list[tuple[str, BaseModel, str, Any]]:
    """(path, owner model, field, schema default) of explicitly set overriding fields."""
    out: list[tuple[str, BaseModel, str, Any]] = []
    fields = type(model).model_fields
    for name in sorted(model.model_fields_set):
        if name in NOT_OVERRIDES or name not in fields:
            continue
        value = getattr(model, name)
        default = fields[name].default
        path = f"{prefix}{name}"
        if name == "training" and isinstance(value, BaseModel):
            out += _candidates(value, f"{path}.")
            continue
        block = isinstance(value, BaseModel | dict)
        if not (block or _is_number(value)):
            continue
        if default is not None and value == default:
            continue
        out.append((path, model, name, default))
    return out


def _all_candidates(s: Scenario) -> list[tuple[str, BaseModel, str, Any]]:
    out = (
        _candidates(s.organisation, "organisation.") if "organisation" in s.model_fields_set else []
    )
    if "discount_rate_annual" in s.model_fields_set:
        d = type(s).model_fields["discount_rate_annual"].default
        if s.discount_rate_annual != d:
            out.append(("discount_rate_annual", s, "discount_rate_annual", d))
    for o in s.options:
        out += _candidates(o, f"options.{o.name}.")
    return out


def _unset(s: Scenario, paths: list[str]) -> Scenario:
    """A copy of ``s`` with the fields at ``paths`` back at their schema default."""
    copy = s.model_copy(deep=True)
    for path, model, name, default in _all_candidates(copy):
        if path in paths:
            object.__setattr__(model, name, default)
    return copy


def _used(s: Scenario) -> tuple[dict[str, float], dict[str, str]] | None:
    """Base values the engine read, and where each came from; None if pricing fails."""

    try:
        inputs, _, _ = price_all(s)
    except Exception:
        return None
    why: dict[str, str] = {p: src for p, (_, src) in inputs.catalog.items()}
    for lines in inputs.assumptions.values():
        for line in lines:
            path, sep, rest = line.partition(" = ")
            if sep and "(" in rest:
                why.setdefault(path, rest[rest.index("(") + 1 : rest.rfind(")")])
    return inputs.used, why


def _fmt(v: float) -> str:
    return f"{v:,.6g}"


def overrides_applied(scenario: Scenario) -> list[Override]:
    """Every user-set number that replaces a catalog value or an llmecon default."""
    cands = _all_candidates(scenario)
    if not cands:
        return []
    paths = [c[0] for c in cands]
    base = _used(_unset(scenario, paths))
    out = []
    for path, model, name, default in cands:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_unset=True)
        found = base if base is not None else _used(_unset(scenario, [path]))
        replaced: str | None = None
        source = DERIVED.get(name, "llmecon default")
        if default is not None:
            replaced = _fmt(default) if _is_number(default) else str(default)
        if found is not None:
            used, why = found
            if path in used:
                replaced = _fmt(used[path])
                source = DERIVED.get(name) or why.get(path, source)
            else:
                parts = {k[len(path) + 1 :]: v for k, v in used.items() if k.startswith(path + ".")}
                if parts:
                    replaced = ", ".join(f"{k} {_fmt(v)}" for k, v in sorted(parts.items()))
                    source = DERIVED.get(name) or next(
                        (why[k] for k in sorted(used) if k.startswith(path + ".") and k in why),
                        source,
                    )
        out.append(Override(path, value, replaced, source))
    return out
