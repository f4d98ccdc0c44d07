"""``llmecon prices update`` and ``status`` against a local HTTP server: the cache is written
only with valid data, the loaders then read it, and the shipped snapshot is never touched.

Every test points ``LLMECON_CACHE_DIR`` at a temporary directory and serves its files from
``http.server`` on 127.0.0.1 in a thread: no test reaches the network or the user's cache.
The served ``data.json`` is genai-prices' own bundled data for two providers, written back
in the JSON form genai-prices publishes (``_raw``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import http.server
import io
import json
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmecon import __version__
from llmecon import prices_cache as pc
from llmecon import prices_update as pu
from llmecon.catalog import api_prices, price_book, tables
from llmecon.cli import app
from llmecon.errors import CatalogError

runner = CliRunner()

#: The date prices are looked up on (the suite's START_DATE: no dated change near it).
ON = dt.date(2026, 1, 1)
#: Providers served; gpt-4o-mini (openai) has one undated price, $0.15 in / $0.60 out.
PROVIDERS = ("anthropic", "openai")
MODEL = ("gpt-4o-mini", "openai")
SHIPPED_CSV = Path(tables.__file__).parent / "data" / "gpu_prices.csv"


# --------------------------------------------------------------------------- fixtures


def _raw(obj: Any) -> Any:
    """A genai-prices object as the JSON its ``data.json`` holds (clause ``or_`` as
    ``or``, prices as numbers, dates as ISO text); usage extractors are left out (optional,
    and llmecon does not read them)."""
    from genai_prices import types as gp

    if isinstance(obj, gp.ModelPrice):
        return {k: _raw(v) for k, v in vars(obj).items() if v is not None and k[0] != "_"}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name.rstrip("_"): _raw(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if getattr(obj, f.name) is not None and f.name[0] != "_" and f.name != "extractors"
        }
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, list):
        return [_raw(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _raw(v) for k, v in obj.items()}
    return obj


@cache
def _data_text() -> str:
    providers = [p for p in price_book.live_providers() if p.id in PROVIDERS]
    return json.dumps(_raw(providers))


def _data(scale: float = 1.0) -> list[dict[str, Any]]:
    """The two providers' data, with gpt-4o-mini's input price times ``scale``."""
    data: list[dict[str, Any]] = json.loads(_data_text())
    for p in data:
        for m in p["models"]:
            if (m["id"], p["id"]) == MODEL:
                m["prices"]["input_mtok"] *= scale
    return data


def _shipped_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(SHIPPED_CSV.read_text(encoding="utf-8").splitlines()))


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def _gpu_rows(scale: float = 1.0) -> list[dict[str, str]]:
    """The first five shipped quotes (AWS p5.48xlarge), the first one's price times
    ``scale`` and its GPU spelled by an alias (``H100``), as a user's file may."""
    rows = [dict(r) for r in _shipped_rows()[:5]]
    rows[0]["usd_per_gpu_hour"] = f"{float(rows[0]['usd_per_gpu_hour']) * scale:g}"
    rows[0]["gpu"] = "H100"
    return rows


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the test output stays clean
        pass


