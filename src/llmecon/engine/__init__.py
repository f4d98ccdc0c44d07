"""The cost engine: resolve -> price -> recommend.

* ``inputs``: every number the engine reads, with where it came from, any of them overridable
  by an array;
* ``resolve``: per-kind input records (API, self-hosted, training, hybrid);
* ``api``, ``self_hosted``, ``training``, ``hybrid``: pure pricing functions returning the
  three pillars' monthly cash flows; ``shared``: the pieces every kind uses;
* ``results``: the result types and their JSON shape; ``recommend``: ranking and reasons;
* ``evaluate``: the flow.
"""

from llmecon.engine.evaluate import evaluate, price_all, price_option, totals
from llmecon.engine.inputs import Inputs
from llmecon.engine.results import Evaluation, OptionCost, OptionResult, Recommendation

__all__ = [
    "Evaluation",
    "Inputs",
    "OptionCost",
    "OptionResult",
    "Recommendation",
    "evaluate",
    "price_all",
    "price_option",
    "totals",
]
