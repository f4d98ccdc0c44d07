"""The API price book: genai-prices' bundled data flattened once into plain JSON.

Importing genai-prices costs about 0.25 s (its 2,330-model data module, pydantic types and
httpx), more than the rest of an evaluation. The book holds the same facts as plain lists
(every provider, every model, every dated price, batch variants) and, for every model id and
every alias the providers' matchers name exactly, the models that match it in catalog order.
``catalog.api_prices`` reads the book when it was built from the installed genai-prices
version, and falls back to genai-prices itself otherwise, or for a name the book has no entry
for. Only this module and that fallback import genai-prices.

Rebuild after upgrading genai-prices (a few seconds)::

    python -m llmecon.catalog.price_book

Reference: pydantic/genai-prices (MIT), bundled snapshot, used offline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any, overload

BOOK_PATH = Path(__file__).parent / "data" / "api_price_book.jsonl"

#: One dated price: start date (ISO) or None (always) or "other" (a constraint the engine
#: does not model, such as time-of-day pricing), then the base input, output, cache-read and
#: cache-write prices [USD per 1M tokens] and the long-context tiers
#: ``[[threshold input tokens, input, output, cached input], ...]``.
PriceEntry = list[Any]


def _base(value: Any) -> float | None:
    from genai_prices import types as gp_types

    if value is None:
        return None
    if isinstance(value, gp_types.TieredPrices):
        return float(value.base)
    return float(value) if isinstance(value, Decimal | int | float) else None


def _tiers(prices: Any) -> list[list[Any]]:
    from genai_prices import types as gp_types

    inp, out, cached = prices.input_mtok, prices.output_mtok, prices.cache_read_mtok
    if not isinstance(inp, gp_types.TieredPrices):
        return []

    def at(value: Any, start: int) -> float | None:
        if isinstance(value, gp_types.TieredPrices):
            return next(
                (float(t.price) for t in value.tiers if t.start == start), float(value.base)
            )
        return _base(value)

    return [
        [t.start, float(t.price), at(out, t.start) or 0.0, at(cached, t.start)] for t in inp.tiers
    ]


def _entry(start: str | None, prices: Any) -> PriceEntry:
    return [
        start,
        _base(prices.input_mtok),
        _base(prices.output_mtok),
        _base(prices.cache_read_mtok),
        _base(prices.cache_write_mtok),
        _tiers(prices),
    ]


def _history(model: Any) -> list[PriceEntry]:
    from genai_prices import types as gp_types

    prices = model.prices
    if not isinstance(prices, list):
        return [_entry(None, prices)]
    out = []
    for cp in prices:
        c = cp.constraint
        if c is None:
            start = None
        elif isinstance(c, gp_types.StartDateConstraint):
            start = c.start_date.isoformat()
        else:
            start = "other"
        out.append(_entry(start, cp.prices))
    return out


def _batch(model: Any) -> list[float | None] | None:
    for v in model.price_variants or []:
        if v.when.get("processing") == "batch" or v.when.get("service_tier") == "batch":
            return [_base(v.prices.input_mtok), _base(v.prices.output_mtok)]
    return None


def _equals(clause: Any, into: set[str]) -> None:
    """Every exact string a matcher clause names (``ClauseEquals``), however nested."""
    from genai_prices import types as gp_types

    if isinstance(clause, gp_types.ClauseEquals):
        into.add(clause.equals)
    for part in (getattr(clause, "or_", None) or []) + (getattr(clause, "and_", None) or []):
        _equals(part, into)


def live_providers() -> list[Any]:
    """genai-prices' bundled providers (the slow import, about 0.25 s)."""
    from genai_prices.data import providers

    return list(providers)


def providers_from_json(payload: Any) -> list[Any]:
    """genai-prices ``Provider`` objects from its published JSON (``prices/data.json``: a list
    of providers), parsed as genai-prices parses it.

    There is no public parser: ``genai_prices.UpdatePrices.fetch()``, the public updater,
    downloads with its own client and then calls ``genai_prices.types._providers_from_raw``
    (normalise the price mappings, then validate with pydantic). We call that same function so
    that a local file and a URL we fetch ourselves are read exactly as the updater reads them.
    Raises pydantic's ``ValidationError`` on a schema error, ``RuntimeError`` if a genai-prices
    release renamed the function.
    """
    try:
        from genai_prices.types import _providers_from_raw
    except ImportError as err:  # pragma: no cover - depends on the genai-prices release
        raise RuntimeError(
            f"genai-prices {installed_version()} has no data parser (_providers_from_raw)"
        ) from err
    return list(_providers_from_raw(payload))


def installed_version() -> str:
    return version("genai-prices")


def update_url() -> str:
    """Where genai-prices' own updater (``genai_prices.UpdatePrices``) fetches its current
    data: ``llmecon prices update``'s default source (read when called)."""
    from genai_prices import update_prices

    return update_prices.DEFAULT_UPDATE_URL


