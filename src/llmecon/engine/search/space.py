"""What the fleet search varies: pricing modes, precisions, engine presets, the candidate
models (templates) and GPUs, and the regions."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from llmecon.catalog import GPU, tables
from llmecon.catalog.gpu_quotes import geo_of
from llmecon.errors import ScenarioError
from llmecon.perf.inference import ENGINE_PRESETS
from llmecon.scenario import Option, Scenario

F = NDArray[np.float64]


#: Pricing modes searched: name -> (option ``pricing``, ``reserved_term_years``).
PRICING: dict[str, tuple[str, int | None]] = {
    "on-demand": ("on_demand", None),
    "reserved-1y": ("reserved", 1),
    "reserved-3y": ("reserved", 3),
    "spot": ("spot", None),
}


PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4")


#: Option fields that pin a configuration the search varies (dropped from the template).
CONFIG_FIELDS = (
    "gpu",
    "gpus_per_replica",
    "precision",
    "engine",
    "pricing",
    "reserved_term_years",
    "committed_gpus",
    "calibration",
    "measured_requests_per_s",
    "measured_output_tokens_per_s",
)


#: Price fields that belong to one GPU: kept only for configurations on the template's GPU.
PRICE_FIELDS = ("usd_per_gpu_hour", "reserved_usd_per_gpu_hour", "spot_usd_per_gpu_hour")


AUTO = "auto"


def engines() -> tuple[str, ...]:
    """Engine presets with distinct factors, in the schema's order (``default`` and presets
    equal to an earlier one are left out: they price the same)."""
    names = typing.get_args(Option.model_fields["engine"].annotation)
    out: list[str] = []
    for n in names:
        if n == "default" or n not in ENGINE_PRESETS:
            continue
        if all(ENGINE_PRESETS[n] != ENGINE_PRESETS[m] for m in out):
            out.append(n)
    return tuple(out)


@dataclass(frozen=True)
class Space:
    """What to search; ``None`` is everything."""

    models: tuple[str, ...] | None = None
    gpus: tuple[str, ...] | None = None
    precisions: tuple[str, ...] | None = None
    pricing: tuple[str, ...] | None = None
    engines: tuple[str, ...] | None = None
    #: geos or region ids whose GPU quotes to compare (``None``: the scenario's own rule)
    regions: tuple[str, ...] | None = None


def candidate_gpus(scenario: Scenario, space: Space | None = None) -> list[str]:
    """Every GPU the search would try, over all candidate models, in the search's order."""
    space = space or Space()
    names: dict[str, None] = {}
    for t in search_templates(scenario, space, None):
        for g in template_gpus(scenario, t, space):
            names.setdefault(g.name, None)
    return list(names)


def search_templates(scenario: Scenario, space: Space, only: str | None) -> list[Option]:
    """One option per candidate model to vary: the scenario's self-hosted options (the
    ``only`` one for an ``auto`` option), or the first one with its model replaced for each
    of ``space.models`` it lacks."""
    hosted = [o for o in scenario.options if o.kind in ("self_hosted", "slm")]
    if only is not None:
        return [scenario.option(only)]
    if space.models is None:
        seen: dict[str, Option] = {}
        for o in hosted:
            seen.setdefault(o.model or "", o)
        if not seen:
            raise ScenarioError(
                [
                    "options: no self_hosted or slm option to search; add one, or name "
                    "open models with --models"
                ]
            )
        return list(seen.values())
    out = []
    cat = scenario.user_catalog()
    for m in space.models:
        name = cat.resolve_model(m).name
        own = next((o for o in hosted if o.model and cat.resolve_model(o.model).name == name), None)
        if own is None:
            base = hosted[0] if hosted else None
            data = (
                base.model_dump(exclude_none=True, exclude={"quality", "training", "architecture"})
                if base is not None and base.kind == "self_hosted"
                else {"kind": "self_hosted"}
            )
            data.update(name=f"search-{name}", model=name)
            own = Option.model_validate(concrete(data, "H100 SXM"))
        out.append(own)
    return out


def concrete(data: dict[str, Any], gpu: str) -> dict[str, Any]:
    """A template's fields with every ``auto`` replaced by a valid placeholder (the search
    varies them)."""
    d = dict(data)
    d["gpu"] = gpu
    for f, v in (("precision", "bf16"), ("pricing", "on_demand"), ("gpus_per_replica", None)):
        if d.get(f) == AUTO:
            d[f] = v
    return d


def template_gpus(scenario: Scenario, template: Option, space: Space) -> list[GPU]:
    cat = scenario.user_catalog()
    if space.gpus is not None:
        return list(dict.fromkeys(cat.resolve_gpu(g) for g in space.gpus))
    if template.gpu and template.gpu != AUTO and not is_search_all(template):
        return [cat.resolve_gpu(template.gpu)]
    return list(dict.fromkeys((*cat.gpus, *tables.gpus())))


def is_search_all(template: Option) -> bool:
    """A plain option (nothing ``auto``) searched from the command line: vary everything."""
    return not template.auto_fields()


def gpu_name(scenario: Scenario, name: str | None) -> str:
    return scenario.user_catalog().resolve_gpu(name or "").name


def template_precisions(template: Option, space: Space) -> tuple[str, ...]:
    if space.precisions is not None:
        return space.precisions
    if template.precision != AUTO and not is_search_all(template):
        return (template.precision,)
    return PRECISIONS


def search_regions(scenario: Scenario, space: Space) -> tuple[str | None, ...]:
    """The regions searched: ``None`` is the scenario's own rule (its region, or any)."""
    if space.regions is None:
        return (None,)
    return tuple(geo_of(r) for r in space.regions)
