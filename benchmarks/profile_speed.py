"""Speed and memory of ``llmecon profile`` on a generated 10M-row LiteLLM SpendLogs export.

Writes the rows with DuckDB (in a temporary folder: a Parquet file with typed timestamps, and
with ``--csv`` a CSV with ISO 8601 text timestamps too), then profiles each on one core (``SET threads = 1``; OMP/BLAS threads 1) in a fresh
process, and prints rows/s and the peak resident memory (``resource.getrusage``).
Target (issue 14): 10M rows in under 10 s.

With ``--repeat N`` each file is profiled N times (fresh processes) and the best and median
CPU seconds are printed: on a shared machine the CPU time of one run varies by a second or
more. ``--keep DIR`` writes the files once and reuses them (the 10M-row CSV takes a while).

Run: python benchmarks/profile_speed.py [--rows 10000000] [--csv] [--keep DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

CHILD = r"""
import json, resource, sys, time
from llmecon.usage import profile_files
import llmecon.catalog.api_prices, duckdb  # imports are not the scan
t0, c0 = time.perf_counter(), time.process_time()
p = profile_files([sys.argv[1]], threads=1)
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "cpu_seconds": cpu, "rows": p.rows_used, "peak_mib": peak_kib / 1024,
                  "requests_per_month": p.requests_per_month}))
"""


def generate(path: Path, rows: int, fmt: str) -> None:
    """``rows`` SpendLogs rows over 90 days from 2026-01-01, two models, random tokens."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Parquet keeps typed timestamps (as a database dump does); CSV writes ISO 8601 text
    start = "TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds((i * 7919) % 7776000)"
    as_text = fmt != "parquet"
    ts = f"strftime({start}, '%Y-%m-%dT%H:%M:%SZ')" if as_text else start
    end = (
        f"strftime({start} + INTERVAL 3 SECOND, '%Y-%m-%dT%H:%M:%SZ')"
        if as_text
        else f"{start} + INTERVAL 3 SECOND"
    )
    sql = f"""
      SELECT 'req-' || i AS request_id,
        {ts} AS startTime,
        {end} AS endTime,
        CASE WHEN i % 3 = 0 THEN 'gpt-4o-mini' ELSE 'gpt-4o' END AS model,
        'openai' AS custom_llm_provider,
        500 + (i * 37) % 3000 AS prompt_tokens,
        50 + (i * 13) % 600 AS completion_tokens,
        0.001 AS spend,
        CASE WHEN i % 100 = 0 THEN 'failure' ELSE 'success' END AS status
      FROM range({rows}) t(i)
    """
    opts = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER)"
    con.execute(f"COPY ({sql}) TO '{path}' {opts}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--csv", action="store_true", help="also time a CSV of the same rows")
    ap.add_argument("--keep", type=Path, help="write (or reuse) the files in this folder")
    ap.add_argument("--repeat", type=int, default=1, help="profile each file this many times")
    a = ap.parse_args()
    formats = ["parquet", "csv"] if a.csv else ["parquet"]
    with tempfile.TemporaryDirectory() as tmp:
        d = a.keep or Path(tmp)
        for fmt in formats:
            path = Path(d) / f"spendlogs_{a.rows}.{fmt}"
            t0 = time.perf_counter()
            if not path.exists():
                generate(path, a.rows, fmt)
            gen = time.perf_counter() - t0
            runs = []
            for _ in range(max(a.repeat, 1)):
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "OMP_NUM_THREADS": "1"},
                )
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = min(runs, key=lambda x: float(x["cpu_seconds"]))
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:8} {a.rows:>12,} rows ({size:,.0f} MB, written in {gen:.1f} s): "
                f"profiled in {r['seconds']:.2f} s wall, {r['cpu_seconds']:.2f} s CPU on 1 thread "
                f"= {a.rows / r['cpu_seconds']:,.0f} rows/s (CPU), "
                f"peak memory {max(x['peak_mib'] for x in runs):,.0f} MiB; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            if len(runs) > 1:
                cpu = sorted(float(x["cpu_seconds"]) for x in runs)
                print(
                    f"{'':8} {len(runs)} runs: CPU s best {cpu[0]:.2f}, "
                    f"median {statistics.median(cpu):.2f}, worst {cpu[-1]:.2f}"
                )


if __name__ == "__main__":
    main()
