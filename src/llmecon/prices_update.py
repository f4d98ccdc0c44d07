"""``llmecon prices update`` and ``status``: fetch newer prices, validate them, compare them
with the prices in use, write them to the user's cache (``llmecon.prices_cache``); and say
which prices are in use, from where, and how old they are.

Only ``stage_api`` and ``stage_gpu`` touch the network, and only when that command runs.

Validation before anything is written: the JSON has genai-prices' schema (checked by
genai-prices' own parser, after a first pass here that names the provider and model of a bad
price or date), every price is a non-negative number [USD per 1M tokens, or per unit], every
start date is a real date between 2020 and two years ahead; GPU rows have the CSV's columns,
positive prices [USD/GPU-hour], known GPUs and real past dates. A price that moves more than
``MAX_MOVE`` times (up or down) from the one in use is reported, and refused by the command
unless forced. Writes are all-or-nothing across the files of one update.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmecon import __version__
from llmecon.fmt import plural
from llmecon.prices_cache import (
    API_FILE,
    CACHE_FORMAT,
    GPU_COLUMNS_READ,
    GPU_FILE,
    PriceDataError,
    book_of,
    read_cached,
    rows_of,
    sha256,
    shipped_dir,
    write,
)

#: Largest move of one price, either way, accepted without ``--force`` [ratio new/old].
MAX_MOVE = 10.0
#: Largest download accepted; genai-prices' data.json is about 0.4 MB. [bytes]
MAX_API_BYTES = 64 << 20
#: Largest GPU price file accepted; the shipped one is about 90 kB. [bytes]
MAX_GPU_BYTES = 8 << 20
#: Network timeout of one download. [s]
TIMEOUT_S = 30.0
#: Earliest plausible start of an API price (the first priced LLM APIs opened in 2020).
EARLIEST_PRICE = dt.date(2020, 1, 1)
#: How far ahead a dated API price may start: providers announce changes months ahead,
#: a year in the 2200s is a typo. [days]
MAX_DAYS_AHEAD = 2 * 366
#: Columns a downloaded GPU price row must fill: those the loader reads (the shipped file
#: fills them all).
GPU_REQUIRED = GPU_COLUMNS_READ
#: Problem lines shown before "... and N more".
MAX_PROBLEMS = 20

_API_FIX = "give genai-prices' data.json (a list of providers, as `llmecon prices update` fetches)"
_GPU_FIX = "give a CSV with the columns of the shipped gpu_prices.csv"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A GPU quote's identity, with its date (the key ``gpu_quotes`` keeps the newest row of).
_QUOTE_COLUMNS = ("provider", "region", "instance_type", "pricing")


def forget_loaded() -> None:
    """Drop what this process's catalog loaders hold, so that the next look-up reads the
    cache directory again (after an update, or in tests that point it elsewhere)."""
    from llmecon.catalog import api_prices, gpu_quotes, tables

    api_prices._book.cache_clear()
    api_prices.api_models.cache_clear()
    api_prices.api_price.cache_clear()
    tables._gpu_price_rows.cache_clear()
    gpu_quotes._catalog_geos.cache_clear()


# --------------------------------------------------------------------------- fetching


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def fetch(source: str, limit: int, what: str) -> bytes:
    """The bytes at ``source``: an http(s) URL or a local file; at most ``limit`` bytes.
    Raises ``PriceDataError`` with one line naming the source and the fix."""
    if is_url(source):
        return _download(source, limit, what)
    if "://" in source:
        scheme = source.split("://", 1)[0]
        raise PriceDataError(
            [f"{source}: {scheme}:// is not supported; give an http(s) URL or a local file"]
        )
    path = Path(source).expanduser()
    try:
        if path.is_dir():
            raise PriceDataError([f"{source}: is a directory; give {what} file"])
        if path.stat().st_size > limit:
            raise PriceDataError([f"{source}: larger than {limit >> 20} MiB; give {what}"])
        return path.read_bytes()
    except OSError as err:
        problem = str(err.strerror or err)
        problem = problem[:1].lower() + problem[1:]
        raise PriceDataError([f"{source}: {problem}; check the path and its permissions"]) from None


def _download(url: str, limit: int, what: str) -> bytes:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": f"llmecon/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as err:
        raise PriceDataError(
            [f"{url}: the server answered HTTP {err.code} {err.reason}; check the URL"]
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", None) or err
        raise PriceDataError(
            [
                f"{url}: could not be fetched ({reason}); check the URL and the network, "
                "or give a downloaded file"
            ]
        ) from None
    if len(data) > limit:
        raise PriceDataError([f"{url}: larger than {limit >> 20} MiB; give {what}"])
    return data


def _now() -> dt.datetime:
    """The current time in UTC (whole seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _label(source: str) -> str:
    """A source as recorded: URLs as given, files as absolute paths."""
    return source if is_url(source) else str(Path(source).expanduser().resolve())


# --------------------------------------------------------------------------- API prices


def _kind(value: Any) -> str:
    """A JSON value's kind, as an error line names it."""
    for kind, name in ((dict, "object"), (list, "list"), (str, "string")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _price_value(value: Any) -> bool:
    """A non-negative finite number (not a bool, which JSON spells ``true``)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _check_prices(prices: Any, at: str, where: str, problems: list[str]) -> None:
    if not isinstance(prices, dict):
        problems.append(
            f"{where}: {at}: must map price names to USD (got a {_kind(prices)}); {_API_FIX}"
        )
        return
    for key, value in prices.items():
        if value is None or _price_value(value):
            continue
        if isinstance(value, dict) and "base" in value:  # TieredPrices
            tiers = value.get("tiers")
            ok = _price_value(value["base"]) and isinstance(tiers, list)
            for tier in tiers if isinstance(tiers, list) else []:
                ok = ok and isinstance(tier, dict) and _price_value(tier.get("price"))
            if ok:
                continue
        problems.append(
            f"{where}: {at}.{key}: must be a non-negative number of USD (got {value!r}); {_API_FIX}"
        )


def _check_start(constraint: Any, at: str, where: str, today: dt.date, problems: list[str]) -> None:
    if not isinstance(constraint, dict) or "start_date" not in constraint:
        return  # no constraint, or a time-of-day one: genai-prices' parser checks those
    text = constraint["start_date"]
    fix = "give a date like 2026-03-13"
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        problems.append(f"{where}: {at}.start_date: {text!r} is not a date; {fix}")
        return
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}: {at}.start_date: {text!r} is not a real date; {fix}")
        return
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if not EARLIEST_PRICE <= day <= latest:
        problems.append(
            f"{where}: {at}.start_date: {text} is outside {EARLIEST_PRICE} to {latest}, so "
            f"probably a typo; {fix}"
        )


def check_api_payload(payload: Any, where: str, today: dt.date) -> list[str]:
    """Problems of a genai-prices ``data.json`` that its parser would report without naming
    the model (a price mapping's errors), or not at all (negative prices, implausible start
    dates); one line each, naming ``provider/model``."""
    if not isinstance(payload, list):
        return [f"{where}: holds a JSON {_kind(payload)}, not a list of providers; {_API_FIX}"]
    if not payload:
        return [f"{where}: holds no providers; {_API_FIX}"]
    problems: list[str] = []
    for i, provider in enumerate(payload):
        if not isinstance(provider, dict) or not isinstance(provider.get("id"), str):
            problems.append(f"{where}: providers[{i}]: must be an object with an id; {_API_FIX}")
            continue
        pid = provider["id"]
        models = provider.get("models", [])
        if not isinstance(models, list):
            problems.append(f"{where}: {pid}.models: must be a list of models; {_API_FIX}")
            continue
        for j, model in enumerate(models):
            if not isinstance(model, dict) or not isinstance(model.get("id"), str):
                problems.append(
                    f"{where}: {pid}.models[{j}]: must be an object with an id; {_API_FIX}"
                )
                continue
            at = f"{pid}/{model['id']}"
            prices = model.get("prices", [])
            dated: list[tuple[str, Any, Any]] = []
            if isinstance(prices, list):
                for k, cp in enumerate(prices):
                    if not isinstance(cp, dict):
                        problems.append(
                            f"{where}: {at}.prices[{k}]: must be an object (got a "
                            f"{_kind(cp)}); {_API_FIX}"
                        )
                        continue
                    dated.append((f"{at}.prices[{k}]", cp.get("constraint"), cp.get("prices")))
            else:
                dated.append((f"{at}.prices", None, prices))
            for k, variant in enumerate(model.get("price_variants") or []):
                if isinstance(variant, dict):
                    dated.append(
                        (
                            f"{at}.price_variants[{k}]",
                            variant.get("constraint"),
                            variant.get("prices"),
                        )
                    )
            for path, constraint, mapping in dated:
                _check_start(constraint, path, where, today, problems)
                _check_prices(mapping, path, where, problems)
    return problems


def _loc(payload: list[Any], loc: Sequence[Any]) -> str:
    """A pydantic error location in the data as ``provider/model.field[...]`` (the first
    check made sure providers and models are objects with ids)."""
    parts = list(loc)
    out = ""
    if parts and isinstance(parts[0], int) and parts[0] < len(payload):
        provider = payload[parts[0]]
        out, parts = provider["id"], parts[1:]
        models = provider.get("models") or []
        at = parts[1] if len(parts) > 1 and parts[0] == "models" else None
        if isinstance(at, int) and at < len(models):
            out, parts = f"{out}/{models[at]['id']}", parts[2:]
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".") or "data"


def _parse_api(raw: bytes, where: str, today: dt.date) -> list[Any]:
    """genai-prices ``Provider`` objects from ``raw``; ``PriceDataError`` otherwise."""
    from pydantic import ValidationError

    from llmecon.catalog import price_book

    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PriceDataError([f"{where}: not UTF-8 text; {_API_FIX}"]) from None
    except json.JSONDecodeError as err:
        at = f"line {err.lineno}, column {err.colno}"
        raise PriceDataError([f"{where}: not valid JSON ({at}: {err.msg}); {_API_FIX}"]) from None
    except RecursionError:
        raise PriceDataError([f"{where}: nested too deeply to read; {_API_FIX}"]) from None
    problems = check_api_payload(payload, where, today)
    if problems:
        raise PriceDataError(problems)
    try:
        return price_book.providers_from_json(payload)
    except ValidationError as err:
        lines = []
        for e in err.errors()[:MAX_PROBLEMS]:
            msg = str(e["msg"])
            lines.append(
                f"{where}: {_loc(payload, e['loc'])}: {msg[:1].lower()}{msg[1:]}; {_API_FIX}"
            )
        raise PriceDataError(lines) from None
    except (ValueError, TypeError, RuntimeError) as err:
        raise PriceDataError(
            [f"{where}: genai-prices cannot read it ({err}); {_API_FIX}"]
        ) from None


@dataclass(frozen=True)
class Move:
    """A price that moves more than ``MAX_MOVE`` times from the one in use."""

    what: str  # "openai/gpt-4o input" or "AWS us-east-1 p5.48xlarge on-demand"
    old: float  # [USD per ``unit``]
    new: float  # [USD per ``unit``]
    unit: str
    since: str = ""  # the start date of a scheduled price compared ("" = in force today)

    @property
    def ratio(self) -> float:
        """How many times the price moves, either way [ratio >= 1]."""
        return max(self.new / self.old, self.old / self.new)

    @property
    def text(self) -> str:
        """``openai/gpt-4o input moves 50x ($2.5 -> $125 per 1M tokens)``."""
        when = f" from {self.since}" if self.since else ""
        times = f"{self.ratio:,.1f}".removesuffix(".0")
        return f"{self.what} moves {times}x{when} (${self.old:g} -> ${self.new:g} {self.unit})"

    def line(self, where: str) -> str:
        """The error line refusing it."""
        return f"{where}: {self.text}; check the source, or pass --force to accept it"


def _moved(old: float | None, new: float | None) -> bool:
    # Only positive prices have a ratio: a free model that starts charging is reported as
    # changed, not as an infinite move.
    return bool(old and new and old > 0 and new > 0 and max(new / old, old / new) > MAX_MOVE)


def api_moves(new: dict[str, Any], old: dict[str, Any], today: dt.date) -> list[Move]:
    """Input and output prices of models in both books that move more than ``MAX_MOVE``
    times: the price in force ``today``, and each price the new book schedules later
    (compared with the old book's price on that day)."""
    from llmecon.catalog.api_prices import _active

    before = {(p["id"], m["id"]): m["prices"] for p in old["providers"] for m in p["models"]}
    moves: list[Move] = []
    for p in new["providers"]:
        for m in p["models"]:
            history = before.get((p["id"], m["id"]))
            if history is None:
                continue
            later = {
                e[0]
                for e in m["prices"]
                if e[0] not in (None, "other") and e[0] > today.isoformat()
            }
            seen: set[int] = set()
            for since in ["", *sorted(later)]:
                day = dt.date.fromisoformat(since) if since else today
                now_e, was_e = _active(m["prices"], day)[0], _active(history, day)[0]
                for col, label in ((1, "input"), (2, "output")):
                    if col not in seen and _moved(was_e[col], now_e[col]):
                        seen.add(col)
                        moves.append(
                            Move(
                                f"{p['id']}/{m['id']} {label}",
                                was_e[col],
                                now_e[col],
                                "per 1M tokens",
                                since,
                            )
                        )
    return moves


def _priced(book: dict[str, Any], today: dt.date) -> int:
    """Models with an input and an output price in force ``today``."""
    from llmecon.catalog.api_prices import _active

    return sum(
        1
        for p in book["providers"]
        for m in p["models"]
        if (e := _active(m["prices"], today)[0])[1] is not None and e[2] is not None
    )


def _newest_price(book: dict[str, Any], today: dt.date) -> str | None:
    """The latest start date of a price in force on or before ``today`` (ISO), if any."""
    dates = [
        e[0]
        for p in book["providers"]
        for m in p["models"]
        for e in m["prices"]
        if e[0] not in (None, "other") and e[0] <= today.isoformat()
    ]
    return max(dates, default=None)


def _changes(new: dict[str, Any], old: dict[str, Any], today: dt.date) -> tuple[int, int, int]:
    """Models whose input or output price in force ``today`` differs, new models, models gone."""
    from llmecon.catalog.api_prices import _active

    def prices(book: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, Any]]:
        out = {}
        for p in book["providers"]:
            for m in p["models"]:
                e = _active(m["prices"], today)[0]
                out[(p["id"], m["id"])] = (e[1], e[2])
        return out

    a, b = prices(old), prices(new)
    changed = sum(1 for k in a.keys() & b.keys() if a[k] != b[k])
    return changed, len(b.keys() - a.keys()), len(a.keys() - b.keys())


@dataclass(frozen=True)
class Staged:
    """Validated prices ready to be written to the cache (nothing is written yet)."""

    kind: str  # "api" | "gpu"
    source: str  # URL, or absolute path of a local file
    data: bytes  # the file to write
    meta: dict[str, Any]  # its record in prices_meta.json
    moves: tuple[Move, ...]
    summary: str  # one line: what it holds and how it differs from the prices in use


def stage_api(source: str, today: dt.date | None = None) -> Staged:
    """Fetch and validate a genai-prices ``data.json`` and build its price book.

    Compares it with the book in use (``catalog.api_prices``): ``Staged.moves`` lists the
    prices that move more than ``MAX_MOVE`` times. Raises ``PriceDataError``.
    """
    from llmecon.catalog import api_prices, price_book

    day = today or dt.date.today()
    label = _label(source)
    raw = fetch(source, MAX_API_BYTES, "genai-prices' data.json")
    providers = _parse_api(raw, source, day)
    flat = price_book.build_book(index=False, providers=providers)
    priced = _priced(flat, day)
    if not priced:
        raise PriceDataError(
            [f"{source}: prices no model with input and output prices; {_API_FIX}"]
        )
    in_use = api_prices._book()
    moves = api_moves(flat, in_use, day)
    changed, added, gone = _changes(flat, in_use, day)
    # the index costs ~2 s; only for data that passed every check
    book = price_book.build_book(index=True, providers=providers)
    fetched = _stamp(_now())
    book["origin"] = {"source": label, "fetched_at": fetched}
    data = price_book.dumps(book).encode("utf-8")
    models = sum(len(p["models"]) for p in book["providers"])
    meta = {
        "format": CACHE_FORMAT,
        "file": API_FILE,
        "source": label,
        "fetched_at": fetched,
        "sha256": sha256(data),
        "source_sha256": sha256(raw),
        "bytes": len(data),
        "providers": len(book["providers"]),
        "models": models,
        "priced_models": priced,
        "newest_price": _newest_price(book, day),
        "genai_prices_version": price_book.installed_version(),
        "llmecon_version": __version__,
    }
    summary = (
        f"API prices: {plural(len(book['providers']), 'provider')}, "
        f"{plural(priced, 'priced model')}; against the prices in use: {changed} changed, "
        f"{added} new, {gone} no longer listed"
    )
    return Staged("api", label, data, meta, tuple(moves), summary)


# --------------------------------------------------------------------------- GPU prices


def _typed(column: str, cell: str) -> Any:
    """A CSV cell as ``user``'s validation reads a YAML value: numbers for numeric columns
    (text that is not a number stays text, so the error quotes it)."""
    from llmecon.catalog import user

    spec = user._SPECS["gpu_prices"].get(column)
    if spec is not None and spec.kind in ("positive", "count", "count0"):
        for number in (int, float):  # int first: an error quotes "-2", not "-2.0"
            try:
                return number(cell)
            except ValueError:
                continue
    return cell


def validate_gpu_csv(text: str, where: str) -> list[dict[str, str]]:
    """The rows of a GPU price CSV with ``gpu_prices.csv``'s columns, each ``gpu`` set to the
    catalog's name for it; ``PriceDataError`` with one line per problem otherwise.

    Each row is read by the scenario catalog's validation (``catalog.user``: known columns,
    a positive ``usd_per_gpu_hour`` [USD/GPU-hour], a pricing mode, a known GPU); this adds
    the columns every shipped row fills (``GPU_REQUIRED``) and dates: ``as_of`` is
    ``YYYY-MM-DD``, ``YYYY-MM`` or ``undated``, and not in the future.
    """
    import csv
    import io

    from llmecon.catalog import tables, user
    from llmecon.catalog.gpu_quotes import _date
    from llmecon.errors import CatalogError

    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    allowed = user._columns("gpu_prices")
    problems = [
        f"{where}: column {h!r} is not one of gpu_prices.csv's ({', '.join(allowed)}); {_GPU_FIX}"
        for h in header
        if h not in allowed
    ]
    problems += [
        f"{where}: has no {c} column; {_GPU_FIX}"
        for c in GPU_REQUIRED
        if header and c not in header
    ]
    if not header:
        problems.append(f"{where}: is empty; {_GPU_FIX}")
    if problems:
        raise PriceDataError(problems)
    tomorrow = dt.date.today() + dt.timedelta(days=1)  # a quote dated in a later time zone
    rows: list[dict[str, str]] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in reader:
        path = f"{where} line {reader.line_num}"
        if None in row:
            problems.append(f"{path}: has more cells than the header; {_GPU_FIX}")
            continue
        cells = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        # user's validation reports its own required columns; these are the file's
        blank = [c for c in GPU_REQUIRED if not cells.get(c) and not user._PRICE_COLS[c].required]
        for c in blank:
            problems.append(f"{path}.{c}: must not be blank; {user._PRICE_COLS[c].fix}")
        entry = {k: _typed(k, v) for k, v in cells.items() if v}
        values = user._read_entry("gpu_prices", entry, path, problems)
        if values is None or blank:
            continue
        try:
            gpu = tables.resolve_gpu(values["gpu"]).name
        except CatalogError as err:
            problems.append(f"{path}.gpu: {err}; see `llmecon catalog gpus`")
            continue
        as_of = cells["as_of"]
        day = _date(as_of)
        if day is None and as_of != "undated":
            problems.append(
                f"{path}.as_of: {as_of!r} is not a date; give YYYY-MM-DD, YYYY-MM or undated"
            )
            continue
        if day is not None and day > tomorrow:
            problems.append(
                f"{path}.as_of: {as_of} is in the future; give the date the price was quoted"
            )
            continue
        key = (*(cells.get(c, "").lower() for c in _QUOTE_COLUMNS), as_of)
        if key in seen:
            problems.append(
                f"{path}: repeats line {seen[key]} (same provider, region, instance, pricing "
                f"and as_of); keep one of them"
            )
            continue
        seen[key] = reader.line_num
        rows.append({**{h: cells.get(h, "") for h in header}, "gpu": gpu})
    if not rows and not problems:
        problems.append(f"{where}: holds no price rows; {_GPU_FIX}")
    if problems:
        raise PriceDataError(problems)
    return rows


def _quote_key(p: Any) -> tuple[str, str, str, str]:
    return (p.provider.lower(), p.region.lower(), p.instance_type.lower(), p.pricing)


def _newest_quotes(rows: Iterable[Any]) -> dict[tuple[str, str, str, str], Any]:
    """The newest row per provider x region x instance x pricing (as ``gpu_quotes`` keeps)."""
    from llmecon.catalog.gpu_quotes import _date

    newest: dict[tuple[str, str, str, str], Any] = {}
    for r in rows:
        old = newest.get(_quote_key(r))
        if old is None or (_date(r.as_of) or dt.date.min) > (_date(old.as_of) or dt.date.min):
            newest[_quote_key(r)] = r
    return newest


def gpu_moves(new: Iterable[Any], old: Iterable[Any]) -> list[Move]:
    """Quotes (newest per provider x region x instance x pricing) whose price moves more
    than ``MAX_MOVE`` times from the row in use [USD/GPU-hour]."""
    before = _newest_quotes(old)
    moves = []
    for key, r in _newest_quotes(new).items():
        was = before.get(key)
        if was is not None and _moved(was.usd_per_gpu_hour, r.usd_per_gpu_hour):
            what = " ".join(x for x in (r.provider, r.region, r.instance_type, r.pricing) if x)
            moves.append(Move(what, was.usd_per_gpu_hour, r.usd_per_gpu_hour, "per GPU-hour"))
    return moves


def _newest_quote(rows: Iterable[Any]) -> str | None:
    from llmecon.catalog.gpu_quotes import _date

    dated = [(d, r.as_of) for r in rows if (d := _date(r.as_of)) is not None]
    return max(dated)[1] if dated else None


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def stage_gpu(source: str) -> Staged:
    """Fetch and validate a GPU price CSV (``validate_gpu_csv``) and compare it with the
    rows in use: ``Staged.moves`` lists quotes that move more than ``MAX_MOVE`` times.
    Raises ``PriceDataError``."""
    from llmecon.catalog import tables

    label = _label(source)
    raw = fetch(source, MAX_GPU_BYTES, "a GPU price CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PriceDataError([f"{source}: not UTF-8 text; {_GPU_FIX}"]) from None
    rows = validate_gpu_csv(text, source)
    new = tables.gpu_prices_from_rows(rows)
    in_use = tables._gpu_price_rows()
    moves = gpu_moves(new, in_use)
    data = _csv_bytes(rows)
    fetched = _stamp(_now())
    before, after = _newest_quotes(in_use), _newest_quotes(new)
    changed = sum(
        1
        for k in before.keys() & after.keys()
        if before[k].usd_per_gpu_hour != after[k].usd_per_gpu_hour
    )
    meta = {
        "format": CACHE_FORMAT,
        "file": GPU_FILE,
        "source": label,
        "fetched_at": fetched,
        "sha256": sha256(data),
        "source_sha256": sha256(raw),
        "bytes": len(data),
        "quotes": len(new),
        "newest_quote": _newest_quote(new),
        "llmecon_version": __version__,
    }
    summary = (
        f"GPU prices: {plural(len(new), 'quote')}; against the quotes in use: {changed} changed, "
        f"{len(after.keys() - before.keys())} new, "
        f"{len(before.keys() - after.keys())} no longer listed"
    )
    return Staged("gpu", label, data, meta, tuple(moves), summary)


def commit(staged: Sequence[Staged]) -> list[Path]:
    """Write the staged files to the cache (``prices_cache.write``: files first, then their
    records), then drop this process's loaded prices so that look-ups read them. Returns the
    files written."""
    written = write([(s.kind, s.data, s.meta) for s in staged])
    forget_loaded()
    return written


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class PriceSource:
    """Where the prices of one kind in use come from, and how old they are."""

    kind: str  # "api" | "gpu"
    in_use: str  # "cache" | "shipped" | "installed" (genai-prices' own data, API only)
    source: str  # URL or file it was fetched from, or what shipped it
    path: str  # the file read
    fetched_at: str | None  # UTC, cache only
    newest: str | None  # newest dated price (API) or quote (GPU) in force
    age_days: int | None  # since fetched_at (cache) or since ``newest`` (shipped) [days]
    count: int  # priced models (API) or quotes (GPU)
    providers: int
    note: str  # why a cached file is ignored ("" when none is, or it is in use)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _since_fetch(fetched_at: str) -> int | None:
    """Whole days since ``fetched_at`` (UTC, as ``_stamp`` writes it): counted in UTC, so
    that a fetch is "0 days ago" whatever the local time zone [days]."""
    try:
        moment = dt.datetime.strptime(fetched_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return max(0, (_now() - moment).days)


def _age(since: str | None, today: dt.date) -> int | None:
    if not since:
        return None
    from llmecon.catalog.gpu_quotes import _date

    day = _date(since[:10])
    return None if day is None else (today - day).days


def _api_status(today: dt.date) -> PriceSource:
    from llmecon.catalog import price_book

    cached = read_cached("api")
    book, problem = book_of(cached)
    if book is not None:
        origin = book["origin"]
        return PriceSource(
            "api",
            "cache",
            origin["source"],
            str(cached.path),
            origin["fetched_at"],
            _newest_price(book, today),
            _since_fetch(origin["fetched_at"]),
            _priced(book, today),
            len(book["providers"]),
            "",
        )
    installed = price_book.installed_version()
    try:
        shipped = price_book.loads(price_book.BOOK_PATH.read_text(encoding="utf-8"))
        shipped_version = shipped.get("genai_prices_version")
    except (OSError, ValueError):
        shipped, shipped_version = None, None
    if shipped is not None and shipped_version == installed:
        in_use, book, path = "shipped", shipped, str(price_book.BOOK_PATH)
        source = f"genai-prices {installed} snapshot shipped with llmecon {__version__}"
    else:
        in_use, book, path = "installed", price_book.build_book(index=False), "genai_prices.data"
        source = (
            f"genai-prices {installed} bundled data (the shipped book is for {shipped_version})"
        )
    newest = _newest_price(book, today)
    note = f"ignored the cached {API_FILE}: {problem}" if problem else ""
    return PriceSource(
        "api",
        in_use,
        source,
        path,
        None,
        newest,
        _age(newest, today),
        _priced(book, today),
        len(book["providers"]),
        note,
    )


def _gpu_status(today: dt.date) -> PriceSource:
    from llmecon.catalog import tables

    cached = read_cached("gpu")
    rows, problem = rows_of(cached)
    if rows is not None:
        quotes = tables.gpu_prices_from_rows(rows)
        fetched = str(cached.meta.get("fetched_at", ""))
        return PriceSource(
            "gpu",
            "cache",
            str(cached.meta.get("source", "")),
            str(cached.path),
            fetched,
            _newest_quote(quotes),
            _since_fetch(fetched),
            len(quotes),
            len({q.provider for q in quotes}),
            "",
        )
    quotes = tables.gpu_prices_from_rows(tables._rows("gpu_prices.csv"))
    newest = _newest_quote(quotes)
    note = f"ignored the cached {GPU_FILE}: {problem}" if problem else ""
    return PriceSource(
        "gpu",
        "shipped",
        f"gpu_prices.csv shipped with llmecon {__version__}",
        str(shipped_dir() / GPU_FILE),
        None,
        newest,
        _age(newest, today),
        len(quotes),
        len({q.provider for q in quotes}),
        note,
    )


def status(today: dt.date | None = None) -> tuple[PriceSource, PriceSource]:
    """The API and GPU prices the catalogs use now (the same rules as their loaders), their
    source and age. Reads files only."""
    day = today or dt.date.today()
    return _api_status(day), _gpu_status(day)