@pytest.fixture
def www(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served on 127.0.0.1 (an ephemeral port) and its base URL."""
    root = tmp_path / "www"
    root.mkdir()

    def handler(*args: Any) -> _Quiet:
        return _Quiet(*args, directory=str(root))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary cache; no proxy (127.0.0.1 is asked directly); loaders start afresh and
    forget the temporary cache afterwards."""
    target = tmp_path / "cache"
    monkeypatch.setenv(pc.CACHE_ENV, str(target))
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    pu.forget_loaded()
    yield target
    monkeypatch.undo()
    pu.forget_loaded()


Serve = Callable[[str, str], str]


@pytest.fixture
def serve(www: tuple[Path, str]) -> Serve:
    """``serve(name, text)`` publishes a file and returns its URL."""
    root, base = www

    def _serve(name: str, text: str) -> str:
        (root / name).write_text(text, encoding="utf-8")
        return f"{base}/{name}"

    return _serve


def _update(*args: str) -> Any:
    return runner.invoke(app, ["prices", "update", *args])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- API prices


def test_update_writes_the_cache_and_the_loaders_read_it(serve: Serve, cache_dir: Path) -> None:
    shipped = _sha(price_book.BOOK_PATH)
    before = api_prices.api_price(*MODEL, on=ON)
    url = serve("data.json", json.dumps(_data(1.2)))

    result = _update("--from", url)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        f"  from {url}",
        f"  wrote {cache_dir / pc.API_FILE}",
    ]
    assert sorted(p.name for p in cache_dir.iterdir()) == [pc.API_FILE, pc.META_FILE]
    meta = json.loads((cache_dir / pc.META_FILE).read_text())["api"]
    assert meta["source"] == url
    assert meta["sha256"] == _sha(cache_dir / pc.API_FILE)
    assert meta["genai_prices_version"] == price_book.installed_version()
    assert dt.datetime.strptime(meta["fetched_at"], "%Y-%m-%dT%H:%M:%SZ")

    after = api_prices.api_price(*MODEL, on=ON)
    assert after.input_per_mtok == pytest.approx(before.input_per_mtok * 1.2)
    assert after.output_per_mtok == before.output_per_mtok
    assert after.source.startswith(
        f"genai-prices data fetched {meta['fetched_at'][:10]} from {url} ("
    )
    assert api_prices.providers() == PROVIDERS
    assert meta["priced_models"] == len(api_prices.api_models(on=dt.date.today()))
    assert _sha(price_book.BOOK_PATH) == shipped


def test_a_name_the_index_lacks_is_matched_in_the_cached_book(serve: Serve) -> None:
    """Matchers lower-case the name; the cached book holds two providers, so genai-prices'
    hits are placed by provider and model id, not by their position in its own data."""
    assert _update("--from", serve("data.json", json.dumps(_data(1.2)))).exit_code == 0
    assert "GPT-4o-mini" not in api_prices._book()["lookup"]
    assert api_prices.api_price("GPT-4o-mini", "openai", ON) == api_prices.api_price(*MODEL, on=ON)


def test_the_cached_index_is_what_genai_prices_matchers_say(serve: Serve) -> None:
    assert _update("--from", serve("data.json", _data_text())).exit_code == 0
    providers = price_book.providers_from_json(json.loads(_data_text()))
    lookup = api_prices._book()["lookup"]
    assert len(lookup) > 100
    for name, hits in lookup.items():
        expected = [
            [pi, mi]
            for pi, p in enumerate(providers)
            for mi, m in enumerate(p.models)
            if m.id == name or m.is_match(name)
        ]
        assert hits == expected, name


def test_the_index_rebuilds_the_shipped_book() -> None:
    """``build_book`` looks exact names up instead of asking every matcher (2 s, not 20 s);
    for the installed genai-prices it still writes the shipped book byte for byte."""
    if price_book.loads(price_book.BOOK_PATH.read_text())["genai_prices_version"] != (
        price_book.installed_version()
    ):
        pytest.skip("the shipped book is for another genai-prices version")
    assert price_book.dumps(price_book.build_book()) == price_book.BOOK_PATH.read_text()


def test_a_50x_move_is_refused_without_force(serve: Serve, cache_dir: Path) -> None:
    old = api_prices.api_price(*MODEL, on=ON).input_per_mtok
    url = serve("data.json", json.dumps(_data(50)))

    refused = _update("--from", url)

    assert refused.exit_code == 2
    assert refused.stderr == (
        f"error: {url}: openai/gpt-4o-mini input moves 50x (${old:g} -> ${old * 50:g} per 1M "
        "tokens); check the source, or pass --force to accept it\n"
    )
    assert not cache_dir.exists()

    forced = _update("--from", url, "--force")

    assert forced.exit_code == 0, forced.output
    assert forced.stdout.splitlines()[-1] == (
        f"  accepted with --force: openai/gpt-4o-mini input moves 50x (${old:g} -> "
        f"${old * 50:g} per 1M tokens)"
    )
    assert api_prices.api_price(*MODEL, on=ON).input_per_mtok == pytest.approx(old * 50)


