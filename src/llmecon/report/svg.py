"""A small pure-Python SVG writer for the Markdown report's charts: line charts (linear or
log x), stacked bars, tornado bars and box plots. No dependencies, no fonts to fetch: text
uses the reader's sans-serif font.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

W, H = 820, 440
ML, MR, MT, MB = 80, 24, 48, 96  # margins: left, right, top, bottom [px]
FONT = 'font-family="Helvetica, Arial, sans-serif"'


@dataclass
class Series:
    """One line: its name, x and y values, color and dash (True for infeasible)."""

    name: str
    x: Sequence[float]
    y: Sequence[float]
    color: str
    dashed: bool = False


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 0.5:
        ticks.append(round(v, 10))
        v += step
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks per decade inside [lo, hi] (decades only when the span is wide)."""
    out = []
    steps = (1.0,) if hi / lo > 1e4 else (1.0, 2.0, 5.0)
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in steps:
            v = m * 10.0**e
            if lo <= v <= hi:
                out.append(v)
    return out


def _text(
    x: float,
    y: float,
    s: str,
    size: int = 12,
    anchor: str = "middle",
    weight: str = "normal",
    rotate: float | None = None,
    fill: str = "#222",
) -> str:
    rot = f' transform="rotate({rotate:.0f} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}" {FONT}{rot}>{escape(s)}</text>'
    )


def _doc(body: list[str], title: str, height: int = H) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
        f'viewBox="0 0 {W} {height}" role="img">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{W}" height="{height}" fill="white"/>'
    )
    size = 15 if len(title) <= 80 else 13
    return "\n".join([head, _text(16, 28, title, size, "start", "bold"), *body, "</svg>\n"])


def _legend(items: Sequence[tuple[str, str, bool]], y: float) -> list[str]:
    """Legend entries (name, color, dashed) in rows below the plot."""
    out, x = [], float(ML)
    for name, color, dashed in items:
        width = 34 + 7 * len(name)
        if x + width > W - MR:
            x, y = float(ML), y + 18
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        out.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 22:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{color}" stroke-width="3"{dash}/>'
        )
        out.append(_text(x + 27, y, name, 11, "start"))
        x += width
    return out


class _Axes:
    """Linear or log scales from data ranges to the plot box."""

    def __init__(
        self,
        xlo: float,
        xhi: float,
        ylo: float,
        yhi: float,
        log_x: bool,
        height: int = H,
        log_y: bool = False,
    ) -> None:
        self.log_x, self.log_y = log_x, log_y
        self.xlo, self.xhi, self.ylo, self.yhi = xlo, xhi, ylo, yhi
        self.x0, self.x1 = ML, W - MR
        self.y0, self.y1 = height - MB, MT

    def fx(self, x: float) -> float:
        if self.log_x:
            t = (math.log10(x) - math.log10(self.xlo)) / (
                math.log10(self.xhi) - math.log10(self.xlo)
            )
        else:
            t = (x - self.xlo) / ((self.xhi - self.xlo) or 1.0)
        return self.x0 + t * (self.x1 - self.x0)

    def fy(self, y: float) -> float:
        if self.log_y:
            lo, hi = math.log10(self.ylo), math.log10(self.yhi)
            t = (math.log10(max(y, self.ylo)) - lo) / ((hi - lo) or 1.0)
        else:
            t = (y - self.ylo) / ((self.yhi - self.ylo) or 1.0)
        return self.y0 + t * (self.y1 - self.y0)

    def frame(
        self,
        xticks: Sequence[float],
        yticks: Sequence[float],
        xfmt: Callable[[float], str],
        yfmt: Callable[[float], str],
        xlabel: str,
        ylabel: str,
    ) -> list[str]:
        out = []
        for t in yticks:
            y = self.fy(t)
            out.append(
                f'<line x1="{self.x0}" y1="{y:.1f}" x2="{self.x1}" y2="{y:.1f}" stroke="#e5e5e5"/>'
            )
            out.append(_text(self.x0 - 6, y + 4, yfmt(t), 11, "end"))
        for t in xticks:
            x = self.fx(t)
            out.append(
                f'<line x1="{x:.1f}" y1="{self.y0}" x2="{x:.1f}" y2="{self.y0 + 5}" stroke="#555"/>'
            )
            out.append(_text(x, self.y0 + 18, xfmt(t), 11))
        out.append(
            f'<line x1="{self.x0}" y1="{self.y0}" x2="{self.x1}" y2="{self.y0}" stroke="#555"/>'
        )
        out.append(
            f'<line x1="{self.x0}" y1="{self.y0}" x2="{self.x0}" y2="{self.y1}" stroke="#555"/>'
        )
        out.append(_text((self.x0 + self.x1) / 2, self.y0 + 36, xlabel, 12))
        out.append(_text(16, (self.y0 + self.y1) / 2, ylabel, 12, rotate=-90))
        return out


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if math.isfinite(float(v))]


