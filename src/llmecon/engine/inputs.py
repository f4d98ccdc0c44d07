"""Numeric inputs of an evaluation, each with where it came from.

Every number the engine reads goes through ``Inputs.get(path)``: the scenario's value, else a
catalog value, else a default (recorded as an assumption with its reason). A caller may
replace any of them by an array of samples (``overrides``: Monte Carlo, sweeps, break-even),
so the set of numbers that can vary is exactly the set of resolved paths (``Inputs.used``),
and ``Inputs.origins`` says where each came from: ``scenario``, ``catalog: <source>``,
``default: <reason>`` or ``override``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.assumptions import Default
from llmecon.errors import UnknownParameter
from llmecon.scenario import Option, Scenario, split_option_path

F = NDArray[np.float64]

#: Numeric scenario fields that cannot vary within one evaluation, with why. Every other
#: numeric field is read through ``Inputs.get`` and can be overridden by an array (a test walks
#: the schema to keep this true). ``<option>`` stands for any option name.
STRUCTURAL: dict[str, str] = {
    "horizon_months": "the number of months sets the length of every cash-flow array",
    "options.<option>.gpus_per_replica": (
        "fixes the replica layout; leave it out and the engine picks the cheapest "
        "tensor-parallel degree per point"
    ),
    "options.<option>.min_replicas": "autoscaling bounds are whole replica counts of the fleet model",
    "options.<option>.max_replicas": "autoscaling bounds are whole replica counts of the fleet model",
    "options.<option>.network_gbs_per_gpu": (
        "part of the replica's hardware (its inter-node links), built once per layout; "
        "compare networks as separate options"
    ),
    "options.<option>.architecture": (
        "a model's shape (layers, heads, dimensions) is integer structure, not a quantity; "
        "compare models as separate options"
    ),
}


def memo_key(x: Any) -> Any:
    """A key for ``Inputs.memo`` from a number or an array: a number by value, an array by
    identity (whoever stores the result keeps the array alive, so its id stays its own)."""
    if x is None or isinstance(x, str | bool | int | float):
        return x
    a = np.asarray(x)
    return float(a) if a.ndim == 0 else id(x)


@dataclass
class Inputs:
    scenario: Scenario
    overrides: Mapping[str, ArrayLike] = field(default_factory=dict)
    #: values the engine derived from the catalog, by path, with where they came from
    catalog: dict[str, tuple[float, str]] = field(default_factory=dict)
    #: every path read, with its base (un-overridden) value
    used: dict[str, float] = field(default_factory=dict)
    #: where each path's base value came from: scenario, catalog: ..., default: ...
    origins: dict[str, str] = field(default_factory=dict)
    #: assumption lines per option name ('' for scenario-wide)
    assumptions: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ov = {k: np.asarray(v, dtype=float) for k, v in self.overrides.items()}
        shapes = [a.shape for a in self._ov.values()]
        self.shape: tuple[int, ...] = np.broadcast_shapes(*shapes) if shapes else ()
        self._options: dict[str, Option] = {o.name: o for o in self.scenario.options}
        self.memo: dict[Any, Any] = {}

    def swept(self, path: str) -> bool:
        """True when ``path`` is overridden by an array of more than one value."""
        return path in self._ov and self._ov[path].size > 1

    def _split_option(self, path: str) -> tuple[Option, str] | None:
        """(option, rest) for ``options.<name>.<rest>``."""
        split = split_option_path(path, self._options)
        return None if split is None else (self._options[split[0]], split[1])

    def _scenario_value(self, path: str) -> tuple[bool, Any]:
        node: Any = self.scenario
        if path.startswith("options."):
            split = self._split_option(path)
            if split is None:
                return False, None
            node, path = split
        for part in path.split("."):
            if node is None:
                return True, None
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    return False, None
                node = node[int(part)]
                continue
            if not hasattr(node, part):
                return False, None
            node = getattr(node, part)
        return True, node

    def note(self, owner: str, line: str) -> None:
        lines = self.assumptions.setdefault(owner, [])
        if line not in lines:
            lines.append(line)

    def source(self, owner: str, line: str) -> None:
        lines = self.sources.setdefault(owner, [])
        if line not in lines:
            lines.append(line)

    def get(
        self,
        path: str,
        default: Default | Callable[[], Default] | float | None = None,
        owner: str = "",
    ) -> F:
        """The value at ``path``: an override, else the scenario's, else the catalog's, else
        ``default`` (recorded as an assumption of ``owner``)."""
        found, value = self._scenario_value(path)
        origin = "scenario"
        if value is None and path in self.catalog:
            value, why = self.catalog[path]
            origin = f"catalog: {why}"
            found = True
        if value is None and default is not None:
            d = default() if callable(default) else default
            if isinstance(d, Default):
                self.note(owner, d.line(path))
                value, origin = d.value, f"default: {d.why}"
            else:
                value, origin = float(d), "default"
            found = True
        if not found or value is None:
            raise UnknownParameter(path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UnknownParameter(f"{path} is not a number")
        self.used.setdefault(path, float(value))
        if path in self._ov:
            self.origins[path] = "override"
            return self._ov[path]
        self.origins.setdefault(path, origin)
        return np.asarray(float(value))