def test_the_default_source_is_genai_prices_update_url(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    from genai_prices import update_prices

    url = serve("default.json", _data_text())
    monkeypatch.setattr(update_prices, "DEFAULT_UPDATE_URL", url)
    result = _update()
    assert result.exit_code == 0, result.output
    assert f"  from {url}" in result.stdout.splitlines()


def _with(change: Callable[[dict[str, Any]], None]) -> str:
    """The served data with gpt-4o-mini's model entry changed by ``change``."""
    data = _data()
    for p in data:
        for m in p["models"]:
            if (m["id"], p["id"]) == MODEL:
                change(m)
    return json.dumps(data)


def _dated(start: str) -> Callable[[dict[str, Any]], None]:
    def change(m: dict[str, Any]) -> None:
        m["prices"] = [
            {"prices": m["prices"]},
            {"constraint": {"start_date": start}, "prices": m["prices"]},
        ]

    return change


_FIX = "give genai-prices' data.json (a list of providers, as `llmecon prices update` fetches)"
_AT = "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "{not json",
            f"not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes); {_FIX}",
        ),
        ('{"providers": []}', f"holds a JSON object, not a list of providers; {_FIX}"),
        ("[]", f"holds no providers; {_FIX}"),
        (
            _with(lambda m: m["prices"].update(input_mtok=-1)),
            f"{_AT}.prices.input_mtok: must be a non-negative number of USD (got -1); {_FIX}",
        ),
        (
            _with(lambda m: m["prices"].update(output_mtok="cheap")),
            f"{_AT}.prices.output_mtok: must be a non-negative number of USD (got 'cheap'); {_FIX}",
        ),
        (
            _with(_dated("2026-02-30")),
            f"{_AT}.prices[1].start_date: '2026-02-30' is not a real date; give a date like 2026-03-13",
        ),
        (
            _with(_dated("13/03/2026")),
            f"{_AT}.prices[1].start_date: '13/03/2026' is not a date; give a date like 2026-03-13",
        ),
        (
            _with(_dated("2206-03-13")),
            # {limit}: today + MAX_DAYS_AHEAD, filled when the test runs (not when it is
            # collected: a run that crosses midnight would otherwise fail)
            f"{_AT}.prices[1].start_date: 2206-03-13 is outside 2020-01-01 to "
            "{limit}, so probably a typo; give a date like 2026-03-13",
        ),
    ],
    ids=["json", "object", "empty", "negative", "text-price", "no-such-day", "format", "typo-year"],
)
def test_bad_data_is_one_line_and_writes_nothing(
    serve: Serve, cache_dir: Path, text: str, line: str
) -> None:
    url = serve("data.json", text)
    result = _update("--from", url)
    limit = dt.date.today() + dt.timedelta(days=pu.MAX_DAYS_AHEAD)
    assert result.exit_code == 2
    assert result.stderr == f"error: {url}: {line.replace('{limit}', str(limit))}\n"
    assert not cache_dir.exists()


def test_a_schema_error_is_genai_prices_own(serve: Serve, cache_dir: Path) -> None:
    """A model without a matcher passes the first checks; genai-prices' parser names it."""
    url = serve("data.json", _with(lambda m: m.pop("match")))
    result = _update("--from", url)
    assert result.exit_code == 2
    assert result.stderr == f"error: {url}: {_AT}.match: field required; {_FIX}\n"
    assert not cache_dir.exists()


@pytest.mark.parametrize(
    ("source", "line"),
    [
        (
            "{base}/absent.json",
            "{base}/absent.json: the server answered HTTP 404 File not found; check the URL",
        ),
        (
            "{tmp}/absent.json",
            "{tmp}/absent.json: no such file or directory; check the path and its permissions",
        ),
        ("{tmp}", "{tmp}: is a directory; give genai-prices' data.json file"),
        (
            "ftp://example.org/d.json",
            "ftp://example.org/d.json: ftp:// is not supported; give an http(s) URL or a local file",
        ),
    ],
    ids=["http-404", "no-file", "directory", "scheme"],
)
def test_an_unreadable_source_is_one_line(
    www: tuple[Path, str], tmp_path: Path, source: str, line: str
) -> None:
    values = {"base": www[1], "tmp": str(tmp_path)}
    result = _update("--from", source.format(**values))
    assert result.exit_code == 2
    assert result.stderr == f"error: {line.format(**values)}\n"


