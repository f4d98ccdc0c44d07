"""Decision documents: one self-contained HTML file (plotly charts, JavaScript inline, no
network), Markdown with SVG charts in a folder beside it, or JSON.

``collect(scenario)`` runs the evaluation and every analysis once (volume sweep and
break-even, sensitivity, Monte Carlo when the scenario has an ``uncertainty:`` section,
overrides); ``render_html``, ``render_markdown`` and ``report_json`` lay the same context out.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

from llmecon import __version__, fmt
from llmecon.analysis._common import fmt_value
from llmecon.analysis.breakeven import breakeven_report
from llmecon.analysis.close_call import Decider, deciders
from llmecon.analysis.search import search
from llmecon.analysis.sensitivity import sensitivity
from llmecon.engine import evaluate
from llmecon.engine.evaluate import has_auto
from llmecon.engine.results import clean as _clean
from llmecon.engine.search import Config, SearchResult
from llmecon.report import charts, svg
from llmecon.report.overrides import Override, overrides_applied

if TYPE_CHECKING:
    from llmecon.analysis.breakeven import BreakEvenReport
    from llmecon.analysis.sensitivity import Sensitivity
    from llmecon.engine.results import Evaluation
    from llmecon.scenario import Scenario

#: Sections of every document, in order: (anchor id, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("recommendation", "Recommendation"),
    ("options", "Options by pillar"),
    ("cumulative", "Cumulative cost over time"),
    ("volume", "Cost against monthly volume"),
    ("pillars", "Where the money goes"),
    ("sensitivity", "What moves the answer"),
    ("uncertainty", "Uncertainty"),
    ("questions", "The framework's questions"),
    ("assumptions", "Assumptions and data sources"),
    ("overrides", "Overrides applied"),
)
#: Sections shown only when their data is there: the fleet search (a scenario with an
#: ``auto`` field) and the usage profile (``report --usage``).
OPTIONAL_SECTIONS: tuple[tuple[str, str], ...] = (
    ("configurations", "Cheapest configurations"),
    ("traffic", "Your traffic"),
)
TITLES = dict(SECTIONS) | dict(OPTIONAL_SECTIONS)
#: Chart files of the Markdown report, by section.
CHART_FILES = {
    "cumulative": "cumulative.svg",
    "volume": "volume.svg",
    "pillars": "pillars.svg",
    "sensitivity": "tornado.svg",
    "uncertainty": "distributions.svg",
}


@dataclass
class ReportContext:
    """Everything a document shows, computed once."""

    ev: Evaluation
    sweep: charts.VolumeSweep
    breakeven: BreakEvenReport | None
    sensitivity: Sensitivity | None
    tornado: charts.TornadoData | None
    mc: charts.MonteCarlo | None
    overrides: list[Override]
    seconds: float
    #: the inputs that decide a close call, with their flip values (empty otherwise)
    deciders: list[Decider] = field(default_factory=list)
    #: the usage profile the workload came from (``report --usage``), or None
    usage: Any = None
    #: the fleet search, when an option leaves a configuration field to it (``auto``)
    search: SearchResult | None = None


def collect(
    scenario: Scenario, samples: int = charts.MC_SAMPLES, seed: int = charts.MC_SEED
) -> ReportContext:
    """Evaluate ``scenario`` and run every analysis the report shows."""

    t0 = time.perf_counter()
    ev = evaluate(scenario)
    sweep = charts.volume_sweep(ev)
    ranking = ev.recommendation.ranking
    be = breakeven_report(scenario, ranking[0], ranking[1]) if len(ranking) >= 2 else None
    sens = sensitivity(scenario, ev=ev) if len(scenario.options) >= 1 else None
    tor = charts.tornado_data(ev, sens) if sens is not None else None
    mc = charts.monte_carlo(scenario, samples, seed)
    ov = overrides_applied(scenario)
    close = deciders(ev)
    found = search(scenario, top=10) if has_auto(scenario) else None
    return ReportContext(
        ev, sweep, be, sens, tor, mc, ov, time.perf_counter() - t0, close, search=found
    )


# --------------------------------------------------------------------------- shared text


def _m(x: Any) -> float:
    return float(np.mean(np.asarray(x, dtype=float)))


money = fmt.money  # ``$1,234`` from $100, ``$12.34`` below, ``−$1,234``; ``-`` for none


def highlights(ctx: ReportContext) -> list[str]:
    """One-line findings of the analyses, for the top of the document."""
    out = [f"a close call, decided by {d.line()}" for d in ctx.deciders]
    if ctx.breakeven is not None:
        out += [r.explain() for r in ctx.breakeven.results[:1]]
        if ctx.breakeven.crossover is not None:
            out.append(ctx.breakeven.crossover.explain())
    if ctx.sensitivity is not None and ctx.sensitivity.difference is not None:
        out.append(ctx.sensitivity.explain())
    if ctx.mc is not None:
        out.append(ctx.mc.simulation.explain())
    return out


def _volume_lines(ctx: ReportContext) -> list[str]:
    """Break-even findings: the top two options (NPV, total, run rate, crossover month), then
    the recommended option against every other option where they cross in the chart's range."""
    out = [x.explain() for x in ctx.breakeven.results] if ctx.breakeven else []
    if ctx.breakeven is not None and ctx.breakeven.crossover is not None:
        out.append(ctx.breakeven.crossover.explain())
    pair = ctx.sweep.pair
    for be in ctx.sweep.breakevens:
        if be.crossings and (pair is None or (be.option_a, be.option_b) != pair):
            out.append(be.explain())
    return out


