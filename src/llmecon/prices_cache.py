"""The user's price cache: where newer prices live, and how the catalogs read them.

``llmecon prices update`` (``llmecon.prices_update``) downloads, validates and writes here; the
catalogs (``catalog.api_prices``, ``catalog.tables``) read here in preference to the shipped
snapshot. This module only reads and writes local files, and imports nothing of the catalogs
but ``price_book``'s reader, so the loaders can import it: runs stay offline.

The directory is ``$LLMECON_CACHE_DIR`` when set, else the platform's user cache
(``~/.cache/llmecon`` on Linux, under ``$XDG_CACHE_HOME`` when that is set;
``~/Library/Caches/llmecon`` on macOS; ``%LOCALAPPDATA%\\llmecon\\Cache`` on Windows). It
holds:

* ``api_price_book.jsonl``: the API price book (``catalog.price_book``'s format, with its name
  index, and an ``origin`` in the header) built from a genai-prices ``data.json``;
* ``gpu_prices.csv``: GPU rental quotes with ``gpu_prices.csv``'s columns, each GPU named as
  the catalog names it;
* ``prices_meta.json``: for each of the two, where it came from, when (UTC), its SHA-256 and
  its counts.

A cached file is used only while it has the SHA-256 recorded when it was written (validated
then). Anything else (a cut-off write, an edit, a file of another cache format) is ignored,
the shipped prices are used, and ``llmecon prices status`` says why. Nothing here ever
writes into the package: the shipped snapshot stays as released.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Environment variable naming the cache directory (tests point it at a temporary one).
CACHE_ENV = "LLMECON_CACHE_DIR"
#: Version of the files' layout; a cache of another version is ignored (update again).
CACHE_FORMAT = 1
API_FILE = "api_price_book.jsonl"
GPU_FILE = "gpu_prices.csv"
META_FILE = "prices_meta.json"
#: Columns ``tables.gpu_prices_from_rows`` reads without a default: a cached file must have them.
GPU_COLUMNS_READ = (
    "provider",
    "instance_type",
    "gpu",
    "usd_per_gpu_hour",
    "pricing",
    "as_of",
    "source",
)


class PriceDataError(ValueError):
    """Prices that cannot be used or written; ``problems`` holds one line per problem
    (``<where>: <problem>; <fix>``)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --------------------------------------------------------------------------- the directory


def cache_dir() -> Path:
    """``$LLMECON_CACHE_DIR`` when set, else the platform's user cache directory."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return (Path(local) if local else home / "AppData" / "Local") / "llmecon" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "llmecon"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    # the XDG spec: a relative path is invalid and must be ignored
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache") / "llmecon"


def shipped_dir() -> Path:
    """The package's data directory: the shipped snapshot, never written."""
    return Path(__file__).parent / "catalog" / "data"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_meta(directory: Path) -> dict[str, Any]:
    """``prices_meta.json``'s records by kind (``api``, ``gpu``); {} if absent or unreadable."""
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


@dataclass(frozen=True)
class CachedFile:
    """One cached file as read: its text and record, or why it is ignored."""

    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # None: absent or ignored
    problem: str = ""  # why an existing file is ignored ("" when absent or usable)


def read_cached(kind: str) -> CachedFile:
    """The cached file of ``kind`` (``api`` or ``gpu``), when it has the SHA-256 that
    ``prices_meta.json`` recorded for it."""
    directory = cache_dir()
    path = directory / (API_FILE if kind == "api" else GPU_FILE)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CachedFile(path)
    except OSError as err:
        return CachedFile(path, problem=f"cannot be read ({err.strerror or err})")
    meta = read_meta(directory).get(kind)
    if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT:
        return CachedFile(path, problem=f"{META_FILE} has no record of it for this llmecon version")
    if sha256(raw) != meta.get("sha256"):
        return CachedFile(
            path,
            meta,
            problem="is not the file `llmecon prices update` wrote (its SHA-256 differs)",
        )
    try:
        return CachedFile(path, meta, raw.decode("utf-8"))
    except UnicodeDecodeError:  # pragma: no cover - the checksum matched what we wrote
        return CachedFile(path, meta, problem="is not UTF-8 text")


# --------------------------------------------------------------------------- loading


def book_of(cached: CachedFile) -> tuple[dict[str, Any] | None, str]:
    """The cached price book and "", or None and why it is not used."""
    if cached.text is None:
        return None, cached.problem
    from llmecon.catalog import price_book

    try:
        book = price_book.loads(cached.text)
        origin = book.get("origin")
        models = sum(len(p["models"]) for p in book["providers"])
        if not isinstance(origin, dict) or not {"source", "fetched_at"} <= origin.keys():
            return None, "has no origin in its header"
        if not isinstance(book.get("lookup"), dict):
            return None, "has no name index"
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        return None, f"is not a price book ({err})"
    if cached.text.count("\n") != models + 1:  # the header, then one line per model
        return None, "holds another number of models than its header says"
    return book, ""


def cached_book() -> dict[str, Any] | None:
    """The API price book in the cache when it is there and intact, else None (a missing or
    broken cache never raises: ``llmecon prices status`` reports it)."""
    return book_of(read_cached("api"))[0]


def rows_of(cached: CachedFile) -> tuple[list[dict[str, str]] | None, str]:
    """The cached GPU price rows and "", or None and why they are not used. The rows were
    validated when written and the checksum holds, so this checks only what the loader
    needs (``GPU_COLUMNS_READ``): the catalogs are not imported here."""
    if cached.text is None:
        return None, cached.problem
    reader = csv.DictReader(io.StringIO(cached.text))
    missing = [c for c in GPU_COLUMNS_READ if c not in (reader.fieldnames or [])]
    if missing:
        return None, f"has no {', '.join(missing)} column"
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    return (rows, "") if rows else (None, "holds no rows")


def cached_gpu_rows() -> list[dict[str, str]] | None:
    """The GPU price rows in the cache when the file is there and intact, else None."""
    return rows_of(read_cached("gpu"))[0]


# --------------------------------------------------------------------------- writing


def check_target() -> Path:
    """The cache directory, refused when it is the package's data directory (the shipped
    snapshot is never overwritten). Raises ``PriceDataError``."""
    directory = cache_dir()
    if directory.resolve() == shipped_dir().resolve():
        raise PriceDataError(
            [
                f"{CACHE_ENV}: {directory} is the package's data directory; point it at "
                "another directory (the shipped snapshot is never overwritten)"
            ]
        )
    return directory


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never a
    part: a temporary file in the same directory, flushed, then renamed over it."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(files: Sequence[tuple[str, bytes, dict[str, Any]]]) -> list[Path]:
    """Write each ``(kind, data, record)``, then the records in ``prices_meta.json`` (last:
    until it is written, a new file's checksum has no record and the file is ignored, never
    half-used). Returns the files written."""
    directory = check_target()
    written = []
    for kind, data, _ in files:
        path = directory / (API_FILE if kind == "api" else GPU_FILE)
        atomic_write(path, data)
        written.append(path)
    meta = read_meta(directory)
    for kind, _, record in files:
        meta[kind] = record
    atomic_write(directory / META_FILE, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return written