def test_an_unreachable_server_is_one_line() -> None:
    import socket

    with socket.socket() as free:  # a port nothing listens on once closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}/data.json"
    result = _update("--from", url)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {url}: could not be fetched (")
    assert result.stderr.endswith("); check the URL and the network, or give a downloaded file\n")
    assert result.stderr.count("\n") == 1


def test_a_local_file_is_read_and_recorded_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(_data(1.2)), encoding="utf-8")
    assert _update("--from", str(path)).exit_code == 0
    assert pu.status()[0].source == str(path.resolve())


def test_the_shipped_snapshot_is_never_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data_dir = price_book.BOOK_PATH.parent
    monkeypatch.setenv(pc.CACHE_ENV, str(data_dir))
    shipped = _sha(price_book.BOOK_PATH)
    path = tmp_path / "data.json"
    path.write_text(_data_text(), encoding="utf-8")
    result = _update("--from", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {pc.CACHE_ENV}: {data_dir} is the package's data directory; point it at "
        "another directory (the shipped snapshot is never overwritten)\n"
    )
    assert _sha(price_book.BOOK_PATH) == shipped


# --------------------------------------------------------------------------- GPU prices


def test_gpu_prices_update_and_the_loader_reads_them(serve: Serve, cache_dir: Path) -> None:
    shipped = _sha(SHIPPED_CSV)
    rows = _gpu_rows(1.2)
    url = serve("gpu.csv", _csv(rows))

    result = _update("--gpu-prices", url)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "GPU prices: 5 quotes; against the quotes in use: 1 changed, 0 new, "
        f"{len(_shipped_rows()) - 5} no longer listed"
    )
    assert sorted(p.name for p in cache_dir.iterdir()) == [pc.GPU_FILE, pc.META_FILE]
    quotes = tables.gpu_prices()
    assert len(quotes) == 5
    first = quotes[0]
    assert (first.gpu, first.usd_per_gpu_hour) == ("H100 SXM", float(rows[0]["usd_per_gpu_hour"]))
    assert tables.gpu_prices("H100", "on-demand", "aws")[0] == first  # by any alias
    assert _sha(SHIPPED_CSV) == shipped


def test_a_50x_gpu_price_is_refused_without_force(serve: Serve, cache_dir: Path) -> None:
    url = serve("gpu.csv", _csv(_gpu_rows(50)))
    old = float(_shipped_rows()[0]["usd_per_gpu_hour"])
    refused = _update("--gpu-prices", url)
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"error: {url}: AWS us-east-1 p5.48xlarge on-demand moves 50x (${old:g} -> "
        f"${old * 50:g} per GPU-hour); check the source, or pass --force to accept it\n"
    )
    assert not cache_dir.exists()
    assert _update("--gpu-prices", url, "--force").exit_code == 0
    assert tables.gpu_prices()[0].usd_per_gpu_hour == pytest.approx(old * 50)


def _bad_row(**cells: str) -> list[dict[str, str]]:
    rows = _gpu_rows()
    rows[1].update(cells)
    return rows


