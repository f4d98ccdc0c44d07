"""The three cost pillars as vectorised money functions.

* ``development`` -- one-off build costs: engineering, evaluation set, data, training, capex.
* ``deployment`` -- running costs that scale with traffic: token bills, GPU-hours, ops staff.
* ``sustainability`` -- keeping it alive: retraining, migrations, price drift, observability,
  compliance, security, hardware refresh.

All amounts are USD; arrays broadcast with a trailing months axis.
"""
