"""Scan usage exports with DuckDB: CSV, JSON, JSONL and Parquet, gzip included.

``scan(paths, fmt, mapping, since, until, models)`` returns a ``Scan``: aggregates only, never
rows. DuckDB streams the files; the SQL maps them onto the canonical columns of
``llmecon.usage.formats`` and groups them by hour, model, project and provider (scan A) and,
for per-request logs, fine log-spaced histograms of tokens and latency in the same pass. Up to
``EXACT_QUANTILE_ROWS`` rows, a second scan takes exact quantiles; above, the quantiles come
from the histograms (to 2.2 %). Where rows are malformed, a third scan per file finds the first line numbers of each kind.

Malformed rows are counted and skipped, never fatal: a timestamp that does not parse, a token
count that is missing, not a number or negative, a row without a model. Filters (``--since``,
``--until``, ``--model``) only drop well-formed rows.

Privacy: the SQL selects the mapped columns only. Prompt and response text columns
(``formats.TEXT_COLUMNS``) are never selected, so they are not read into memory beyond
DuckDB's own scan of the file, and nothing is written anywhere.

Timestamps: text with an offset or ``Z`` is converted to UTC (several offsets in one file are
fine); text without one, and Parquet ``TIMESTAMP`` columns, are taken as UTC and counted
(``Scan.naive_rows``), so that the output can say so; numbers are Unix seconds (milliseconds
above 1e11).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmecon.usage.errors import UsageError
from llmecon.usage.formats import (
    CANONICAL,
    FORMATS,
    MAP_KEYS,
    MAP_REQUIRED,
    Field,
    Format,
    detect,
    map_hint,
    with_mapping,
)

#: Rows up to which quantiles are exact (``quantile_cont``, a second scan); above, they come
#: from scan A's fine log-spaced histograms (``FINE_PER_OCTAVE``), so memory stays bounded
#: and the files are read once. [rows]
EXACT_QUANTILE_ROWS = 1_000_000
#: Histogram bins per doubling of the token count. [-]
BINS_PER_OCTAVE = 4
#: First line numbers kept per kind of malformed row. [-]
FIRST_LINES = 3
QUANTILES = (0.5, 0.9, 0.99)

#: Scan A's columns, in order.
AGG_COLUMNS = (
    "hour",
    "model",
    "project",
    "provider",
    "batch",
    "rows",
    "requests",
    "input",
    "cached",
    "cache_write",
    "output",
    "spend",
    "spend_rows",
    "failed",
    "status_rows",
    "ttft_sum",
    "ttft_rows",
    "latency_sum",
    "latency_rows",
    "end_max",
    "width_max",
)


@dataclass
class Scan:
    """What the files hold, aggregated. Times are Unix seconds (UTC)."""

    fmt: Format
    files: list[str]
    #: scan A: one tuple per (hour, model, project, provider, batch), in ``AGG_COLUMNS`` order
    groups: list[tuple[Any, ...]]
    #: rows read (after the format's own filter, e.g. Langfuse GENERATION)
    rows_read: int
    #: kind of malformed row -> count
    malformed: dict[str, int]
    #: kind -> first places ("a.csv line 7")
    first_lines: dict[str, list[str]]
    #: well-formed rows dropped by --since/--until/--model
    filtered: int
    #: rows whose timestamp had no time zone (taken as UTC)
    naive_rows: int
    #: UTC offsets seen in timestamps (``Z``, ``+02:00``...)
    offsets: list[str]
    #: scan B (per-request logs only): quantiles and histograms
    quantiles: dict[str, list[float | None]] = field(default_factory=dict)
    histograms: dict[str, dict[int, int]] = field(default_factory=dict)
    exact_quantiles: bool = True
    seconds: float = 0.0


# --------------------------------------------------------------------------- files


def _family(p: Path) -> str:
    """csv, json or parquet, from the extension (``.gz`` looked through), else the first
    bytes."""
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".csv", ".tsv", ".txt"):
        return "csv"
    if ext in (".json", ".jsonl", ".ndjson"):
        return "json"
    if ext in (".parquet", ".pq"):
        return "parquet"
    with p.open("rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        return "parquet"
    if head[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _table_fn(family: str, paths: Sequence[Path]) -> str:
    files = "[" + ", ".join(_lit(str(p)) for p in paths) + "]"
    if family == "csv":
        # every column as text, so that a stray word in a number column is a malformed row
        # (counted), not a failed scan
        return f"read_csv({files}, all_varchar=true, header=true, union_by_name=true)"
    if family == "json":
        # timestamps stay text, so that their time zone (or its absence) can be seen
        return (
            f"read_json({files}, format='auto', union_by_name=true, "
            "timestampformat='~', dateformat='~')"
        )
    return f"read_parquet({files}, union_by_name=true)"


def _check_files(paths: Sequence[str | Path]) -> list[Path]:
    out = []
    if not paths:
        raise UsageError(["FILE: no usage file given; name one or more exports"])
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError([f"{p}: no such file; check the path"])
        if p.is_dir():
            raise UsageError([f"{p}: is a directory; give the export files themselves"])
        if p.stat().st_size == 0:
            raise UsageError([f"{p}: the file is empty; export some usage first"])
        out.append(p)
    return out


# --------------------------------------------------------------------------- relations


class _Rel:
    """A relation (SQL text) and its columns (name -> DuckDB type)."""

    def __init__(self, con: Any, sql: str):
        self.sql = sql
        self.types: dict[str, str] = {
            str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM ({sql})").fetchall()
        }
        self.lower = {k.lower(): k for k in self.types}


def _flatten(con: Any, rel: _Rel) -> _Rel:
    """Pages of buckets (``data: [{start_time, results: [...]}]``) and lists of buckets
    (``results: [...]``) as one row per result, with the bucket's own fields beside it."""
    for key in ("data", "results"):
        name = rel.lower.get(key)
        if name is None or not rel.types[name].endswith("[]"):
            continue
        inner = _Rel(con, f"SELECT unnest({_ident(name)}, recursive := true) FROM ({rel.sql})")
        keep = [c for c in rel.types if c != name and c.lower() not in inner.lower]
        outer = "".join(f", {_ident(c)}" for c in keep)
        rel = _Rel(con, f"SELECT unnest({_ident(name)}, recursive := true){outer} FROM ({rel.sql})")
    return rel