def option_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the options x pillars table (text cells)."""
    quality = any(o.per_successful_task_usd is not None for o in ev.options)
    head = [
        "option",
        "kind",
        "development",
        "deployment",
        "sustainability",
        "total",
        "NPV",
        "per 1k requests",
        "per 1M tokens",
        *(["per successful task"] if quality else []),
        "feasible",
    ]
    rows = []
    for o in ev.options:
        pt = {p: _m(np.asarray(v).sum(axis=-1)) for p, v in o.pillars.items()}
        feas = "yes" if o.feasible else "no: " + "; ".join(o.infeasible_reasons)
        if o.warnings:
            feas += " (warning: " + "; ".join(o.warnings) + ")"
        rows.append(
            [
                o.name,
                o.kind,
                money(pt["development"]),
                money(pt["deployment"]),
                money(pt["sustainability"]),
                money(_m(o.total_usd)),
                money(_m(o.npv_usd)),
                money(_m(o.per_1k_requests_usd)),
                money(_m(o.per_1m_tokens_usd)),
                *(
                    [
                        "-"
                        if o.per_successful_task_usd is None
                        else fmt.money_sig(_m(o.per_successful_task_usd), 4)
                    ]
                    if quality
                    else []
                ),
                feas,
            ]
        )
    return head, rows


_AS_OF = (re.compile(r"as of ([^()]+?)\)*$"), re.compile(r"\((\d{4}-\d{2}(?:-\d{2})?)\)$"))


def as_of(line: str) -> str:
    """The as-of date(s) a source line states, or ''."""
    for rx in _AS_OF:
        m = rx.search(line.strip())
        if m:
            return m.group(1).strip()
    return ""


def sources_used(ev: Evaluation) -> list[tuple[str, str, list[str]]]:
    """(catalog row, as of, options using it), in first-use order."""
    seen: dict[str, list[str]] = {}
    for o in ev.options:
        for line in o.sources:
            seen.setdefault(line, []).append(o.name)
    return [(line, as_of(line), names) for line, names in seen.items()]


def assumptions_used(ev: Evaluation) -> tuple[list[str], dict[str, list[str]]]:
    """Assumption lines shared by options or scenario-wide, and per option (deduplicated)."""
    shared: list[str] = list(ev.assumptions)
    per: dict[str, list[str]] = {}
    for o in ev.options:
        for line in o.assumptions:
            if line.startswith("options.") or o.name in line:
                per.setdefault(o.name, []).append(line)
            elif line not in shared:
                shared.append(line)
    return shared, per


def mc_rows(ctx: ReportContext) -> list[list[str]]:
    assert ctx.mc is not None
    return [
        [
            o.name,
            money(o.npv_usd.p10),
            money(o.npv_usd.p50),
            money(o.npv_usd.p90),
            f"{o.p_feasible:.0%}",
            f"{o.p_cheapest:.1%}",
        ]
        for o in ctx.mc.simulation.options
    ]


MC_HEAD = ["option", "NPV P10", "NPV P50", "NPV P90", "P(feasible)", "P(cheapest)"]
_NO_DISTRIBUTION = "No option is feasible in any sample, so there is no NPV distribution to draw."


def _subtitle(ev: Evaluation) -> str:
    s = ev.scenario
    w = s.workload
    return (
        f"{s.horizon_months} months · {w.requests_per_month:,.0f} requests/month in month 1 "
        f"({w.monthly_growth:+.1%}/month) · {w.input_tokens:,.0f} input + {w.output_tokens:,.0f} "
        f"output tokens per request · discount rate {s.discount_rate_annual:.0%}/year"
    )


_KEY_ORDER = ("low", "mode", "high", "mean", "sd", "median", "sigma", "values", "weights")


def _uncertain_params(ctx: ReportContext) -> list[str]:
    """One line per sampled parameter: path, distribution and its parameters."""

    if ctx.mc is None:
        return []
    out = []
    for path, p in ctx.mc.simulation.parameters.items():
        bits = []
        for k in sorted((k for k in p if k != "dist"), key=lambda k: (*_KEY_ORDER, k).index(k)):
            v = p[k]
            if k == "weights":
                txt = "[" + ", ".join(f"{w:.2g}" for w in v) + "]"
            elif k == "sigma":
                txt = f"{v:.3g}"
            elif isinstance(v, list):
                txt = "[" + ", ".join(fmt_value(path, float(x)) for x in v) + "]"
            else:
                txt = fmt_value(path, float(v))
            bits.append(f"{k} {txt}")
        out.append(f"{path}: {p['dist']} ({', '.join(bits)})")
    return out


# --------------------------------------------------------------------------- HTML


def _h(x: Any) -> str:
    return escape(str(x))


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    th = "".join(f"<th>{_h(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _ul(items: list[str], cls: str = "") -> str:
    if not items:
        return ""
    return f'<ul class="{cls}">' + "".join(f"<li>{_h(i)}</li>" for i in items) + "</ul>"


def _fig_html(fig: charts.FigureSpec, div_id: str) -> str:
    """A chart: its div and the script that draws it (as plotly's ``to_html`` writes it)."""
    height = int(fig["layout"].get("height", 440))
    config = '{"displaylogo": false, "responsive": true}'
    return (
        f'<div class="chart"><div id="{div_id}" class="plotly-graph-div" '
        f'style="height:{height}px; width:100%;"></div>'
        f'<script type="text/javascript">(function () {{ const f = {charts.figure_json(fig)}; '
        f'Plotly.newPlot("{div_id}", f.data, f.layout, {config}); }})();</script></div>'
    )


def _plotly_js() -> tuple[str, str]:
    """plotly.js from plotly's package data, and plotly's version (plotly is not imported)."""
    path = charts.plotly_package_data("plotly.min.js")
    assert path is not None
    return path.read_text(encoding="utf-8"), version("plotly")


def _section(sid: str, body: str) -> str:
    return f'<section id="{sid}">\n<h2>{_h(TITLES[sid])}</h2>\n{body}\n</section>'


def render_html(ctx: ReportContext) -> str:
    """The report as one self-contained HTML document (plotly.js inline)."""
    plotlyjs, plotly_version = _plotly_js()
    ev = ctx.ev
    r = ev.recommendation
    s = ev.scenario
    parts = []
    # recommendation
    head = (
        f'<p class="verdict">Recommendation: <strong>{_h(r.option)}</strong></p>'
        if r.option
        else '<p class="verdict bad">No feasible option</p>'
    )
    ranked = f"<p>Ranked by {_h(r.ranked_by.replace('_', ' '))}: {_h(' › '.join(r.ranking))}</p>"
    parts.append(
        _section(
            "recommendation",
            head
            + "<h3>Why</h3>"
            + _ul(r.reasons)
            + ranked
            + ("<h3>At a glance</h3>" + _ul(highlights(ctx)) if highlights(ctx) else ""),
        )
    )
    h, rows = option_rows(ev)
    parts.append(
        _section(
            "options",
            f"<p>Totals over {ev.months} months (USD); NPV at {s.discount_rate_annual:.0%}/year "
            "with monthly discounting.</p>" + _table(h, rows, "opts"),
        )
    )
    parts.append(
        _section(
            "cumulative",
            "<p>Undiscounted cumulative spend by the end of each month. Up-front development "
            "shows as the starting height; the slope is the run rate.</p>"
            + _fig_html(charts.cumulative_figure(ev), "chart-cumulative"),
        )
    )
    sw = ctx.sweep
    parts.append(
        _section(
            "volume",
            f"<p>NPV of each option as first-month volume varies from {fmt.si(sw.x[0])} "
            f"to {fmt.si(sw.x[-1])} requests/month (one vectorised evaluation of "
            f"{sw.x.size} volumes, log scales); diamonds mark where the recommended option "
            "costs the same as another option.</p>"
            + _fig_html(charts.volume_figure(ev, sw), "chart-volume")
            + _ul(_volume_lines(ctx)),
        )
    )
    parts.append(
        _section(
            "pillars",
            "<p>Development (build, data, training), deployment &amp; scaling (tokens or "
            "GPU-hours) and sustainability &amp; maintenance (operations, migrations, "
            "observability) over the horizon.</p>"
            + _fig_html(charts.pillars_figure(ev), "chart-pillars"),
        )
    )
    if ctx.tornado is not None and ctx.sensitivity is not None:
        sens = ctx.sensitivity
        body = (
            f"<p>Each input swung one at a time over its range from the uncertainty section, or "
            f"±{sens.default_swing:.0%} where none is given; bars show the output at the low "
            "and the high value.</p>"
            + _fig_html(charts.tornado_figure(ev, ctx.tornado), "chart-tornado")
            + _ul([sens.explain()])
        )
    else:
        body = "<p>No parameter to swing.</p>"
    parts.append(_section("sensitivity", body))
    if ctx.mc is not None:
        sim = ctx.mc.simulation
        body = (
            f"<p>Monte Carlo over the scenario's uncertainty section: {sim.samples:,} samples, "
            f"seed {sim.seed}.</p>"
            + _ul(_uncertain_params(ctx), "mono")
            + (
                _fig_html(charts.distributions_figure(ev, ctx.mc), "chart-distributions")
                if ctx.mc.feasible.any()
                else f"<p>{_NO_DISTRIBUTION}</p>"
            )
            + _table(MC_HEAD, mc_rows(ctx), "num")
            + _ul([sim.explain(), *[f"note: {n}" for n in sim.notes]])
        )
    else:
        body = (
            "<p>The scenario has no <code>uncertainty:</code> section, so no Monte Carlo was "
            "run. Add distributions for the inputs you are unsure of, e.g. "
            "<code>workload.requests_per_month: {dist: triangular, low: …, mode: …, high: …}"
            "</code>.</p>"
        )
    parts.append(_section("uncertainty", body))
    q = "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in r.questions.items())
    parts.append(_section("questions", f"<dl>{q}</dl>"))
    shared, per = assumptions_used(ev)
    src = [[line, d or "-", ", ".join(names)] for line, d, names in sources_used(ev)]
    body = (
        "<h3>Catalog rows used</h3>"
        + (_table(["source", "as of", "used by"], src, "src") if src else "<p>None.</p>")
        + "<h3>Defaults filled in (shared)</h3>"
        + (_ul(shared, "small") or "<p>None.</p>")
        + "".join(
            f"<h3>Defaults filled in: {_h(name)}</h3>" + _ul(lines, "small")
            for name, lines in per.items()
        )
    )
    parts.append(_section("assumptions", body))
    if ctx.overrides:
        ov_rows = [
            [o.path, _val(o.value), o.replaced or "-", o.replaced_source] for o in ctx.overrides
        ]
        body = (
            "<p>Numbers set in the scenario that replace a catalog value or an llmecon "
            "default.</p>"
            + _table(
                ["parameter", "your value", "replaces", "replaced value's source"], ov_rows, "src"
            )
        )
    else:
        body = (
            "<p>None: every number not described in the workload comes from the catalogs or a "
            "default listed above.</p>"
        )
    parts.append(_section("overrides", body))
    parts[2:2] = _configurations_html(ctx) + _traffic(ctx, "html")[0]
    shown = re.findall(r'<section id="([a-z]+)">', "\n".join(parts))
    tmpl = Template(
        resources.files("llmecon.report").joinpath("templates", "report.html").read_text("utf-8")
    )
    return tmpl.substitute(
        title=_h(f"{s.name} — llmecon report"),
        name=_h(s.name),
        description=_h(s.description or ""),
        subtitle=_h(_subtitle(ev)),
        toc="".join(f'<li><a href="#{i}">{_h(TITLES[i])}</a></li>' for i in shown),
        plotlyjs=plotlyjs,
        body="\n".join(parts),
        footer=_h(
            f"Generated by llmecon {__version__} (plotly {plotly_version}) in "
            f"{ctx.seconds:.1f} s. Every catalog row carries its source and date; every default "
            "is listed with the field that overrides it."
        ),
    )


def _val(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {x}" for k, x in v.items())
    return f"{v:,.6g}" if isinstance(v, float) else str(v)


def _traffic(
    ctx: ReportContext, kind: str, files_dir: str = ""
) -> tuple[list[str], dict[str, str]]:
    """The "Your traffic" section (``report --usage``): HTML (one part) or Markdown blocks
    and chart files; nothing without a usage profile."""
    if ctx.usage is None:
        return [], {}
    from llmecon.usage import report as usage_report

    if kind == "html":
        body = usage_report.html_section(ctx.usage, _fig_html)
        return [f'<section id="traffic">\n<h2>Your traffic</h2>\n{body}\n</section>'], {}
    return usage_report.markdown_section(ctx.usage, files_dir)


# --------------------------------------------------------------------------- Markdown


def _md(x: Any) -> str:
    """Free text (names, descriptions, reasons, catalog rows) made inert in Markdown: ``&``,
    ``<`` and ``>`` as entities, so that no raw HTML reaches the renderer; line breaks
    folded, so that the text stays inside its block."""
    return (
        str(x)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _md_code(x: Any) -> str:
    """``x`` as an inline code span (fenced with more backticks than it contains)."""
    s = str(x).replace("\r", " ").replace("\n", " ")
    runs = [len(m) for m in re.findall(r"`+", s)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _md_cell(x: str) -> str:
    return _md(x).replace("|", "\\|")


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _md_list(items: list[str], raw: bool = False) -> str:
    """A bullet list; items are free text (escaped) unless ``raw`` (already Markdown)."""
    return "\n".join(f"- {i if raw else _md(i)}" for i in items)


def svg_charts(ctx: ReportContext) -> dict[str, str]:
    """Section id -> SVG text of its chart (same data as the HTML charts)."""

    ev = ctx.ev
    c = charts.colors(ev)
    out: dict[str, str] = {}
    months = list(range(1, ev.months + 1))
    cum = charts.cumulative_series(ev)
    out["cumulative"] = svg.line_chart(
        f"Cumulative cost over {ev.months} months (undiscounted)",
        [
            svg.Series(
                o.name if o.feasible else f"{o.name} (infeasible)",
                months,
                list(cum[o.name]),
                c[o.name],
                not o.feasible,
            )
            for o in ev.options
        ],
        "month",
        "cumulative cost [USD]",
        fmt.money_compact,
    )
    sw = ctx.sweep
    volume_lines = []
    for n, y in sw.npv.items():  # solid where the option is feasible, dashed where it is not
        y_ok, y_bad = charts.feasible_stretches(y, sw.feasible_at[n])
        for part, feasible in ((y_ok, True), (y_bad, False)):
            if np.isfinite(part).any():
                label = n if feasible else f"{n} (infeasible)"
                volume_lines.append(svg.Series(label, list(sw.x), list(part), c[n], not feasible))
    out["volume"] = svg.line_chart(
        f"NPV over {sw.months} months against monthly volume",
        volume_lines,
        "requests in month 1 [requests/month]",
        "NPV [USD]",
        fmt.money_compact,
        fmt.si,
        log_x=True,
        log_y=True,
        markers=[(x, y, f"{fmt.si(x)}/month") for x, y, _, _ in sw.crossings],
        vline=(sw.base, "scenario"),
    )
    pt = charts.pillar_totals(ev)
    out["pillars"] = svg.stacked_bars(
        f"Cost by pillar over {ev.months} months",
        [o.name for o in ev.options],
        [(p, [pt[o.name][p] for o in ev.options], charts.PILLAR_COLORS[p]) for p in charts.PILLARS],
        "total over the horizon [USD]",
        fmt.money_compact,
    )
    if ctx.tornado is not None:
        t = ctx.tornado
        out["sensitivity"] = svg.tornado(
            t.title, t.labels, t.base, t.at_low, t.at_high, f"{t.output} [USD]", fmt.money_compact
        )
    if ctx.mc is not None and ctx.mc.feasible.any():  # nothing to draw when none is feasible
        m = ctx.mc
        keep = [i for i in range(len(m.names)) if m.feasible[i].any()]
        stats = []
        for i in keep:
            q = np.percentile(m.npv[i][m.feasible[i]], [5, 25, 50, 75, 95])
            stats.append((float(q[0]), float(q[1]), float(q[2]), float(q[3]), float(q[4])))
        sim = m.simulation
        out["uncertainty"] = svg.box_plot(
            f"NPV distribution, {sim.samples:,} samples (box P25–P75, whiskers P5–P95)",
            [f"{m.names[i]} ({sim.option(m.names[i]).p_cheapest:.0%} cheapest)" for i in keep],
            stats,
            [c.get(m.names[i], "#333") for i in keep],
            "NPV [USD]",
            fmt.money_compact,
        )
    return out


def render_markdown(ctx: ReportContext, files_dir: str) -> tuple[str, dict[str, str]]:
    """The Markdown text and its chart files (relative path -> SVG text).

    ``files_dir`` is the folder name beside the Markdown file that the images live in.
    """
    ev = ctx.ev
    r = ev.recommendation
    s = ev.scenario
    images = {sid: f"{files_dir}/{name}" for sid, name in CHART_FILES.items()}
    svgs = svg_charts(ctx)
    files = {images[sid]: text for sid, text in svgs.items()}

    def img(sid: str) -> str:
        # percent-encoded, so that a space or parenthesis in the file name keeps the link
        return f"![{TITLES[sid]}]({quote(images[sid])})" if sid in svgs else ""

    # blocks, separated by blank lines (a single newline would make a block after a list or
    # paragraph a lazy continuation of it)
    md: list[str] = [f"# {_md(s.name)}"]
    if s.description:
        md.append(_md(s.description))
    md.append(f"*{_md(_subtitle(ev))}*")

    def sec(sid: str, *blocks: str) -> None:
        md.extend([f"## {TITLES[sid]}", *[b for b in blocks if b]])

    verdict = f"**Recommendation: {_md(r.option)}**" if r.option else "**No feasible option**"
    sec(
        "recommendation",
        verdict,
        "### Why",
        _md_list(r.reasons),
        _md(f"Ranked by {r.ranked_by.replace('_', ' ')}: {' › '.join(r.ranking)}"),
        "### At a glance" if highlights(ctx) else "",
        _md_list(highlights(ctx)),
    )
    h, rows = option_rows(ev)
    sec(
        "options",
        f"Totals over {ev.months} months (USD); NPV at {s.discount_rate_annual:.0%}/year.",
        _md_table(h, rows),
    )
    if ctx.search is not None:
        h, rows = configuration_rows(ctx.search)
        files[f"{files_dir}/pareto.svg"] = _pareto_svg(ctx.search)
        sec(
            "configurations",
            _md(_search_line(ctx.search)),
            _md_table(h, rows),
            f"![Pareto front]({quote(files_dir + '/pareto.svg')})",
            _md_list(_infeasible_lines(ctx.search)),
        )
    traffic, traffic_files = _traffic(ctx, "md", files_dir)
    if traffic:
        md.extend(["## Your traffic", *traffic])
        files.update(traffic_files)
    sec("cumulative", img("cumulative"))
    sec("volume", img("volume"), _md_list(_volume_lines(ctx)))
    sec("pillars", img("pillars"))
    if ctx.sensitivity is not None and ctx.tornado is not None:
        sec("sensitivity", img("sensitivity"), _md_list([ctx.sensitivity.explain()]))
    else:
        sec("sensitivity", "No parameter to swing.")
    if ctx.mc is not None:
        sim = ctx.mc.simulation
        sec(
            "uncertainty",
            f"Monte Carlo: {sim.samples:,} samples, seed {sim.seed}.",
            _md_list([_md_code(p) for p in _uncertain_params(ctx)], raw=True),
            img("uncertainty") or _NO_DISTRIBUTION,
            _md_table(MC_HEAD, mc_rows(ctx)),
            _md_list([sim.explain(), *[f"note: {n}" for n in sim.notes]]),
        )
    else:
        sec("uncertainty", "The scenario has no `uncertainty:` section; no Monte Carlo was run.")
    sec(
        "questions",
        _md_list([f"**{_md(k)}**: {_md(v)}" for k, v in r.questions.items()], raw=True),
    )
    shared, per = assumptions_used(ev)
    src = [[line, d or "-", ", ".join(names)] for line, d, names in sources_used(ev)]
    blocks = [
        "### Catalog rows used",
        _md_table(["source", "as of", "used by"], src) if src else "None.",
        "### Defaults filled in (shared)",
        _md_list(shared) or "None.",
    ]
    for name, lines in per.items():
        blocks += [f"### Defaults filled in: {_md(name)}", _md_list(lines)]
    sec("assumptions", *blocks)
    if ctx.overrides:
        sec(
            "overrides",
            _md_table(
                ["parameter", "your value", "replaces", "replaced value's source"],
                [
                    [o.path, _val(o.value), o.replaced or "-", o.replaced_source]
                    for o in ctx.overrides
                ],
            ),
        )
    else:
        sec(
            "overrides",
            "None: every number not described in the workload comes from the catalogs or a "
            "default listed above.",
        )
    return "\n\n".join(b for b in md if b.strip()) + "\n", files


# --------------------------------------------------------------------------- JSON


def report_json(ctx: ReportContext) -> dict[str, Any]:
    """The evaluation's JSON plus ``breakeven``, ``sensitivity``, ``simulate``, ``overrides``."""

    data = ctx.ev.to_dict()
    data["breakeven"] = None if ctx.breakeven is None else _clean(ctx.breakeven.to_dict())
    data["sensitivity"] = None if ctx.sensitivity is None else _clean(ctx.sensitivity.to_dict())
    data["simulate"] = None if ctx.mc is None else _clean(ctx.mc.simulation.to_dict())
    data["overrides"] = _clean([o.to_dict() for o in ctx.overrides])
    if ctx.usage is not None:
        data["usage"] = _clean(ctx.usage.to_dict())
    return dict(data)


def write_report(
    scenario: Scenario,
    out: Path,
    fmt: str = "html",
    samples: int = charts.MC_SAMPLES,
    seed: int = charts.MC_SEED,
    usage: Any = None,
) -> list[Path]:
    """Write the report for ``scenario`` to ``out``; returns the files written. ``usage``
    (a ``UsageProfile``) adds the "Your traffic" section."""
    import json

    ctx = collect(scenario, samples, seed)
    ctx.usage = usage
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        out.write_text(render_html(ctx), encoding="utf-8")
        return [out]
    if fmt == "json":
        out.write_text(json.dumps(report_json(ctx), indent=2, allow_nan=False) + "\n", "utf-8")
        return [out]
    if fmt != "md":
        raise ValueError(f"unknown report format {fmt!r}")
    files_dir = f"{out.stem}_files"
    text, files = render_markdown(ctx, files_dir)
    (out.parent / files_dir).mkdir(exist_ok=True)
    written = [out]
    for rel, body in files.items():
        p = out.parent / rel
        p.write_text(body, encoding="utf-8")
        written.append(p)
    out.write_text(text, encoding="utf-8")
    return written


# --------------------------------------------------------------------------- fleet search


def _search_line(found: SearchResult) -> str:
    return (
        f"An option leaves its configuration to the fleet search: {found.searched:,} "
        f"configurations (GPU, GPUs per replica, precision, engine, pricing) priced in "
        f"{found.seconds:.2f} s, {found.feasible:,} feasible, ranked by {found.objective}; the "
        "scenario's API and hosted options on the same scale. Each row is a scenario option "
        "that evaluates to the NPV shown (`llmecon search` prints it)."
    )


def configuration_rows(found: SearchResult) -> tuple[list[str], list[list[str]]]:
    """The search's best configurations and the API/hosted options, by the objective."""
    head = [
        "option",
        "GPU",
        "GPUs",
        "precision",
        "engine",
        "pricing",
        "NPV",
        "per 1M tok",
        "TTFT ms",
    ]
    rows = []
    for x in found.ranked():
        if isinstance(x, Config):
            rows.append(
                [
                    x.model,
                    x.gpu,
                    str(x.gpus_per_replica),
                    x.precision,
                    x.engine,
                    x.pricing,
                    fmt.money(x.npv_usd),
                    fmt.money(x.per_1m_tokens_usd),
                    f"{x.ttft_ms:,.0f}",
                ]
            )
        else:
            name = f"{x.name} ({x.kind})" + ("" if x.feasible else " (infeasible)")
            rows.append([name, "-", "-", "-", "-", "per token", fmt.money(x.npv_usd)])
            rows[-1] += [fmt.money(x.per_1m_tokens_usd), "-"]
    return head, rows


def _infeasible_lines(found: SearchResult) -> list[str]:
    return [f"{n:,} not feasible: {reason}" for reason, n in found.infeasible_by_reason.items()][:6]


def _configurations_html(ctx: ReportContext) -> list[str]:
    found = ctx.search
    if found is None:
        return []
    h, rows = configuration_rows(found)
    objective = "NPV per success" if found.objective != "npv" else "NPV"
    body = (
        f"<p>{_h(_search_line(found))}</p>"
        + _table(h, rows, "opts")
        + _fig_html(charts.pareto_figure(found, objective), "chart-pareto")
        + _ul(_infeasible_lines(found), "small")
    )
    return [_section("configurations", body)]


def _pareto_svg(found: SearchResult) -> str:
    """The Pareto front (cheapest at each p95 TTFT) as a line, for the Markdown report."""
    front = charts.pareto_front(found.frontier)
    return svg.line_chart(
        "Cost against latency: the Pareto front",
        [svg.Series("Pareto front", [p[1] for p in front], [p[0] for p in front], "#E45756")],
        "TTFT at p95 [ms]",
        "objective [USD]",
        charts.short_usd,
        log_x=True,
    )
