"""Shared fixtures and scenario builders.

Import the builders as ``from tests.conftest import ...`` (``tests`` is a package). They return
plain mappings (``scenario_dict``, ``api_option``, ``self_hosted_option``, ``hybrid_option``)
or a parsed ``Scenario`` (``build``). Every built scenario starts on ``START_DATE``, so the
API prices active at month 0 (genai-prices dated rows) and announced changes do not move with
the calendar. A keyword argument given as ``None`` leaves that field out (the schema default).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from llmecon.scenario import Scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: Month 0 of every scenario the tests build (and of the shipped examples).
START_DATE = dt.date(2026, 1, 1)
#: The same, as the first line of a scenario written as YAML text.
START_YAML = f"start_date: {START_DATE.isoformat()}\n"


@pytest.fixture(autouse=True, scope="session")
def _isolated_price_cache(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """No test reads a developer's own price cache (``llmecon prices update``): every run
    starts from the shipped prices."""
    old = os.environ.get("LLMECON_CACHE_DIR")
    os.environ["LLMECON_CACHE_DIR"] = str(tmp_path_factory.mktemp("llmecon-cache"))
    yield
    if old is None:
        os.environ.pop("LLMECON_CACHE_DIR", None)
    else:
        os.environ["LLMECON_CACHE_DIR"] = old


@pytest.fixture
def write(tmp_path: Path):
    """Write a YAML text to a temporary scenario file and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return _write


#: Option fields that zero every effort and upkeep default, so a test's cost is only what it sets.
ZERO_UPKEEP: dict[str, Any] = {
    "engineering_weeks": 0,
    "eval_set_examples": 0,
    "time_to_deploy_weeks": 0,
    "ops_fte": 0,
    "migration_weeks": 0,
    "security_hours_per_month": 0,
    "network_storage_usd_per_month": 0,
    "price_change_per_year": 0,
}

#: Organisation fields that zero the fixed monthly bills (observability, compliance).
ZERO_ORG: dict[str, Any] = {"observability_usd_per_month": 0, "compliance_usd_per_year": 0}

#: The default workload: 1M requests/month of 500 input and 100 output tokens.
WORKLOAD: dict[str, Any] = {
    "requests_per_month": 1_000_000,
    "input_tokens": 500,
    "output_tokens": 100,
}


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _option(
    name: str, kind: str, zero_upkeep: bool, defaults: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    upkeep = ZERO_UPKEEP if zero_upkeep else {}
    return _given({"name": name, "kind": kind, **defaults, **upkeep, **fields})


def api_option(
    name: str = "api",
    input_per_mtok: float = 1.0,
    output_per_mtok: float = 5.0,
    *,
    zero_upkeep: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """An API option at explicit token prices [USD per 1M tokens]: by default $1 in and $5 out,
    $0.001 per request of ``WORKLOAD``, with every effort and upkeep default zeroed.
    ``prices=None`` (with ``provider`` and ``model``) prices it from the catalog instead."""
    prices = {"input_per_mtok": input_per_mtok, "output_per_mtok": output_per_mtok}
    return _option(name, "api", zero_upkeep, {"prices": prices}, fields)


def self_hosted_option(
    name: str = "own", *, zero_upkeep: bool = True, **fields: Any
) -> dict[str, Any]:
    """A self-hosted option: Llama 3.1 8B, one H100 per replica at $2/GPU-h serving a measured
    5 requests/s, with every effort and upkeep default zeroed except fleet operations, set
    to 1 FTE per 100 GPUs (the golden figures' staffing: 1 GPU-year = $17,532 + $2,117)."""
    defaults = {
        "model": "llama-3.1-8b",
        "gpu": "H100",
        "usd_per_gpu_hour": 2.0,
        "gpus_per_replica": 1,
        "measured_requests_per_s": 5.0,
        "ops_fte_per_100_gpus": 1.0,
    }
    return _option(name, "self_hosted", zero_upkeep, defaults, fields)


def hybrid_option(
    name: str,
    legs: list[str],
    escalation_share: float,
    *,
    zero_upkeep: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A hybrid over two option names (``mode`` as given, else the schema's), sending
    ``escalation_share`` of the traffic to its second leg, every upkeep default zeroed."""
    defaults = {"legs": legs, "escalation_share": escalation_share}
    return _option(name, "hybrid", zero_upkeep, defaults, fields)


def scenario_dict(
    options: list[dict[str, Any]] | None = None,
    *,
    workload: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A scenario mapping from ``START_DATE``: ``WORKLOAD`` updated with ``workload``, the
    ``options`` (default: ``api_option()`` and ``self_hosted_option()``) and any other
    top-level ``fields`` (``horizon_months``, ``organisation``, ``uncertainty``...)."""
    return _given(
        {
            "start_date": START_DATE,
            "workload": _given({**WORKLOAD, **(workload or {})}),
            "options": [api_option(), self_hosted_option()] if options is None else options,
            **fields,
        }
    )


def build(options: list[dict[str, Any]] | None = None, **kw: Any) -> Scenario:
    """``scenario_dict(options, **kw)``, parsed."""
    return parse_scenario(scenario_dict(options, **kw))