def _relation(con: Any, paths: Sequence[Path]) -> _Rel:
    """All files as one relation, columns matched by name."""
    by_family: dict[str, list[Path]] = {}
    for p in paths:
        by_family.setdefault(_family(p), []).append(p)
    parts = []
    for family, ps in by_family.items():
        try:
            parts.append(_flatten(con, _Rel(con, f"SELECT * FROM {_table_fn(family, ps)}")))
        except UsageError:
            raise
        except Exception as err:
            raise UsageError([_duck_error(ps, err)]) from None
    if len(parts) == 1:
        return parts[0]
    sql = " UNION ALL BY NAME ".join(f"(SELECT * FROM ({r.sql}))" for r in parts)
    return _Rel(con, sql)


def _duck_error(paths: Sequence[Path], err: Exception) -> str:
    names = ", ".join(str(p) for p in paths)
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return f"{names}: cannot be read as a usage export ({first}); check that it is CSV, JSON, JSONL or Parquet"


# --------------------------------------------------------------------------- expressions

_INTS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_NUMERIC: tuple[str, ...] = (*_INTS, *("U" + t for t in _INTS), "FLOAT", "DOUBLE", "DECIMAL")


def _is_num(t: str) -> bool:
    return t.startswith(_NUMERIC)


class _Sql:
    """Builds the canonical expressions of one format over one relation."""

    def __init__(self, rel: _Rel, fmt: Format):
        self.rel, self.fmt = rel, fmt
        self.used: set[str] = set()
        self.ts_sql: str | None = None
        #: text timestamp SQL -> alias of its ``TRY_CAST(... AS TIMESTAMPTZ)``, computed once
        #: per row a level below (see _canonical): repeating the cast in a CASE or COALESCE
        #: would parse the text again (COALESCE evaluates every argument on every row)
        self.casts: dict[str, str] = {}

    def resolve(self, spec: str) -> tuple[str, str, str | None] | None:
        """(column SQL, its type, JSON path inside it or None) for the first alternative of
        ``spec`` (``a|b.c``) present; a column name with a dot in it is tried whole first."""
        for alt in spec.split("|"):
            whole = self.rel.lower.get(alt.lower())
            if whole is not None:
                self.used.add(whole)
                return _ident(whole), self.rel.types[whole], None
            head, _, rest = alt.partition(".")
            col = self.rel.lower.get(head.lower())
            if col is not None and rest:
                self.used.add(col)
                return _ident(col), self.rel.types[col], "$." + rest
        return None

    def _json(self, col: str, typ: str) -> str:
        if typ.startswith(("STRUCT", "MAP")):
            return f"to_json({col})"
        if typ == "JSON":
            return col
        return f"TRY_CAST({col} AS JSON)"

    def num(self, spec: str) -> str | None:
        r = self.resolve(spec)
        if r is None:
            return None
        col, typ, path = r
        if path is not None:
            return f"TRY_CAST(json_extract_string({self._json(col, typ)}, {_lit(path)}) AS DOUBLE)"
        if _is_num(typ):
            return f"CAST({col} AS DOUBLE)"
        if typ == "JSON":
            return f"TRY_CAST(({col} ->> '$') AS DOUBLE)"
        return f"TRY_CAST(CAST({col} AS VARCHAR) AS DOUBLE)"

    def text(self, spec: str) -> str | None:
        r = self.resolve(spec)
        if r is None:
            return None
        col, typ, path = r
        if path is not None:
            return f"json_extract_string({self._json(col, typ)}, {_lit(path)})"
        if typ == "JSON":
            return f"({col} ->> '$')"
        return f"CAST({col} AS VARCHAR)"

    def time(self, spec: str) -> tuple[str, str] | None:
        """(Unix seconds [s], time-zone label) expressions."""
        r = self.resolve(spec)
        if r is None:
            return None
        col, typ, _ = r
        if _is_num(typ):
            x = f"CAST({col} AS DOUBLE)"
            return f"(CASE WHEN {x} > 1e11 THEN {x} / 1000 ELSE {x} END)", "'epoch'"
        if typ.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"epoch({col})", "'tz'"
        if typ.startswith(("TIMESTAMP", "DATE")):
            # a naive timestamp: epoch() reads it as UTC
            return f"epoch({col})", "'naive'"
        s = f"({col} ->> '$')" if typ == "JSON" else f"CAST({col} AS VARCHAR)"
        cast = self.casts.setdefault(s, f"_llm_c{len(self.casts)}")
        # ISO 8601 first; an epoch number written as text is Unix seconds (the number is
        # parsed only on rows that are not ISO 8601: CASE is lazy)
        num = f"TRY_CAST({s} AS DOUBLE)"
        ts = (
            f"CASE WHEN {cast} IS NOT NULL THEN epoch({cast}) WHEN {num} > 1e11 THEN "
            f"{num} / 1000 WHEN {num} > 1e8 THEN {num} END"
        )
        label = (
            f"CASE WHEN {s} IS NULL THEN NULL WHEN {s} LIKE '%Z' OR {s} LIKE '%z' THEN 'Z' "
            f"WHEN {s} NOT LIKE '%-%' AND {s} NOT LIKE '%:%' THEN 'epoch' "
            f"WHEN length({s}) > 10 AND substr({s}, -6, 1) IN ('+', '-') THEN substr({s}, -6) "
            f"WHEN length({s}) > 10 AND substr({s}, -5, 1) IN ('+', '-') "
            f"AND substr({s}, -3, 1) <> ':' THEN substr({s}, -5) "
            f"WHEN length({s}) > 10 AND substr({s}, -3, 1) IN ('+', '-') THEN substr({s}, -3) "
            "ELSE 'naive' END"
        )
        return ts, label

    def field(self, name: str) -> str | None:
        """The SQL of canonical field ``name``, or None when the export lacks it."""
        f: Field | None = self.fmt.fields.get(name)
        if f is None:
            return "0" if name in ("cached", "cache_write") else None
        k, cols = f.kind, f.columns
        if k == "const":
            return cols[0]
        if k in ("text", "level", "flag", "tier", "status"):
            t = next((x for x in (self.text(c) for c in cols) if x is not None), None)
            if t is None:
                return None
            if k == "level":
                return f"(upper({t}) = 'ERROR')"
            if k == "flag":
                return f"(lower({t}) IN ('true', 't', '1', 'yes'))"
            if k == "tier":
                return f"(lower({t}) = 'batch')"
            if k == "status":
                n = next((x for x in (self.resolve(c) for c in cols) if x is not None), None)
                if n is not None and _is_num(n[1]) and n[2] is None:
                    return f"NOT ({n[0]} >= 200 AND {n[0]} < 300)"
                code = f"TRY_CAST({t} AS DOUBLE)"
                words = " OR ".join(
                    f"lower(trim({t})) = '{w}'" for w in ("failure", "failed", "fail", "error")
                )
                # the common words first: an IN list would become a join (slow)
                return (
                    f"CASE WHEN {t} = 'success' THEN FALSE WHEN {t} = 'failure' THEN TRUE "
                    f"WHEN {t} IS NULL OR trim({t}) = '' THEN NULL "
                    f"WHEN {code} IS NOT NULL THEN NOT ({code} >= 200 AND {code} < 300) "
                    f"ELSE ({words}) END"
                )
            return t
        if k in ("num", "num0", "ms", "s", "json", "json0"):
            vals = [x for x in (self.num(c) for c in cols) if x is not None]
            if not vals:
                return "0" if k in ("num0", "json0") else None
            v = vals[0] if len(vals) == 1 else f"COALESCE({', '.join(vals)})"
            if k in ("num0", "json0"):
                return f"COALESCE({v}, 0)"
            if k == "ms":
                return f"({v} / 1000.0)"
            return v
        if k in ("sum", "sum0", "json_sum"):
            first = self.num(cols[0])
            rest = [x for x in (self.num(c) for c in cols[1:]) if x is not None]
            if first is None and k != "sum0":
                return None
            terms = ([first] if first is not None else []) + [f"COALESCE({x}, 0)" for x in rest]
            if k == "sum0":
                terms = [f"COALESCE({x}, 0)" for x in ([first] if first else []) + rest]
            return "(" + " + ".join(terms) + ")" if terms else "0"
        if k == "span":
            a, b = self.time(cols[0]), self.time(cols[1])
            if a is None or b is None:
                return None
            # the start is parsed once, as the row's time ``_llm_t`` (see _canonical)
            start = "_llm_t" if a[0] == self.ts_sql else a[0]
            return f"({b[0]} - {start})"
        raise AssertionError(f"unknown field kind {k!r}")  # pragma: no cover


