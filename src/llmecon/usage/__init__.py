"""Workload profiles from real usage: API usage exports, gateway and observability logs.

``profile_files(paths, fmt="auto", mapping=None, since=None, until=None, models=None)``
reads OpenAI and Anthropic usage exports, LiteLLM SpendLogs, Langfuse observations, Helicone
requests or any mapped table (CSV, JSON, JSONL, Parquet, gzip) with DuckDB and returns a
``UsageProfile``: requests per month (overall, per model, per project), tokens per request
(mean, p50, p90, p99), cached input share, the hourly and weekday shape, fitted growth,
latency, failure share, and the bill reconciled against llmecon's API prices.
``apply_to_scenario`` puts the profile's workload into a scenario.

Modules: ``formats`` (the sources and their column mappings), ``read`` (the DuckDB scan),
``profile`` (the profile and its YAML sections), ``reconcile`` (the bill), ``charts`` (the
three traffic charts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmecon.usage.errors import UsageError

if TYPE_CHECKING:
    from llmecon.scenario import Scenario
    from llmecon.usage.profile import UsageProfile

__all__ = ["UsageError", "apply_to_scenario", "parse_when", "profile_files"]


def parse_when(text: str, option: str) -> dt.datetime:
    """A ``--since``/``--until`` date or date-time (ISO 8601; naive means UTC)."""
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            [f"{option}: {text!r} is not a date; give one like 2026-01-31 or 2026-01-31T12:00"]
        ) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def profile_files(
    paths: Sequence[str | Path],
    fmt: str = "auto",
    mapping: Mapping[str, str] | None = None,
    since: dt.datetime | str | None = None,
    until: dt.datetime | str | None = None,
    models: Sequence[str] | None = None,
    progress: Callable[[float], None] | None = None,
    threads: int | None = None,
    reconcile: bool = True,
) -> UsageProfile:
    """Profile usage files (see the package docstring). ``since`` is inclusive, ``until``
    exclusive; ``progress`` receives DuckDB's progress [0..1] of the main scan; ``threads``
    caps DuckDB's threads. Raises ``UsageError`` (one line per problem) on bad input."""
    from llmecon.usage import profile, read
    from llmecon.usage import reconcile as rec

    s = parse_when(since, "--since") if isinstance(since, str) else since
    u = parse_when(until, "--until") if isinstance(until, str) else until
    if s is not None and u is not None and u <= s:
        raise UsageError([f"--until: {u.isoformat()} is not after --since; widen the window"])
    scan = read.scan(paths, fmt, mapping, s, u, models, progress, threads)
    prof = profile.build(scan)
    if reconcile:
        prof.reconciliation = rec.reconcile(scan)
        if prof.reconciliation.unknown_models:
            names = ", ".join(sorted(prof.reconciliation.unknown_models)[:5])
            prof.notes.append(f"not in llmecon's API price catalog (not priced): {names}")
    return prof


def apply_to_scenario(scenario: Scenario, prof: UsageProfile) -> tuple[Scenario, list[str]]:
    """A copy of ``scenario`` whose workload comes from ``prof``, and lines saying what was
    replaced. An export without request counts (Anthropic) keeps the scenario's tokens per
    request and derives requests per month from its token volume."""
    from llmecon.scenario import parse_scenario

    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_none=True)
    w = dict(data["workload"])
    new = prof.workload_section()
    lines = []
    if "requests_per_month" not in new:
        per_req = float(w["input_tokens"]) or 1.0
        req = prof.input_tokens_per_month / per_req
        new["requests_per_month"] = round(req)
        new["output_tokens"] = round(prof.output_tokens_per_month / req, 1) if req else 0.0
        new.pop("input_tokens", None)
        lines.append(
            "the export has no request counts: requests per month derived from its input "
            f"tokens at the scenario's {per_req:,.0f} input tokens per request"
        )
    if "hourly_weights" in new:
        w.pop("peak_to_average", None)
    for k, v in new.items():
        w[k] = v
    data["workload"] = w
    # the usage's spread replaces the scenario's for the fields the data determines
    unc = dict(data.get("uncertainty") or {})
    for k, v in prof.uncertainty_section().items():
        unc[k] = v
    if unc:
        data["uncertainty"] = unc
    out = parse_scenario(data, "usage profile")
    out._base_dir = scenario._base_dir
    out._user_catalog = scenario._user_catalog
    files = ", ".join(Path(f).name for f in prof.files)
    lines.insert(
        0,
        f"workload from usage files ({files}): {', '.join(sorted(new))}",
    )
    return out, lines