def _unknown_gpu(name: str) -> str:
    """The catalog's own message for a GPU it does not know (it names close ones)."""
    with pytest.raises(CatalogError) as err:
        tables.resolve_gpu(name)
    return str(err.value)


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        (
            _bad_row(usd_per_gpu_hour="-2"),
            "line 3.usd_per_gpu_hour: must be a positive number (got -2); give the price per GPU-hour in USD",
        ),
        (
            _bad_row(usd_per_gpu_hour="cheap"),
            "line 3.usd_per_gpu_hour: must be a positive number (got 'cheap'); give the price per GPU-hour in USD",
        ),
        (
            _bad_row(pricing="hourly"),
            "line 3.pricing: 'hourly' is not a pricing mode; use one of on-demand, reserved-1y, reserved-3y, spot",
        ),
        (_bad_row(gpu="H9000"), f"line 3.gpu: {_unknown_gpu('H9000')}; see `llmecon catalog gpus`"),
        (
            _bad_row(as_of="last week"),
            "line 3.as_of: 'last week' is not a date; give YYYY-MM-DD, YYYY-MM or undated",
        ),
        (
            _bad_row(as_of="2999-01-01"),
            "line 3.as_of: 2999-01-01 is in the future; give the date the price was quoted",
        ),
        (_bad_row(source=""), "line 3.source: must not be blank; say where the price comes from"),
    ],
    ids=["negative", "text", "pricing", "gpu", "date", "future", "no-source"],
)
def test_a_bad_gpu_row_is_one_line(
    serve: Serve, cache_dir: Path, rows: list[dict[str, str]], line: str
) -> None:
    url = serve("gpu.csv", _csv(rows))
    result = _update("--gpu-prices", url)
    assert result.exit_code == 2
    assert result.stderr == f"error: {url} {line}\n"
    assert not cache_dir.exists()


def test_a_gpu_file_without_the_columns_is_one_line_each(serve: Serve) -> None:
    url = serve("gpu.csv", "provider,gpu,price\nAWS,H100,2\n")
    result = _update("--gpu-prices", url)
    assert result.exit_code == 2
    fix = "give a CSV with the columns of the shipped gpu_prices.csv"
    assert result.stderr.splitlines()[0].startswith(
        f"error: {url}: column 'price' is not one of gpu_prices.csv's (provider, segment,"
    )
    assert result.stderr.splitlines()[1:] == [
        f"error: {url}: has no {c} column; {fix}"
        for c in ("instance_type", "usd_per_gpu_hour", "pricing", "as_of", "source")
    ]


def test_both_files_are_written_only_when_both_are_valid(serve: Serve, cache_dir: Path) -> None:
    api = serve("data.json", json.dumps(_data(1.2)))
    gpu = serve("gpu.csv", _csv(_bad_row(pricing="hourly")))
    assert _update("--from", api, "--gpu-prices", gpu).exit_code == 2
    assert not cache_dir.exists()
    gpu = serve("gpu.csv", _csv(_gpu_rows(1.2)))
    assert _update("--from", api, "--gpu-prices", gpu).exit_code == 0
    assert sorted(p.name for p in cache_dir.iterdir()) == [pc.API_FILE, pc.GPU_FILE, pc.META_FILE]


# --------------------------------------------------------------------------- status


def _shipped_newest_quote() -> tuple[str, int]:
    dated = [r["as_of"] for r in _shipped_rows() if r["as_of"][:1].isdigit()]
    return max(dated), len({r["provider"] for r in _shipped_rows()})


def _shipped_newest_price() -> str:
    book = price_book.loads(price_book.BOOK_PATH.read_text(encoding="utf-8"))
    today = dt.date.today().isoformat()
    newest: str = max(
        e[0]
        for p in book["providers"]
        for m in p["models"]
        for e in m["prices"]
        if e[0] not in (None, "other") and e[0] <= today
    )
    return newest


def _days(iso: str) -> int:
    return (dt.date.today() - dt.date.fromisoformat(iso[:10])).days


def _gpu_shipped_lines() -> list[str]:
    newest, providers = _shipped_newest_quote()
    return [
        f"GPU prices: shipped snapshot, newest quote {newest} ({_days(newest)} days ago)",
        f"  source: gpu_prices.csv shipped with llmecon {__version__}",
        f"  file: {SHIPPED_CSV}",
        f"  {len(_shipped_rows())} quotes from {providers} providers",
    ]