def _canonical(
    rel: _Rel, fmt: Format, where: str, numbered: bool = False
) -> tuple[str, dict[str, bool]]:
    """SELECT of the canonical columns plus ``reason`` (why a row is malformed, NULL if
    well formed); and which optional fields the export has. ``numbered`` adds ``rn``, the
    row's place in the file (counted before the format's own filter)."""
    b = _Sql(rel, fmt)
    tf = fmt.fields.get("ts")
    ts = None
    if tf is not None:
        ts = next((x for x in (b.time(c) for c in tf.columns) if x is not None), None)
    missing = [
        name
        for name in ("ts", "model", "input", "output")
        if (ts if name == "ts" else b.field(name)) is None
    ]
    if missing:
        raise _Missing(missing)
    assert ts is not None
    b.ts_sql = ts[0]
    end = None
    if fmt.bucket_end is not None:
        end = next((x for x in (b.time(c) for c in fmt.bucket_end.columns) if x is not None), None)
    cols = {name: b.field(name) for name in CANONICAL if name != "ts"}
    # a field the export lacks, or a constant 0 (no cache columns), costs no aggregate
    has = {k: v is not None and v != "0" for k, v in cols.items()}
    has["dropped"] = bool(where)
    keep = "TRUE"
    if fmt.keep is not None:
        kcol = b.text(fmt.keep[0])
        keep = f"({kcol} = {_lit(fmt.keep[1])})" if kcol is not None else "TRUE"
    first = [
        f"{ts[0]} AS _llm_t",
        f"{ts[1]} AS _llm_tz",
        f"{end[0] if end else 'NULL::DOUBLE'} AS _llm_t_end",
    ]
    sel = ["_llm_t", "_llm_tz", "_llm_t_end"]
    for name, sql in cols.items():
        alias = {"input": "inp", "output": "outp", "cache_write": "cw"}.get(name, name)
        default = {"requests": "1", "failed": "NULL::BOOLEAN", "batch": "NULL::BOOLEAN"}.get(
            name, "NULL::DOUBLE" if name not in ("model", "project", "provider") else "NULL"
        )
        sel.append(f"{sql if sql is not None else default} AS {alias}")
    source = (
        f"SELECT row_number() OVER () AS _llmecon_rn, * FROM ({rel.sql})" if numbered else rel.sql
    )
    if numbered:
        sel.append("_llmecon_rn")
    # three levels: each text timestamp is parsed once (_llm_cN), the row's time is taken once
    # (_llm_t), and the spans use it
    casts = "".join(f"TRY_CAST({s} AS TIMESTAMPTZ) AS {a}, " for s, a in b.casts.items())
    parsed = f"SELECT {casts}* FROM ({source}) WHERE {keep}"
    inner = f"SELECT {', '.join(sel)} FROM (SELECT {', '.join(first)}, * FROM ({parsed}))"
    reason = (
        "CASE WHEN _llm_t IS NULL THEN 'bad timestamp' "
        "WHEN inp IS NULL OR outp IS NULL THEN 'non-numeric token count' "
        "WHEN inp < 0 OR outp < 0 OR cached < 0 OR cw < 0 OR requests < 0 "
        "THEN 'negative token count' "
        "WHEN model IS NULL OR trim(model) = '' THEN 'unknown model' END"
    )
    sql = f"SELECT *, {reason} AS reason FROM ({inner})"
    if where:
        sql = f"SELECT *, (reason IS NULL AND NOT ({where})) AS dropped FROM ({sql})"
    else:
        sql = f"SELECT *, FALSE AS dropped FROM ({sql})"
    return sql, has


