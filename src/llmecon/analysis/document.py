"""The evaluation as one JSON document, shared by the CLI and the web API."""

from __future__ import annotations

from typing import Any

from llmecon.engine.results import Evaluation


def evaluation_document(ev: Evaluation) -> dict[str, Any]:
    """The JSON document of ``llmecon evaluate --format json`` (and the web API's
    ``/api/evaluate``): ``ev.to_dict()``, plus the close call's deciders when there is one."""
    data = ev.to_dict()
    if ev.recommendation.close_call:
        # imported here: the sensitivity machinery is only needed for a close call
        from llmecon.analysis.close_call import deciders

        data["recommendation"]["deciders"] = [d.to_dict() for d in deciders(ev)]
    return data
