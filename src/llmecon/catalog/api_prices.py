"""API token prices from the bundled genai-prices snapshot (the only genai-prices import).

``api_price(model, provider)`` returns one ``ApiPrice``: the price active on a date, with
cached-input, cache-write and batch rates and long-context tiers, and where it came from.
``api_models(provider)`` lists every priced text model.

Reference: pydantic/genai-prices (MIT), bundled snapshot, used offline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from importlib.metadata import version
from typing import Any

from genai_prices import types as gp_types
from genai_prices.data import providers as _providers

from llmecon.errors import CatalogError

GENAI_PRICES_VERSION = version("genai-prices")


@dataclass(frozen=True)
class ApiPrice:
    """Prices of one API model [USD per 1M tokens], as matched in the catalog."""

    provider: str
    provider_name: str
    model: str
    name: str
    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None
    cache_write_per_mtok: float | None
    batch_input_per_mtok: float | None
    batch_output_per_mtok: float | None
    #: (threshold input tokens per request, input, output, cached input) above which the
    #: whole request is billed at the tier's prices.
    tiers: tuple[tuple[int, float, float, float | None], ...]
    context_window: int | None
    deprecated: bool
    #: price changes the provider has announced after ``on``: (start date ISO, input,
    #: output, cached input or None) [USD per 1M tokens]
    scheduled: tuple[tuple[str, float, float, float | None], ...]
    source: str
    as_of: str

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _base(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, gp_types.TieredPrices):
        return float(value.base)
    return float(value) if isinstance(value, Decimal | int | float) else None


def _tiers(prices: Any) -> tuple[tuple[int, float, float, float | None], ...]:
    inp, out, cached = prices.input_mtok, prices.output_mtok, prices.cache_read_mtok
    if not isinstance(inp, gp_types.TieredPrices):
        return ()

    def at(value: Any, start: int) -> float | None:
        if isinstance(value, gp_types.TieredPrices):
            return next(
                (float(t.price) for t in value.tiers if t.start == start), float(value.base)
            )
        return _base(value)

    return tuple(
        (t.start, float(t.price), at(out, t.start) or 0.0, at(cached, t.start)) for t in inp.tiers
    )


def _active(model: Any, on: dt.date) -> tuple[Any, str]:
    prices = model.prices
    if not isinstance(prices, list):
        return prices, ""
    chosen, since = prices[0].prices, ""
    for cp in prices:
        c = cp.constraint
        if c is None:
            chosen, since = cp.prices, ""
        elif isinstance(c, gp_types.StartDateConstraint) and c.start_date <= on:
            chosen, since = cp.prices, c.start_date.isoformat()
    return chosen, since


def _scheduled(model: Any, on: dt.date) -> tuple[tuple[str, float, float, float | None], ...]:
    prices = model.prices
    if not isinstance(prices, list):
        return ()
    out = []
    for cp in prices:
        c = cp.constraint
        if isinstance(c, gp_types.StartDateConstraint) and c.start_date > on:
            inp, outp = _base(cp.prices.input_mtok), _base(cp.prices.output_mtok)
            if inp is not None and outp is not None:
                out.append((c.start_date.isoformat(), inp, outp, _base(cp.prices.cache_read_mtok)))
    return tuple(sorted(out))


def _batch(model: Any) -> tuple[float | None, float | None]:
    for v in model.price_variants or []:
        if v.when.get("processing") == "batch" or v.when.get("service_tier") == "batch":
            return _base(v.prices.input_mtok), _base(v.prices.output_mtok)
    return None, None


def _build(provider: Any, model: Any, on: dt.date) -> ApiPrice | None:
    prices, since = _active(model, on)
    inp, out = _base(prices.input_mtok), _base(prices.output_mtok)
    if inp is None or out is None:
        return None
    b_in, b_out = _batch(model)
    urls = ", ".join(provider.pricing_urls or [])
    return ApiPrice(
        provider=provider.id,
        provider_name=provider.name,
        model=model.id,
        name=model.name or model.id,
        input_per_mtok=inp,
        output_per_mtok=out,
        cached_input_per_mtok=_base(prices.cache_read_mtok),
        cache_write_per_mtok=_base(prices.cache_write_mtok),
        batch_input_per_mtok=b_in,
        batch_output_per_mtok=b_out,
        tiers=_tiers(prices),
        context_window=model.context_window,
        deprecated=bool(model.deprecated),
        scheduled=_scheduled(model, on),
        source=f"genai-prices {GENAI_PRICES_VERSION} bundled snapshot ({urls or provider.name})",
        as_of=since or f"genai-prices {GENAI_PRICES_VERSION}",
    )


@cache
def api_models(provider: str | None = None, on: dt.date | None = None) -> tuple[ApiPrice, ...]:
    """Every API model with token prices, optionally for one provider id (``openai``...)."""
    day = on or dt.date.today()
    out = []
    for p in _providers:
        if provider and p.id != provider:
            continue
        for m in p.models:
            row = _build(p, m, day)
            if row is not None:
                out.append(row)
    if provider and not out:
        known = ", ".join(sorted(p.id for p in _providers))
        raise CatalogError(f"unknown API provider {provider!r}; known: {known}")
    return tuple(out)


def providers() -> tuple[str, ...]:
    """Provider ids in the snapshot."""
    return tuple(p.id for p in _providers)


@lru_cache(maxsize=1024)
def api_price(model: str, provider: str | None = None, on: dt.date | None = None) -> ApiPrice:
    """Prices for ``model`` (id or any name the provider's matcher accepts).

    Raises ``CatalogError`` naming close matches when nothing matches.
    """
    day = on or dt.date.today()
    if provider is not None and provider not in providers():
        raise CatalogError(f"unknown API provider {provider!r}; known: {', '.join(providers())}")
    for p in _providers:
        if provider and p.id != provider:
            continue
        for m in p.models:
            if m.id == model or m.is_match(model):
                row = _build(p, m, day)
                if row is not None:
                    return row
    import difflib

    ids = (
        [m.model for m in api_models(provider)]
        if provider
        else [m.id for p in _providers for m in p.models]
    )
    close = difflib.get_close_matches(model, ids, n=3, cutoff=0.5)
    where = f" at provider {provider!r}" if provider else ""
    hint = (
        f"did you mean: {', '.join(close)}"
        if close
        else "run `llmecon catalog api-models` to list them"
    )
    raise CatalogError(f"unknown API model {model!r}{where}; {hint}")
