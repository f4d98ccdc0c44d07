"""The default GPU rental price: a stated rule over dated, regional quotes in ``gpu_prices.csv``.

``select_quotes(gpu, mode, on=..., geo=..., segment=...)`` picks the quotes that price a GPU
in one pricing mode and returns their median [USD/GPU-hour] with its range, the rows used and a
note for every fallback it took. The rule (``RULE``, shown among a scenario's assumptions):

1. Rows for the GPU and pricing mode (and provider, if one is named).
2. Geo: keep rows in the scenario's geo (``geo_of`` maps a region id to ``us``, ``eu``,
   ``uk``, ...). If there are none, use every geo and say so; under data residency
   (``strict_geo``) there is no price instead, and the reason names the fix. A quote from
   elsewhere is never used silently.
3. Segment (``hyperscaler``, ``neocloud``, ``marketplace``): keep rows in the asked segment;
   if the geo has none, use every segment in that geo and say so.
4. Date: keep quotes dated in the 12 months before ``on`` (a quote dated after ``on`` counts
   as current). If none is that recent, keep the 12 months ending at the newest quote and mark
   the price stale. Undated rows are used only when no row is dated, and that is noted.
5. One quote per provider x region: a provider that lists several instance sizes in one
   region (AWS p5.48xlarge and p5.4xlarge) votes once, with the median of its sizes; a row
   repeated for the same instance keeps its newest date. The price is the median of these
   quotes; low and high are the cheapest and dearest row kept.

Why one vote per provider x region: the old pooled median (H100 on-demand, 5.22 USD/GPU-h)
counted AWS us-east-1 twice, once per instance size at the same price, and mixed hyperscaler
list prices with neoclouds; the segment and geo filters and this collapse remove both effects.

``YYYY-MM`` dates are read as the first day of the month, so such a quote is never taken as
newer than it may be.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from statistics import median
from typing import Any

from llmecon.catalog.tables import GPUPrice, gpu_prices, resolve_gpu
from llmecon.errors import CatalogError

#: Pricing modes of ``gpu_prices.csv`` rows.
MODES = ("on-demand", "reserved-1y", "reserved-3y", "spot")
#: Market segments of ``gpu_prices.csv`` rows.
SEGMENTS = ("hyperscaler", "neocloud", "marketplace")
#: How far back a quote still counts as current [months].
WINDOW_MONTHS = 12

#: The default-price rule in one paragraph, for a scenario's assumptions.
RULE = (
    "Default GPU price: the median USD/GPU-hour of the catalog's quotes for the GPU and "
    "pricing mode in the scenario's geo and market segment, dated in the 12 months before the "
    "scenario start (later-dated quotes count as current), one quote per provider x region "
    "(a provider's instance sizes in one region count once, at their median). Fallbacks, each "
    "noted: no quote in the segment -> all segments in the geo; no quote in the geo -> all "
    "geos, or no price under data residency; nothing that recent -> the 12 months up to the "
    "newest quote, marked stale; undated quotes only when none is dated."
)

#: Region names that are not rows of the catalog, with their geo. The catalog's own rows add
#: every region they name (``_catalog_geos``).
_GEO_ALIASES: dict[str, str] = {
    "eu": "eu",
    "europe": "eu",
    "us": "us",
    "usa": "us",
    "uk": "uk",
    "gb": "uk",
    "eu-west-1": "eu",  # AWS Ireland
    "westeurope": "eu",  # Azure Netherlands
    "europe-west4": "eu",  # GCP Netherlands
    "fr-par": "eu",  # Scaleway Paris
    "us-east-1": "us",  # AWS N. Virginia
    "eastus": "us",  # Azure Virginia
    "eu-west-2": "uk",  # AWS London: the UK is not in the EU
    "europe-west2": "uk",  # GCP London
    "uksouth": "uk",  # Azure London
}


@cache
def _catalog_geos() -> dict[str, str]:
    # Regions the rows name, so that any region that has a quote maps to the geo of its quote.
    return {p.region.lower(): p.geo for p in gpu_prices() if p.region and p.geo}


def geo_of(region: str) -> str:
    """The geo (``us``, ``eu``, ``uk``, ...) of a scenario region string.

    Accepts a geo (``eu``, ``europe``, ``us``, ``uk``) or a provider region id: ``eu-west-1``,
    ``westeurope``, ``europe-west4``, ``fr-par`` -> ``eu``; ``us-east-1``, ``eastus`` -> ``us``;
    ``eu-west-2``, ``europe-west2``, ``uksouth`` -> ``uk``; and every region named by a row of
    ``gpu_prices.csv``, as that row's geo. Anything else comes back stripped and lowercased, so
    it matches no quote unless a row has that geo: region ids are not guessed from prefixes
    (AWS ``eu-central-2`` is Zurich, outside the EU).
    """
    key = region.strip().lower()
    return _GEO_ALIASES.get(key) or _catalog_geos().get(key) or key


@dataclass(frozen=True)
class Quote:
    """One provider's price in one region: the median of its instance rows there."""

    provider: str
    region: str  # blank for a region-free list price
    geo: str
    segment: str
    usd_per_gpu_hour: float  # [USD/GPU-hour]
    as_of: str  # newest date among ``rows``
    rows: tuple[GPUPrice, ...]


