"""Reconcile the bill: price the logged tokens with llmecon's API prices and compare them with
the spend the logs record, per model and calendar month (UTC).

Priced cost of a month and model [USD]::

    (uncached input x input price + cached input x cached price + cache writes x cache-write
     price + output x output price) / 1e6

with uncached = input - cached - cache writes (at least 0), the catalog's prices
(``llmecon.catalog.api_prices.api_price``) active on the first day of the month, the
cached-input and cache-write prices falling back to the input price where the catalog has
none, and batch prices for rows the export marks as batch. Long-context tiers are not applied
(the logs are summed per hour, not per request). A model the catalog does not know is listed
with its requests, never priced and never fatal.

The difference (priced - logged) checks llmecon's prices against the user's invoice: a gap
shows negotiated discounts, price changes the snapshot lacks, or tokens the logs miss.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from llmecon.usage.read import Scan


@dataclass
class Line:
    """One model in one month."""

    month: str
    model: str
    priced_as: str | None
    requests: float | None
    logged_usd: float | None
    priced_usd: float | None

    @property
    def difference_usd(self) -> float | None:
        if self.logged_usd is None or self.priced_usd is None:
            return None
        return self.priced_usd - self.logged_usd


@dataclass
class Reconciliation:
    """Logged spend against llmecon's prices, per model and month."""

    lines: list[Line]
    #: model -> requests (or rows) that no catalog price matched
    unknown_models: dict[str, float] = field(default_factory=dict)
    source: str = ""

    def totals(self) -> tuple[float | None, float | None]:
        """(logged, priced) over the lines where both are known [USD]."""
        both = [x for x in self.lines if x.logged_usd is not None and x.priced_usd is not None]
        if not both:
            return None, None
        return sum(x.logged_usd or 0.0 for x in both), sum(x.priced_usd or 0.0 for x in both)

    def by_model(self) -> list[Line]:
        """The lines summed over months, one per model."""
        acc: dict[str, Line] = {}
        for x in self.lines:
            a = acc.get(x.model)
            if a is None:
                acc[x.model] = Line(
                    "all", x.model, x.priced_as, x.requests, x.logged_usd, x.priced_usd
                )
                continue
            a.requests = _add(a.requests, x.requests)
            a.logged_usd = _add(a.logged_usd, x.logged_usd)
            a.priced_usd = _add(a.priced_usd, x.priced_usd)
        return list(acc.values())

    def explain(self) -> str:
        logged, priced = self.totals()
        if logged is None or priced is None:
            return "the logs record no spend to compare with llmecon's prices"
        from llmecon.fmt import money

        diff = priced - logged
        pct = f" ({diff / logged:+.1%})" if logged else ""
        return (
            f"llmecon's API prices give {money(priced)} for the logged tokens; the logs "
            f"record {money(logged)}: a difference of {money(diff)}{pct}"
        )

    def to_dict(self) -> dict[str, Any]:
        def line(x: Line) -> dict[str, Any]:
            return {**asdict(x), "difference_usd": x.difference_usd}

        logged, priced = self.totals()
        return {
            "lines": [line(x) for x in self.lines],
            "by_model": [line(x) for x in self.by_model()],
            "logged_usd": logged,
            "priced_usd": priced,
            "difference_usd": None if logged is None or priced is None else priced - logged,
            "unknown_models": self.unknown_models,
            "source": self.source,
            "explain": self.explain(),
        }


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def split_model(model: str, provider: str | None) -> tuple[str, str | None]:
    """``openai/gpt-4o`` -> (``gpt-4o``, ``openai``): a gateway's provider prefix as the
    provider, where the catalog knows it."""
    from llmecon.catalog.api_prices import providers

    known = set(providers())
    if "/" in model:
        head, _, rest = model.partition("/")
        if head in known:
            return rest, head
    return model, provider if provider in known else None


def reconcile(scan: Scan) -> Reconciliation:
    """Price ``scan``'s tokens per model and month; compare with its logged spend."""
    from llmecon.catalog.api_prices import api_price, genai_prices_version
    from llmecon.errors import CatalogError

    acc: dict[tuple[str, str, str | None, bool], list[Any]] = defaultdict(
        lambda: [0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, True]
    )
    for x in scan.groups:
        hour = int(x[0])
        d = dt.datetime.fromtimestamp(hour, dt.UTC)
        key = (f"{d.year:04d}-{d.month:02d}", str(x[1]), x[3], bool(x[4]))
        a = acc[key]
        a[0] += float(x[7])  # input
        a[1] += float(x[8])  # cached
        a[2] += float(x[9])  # cache writes
        a[3] += float(x[10])  # output
        a[4] += float(x[11] or 0.0)  # logged spend
        a[5] += int(x[12])  # rows with spend
        a[6] += float(x[6]) if x[6] is not None else float(x[5])
        a[7] = a[7] and x[6] is not None
    lines: dict[tuple[str, str], Line] = {}
    unknown: dict[str, float] = defaultdict(float)
    for (month, model, provider, batch), a in sorted(acc.items()):
        inp, cached, cw, out, spend, spend_rows, req, has_req = a
        name, prov = split_model(model, provider)
        on = dt.date(int(month[:4]), int(month[5:]), 1)
        price = None
        for p in (prov, None) if prov else (None,):
            try:
                price = api_price(name, p, on)
                break
            except CatalogError:
                continue
        priced = None
        if price is None:
            unknown[model] += req
        else:
            i_p, o_p = price.input_per_mtok, price.output_per_mtok
            if batch and price.batch_input_per_mtok is not None:
                i_p = price.batch_input_per_mtok
                o_p = price.batch_output_per_mtok or o_p
            c_p = price.cached_input_per_mtok if price.cached_input_per_mtok is not None else i_p
            w_p = price.cache_write_per_mtok if price.cache_write_per_mtok is not None else i_p
            uncached = max(inp - cached - cw, 0.0)
            priced = (uncached * i_p + cached * c_p + cw * w_p + out * o_p) / 1e6
        key2 = (month, model)
        logged = spend if spend_rows else None
        line = lines.get(key2)
        if line is None:
            lines[key2] = Line(
                month,
                model,
                price.model if price else None,
                req if has_req else None,
                logged,
                priced,
            )
        else:  # batch and non-batch rows of one model and month
            line.requests = _add(line.requests, req if has_req else None)
            line.logged_usd = _add(line.logged_usd, logged)
            line.priced_usd = _add(line.priced_usd, priced)
    return Reconciliation(
        sorted(lines.values(), key=lambda x: (x.month, x.model)),
        dict(unknown),
        f"genai-prices {genai_prices_version()} (llmecon's API price catalog)",
    )