def line_chart(
    title: str,
    series: Sequence[Series],
    xlabel: str,
    ylabel: str,
    yfmt: Callable[[float], str],
    xfmt: Callable[[float], str] = lambda v: f"{v:g}",
    log_x: bool = False,
    log_y: bool = False,
    markers: Sequence[tuple[float, float, str]] = (),
    vline: tuple[float, str] | None = None,
) -> str:
    """Lines, optional diamond markers (x, y, label) and one dashed vertical line."""
    xs = [v for s in series for v in _finite(s.x)] or [0.0, 1.0]
    ys = [v for s in series for v in _finite(s.y)] + [m[1] for m in markers] or [0.0, 1.0]
    if log_y:
        pos = [y for y in ys if y > 0] or [1.0, 10.0]
        ylo = 10.0 ** math.floor(math.log10(min(pos)))
        yhi = 10.0 ** math.ceil(math.log10(max(pos)))
        yt = log_ticks(ylo, yhi)
        ax = _Axes(min(xs), max(xs), ylo, yhi, log_x, log_y=True)
    else:
        yt = nice_ticks(min(0.0, min(ys)), max(ys))
        ax = _Axes(min(xs), max(xs), yt[0], yt[-1], log_x)
    xt = log_ticks(ax.xlo, ax.xhi) if log_x else nice_ticks(ax.xlo, ax.xhi)
    xt = [t for t in xt if ax.xlo <= t <= ax.xhi]
    body = ax.frame(xt, yt, xfmt, yfmt, xlabel, ylabel)
    for s in series:
        # a non-finite value breaks the line (a gap), rather than joining its neighbours
        runs: list[list[str]] = [[]]
        for x, y in zip(s.x, s.y, strict=True):
            if math.isfinite(float(y)) and math.isfinite(float(x)):
                runs[-1].append(f"{ax.fx(float(x)):.1f},{ax.fy(float(y)):.1f}")
            elif runs[-1]:
                runs.append([])
        dash = ' stroke-dasharray="6,4"' if s.dashed else ""
        for pts in runs:
            if not pts:
                continue
            body.append(
                f'<polyline points="{" ".join(pts)}" fill="none" stroke="{s.color}" '
                f'stroke-width="2.5"{dash}><title>{escape(s.name)}</title></polyline>'
            )
    if vline is not None and ax.xlo <= vline[0] <= ax.xhi:
        x = ax.fx(vline[0])
        body.append(
            f'<line x1="{x:.1f}" y1="{ax.y0}" x2="{x:.1f}" y2="{ax.y1}" stroke="#888" '
            'stroke-dasharray="4,4"/>'
        )
        body.append(_text(x + 4, ax.y1 + 12, vline[1], 11, "start", fill="#555"))
    for mx, my, label in markers:
        x, y = ax.fx(mx), ax.fy(my)
        body.append(
            f'<polygon points="{x:.1f},{y - 7:.1f} {x + 7:.1f},{y:.1f} {x:.1f},{y + 7:.1f} '
            f'{x - 7:.1f},{y:.1f}" fill="black"/>'
        )
        body.append(_text(x, y - 11, label, 11, weight="bold"))
    body += _legend([(s.name, s.color, s.dashed) for s in series], H - MB + 58)
    return _doc(body, title)


def stacked_bars(
    title: str,
    categories: Sequence[str],
    stacks: Sequence[tuple[str, Sequence[float], str]],
    ylabel: str,
    yfmt: Callable[[float], str],
) -> str:
    """One bar per category, stacked by (name, values, color)."""
    totals = [sum(max(0.0, s[1][i]) for s in stacks) for i in range(len(categories))]
    yt = nice_ticks(0.0, 1.08 * max(totals or [1.0]) or 1.0)
    ax = _Axes(0.0, float(len(categories)), yt[0], yt[-1], False)
    body = ax.frame([], yt, str, yfmt, "", ylabel)
    slot = (ax.x1 - ax.x0) / max(len(categories), 1)
    bw = slot * 0.6
    for i, cat in enumerate(categories):
        x = ax.x0 + slot * i + (slot - bw) / 2
        acc = 0.0
        for name, values, color in stacks:
            v = max(0.0, float(values[i]))
            y_top, y_bot = ax.fy(acc + v), ax.fy(acc)
            body.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bw:.1f}" height="{y_bot - y_top:.1f}" '
                f'fill="{color}"><title>{escape(cat)} {escape(name)}: {yfmt(v)}</title></rect>'
            )
            acc += v
        body.append(_text(x + bw / 2, ax.fy(acc) - 5, yfmt(acc), 11))
        body.append(_text(x + bw / 2, ax.y0 + 16, cat, 11))
    body += _legend([(n, c, False) for n, _, c in stacks], H - MB + 58)
    return _doc(body, title)


