"""llmecon: should you call an API model, self-host an open model, or build a small language
model? Prices each option over time in three pillars (development, deployment & scaling,
sustainability & maintenance), recommends one, and explains why.

Public API::

    from llmecon import load_scenario, evaluate
    ev = evaluate(load_scenario("examples/internal_assistant.yaml"))
    ev.recommendation.option, ev.to_dict()
"""

from llmecon.evaluation import Evaluation, OptionResult, Recommendation, evaluate
from llmecon.scenario import Scenario, ScenarioError, dump_scenario, load_scenario, parse_scenario

__version__ = "0.1.0"

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
