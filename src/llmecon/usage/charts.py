"""The three traffic charts of a usage profile, as data, text, plotly figures and SVG.

* requests per hour of the week (168 hours, Monday 00:00 UTC first; each hour's mean volume
  per occurrence, over the mean hour);
* token lengths per request (input and output histograms on log-spaced bins, four per
  doubling; per-request logs only);
* monthly volume with the fitted growth.

``UsageProfile.chart_data`` is what ``--json`` carries; ``text_charts`` what the terminal shows;
``figures`` plain plotly figure dicts (``llmecon.report.charts.FigureSpec`` style) for the
HTML report, ``svgs`` the same charts for the Markdown report. Nothing here imports plotly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmecon.fmt import si

if TYPE_CHECKING:
    from llmecon.usage.profile import UsageProfile

FigureSpec = dict[str, Any]
_BARS = " ▁▂▃▄▅▆▇█"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _spark(values: list[float | None], top: float) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("·")
            continue
        i = 0 if top <= 0 else round(v / top * (len(_BARS) - 1))
        out.append(_BARS[max(0, min(i, len(_BARS) - 1))])
    return "".join(out)


def text_charts(p: UsageProfile, width: int = 40) -> list[str]:
    """The charts as text lines for the terminal."""
    lines: list[str] = []
    how = p.hour_of_week
    if how is not None:
        top = max((v for v in how if v is not None), default=0.0)
        lines.append(
            f"{p.shape_of.capitalize()} per hour of the week (UTC, 00-23 h; peak "
            f"{top:.2f}x the mean hour):"
        )
        for d in range(7):
            lines.append(f"  {DAYS[d]} {_spark(how[d * 24 : (d + 1) * 24], top)}")
    from llmecon.usage.profile import bin_edges

    for name, h in p.histograms.items():
        if not h:
            continue
        lines.append(f"{name.capitalize()} tokens per request:")
        most = max(h.values())
        bins = sorted(h)
        # merge adjacent bins into at most 12 rows, so that the chart stays short
        step = max(1, -(-len(range(bins[0], bins[-1] + 1)) // 12))
        for b0 in range(bins[0], bins[-1] + 1, step):
            n = sum(h.get(b, 0) for b in range(b0, b0 + step))
            lo, hi = bin_edges(b0)[0], bin_edges(b0 + step - 1)[1]
            bar = "█" * max(1 if n else 0, round(n / most * width / step)) if most else ""
            lines.append(f"  {si(lo):>6}-{si(hi):<6} {bar} {n:,}")
    if len(p.periods) >= 1:
        unit = "requests" if p.shape_of == "requests" else "tokens"
        lines.append(
            f"{unit.capitalize()} per month, by {p.period_kind}"
            + (" (· fitted growth)" if any(x.fitted for x in p.periods) else "")
            + ":"
        )
        top = max(max(x.rate, x.fitted or 0.0) for x in p.periods)
        for x in p.periods:
            n = round(x.rate / top * width) if top else 0
            bar = "█" * n
            if x.fitted:
                f = round(x.fitted / top * width)
                bar = bar.ljust(f) if f > n else bar
                if f > 0:
                    bar = bar[: f - 1] + "·" + bar[f:] if f <= len(bar) else bar
            lines.append(f"  {x.label:>18} {bar:<{width}} {si(x.rate)}")
    return lines


def _layout(title: str, xtitle: str, ytitle: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0.01},
        "height": 360,
        "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
        "font": {"family": "Helvetica, Arial, sans-serif", "size": 12},
        "xaxis": {"title": {"text": xtitle}},
        "yaxis": {"title": {"text": ytitle}},
        "legend": {"orientation": "h", "y": -0.2},
    }


def figures(p: UsageProfile) -> dict[str, FigureSpec]:
    """Chart id -> plotly figure as plain data."""
    from llmecon.usage.profile import bin_edges

    out: dict[str, FigureSpec] = {}
    if p.hour_of_week is not None:
        x = [f"{DAYS[i // 24]} {i % 24:02d}h" for i in range(168)]
        out["hour_of_week"] = {
            "data": [
                {
                    "type": "bar",
                    "x": x,
                    "y": p.hour_of_week,
                    "name": p.shape_of,
                    "marker": {"color": "#4C78A8"},
                }
            ],
            "layout": _layout(
                "Traffic by hour of the week (UTC)",
                "hour of the week",
                f"{p.shape_of} per hour / mean hour",
            ),
        }
    if p.histograms:
        data = []
        for name, color in (("input", "#4C78A8"), ("output", "#F58518")):
            h = p.histograms.get(name) or {}
            data.append(
                {
                    "type": "bar",
                    "x": [round(bin_edges(b)[0]) for b in sorted(h)],
                    "y": [h[b] for b in sorted(h)],
                    "name": f"{name} tokens",
                    "marker": {"color": color},
                    "opacity": 0.75,
                }
            )
        lay = _layout("Tokens per request", "tokens per request (bin start, log scale)", "requests")
        lay["xaxis"]["type"] = "log"
        lay["barmode"] = "overlay"
        out["token_histogram"] = {"data": data, "layout": lay}
    if p.periods:
        unit = "requests" if p.shape_of == "requests" else "tokens"
        data = [
            {
                "type": "bar",
                "x": [x.label for x in p.periods],
                "y": [x.rate for x in p.periods],
                "name": f"{unit} per month",
                "marker": {"color": "#54A24B"},
            }
        ]
        if any(x.fitted for x in p.periods):
            g = p.growth
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": [x.label for x in p.periods],
                    "y": [x.fitted for x in p.periods],
                    "name": f"fitted growth {g.monthly:+.1%}/month" if g else "fitted",
                    "line": {"color": "#333", "dash": "dash"},
                }
            )
        out["monthly"] = {
            "data": data,
            "layout": _layout(
                f"Monthly volume by {p.period_kind}", p.period_kind, f"{unit} per month"
            ),
        }
    return out


def svgs(p: UsageProfile) -> dict[str, str]:
    """Chart id -> SVG text (the Markdown report's charts)."""
    from llmecon.report import svg
    from llmecon.usage.profile import bin_edges

    out: dict[str, str] = {}
    if p.hour_of_week is not None:
        ys = [v if v is not None else float("nan") for v in p.hour_of_week]
        out["hour_of_week"] = svg.line_chart(
            "Traffic by hour of the week (UTC, Monday 00h = 0)",
            [svg.Series(p.shape_of, list(range(168)), ys, "#4C78A8")],
            "hour of the week",
            f"{p.shape_of} per hour / mean hour",
            lambda v: f"{v:.2g}",
        )
    if p.histograms:
        cats: list[int] = sorted({b for h in p.histograms.values() for b in h})
        out["token_histogram"] = svg.stacked_bars(
            "Tokens per request (bins of a quarter doubling)",
            [si(bin_edges(b)[0]) for b in cats],
            [
                (f"{n} tokens", [float(p.histograms.get(n, {}).get(b, 0)) for b in cats], c)
                for n, c in (("input", "#4C78A8"), ("output", "#F58518"))
                if n in p.histograms
            ],
            "requests",
            si,
        )
    if p.periods:
        xs = list(range(len(p.periods)))
        series = [svg.Series("volume per month", xs, [x.rate for x in p.periods], "#54A24B")]
        if any(x.fitted for x in p.periods):
            series.append(
                svg.Series(
                    "fitted growth", xs, [x.fitted or float("nan") for x in p.periods], "#333", True
                )
            )
        out["monthly"] = svg.line_chart(
            f"Monthly volume by {p.period_kind} (0 = {p.periods[0].label})",
            series,
            p.period_kind,
            "per month",
            si,
        )
    return out