def test_status_of_the_shipped_prices(cache_dir: Path) -> None:
    book = price_book.loads(price_book.BOOK_PATH.read_text(encoding="utf-8"))
    version = price_book.installed_version()
    if book["genai_prices_version"] != version:
        pytest.skip("the shipped book is for another genai-prices version")
    newest = _shipped_newest_price()
    priced = len(api_prices.api_models(on=dt.date.today()))
    result = runner.invoke(app, ["prices", "status"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"API prices: shipped snapshot, newest dated price {newest} ({_days(newest)} days ago)",
        f"  source: genai-prices {version} snapshot shipped with llmecon {__version__}",
        f"  file: {price_book.BOOK_PATH}",
        f"  {len(book['providers'])} providers, {priced} priced models",
        *_gpu_shipped_lines(),
        f"cache directory: {cache_dir} (delete its files to use the shipped prices)",
    ]


def test_status_of_cached_prices(serve: Serve, cache_dir: Path) -> None:
    url = serve("data.json", json.dumps(_data(1.2)))
    assert _update("--from", url).exit_code == 0
    meta = json.loads((cache_dir / pc.META_FILE).read_text())["api"]

    result = runner.invoke(app, ["prices", "status"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"API prices: cache, fetched {meta['fetched_at']} (0 days ago)",
        f"  source: {url}",
        f"  file: {cache_dir / pc.API_FILE}",
        f"  2 providers, {meta['priced_models']} priced models; newest dated price "
        f"{meta['newest_price']}",
        *_gpu_shipped_lines(),
        f"cache directory: {cache_dir} (delete its files to use the shipped prices)",
    ]
    as_json = json.loads(runner.invoke(app, ["prices", "status", "--json"]).stdout)
    assert as_json["cache_dir"] == str(cache_dir)
    assert as_json["api"] == {
        "kind": "api",
        "in_use": "cache",
        "source": url,
        "path": str(cache_dir / pc.API_FILE),
        "fetched_at": meta["fetched_at"],
        "newest": meta["newest_price"],
        "age_days": 0,
        "count": meta["priced_models"],
        "providers": 2,
        "note": "",
    }
    assert as_json["gpu"]["in_use"] == "shipped"


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (
            lambda d: (d / pc.API_FILE).write_text("{}\n"),
            "is not the file `llmecon prices update` wrote (its SHA-256 differs)",
        ),
        (
            lambda d: (d / pc.META_FILE).write_text("not json"),
            "prices_meta.json has no record of it for this llmecon version",
        ),
    ],
    ids=["file", "meta"],
)
def test_a_damaged_cache_is_ignored_and_status_says_why(
    serve: Serve, cache_dir: Path, damage: Callable[[Path], Any], problem: str
) -> None:
    before = api_prices.api_price(*MODEL, on=ON)
    assert _update("--from", serve("data.json", json.dumps(_data(1.2)))).exit_code == 0
    damage(cache_dir)
    pu.forget_loaded()

    assert api_prices.api_price(*MODEL, on=ON) == before
    lines = runner.invoke(app, ["prices", "status"]).stdout.splitlines()
    assert lines[0].startswith("API prices: shipped snapshot, ")
    assert lines[4] == (
        f"  note: ignored the cached {pc.API_FILE}: {problem}; run `llmecon prices update` "
        "to fetch it again"
    )


def test_a_damaged_gpu_cache_is_ignored(serve: Serve, cache_dir: Path) -> None:
    assert _update("--gpu-prices", serve("gpu.csv", _csv(_gpu_rows(1.2)))).exit_code == 0
    path = cache_dir / pc.GPU_FILE
    path.write_text(path.read_text()[:-40])  # cut short
    pu.forget_loaded()
    assert len(tables.gpu_prices()) == len(_shipped_rows())
    status = pu.status()[1]
    assert (status.in_use, status.note) == (
        "shipped",
        f"ignored the cached {pc.GPU_FILE}: is not the file `llmecon prices update` wrote "
        "(its SHA-256 differs)",
    )


def test_runs_read_the_cache_without_the_network(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an update, pricing opens no connection: the loaders only read files."""
    import socket

    assert _update("--from", serve("data.json", json.dumps(_data(1.2)))).exit_code == 0
    pu.forget_loaded()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a connection was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert api_prices.api_price(*MODEL, on=ON).input_per_mtok == pytest.approx(0.18)
    assert tables.gpu_prices("H100")
