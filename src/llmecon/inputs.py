"""Numeric inputs of an evaluation: scenario values, catalog values and defaults, any of which a
caller may replace by an array of samples (Monte Carlo, sweeps, break-even search).

Every number the cost engine reads goes through ``Inputs.get(path)``, so every number can be
swept: ``workload.requests_per_month``, ``options.<name>.usd_per_gpu_hour``,
``options.<name>.prices.input_per_mtok``, ``organisation.engineer_usd_per_hour``...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from llmecon.assumptions import Default
from llmecon.errors import UnknownParameter
from llmecon.scenario import Scenario

F = NDArray[np.float64]


@dataclass
class Inputs:
    scenario: Scenario
    overrides: Mapping[str, ArrayLike] = field(default_factory=dict)
    #: values the engine derived from the catalog, by path, with where they came from
    catalog: dict[str, tuple[float, str]] = field(default_factory=dict)
    #: every path read, with its base (un-overridden) value
    used: dict[str, float] = field(default_factory=dict)
    #: assumption lines per option name ('' for scenario-wide)
    assumptions: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ov = {k: np.asarray(v, dtype=float) for k, v in self.overrides.items()}
        shapes = [a.shape for a in self._ov.values()]
        self.shape: tuple[int, ...] = np.broadcast_shapes(*shapes) if shapes else ()

    def _scenario_value(self, path: str) -> tuple[bool, Any]:
        node: Any = self.scenario
        if path.startswith("options."):
            # option names may contain dots: match the longest name the path starts with
            names = sorted((o.name for o in self.scenario.options), key=len, reverse=True)
            name = next((n for n in names if path.startswith(f"options.{n}.")), None)
            if name is None:
                return False, None
            node = self.scenario.option(name)
            path = path[len(f"options.{name}.") :]
        parts = path.split(".")
        i = 0
        while i < len(parts):
            part = parts[i]
            if node is None:
                return True, None
            if not hasattr(node, part):
                return False, None
            node = getattr(node, part)
            i += 1
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
        if value is None and path in self.catalog:
            value = self.catalog[path][0]
            found = True
        if value is None and default is not None:
            d = default() if callable(default) else default
            if isinstance(d, Default):
                self.note(owner, d.line(path))
                value = d.value
            else:
                value = float(d)
            found = True
        if not found or value is None:
            raise UnknownParameter(path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UnknownParameter(f"{path} is not a number")
        self.used.setdefault(path, float(value))
        if path in self._ov:
            return self._ov[path]
        return np.asarray(float(value))
