"""What each endpoint computes from a validated scenario: the same library calls as the CLI.

Every function returns a JSON-able value (the web layer encodes it once and caches the
bytes); NaN and infinities become ``null`` exactly as the CLI's ``--json`` writes them.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from llmecon.analysis._common import json_safe

if TYPE_CHECKING:
    from llmecon.engine.results import Evaluation
    from llmecon.scenario import Scenario

#: Slider keys of the page -> the scenario path each one sets (the API price trend and the
#: GPU price factor apply to several options, so they are handled by name).
WORKLOAD_SLIDERS = (
    "workload.requests_per_month",
    "workload.input_tokens",
    "workload.output_tokens",
    "workload.monthly_growth",
)
#: Option kinds whose token prices the API price trend slider moves.
API_KINDS = ("api", "hosted_open")


def dumps(data: Any) -> bytes:
    """Compact JSON bytes, NaN and infinities as null (the CLI's ``print_json`` rule)."""
    return json.dumps(json_safe(data), separators=(",", ":"), allow_nan=False).encode()


def evaluate_document(scenario: Scenario) -> dict[str, Any]:
    """Exactly the document of ``llmecon evaluate --format json``."""
    from llmecon.analysis.document import evaluation_document
    from llmecon.engine import evaluate

    return evaluation_document(evaluate(scenario))


def breakeven_dict(
    scenario: Scenario, between: tuple[str, str] | None, on: str | None
) -> dict[str, Any]:
    """``llmecon breakeven --json``."""
    from llmecon.analysis.breakeven import breakeven_report

    a, b = between if between else (None, None)
    return breakeven_report(scenario, a, b, on).to_dict()


def sensitivity_dict(scenario: Scenario) -> dict[str, Any]:
    """``llmecon sensitivity --json``."""
    from llmecon.analysis.sensitivity import sensitivity

    return sensitivity(scenario).to_dict()


def simulate_dict(scenario: Scenario, samples: int, seed: int) -> dict[str, Any]:
    """``llmecon simulate --samples N --seed S --json``."""
    from llmecon.analysis.uncertainty import simulate

    return simulate(scenario, samples, seed).to_dict()


#: Upload names: only a few letters of each extension are kept (the format detection reads
#: them); the name itself is never used as a path.
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def profile_uploads(
    files: list[tuple[str, bytes]],
    fmt: str,
    since: str | None,
    until: str | None,
    models: list[str] | None,
) -> bytes:
    """``llmecon profile FILE... --json`` on uploaded files: each is written to a private
    temporary folder under a name of llmecon's choosing (the upload's extensions kept), and
    the folder is deleted afterwards."""
    import tempfile
    from pathlib import Path

    from llmecon.errors import ScenarioError
    from llmecon.usage import profile_files

    with tempfile.TemporaryDirectory(prefix="llmecon-upload-") as folder:
        paths = []
        for i, (name, body) in enumerate(files):
            ext = "".join(s for s in Path(name).suffixes[-2:] if _SUFFIX.match(s)).lower()
            p = Path(folder) / f"upload{i}{ext}"
            p.write_bytes(body)
            paths.append(p)
        try:
            prof = profile_files(paths, fmt, None, since, until, models or None, threads=1)
        except ScenarioError as err:
            # the lines name the upload as the client did, never the server's folder
            lines = list(err.problems)
            for p, (name, _) in zip(paths, files, strict=True):
                lines = [line.replace(str(p), name) for line in lines]
            raise ScenarioError(lines) from None
        text = dumps(prof.to_dict()).decode()
        for p, (name, _) in zip(paths, files, strict=True):
            text = text.replace(str(p), json.dumps(name)[1:-1])
        return text.encode()


def report_html(scenario: Scenario, samples: int, seed: int) -> str:
    """``llmecon report -o report.html``: one self-contained HTML document."""
    from llmecon.report.render import collect, render_html

    return render_html(collect(scenario, samples, seed))


def sliders(scenario: Scenario) -> dict[str, Any]:
    """The base values the page's sliders start from: workload fields as given, the first
    API option's resolved price trend, and whether any option pays for GPUs."""
    from llmecon.analysis._common import base_inputs
    from llmecon.web.inputs import GPU_PRICE_FIELDS

    used = base_inputs(scenario).used
    w = scenario.workload
    trend = next(
        (
            used.get(f"options.{o.name}.price_change_per_year")
            for o in scenario.options
            if o.kind in API_KINDS
        ),
        None,
    )
    gpu = any(f"options.{o.name}.{f}" in used for o in scenario.options for f in GPU_PRICE_FIELDS)
    return {
        "workload.requests_per_month": float(w.requests_per_month),
        "workload.input_tokens": float(w.input_tokens),
        "workload.output_tokens": float(w.output_tokens),
        "workload.monthly_growth": float(w.monthly_growth),
        "api_price_change_per_year": trend,
        "gpu_price_factor": 1.0 if gpu else None,
    }


def validation(scenario: Scenario) -> dict[str, Any]:
    """A valid scenario's summary for the page: options and slider bases."""
    return {
        "valid": True,
        "errors": [],
        "name": scenario.name,
        "options": [{"name": o.name, "kind": o.kind} for o in scenario.options],
        "sliders": sliders(scenario),
    }


def headline(ev: Evaluation) -> str:
    """``name — 36 months, 2,000,000 requests/month (46B tokens/month)`` (as ``evaluate``)."""
    from llmecon.fmt import si

    w = ev.scenario.workload
    tokens = w.requests_per_month * (w.input_tokens + w.output_tokens)
    return (
        f"{ev.scenario.name} — {ev.months} months, {w.requests_per_month:,.0f} requests/month "
        f"({si(tokens)} tokens/month)"
    )


def _placeholder(title: str) -> dict[str, Any]:
    return {"data": [], "layout": {"title": {"text": title, "x": 0.01}, "height": 300}}


def view(scenario: Scenario) -> bytes:
    """Everything the page draws for one slider position, as JSON bytes: the evaluation
    document, a headline, the options x pillars table (the report's cells), the break-even
    lines, and the four plotly figures (cumulative, volume, pillars, tornado)."""
    from llmecon.analysis.document import evaluation_document
    from llmecon.analysis.sensitivity import sensitivity
    from llmecon.engine import evaluate
    from llmecon.errors import ScenarioError
    from llmecon.report import charts
    from llmecon.report.render import option_rows

    ev = evaluate(scenario)
    doc = evaluation_document(ev)
    sweep = charts.volume_sweep(ev)
    try:
        tornado = charts.tornado_figure(ev, charts.tornado_data(ev, sensitivity(scenario, ev=ev)))
    except ScenarioError as err:
        tornado = _placeholder(f"Sensitivity not available: {err.problems[0]}")
    head, rows = option_rows(ev)
    extra = {
        "headline": headline(ev),
        "table": {"head": head, "rows": rows},
        "breakevens": [be.explain() for be in sweep.breakevens if be.crossings],
    }
    figures = {
        "cumulative": charts.cumulative_figure(ev),
        "volume": charts.volume_figure(ev, sweep),
        "pillars": charts.pillars_figure(ev),
        "tornado": tornado,
    }
    # figure_json writes numpy arrays as plotly.js typed arrays; spliced in, not re-encoded
    parts = ",".join(f'"{k}":{charts.figure_json(f)}' for k, f in figures.items())
    body = dumps({"document": doc, **extra})
    return body[:-1] + b',"figures":{' + parts.encode() + b"}}"