class _Missing(Exception):
    def __init__(self, fields: list[str]):
        self.fields = fields


# --------------------------------------------------------------------------- running


def _run(
    con: Any, sql: str, progress: Callable[[float], None] | None = None
) -> list[tuple[Any, ...]]:
    """Execute ``sql``; with ``progress``, report DuckDB's progress [0..1] while it runs."""
    if progress is None:
        return list(con.execute(sql).fetchall())
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            out["rows"] = con.execute(sql).fetchall()
        except Exception as err:  # re-raised in the caller's thread
            out["err"] = err

    t = threading.Thread(target=work, daemon=True)
    t.start()
    while t.is_alive():
        t.join(0.1)
        p = con.query_progress()
        if p is not None and p >= 0:
            progress(min(float(p) / 100.0, 1.0))
    progress(1.0)
    if "err" in out:
        raise out["err"]
    return list(out["rows"])


def _filters(
    since: dt.datetime | None, until: dt.datetime | None, models: Sequence[str] | None
) -> str:
    parts = []
    if since is not None:
        parts.append(f"_llm_t >= {since.timestamp()!r}")
    if until is not None:
        parts.append(f"_llm_t < {until.timestamp()!r}")
    if models:
        parts.append("model IN (" + ", ".join(_lit(m) for m in models) + ")")
    return " AND ".join(parts)


