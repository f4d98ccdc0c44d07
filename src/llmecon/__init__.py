"""llmecon: should you call an API model, self-host an open model, or build a small language
model? Prices each option over time in three pillars (development, deployment & scaling,
sustainability & maintenance), recommends one, and explains why.

Public API::

    from llmecon import load_scenario, evaluate
    ev = evaluate(load_scenario("examples/internal_assistant.yaml"))
    ev.recommendation.option, ev.to_dict()

The public names are loaded on first use (PEP 562), so ``import llmecon`` (and the CLI's
start-up) does not import numpy, scipy, pydantic or the catalogs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it (edit here to repoint a name).
_LAZY: dict[str, str] = {
    "evaluate": "llmecon.engine",
    "Evaluation": "llmecon.engine",
    "OptionResult": "llmecon.engine",
    "Recommendation": "llmecon.engine",
    "Scenario": "llmecon.scenario",
    "ScenarioError": "llmecon.errors",
    "load_scenario": "llmecon.scenario",
    "parse_scenario": "llmecon.scenario",
    "dump_scenario": "llmecon.scenario",
}

if TYPE_CHECKING:
    from llmecon.engine import Evaluation, OptionResult, Recommendation
    from llmecon.engine.evaluate import evaluate
    from llmecon.errors import ScenarioError
    from llmecon.scenario import Scenario, dump_scenario, load_scenario, parse_scenario

__all__ = [
    "Evaluation",
    "OptionResult",
    "Recommendation",
    "Scenario",
    "ScenarioError",
    "__version__",
    "dump_scenario",
    "evaluate",
    "load_scenario",
    "parse_scenario",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmecon' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
