"""API token prices from the bundled genai-prices snapshot, read through the price book.

``api_price(model, provider)`` returns one ``ApiPrice``: the price active on a date, with
cached-input, cache-write and batch rates and long-context tiers, and where it came from.
``api_models(provider)`` lists every priced text model.

The facts come from genai-prices; ``catalog.price_book`` flattens them into JSON once per
genai-prices version, so that an evaluation does not pay genai-prices' import (about 0.25 s).
A name the book has no entry for is matched by genai-prices itself.

Reference: pydantic/genai-prices (MIT), bundled snapshot, used offline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from llmecon.catalog import price_book
from llmecon.errors import CatalogError


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


@cache
def _book() -> dict[str, Any]:
    """The book in use: the one ``llmecon prices update`` wrote to the user's cache while it
    is intact (``llmecon.prices_cache``; its header carries an ``origin``), else the shipped
    book when it matches the installed genai-prices, else one built now. Reads files only:
    runs stay offline."""
    from llmecon import prices_cache

    cached = prices_cache.cached_book()
    if cached is not None:
        return cached
    installed = price_book.installed_version()
    try:
        book = price_book.loads(price_book.BOOK_PATH.read_text(encoding="utf-8"))
        if book.get("genai_prices_version") == installed:
            return book
    except (OSError, ValueError):
        pass
    return price_book.build_book(index=False)


def genai_prices_version() -> str:
    """The genai-prices version the prices come from."""
    return str(_book()["genai_prices_version"])


def _snapshot() -> str:
    """Where the book's prices come from, as sources and undated ``as_of`` cite it; never
    starts with a digit (``engine.resolve`` reads a leading digit as a dated price)."""
    origin = _book().get("origin")
    if origin:
        return f"genai-prices data fetched {origin['fetched_at'][:10]} from {origin['source']}"
    return f"genai-prices {genai_prices_version()} bundled snapshot"


def _active(history: list[Any], on: dt.date) -> tuple[list[Any], str]:
    """The dated price in force on ``on`` and its start date ("" when undated)."""
    day = on.isoformat()
    chosen, since = history[0], ""
    for entry in history:
        start = entry[0]
        if start is None:
            chosen, since = entry, ""
        elif start != "other" and start <= day:
            chosen, since = entry, start
    return chosen, since


def _scheduled(
    history: list[Any], on: dt.date
) -> tuple[tuple[str, float, float, float | None], ...]:
    day = on.isoformat()
    out = [
        (e[0], e[1], e[2], e[3])
        for e in history
        if e[0] not in (None, "other") and e[0] > day and e[1] is not None and e[2] is not None
    ]
    return tuple(sorted(out))


def _build(provider: dict[str, Any], model: dict[str, Any], on: dt.date) -> ApiPrice | None:
    entry, since = _active(model["prices"], on)
    _, inp, out, cached, write, tiers = entry
    if inp is None or out is None:
        return None
    b_in, b_out = model["batch"] or (None, None)
    urls = ", ".join(provider["urls"])
    snapshot = _snapshot()
    return ApiPrice(
        provider=provider["id"],
        provider_name=provider["name"],
        model=model["id"],
        name=model["name"],
        input_per_mtok=inp,
        output_per_mtok=out,
        cached_input_per_mtok=cached,
        cache_write_per_mtok=write,
        batch_input_per_mtok=b_in,
        batch_output_per_mtok=b_out,
        tiers=tuple((int(t[0]), t[1], t[2], t[3]) for t in tiers),
        context_window=model["context_window"],
        deprecated=model["deprecated"],
        scheduled=_scheduled(model["prices"], on),
        source=f"{snapshot} ({urls or provider['name']})",
        as_of=since or snapshot.removesuffix(" bundled snapshot"),
    )


@cache
def api_models(provider: str | None = None, on: dt.date | None = None) -> tuple[ApiPrice, ...]:
    """Every API model with token prices, optionally for one provider id (``openai``...)."""
    day = on or dt.date.today()
    out = []
    for p in _book()["providers"]:
        if provider and p["id"] != provider:
            continue
        for m in p["models"]:
            row = _build(p, m, day)
            if row is not None:
                out.append(row)
    if provider and not out:
        raise CatalogError(f"unknown API provider {provider!r}; known: {', '.join(providers())}")
    return tuple(out)


def providers() -> tuple[str, ...]:
    """Provider ids in the snapshot."""
    return tuple(p["id"] for p in _book()["providers"])


def _matches(model: str) -> list[tuple[int, int]]:
    """Positions ``(provider, model)`` of every catalog model matching ``model``, in order."""
    book = _book()
    indexed = book["lookup"].get(model)
    if indexed is not None:
        return [(pi, mi) for pi, mi in indexed]
    # A name no model id or exact alias spells: genai-prices' own matchers decide.
    hits = [
        (p.id, m.id, pi, mi)
        for pi, p in enumerate(price_book.live_providers())
        for mi, m in enumerate(p.models)
        if m.id == model or m.is_match(model)
    ]
    if "origin" not in book:  # built from these providers: the positions are the book's
        return [(pi, mi) for _, _, pi, mi in hits]
    # A downloaded book orders and holds its own models: place the hits by their ids.
    at = {
        (p["id"], m["id"]): (pi, mi)
        for pi, p in enumerate(book["providers"])
        for mi, m in enumerate(p["models"])
    }
    return [at[(p, m)] for p, m, _, _ in hits if (p, m) in at]


@lru_cache(maxsize=1024)
def api_price(model: str, provider: str | None = None, on: dt.date | None = None) -> ApiPrice:
    """Prices for ``model`` (id or any name the provider's matcher accepts).

    Raises ``CatalogError`` naming close matches when nothing matches.
    """
    day = on or dt.date.today()
    if provider is not None and provider not in providers():
        raise CatalogError(f"unknown API provider {provider!r}; known: {', '.join(providers())}")
    book = _book()["providers"]
    for pi, mi in _matches(model):
        p = book[pi]
        if provider and p["id"] != provider:
            continue
        row = _build(p, p["models"][mi], day)
        if row is not None:
            return row
    import difflib

    ids = (
        [m.model for m in api_models(provider)]
        if provider
        else [m["id"] for p in book for m in p["models"]]
    )
    close = difflib.get_close_matches(model, ids, n=3, cutoff=0.5)
    where = f" at provider {provider!r}" if provider else ""
    hint = (
        f"did you mean: {', '.join(close)}"
        if close
        else "run `llmecon catalog api-models` to list them"
    )
    raise CatalogError(f"unknown API model {model!r}{where}; {hint}")


def cheaper_versions(price: ApiPrice) -> tuple[ApiPrice, ...]:
    """Cheaper versions of ``price``'s model at its provider: ids or names that extend it with
    a version (``mistral-large`` -> ``mistral-large-2512``, "Mistral Large" -> "Mistral Large
    3 2512") at a lower input price. A short name may resolve to an older, dearer model while
    a newer one exists; the tool names them."""
    out = []
    for m in api_models(price.provider):
        if m.model == price.model or m.deprecated:
            continue
        # a version after the shared stem ("-2512", " 3 2512"), not a variant ("-mini")
        id_rest = m.model[len(price.model) + 1 :] if m.model.startswith(price.model + "-") else ""
        name_rest = m.name[len(price.name) + 1 :] if m.name.startswith(price.name + " ") else ""
        cheaper = m.input_per_mtok < price.input_per_mtok
        if (id_rest[:1].isdigit() or name_rest[:1].isdigit()) and cheaper and "ft" not in m.model:
            out.append(m)
    return tuple(out)