@dataclass(frozen=True)
class QuoteSelection:
    """The default price of one GPU in one pricing mode, with how it was chosen.

    ``price`` is None when no quote may be used (data residency with no quote in the geo);
    ``reason`` then says why and names the fix.
    """

    gpu: str  # canonical gpus.csv name
    mode: str  # on-demand | reserved-1y | reserved-3y | spot
    geo: str | None  # geo asked for (after ``geo_of``), None = any
    segment: str | None  # segment asked for, None = any
    price: float | None  # median of ``quotes`` [USD/GPU-hour]
    low: float | None  # cheapest row in ``rows`` [USD/GPU-hour]
    high: float | None  # dearest row in ``rows`` [USD/GPU-hour]
    quotes: tuple[Quote, ...]  # one per provider x region, cheapest first
    rows: tuple[GPUPrice, ...]  # the catalog rows behind ``quotes``
    notes: tuple[str, ...]  # one line per fallback taken
    reason: str | None  # why there is no price, with the fix
    rule: str  # this selection's rule in words, for the assumptions

    @property
    def summary(self) -> str:
        """One line for the sources list: price, range, count, providers and dates."""
        if self.price is None:
            return self.reason or f"no {self.gpu} {self.mode} quote"
        who = ", ".join(sorted({q.provider for q in self.quotes}))
        dates = ", ".join(sorted({r.as_of for r in self.rows}))
        return (
            f"{self.gpu} {self.mode}: median ${self.price:.2f}/GPU-h of {len(self.quotes)} "
            f"quotes (${self.low:.2f}-${self.high:.2f}; {who}; as of {dates})"
        )


def _date(as_of: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (first of the month); None when undated or unreadable."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", as_of.strip())
    if m is None:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        return None


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier, clipped to the month's end (29 Feb -> 28 Feb)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def _quotes(rows: list[GPUPrice]) -> tuple[Quote, ...]:
    # A repeated (provider, region, instance) row keeps its newest date; then each
    # provider x region votes once, so a provider's several sizes do not outvote the others.
    newest: dict[tuple[str, str, str], GPUPrice] = {}
    for r in rows:
        key = (r.provider.lower(), r.region.lower(), r.instance_type.lower())
        old = newest.get(key)
        if old is None or (_date(r.as_of) or dt.date.min) > (_date(old.as_of) or dt.date.min):
            newest[key] = r
    groups: dict[tuple[str, str], list[GPUPrice]] = {}
    for r in newest.values():
        groups.setdefault((r.provider.lower(), r.region.lower()), []).append(r)
    out = [
        Quote(
            provider=g[0].provider,
            region=g[0].region,
            geo=g[0].geo,
            segment=g[0].segment,
            usd_per_gpu_hour=median(r.usd_per_gpu_hour for r in g),
            as_of=max(g, key=lambda r: _date(r.as_of) or dt.date.min).as_of,
            rows=tuple(g),
        )
        for g in groups.values()
    ]
    return tuple(sorted(out, key=lambda q: (q.usd_per_gpu_hour, q.provider, q.region)))


def _segments(rows: list[GPUPrice]) -> str:
    names = sorted({r.segment or "unsegmented" for r in rows})
    return " and ".join(names)