def connect(threads: int | None = None) -> Any:
    """A DuckDB connection set up for scanning: UTC session time zone, no insertion order
    kept (less memory); ``threads`` caps DuckDB's worker threads."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    # progress is tracked for our own bar (read._run), never printed by DuckDB
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def resolve_format(
    rel_columns: Sequence[str], fmt: str, mapping: Mapping[str, str] | None, where: str
) -> Format:
    """The format to read with: named, or detected from the columns (``auto``), with
    ``--map`` applied. Errors name the columns seen and the ``--map`` needed."""
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(MAP_KEYS))
    if unknown:
        raise UsageError([f"--map: unknown field {unknown[0]!r}; use one of {', '.join(MAP_KEYS)}"])
    if fmt == "auto":
        found = detect(rel_columns)
        if found is None and mapping:
            found = FORMATS["csv"]
        if found is None:
            raise UsageError(
                [
                    f"{where}: unrecognised export (columns: {_columns(rel_columns)}); "
                    f"give --format, or name the columns with {map_hint()}"
                ]
            )
    elif fmt not in FORMATS:
        raise UsageError([f"--format: unknown format {fmt!r}; use auto, {', '.join(FORMATS)}"])
    else:
        found = FORMATS[fmt]
    if found.name == "csv":
        need = [k for k in MAP_REQUIRED if k not in mapping]
        if need:
            raise UsageError(
                [
                    f"{where}: a mapped table needs {', '.join(need)} (columns: "
                    f"{_columns(rel_columns)}); give {map_hint()}"
                ]
            )
    return with_mapping(found, mapping) if mapping else found


def _columns(cols: Sequence[str], most: int = 30) -> str:
    shown = ", ".join(cols[:most])
    return shown + (f", ... ({len(cols)} in all)" if len(cols) > most else "") if cols else "none"


def scan(
    paths: Sequence[str | Path],
    fmt: str = "auto",
    mapping: Mapping[str, str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    models: Sequence[str] | None = None,
    progress: Callable[[float], None] | None = None,
    threads: int | None = None,
) -> Scan:
    """Read and aggregate the usage files (see the module docstring)."""
    t0 = time.perf_counter()
    files = _check_files(paths)
    where = ", ".join(str(p) for p in files)
    con = connect(threads)
    try:
        rel = _relation(con, files)
        form = resolve_format(list(rel.types), fmt, mapping, where)
        try:
            canon, has = _canonical(rel, form, _filters(since, until, models))
        except _Missing as m:
            names = {"ts": "timestamp", "input": "input", "output": "output", "model": "model"}
            need = " ".join(f"{names[f]}=COLUMN" for f in m.fields)
            raise UsageError(
                [
                    f"{where}: read as {form.label}, but found no column for "
                    f"{', '.join(names[f] for f in m.fields)} (columns: {_columns(list(rel.types))}); "
                    f"give --map {need}, or another --format"
                ]
            ) from None
        try:
            result = _aggregate(con, canon, form, files, progress, has)
        except UsageError:
            raise
        except Exception as err:
            raise UsageError([_duck_error(files, err)]) from None
    finally:
        con.close()
    result.seconds = time.perf_counter() - t0
    return result


#: Fine histogram bins per doubling (scan A): the quantiles of large inputs come from them,
#: to within a bin's width, 2^(1/32) - 1 = 2.2 %. [-]
FINE_PER_OCTAVE = 32
#: Histogrammed quantities: name -> SQL of the binned value (tokens, or latency in ms).
_HIST = {
    "input": "inp",
    "output": "outp",
    "ttft_s": "ttft_s * 1000",
    "latency_s": "latency_s * 1000",
}


def _aggregate(
    con: Any,
    canon: str,
    form: Format,
    files: Sequence[Path],
    progress: Callable[[float], None] | None,
    has: Mapping[str, bool] | None = None,
) -> Scan:
    ok = "reason IS NULL AND NOT dropped"
    # aggregates of the fields the export has; the others are filled in below (a sum of a
    # constant column still costs a hash-table update per row)
    has = has or {}
    aggs = [
        ("requests", "sum(requests)", None if form.fields["requests"].columns == ("1",) else 0),
        ("input", "sum(inp)", 0),
        ("cached", "sum(least(cached, inp))", 0.0),
        ("cache_write", "sum(cw)", 0.0),
        ("output", "sum(outp)", 0),
        ("spend", "sum(spend)", None),
        ("spend_rows", "count(spend)", 0),
        ("failed", "sum(CASE WHEN failed THEN 1 ELSE 0 END)", None),
        ("status_rows", "count(failed)", 0),
        ("ttft_sum", "sum(ttft_s)", None),
        ("ttft_rows", "count(ttft_s)", 0),
        ("latency_sum", "sum(latency_s)", None),
        ("latency_rows", "count(latency_s)", 0),
        ("end_max", "max(_llm_t_end)", None),
        ("width_max", "max(_llm_t_end - _llm_t)", None),
    ]
    source = {
        "requests": "requests",
        "cached": "cached",
        "cache_write": "cache_write",
        "spend": "spend",
        "spend_rows": "spend",
        "failed": "failed",
        "status_rows": "failed",
        "ttft_sum": "ttft_s",
        "ttft_rows": "ttft_s",
        "latency_sum": "latency_s",
        "latency_rows": "latency_s",
    }
    keep_aggs = []
    for name, sql, _ in aggs:
        src = source.get(name)
        if name == "requests" and form.fields["requests"].columns == ("1",):
            continue  # one request per row: the row count
        if name in ("end_max", "width_max") and form.bucket_end is None:
            continue
        if src is not None and name != "requests" and not has.get(src, True):
            continue
        keep_aggs.append((name, sql))
    kept = {n for n, _ in keep_aggs}
    # keys the export cannot vary (no project column, no filter) are constants, not keys: each
    # key costs a hash and a compare per row and grouping set
    cols = [
        "reason",
        "dropped" if has.get("dropped", True) else "FALSE",
        "_llm_tz",
        "_llm_g_hour",
        "_llm_g_model",
        "_llm_g_project" if has.get("project", True) else "NULL",
        "_llm_g_provider" if has.get("provider", True) else "NULL",
        "_llm_g_batch" if has.get("batch", True) else "NULL",
    ]
    keys = ", ".join(c for c in cols if c not in ("FALSE", "NULL"))
    # per-request logs: the fine histograms come from the same scan, as one grouping set per
    # histogrammed quantity (a CSV is tokenised and parsed once; histogram() per group, or a
    # second scan, would cost about as much again)
    hist = [
        (name, f"_llm_b{i}")
        for i, name in enumerate(_HIST)
        if form.per_request and has.get(name, True)
    ]
    f = FINE_PER_OCTAVE
    # greatest() skips a NULL: a row without the value must not land in bin 0
    bins = "".join(
        f", CASE WHEN {ok} AND {_HIST[name]} IS NOT NULL THEN "
        f"CAST(floor(log2(greatest({_HIST[name]}, 0) + 1) * {f}) AS INTEGER) END AS {alias}"
        for name, alias in hist
    )
    if hist:
        by = "GROUPING SETS ((" + keys + "), " + ", ".join(f"({a})" for _, a in hist) + ")"
        extra = "".join(f", {a}, GROUPING({a})" for _, a in hist)
    else:
        by, extra = keys, ""
    rows = _run(
        con,
        f"""
        SELECT {", ".join(cols)}, count(*), {", ".join(sql for _, sql in keep_aggs)}{extra}
        FROM (
          SELECT *,
            CASE WHEN {ok} THEN CAST(floor(_llm_t / 3600) * 3600 AS BIGINT) END AS _llm_g_hour,
            CASE WHEN {ok} THEN model END AS _llm_g_model,
            CASE WHEN {ok} THEN project END AS _llm_g_project,
            CASE WHEN {ok} THEN provider END AS _llm_g_provider,
            CASE WHEN {ok} THEN batch END AS _llm_g_batch{bins}
          FROM ({canon})
        )
        GROUP BY {by}
        """,
        progress,
    )
    malformed: dict[str, int] = {}
    groups: list[tuple[Any, ...]] = []
    filtered = naive = read = 0
    offsets: set[str] = set()
    fine: dict[str, dict[int, int]] = {name: {} for name in _HIST}
    width = 9 + len(keep_aggs)
    for r in rows:
        set_ = next((i for i in range(len(hist)) if r[width + 2 * i + 1] == 0), None)
        if set_ is not None:
            # a histogram's row: its bin (NULL for rows not counted) and the rows in it
            b = r[width + 2 * set_]
            if b is not None:
                fine[hist[set_][0]][int(b)] = int(r[8])
            continue
        r = r[:width]
        reason, dropped, tz, n = r[0], r[1], r[2], int(r[8])
        read += n
        if reason is not None:
            malformed[reason] = malformed.get(reason, 0) + n
            continue
        if tz == "naive":
            naive += n
        elif tz not in (None, "epoch", "tz"):
            offsets.add(str(tz))
        if dropped:
            filtered += n
            continue
        vals = dict(zip([n for n, _ in keep_aggs], r[9:], strict=True))
        row = [*r[3:8], n]
        for name, _, default in aggs:
            if name in kept:
                row.append(vals[name])
            elif name == "requests":
                row.append(n if default is None else None)
            else:
                row.append(default)
        groups.append(tuple(row))
    merged = _merge(groups)
    scan_ = Scan(
        form,
        [str(f) for f in files],
        merged,
        read,
        malformed,
        {},
        filtered,
        naive,
        sorted(offsets, key=lambda o: (o != "Z", o)),
    )
    if malformed:
        scan_.first_lines = _first_lines(con, files, form)
    valid = sum(int(g[5]) for g in merged)
    if form.per_request and valid:
        _per_request(con, canon, ok, valid, fine, scan_)
    return scan_


def _hist_quantile(h: dict[int, int], q: float, scale: float) -> float | None:
    """Quantile ``q`` of a fine histogram, interpolated linearly inside its bin; ``scale``
    divides the value (ms -> s)."""
    n = sum(h.values())
    if not n:
        return None
    target = q * n
    acc = 0
    for b in sorted(h):
        c = h[b]
        if acc + c >= target:
            lo = 2 ** (b / FINE_PER_OCTAVE) - 1
            hi = 2 ** ((b + 1) / FINE_PER_OCTAVE) - 1
            frac = (target - acc) / c if c else 0.0
            return (lo + frac * (hi - lo)) / scale
        acc += c
    b = max(h)
    return (2 ** ((b + 1) / FINE_PER_OCTAVE) - 1) / scale


def _merge(groups: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Scan A's rows summed over the time-zone label (a grouping key only for counting)."""
    out: dict[tuple[Any, ...], list[Any]] = {}
    for g in groups:
        key = g[:5]
        vals = list(g[5:])
        if key not in out:
            out[key] = vals
            continue
        acc = out[key]
        for i, v in enumerate(vals):
            if i >= len(vals) - 2:  # end_max, width_max
                acc[i] = v if acc[i] is None else (acc[i] if v is None else max(acc[i], v))
            elif v is not None:
                acc[i] = v if acc[i] is None else acc[i] + v
    return [(*k, *v) for k, v in sorted(out.items(), key=lambda kv: tuple(str(x) for x in kv[0]))]


