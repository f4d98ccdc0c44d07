"""A workload profile from scanned usage: volume, tokens, cache share, traffic shape, growth,
latency and failures, with the ``workload:`` and ``uncertainty:`` sections of a scenario.

``build(scan)`` turns a ``read.Scan`` (aggregates by hour, model and project) into a
``UsageProfile``. Definitions (all times UTC):

* covered span: first to last hour with a request, inclusive (per-request logs), or first
  bucket start to last bucket end (bucketed exports) [hours];
* requests per month = requests / (covered hours / 730.5), 730.5 h = 365.25 d x 24 / 12;
* tokens per request: mean = total tokens / requests; p50/p90/p99 from the rows (per-request
  logs; exact up to ``read.EXACT_QUANTILE_ROWS`` rows, from 2.2 %-wide bins above); bucketed
  exports give means only;
* cached input share = cached input tokens / input tokens;
* shape: each hour of the week's mean volume per occurrence in the covered span, over the
  mean hourly volume; 24 hourly and 7 weekday weights (Monday first) are the same over hours
  of the day and days of the week, scaled to a mean of 1; peak to average is the busiest
  hour of the week over the mean hour. Volume is requests, or tokens where the export has no
  request counts (Anthropic). Hourly weights need hourly rows (per-request logs or buckets of
  at most an hour) and a covered day; weekday weights daily rows and a covered week;
* growth: least squares of ln(monthly rate) on the month index over calendar months covered
  for at least 7 days, ``exp(slope) - 1`` per month, with the slope's standard error
  (three months or more) and a 95 % interval ``exp(slope +- 1.96 se) - 1``;
* uncertainty: the spread over calendar months (two or more covered for at least 7 days),
  else over weeks: triangular(low = smallest, mode = whole-span value, high = largest) for
  requests per month, tokens per request and cached share; normal(growth, se) for growth.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from llmecon.usage.read import BINS_PER_OCTAVE, Scan

#: Hours in a mean month (365.25 d x 24 h / 12). [h]
HOURS_PER_MONTH = 730.5
#: A calendar month (or week) counts for growth and spread when covered this long. [h]
MIN_PERIOD_HOURS = 7 * 24
_Z95 = 1.959963984540054
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


@dataclass
class Stats:
    """Mean and percentiles of a per-request quantity (None where unknown)."""

    mean: float | None
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None


@dataclass
class Group:
    """Volume of one model or project."""

    name: str
    requests: float | None
    requests_per_month: float | None
    input_tokens_mean: float | None
    output_tokens_mean: float | None
    input_tokens: float
    output_tokens: float
    share: float


@dataclass
class Period:
    """One calendar month (or week) of the covered span."""

    label: str
    start: int  # Unix seconds
    covered_hours: float
    requests: float | None
    input_tokens: float
    cached_tokens: float
    output_tokens: float
    #: volume per mean month at this period's pace [requests/month or tokens/month]
    rate: float
    fitted: float | None = None


@dataclass
class Growth:
    """Fitted compound monthly growth [-/month] and its uncertainty."""

    monthly: float
    se: float | None
    low: float | None
    high: float | None
    months: int


@dataclass
class UsageProfile:
    """The workload the usage files show (see the module docstring for each definition)."""

    format: str
    format_label: str
    files: list[str]
    rows_read: int
    rows_used: int
    malformed: dict[str, int]
    first_lines: dict[str, list[str]]
    filtered: int
    naive_rows: int
    offsets: list[str]
    start: str
    end: str
    covered_hours: float
    per_request: bool
    bucket_seconds: float | None
    requests: float | None
    requests_per_month: float | None
    input_tokens_per_month: float
    output_tokens_per_month: float
    input_tokens: Stats
    output_tokens: Stats
    cached_input_share: float
    batch_share: float | None
    models: list[Group]
    projects: list[Group]
    hour_of_week: list[float | None] | None
    hourly_weights: list[float] | None
    weekday_weights: list[float] | None
    peak_to_average: float | None
    shape_of: str
    periods: list[Period]
    period_kind: str
    growth: Growth | None
    ttft_s: Stats | None
    latency_s: Stats | None
    failure_share: float | None
    spend_usd: float | None
    histograms: dict[str, dict[int, int]]
    exact_quantiles: bool
    notes: list[str] = field(default_factory=list)
    reconciliation: Any = None
    seconds: float = 0.0

    # ------------------------------------------------------------------ sections

    def workload_section(self) -> dict[str, Any]:
        """The scenario's ``workload:`` fields the data determines (rounded for reading)."""
        w: dict[str, Any] = {}
        if self.requests_per_month is not None:
            w["requests_per_month"] = round(self.requests_per_month)
        if self.input_tokens.mean is not None:
            w["input_tokens"] = round(self.input_tokens.mean, 1)
        if self.output_tokens.mean is not None:
            w["output_tokens"] = round(self.output_tokens.mean, 1)
        w["cached_input_share"] = round(self.cached_input_share, 4)
        if self.growth is not None:
            w["monthly_growth"] = round(max(-0.5, min(2.0, self.growth.monthly)), 4)
        if self.peak_to_average is not None:
            w["peak_to_average"] = round(max(1.0, min(23.99, self.peak_to_average)), 3)
        if self.hourly_weights is not None:
            w["hourly_weights"] = [round(x, 4) for x in self.hourly_weights]
        if self.weekday_weights is not None:
            w["weekday_weights"] = [round(x, 4) for x in self.weekday_weights]
        if self.batch_share is not None:
            w["batch_share"] = round(self.batch_share, 4)
        return w

    def uncertainty_section(self) -> dict[str, dict[str, Any]]:
        """``uncertainty:`` distributions from the data's spread over periods."""
        out: dict[str, dict[str, Any]] = {}
        ps = self.periods
        if len(ps) >= 2:
            if self.requests_per_month is not None and all(p.requests is not None for p in ps):
                _tri(
                    out,
                    "workload.requests_per_month",
                    [p.rate for p in ps],
                    self.requests_per_month,
                    0,
                )
            reqs = [p.requests for p in ps]
            if all(r for r in reqs) and self.input_tokens.mean is not None:
                _tri(
                    out,
                    "workload.input_tokens",
                    [p.input_tokens / (p.requests or 1) for p in ps],
                    self.input_tokens.mean,
                    1,
                )
            if all(r for r in reqs) and self.output_tokens.mean is not None:
                _tri(
                    out,
                    "workload.output_tokens",
                    [p.output_tokens / (p.requests or 1) for p in ps],
                    self.output_tokens.mean,
                    1,
                )
            shares = [p.cached_tokens / p.input_tokens for p in ps if p.input_tokens > 0]
            if len(shares) == len(ps):
                _tri(out, "workload.cached_input_share", shares, self.cached_input_share, 4)
        g = self.growth
        if g is not None and g.se is not None and g.se > 0:
            out["workload.monthly_growth"] = {
                "dist": "normal",
                "mean": round(g.monthly, 4),
                # delta method: d(e^b - 1)/db = e^b = 1 + growth
                "sd": max(round((1.0 + g.monthly) * g.se, 4), 0.0001),
            }
        return out

    def yaml_text(self) -> str:
        """``workload:`` and ``uncertainty:`` as YAML, with comments saying where they came
        from; ready to paste into a scenario."""
        head = [
            f"# From {len(self.files)} {self.format_label} file(s): {self.rows_used:,} rows "
            f"used, {self.start} to {self.end} (UTC).",
        ]
        if self.requests_per_month is None:
            head.append(
                "# The export has no request counts: add requests_per_month, input_tokens and "
                "output_tokens (tokens per month: "
                f"{self.input_tokens_per_month:,.0f} input, {self.output_tokens_per_month:,.0f} output)."
            )
        body = "workload:\n" + "".join(
            f"  {k}: {_yaml_value(v)}\n" for k, v in self.workload_section().items()
        )
        unc = self.uncertainty_section()
        if unc:
            body += (
                "# spread of the data over "
                + ("calendar months" if self.period_kind == "month" else "weeks")
                + "\n"
            )
            body += "uncertainty:\n" + "".join(f"  {k}: {_yaml_value(v)}\n" for k, v in unc.items())
        return "\n".join(head) + "\n" + body

    def malformed_line(self) -> str | None:
        """``12 malformed rows skipped: 7 bad timestamp (a.csv line 3, ...), ...``."""
        if not self.malformed:
            return None
        n = sum(self.malformed.values())
        bits = []
        for kind, k in sorted(self.malformed.items(), key=lambda kv: (-kv[1], kv[0])):
            where = self.first_lines.get(kind, [])
            bits.append(
                f"{k:,} {kind}"
                + (f" ({', '.join(where)}{', ...' if k > len(where) else ''})" if where else "")
            )
        return f"{n:,} malformed row{'s' if n != 1 else ''} skipped: " + "; ".join(bits)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` (the charts' series included)."""
        d = asdict(self)
        d["reconciliation"] = None if self.reconciliation is None else self.reconciliation.to_dict()
        d["histograms"] = {k: {str(b): n for b, n in v.items()} for k, v in self.histograms.items()}
        d["workload"] = self.workload_section()
        d["uncertainty"] = self.uncertainty_section()
        d["malformed_line"] = self.malformed_line()
        d["charts"] = self.chart_data()
        return d

    def chart_data(self) -> dict[str, Any]:
        """The series behind the three charts (``llmecon.usage.charts`` draws them)."""
        hist = {
            name: [
                {"low": bin_edges(b)[0], "high": bin_edges(b)[1], "requests": n}
                for b, n in sorted(h.items())
            ]
            for name, h in self.histograms.items()
        }
        return {
            "hour_of_week": {
                "unit": f"{self.shape_of} per hour over the mean hour",
                "values": self.hour_of_week,
            },
            "token_histogram": hist,
            "monthly": {
                "unit": ("requests" if self.shape_of == "requests" else "tokens") + " per month",
                "periods": [
                    {"period": x.label, "rate": x.rate, "fitted": x.fitted} for x in self.periods
                ],
                "kind": self.period_kind,
            },
        }


def _yaml_value(v: Any) -> str:
    """One YAML flow value: numbers as written, lists and mappings on one line."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_yaml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_yaml_value(x) for x in v) + "]"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return f"{v:.1f}"
    return str(v)


def _tri(
    out: dict[str, dict[str, Any]], path: str, values: list[float], mode: float, digits: int
) -> None:
    lo, hi = min(values), max(values)
    if not hi > lo:
        return

    def r(x: float) -> float:
        return round(x) if digits == 0 else round(x, digits)

    low, high = r(lo), r(hi)
    if not high > low:
        return
    out[path] = {
        "dist": "triangular",
        "low": low,
        "mode": min(max(r(mode), low), high),
        "high": high,
    }


# --------------------------------------------------------------------------- build


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _cell(hour_epoch: int) -> int:
    """Hour of the week, Monday 00:00 UTC = 0."""
    days = hour_epoch // 86400
    return ((days + _EPOCH_WEEKDAY) % 7) * 24 + (hour_epoch % 86400) // 3600


def _occurrences(first_hour: int, hours: int) -> list[int]:
    """How often each hour of the week occurs in ``hours`` hours from ``first_hour``."""
    full, rest = divmod(hours, 168)
    occ = [full] * 168
    c0 = _cell(first_hour)
    for i in range(rest):
        occ[(c0 + i) % 168] += 1
    return occ


def _month_start(t: int) -> int:
    d = dt.datetime.fromtimestamp(t, dt.UTC)
    return int(dt.datetime(d.year, d.month, 1, tzinfo=dt.UTC).timestamp())


def _next_month(t: int) -> int:
    d = dt.datetime.fromtimestamp(t, dt.UTC)
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return int(dt.datetime(y, m, 1, tzinfo=dt.UTC).timestamp())


def _week_start(t: int) -> int:
    day = t // 86400
    return (day - (day + _EPOCH_WEEKDAY) % 7) * 86400


def _stats(mean: float | None, q: list[float | None] | None) -> Stats:
    q = q or [None, None, None]
    return Stats(mean, q[0], q[1], q[2])


def build(scan: Scan, notes: Iterable[str] = ()) -> UsageProfile:
    """The profile of a scan; raises ``UsageError`` when no usable row is left."""
    from llmecon.usage.errors import UsageError

    g = scan.groups
    files = ", ".join(scan.files)
    if not g:
        bits = []
        if scan.malformed:
            bits.append(f"{sum(scan.malformed.values()):,} malformed")
        if scan.filtered:
            bits.append(f"{scan.filtered:,} outside --since/--until/--model")
        why = f" ({', '.join(bits)} of {scan.rows_read:,} rows)" if bits else ""
        fix = (
            "widen --since/--until or check --model"
            if scan.filtered
            else "check the columns, or name them with --map"
        )
        raise UsageError([f"{files}: no usable rows{why}; {fix}"])
    fmt = scan.fmt
    has_requests = all(x[6] is not None for x in g)
    width = max((float(x[20]) for x in g if x[20] is not None), default=None)
    hours = [int(x[0]) for x in g]
    h0 = min(hours)
    if fmt.per_request or width is None:
        end = max(hours) + 3600
        width = None if fmt.per_request else width
    else:
        end = int(max(float(x[19]) for x in g if x[19] is not None))
    covered = max((end - h0) / 3600.0, 1.0)
    months = covered / HOURS_PER_MONTH
    req = sum(float(x[6]) for x in g) if has_requests else None
    inp = sum(float(x[7]) for x in g)
    cached = sum(float(x[8]) for x in g)
    out_ = sum(float(x[10]) for x in g)
    rows_used = sum(int(x[5]) for x in g)
    spend_rows = sum(int(x[12]) for x in g)
    spend = sum(float(x[11]) for x in g if x[11] is not None) if spend_rows else None
    status_rows = sum(int(x[14]) for x in g)
    failure = sum(float(x[13]) for x in g) / status_rows if status_rows else None
    batch_known = [x for x in g if x[4] is not None]
    batch_share = None
    if batch_known:
        w = 6 if has_requests else 7
        tot = sum(float(x[w]) for x in g)
        batch_share = sum(float(x[w]) for x in g if x[4]) / tot if tot else None

    def lat(si: int, ci: int, key: str) -> Stats | None:
        n = sum(int(x[ci]) for x in g)
        if not n:
            return None
        return _stats(
            sum(float(x[si]) for x in g if x[si] is not None) / n, scan.quantiles.get(key)
        )

    q = scan.quantiles
    in_stats = _stats(inp / req if req else None, q.get("input") if fmt.per_request else None)
    out_stats = _stats(out_ / req if req else None, q.get("output") if fmt.per_request else None)

    def groups(idx: int) -> list[Group]:
        acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for x in g:
            if x[idx] is None:
                continue
            a = acc[str(x[idx])]
            a[0] += float(x[6] or 0.0)
            a[1] += float(x[7])
            a[2] += float(x[10])
        total = (req if has_requests else inp + out_) or 1.0
        res = []
        for name, (r, i, o) in acc.items():
            rq = r if has_requests else None
            res.append(
                Group(
                    name,
                    rq,
                    rq / months if rq is not None else None,
                    i / r if has_requests and r else None,
                    o / r if has_requests and r else None,
                    i,
                    o,
                    (r if has_requests else i + o) / total,
                )
            )
        return sorted(res, key=lambda x: (-x.share, x.name))

    vol_idx = 6 if has_requests else None
    shape_of = "requests" if has_requests else "tokens"

    def volume(x: tuple[Any, ...]) -> float:
        return float(x[vol_idx]) if vol_idx is not None else float(x[7]) + float(x[10])

    # shape
    hour_of_week = hourly = weekday = None
    peak = None
    total_hours = round(covered)
    all_vol = sum(volume(x) for x in g)
    mean_hour = all_vol / total_hours if total_hours else 0.0
    extra: list[str] = []
    hourly_rows = width is None or width <= 3600
    daily_rows = width is None or width <= 86400
    if hourly_rows and mean_hour > 0:
        occ = _occurrences(h0, total_hours)
        cells = [0.0] * 168
        for x in g:
            cells[_cell(int(x[0]))] += volume(x)
        hour_of_week = [cells[i] / occ[i] / mean_hour if occ[i] else None for i in range(168)]
        if total_hours >= 24:
            hv = [sum(cells[d * 24 + h] for d in range(7)) for h in range(24)]
            ho = [sum(occ[d * 24 + h] for d in range(7)) for h in range(24)]
            hourly = [hv[h] / ho[h] / mean_hour for h in range(24)]
        else:
            extra.append("hourly weights need a covered day of logs")
        if total_hours >= 168:
            dv = [sum(cells[d * 24 : d * 24 + 24]) for d in range(7)]
            do = [sum(occ[d * 24 : d * 24 + 24]) for d in range(7)]
            # per-hour mean of each weekday over the overall per-hour mean
            weekday = [dv[d] / do[d] / mean_hour for d in range(7)]
            peak = max(v for v in hour_of_week if v is not None)
        else:
            extra.append("weekday weights and the hour-of-week peak need a covered week of logs")
            if hourly is not None:
                peak = max(hourly)
    elif daily_rows and mean_hour > 0:
        extra.append(
            f"the export's buckets are {(width or 0.0) / 3600:g} h wide: no hourly shape (export 1h "
            "buckets for it)"
        )
        days = round(covered / 24)
        if days >= 7:
            dv = [0.0] * 7
            for x in g:
                dv[_cell(int(x[0])) // 24] += volume(x)
            do = [0] * 7
            d0 = _cell(h0) // 24
            full, rest = divmod(days, 7)
            do = [full] * 7
            for i in range(rest):
                do[(d0 + i) % 7] += 1
            mean_day = all_vol / days
            weekday = [dv[d] / do[d] / mean_day for d in range(7)]
    # periods: calendar months, else weeks
    periods, kind = _periods(g, h0, end, volume, has_requests, "month")
    if len(periods) < 2:
        periods, kind = _periods(g, h0, end, volume, has_requests, "week")
    growth = _growth(g, h0, end, volume, has_requests)
    if growth is not None and kind == "month":
        base = periods[0].start
        for p in periods:
            i = _month_index(base, p.start)
            p.fitted = growth[1] * math.exp(growth[2] * i)
    grow = growth[0] if growth is not None else None
    if grow is None:
        extra.append("growth needs two calendar months covered for at least 7 days each")
    # notes
    note = list(notes)
    note += list(fmt.notes)
    if not fmt.per_request:
        note.append("bucketed export: tokens per request are means only (no percentiles)")
    elif not scan.exact_quantiles:
        note.append("percentiles over 1M rows come from log-spaced histograms: within 2.2 %")
    if scan.naive_rows:
        note.append(f"{scan.naive_rows:,} timestamps had no time zone: taken as UTC")
    if len(scan.offsets) > 1:
        note.append(
            f"timestamps carried {len(scan.offsets)} UTC offsets ({', '.join(scan.offsets)}): "
            "all converted to UTC"
        )
    note.append("hours and weekdays are in UTC")
    note += extra
    if scan.filtered:
        note.append(f"{scan.filtered:,} rows outside --since/--until/--model left out")
    return UsageProfile(
        format=fmt.name,
        format_label=fmt.label,
        files=scan.files,
        rows_read=scan.rows_read,
        rows_used=rows_used,
        malformed=dict(scan.malformed),
        first_lines=dict(scan.first_lines),
        filtered=scan.filtered,
        naive_rows=scan.naive_rows,
        offsets=list(scan.offsets),
        start=_iso(h0),
        end=_iso(end),
        covered_hours=covered,
        per_request=fmt.per_request,
        bucket_seconds=width,
        requests=req,
        requests_per_month=req / months if req is not None else None,
        input_tokens_per_month=inp / months,
        output_tokens_per_month=out_ / months,
        input_tokens=in_stats,
        output_tokens=out_stats,
        cached_input_share=cached / inp if inp > 0 else 0.0,
        batch_share=batch_share,
        models=groups(1),
        projects=groups(2),
        hour_of_week=hour_of_week,
        hourly_weights=hourly,
        weekday_weights=weekday,
        peak_to_average=peak,
        shape_of=shape_of,
        periods=periods,
        period_kind=kind,
        growth=grow,
        ttft_s=lat(15, 16, "ttft_s"),
        latency_s=lat(17, 18, "latency_s"),
        failure_share=failure,
        spend_usd=spend,
        histograms=dict(scan.histograms),
        exact_quantiles=scan.exact_quantiles,
        notes=note,
        seconds=scan.seconds,
    )


def _month_index(base: int, t: int) -> int:
    a = dt.datetime.fromtimestamp(base, dt.UTC)
    b = dt.datetime.fromtimestamp(t, dt.UTC)
    return (b.year - a.year) * 12 + b.month - a.month


def _periods(
    g: list[tuple[Any, ...]], h0: int, end: int, volume: Any, has_requests: bool, kind: str
) -> tuple[list[Period], str]:
    start_of = _month_start if kind == "month" else _week_start
    acc: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for x in g:
        a = acc[start_of(int(x[0]))]
        a[0] += float(x[6] or 0.0)
        a[1] += float(x[7])
        a[2] += float(x[8])
        a[3] += float(x[10])
        a[4] += volume(x)
    out = []
    for s in sorted(acc):
        e = _next_month(s) if kind == "month" else s + 7 * 86400
        cov = (min(e, end) - max(s, h0)) / 3600.0
        if cov < MIN_PERIOD_HOURS * (1 if kind == "month" else 6 / 7):
            continue
        r, i, c, o, v = acc[s]
        label = (
            dt.datetime.fromtimestamp(s, dt.UTC).strftime("%Y-%m")
            if kind == "month"
            else "week of " + dt.datetime.fromtimestamp(s, dt.UTC).strftime("%Y-%m-%d")
        )
        out.append(
            Period(label, s, cov, r if has_requests else None, i, c, o, v / cov * HOURS_PER_MONTH)
        )
    return out, kind


def _growth(
    g: list[tuple[Any, ...]], h0: int, end: int, volume: Any, has_requests: bool
) -> tuple[Growth, float, float] | None:
    """(growth, fitted rate at month index 0, ln slope) from the calendar months."""
    ps, _ = _periods(g, h0, end, volume, has_requests, "month")
    if len(ps) < 2:
        return None
    xs = [float(_month_index(ps[0].start, p.start)) for p in ps]
    ys = [math.log(p.rate) for p in ps if p.rate > 0]
    if len(ys) != len(xs):
        return None
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    se = None
    if n >= 3:
        ssr = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
        se = math.sqrt(ssr / (n - 2) / sxx)
    low = math.expm1(b - _Z95 * se) if se is not None else None
    high = math.expm1(b + _Z95 * se) if se is not None else None
    return Growth(math.expm1(b), se, low, high, n), math.exp(a), b


def bin_edges(b: int) -> tuple[float, float]:
    """Token range [low, high) of histogram bin ``b`` (``read.BINS_PER_OCTAVE`` per doubling)."""
    return 2 ** (b / BINS_PER_OCTAVE) - 1, 2 ** ((b + 1) / BINS_PER_OCTAVE) - 1


def month_days(t: int) -> int:
    d = dt.datetime.fromtimestamp(t, dt.UTC)
    return calendar.monthrange(d.year, d.month)[1]