def select_quotes(
    gpu: str,
    mode: str,
    *,
    on: dt.date,
    geo: str | None = None,
    strict_geo: bool = False,
    segment: str | None = None,
    provider: str | None = None,
    catalog: Any = None,
) -> QuoteSelection | None:
    """The default rental price of ``gpu`` in pricing ``mode`` on date ``on`` [USD/GPU-hour].

    ``geo`` is a geo or region id (read through ``geo_of``); ``strict_geo`` (data residency)
    forbids quotes from other geos; ``segment`` is ``hyperscaler``, ``neocloud`` or
    ``marketplace``; ``provider`` keeps one provider's rows. The module docstring states the
    rule. Returns None when the catalog has no row at all for the GPU and mode (and provider);
    otherwise a selection, whose ``price`` is None only under ``strict_geo`` with no quote in
    the geo. Raises ``CatalogError`` for an unknown GPU, mode or segment. ``catalog`` (a
    ``catalog.user.UserCatalog``) adds a scenario's own GPUs and price rows; a user row with
    no geo or segment matches any.
    """
    if mode not in MODES:
        raise CatalogError(f"unknown pricing mode {mode!r}; known: {', '.join(MODES)}")
    seg = segment.lower() if segment else None
    if seg is not None and seg not in SEGMENTS:
        raise CatalogError(f"unknown market segment {segment!r}; known: {', '.join(SEGMENTS)}")
    if catalog is not None:
        name = catalog.resolve_gpu(gpu).name
        rows = list(catalog.gpu_prices_for(name, mode, provider))
    else:
        name = resolve_gpu(gpu).name
        rows = list(gpu_prices(name, mode, provider))
    want_geo = geo_of(geo) if geo else None
    if not rows:
        return None
    who = f"{provider} " if provider else ""
    what = f"{who}{name} {mode}"
    notes: list[str] = []

    if want_geo is not None:
        in_geo = [r for r in rows if r.geo in (want_geo, "")]
        if not in_geo:
            found = ", ".join(sorted({r.geo or "unknown" for r in rows}))
            if strict_geo:
                reason = (
                    f"no {what} quote in {want_geo} in the catalog (it has {found}); "
                    f"data residency forbids pricing from another geo; set usd_per_gpu_hour "
                    f"(or add a gpu_prices row)"
                )
                return QuoteSelection(
                    gpu=name,
                    mode=mode,
                    geo=want_geo,
                    segment=seg,
                    price=None,
                    low=None,
                    high=None,
                    quotes=(),
                    rows=(),
                    notes=(),
                    reason=reason,
                    rule=_rule(name, mode, want_geo, seg, on),
                )
            notes.append(f"no {what} quote in {want_geo}; used quotes from all geos ({found})")
        else:
            rows = in_geo

    if seg is not None:
        in_seg = [r for r in rows if r.segment in (seg, "")]
        if not in_seg:
            where = f" in {want_geo}" if want_geo and not notes else ""
            notes.append(f"no {seg} quote for {what}{where}; used {_segments(rows)} quotes")
        else:
            rows = in_seg

    dated = [(d, r) for r in rows if (d := _date(r.as_of)) is not None]
    if dated:
        cutoff = _months_before(on, WINDOW_MONTHS)
        recent = [r for d, r in dated if d >= cutoff]
        if not recent:
            newest = max(d for d, _ in dated)
            start = _months_before(newest, WINDOW_MONTHS)
            recent = [r for d, r in dated if d >= start]
            notes.append(
                f"stale: newest quote {newest:%Y-%m}, none in the {WINDOW_MONTHS} months "
                f"before {on.isoformat()}; used the {WINDOW_MONTHS} months up to it"
            )
        rows = recent
    else:
        notes.append(f"undated quotes only: no {what} quote carries a date")

    quotes = _quotes(rows)
    prices = [r.usd_per_gpu_hour for q in quotes for r in q.rows]
    return QuoteSelection(
        gpu=name,
        mode=mode,
        geo=want_geo,
        segment=seg,
        price=median(q.usd_per_gpu_hour for q in quotes),
        low=min(prices),
        high=max(prices),
        quotes=quotes,
        rows=tuple(r for q in quotes for r in q.rows),
        notes=tuple(notes),
        reason=None,
        rule=_rule(name, mode, want_geo, seg, on),
    )


def _rule(gpu: str, mode: str, geo: str | None, segment: str | None, on: dt.date) -> str:
    """The rule as applied to one selection, for the assumptions list."""
    where = f" in {geo}" if geo else " in any geo"
    seg = f", {segment} segment" if segment else ", any segment"
    return (
        f"{gpu} {mode} price: median of catalog quotes{where}{seg}, dated in the "
        f"{WINDOW_MONTHS} months before {on.isoformat()} (later dates count as current), one "
        f"quote per provider x region; any fallback taken is in the notes"
    )