def _per_request(
    con: Any, canon: str, ok: str, valid: int, fine: Mapping[str, dict[int, int]], scan_: Scan
) -> None:
    """Quantiles and chart histograms of tokens and latency from scan A's fine histograms
    (``fine``: name -> bin -> rows); up to ``EXACT_QUANTILE_ROWS`` rows, a second scan (scan
    B) takes exact quantiles instead."""
    exact = valid <= EXACT_QUANTILE_ROWS
    qs = "[" + ", ".join(str(x) for x in QUANTILES) + "]"
    r: tuple[Any, ...] = ()
    if exact:
        aggs = [f"quantile_cont({c}, {qs})" for c in ("inp", "outp", "ttft_s", "latency_s")]
        r = _run(con, f"SELECT {', '.join(aggs)} FROM ({canon}) WHERE {ok}")[0]
    step = FINE_PER_OCTAVE // BINS_PER_OCTAVE
    for name in ("input", "output"):
        chart: dict[int, int] = {}
        for k, v in fine[name].items():
            chart[k // step] = chart.get(k // step, 0) + v
        scan_.histograms[name] = dict(sorted(chart.items()))
    scan_.exact_quantiles = exact
    for i, name in enumerate(_HIST):
        if exact:
            v = r[i]
            scan_.quantiles[name] = [None if x is None else float(x) for x in (v or [None] * 3)]
        else:
            scale = 1000.0 if name.endswith("_s") else 1.0
            scan_.quantiles[name] = [_hist_quantile(fine[name], q, scale) for q in QUANTILES]


def _first_lines(con: Any, files: Sequence[Path], form: Format) -> dict[str, list[str]]:
    """Kind of malformed row -> its first places, file by file (a scan that keeps the files'
    row order; run only when some rows are malformed)."""
    con.execute("SET preserve_insertion_order = true")
    out: dict[str, list[str]] = {}
    for p in files:
        rel = _relation(con, [p])
        flat = "data" in rel.lower or "results" in rel.lower
        try:
            canon, _ = _canonical(rel, form, "", numbered=True)
        except _Missing:
            continue
        family = _family(p)
        rows = con.execute(
            f"""
            SELECT reason, rn FROM (
              SELECT _llmecon_rn AS rn, reason FROM ({canon})
            ) WHERE reason IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY reason ORDER BY rn) <= {FIRST_LINES}
            ORDER BY rn
            """
        ).fetchall()
        for reason, rn in rows:
            if flat:
                place = f"{p.name} result {rn}"
            elif family == "csv":
                place = f"{p.name} line {int(rn) + 1}"
            elif family == "json" and p.name.lower().removesuffix(".gz").endswith(
                (".jsonl", ".ndjson")
            ):
                place = f"{p.name} line {rn}"
            else:
                place = f"{p.name} record {rn}"
            lst = out.setdefault(str(reason), [])
            if len(lst) < FIRST_LINES:
                lst.append(place)
    con.execute("SET preserve_insertion_order = false")
    return out


def file_bytes(paths: Sequence[str | Path]) -> int:
    """Total size of the files [bytes] (0 for missing ones: the scan reports them)."""
    return sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