def _exact_names(clause: Any) -> set[str] | None:
    """The names a matcher accepts when it is only ``equals`` clauses joined by ``or``
    (lower-cased, as ``ClauseEquals`` compares), else None (a pattern: test every name)."""
    from genai_prices import types as gp_types

    if isinstance(clause, gp_types.ClauseEquals):
        return {clause.equals.lower()}
    if isinstance(clause, gp_types.ClauseOr):
        out: set[str] = set()
        for part in clause.or_:
            names = _exact_names(part)
            if names is None:
                return None
            out |= names
        return out
    return None


def _lookup(providers: Sequence[Any]) -> dict[str, list[list[int]]]:
    """Each model id and exact alias -> ``[provider, model]`` positions of every model that
    matches it (``m.id == key or m.is_match(key)``), in catalog order.

    Asking every model about every name is 3,000 x 2,300 matcher calls (about 20 s). Nine
    models in ten match only names they spell out, so those are looked up by name and only
    the ~300 pattern matchers (prefix, substring, regex) are asked about every name; every
    candidate is still confirmed by ``is_match``, so the answer is genai-prices' own.
    """
    models = {(pi, mi): m for pi, p in enumerate(providers) for mi, m in enumerate(p.models)}
    keys: set[str] = {m.id for m in models.values()}
    for m in models.values():
        _equals(m.match, keys)
    by_name: dict[str, set[tuple[int, int]]] = {}
    patterns: set[tuple[int, int]] = set()
    for at, m in models.items():
        by_name.setdefault(m.id, set()).add(at)
        names = _exact_names(m.match)
        if names is None:
            patterns.add(at)
            continue
        for name in names:
            by_name.setdefault(name, set()).add(at)
    lookup: dict[str, list[list[int]]] = {}
    for key in sorted(keys):
        candidates = by_name.get(key, set()) | by_name.get(key.lower(), set()) | patterns
        hits = (at for at in candidates if models[at].id == key or models[at].is_match(key))
        lookup[key] = [[pi, mi] for pi, mi in sorted(hits)]
    return lookup


def build_book(index: bool = True, providers: Sequence[Any] | None = None) -> dict[str, Any]:
    """The book from ``providers`` (default: the installed genai-prices' bundled data);
    ``index`` adds the name look-up (about 2 s for the full catalog).

    ``lookup`` maps each model id and exact alias to the ``[provider, model]`` positions of
    every model that matches it (``ModelInfo.is_match``), in catalog order.
    """
    if providers is None:
        providers = live_providers()
    book: dict[str, Any] = {
        "genai_prices_version": installed_version(),
        "providers": [
            {
                "id": p.id,
                "name": p.name,
                "urls": list(p.pricing_urls or []),
                "models": [
                    {
                        "id": m.id,
                        "name": m.name or m.id,
                        "context_window": m.context_window,
                        "deprecated": bool(m.deprecated),
                        "prices": _history(m),
                        "batch": _batch(m),
                    }
                    for m in p.models
                ],
            }
            for p in providers
        ],
        "lookup": _lookup(providers) if index else {},
    }
    return book


def dumps(book: dict[str, Any]) -> str:
    """The book as JSON lines: a header (version, providers with their model counts, the
    look-up), then one model per line in catalog order, so that a reader parses only the
    models it prices (see ``loads``)."""
    header = {
        "genai_prices_version": book["genai_prices_version"],
        # where a downloaded book came from (``llmecon.prices_cache``); absent when shipped
        **({"origin": book["origin"]} if "origin" in book else {}),
        "providers": [
            {"id": p["id"], "name": p["name"], "urls": p["urls"], "models": len(p["models"])}
            for p in book["providers"]
        ],
        "lookup": book["lookup"],
    }
    lines = [json.dumps(header, separators=(",", ":"))]
    lines += [json.dumps(m, separators=(",", ":")) for p in book["providers"] for m in p["models"]]
    return "\n".join(lines) + "\n"


class LazyModels(Sequence[dict[str, Any]]):
    """One provider's models, each parsed from its line on first use."""

    def __init__(self, lines: list[str], start: int, count: int) -> None:
        self._lines, self._start, self._count = lines, start, count
        self._parsed: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._count))]
        if not -self._count <= i < self._count:
            raise IndexError(i)
        i %= self._count
        if i not in self._parsed:
            self._parsed[i] = json.loads(self._lines[self._start + i])
        return self._parsed[i]


def loads(text: str) -> dict[str, Any]:
    """The book from ``dumps``'s text; each provider's ``models`` parse lazily."""
    lines = text.split("\n")
    book: dict[str, Any] = json.loads(lines[0])
    start = 1
    for p in book["providers"]:
        count = p["models"]
        p["models"] = LazyModels(lines, start, count)
        start += count
    return book


def write_book(path: Path = BOOK_PATH) -> Path:
    """Write the indexed book (``dumps``)."""
    path.write_text(dumps(build_book()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_book())