def tornado(
    title: str,
    labels: Sequence[str],
    base: float,
    at_low: Sequence[float],
    at_high: Sequence[float],
    xlabel: str,
    xfmt: Callable[[float], str],
) -> str:
    """Horizontal bars from ``base`` to the output at each parameter's low and high value."""
    rows = len(labels)
    step = 36
    height = MT + 40 + step * rows + 70
    label_w = 360
    vals = [base, *at_low, *at_high]
    xt = nice_ticks(min(vals), max(vals))
    x0, x1 = label_w, W - MR
    lo, hi = xt[0], xt[-1]

    def fx(v: float) -> float:
        return x0 + (v - lo) / ((hi - lo) or 1.0) * (x1 - x0)

    top, bottom = MT + 10, MT + 10 + step * rows
    body = []
    for t in xt:
        x = fx(t)
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e5e5e5"/>')
        body.append(_text(x, bottom + 16, xfmt(t), 11))
    for i, label in enumerate(labels):
        y = top + step * i + 8
        for v, color in ((at_low[i], "#4C78A8"), (at_high[i], "#E45756")):
            a, b = sorted((fx(base), fx(v)))
            body.append(
                f'<rect x="{a:.1f}" y="{y:.1f}" width="{max(b - a, 1):.1f}" height="20" '
                f'fill="{color}" fill-opacity="0.85"><title>{escape(label)}: {xfmt(v)}</title></rect>'
            )
        name, _, rng = label.partition(" (")
        name = name if len(name) <= 58 else "…" + name[-57:]
        body.append(_text(x0 - 6, y + 8, name, 11, "end"))
        if rng:
            body.append(_text(x0 - 6, y + 21, "(" + rng, 10, "end", fill="#666"))
    xb = fx(base)
    body.append(f'<line x1="{xb:.1f}" y1="{top - 4}" x2="{xb:.1f}" y2="{bottom}" stroke="#333"/>')
    body.append(_text((x0 + x1) / 2, bottom + 34, xlabel, 12))
    body += _legend(
        [("parameter at low", "#4C78A8", False), ("parameter at high", "#E45756", False)],
        bottom + 56,
    )
    return _doc(body, title, height)


def box_plot(
    title: str,
    names: Sequence[str],
    stats: Sequence[tuple[float, float, float, float, float]],
    colors: Sequence[str],
    xlabel: str,
    xfmt: Callable[[float], str],
) -> str:
    """Horizontal boxes: whiskers P5..P95, box P25..P75, line at the median."""
    rows = len(names)
    height = MT + 40 + 40 * rows + 50
    label_w = 240
    vals = [v for s in stats for v in s] or [0.0, 1.0]
    xt = nice_ticks(min(vals), max(vals))
    x0, x1 = label_w, W - MR
    lo, hi = xt[0], xt[-1]

    def fx(v: float) -> float:
        return x0 + (v - lo) / ((hi - lo) or 1.0) * (x1 - x0)

    top, bottom = MT + 10, MT + 10 + 40 * rows
    body = []
    for t in xt:
        x = fx(t)
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e5e5e5"/>')
        body.append(_text(x, bottom + 16, xfmt(t), 11))
    for i, (name, (p5, p25, p50, p75, p95), color) in enumerate(
        zip(names, stats, colors, strict=True)
    ):
        yc = top + 40 * i + 20
        body.append(
            f'<line x1="{fx(p5):.1f}" y1="{yc:.1f}" x2="{fx(p95):.1f}" y2="{yc:.1f}" stroke="{color}" stroke-width="2"/>'
        )
        for v in (p5, p95):
            body.append(
                f'<line x1="{fx(v):.1f}" y1="{yc - 7:.1f}" x2="{fx(v):.1f}" y2="{yc + 7:.1f}" stroke="{color}" stroke-width="2"/>'
            )
        body.append(
            f'<rect x="{fx(p25):.1f}" y="{yc - 12:.1f}" width="{max(fx(p75) - fx(p25), 1):.1f}" height="24" '
            f'fill="{color}" fill-opacity="0.35" stroke="{color}" stroke-width="2"/>'
        )
        body.append(
            f'<line x1="{fx(p50):.1f}" y1="{yc - 12:.1f}" x2="{fx(p50):.1f}" y2="{yc + 12:.1f}" stroke="#111" stroke-width="2"/>'
        )
        body.append(_text(x0 - 8, yc + 4, name, 11, "end"))
    body.append(_text((x0 + x1) / 2, bottom + 34, xlabel, 12))
    return _doc(body, title, height)
